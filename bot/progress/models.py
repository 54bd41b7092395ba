"""Value types of the progress domain: skill states, schedules, evidence, the practice log."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.catalog import Kind, Language, Level

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SkillState:
    """Where one user stands on one skill.

    ``level`` is 0-100 (a moving average of observations, see ``graph.py``); ``recent`` the
    last observations, oldest first, from which the trend is read.
    """

    skill_id: str
    level: float
    observations: int
    recent: tuple[int, ...]
    last_practised: datetime


@dataclass(frozen=True, slots=True)
class Schedule:
    """One user's spaced-repetition card for one skill (an ``fsrs`` card as a dict)."""

    skill_id: str
    card: dict[str, Any]
    due: datetime
    last_rating: int
    last_review: datetime


@dataclass(frozen=True, slots=True)
class Evidence:
    """What one answer showed about one skill: the finding and its quote, or none."""

    skill_id: str
    turn_id: int
    session_id: int
    score: int
    at: datetime
    rule_id: str | None = None
    positive: bool = False
    quote: str | None = None


@dataclass(frozen=True, slots=True)
class PracticeEntry:
    """One graded answer in the practice log (what memory and /progress read)."""

    turn_id: int
    session_id: int
    number: int
    kind: Kind
    level: Level
    language: Language
    score: int
    at: datetime
    spoken: bool = False
    retry: bool = False
    problems: tuple[str, ...] = ()
    question_id: str = ""


@dataclass(frozen=True, slots=True)
class DrillSkill:
    """A skill a drill works on and why it was chosen ("due", "weakest", "new")."""

    skill_id: str
    reason: str
    level: int | None = None
    days_overdue: int = 0


@dataclass(frozen=True, slots=True)
class DrillRecord:
    """A drill that was started: its interview, the skills in focus, its questions."""

    session_id: int
    user_id: int
    skills: tuple[DrillSkill, ...]
    question_ids: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class GraphUpdate:
    """Everything one graded answer changes, written in one transaction."""

    user_id: int
    entry: PracticeEntry
    states: tuple[SkillState, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    schedules: tuple[Schedule, ...] = field(default=())
