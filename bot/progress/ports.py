"""Ports the progress domain needs, implemented by adapters (storage, stories, reports)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from bot.catalog import Language
from bot.progress.memory import Habit
from bot.progress.models import (
    DrillRecord,
    Evidence,
    GraphUpdate,
    PracticeEntry,
    Schedule,
    SkillState,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SessionScore:
    """One interview's average score, for the trend over interviews."""

    session_id: int
    at: datetime
    average: float


@dataclass(frozen=True, slots=True)
class PracticeSummary:
    """How much a user practised: interviews, practice days, per-interview scores."""

    interviews: int = 0
    # Distinct UTC days with at least one graded answer, newest first.
    days: tuple[date, ...] = ()
    # The latest interviews' average scores, oldest first.
    sessions: tuple[SessionScore, ...] = ()
    language: Language | None = None


class ProgressStore(Protocol):
    """Persists skill states, schedules, evidence, the practice log and drills."""

    async def record(self, update: GraphUpdate) -> None:
        """Write everything one graded answer changed, in one transaction."""
        ...

    async def skills(self, user_id: int) -> dict[str, SkillState]:
        """Return the user's skill states by skill id."""
        ...

    async def schedules(self, user_id: int) -> dict[str, Schedule]:
        """Return the user's drill schedules by skill id."""
        ...

    async def practice(self, user_id: int, limit: int) -> list[PracticeEntry]:
        """Return the user's latest graded answers, newest first."""
        ...

    async def evidence(self, user_id: int, skill_id: str, limit: int) -> list[Evidence]:
        """Return the latest evidence about one skill, newest first."""
        ...

    async def summary(self, user_id: int, sessions: int) -> PracticeSummary:
        """Return the user's interview count, practice days and last interviews' scores."""
        ...

    async def practised(self, user_id: int, state: SkillState, schedule: Schedule | None) -> None:
        """Write one skill's state and schedule after practice that is not an answer."""
        ...

    async def save_drill(self, drill: DrillRecord) -> None:
        """Remember which skills a drill's interview works on."""
        ...

    async def drill(self, session_id: int) -> DrillRecord | None:
        """Return the drill an interview belongs to, or None."""
        ...

    async def prune(self, older_than: datetime) -> int:
        """Delete progress untouched since ``older_than``; return the rows deleted."""
        ...


class HabitSource(Protocol):
    """Something else the candidate keeps doing (a story told again), for memory."""

    async def habits(self, user_id: int) -> list[Habit]:
        """Return the user's recurring habits of this kind, each with its sources."""
        ...


@dataclass(frozen=True, slots=True)
class CoverageSummary:
    """How much of the competency set the user's stories cover."""

    stories: int
    covered: tuple[str, ...] = field(default=())
    missing: tuple[str, ...] = field(default=())

    @property
    def total(self) -> int:
        """Return the number of competencies."""
        return len(self.covered) + len(self.missing)


class StoryCoverage(Protocol):
    """The story bank's coverage, shown on /progress."""

    async def coverage(self, user_id: int, language: Language) -> CoverageSummary:
        """Return the user's story count and the competencies covered and missing (names)."""
        ...


@dataclass(frozen=True, slots=True)
class ChartSkill:
    """One bar of the progress chart."""

    name: str
    level: int
    delta: int


@dataclass(frozen=True, slots=True)
class ProgressChart:
    """What the /progress chart shows: scores over interviews and the weakest skills."""

    language: Language
    scores: tuple[int, ...]
    skills: tuple[ChartSkill, ...]


class ChartRenderer(Protocol):
    """Renders the progress chart as a PNG (off the event loop)."""

    async def progress_chart(self, chart: ProgressChart) -> bytes:
        """Return the chart as PNG bytes."""
        ...
