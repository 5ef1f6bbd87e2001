"""How tall a notebook cell will be on a slide: estimates in stage pixels (1280x720), for tools/build_slides.py.

The estimates follow tools/slides/rooflab-slides.css (24 px body text, 19 px code, boxes that scroll
beyond 540-560 px) and the widgets' saved state (an explorer's SVG size, an ipympl figure's size).
They need not be exact: the build uses them to move a cell that would overflow to a subslide of its
own, and the slide's script zooms out what still overflows (tests/test_slides.py checks the result
in a browser). Only the standard library.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT = 1280, 720
CONTENT_WIDTH = WIDTH - 2 * 28          # the section's side padding
SLIDE_PADDING = 2 * 14                  # the section's top + bottom padding
BUDGET = HEIGHT * 1.12                  # a slide may be zoomed out a little (to 0.9) before we split it
MIN_KEEP = HEIGHT * 0.3                 # a slide holding less than this keeps its next cell (a heading + figure)

BODY, BODY_LINE = 24, 24 * 1.35
CODE_LINE = 19 * 1.3
BODY_CHARS = int(CONTENT_WIDTH / (BODY * 0.5))      # characters per line of body text (Source Sans Pro)
CODE_CHARS = int(CONTENT_WIDTH / (19 * 0.6))
HEADINGS = {1: 44 * 1.15 + 16, 2: 36 * 1.15 + 13, 3: 30 * 1.15 + 11, 4: 26 * 1.15 + 9}
CODE_MAX, OUTPUT_MAX = 560, 540        # max-height of code and output boxes (they scroll beyond)
CELL_GAP = 8
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def widget_state(nb: Any) -> dict:
    """model id -> model (``{"model_name", "state"}``) saved in the notebook's metadata."""
    return nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})


def _wrapped(text: str, chars: int) -> int:
    return max(1, math.ceil(len(text) / chars))


@dataclass
class Block:
    """A piece of a cell that a slide can start with: a markdown paragraph, heading, list item or table
    row (``text``: its source lines; ``prefix``: the table's header rows, repeated when a new slide
    starts inside the table), a code cell's input (``output`` None) or one of its outputs (index)."""

    height: float
    text: str = ""
    prefix: str = ""
    output: int | None = None
    heading: str = ""           # a heading's level and text ("2 Glossary")
    keep: bool = False          # stays on the slide of the block after it (a heading, a table's header)


_ITEM = re.compile(r"\s*([-*+]|\d+[.)])\s")
_HEADING = re.compile(r"(#{1,6})\s+(.*?)\s*#*\s*$")
_TABLE_RULE = re.compile(r"\s*\|?[\s:|-]+\|?\s*$")


def _plain(text: str) -> str:
    """Markdown source reduced to roughly what is shown (links to their text, no tags or markup)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"[*_`]|\\[a-zA-Z]+", "", text)


def _paragraph(text: str, chars: int = BODY_CHARS) -> float:
    lines = [ln for ln in _plain(text).splitlines() if ln.strip()]
    return _wrapped(" ".join(lines), chars) * BODY_LINE + BODY * 0.45 if lines else 0.0


def markdown_blocks(source: str) -> list[Block]:
    """A markdown cell cut where a slide may break: headings, paragraphs, list items, table rows,
    display maths and fenced code stay whole. Joining the blocks' ``text`` gives back ``source``."""
    lines = source.splitlines(keepends=True)
    blocks: list[Block] = []
    i = 0

    def starts_block(s: str) -> bool:
        return bool(_HEADING.match(s) or s.startswith(("|", "```", "~~~", "$$")) or _ITEM.match(s))

    while i < len(lines):
        s = lines[i].strip()
        if not s:                                   # blank lines belong to the block before them
            if blocks:
                blocks[-1].text += lines[i]
            else:
                blocks.append(Block(0.0, lines[i]))
            i += 1
            continue
        j = i + 1
        m = _HEADING.match(s)
        if m:
            level = len(m.group(1))
            blocks.append(Block(HEADINGS.get(level, HEADINGS[4]), lines[i], heading=f"{level} {m.group(2)}", keep=True))
        elif s.startswith(("```", "~~~")):
            while j < len(lines) and not lines[j].strip().startswith(s[:3]):
                j += 1
            j = min(j + 1, len(lines))
            blocks.append(Block((j - i) * CODE_LINE + 16, "".join(lines[i:j])))
        elif s.startswith("$$"):
            if not (len(s) > 2 and s.endswith("$$")):
                while j < len(lines) and "$$" not in lines[j]:
                    j += 1
                j = min(j + 1, len(lines))
            blocks.append(Block(64 + 22 * max(0, j - i - 3), "".join(lines[i:j])))
        elif s.startswith("|"):
            header = lines[i]
            if j < len(lines) and _TABLE_RULE.match(lines[j]) and "-" in lines[j]:
                header += lines[j]
                j += 1
            row_h = lambda ln: _wrapped(_plain(ln.replace("|", " ")), int(BODY_CHARS * 1.2)) * 20 * 1.3 + 8  # noqa: E731
            blocks.append(Block(row_h(lines[i]) + 10, header, keep=True))
            while j < len(lines) and lines[j].strip().startswith("|"):
                blocks.append(Block(row_h(lines[j]), lines[j], prefix=header))
                j += 1
        else:
            item = bool(_ITEM.match(lines[i]))
            while j < len(lines) and lines[j].strip() and not starts_block(lines[j].strip()):
                j += 1
            text = "".join(lines[i:j])
            blocks.append(Block(_paragraph(text, BODY_CHARS - (3 if item else 0)), text))
        i = j
    return blocks


def markdown_height(source: str) -> float:
    """Estimated height of a markdown cell on a slide."""
    return sum(b.height for b in markdown_blocks(source)) + CELL_GAP


def _text_lines(text: str, chars: int = CODE_CHARS) -> int:
    return sum(max(1, math.ceil(len(line) / chars)) if len(line) > chars * 2 else 1 for line in text.splitlines())


def _html_height(text: str) -> float:
    rows = len(re.findall(r"<tr\b", text))
    plain = re.sub(r"<[^>]+>", "", text)
    if rows:
        return rows * 19 * 1.6 + 20
    return _wrapped(plain.strip(), BODY_CHARS) * BODY_LINE + 8


def _png_size(data_url_or_b64: str) -> tuple[int, int] | None:
    import base64
    import struct

    b64 = data_url_or_b64.split(",", 1)[-1]
    try:
        head = base64.b64decode(b64[:64] + "=" * (-len(b64[:64]) % 4))
    except ValueError:
        return None
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def widget_height(model_id: str, state: dict, depth: int = 0) -> float:
    """Height of a widget view from its saved state: boxes add up their children (VBox) or take the
    tallest (HBox), an explorer's SVG its viewBox, an ipympl figure its saved size."""
    model = state.get(model_id)
    if model is None or depth > 12:
        return 40.0
    name, st = model.get("model_name", ""), model.get("state", {})
    kids = [ref[len("IPY_MODEL_"):] for ref in st.get("children", []) if isinstance(ref, str)]
    if name == "MPLCanvasModel":
        w, h = (st.get("_size") or [1000, 600])[:2]
        return h * min(1.0, CONTENT_WIDTH / w) + 8
    if name in ("VBoxModel", "BoxModel", "GridBoxModel", "AccordionModel", "TabModel"):
        return sum(widget_height(k, state, depth + 1) for k in kids) + 4
    if name == "HBoxModel":
        return max([widget_height(k, state, depth + 1) for k in kids] or [0]) + 4
    if name in ("HTMLModel", "HTMLMathModel"):
        value = st.get("value", "")
        box = re.search(r'<svg[^>]*viewBox="0 0 ([\d.]+) ([\d.]+)"', value)
        if box:
            w, h = float(box.group(1)), float(box.group(2))
            return h * min(1.0, CONTENT_WIDTH / w) + 6
        return _html_height(value)
    if name == "OutputModel":
        return sum(output_height(o, state, depth + 1) for o in st.get("outputs", []))
    if name == "LabelModel":
        return 32.0
    return 40.0     # a slider, a dropdown, a button, a text box


def output_height(out: dict, state: dict, depth: int = 0) -> float:
    """Height of one cell output as the slides show it."""
    kind = out.get("output_type")
    if kind == "stream":
        return min(OUTPUT_MAX, _text_lines(out.get("text", "")) * CODE_LINE + 12) + CELL_GAP
    if kind == "error":
        return OUTPUT_MAX
    data = out.get("data", {})
    if WIDGET_VIEW in data:
        return widget_height(data[WIDGET_VIEW].get("model_id", ""), state, depth) + CELL_GAP
    if "image/png" in data:
        size = _png_size(data["image/png"])
        w, h = size if size else (640, 480)
        meta = out.get("metadata", {}).get("image/png", {})
        w, h = meta.get("width", w), meta.get("height", h)
        return h * min(1.0, CONTENT_WIDTH / w) + CELL_GAP
    if "text/html" in data:
        text = data["text/html"]
        return min(OUTPUT_MAX, _html_height(text if isinstance(text, str) else "".join(text))) + CELL_GAP
    if "text/latex" in data or "text/markdown" in data:
        return 64 + CELL_GAP
    text = data.get("text/plain", "")
    return min(OUTPUT_MAX, _text_lines(text if isinstance(text, str) else "".join(text)) * CODE_LINE + 12) + CELL_GAP


def cell_blocks(cell: Any, state: dict) -> list[Block]:
    """A cell as the blocks a slide may break between (see :class:`Block`)."""
    if cell.get("cell_type") == "markdown":
        blocks = markdown_blocks(cell.get("source", ""))
        if blocks:
            blocks[-1].height += CELL_GAP
        return blocks
    if cell.get("cell_type") != "code":
        return []
    blocks = []
    if "hide-input" not in cell.get("metadata", {}).get("tags", []) and cell.get("source", "").strip():
        blocks.append(Block(min(CODE_MAX, _text_lines(cell["source"]) * CODE_LINE + 16) + CELL_GAP))
    blocks += [Block(output_height(o, state), output=k) for k, o in enumerate(cell.get("outputs", []))]
    return blocks


def cell_height(cell: Any, state: dict) -> float:
    """Estimated height of a cell on a slide (input unless tagged hide-input, then its outputs)."""
    return sum(b.height for b in cell_blocks(cell, state))
