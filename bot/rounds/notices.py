"""What a round tells people, as values: the presenter and the channel put them in words.

A ``Note`` is written where the round posts; a ``Line`` is said to the room (spoken in a voice
channel). Both are rendered in the round's language by the adapter that shows them.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)


class Ending(enum.StrEnum):
    """Why a round ended before its questions ran out."""

    STOP = "stop"
    EMPTY = "empty"
    DISCONNECTED = "disconnected"
    IDLE = "idle"
    SILENCE = "silence"
    LEFT = "left"
    ERROR = "error"


class NoteKind(enum.StrEnum):
    """Short written notes about a turn; each names the participant."""

    GENTLE = "gentle"
    NOT_CAUGHT = "not_caught"
    SKIPPED = "skipped"
    LEFT = "left"
    MOVED_ON = "moved_on"
    NO_ANSWER = "no_answer"


@dataclass(frozen=True, slots=True)
class Note:
    """A written note about ``name``'s turn."""

    kind: NoteKind
    name: str


class LineKind(enum.StrEnum):
    """What the round says to the room."""

    CONSENT = "consent"
    GENTLE = "gentle"
    NOT_CAUGHT = "not_caught"
    PROMPT = "prompt"


@dataclass(frozen=True, slots=True)
class Line:
    """One thing to say: a fixed sentence, or a question ``prompt`` (addressed to ``name``)."""

    kind: LineKind
    name: str = ""
    prompt: str = ""
