"""Map character spans of an answer's text to the timings of its recognised words."""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from bot.coaching.answer import Word

log = logging.getLogger(__name__)

# How far past the expected place a word may be found; transcripts and word lists
# differ in spacing, punctuation and the odd inserted or dropped word.
_SEARCH_WINDOW = 80


class WordAligner:
    """Place each word on the text once, then answer span-to-time queries by bisection."""

    def __init__(self, text: str, words: Sequence[Word]) -> None:
        # Compare alphanumerics only so spacing, punctuation and case cannot break alignment.
        chars: list[str] = []
        origin: list[int] = []
        for i, ch in enumerate(text):
            if ch.isalnum():
                # Casefolding may lengthen a character ("ß" -> "ss"): map each piece back.
                for piece in ch.casefold():
                    chars.append(piece)
                    origin.append(i)
        stream = "".join(chars)
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._words: list[Word] = []
        cursor = 0
        for word in words:
            key = "".join(ch.casefold() for ch in word.text if ch.isalnum())
            if not key:
                continue
            limit = min(len(stream), cursor + len(key) + _SEARCH_WINDOW)
            at = stream.find(key, cursor, limit)
            if at < 0:
                continue
            self._starts.append(origin[at])
            self._ends.append(origin[at + len(key) - 1] + 1)
            self._words.append(word)
            cursor = at + len(key)
        if words and len(self._words) < len(words):
            log.debug("aligned %d of %d words to the transcript", len(self._words), len(words))

    def __bool__(self) -> bool:
        return bool(self._words)

    def times(self, start: int, end: int) -> tuple[int, int] | None:
        """Return (start_ms, end_ms) of the words overlapping [start, end), or neighbours."""
        if not self._words:
            return None
        # Words overlap the span when they start before its end and end after its start.
        lo = bisect_right(self._ends, start)
        hi = bisect_left(self._starts, end)
        if lo < hi:
            return self._words[lo].start_ms, self._words[hi - 1].end_ms
        # No word overlaps (e.g. the span is a number spelled differently): bracket it.
        before = self._words[lo - 1] if lo > 0 else None
        after = self._words[lo] if lo < len(self._words) else None
        first = before.end_ms if before else after.start_ms if after else 0
        last = after.start_ms if after else before.end_ms if before else 0
        return min(first, last), max(first, last)
