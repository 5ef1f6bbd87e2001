"""Execute notebooks top to bottom in a fresh kernel and store their outputs without noise.

Usage: python tools/execute_notebooks.py notebooks/02_roofline.ipynb [more.ipynb ...]
       python tools/execute_notebooks.py --all        (notebooks/ and solutions/)

What "without noise" means (tests/test_notebook_hygiene.py checks it):
- no per-cell timing metadata (nbclient's record_timing is off) and no timestamps anywhere;
- execution counts 1, 2, 3, ... in order, because the whole notebook runs in one fresh kernel;
- widget state saved from this run (so static renderers show the initial view), never a stale one;
- the kernelspec is the generic "python3", and language_info keeps only name and version-free fields;
- consecutive chunks of one output stream are joined (the kernel may flush a print in two);
- widget model ids are renumbered deterministically (the kernel draws random ones each run);
- cells tagged ``course-check`` (asserts that guard the course, not teach it) are stored collapsed;
- a re-run whose only differences are machine-dependent outputs (cells tagged
  ``nbval-ignore-output`` and the widgets only they show) leaves the file untouched, so re-executing
  an unchanged notebook leaves git with no diff; ``--refresh`` stores the new measurements anyway.
"""

from __future__ import annotations

import argparse
import copy
import glob
import json
import os
import re
import sys
import uuid
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


CHECK_TAG = "course-check"          # asserts that guard the course: collapsed here, left out of site and slides
IGNORE_OUTPUT_TAG = "nbval-ignore-output"   # machine-dependent output: nbval checks shape, not value
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_ID_NAMESPACE = uuid.UUID("6f1c1a52-0c3c-4d4e-9a8e-726f6f666c62")


def clean_metadata(nb: nbformat.NotebookNode) -> None:
    """Drop machine- and run-specific metadata that would make diffs noisy."""
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
        if CHECK_TAG in cell.metadata.get("tags", []):
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True


def merge_streams(nb: nbformat.NotebookNode) -> None:
    """Join consecutive stream outputs of one stream: the kernel may flush one print in two chunks."""
    for cell in nb.cells:
        merged: list = []
        for out in cell.get("outputs", []):
            if (merged and out.get("output_type") == "stream" and merged[-1].get("output_type") == "stream"
                    and merged[-1].get("name") == out.get("name")):
                merged[-1]["text"] = merged[-1]["text"] + out["text"]
            else:
                merged.append(out)
        if "outputs" in cell:
            cell.outputs = merged


def _widget_state(nb: dict) -> dict:
    return nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})


def renumber_widget_ids(nb: nbformat.NotebookNode, seed: str) -> nbformat.NotebookNode:
    """Replace the kernel's random widget model ids with ids derived from ``seed`` and their order."""
    text = json.dumps(nb)
    ids = list(_widget_state(nb))
    ids += re.findall(r'(?:"model_id": "|IPY_MODEL_)([0-9a-f]{32})', text)
    ids = list(dict.fromkeys(ids))   # first appearance, in the kernel's (deterministic) creation order
    if not ids:
        return nb
    mapping = {old: uuid.uuid5(_ID_NAMESPACE, f"{seed}:{i}").hex for i, old in enumerate(ids)}
    text = re.sub(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])", lambda m: mapping.get(m.group(0), m.group(0)), text)
    return nbformat.from_dict(json.loads(text))


def _reachable_models(nb: dict, cells: list[dict]) -> set[str]:
    """The widget models the outputs of ``cells`` show, and every model those refer to."""
    state = _widget_state(nb)
    todo = [o["data"][WIDGET_VIEW]["model_id"] for c in cells for o in c.get("outputs", [])
            if WIDGET_VIEW in o.get("data", {})]
    seen: set[str] = set()
    while todo:
        mid = todo.pop()
        if mid in seen:
            continue
        seen.add(mid)
        todo += re.findall(r"IPY_MODEL_([0-9a-f]{32})", json.dumps(state.get(mid, {})))
    return seen


def stable_view(nb: dict) -> dict:
    """The notebook without its machine-dependent parts: outputs of cells tagged nbval-ignore-output,
    and widget models shown only by them. Two runs on different machines agree on this view."""
    nb = copy.deepcopy(nb)
    code = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    varying = [c for c in code if IGNORE_OUTPUT_TAG in c.get("metadata", {}).get("tags", [])]
    steady = [c for c in code if c not in varying]
    keep = _reachable_models(nb, steady)
    drop = _reachable_models(nb, varying) - keep
    for c in varying:
        c["outputs"] = []
    state = _widget_state(nb)
    for mid in drop:
        state.pop(mid, None)
    return nb


# ipympl saves a figure's picture in its widget state (``_data_url``) only when the canvas itself is
# displayed, not inside a VBox; a last, temporary cell stores every live figure's picture so static
# renderers (the site, GitHub, nbviewer) show the plots. The cell is removed before saving.
SNAPSHOT_FIGURES = """
def _rl_snapshot_figures():
    import base64, io
    try:
        from ipympl.backend_nbagg import Canvas
        from ipywidgets.widgets.widget import _instances
    except ImportError:
        return
    for w in list(_instances.values()):
        if isinstance(w, Canvas):
            fig = w.figure
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi="figure")
            ratio = getattr(w, "device_pixel_ratio", 1) or 1
            w._size = (fig.get_figwidth() * fig.dpi / ratio, fig.get_figheight() * fig.dpi / ratio)
            w._data_url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
_rl_snapshot_figures()
del _rl_snapshot_figures
"""


def execute(path: Path, timeout: int = 600, refresh: bool = False) -> bool:
    """Run ``path`` in a fresh kernel and store it; return whether the file changed."""
    old = nbformat.read(path, as_version=4)
    nb = copy.deepcopy(old)
    nb.cells.append(nbformat.v4.new_code_cell(SNAPSHOT_FIGURES))
    env_backup = os.environ.get("PYDEVD_DISABLE_FILE_VALIDATION")
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    try:
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                                store_widget_state=True, resources={"metadata": {"path": str(path.parent)}})
        client.execute()
    finally:
        nb.cells.pop()
        if env_backup is None:
            os.environ.pop("PYDEVD_DISABLE_FILE_VALIDATION", None)
    clean_metadata(nb)
    merge_streams(nb)
    nb = renumber_widget_ids(nb, path.stem)
    nbformat.validate(nb)
    if nb == old or (not refresh and stable_view(nb) == stable_view(old)):
        return False
    nbformat.write(nb, path)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--all", action="store_true", help="every notebook in notebooks/ and solutions/")
    parser.add_argument("--timeout", type=int, default=600, help="per-cell timeout in seconds")
    parser.add_argument("--refresh", action="store_true",
                        help="store new machine-dependent outputs even when nothing else changed")
    args = parser.parse_args(argv)
    paths = list(args.paths)
    if args.all:
        paths += [Path(p) for p in sorted(glob.glob(str(ROOT / "notebooks" / "*.ipynb")))]
        paths += [Path(p) for p in sorted(glob.glob(str(ROOT / "solutions" / "*.ipynb")))]
    if not paths:
        parser.error("give notebook paths or --all")
    for p in paths:
        print(f"executing {p}", end=" ... ", flush=True)
        print("stored" if execute(p, args.timeout, args.refresh) else "unchanged", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
