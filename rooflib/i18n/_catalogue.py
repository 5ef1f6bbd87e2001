"""The message catalogues (``en.toml``, ``zh.toml`` beside this module) and ``t(key, **fields)``, English fallback."""

from __future__ import annotations

import difflib
import functools
import string
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .._validate import unknown_name
from ._language import get_language, normalise_language

__all__ = ["catalogue", "translate", "t", "has", "keys", "verdict", "fields_of"]

_HERE = Path(__file__).resolve().parent

def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in table.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flatten(v, key + "."))
        elif isinstance(v, str):
            out[key] = v
        else:
            raise ValueError(f"message {key!r} must be a string, got {v!r}")
    return out

@functools.cache
def catalogue(lang: str = "en") -> Mapping[str, str]:
    """Every message of ``lang`` as ``{"area.name": text}`` (read once from ``rooflib/i18n/<lang>.toml``)."""
    lang = normalise_language(lang)
    with open(_HERE / f"{lang}.toml", "rb") as f:
        return MappingProxyType(_flatten(tomllib.load(f)))

def keys(lang: str = "en") -> list[str]:
    """The message keys of ``lang``'s catalogue, sorted (English has them all)."""
    return sorted(catalogue(lang))

def has(key: str, lang: str | None = None) -> bool:
    """True when ``lang`` (default: the current language) has its own text for ``key``."""
    return key in catalogue(lang or get_language())

def fields_of(text: str) -> list[tuple[str, str]]:
    """The ``{name:spec}`` fields of a message, as (name, spec) pairs in order (for checking translations)."""
    return [(name, spec or "") for _, name, spec, _ in string.Formatter().parse(text) if name is not None]

def translate(key: str, lang: str, /, **fields: Any) -> str:
    """The text of ``key`` in ``lang`` (English when ``lang`` has none), its ``{fields}`` filled in."""
    lang = normalise_language(lang)
    english = catalogue("en")
    if key not in english:
        area = key.split(".")[0]
        known = [k for k in english if k.split(".")[0] == area] or sorted({k.split(".")[0] for k in english})
        raise unknown_name("message key", key, known, difflib.get_close_matches(key, list(english), n=3))
    text = catalogue(lang).get(key, english[key])
    try:
        return text.format(**fields)
    except (KeyError, IndexError):
        need = sorted({name for name, _ in fields_of(text)} - set(fields))
        raise ValueError(f"message {key!r} ({lang}) needs the field(s) {', '.join(need) or '?'}, "
                         f"got {', '.join(sorted(fields)) or 'none'}") from None

def t(key: str, /, **fields: Any) -> str:
    """The text of message ``key`` in the current language (English fallback), ``{fields}`` filled in."""
    return translate(key, get_language(), **fields)

def verdict(bound: str) -> str:
    """The display word of a verdict (``"memory"`` -> "memory-bound" / "访存受限"); data keeps the bare word."""
    return t(f"verdict.{bound}")
