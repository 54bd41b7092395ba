"""The words every package shares: interview kinds, candidate levels, languages, questions."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Kind(enum.StrEnum):
    """Interview kind."""

    BEHAVIORAL = "behavioral"
    TECHNICAL = "technical"
    SYSTEM_DESIGN = "system_design"
    CODING = "coding"


class Level(enum.StrEnum):
    """Candidate level, ordered from junior to senior."""

    JUNIOR = "junior"
    MID = "mid"
    SENIOR = "senior"

    @property
    def rank(self) -> int:
        """Return 0 for junior, 1 for mid, 2 for senior."""
        return list(Level).index(self)

    def step(self, delta: int) -> Level:
        """Return the level ``delta`` steps away, clamped to the ends."""
        levels = list(Level)
        return levels[max(0, min(len(levels) - 1, self.rank + delta))]


class Language(enum.StrEnum):
    """Interview language."""

    EN = "en"
    KO = "ko"


@dataclass(frozen=True, slots=True)
class Question:
    """One question from the bank."""

    id: str
    kind: Kind
    language: Language
    levels: tuple[Level, ...]
    skills: tuple[str, ...]
    text: str
    hint: str
    keywords: tuple[str, ...] = ()
