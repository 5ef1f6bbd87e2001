"""A CJK font for matplotlib figures, found on Linux (fonts-noto-cjk), Windows and macOS, and the fallback:
without one, figure text stays English and a one-line notice says why (never empty boxes). Nothing global
changes: the plotting code passes ``font_kwargs()`` / ``legend_prop()`` to each text artist."""

from __future__ import annotations

import functools
import os
import re
import sys
from pathlib import Path
from typing import Any

from ._catalogue import translate
from ._language import get_language

__all__ = ["CJK_FAMILIES", "CJK_FILES", "CJK_SAMPLE", "FONT_ENV", "cjk_font", "figure_language", "figure_text",
           "font_kwargs", "legend_prop", "legend_kwargs", "notice"]

CJK_FAMILIES = (
    "Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans SC",      # Linux, any OS
    "Microsoft YaHei", "DengXian", "SimHei",                                             # Windows
    "PingFang SC", "Hiragino Sans GB", "Heiti SC", "STHeiti",                            # macOS
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK JP", "Noto Sans CJK TC",  # other Linux fonts
    "Noto Serif CJK SC", "SimSun", "Songti SC", "Arial Unicode MS", "AR PL UMing CN")
"""Font families with the Chinese glyphs, tried in this order among the fonts matplotlib knows."""

CJK_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",          # Debian / Ubuntu: fonts-noto-cjk
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",               # Arch
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",        # Fedora
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",                  # fonts-wqy-microhei
    "C:/Windows/Fonts/msyh.ttc", "C:/Windows/Fonts/Deng.ttf", "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/simsun.ttc",
    "/System/Library/Fonts/PingFang.ttc", "/System/Library/Fonts/Hiragino Sans GB.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc", "/System/Library/Fonts/STHeiti Light.ttc",
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf", "/Library/Fonts/Arial Unicode.ttf")
"""Font files tried when matplotlib's font list has none of :data:`CJK_FAMILIES` (its cache may predate them)."""

CJK_SAMPLE = "计算强度访存量屋脊点算力带宽受限预填充解码缓存"
"""Characters a font must have to count as a CJK font for the course's figures."""

FONT_ENV = "ROOFLIB_CJK_FONT"
"""Environment variable: a family name or a font file to use, or ``none`` to keep figure text English."""


_noticed: list[bool] = []
_CJK_CHAR = re.compile("[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")


def _covers(fname: str, index: int = 0) -> bool:
    """True when the font face at ``fname`` has a glyph for every character of :data:`CJK_SAMPLE`."""
    from matplotlib.ft2font import FT2Font

    try:
        face = FT2Font(fname, face_index=index)
    except (OSError, RuntimeError, ValueError):
        return False
    return all(face.get_char_index(ord(ch)) for ch in CJK_SAMPLE)


@functools.cache
def _find(choice: str) -> str | None:
    from matplotlib import font_manager

    fm = font_manager.fontManager
    if choice.lower() in ("none", "off", "0", "false", "english"):
        return None
    families = CJK_FAMILIES
    files: tuple[str, ...] = CJK_FILES
    if choice:
        families, files = ((), (choice,)) if Path(choice).is_file() else ((choice,), ())
    for family in families:
        entries = sorted((e for e in fm.ttflist if e.name == family), key=lambda e: abs(e.weight - 400))
        if entries and _covers(entries[0].fname, getattr(entries[0], "index", 0)):
            return family
    for path in files:
        if not Path(path).is_file():
            continue
        before = len(fm.ttflist)
        try:
            fm.addfont(path)        # registers the file's faces with matplotlib (no style or rcParams change)
        except (OSError, RuntimeError, ValueError):
            continue
        for e in fm.ttflist[before:]:
            if _covers(e.fname, getattr(e, "index", 0)):
                return e.name
    return None


def notice() -> str:
    """The one-line notice printed (once, to stderr) when the language needs a CJK font that is missing."""
    return f"rooflib: {translate('notice.no_cjk_font', 'en')} | {translate('notice.no_cjk_font', 'zh')}"


def cjk_font() -> str | None:
    """The family name of a font with Chinese glyphs that matplotlib can use, or None (``$ROOFLIB_CJK_FONT``
    may name one, or a font file, or say ``none``). Searched once per setting; imports matplotlib."""
    return _find(os.environ.get(FONT_ENV, "").strip())


def figure_language() -> str:
    """The language of figure text: the current language, or English (with a one-line notice, once) when it
    needs a CJK font and there is none."""
    lang = get_language()
    if lang == "en" or cjk_font() is not None:
        return lang
    if not _noticed:
        _noticed.append(True)
        print(notice(), file=sys.stderr)
    return "en"


def figure_text(key: str, /, **fields: Any) -> str:
    """``t(key, **fields)`` for text drawn by matplotlib: in :func:`figure_language`."""
    return translate(key, figure_language(), **fields)


def font_kwargs(*texts: object) -> dict[str, Any]:
    """Keyword arguments for a matplotlib text artist (``set_xlabel``, ``annotate``, ``set_title``): in Chinese,
    or when one of ``texts`` (a caller's own label or title) holds CJK characters, the default sans-serif family
    with the CJK font behind it (glyph fallback); otherwise, or without a CJK font, none."""
    own = any(isinstance(s, str) and _CJK_CHAR.search(s) for s in texts)
    if figure_language() == "en" and not own:
        return {}
    font = cjk_font()
    return {} if font is None else {"fontfamily": ["sans-serif", font]}


def legend_prop(size: float | str | None = None) -> dict[str, Any]:
    """The ``prop=`` of ``ax.legend`` (font size ``size``), with the CJK font in Chinese."""
    prop: dict[str, Any] = {} if size is None else {"size": size}
    if figure_language() != "en":
        prop["family"] = ["sans-serif", cjk_font()]
    return prop


def legend_kwargs(size: float | str, *texts: object) -> dict[str, Any]:
    """Keyword arguments for ``ax.legend`` at font size ``size``: ``fontsize=size`` when the legend needs no CJK
    font (English, and none of ``texts``, the entries a caller named, holds CJK characters), else ``prop=`` with
    the CJK font behind the default sans-serif family."""
    family = font_kwargs(*texts).get("fontfamily")
    return {"fontsize": size} if family is None else {"prop": {"size": size, "family": family}}
