"""Run one submission's cells in a fresh kernel, inside the sandbox: ``python -I _runner.py JOB.json``.

Started by :mod:`rooflib.grade._execute` (inside ``bwrap`` when the sandbox works), this script
imports neither rooflib nor anything the submission can reach: it reads the job file (and
deletes it), sets the resource limits the kernel inherits, starts a ``python3`` kernel with
stdout and stderr sent to /dev/null, installs the collector with one silent request, then runs
each student cell with nbclient (per-cell timeout, interrupt on timeout, errors allowed, output
capped), sending a silent "sync" request before every cell and an "end" request after the last.
It prints one JSON line: per cell, its errors and whether it timed out or printed too much;
where the kernel died; whether the whole run timed out. Scores never travel this way: the
answers go from the kernel's collector to the grader in the signed report file.
"""

import asyncio
import json
import os
import resource
import shutil
import sys
import time

# jsonschema (imported by nbformat) builds an IRI grammar at import when rfc3987_syntax is installed: about
# a second per submission for a format check a runner never uses. Its import is optional there.
sys.modules.setdefault("rfc3987_syntax", None)

LIMITS = {"memory_bytes": resource.RLIMIT_AS, "cpu_s": resource.RLIMIT_CPU, "open_files": resource.RLIMIT_NOFILE,
          "file_bytes": resource.RLIMIT_FSIZE, "processes": resource.RLIMIT_NPROC}
SYNC_TIMEOUT_S = 20


def set_limits(limits):
    """Apply the job's rlimits to this process (the kernel inherits them); no core files."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for name, value in limits.items():
        if value:
            soft, hard = resource.getrlimit(LIMITS[name])
            value = int(value) if hard == resource.RLIM_INFINITY else min(int(value), hard)
            resource.setrlimit(LIMITS[name], (value, value if name != "cpu_s" else hard))


def make_client(job, nb):
    from nbclient import NotebookClient

    cap = int(job["output_bytes"])

    class CappedClient(NotebookClient):
        """nbclient with a per-cell cap on kept output, and a note of the grader's marker in any output."""

        def output(self, outs, msg, display_id, cell_index):
            info = self.cell_info[cell_index]
            content = msg.get("content", {})
            text = str(content.get("text", "")) + str((content.get("data") or {}).get("text/plain", ""))
            if job["marker"] in text:
                info["marker"] = True
            info["bytes"] += len(text)
            if info["bytes"] > cap and msg.get("msg_type") != "error":  # errors are always kept
                info["truncated"] = True
                return None
            return super().output(outs, msg, display_id, cell_index)

    client = CappedClient(
        nb, timeout=job["cell_timeout"], kernel_name="python3", allow_errors=True, interrupt_on_timeout=True,
        error_on_timeout={"ename": "CellTimeoutError", "evalue": f"ran past {job['cell_timeout']} s and was "
                          "interrupted", "traceback": []},
        record_timing=False, startup_timeout=job["startup_timeout"], resources={"metadata": {"path": job["workdir"]}},
        shutdown_kernel="immediate")
    client.cell_info = [{"bytes": 0, "truncated": False, "marker": False} for _ in nb.cells]
    return client


async def silent(kc, code, timeout):
    """Run ``code`` as a silent request (no history, no output); True when the kernel answered 'ok'."""
    msg_id = kc.execute(code, silent=True, store_history=False, allow_stdin=False)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            reply = await kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
        except Exception:  # noqa: BLE001 - queue.Empty: keep waiting until the deadline
            continue
        if reply.get("parent_header", {}).get("msg_id") == msg_id:
            return reply.get("content", {}).get("status") == "ok"
    return False


async def run(client, job, nb, result):
    from nbclient.exceptions import DeadKernelError

    env = dict(job["env"])
    async with client.async_setup_kernel(env=env, stdout=-3, stderr=-3):  # -3: subprocess.DEVNULL
        kc = client.kc
        if not await silent(kc, job["install"], job["startup_timeout"]):
            result["install"] = "the collector could not be installed"
            return
        result["install"] = "ok"
        for index, cell in enumerate(nb.cells):
            if not await silent(kc, f"#{job['trigger']} sync {index}", SYNC_TIMEOUT_S):
                result["stuck_at"] = index
                return
            result["reached"] = index
            try:
                await client.async_execute_cell(cell, index)
            except DeadKernelError:
                result["died_at"] = index
                return
        if not await silent(kc, f"#{job['trigger']} end {len(nb.cells)}", SYNC_TIMEOUT_S):
            result["stuck_at"] = len(nb.cells)
        result["reached"] = len(nb.cells)


def summarise(nb, client_info):
    cells = []
    for cell, info in zip(nb.cells, client_info):
        errors = [[str(o.get("ename", ""))[:80], " ".join(str(o.get("evalue", "")).split())[:200]]
                  for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        cells.append({"errors": errors, "truncated": info["truncated"], "marker": info["marker"]})
    return cells


def main(job_path):
    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    os.unlink(job_path)
    for folder in job["make_dirs"]:
        os.makedirs(folder, exist_ok=True)
    for src, dest in job["copy"]:
        shutil.copyfile(src, dest)
    set_limits(job["limits"])
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in job["cells"]]
    result = {"install": "not started", "reached": -1, "died_at": None, "stuck_at": None, "timed_out": False,
              "error": None}
    client = make_client(job, nb)
    start = time.monotonic()
    try:
        asyncio.run(asyncio.wait_for(run(client, job, nb, result), job["total_timeout"]))
    except (asyncio.TimeoutError, TimeoutError):
        result["timed_out"] = True
    except Exception as exc:  # noqa: BLE001 - kernel start failures and the like: reported, not raised
        result["error"] = f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
    result["elapsed_s"] = round(time.monotonic() - start, 3)
    result["cells"] = summarise(nb, client.cell_info)
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1])
