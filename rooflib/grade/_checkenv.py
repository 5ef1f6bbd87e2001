"""``python -m rooflib.grade check-env``: check an installed environment (a hub image) as it is.

Creates no virtual environment, installs nothing and needs no root: it checks the Python version,
that every package rooflib pins is installed at its pinned version, that rooflib and its plotting
and widget stack import, that a ``python3`` kernel starts and a tiny submission is graded through
the whole pipeline (collector, sandbox or its fallback), and it runs any notebooks given (errors
reported with the file's cell numbers).
"""

from __future__ import annotations

import importlib
import importlib.metadata as md
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from .. import check
from ._execute import execute
from ._notebook import code_cells, read_notebook
from ._sandbox import probe

__all__ = ["check_environment", "format_checks"]

_PIN = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*==\s*([^;\s]+)\s*(?:;(.*))?$")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> list[tuple[str, str]]:
    try:
        reqs = md.requires("rooflib") or []
    except md.PackageNotFoundError:
        return []
    out = []
    for req in reqs:
        m = _PIN.match(req)
        if m and "extra" not in (m.group(3) or ""):
            out.append((m.group(1), m.group(2)))
    return out


def check_environment(notebooks: Sequence[str | Path] = (), sandbox: bool = True,
                      timeout: float = 120) -> list[tuple[str, str, str]]:
    """Each check as (``"OK"`` | ``"WARN"`` | ``"FAIL"``, what, detail)."""
    out: list[tuple[str, str, str]] = []
    v = sys.version_info
    out.append(("OK" if v >= (3, 11) else "FAIL", "python", f"{sys.version.split()[0]} at {sys.executable}"))
    pins = _pins()
    if not pins:
        out.append(("WARN", "pins", "rooflib is not installed as a package (pip install -e .); versions not checked"))
    for name, want in pins:
        try:
            have = md.version(name)
        except md.PackageNotFoundError:
            out.append(("FAIL", name, f"not installed (rooflib pins {want})"))
            continue
        out.append(("OK" if have == want else "FAIL", name, have if have == want else f"{have}, rooflib pins {want}"))
    for mod in ("rooflib", "rooflib.check", "rooflib.plot", "matplotlib_inline", "ipywidgets", "ipympl", "nbclient"):
        try:
            importlib.import_module(mod)
            out.append(("OK", f"import {mod}", ""))
        except Exception as exc:  # noqa: BLE001 - report any import failure
            out.append(("FAIL", f"import {mod}", f"{type(exc).__name__}: {exc}"))
    usable, why = probe(sandbox)
    out.append(("OK" if usable else "WARN", "sandbox", why))
    run = execute(["import rooflib as rl", "dot_flops = rl.kernels.dot(4096).flops"], [("dot_flops", "number")],
                  cell_timeout=timeout, total_timeout=timeout * 2, sandbox=sandbox)
    end = next((r for r in run.records if r.get("k") == "end"), None)
    value = ((end or {}).get("answers") or {}).get("dot_flops", {}).get("value")
    ok = end is not None and check.evaluate("dot_flops", value).passed
    detail = f"kernel ran, answer read back and checked ({run.sandbox})" if ok else \
        f"{run.runner.get('error') or run.runner.get('install') or 'no answer came back'} ({run.sandbox})"
    out.append(("OK" if ok else "FAIL", "kernel and grader", detail))
    for nb_path in notebooks:
        try:
            nb = read_notebook(nb_path)
        except ValueError as exc:
            out.append(("FAIL", str(nb_path), str(exc)))
            continue
        tags = {i: set((c.get("metadata") or {}).get("tags") or []) for i, c in enumerate(nb.cells, start=1)}
        cells = [(n, src) for n, src in code_cells(nb) if "skip-execution" not in tags[n]]
        run = execute([src for _, src in cells], [], cell_timeout=timeout, total_timeout=timeout * 5, sandbox=sandbox)
        errors = [f"cell {cells[i][0]}: {e[0]}: {e[1][:80]}" for i, c in enumerate(run.runner.get("cells") or [])
                  for e in c.get("errors", []) if "raises-exception" not in tags[cells[i][0]]]
        broken = errors or run.runner.get("error") or run.runner.get("timed_out")
        out.append(("FAIL" if broken else "OK", str(nb_path),
                    "; ".join(errors[:3]) or str(run.runner.get("error") or ("timed out" if broken else "ran"))))
    return out


def format_checks(checks: Sequence[tuple[str, str, str]]) -> str:
    """The checks as aligned text lines, worst first in the last line's verdict."""
    lines = [f"{s:<5}{what:<28} {detail}".rstrip() for s, what, detail in checks]
    failed = sum(s == "FAIL" for s, _, _ in checks)
    lines.append(f"{'environment is ready' if not failed else f'{failed} check(s) failed'}")
    return "\n".join(lines)
