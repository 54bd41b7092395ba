"""User-facing text catalogues, English and Korean, one key per message.

``text(key, language, **params)`` is what callers use; the catalogue is immutable data read
once from ``bot/copy/<language>/*.yaml``.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any, Final

from bot.catalog import Language
from bot.copy.catalogue import DISCORD_LOCALES, Catalogue, CopyError, placeholders

log = logging.getLogger(__name__)

CATALOGUE_ROOT: Final = Path(__file__).resolve().parent


@cache
def catalogue() -> Catalogue:
    """Return the product's catalogue, read on first use."""
    return Catalogue.load(CATALOGUE_ROOT)


def text(key: str, language: Language | str = Language.EN, **params: Any) -> str:
    """Return the text for ``key`` in ``language`` with its placeholders filled."""
    return catalogue().text(key, as_language(language), **params)


def as_language(value: Language | str | None) -> Language:
    """Return a Language from a value such as "ko" (English for anything unknown)."""
    if isinstance(value, Language):
        return value
    try:
        return Language(value or Language.EN.value)
    except ValueError:
        return Language.EN


def localized(key: str) -> dict[str, Any]:
    """Return ``name_localizations``/``description_localizations`` for a slash command."""
    cat = catalogue()
    names = cat.localizations(f"{key}.name") if cat.has(f"{key}.name") else {}
    descriptions = cat.localizations(f"{key}.description")
    found: dict[str, Any] = {"description_localizations": descriptions}
    if names:
        found["name_localizations"] = names
    return found


__all__ = [
    "CATALOGUE_ROOT",
    "DISCORD_LOCALES",
    "Catalogue",
    "CopyError",
    "as_language",
    "catalogue",
    "localized",
    "placeholders",
    "text",
]
