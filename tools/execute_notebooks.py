"""Execute notebooks top to bottom in a fresh kernel and store their outputs without noise.

Usage: python tools/execute_notebooks.py notebooks/02_roofline.ipynb [more.ipynb ...]
       python tools/execute_notebooks.py --all        (notebooks/ and solutions/)

What "without noise" means (tests/test_notebook_hygiene.py checks it):
- no per-cell timing metadata (nbclient's record_timing is off) and no timestamps anywhere;
- execution counts 1, 2, 3, ... in order, because the whole notebook runs in one fresh kernel;
- widget state saved from this run (so static renderers show the initial view), never a stale one;
- the kernelspec is the generic "python3", and language_info keeps only name and version-free fields.
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def clean_metadata(nb: nbformat.NotebookNode) -> None:
    """Drop machine- and run-specific metadata that would make diffs noisy."""
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)


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


def execute(path: Path, timeout: int = 600) -> None:
    nb = nbformat.read(path, as_version=4)
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
    nbformat.validate(nb)
    nbformat.write(nb, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--all", action="store_true", help="every notebook in notebooks/ and solutions/")
    parser.add_argument("--timeout", type=int, default=600, help="per-cell timeout in seconds")
    args = parser.parse_args(argv)
    paths = list(args.paths)
    if args.all:
        paths += [Path(p) for p in sorted(glob.glob(str(ROOT / "notebooks" / "*.ipynb")))]
        paths += [Path(p) for p in sorted(glob.glob(str(ROOT / "solutions" / "*.ipynb")))]
    if not paths:
        parser.error("give notebook paths or --all")
    for p in paths:
        print(f"executing {p}", flush=True)
        execute(p, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
