"""The hints a miss gets: the usual slips, recognised by the ratio answer / expected, and what to recheck otherwise.

A recognised slip gets a targeted hint (a multiply-add counted once, a dtype size, a unit prefix,
GiB against GB for quantities that have binary units, the reciprocal). A miss that matches no slip
gets :func:`recheck_message`: what to recheck (the quantity, the convention, the unit), never the
factor or the direction of the miss, so the message is not an answer oracle. Every text comes from the
message catalogues (``rooflib/i18n``), in the language of the moment the answer is checked.
"""

from __future__ import annotations

from typing import Any

from ..i18n import t, translate

__all__ = ["RTOL", "HINT_RTOL", "BINARY_RTOL", "WHOLE_RTOL", "BINARY_QUANTITIES", "RECHECK", "Hint", "hint",
           "message_text", "unit_text", "first_hint", "usual_hints", "reciprocal_hint", "recheck_message"]

RTOL = 0.01
"""Default relative tolerance for a numeric answer (1 %)."""
HINT_RTOL = 0.01
"""How close answer / expected must be to a known slip's ratio for its hint to be shown (1 %)."""
BINARY_RTOL = 0.001
"""The same for the 1.024**k (GiB against GB) ratios: tight, so a 2 % or 5 % miss is not called a unit slip."""
WHOLE_RTOL = 1e-9
"""A whole-number answer passes within this relative distance (48.000000001 is 48; 48.001 is not)."""

BINARY_QUANTITIES = ("bytes", "bandwidth")
"""Quantities that have binary units (KiB, MiB, GiB): only these get the 1.024**k and 2**10k hints."""

RECHECK = ("flops", "bytes", "intensity", "rate", "time", "bandwidth", "count", "ratio")
"""Quantities with their own "recheck ..." text (``check.recheck.<quantity>`` in the catalogues)."""

_UNITS = {"FLOPs": "check.unit.flops", "bytes": "check.unit.bytes", "(a ratio)": "check.unit.ratio",
          "(a fraction)": "check.unit.fraction", "(a whole number)": "check.unit.whole",
          "vectors": "check.unit.vectors", "sequences": "check.unit.sequences", "GPUs": "check.unit.gpus"}


class Hint(str):
    """A catalogue message that reads as its English text (``str``) and shows in the current language
    (:meth:`text`): a question bank builds its hints once, at import, and they are shown in the language of the
    moment a miss is checked."""

    key: str
    fields: dict[str, Any]

    def __new__(cls, key: str, /, **fields: Any) -> Hint:
        self = super().__new__(cls, translate(key, "en", **fields))
        self.key, self.fields = key, fields
        return self

    def text(self) -> str:
        """The message in the current language (English fallback)."""
        return t(self.key, **self.fields)

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, Any]]:   # copy and pickle rebuild it from its key
        return (self.key,), self.fields


def hint(key: str, /, **fields: Any) -> Hint:
    """A question bank's hint or explanation: the catalogue message ``key`` with ``fields``."""
    return Hint(key, **fields)


def message_text(message: Any) -> str:
    """A hint as text in the current language (a plain string as it is)."""
    return message.text() if isinstance(message, Hint) else str(message)


def unit_text(unit: str) -> str:
    """A question's unit as shown in a message: the catalogue's word for a word unit ("(a ratio)", "bytes"),
    a symbol ("FLOP/byte", "s") as it is, "SI units" for none."""
    if not unit:
        return t("check.si_units")
    return t(_UNITS[unit]) if unit in _UNITS else unit


def first_hint(hints: list[tuple], r: float, rtol: float = HINT_RTOL) -> str | None:
    """The message of the first ``(ratio, message[, tolerance])`` whose ratio ``r`` is close to, else None."""
    for ratio, msg, *tol in hints:
        if abs(r - ratio) <= (tol[0] if tol else rtol) * abs(ratio):
            return message_text(msg)
    return None


def usual_hints(q: Any) -> list[tuple]:
    """The usual slips for question ``q`` (by its ``quantity``), as ``(ratio, message[, tolerance])``."""
    out: list[tuple] = []
    unit = unit_text(q.unit)
    dtype = t("check.hint.dtype")
    if q.quantity == "flops":
        out += [(0.5, t("check.hint.exactly_half", hint=t("check.hint.mac"))),
                (2.0, t("check.hint.exactly_double_flops"))]
    elif q.quantity == "bytes":
        out += [(r, t("check.hint.off_by", factor=r, hint=dtype)) for r in (2.0, 0.5, 4.0, 0.25)]
    elif q.quantity == "intensity":
        out += [(0.5, t("check.hint.intensity_half")), (2.0, t("check.hint.intensity_double"))]
        out += [(r, t("check.hint.off_by", factor=r, hint=dtype)) for r in (4.0, 0.25)]
    generic2 = t("check.hint.generic2")
    by4 = t("check.hint.off_by", factor=4.0, hint=dtype)
    out += [(2.0, generic2), (0.5, generic2), (4.0, by4), (0.25, by4)]
    if q.quantity in BINARY_QUANTITIES:
        binary = t("check.hint.binary")
        for k in (1, 2, 3):
            f = 1.024**k
            out += [(f, t("check.hint.off_by_binary", factor=f, hint=binary), BINARY_RTOL),
                    (1 / f, t("check.hint.off_by_binary", factor=1 / f, hint=binary), BINARY_RTOL)]
        for k, name in enumerate(("KiB", "MiB", "GiB", "TiB"), start=1):
            out += [(2.0**(-10 * k), t("check.hint.binary_small", power=10 * k, unit=unit, binary=name)),
                    (2.0**(10 * k), t("check.hint.binary_large", power=10 * k, unit=unit, binary=name))]
    if q.quantity not in ("count", "ratio"):
        prefix = t("check.hint.unit", unit=unit)
        for e in (3, 6, 9, 12):
            out += [(10.0**e, t("check.hint.too_large", power=e, hint=prefix)),
                    (10.0**-e, t("check.hint.too_small", power=e, hint=prefix))]
    return out


def reciprocal_hint(q: Any) -> str:
    """The hint for an answer that is 1 / the expected value."""
    return t("check.hint.ratio_reciprocal" if q.quantity == "ratio" else "check.hint.reciprocal")


def recheck_message(q: Any, x: float, tolerance: str) -> str:
    """The message for a miss that matches no known slip: the answer given and what to recheck, no factor."""
    unit = f" {unit_text(q.unit)}" if q.unit else ""
    what = t(f"check.recheck.{q.quantity}" if q.quantity in RECHECK else "check.recheck.default")
    if x < 0:
        return t("check.hint.recheck_negative", value=x, unit=unit, what=what)
    if q.rtol == 0.0:
        return t("check.hint.recheck_whole", value=x, unit=unit, what=what)
    return t("check.hint.recheck", value=x, unit=unit, tolerance=tolerance, what=what)
