"""Which language an answer is written in, from its script."""

from __future__ import annotations

import logging
from typing import Final

from bot.catalog import Language

log = logging.getLogger(__name__)

# Share of letters in Hangul at which an answer counts as Korean, and below which English.
KOREAN_SHARE: Final = 0.5
ENGLISH_SHARE: Final = 0.05
# Fewer letters than this say nothing reliable about the language.
MIN_LETTERS: Final = 12


def _hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3" or "\u3131" <= ch <= "\u318e" or "\u1100" <= ch <= "\u11ff"


def detect_language(text: str) -> Language | None:
    """Return Korean or English when the script makes it plain, else None."""
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) < MIN_LETTERS:
        return None
    share = sum(1 for ch in letters if _hangul(ch)) / len(letters)
    if share >= KOREAN_SHARE:
        return Language.KO
    if share <= ENGLISH_SHARE and all(
        ch.isascii() or not ch.isalpha() or _latin(ch) for ch in letters
    ):
        return Language.EN
    return None


def _latin(ch: str) -> bool:
    """Tell whether a letter is Latin (accented letters included)."""
    return "\u00c0" <= ch <= "\u024f"
