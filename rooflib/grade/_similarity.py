"""The collusion report (``--similarity FILE``): pairs of submissions of one set that share what is rarely shared.

Evidence, per pair: the same *wrong* value on a question (when at most ``rare`` submissions of
the class gave that value: a common slip such as a multiply-add counted once is not evidence),
the same code in an answer cell (comments and spacing ignored; not the solution's own code, not
the blank template, not a one-liner shorter than ``MIN_CODE`` characters, and again rare), and the
same written answer. A pair is listed with two shared wrong answers, two shared answer cells, or
one shared written answer; the strongest first. It is a list to read, not a verdict.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from ._model import Grade
from ._notebook import answer_code, reference_notebook

__all__ = ["Pair", "similarity", "write_similarity", "MIN_CODE"]

MIN_CODE = 25  # characters of normalised code below which identical answer cells say nothing
MIN_TEXT = 40  # characters of a written answer below which identical text says nothing


@dataclass(frozen=True)
class Pair:
    """Two submissions of one set and what they share (question names; wrong values shown as name=value)."""

    set: str
    student_a: str
    file_a: str
    student_b: str
    file_b: str
    shared_wrong: tuple[str, ...]
    shared_code: tuple[str, ...]
    shared_written: tuple[str, ...]

    @property
    def score(self) -> int:
        """How strong the evidence is: a shared written answer counts 3, each other shared item 1."""
        return len(self.shared_wrong) + len(self.shared_code) + 3 * len(self.shared_written)


def _code(src: str) -> str:
    lines = [re.sub(r"#.*$", "", line) for line in src.splitlines()]
    return re.sub(r"\s+", "", "".join(lines))


def _text(s: str) -> str:
    return " ".join(s.lower().split())


def _wrong(g: Grade) -> dict[str, str]:
    """Question -> the wrong value given (as canonical JSON), for answers that were given and missed."""
    out = {}
    for name, fb in g.feedback.items():
        value = g.answers.get(name)
        if value is None or isinstance(value, dict) or fb.startswith("missing"):
            continue  # no answer, or a plot or an unsupported object: not a value two students can share by chance
        out[name] = json.dumps(value, sort_keys=True)[:200]
    return out


def similarity(grades: Sequence[Grade], rare: int = 2) -> list[Pair]:
    """Every suspicious pair among ``grades`` (same set), strongest first; ``rare``: the most submissions
    that may share an item for it to count as evidence."""
    by_set: dict[str, list[Grade]] = defaultdict(list)
    for g in grades:
        if g.set and g.status not in ("corrupt", "unknown set"):
            by_set[g.set].append(g)
    pairs = []
    for s, gs in by_set.items():
        ref = reference_notebook(s)
        skip = {name: _code(src) for name, src in answer_code(ref).items()} if ref is not None else {}
        wrong = [_wrong(g) for g in gs]
        code = [{n: c for n, src in g.answer_code.items() if len(c := _code(src)) >= MIN_CODE
                 and c != skip.get(n) and "NotImplementedError" not in c} for g in gs]
        text = [{n: t for n, v in g.written.items() if len(t := _text(v)) >= MIN_TEXT} for g in gs]
        counts = [Counter((n, v) for d in items for n, v in d.items()) for items in (wrong, code, text)]
        for i, j in combinations(range(len(gs)), 2):
            found = []
            for items, count in zip((wrong, code, text), counts):
                a, b = items[i], items[j]
                found.append(tuple(n for n in a if n in b and a[n] == b[n] and count[(n, a[n])] <= rare))
            if len(found[0]) >= 2 or len(found[1]) >= 2 or found[2]:
                shown = tuple(f"{n}={wrong[i][n]}" for n in found[0])
                pairs.append(Pair(s, gs[i].student, gs[i].file, gs[j].student, gs[j].file, shown, found[1], found[2]))
    return sorted(pairs, key=lambda p: (-p.score, p.set, p.file_a, p.file_b))


def write_similarity(pairs: Sequence[Pair], out: io.TextIOBase | str | os.PathLike) -> None:
    """The pairs as CSV: set, both students and files, the score and each kind of evidence."""
    own = not hasattr(out, "write")
    f = open(out, "w", newline="", encoding="utf-8") if own else out  # noqa: SIM115
    try:
        w = csv.writer(f)
        w.writerow(["set", "student_a", "file_a", "student_b", "file_b", "score", "shared_wrong_answers",
                    "shared_answer_code", "shared_written_answers"])
        for p in pairs:
            w.writerow([p.set, p.student_a, p.file_a, p.student_b, p.file_b, p.score, "; ".join(p.shared_wrong),
                        "; ".join(p.shared_code), "; ".join(p.shared_written)])
    finally:
        if own:
            f.close()
