"""Run one submission's code cells in a fresh kernel (in the sandbox when it works) and read back the signed report.

Per run the grader draws a 32-byte HMAC key and a trigger word, writes them to a boot file that
the kernel-side collector reads and deletes before the first student cell, and keeps the report
file open for reading. Only lines whose HMAC verifies are kept; anything else in the report is a
problem the grade reports (something other than the collector wrote to it).
"""

from __future__ import annotations

import glob
import hashlib
import hmac
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ._sandbox import SANDBOX_ROOT, SANDBOX_TOP, bwrap_command, bwrap_executable, probe

__all__ = ["MARKER", "Limits", "Run", "execute", "rooflib_dir"]

MARKER = "__ROOFLIB_GRADE_RESULT__"
"""The old grader's output marker: a submission that prints it is flagged."""
HERE = Path(__file__).resolve().parent
MAX_REPORT_BYTES = 64 * 2**20


@dataclass(frozen=True)
class Limits:
    """Per-submission limits: kernel memory (bytes), CPU time (s), open files, file size (bytes), kept output."""

    memory_bytes: int = 4 * 2**30
    cpu_s: int = 0  # 0: the total timeout plus a minute
    open_files: int = 512
    file_bytes: int = 64 * 2**20
    extra_processes: int = 256  # on top of the user's current count (RLIMIT_NPROC; root is exempt)
    output_bytes: int = 100_000  # output kept per cell


@dataclass
class Run:
    """What came back from one run: the verified report ``records``, report ``problems``, the runner's notes."""

    records: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    runner: dict = field(default_factory=dict)
    sandbox: str = ""


def rooflib_dir() -> Path:
    """The rooflib package folder (the sandbox binds this folder, not the repository around it)."""
    return HERE.parent


def _user_tasks() -> int:
    """How many processes and threads this user runs now (RLIMIT_NPROC counts them all)."""
    uid, count = os.getuid(), 0
    for status in glob.glob("/proc/[0-9]*/status"):
        try:
            text = Path(status).read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if fields.get("Uid", "").split()[:1] == [str(uid)]:
            count += int(fields.get("Threads", "1").strip() or 1)
    return count


def _fontlist() -> str | None:
    """matplotlib's font cache file of this user, copied into each run so kernels need not rebuild it."""
    base = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "matplotlib")
    found = sorted(glob.glob(os.path.join(base, "fontlist-v*.json")))
    return found[-1] if found else None


def _collector_code(boot: str) -> str:
    """The silent request that installs the collector: its source runs with a private copy of the builtins."""
    source = "\n".join((HERE / name).read_text(encoding="utf-8")
                       for name in ("_serialise.py", "_integrity.py", "_collector.py"))
    return ("(lambda g: (exec(compile(" + repr(source) + ", '<rooflib-grade>', 'exec'), g), "
            "g['install'](" + repr(boot) + ", g['make_plain'], g['make_encode'], g['make_integrity'])))"
            "({'__builtins__': dict(vars(__import__('builtins'))), '__name__': 'rooflib_grade_collector'})")


def _env(root: str, venv_bin: str) -> dict[str, str]:
    home = f"{root}/home"
    return {"PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "HOME": home, "TMPDIR": f"{root}/tmp", "MPLCONFIGDIR": f"{root}/mpl", "IPYTHONDIR": f"{root}/ipython",
            "JUPYTER_RUNTIME_DIR": f"{root}/runtime", "JUPYTER_CONFIG_DIR": f"{home}/.jupyter",
            "JUPYTER_DATA_DIR": f"{home}/.local/share/jupyter", "JUPYTER_PLATFORM_DIRS": "1",
            "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            # the checker in the submission's kernel holds no answer key (rooflib/check/_registry.py)
            "ROOFLIB_CHECK_KEYLESS": "1"}


def _read_report(f, key: bytes) -> tuple[list[dict], list[str]]:
    records, problems = [], []
    for raw in f.read(MAX_REPORT_BYTES).splitlines():
        mac, _, body = raw.partition(b" ")
        good = hmac.new(key, body, hashlib.sha256).hexdigest().encode("ascii")
        if raw and hmac.compare_digest(mac, good):
            records.append(json.loads(body))
        elif raw.strip():
            problems.append("a line in the grader's report was not written by the grader's collector")
    seqs = [r.get("seq") for r in records]
    if seqs != list(range(len(seqs))):
        problems.append("the grader's report is out of order or has lines missing or repeated")
    return records, list(dict.fromkeys(problems))


def execute(cells: Sequence[str], questions: Sequence[tuple[str, str]], *, cell_timeout: float,
            total_timeout: float, limits: Limits = Limits(), sandbox: bool = True,
            hidden: Sequence[str] = ()) -> Run:
    """Run ``cells`` (sources, in order) with the collector watching; ``questions`` are (name, kind) pairs.

    ``hidden``: folders the submission must not open (other submissions, the grader's output).
    Never raises for what the submission does; a run that could not start says why in ``runner["error"]``.
    """
    use_bwrap, why = probe(sandbox)
    run = Run(sandbox=why)
    key, trigger = secrets.token_bytes(32), secrets.token_hex(16)
    tmp = tempfile.mkdtemp(prefix="rooflib-grade-")
    report = Path(tmp) / "report"
    report.write_bytes(b"")
    try:
        with open(report, "rb") as f:
            while True:
                root = SANDBOX_TOP if use_bwrap else tmp  # the submission's private folders
                grade_root = SANDBOX_ROOT if use_bwrap else tmp
                job, boot, copies = _job(cells, questions, key, trigger, root, grade_root, cell_timeout, total_timeout,
                                         limits, hidden)
                result, failed_start = _launch(job, boot, copies, tmp, report, use_bwrap, total_timeout)
                if use_bwrap and failed_start:
                    use_bwrap, run.sandbox = False, f"none: bwrap failed for this submission ({failed_start})"
                    continue
                run.runner = result
                break
            run.records, run.problems = _read_report(f, key)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return run


def _job(cells, questions, key, trigger, root, grade_root, cell_timeout, total_timeout, limits, hidden):
    work = f"{root}/work"
    boot = {"key": key.hex(), "trigger": trigger, "report": f"{grade_root}/report",
            "questions": [list(q) for q in questions], "private": [root],
            "hidden": [h for h in hidden if not (h.rstrip("/") + "/").startswith(root.rstrip("/") + "/")],
            "rooflib_dir": str(rooflib_dir())}
    copies, font = [], _fontlist()
    if font:
        copies.append((font, f"{grade_root}/{Path(font).name}", f"{root}/mpl/{Path(font).name}"))
    processes = (_user_tasks() + limits.extra_processes) if os.getuid() != 0 else 0
    job = {"cells": list(cells), "cell_timeout": cell_timeout, "total_timeout": total_timeout,
           "startup_timeout": 60, "trigger": trigger, "install": _collector_code(f"{grade_root}/boot.json"),
           "workdir": work, "env": _env(root, os.path.dirname(sys.executable)), "output_bytes": limits.output_bytes,
           "marker": MARKER, "make_dirs": [work, f"{root}/home", f"{root}/tmp", f"{root}/mpl", f"{root}/ipython",
                                           f"{root}/runtime"],
           "copy": [[inside, dest] for _, inside, dest in copies],
           "limits": {"memory_bytes": limits.memory_bytes, "cpu_s": limits.cpu_s or int(total_timeout) + 60,
                      "open_files": limits.open_files, "file_bytes": limits.file_bytes, "processes": processes}}
    return job, boot, copies


def _launch(job, boot, copies, tmp, report, use_bwrap, total_timeout) -> tuple[dict, str]:
    """Start the runner; (its result, "" or why the sandbox itself failed to start)."""
    host = {"job.json": json.dumps(job), "boot.json": json.dumps(boot)}
    for name, text in host.items():
        Path(tmp, name).write_text(text, encoding="utf-8")
    runner = [sys.executable, "-I", str(HERE / "_runner.py")]
    env = job["env"]
    fds: list[int] = []
    try:
        if use_bwrap:
            files = {}
            for name in host:
                fd = os.open(Path(tmp, name), os.O_RDONLY)
                fds.append(fd)
                files[f"{SANDBOX_ROOT}/{name}"] = fd
            for src, inside, _ in copies:
                fd = os.open(src, os.O_RDONLY)
                fds.append(fd)
                files[inside] = fd
            cmd = bwrap_command(bwrap_executable() or "bwrap", rooflib_dir(), files, report, job["workdir"], env,
                                [*runner, f"{SANDBOX_ROOT}/job.json"])
            cwd = None
        else:
            for src, _, dest in copies:
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                shutil.copyfile(src, dest)
            job["copy"] = []
            Path(tmp, "job.json").write_text(json.dumps(job), encoding="utf-8")
            cmd, cwd = [*runner, str(Path(tmp, "job.json"))], tmp
        try:
            proc = subprocess.run(cmd, capture_output=True, env=None if use_bwrap else env, cwd=cwd, pass_fds=fds,
                                  timeout=total_timeout + 180, start_new_session=True)
        except subprocess.TimeoutExpired:
            return {"error": "the runner did not finish in time and was stopped", "timed_out": True}, ""
    finally:
        for fd in fds:
            os.close(fd)
        for name in host:
            Path(tmp, name).unlink(missing_ok=True)
    lines = [x for x in proc.stdout.decode("utf-8", "replace").splitlines() if x.strip()]
    try:
        return json.loads(lines[-1]), ""
    except (IndexError, ValueError):
        err = " ".join(proc.stderr.decode("utf-8", "replace").split())[-300:]
        if use_bwrap and err.startswith("bwrap:"):
            return {}, err
        return {"error": f"the runner failed (exit status {proc.returncode}): {err}"}, ""
