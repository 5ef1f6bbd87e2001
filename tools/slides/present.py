"""Present a lecture live (``make present NB=02``): its slides, widgets running, served by JupyterLab.

JupyterLab's server renders the notebook with Voilà's reveal.js template (our template
``rooflab_reveal`` in tools/slides/voila: the same slide metadata, stage, CSS and fitting as the
decks of ``make slides``) at ``/voila/render/notebooks/NN_topic.ipynb``. Voilà runs the notebook in
a fresh kernel, so every slider moves its figure in front of the class; figures are drawn in the
projector style (``ROOFLAB_STYLE=slides`` and a matplotlibrc, rooflib/plot_style.py). The same server
has JupyterLab at ``/lab`` for live coding beside the slides.

Why Voilà and not jupyterlab-rise: RISE's slideshow app cannot load the ipywidgets 8 manager
(jupyterlab-contrib/rise issue 119: "Shared module @jupyterlab/console doesn't exist"), so no widget
would be live on its slides.

Keys on the slides: arrows / space to move, ``s`` speaker notes, ``f`` full screen, ``Esc`` overview.
Usage: python tools/slides/present.py NN [--port 8888] [--no-browser]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOOLS = HERE.parent
ROOT = TOOLS.parent
TEMPLATE = "rooflab_reveal"
WIDTH, HEIGHT = 1280, 720


def notebook(nn: str, root: Path = ROOT) -> Path:
    """``notebooks/NN_*.ipynb`` for ``nn`` ("02", or a notebook path)."""
    if nn.endswith(".ipynb"):
        path = (root / nn) if not Path(nn).is_absolute() else Path(nn)
        if path.is_file():
            return path
        raise SystemExit(f"present: no notebook {nn}")
    found = sorted((root / "notebooks").glob(f"{nn}_*.ipynb"))
    if not found:
        known = ", ".join(p.name.split("_", 1)[0] for p in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb")))
        raise SystemExit(f"present: no lecture {nn!r} in notebooks/ (known: {known}); usage: make present NB=02")
    return found[0]


def prepare(dest: Path) -> Path:
    """Write a Jupyter data folder holding the Voilà template (``dest/share/jupyter``), with its static
    files: our CSS/JS, reveal.js's CSS, theme and fonts, jQuery and MathJax (npm, as for the decks).
    Returns the folder."""
    sys.path.insert(0, str(TOOLS))
    import build_site

    data = dest / "share" / "jupyter"
    tdir = data / "voila" / "templates" / TEMPLATE
    shutil.rmtree(tdir, ignore_errors=True)
    shutil.copytree(HERE / "voila" / TEMPLATE, tdir)
    static = tdir / "static"
    static.mkdir(parents=True, exist_ok=True)
    for name in ("rooflab-slides.css", "rooflab-slides.js"):
        shutil.copy2(HERE / name, static / name)
    reveal = build_site.npm_package("reveal.js")
    shutil.copytree(reveal / "dist", static / "reveal" / "dist", dirs_exist_ok=True)
    shutil.copy2(build_site.npm_package("jquery") / "dist" / "jquery.min.js", static / "jquery.min.js")
    mathjax = build_site.npm_package("mathjax")
    for part in build_site.MATHJAX_PARTS:          # Voilà's own default is a CDN
        src = mathjax / part
        if src.is_dir():
            shutil.copytree(src, static / "mathjax" / part, dirs_exist_ok=True)
        elif src.is_file():
            (static / "mathjax" / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, static / "mathjax" / part)
    return data


def server_config(dest: Path) -> Path:
    """A Jupyter server config file (JSON) for presenting: Voilà renders with our template, code shown,
    reveal.js's CSS from the template's static folder, the 16:9 stage. Returns its path."""
    static = f"/voila/templates/{TEMPLATE}/static/"
    config = {"VoilaConfiguration": {
        "template": TEMPLATE, "strip_sources": False,
        "resources": {"reveal": {"url_prefix": static + "reveal", "theme": "white", "transition": "none",
                                 "width": str(WIDTH), "height": str(HEIGHT), "scroll": False}}}}
    config["VoilaExporter"] = config["HTMLExporter"] = {"jquery_url": static + "jquery.min.js"}
    config["ServerApp"] = {"tornado_settings": {"mathjax_url": static + "mathjax/MathJax.js",
                                                "mathjax_config": "TeX-AMS_CHTML-full,Safe"}}
    path = dest / "jupyter_present_config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, indent=1), encoding="utf-8")
    return path


def server_args(nb_rel: str, dest: Path) -> list[str]:
    """jupyter-lab options: the presenting config (:func:`server_config`) and the slides as first page."""
    return [f"--config={server_config(dest)}", f"--LabApp.default_url=/voila/render/{nb_rel}"]


def environment(data: Path, work: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """The server's environment: our Jupyter data folder first, the projector style for its kernels."""
    sys.path.insert(0, str(ROOT))
    from rooflib import plot_style

    env = dict(os.environ if base is None else base)
    env["JUPYTER_PATH"] = os.pathsep.join([str(data)] + ([env["JUPYTER_PATH"]] if env.get("JUPYTER_PATH") else []))
    rc = work / "matplotlibrc-slides"
    rc.mkdir(parents=True, exist_ok=True)
    (rc / "matplotlibrc").write_text(plot_style.matplotlibrc("slides"), encoding="utf-8")
    env[plot_style.ENV] = "slides"
    env["MATPLOTLIBRC"] = str(rc)
    env.pop("MPLBACKEND", None)          # the notebooks choose ipympl themselves
    return env


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("lecture", help="the lecture number (02) or a notebook path")
    ap.add_argument("--port", type=int, default=8888)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args(argv)
    nb = notebook(args.lecture)
    work = ROOT / "build" / "present"
    data = prepare(work)
    rel = nb.resolve().relative_to(ROOT).as_posix()
    lab = Path(sys.executable).with_name("jupyter-lab")
    cmd = [str(lab), f"--port={args.port}", f"--ServerApp.root_dir={ROOT}",
           *server_args(rel, work)]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    if args.no_browser:
        cmd.append("--no-browser")
    print(f"present: {rel} as live slides at http://localhost:{args.port}/voila/render/{rel}\n"
          f"present: JupyterLab beside it at http://localhost:{args.port}/lab ; Ctrl+C twice to stop", flush=True)
    os.execve(cmd[0], cmd, environment(data, work))
    return 0


if __name__ == "__main__":
    sys.exit(main())
