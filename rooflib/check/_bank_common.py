"""What several exercise sets' questions share: the GTX 1080 Ti as the sets state it, and verdict explanations.

Each set restates these constants, with units, in its notebook; ``tests/test_check.py`` checks
that they agree with the platform catalogue (``rl.platforms``), which the expected values use.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import platforms
from ..core import Platform
from ..i18n import t, verdict

__all__ = ["GTX1080TI_PEAK", "GTX1080TI_BANDWIDTH", "gtx1080ti", "verdict_why"]

GTX1080TI_PEAK = 11.3e12  # FLOP/s, fp32 (the source material's figure)
GTX1080TI_BANDWIDTH = 484e9  # bytes/s


def gtx1080ti() -> Platform:
    """The GTX 1080 Ti from the catalogue: 11.3e12 FLOP/s fp32, 484e9 bytes/s, as sets 02 to 04 state it."""
    return platforms.get("gtx-1080-ti")


def verdict_why(platform: Callable[[], Platform], intensity: Callable[[], float]) -> Callable[[], str]:
    """An explanation of a wrong verdict: the kernel's intensity (FLOP/byte) against the platform's ridge point."""
    def why() -> str:
        p, i = platform(), float(intensity())
        side = t("check.why.below" if i < p.ridge_point else "check.why.at_or_above")
        right = "memory" if i < p.ridge_point else "compute"
        return t("check.why.verdict", intensity=f"{i:.3g}", ridge=f"{p.ridge_point:.3g}", side=side,
                 verdict=verdict(right))

    return why
