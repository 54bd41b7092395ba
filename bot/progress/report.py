"""What /progress and `python -m bot progress` show: skills, drills due, streak, scores."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.catalog import Language
from bot.progress.graph import Trend
from bot.progress.ports import CoverageSummary

log = logging.getLogger(__name__)

WEAKEST_SHOWN = 5


@dataclass(frozen=True, slots=True)
class SkillView:
    """One skill as the user sees it."""

    id: str
    name: str
    group: str
    level: int
    trend: Trend
    delta: int
    observations: int
    last_practised: datetime
    due: datetime | None = None

    def is_due(self, now: datetime) -> bool:
        """Tell whether the skill's drill is due."""
        return self.due is not None and self.due <= now


@dataclass(frozen=True, slots=True)
class ProgressReport:
    """Everything /progress shows for one user, in their language."""

    language: Language
    now: datetime
    skills: tuple[SkillView, ...] = ()
    interviews: int = 0
    streak_days: int = 0
    scores: tuple[int, ...] = ()
    coverage: CoverageSummary | None = None
    chart: bytes | None = field(default=None, repr=False)

    @property
    def empty(self) -> bool:
        """Tell whether there is nothing to show yet (no practice at all)."""
        return not self.skills and self.interviews == 0

    @property
    def expired(self) -> bool:
        """Tell whether skills remain while the interviews behind them were deleted."""
        return bool(self.skills) and self.interviews == 0

    @property
    def weakest(self) -> tuple[SkillView, ...]:
        """Return the five weakest skills."""
        return self.skills[:WEAKEST_SHOWN]

    @property
    def due(self) -> tuple[SkillView, ...]:
        """Return the skills whose drill is due now, most overdue first."""
        due = [s for s in self.skills if s.is_due(self.now)]
        return tuple(sorted(due, key=lambda s: (s.due or self.now, s.level)))

    def to_json(self) -> dict[str, Any]:
        """Return the machine-readable form `python -m bot progress --json` prints."""
        return {
            "skills": [
                {
                    "id": s.id,
                    "name": s.name,
                    "level": s.level,
                    "trend": s.trend.value,
                    "due": s.due.date().isoformat() if s.due is not None else None,
                }
                for s in self.skills
            ],
            "interviews": self.interviews,
            "streak_days": self.streak_days,
        }


def streak(days: Sequence[date], today: date) -> int:
    """Return how many consecutive days up to today (or yesterday) had practice."""
    practised = set(days)
    start = today if today in practised else today - timedelta(days=1)
    count = 0
    while start - timedelta(days=count) in practised:
        count += 1
    return count
