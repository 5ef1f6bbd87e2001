"""Feedback pages: one self-contained HTML file per submission, and an index, for ``--feedback DIR``.

A page shows the student, the set, the status and total, then every question with PASS or the
hint and its points, the written answers (marked by hand), the flags and the cells that raised.
Everything the submission wrote is escaped. A page is in the submission's language (``Grade.language``,
from the notebook's ``metadata.rooflib.language``: a zh edition gets a Chinese page); the index, for the
instructor, is in English.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path

from .. import check
from ..i18n import language, t
from ._model import STATUSES, Grade, auto_questions

__all__ = ["write_feedback", "page_name", "page_language"]

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


def page_language(g: Grade) -> str:
    """The language of ``g``'s feedback page: the submission's (``Grade.language``), English when it has none."""
    return getattr(g, "language", "") or "en"


def _page(g: Grade) -> str:
    with language(page_language(g)):
        return _page_text(g)


def _page_text(g: Grade) -> str:
    title = t("grade.page.title", student=g.student, set=g.set or "?")
    stem = check.SETS.get(g.set, "")
    rows = []
    for q in auto_questions(g.set) if g.set in check.SETS else []:
        msg = g.results.get(q.name, "")
        ok = msg.startswith("PASS")
        verdict = (f'<span class="pass">{t("grade.page.pass")}</span>' if ok else
                   f'<span class="miss">{t("grade.page.not_yet")}</span>')
        text = msg[len("PASS: "):] if ok else msg
        rows.append(f"<tr><td><code>{_e(q.name)}</code></td><td>{verdict}</td><td>{_e(text)}</td>"
                    f"<td>{g.points.get(q.name, 0):g} / {q.points:g}</td></tr>")
    for name, maxp in g.written_max.items():
        got = g.manual.get(name)
        answer = g.written.get(name) or t("grade.page.no_answer")
        rows.append(f"<tr><td><code>{_e(name)}</code></td><td>{t('grade.page.written')}</td>"
                    f"<td><div class='answer'>{_e(answer)}</div><div class='note'>{t('grade.page.by_hand')}</div></td>"
                    f"<td>{'' if got is None else f'{got:g}'} / {maxp:g}</td></tr>")
    flags = "".join(f"<li>{_e(f)}</li>" for f in g.flags)
    errors = "".join(f"<li>{_e(e)}</li>" for e in g.errors)
    status = t(f"grade.status.{g.status.replace(' ', '_')}") if g.status in STATUSES else g.status
    parts = [f"<!doctype html><html lang='{t('grade.page.lang')}'><head><meta charset='utf-8'><title>{_e(title)}"
             f"</title><style>{_STYLE}</style></head><body>",
             f"<h1>{_e(g.student)}</h1>",
             "<p>" + t("grade.page.set_line", set=_e(g.set or "?"), stem=_e(stem), file=_e(Path(g.file).name)) + "</p>",
             "<p>" + t("grade.page.status_line", status=_e(status), total=f"{g.total:g}", max=f"{g.max_points:g}")
             + (t("grade.page.not_marked") if g.written_max and not g.manual else "") + "</p>"]
    if g.reason:
        parts.append(f"<p class='note'>{_e(g.reason)}</p>")
    if flags:
        parts.append(f"<div class='flag'><h2>{t('grade.page.flags')}</h2><p>{t('grade.page.flags_note')}</p>"
                     f"<ul>{flags}</ul></div>")
    parts.append(f"<h2>{t('grade.page.questions')}</h2><table>{t('grade.page.table_head')}" + "".join(rows)
                 + "</table>")
    if errors:
        parts.append(f"<h2>{t('grade.page.errors')}</h2><p class='note'>{t('grade.page.errors_note')}</p>"
                     f"<ul>{errors}</ul>")
    where = t("grade.page.sandbox" if g.sandbox == "bwrap" else "grade.page.plain_kernel")
    parts.append(f"<p class='note'>{t('grade.page.footer', where=where)}</p></body></html>")
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
