"""Feedback pages: one self-contained HTML file per submission, and an index, for ``--feedback DIR``.

A page shows the student, the set, the status and total, then every question with PASS or the
hint and its points, the written answers (marked by hand), the flags and the cells that raised.
Everything the submission wrote is escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path

from .. import check
from ._model import Grade, auto_questions

__all__ = ["write_feedback", "page_name"]

_STYLE = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.35rem .5rem;text-align:left;
vertical-align:top}th{background:#f3f3f3}.pass{color:#0a6b2b;font-weight:600}.miss{color:#a11;font-weight:600}
.flag{background:#fff4e5;border-left:4px solid #e67e00;padding:.5rem 1rem}.note{color:#555}
.answer{white-space:pre-wrap}"""


def page_name(g: Grade) -> str:
    """The page's file name: student and set, made safe for any file system."""
    base = f"{g.student or Path(g.file).stem}_{g.set or 'unknown'}"
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", base).strip("_")[:120] + ".html"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _page(g: Grade) -> str:
    title = f"{g.student} - set {g.set or '?'}"
    stem = check.SETS.get(g.set, "")
    rows = []
    for q in auto_questions(g.set) if g.set in check.SETS else []:
        msg = g.results.get(q.name, "")
        ok = msg.startswith("PASS")
        verdict = '<span class="pass">PASS</span>' if ok else '<span class="miss">not yet</span>'
        text = msg[len("PASS: "):] if ok else msg
        rows.append(f"<tr><td><code>{_e(q.name)}</code></td><td>{verdict}</td><td>{_e(text)}</td>"
                    f"<td>{g.points.get(q.name, 0):g} / {q.points:g}</td></tr>")
    for name, maxp in g.written_max.items():
        got = g.manual.get(name)
        answer = g.written.get(name) or "(no answer)"
        rows.append(f"<tr><td><code>{_e(name)}</code></td><td>written</td><td><div class='answer'>{_e(answer)}</div>"
                    f"<div class='note'>marked by hand</div></td>"
                    f"<td>{'' if got is None else f'{got:g}'} / {maxp:g}</td></tr>")
    flags = "".join(f"<li>{_e(f)}</li>" for f in g.flags)
    errors = "".join(f"<li>{_e(e)}</li>" for e in g.errors)
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title>"
             f"<style>{_STYLE}</style></head><body>",
             f"<h1>{_e(g.student)}</h1>",
             f"<p>Exercise set <b>{_e(g.set or '?')}</b> {_e(stem)} &middot; "
             f"file <code>{_e(Path(g.file).name)}</code></p>",
             f"<p>Status: <b>{_e(g.status)}</b> &middot; total <b>{g.total:g} / {g.max_points:g}</b>"
             + (" (written answers not marked yet)" if g.written_max and not g.manual else "") + "</p>"]
    if g.reason:
        parts.append(f"<p class='note'>{_e(g.reason)}</p>")
    if flags:
        parts.append("<div class='flag'><h2>Flags</h2><p>The grader found code that an answer does not need; "
                     "only the answers that stood before the first flagged cell count until your instructor has "
                     f"looked at it.</p><ul>{flags}</ul></div>")
    parts.append("<h2>Questions</h2><table><tr><th>question</th><th>result</th><th>feedback</th><th>points</th></tr>"
                 + "".join(rows) + "</table>")
    if errors:
        parts.append(f"<h2>Cells that raised</h2><p class='note'>Cell numbers count every cell of your file from 1."
                     f"</p><ul>{errors}</ul>")
    parts.append(f"<p class='note'>Graded in a {'sandbox' if g.sandbox == 'bwrap' else 'plain kernel'}; "
                 "re-run your notebook top to bottom to see the same checks.</p></body></html>")
    return "\n".join(parts)


def write_feedback(grades: Sequence[Grade], folder: str | Path) -> list[Path]:
    """Write one page per submission and ``index.html`` into ``folder`` (created if needed); the pages' paths."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths, used, links = [], set(), []
    for g in grades:
        name = page_name(g)
        n = 2
        while name in used:
            name, n = page_name(g).removesuffix(".html") + f"_{n}.html", n + 1
        used.add(name)
        path = out / name
        path.write_text(_page(g), encoding="utf-8")
        paths.append(path)
        links.append(f"<tr><td><a href='{_e(name)}'>{_e(g.student)}</a></td><td>{_e(g.set)}</td>"
                     f"<td>{_e(g.status)}</td><td>{g.total:g} / {g.max_points:g}</td></tr>")
    (out / "index.html").write_text(
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Feedback</title><style>{_STYLE}</style>"
        "</head><body><h1>Feedback pages</h1><table><tr><th>student</th><th>set</th><th>status</th><th>total</th></tr>"
        + "".join(links) + "</table></body></html>", encoding="utf-8")
    return paths
