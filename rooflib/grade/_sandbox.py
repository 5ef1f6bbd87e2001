"""The sandbox a submission runs in: Debian's bubblewrap (``bwrap``) when it works here, else none, said loudly.

Inside ``bwrap`` the runner and its kernel see a read-only system (``/usr``, ``/etc``, the Python
installation and rooflib's own folder, nothing else of the grader's files), an empty ``/tmp``
of limited size that holds their private home and working folder, no network (only loopback:
the kernel and the runner that drives it are both inside), their own process, IPC and host-name
namespaces, no capabilities, and they die with the grader. The job, the boot file and the
collector's code are copied in (``--file``); the only writable path shared with the grader is
the one report file. Limits on memory, CPU time, processes, open files and file size are set by
the runner (``resource.setrlimit``) and inherited by the kernel.

Where ``bwrap`` is missing or fails (no user namespaces in some containers and hubs), or with
``--no-sandbox``, the runner runs unsandboxed in a private temporary folder, with the same limits
and the collector's own blocking of files outside that folder, processes and network; the CSV's
``sandbox`` column and a warning on stderr say so. ``ROOFLIB_BWRAP`` names another ``bwrap``
executable (tests point it at a missing or failing one).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["SANDBOX_TOP", "SANDBOX_ROOT", "BWRAP_ENV", "probe", "bwrap_command", "warning"]

BWRAP_ENV = "ROOFLIB_BWRAP"
SANDBOX_TOP = "/sandbox"  # the submission's private world inside the sandbox: work, home, tmp (a tmpfs)
SANDBOX_ROOT = f"{SANDBOX_TOP}/grade"  # where the job, boot file and report appear inside the sandbox
TMP_SIZE_BYTES = 512 * 2**20  # the sandbox's /tmp (private home, working folder, caches)


def bwrap_executable() -> str | None:
    """The bwrap to use: ``$ROOFLIB_BWRAP`` if set (may name a missing file), else ``bwrap`` on PATH."""
    return os.environ.get(BWRAP_ENV) or shutil.which("bwrap")


@functools.lru_cache(maxsize=8)
def _probe(exe: str | None) -> tuple[bool, str]:
    if not exe or not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        return False, "none: bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    try:
        r = subprocess.run([exe, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all",
                            "--die-with-parent", "--cap-drop", "ALL", "true"], capture_output=True, text=True,
                           timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return False, f"none: bwrap could not start ({type(exc).__name__}: {exc})"
    if r.returncode != 0:
        why = " ".join((r.stderr or r.stdout or f"exit status {r.returncode}").split())[:160]
        return False, f"none: bwrap fails on this machine ({why})"
    return True, "bwrap"


def probe(enabled: bool = True) -> tuple[bool, str]:
    """(usable, what the CSV's ``sandbox`` column says): ``(True, "bwrap")`` or ``(False, "none: why")``."""
    if not enabled:
        return False, "none: turned off (--no-sandbox)"
    return _probe(bwrap_executable())


def warning(why: str) -> str:
    """The stderr warning printed once per run when grading without the sandbox."""
    bar = "!" * 78
    return (f"{bar}\nWARNING: grading WITHOUT a sandbox ({why.removeprefix('none: ')}).\n"
            "Submissions run with this user's rights: they can read files this user can read and reach the "
            "network.\nThe grader still blocks and flags files outside each submission's folder, processes, "
            "signals and\nnetwork use from student code, but only bwrap isolates them. Install bubblewrap or "
            "grade on a machine\nwith user namespaces. The CSV's 'sandbox' column says 'none' for these rows.\n"
            f"{bar}")


def _system_binds() -> list[str]:
    """Read-only binds of the system folders (symlinks such as /bin -> usr/bin are recreated)."""
    args: list[str] = []
    for top in ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc"):
        path = Path("/") / top
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    return args


def _python_binds(rooflib_dir: Path) -> list[str]:
    """Read-only binds of the Python installation, its site-packages and rooflib's package folder (only that)."""
    covered = ("/usr/", "/etc/", "/bin/", "/lib/", "/lib64/", "/sbin/")
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, str(rooflib_dir),
             os.path.dirname(os.path.realpath(sys.executable)),
             *[p for p in sys.path if os.path.isabs(p) and ("site-packages" in p or "dist-packages" in p)]}
    picked: list[str] = []
    for root in sorted({os.path.realpath(r) for r in roots if os.path.exists(r)}, key=len):
        if root != "/" and not (root + "/").startswith(covered) and not any(
                (root + "/").startswith(p + "/") for p in picked):
            picked.append(root)
    return [a for root in picked for a in ("--ro-bind", root, root)]


def bwrap_command(exe: str, rooflib_dir: Path, files: dict[str, int], report: Path, workdir: str,
                  env: dict[str, str], command: list[str]) -> list[str]:
    """The bwrap argument list that runs ``command`` in the sandbox.

    ``files`` maps a path inside the sandbox to an open file descriptor whose content is copied there;
    ``report`` is the one host file bound writable (at ``SANDBOX_ROOT/report``).
    """
    args = [exe, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--hostname", "grader", *_system_binds(),
            "--dev", "/dev", "--proc", "/proc", "--size", str(TMP_SIZE_BYTES), "--tmpfs", "/tmp",
            "--size", str(TMP_SIZE_BYTES), "--tmpfs", SANDBOX_TOP,
            # after the private /tmp, so a course (or its venv) that lives under /tmp stays visible; the
            # submission's own folders are under SANDBOX_TOP, which no course path can share
            *_python_binds(rooflib_dir),
            "--dir", SANDBOX_ROOT, "--dir", workdir]
    for dest, fd in files.items():
        args += ["--file", str(fd), dest]
    args += ["--bind", str(report), f"{SANDBOX_ROOT}/report", "--chdir", workdir, "--clearenv"]
    for name, value in env.items():
        args += ["--setenv", name, value]
    return [*args, "--", *command]
