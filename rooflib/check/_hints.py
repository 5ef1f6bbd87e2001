"""The hints a miss gets: the usual slips, recognised by the ratio answer / expected, and what to recheck otherwise.

A recognised slip gets a targeted hint (a multiply-add counted once, a dtype size, a unit prefix,
GiB against GB for quantities that have binary units, the reciprocal). A miss that matches no slip
gets :func:`recheck_message`: what to recheck (the quantity, the convention, the unit), never the
factor or the direction of the miss, so the message is not an answer oracle.
"""

from __future__ import annotations

from typing import Any

__all__ = ["RTOL", "HINT_RTOL", "BINARY_RTOL", "WHOLE_RTOL", "BINARY_QUANTITIES", "RECHECK", "first_hint",
           "usual_hints", "reciprocal_hint", "recheck_message"]

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

MAC_HINT = ("a multiply-add (MAC / FMA) is 2 FLOPs, one multiply and one add; counting it once "
            "halves the FLOPs")
DTYPE_HINT = "check the bytes per element: fp64 = 8, fp32 = 4, fp16/bf16 = 2, int8/fp8 = 1"
UNIT_HINT = ("a unit prefix slip: k, M, G, T are 1e3, 1e6, 1e9, 1e12; answer in SI base units "
             "({unit}), not ms, GB or TFLOP/s")
BINARY_HINT = ("that is the gap between binary and decimal units (1 KiB = 2**10, 1 MiB = 2**20, "
               "1 GiB = 2**30 bytes; 1 kB = 1e3, 1 MB = 1e6, 1 GB = 1e9 bytes); check which one the "
               "question uses")
RECIPROCAL_HINT = ("you have the reciprocal: intensity is FLOP per byte (FLOPs / bytes), not bytes per FLOP; "
                   "a ridge point is peak / bandwidth")
RATIO_RECIPROCAL_HINT = ("you have the reciprocal: divide the other way round ('A over B' is A / B; a speedup is "
                         "old time / new time, more than 1 when the kernel gets faster)")

RECHECK = {
    "flops": "the quantity (every FLOP of the whole kernel: FLOPs per element or output x how many), the "
             "convention (an add or a multiply is 1 FLOP, a multiply-add 2) and the unit (FLOPs, not GFLOPs)",
    "bytes": "the quantity (every array read or written, each element moved once), the convention (bytes per "
             "element: fp64 8, fp32 4, fp16/bf16 2, int8 1) and the unit (bytes, not kB, MB, GB or GiB)",
    "intensity": "the quantity (the FLOPs over the bytes moved by the same kernel), the convention (a "
                 "multiply-add is 2 FLOPs; every array read or written counts) and the unit (FLOP/byte)",
    "rate": "the quantity (FLOPs per second: the roof min(pi, beta x I) at this intensity, or FLOPs / time for a "
            "measurement), the convention (a multiply-add is 2 FLOPs) and the unit (FLOP/s, not GFLOP/s or "
            "TFLOP/s)",
    "time": "the quantity (the roofline bound is the larger of the compute time FLOPs / pi and the memory time "
            "bytes / beta), the convention (2 FLOPs per multiply-add; bytes moved) and the unit (seconds, not ms)",
    "bandwidth": "the quantity (bytes moved per second), the convention (which arrays count as moved) and the "
                 "unit (bytes/s; 1 GB = 1e9 bytes, 1 GiB = 2**30 bytes)",
    "count": "the quantity (what exactly is counted), the convention (round down when it must fit, take the "
             "first whole number that reaches when it must reach) and the unit (a plain count)",
    "ratio": "the quantity (which value goes on top: 'A over B' is A / B, a speedup is old time / new time), the "
             "convention (both values for the same work, in the same units) and the unit (a plain number, not a "
             "percentage)",
}
"""What an unrecognised miss asks to recheck, by the question's ``quantity``."""
_RECHECK_DEFAULT = "the quantity, the convention and the unit the question states"


def first_hint(hints: list[tuple], r: float, rtol: float = HINT_RTOL) -> str | None:
    """The message of the first ``(ratio, message[, tolerance])`` whose ratio ``r`` is close to, else None."""
    for ratio, msg, *tol in hints:
        if abs(r - ratio) <= (tol[0] if tol else rtol) * abs(ratio):
            return msg
    return None


def usual_hints(q: Any) -> list[tuple]:
    """The usual slips for question ``q`` (by its ``quantity``), as ``(ratio, message[, tolerance])``."""
    out: list[tuple] = []
    unit = q.unit or "SI units"
    if q.quantity == "flops":
        out += [(0.5, "exactly half: " + MAC_HINT), (2.0, "exactly double: count 1 FLOP per add or multiply, "
                                                           "2 per multiply-add, no more")]
    elif q.quantity == "bytes":
        out += [(r, f"off by a factor of {r:g}: " + DTYPE_HINT) for r in (2.0, 0.5, 4.0, 0.25)]
    elif q.quantity == "intensity":
        out += [(0.5, "exactly half: either a multiply-add was counted as 1 FLOP (it is 2) or the dtype size "
                      "is doubled"),
                (2.0, "exactly double: check the dtype size (fp32 = 4 bytes, fp16 = 2) and that each "
                      "multiply-add counts 2 FLOPs, not 4")]
        out += [(r, f"off by a factor of {r:g}: " + DTYPE_HINT) for r in (4.0, 0.25)]
    generic2 = ("off by a factor of 2: two usual causes are a multiply-add counted as 1 FLOP (it is 2) "
                "and a dtype size off by 2 (fp32 = 4 bytes, fp16 = 2)")
    out += [(2.0, generic2), (0.5, generic2), (4.0, "off by a factor of 4: " + DTYPE_HINT),
            (0.25, "off by a factor of 4: " + DTYPE_HINT)]
    if q.quantity in BINARY_QUANTITIES:
        for k in (1, 2, 3):
            f = 1.024**k
            out += [(f, f"off by a factor of {f:.4g}: " + BINARY_HINT, BINARY_RTOL),
                    (1 / f, f"off by a factor of {1 / f:.4g}: " + BINARY_HINT, BINARY_RTOL)]
        for k, binary in enumerate(("KiB", "MiB", "GiB", "TiB"), start=1):
            out += [(2.0**(-10 * k), f"off by a factor of 2**-{10 * k}: the answer is wanted in {unit}, not in "
                                     f"{binary} (1 {binary} = 2**{10 * k} bytes)"),
                    (2.0**(10 * k), f"off by a factor of 2**{10 * k} (one {binary} in bytes): check the units; "
                                    f"the answer is wanted in {unit}")]
    if q.quantity not in ("count", "ratio"):
        for e in (3, 6, 9, 12):
            out += [(10.0**e, f"off by a factor of 1e{e} (too large): " + UNIT_HINT.format(unit=unit)),
                    (10.0**-e, f"off by a factor of 1e-{e} (too small): " + UNIT_HINT.format(unit=unit))]
    return out


def reciprocal_hint(q: Any) -> str:
    """The hint for an answer that is 1 / the expected value."""
    return RATIO_RECIPROCAL_HINT if q.quantity == "ratio" else RECIPROCAL_HINT


def recheck_message(q: Any, x: float, tolerance: str) -> str:
    """The message for a miss that matches no known slip: the answer given and what to recheck, no factor."""
    unit = f" {q.unit}" if q.unit else ""
    what = RECHECK.get(q.quantity, _RECHECK_DEFAULT)
    if x < 0:
        return f"got {x:.4g}{unit}: FLOPs, bytes, times and rates are all positive; recheck {what}"
    if q.rtol == 0.0:
        return f"got {x:.6g}{unit}, not the whole number asked for; recheck {what}"
    return f"got {x:.4g}{unit}, not within {tolerance} of the answer; recheck {what}"
