"""Languages for the course: a language setting, message catalogues and CJK fonts for figures.

``rl.i18n.set_language("zh")`` (the Chinese notebooks do it in their import cell) makes the library's
prose Chinese: check messages and hints, widget labels and verdicts, figure titles, axis labels and
annotations. Library code asks for its text with ``t("plot.xlabel")`` (``t(key, **fields)`` formats
``{fields}``); a key without a Chinese text falls back to English. The catalogues are TOML files beside
this module (``en.toml``, ``zh.toml``); keys are ``area.name`` (``verdict.memory``, ``roof.ridge_label``).

Verdicts stay ``"memory"`` / ``"compute"`` in data; only their display words are translated
(``verdict("memory")``). Figures drawn by matplotlib need a font with CJK glyphs: :func:`cjk_font` finds
one (Debian's fonts-noto-cjk, common Windows and macOS fonts); without one, :func:`figure_text` gives
English text and a one-line notice, never empty boxes. ``font_kwargs()`` / ``legend_prop()`` /
``legend_kwargs()`` are the keyword arguments a text artist or a legend needs (nothing global changes). The notebook translations themselves
(the English notebooks' cells in Chinese) live in the repository's ``i18n/`` folder and are built by
``tools/make_zh.py``. The initial language is ``$ROOFLIB_LANG`` or English.
"""

from ._catalogue import catalogue, fields_of, has, keys, t, translate, verdict
from ._fonts import (CJK_FAMILIES, CJK_FILES, CJK_SAMPLE, FONT_ENV, cjk_font, figure_language, figure_text,
                     font_kwargs, legend_kwargs, legend_prop, notice)
from ._language import LANGUAGE_ENV, LANGUAGES, get_language, language, normalise_language, set_language

__all__ = ["set_language", "get_language", "language", "normalise_language", "LANGUAGES", "LANGUAGE_ENV",
           "t", "translate", "verdict", "has", "keys", "catalogue", "fields_of",
           "cjk_font", "figure_language", "figure_text", "font_kwargs", "legend_prop", "legend_kwargs",
           "CJK_FAMILIES", "CJK_FILES", "CJK_SAMPLE", "FONT_ENV", "notice"]
