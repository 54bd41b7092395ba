"""Tokens, stems and sentences of an answer, all with character offsets into its text."""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from dataclasses import dataclass

log = logging.getLogger(__name__)

# Every pattern here is linear: no nested quantifiers over overlapping classes.
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# A run of end marks may only start where the previous character is not one, so a long
# run that is not followed by a space fails once instead of once per character.
_SENTENCE_END = re.compile(r"(?:(?<![.!?。！？])[.!?。！？]++(?=\s|$)|\n)\s*")
_COMPLEXITY = re.compile(r"(?<![^\W\d_])[Oo] ?\([^()\n]{1,24}\)")
_YEAR = re.compile(r"(?:19|20)\d\d")
_CURRENCY_BEFORE = "$€£₩¥"
_UNIT_AFTER = "%x×"

_DOUBLE_KEEP = frozenset("lsz")
_VOWELS = frozenset("aeiou")


@dataclass(frozen=True, slots=True)
class Token:
    """One word of the answer: its normalised form, stem and place."""

    norm: str
    stem: str
    start: int
    end: int
    sentence: int

    @property
    def has_digit(self) -> bool:
        """Tell whether the token carries a number."""
        return any(ch.isdigit() for ch in self.norm)


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence's character span and its tokens' index range."""

    start: int
    end: int
    first: int
    last: int

    @property
    def size(self) -> int:
        """Return the number of tokens in the sentence."""
        return self.last - self.first


def normalise(word: str) -> str:
    """Return the casefolded word with typographic apostrophes made plain."""
    return word.casefold().replace("’", "'")


def stem_en(word: str) -> str:
    """Return a light English stem, the same for a word's common inflections."""
    w = word[:-2] if word.endswith("'s") else word
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith(("ies", "ied")) and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("ing") and len(w) > 5:
        w = w[:-3]
    elif (w.endswith("ed") and len(w) > 4) or w.endswith(("ches", "shes", "sses", "xes", "zes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    elif w.endswith("ly") and len(w) > 5:
        w = w[:-2]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in _DOUBLE_KEEP and w[-1] not in _VOWELS:
        w = w[:-1]
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    return w


def identity(word: str) -> str:
    """Return the word unchanged (languages matched by substring need no stemming)."""
    return word


def tokenize(text: str, stem: bool) -> list[Token]:
    """Split ``text`` into tokens with offsets and sentence numbers."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    tokens: list[Token] = []
    for m in _TOKEN.finditer(text):
        norm = normalise(m.group())
        tokens.append(
            Token(
                norm=norm,
                stem=stem_en(norm) if stem else norm,
                start=m.start(),
                end=m.end(),
                sentence=bisect_right(ends, m.start()),
            )
        )
    return tokens


def words_of(text: str) -> list[str]:
    """Return the normalised words of a short string such as a lexicon phrase."""
    return [normalise(m.group()) for m in _TOKEN.finditer(text)]


def sentences(tokens: list[Token]) -> list[Sentence]:
    """Group consecutive tokens into sentences (only sentences that hold a token)."""
    out: list[Sentence] = []
    first = 0
    for i in range(1, len(tokens) + 1):
        if i == len(tokens) or tokens[i].sentence != tokens[first].sentence:
            out.append(Sentence(tokens[first].start, tokens[i - 1].end, first, i))
            first = i
    return out


def complexity_spans(text: str) -> list[tuple[int, int]]:
    """Return the spans of big-O expressions such as ``O(n log n)``."""
    return [(m.start(), m.end()) for m in _COMPLEXITY.finditer(text)]


def is_year(token: Token) -> bool:
    """Tell whether a bare four-digit token is more likely a year than a measurement."""
    return _YEAR.fullmatch(token.norm) is not None


def widen_number(text: str, start: int, end: int) -> tuple[int, int]:
    """Extend a number's span over an adjacent currency sign or percent/multiplier sign."""
    if start > 0 and text[start - 1] in _CURRENCY_BEFORE:
        start -= 1
    if (
        end < len(text)
        and text[end] in _UNIT_AFTER
        and (end + 1 == len(text) or not text[end + 1].isalnum())
    ):
        end += 1
    return start, end
