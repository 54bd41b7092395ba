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
_MARKER = re.compile(r"(?P<before>\S)(?P<marker>\(으\)로|을\(를\)|은\(는\)|이\(가\)|와\(과\))")


def _final(ch: str) -> int | None:
    """Return 0 (no final consonant), 1 (final ㄹ) or 2 (another final); None if unknown."""
    if "\uac00" <= ch <= "\ud7a3":
        jong = (ord(ch) - 0xAC00) % 28
        return 0 if jong == 0 else 1 if jong == 8 else 2
    if ch in _DIGIT_FINAL:
        return _DIGIT_FINAL[ch]
    if ch == "%":
        return 0  # 퍼센트
    return None


def _choose(match: re.Match[str]) -> str:
    before, marker = match["before"], match["marker"]
    final = _final(before)
    if final is None:
        return match[0]
    with_final, without = _PAIRS[marker]
    if marker == "(으)로":
        return before + (with_final if final == 2 else without)
    return before + (without if final == 0 else with_final)


def attach(text: str) -> str:
    """Return Korean text with each "(으)로", "을(를)"... marker resolved by the word before it."""
    return _MARKER.sub(_choose, text)
