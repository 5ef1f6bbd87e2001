"""The language setting: which catalogue ``t()`` reads. English unless set (or ``$ROOFLIB_LANG`` says otherwise)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from .._validate import unknown_name

__all__ = ["LANGUAGES", "LANGUAGE_ENV", "normalise_language", "set_language", "get_language", "language"]

LANGUAGES = ("en", "zh")
"""The languages the course has: English (the source) and Simplified Chinese."""
LANGUAGE_ENV = "ROOFLIB_LANG"
"""Environment variable with the initial language (``zh`` or ``en``); the grader and CI may set it."""

_ALIASES = {"english": "en", "en-us": "en", "en-gb": "en", "zh-cn": "zh", "zh-hans": "zh", "zh-sg": "zh",
            "chinese": "zh", "cn": "zh", "中文": "zh"}
_current: list[str] = []   # the setting, once made; empty until then (the environment decides)


def normalise_language(lang: object) -> str:
    """``"zh"`` or ``"en"`` from a language name or tag (``"zh_CN"``, ``"zh-Hans"``, ``"English"``); else KeyError."""
    if not isinstance(lang, str):
        raise unknown_name("language", lang, LANGUAGES)
    key = lang.strip().lower().replace("_", "-")
    key = _ALIASES.get(key, key)
    if key not in LANGUAGES:
        raise unknown_name("language", lang, LANGUAGES)
    return key


def get_language() -> str:
    """The current language, ``"en"`` or ``"zh"``."""
    if _current:
        return _current[-1]
    env = os.environ.get(LANGUAGE_ENV, "").strip()
    return normalise_language(env) if env else "en"


def set_language(lang: str) -> None:
    """Make ``lang`` (``"zh"`` or ``"en"``) the language of the library's messages, widgets and figures."""
    lang = normalise_language(lang)
    _current[:] = [lang]


@contextlib.contextmanager
def language(lang: str) -> Iterator[str]:
    """``with rl.i18n.language("zh"):`` the library speaks ``lang`` inside the block, the previous language after."""
    lang = normalise_language(lang)
    before = list(_current)
    _current.append(lang)
    try:
        yield lang
    finally:
        _current[:] = before
