"""The command line: ``python -m rooflib.grade`` (grade), ``... merge`` (hand-marked points), ``... check-env``.

Exit status: 0 when every submission was graded (whatever the scores) or the command did its job,
1 when ``check-env`` found a problem, 2 for unusable arguments.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from .. import check
from ._checkenv import check_environment, format_checks
from ._execute import Limits, rooflib_dir
from ._feedback import write_feedback
from ._grade import DEFAULT_CELL_TIMEOUT, DEFAULT_TOTAL_TIMEOUT, grade_many
from ._identity import identify, load_roster
from ._report import LMS, summary, summary_text, write_csv, write_lms
from ._sandbox import probe, warning
from ._similarity import similarity, write_similarity
from ._written import export_written, merge_manual

__all__ = ["main", "expand"]


def expand(args: Sequence[str]) -> list[tuple[Path, Path | None]]:
    """(notebook, the folder argument it was found in, or None) for files and folders searched recursively.

    Checkpoint folders (``.ipynb_checkpoints``) and hidden folders are skipped; ValueError for a path
    that does not exist or a folder with no notebook.
    """
    out: list[tuple[Path, Path | None]] = []
    for a in args:
        p = Path(a)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*.ipynb") if f.is_file()
                           and not any(part.startswith(".") for part in f.relative_to(p).parts[:-1]))
            if not found:
                raise ValueError(f"folder {a!r} holds no .ipynb files (searched its subfolders too)")
            out += [(f, p) for f in found]
        elif p.is_file():
            out.append((p, None))
        else:
            raise ValueError(f"no such file or folder: {a!r}")
    return out


def _grade_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m rooflib.grade",
        description="Grade Roofline Lab exercise submissions, each in a fresh kernel in a sandbox. "
                    "Other commands: 'python -m rooflib.grade merge -h', 'python -m rooflib.grade check-env -h'.")
    p.add_argument("submissions", nargs="+", help="submission notebooks, or folders of them (searched recursively)")
    p.add_argument("--out", help="grades CSV to write (default: the CSV goes to stdout)")
    p.add_argument("--set", dest="set_", help=f"exercise set of every submission ({', '.join(check.SETS)}); "
                                              "default: read from each notebook or file name")
    p.add_argument("--timeout", type=float, default=DEFAULT_CELL_TIMEOUT,
                   help=f"per-cell timeout in seconds (default {DEFAULT_CELL_TIMEOUT})")
    p.add_argument("--total-timeout", type=float, default=DEFAULT_TOTAL_TIMEOUT,
                   help=f"per-notebook timeout in seconds (default {DEFAULT_TOTAL_TIMEOUT})")
    p.add_argument("--jobs", type=int, default=1, help="submissions graded at once (default 1; about one per core)")
    p.add_argument("--memory-gb", type=float, default=4.0, help="memory limit per kernel in GiB (default 4)")
    p.add_argument("--no-sandbox", action="store_true", help="run kernels without bwrap (said in the CSV and stderr)")
    p.add_argument("--feedback", metavar="DIR", help="write one HTML feedback page per submission into DIR")
    p.add_argument("--lms", choices=LMS, action="append", default=[],
                   help="also write the gradebook CSV Canvas or Moodle imports (next to --out, or here)")
    p.add_argument("--similarity", metavar="FILE", help="write the collusion report (pairs and evidence) to FILE")
    p.add_argument("--written", metavar="DIR", help="write the written answers, one CSV per set, for hand-marking")
    p.add_argument("--roster", metavar="CSV", help="student roster (name, id, login, email, sis_id, section columns)")
    p.add_argument("--name-pattern", metavar="REGEX",
                   help="regular expression on file names with a 'student' and/or 'id' group "
                        "(default: Canvas and Moodle download names, else the per-student folder)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def _check_out(parser: argparse.ArgumentParser, flag: str, value: str | None, folder: bool = False) -> None:
    if value is None:
        return
    parent = Path(value).resolve() if folder else Path(value).resolve().parent
    if not (parent.is_dir() or (folder and parent.parent.is_dir())):
        parser.error(f"{flag}: folder {str(parent)!r} does not exist")


def _hidden(args: argparse.Namespace, roots: list[Path]) -> list[str]:
    """Folders no submission may open: the submissions' folders, the outputs, here, home and the course tree."""
    outs = [args.out, args.feedback, args.written, args.similarity, args.roster]
    found = {str(r.resolve()) for r in roots} | {str(Path(o).resolve().parent) for o in outs if o}
    found |= {os.getcwd(), os.path.expanduser("~")}
    repo = rooflib_dir().parent
    if (repo / "pyproject.toml").is_file():
        found.add(str(repo))
    return sorted(found)


def _grade(argv: Sequence[str]) -> int:
    parser = _grade_parser()
    args = parser.parse_args(argv)
    if args.timeout <= 0 or args.total_timeout <= 0:
        parser.error(f"--timeout and --total-timeout must be positive, got {args.timeout:g} and {args.total_timeout:g}")
    if args.jobs < 1:
        parser.error(f"--jobs must be a whole number >= 1, got {args.jobs}")
    if not 0.25 <= args.memory_gb <= 1024:
        parser.error(f"--memory-gb must be from 0.25 to 1024, got {args.memory_gb:g}")
    if args.set_ is not None and args.set_ not in check.SETS:
        parser.error(f"--set must be one of {', '.join(check.SETS)}, got {args.set_!r}")
    for flag, value, folder in (("--out", args.out, False), ("--similarity", args.similarity, False),
                                ("--feedback", args.feedback, True), ("--written", args.written, True)):
        _check_out(parser, flag, value, folder)
    try:
        found = expand(args.submissions)
        roster = load_roster(args.roster) if args.roster else None
        pattern = re.compile(args.name_pattern) if args.name_pattern else None
    except (ValueError, OSError, re.error) as exc:
        parser.error(str(exc))
    if pattern is not None and not ({"student", "id"} & set(pattern.groupindex)):
        parser.error("--name-pattern needs a (?P<student>...) or (?P<id>...) group")
    usable, why = probe(not args.no_sandbox)
    if not usable:
        print(warning(why), file=sys.stderr)
    paths = [str(p) for p, _ in found]
    students = {str(p): identify(p, root, roster, pattern) for p, root in found}
    grades = grade_many(paths, set_=args.set_, cell_timeout=args.timeout, total_timeout=args.total_timeout,
                        progress=not args.no_progress, jobs=args.jobs, sandbox=not args.no_sandbox,
                        limits=Limits(memory_bytes=int(args.memory_gb * 2**30)), students=students,
                        hidden=_hidden(args, [r for _, r in found if r is not None]))
    late = sorted({g.sandbox for g in grades if g.sandbox.startswith("none: bwrap failed")})
    if late:
        print(warning(late[0]), file=sys.stderr)
    report = summary_text(summary(grades))
    written = []
    if args.out:
        write_csv(grades, args.out)
        print(report)
        written.append(args.out)
    else:
        write_csv(grades, sys.stdout)
        print(report, file=sys.stderr)
    here = Path(args.out).resolve().parent if args.out else Path.cwd()
    for kind in args.lms:
        sets = sorted({g.set for g in grades if g.set in check.SETS})
        if kind == "canvas":
            write_lms(grades, kind, here / "canvas_gradebook.csv")
            written.append(str(here / "canvas_gradebook.csv"))
        for s in sets if kind == "moodle" else []:
            write_lms(grades, kind, here / f"moodle_{s}.csv", set_=s)
            written.append(str(here / f"moodle_{s}.csv"))
    if args.feedback:
        write_feedback(grades, args.feedback)
        written.append(str(Path(args.feedback) / "index.html"))
    if args.written:
        written += [str(p) for p in export_written(grades, args.written)]
    if args.similarity:
        pairs = similarity(grades)
        write_similarity(pairs, args.similarity)
        written.append(f"{args.similarity} ({len(pairs)} pair(s))")
    if written:
        print("wrote " + ", ".join(written), file=sys.stdout if args.out else sys.stderr)
    return 0


def _merge(argv: Sequence[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m rooflib.grade merge",
                                description="Merge hand-marked written answers (written_NN.csv, manual_points "
                                            "filled in) into a grades CSV and recompute the totals.")
    p.add_argument("grades", help="the grades CSV that python -m rooflib.grade wrote")
    p.add_argument("written", nargs="+", help="written_NN.csv files with manual_points filled in")
    p.add_argument("--out", required=True, help="merged grades CSV to write (may be the grades CSV itself)")
    p.add_argument("--lms", choices=LMS, action="append", default=[], help="also write the LMS gradebook CSV")
    args = p.parse_args(argv)
    for f in [args.grades, *args.written]:
        if not Path(f).is_file():
            p.error(f"no such file: {f!r}")
    _check_out(p, "--out", args.out)
    try:
        grades, marked, blank = merge_manual(args.grades, args.written, args.out)
    except ValueError as exc:
        print(f"python -m rooflib.grade merge: error: {exc}", file=sys.stderr)
        return 2
    here = Path(args.out).resolve().parent
    for kind in args.lms:
        for s in sorted({g.set for g in grades if g.set in check.SETS}) if kind == "moodle" else [None]:
            write_lms(grades, kind, here / (f"moodle_{s}.csv" if s else "canvas_gradebook.csv"), set_=s)
    print(f"merged {marked} hand-marked point(s) into {args.out}" + (f"; {blank} written answer(s) still unmarked"
                                                                      if blank else ""))
    return 0


def _check_env(argv: Sequence[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m rooflib.grade check-env",
                                description="Check this Python environment (e.g. a hub image) as installed: pins, "
                                            "imports, a kernel, the grader and its sandbox. Creates nothing, needs "
                                            "no root.")
    p.add_argument("notebooks", nargs="*", help="notebooks to run as well (errors cite their cell numbers)")
    p.add_argument("--no-sandbox", action="store_true", help="do not try bwrap")
    p.add_argument("--timeout", type=float, default=120, help="per-cell timeout in seconds (default 120)")
    args = p.parse_args(argv)
    try:
        notebooks = [str(x) for x, _ in expand(args.notebooks)] if args.notebooks else []
    except ValueError as exc:
        p.error(str(exc))
    checks = check_environment(notebooks, sandbox=not args.no_sandbox, timeout=args.timeout)
    print(format_checks(checks))
    return 1 if any(s == "FAIL" for s, _, _ in checks) else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line (``argv`` without the program name; default ``sys.argv[1:]``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "merge":
        return _merge(argv[1:])
    if argv and argv[0] == "check-env":
        return _check_env(argv[1:])
    return _grade(argv)
