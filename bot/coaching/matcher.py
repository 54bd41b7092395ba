"""Find lexicon phrases in a token stream in one linear pass.

A phrase is written as words separated by spaces. Each word matches a token:

- ``=word``  the token equals the word exactly;
- ``word*``  the token starts with the word;
- ``word``   the default: equal stems (stem mode, English) or the word occurs inside the
  token (substring mode, Korean, where particles and endings attach to the stem).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.coaching.text import Token, words_of

log = logging.getLogger(__name__)


class MatchMode(enum.StrEnum):
    """How a plain lexicon word matches a token."""

    STEM = "stem"
    SUBSTRING = "substring"


class _Op(enum.Enum):
    EXACT = "exact"
    PREFIX = "prefix"
    STEM = "stem"
    SUB = "sub"


@dataclass(frozen=True, slots=True)
class _Element:
    op: _Op
    value: str

    def matches(self, token: Token) -> bool:
        if self.op is _Op.EXACT:
            return token.norm == self.value
        if self.op is _Op.PREFIX:
            return token.norm.startswith(self.value)
        if self.op is _Op.STEM:
            return token.stem == self.value
        return self.value in token.norm


@dataclass(frozen=True, slots=True)
class _Phrase:
    category: str
    elements: tuple[_Element, ...]


@dataclass(frozen=True, slots=True)
class Match:
    """One phrase occurrence: token range [first, last) and character span."""

    category: str
    first: int
    last: int
    start: int
    end: int


def parse_phrase(phrase: str, mode: MatchMode, stem: Callable[[str], str]) -> tuple[_Element, ...]:
    """Return the elements of a lexicon phrase; empty if it holds no word."""
    elements: list[_Element] = []
    for part in phrase.split():
        exact = part.startswith("=")
        prefix = part.endswith("*")
        core = part.strip("=*")
        words = words_of(core)
        for i, word in enumerate(words):
            if exact:
                elements.append(_Element(_Op.EXACT, word))
            elif prefix and i == len(words) - 1:
                elements.append(_Element(_Op.PREFIX, word))
            elif mode is MatchMode.STEM:
                elements.append(_Element(_Op.STEM, stem(word)))
            else:
                elements.append(_Element(_Op.SUB, word))
    return tuple(elements)


# Distinct words whose phrase heads are remembered before the memory starts again.
_HEADS_CACHE = 50_000


class PhraseMatcher:
    """Every category's phrases, indexed by their first word for a single scan."""

    def __init__(
        self,
        categories: Mapping[str, Iterable[str]],
        mode: MatchMode,
        stem: Callable[[str], str],
    ) -> None:
        self._exact: dict[str, list[_Phrase]] = {}
        self._prefix: dict[str, list[_Phrase]] = {}
        self._stem: dict[str, list[_Phrase]] = {}
        self._sub: dict[str, list[_Phrase]] = {}
        for category, phrases in categories.items():
            for text in phrases:
                elements = parse_phrase(text, mode, stem)
                if not elements:
                    continue
                phrase = _Phrase(category, elements)
                head = elements[0]
                index = {
                    _Op.EXACT: self._exact,
                    _Op.PREFIX: self._prefix,
                    _Op.STEM: self._stem,
                    _Op.SUB: self._sub,
                }[head.op]
                index.setdefault(head.value, []).append(phrase)
        self._prefix_lengths = sorted({len(k) for k in self._prefix})
        self._sub_lengths = sorted({len(k) for k in self._sub})
        # The phrases a word can start depend only on the word: remember them per word.
        self._heads_of: dict[tuple[str, str], _Heads] = {}

    def _heads(self, token: Token) -> _Heads:
        key = (token.norm, token.stem)
        cached = self._heads_of.get(key)
        if cached is None:
            cached = _Heads.of(self._find_heads(token))
            if len(self._heads_of) >= _HEADS_CACHE:
                self._heads_of.clear()
            self._heads_of[key] = cached
        return cached

    def _find_heads(self, token: Token) -> list[_Phrase]:
        found: list[_Phrase] = []
        found += self._exact.get(token.norm, ())
        found += self._stem.get(token.stem, ())
        norm = token.norm
        for size in self._prefix_lengths:
            if size > len(norm):
                break
            found += self._prefix.get(norm[:size], ())
        for size in self._sub_lengths:
            if size > len(norm):
                break
            for at in range(len(norm) - size + 1):
                found += self._sub.get(norm[at : at + size], ())
        return found

    def scan(self, tokens: Sequence[Token]) -> dict[str, list[Match]]:
        """Return non-overlapping matches per category, longest first at each position."""
        out: dict[str, list[Match]] = {}
        busy_until: dict[str, int] = {}
        count = len(tokens)
        for i, token in enumerate(tokens):
            heads = self._heads(token)
            if heads.empty:
                continue
            following = tokens[i + 1] if i + 1 < count else None
            best: dict[str, int] = {}
            for phrase in heads.candidates(following):
                if busy_until.get(phrase.category, 0) > i:
                    continue
                size = len(phrase.elements)
                if size <= best.get(phrase.category, 0) or i + size > count:
                    continue
                if all(e.matches(tokens[i + k]) for k, e in enumerate(phrase.elements[1:], 1)):
                    best[phrase.category] = size
            for category, size in best.items():
                last = i + size
                out.setdefault(category, []).append(
                    Match(category, i, last, token.start, tokens[last - 1].end)
                )
                busy_until[category] = last
        return out


@dataclass(frozen=True, slots=True)
class _Heads:
    """The phrases one word can start, sorted by what their second word must be."""

    singles: tuple[_Phrase, ...]
    by_exact: Mapping[str, tuple[_Phrase, ...]]
    by_stem: Mapping[str, tuple[_Phrase, ...]]
    rest: tuple[_Phrase, ...]

    @property
    def empty(self) -> bool:
        """Tell whether the word starts no phrase at all."""
        return not (self.singles or self.by_exact or self.by_stem or self.rest)

    @classmethod
    def of(cls, phrases: Iterable[_Phrase]) -> _Heads:
        """Index phrases by their second element when it is an exact word or a stem."""
        singles: list[_Phrase] = []
        rest: list[_Phrase] = []
        by_exact: dict[str, list[_Phrase]] = {}
        by_stem: dict[str, list[_Phrase]] = {}
        for phrase in phrases:
            if len(phrase.elements) == 1:
                singles.append(phrase)
                continue
            second = phrase.elements[1]
            if second.op is _Op.EXACT:
                by_exact.setdefault(second.value, []).append(phrase)
            elif second.op is _Op.STEM:
                by_stem.setdefault(second.value, []).append(phrase)
            else:
                rest.append(phrase)
        return cls(
            tuple(singles),
            {k: tuple(v) for k, v in by_exact.items()},
            {k: tuple(v) for k, v in by_stem.items()},
            tuple(rest),
        )

    def candidates(self, following: Token | None) -> list[_Phrase]:
        """Return the phrases that may match, given the next word (None at the end)."""
        found = list(self.singles)
        if following is not None:
            found += self.by_exact.get(following.norm, ())
            found += self.by_stem.get(following.stem, ())
            found += self.rest
        return found
