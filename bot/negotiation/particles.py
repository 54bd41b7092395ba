"""Korean particles that depend on the word before them: "6,500만 원으로", "3만 달러로"."""

from __future__ import annotations

import logging
import re
from typing import Final

log = logging.getLogger(__name__)

# How each digit is read (일 이 삼 사 오 육 칠 팔 구, 영): 0 no final, 1 a final ㄹ, 2 another.
_DIGIT_FINAL: Final = {
    "0": 2, "1": 1, "2": 0, "3": 2, "4": 0, "5": 0, "6": 2, "7": 1, "8": 1, "9": 0
}  # fmt: skip
# Written marker -> (after a final consonant, after a vowel or a final ㄹ for 로).
_PAIRS: Final = {
    "(으)로": ("으로", "로"),
    "을(를)": ("을", "를"),
    "은(는)": ("은", "는"),
    "이(가)": ("이", "가"),
    "와(과)": ("과", "와"),
}
# Closing quotes, brackets and markdown may stand between a word and its particle.
_MARKER = re.compile(
    r"(?P<before>\S)(?P<closers>[\"'”’)\]*_`]*)"
    r"(?P<marker>\(으\)로|을\(를\)|은\(는\)|이\(가\)|와\(과\))"
)


def _final(ch: str) -> int | None:
    """Return 0 (no final consonant), 1 (final ㄹ) or 2 (another final); None if unknown."""
    if "\uac00" <= ch <= "\ud7a3":
        jong = (ord(ch) - 0xAC00) % 28
        return 0 if jong == 0 else 1 if jong == 8 else 2
    if ch in _DIGIT_FINAL:
        return _DIGIT_FINAL[ch]
    if ch == "%":
        return 0  # 퍼센트
    if ch.isascii() and ch.isalpha():
        # An English word read in Korean mostly ends in a vowel ("developer" 디벨로퍼, "lead"
        # 리드); those ending in l, m or n keep a final consonant ("Python" 파이썬, "PM" 피엠).
        low = ch.lower()
        return 1 if low == "l" else 2 if low in "mn" else 0
    return None


def _choose(match: re.Match[str]) -> str:
    before, marker = match["before"], match["marker"]
    lead = before + match["closers"]
    final = _final(before)
    with_final, without = _PAIRS[marker]
    if final is None:
        # Never show the written marker: an unknown word (a digit-less symbol) takes the
        # after-consonant form, which reads as a careful spelling of either.
        log.debug("No reading for %r before a particle", before)
        return lead + with_final
    if marker == "(으)로":
        return lead + (with_final if final == 2 else without)
    return lead + (without if final == 0 else with_final)


def attach(text: str) -> str:
    """Return Korean text with each "(으)로", "을(를)"... marker resolved by the word before it."""
    return _MARKER.sub(_choose, text)
