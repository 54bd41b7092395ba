"""The candidate's answer as the coach sees it: text plus optional word timings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word with its timing in milliseconds from the answer's start."""

    text: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer's text and, when it was spoken, its word timings."""

    text: str
    words: tuple[Word, ...] = ()
    spoken: bool = False
    # Set when the text is what was said for a question plus a reply to its follow-up: where
    # that reply starts. The reply answers the follow-up, not the question afresh.
    reply_start: int | None = None
