"""In-memory fakes of the progress ports: the store, a chart renderer, a memory."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.catalog import Language
from bot.interview.models import Session
from bot.progress.memory import Habit
from bot.progress.models import (
    DrillRecord,
    Evidence,
    GraphUpdate,
    PracticeEntry,
    Schedule,
    SkillState,
)
from bot.progress.ports import CoverageSummary, PracticeSummary, ProgressChart, SessionScore
from bot.reports.document import Document

log = logging.getLogger(__name__)

# The PNG signature and an empty IHDR-less body: enough for "a PNG arrived".
PNG = b"\x89PNG\r\n\x1a\n" + b"fake chart"
EVIDENCE_PER_SKILL = 12


class InMemoryProgressStore:
    """The ProgressStore port in dictionaries (same rules as the SQLite store)."""

    def __init__(self) -> None:
        self.states: dict[int, dict[str, SkillState]] = {}
        self.schedule_rows: dict[int, dict[str, Schedule]] = {}
        self.log: dict[int, list[PracticeEntry]] = {}
        self.evidence_rows: dict[int, list[Evidence]] = {}
        self.drills: dict[int, DrillRecord] = {}
        self.updates = 0

    async def record(self, update: GraphUpdate) -> None:
        """Write everything one graded answer changed."""
        user = update.user_id
        self.updates += 1
        self.log.setdefault(user, []).append(update.entry)
        for state in update.states:
            self.states.setdefault(user, {})[state.skill_id] = state
        for schedule in update.schedules:
            self.schedule_rows.setdefault(user, {})[schedule.skill_id] = schedule
        rows = self.evidence_rows.setdefault(user, [])
        rows.extend(update.evidence)
        for skill in {e.skill_id for e in update.evidence}:
            mine = [e for e in rows if e.skill_id == skill]
            for old in mine[:-EVIDENCE_PER_SKILL]:
                rows.remove(old)

    async def practised(self, user_id: int, state: SkillState, schedule: Schedule | None) -> None:
        """Write one skill's state and schedule."""
        self.states.setdefault(user_id, {})[state.skill_id] = state
        if schedule is not None:
            self.schedule_rows.setdefault(user_id, {})[schedule.skill_id] = schedule

    async def skills(self, user_id: int) -> dict[str, SkillState]:
        """Return the user's skill states."""
        return dict(self.states.get(user_id, {}))

    async def schedules(self, user_id: int) -> dict[str, Schedule]:
        """Return the user's schedules."""
        return dict(self.schedule_rows.get(user_id, {}))

    async def practice(self, user_id: int, limit: int) -> list[PracticeEntry]:
        """Return the latest graded answers, newest first."""
        return list(reversed(self.log.get(user_id, [])))[:limit]

    async def evidence(self, user_id: int, skill_id: str, limit: int) -> list[Evidence]:
        """Return the latest evidence about one skill, newest first."""
        rows = [e for e in self.evidence_rows.get(user_id, []) if e.skill_id == skill_id]
        return list(reversed(rows))[:limit]

    async def summary(self, user_id: int, sessions: int) -> PracticeSummary:
        """Return interviews, practice days and the last interviews' scores."""
        entries = self.log.get(user_id, [])
        latest: dict[tuple[int, int], PracticeEntry] = {}
        for e in entries:
            if not e.retry:
                latest[(e.session_id, e.number)] = e
        by_session: dict[int, list[PracticeEntry]] = {}
        for (session_id, _), e in latest.items():
            by_session.setdefault(session_id, []).append(e)
        order = list(dict.fromkeys(e.session_id for e in entries if not e.retry))[-sessions:]
        scores = tuple(
            SessionScore(
                s,
                min(e.at for e in by_session[s]),
                sum(e.score for e in by_session[s]) / len(by_session[s]),
            )
            for s in order
        )
        days = sorted({e.at.date() for e in entries}, reverse=True)
        return PracticeSummary(
            interviews=len({e.session_id for e in entries}),
            days=tuple(days),
            sessions=scores,
            language=entries[-1].language if entries else None,
        )

    async def save_drill(self, drill: DrillRecord) -> None:
        """Remember a drill."""
        self.drills[drill.session_id] = drill

    async def drill(self, session_id: int) -> DrillRecord | None:
        """Return the drill of an interview."""
        return self.drills.get(session_id)

    async def prune(self, older_than: datetime) -> int:
        """Delete rows untouched since ``older_than``."""
        deleted = 0
        for user, states in self.states.items():
            for skill_id in [k for k, s in states.items() if s.last_practised < older_than]:
                del states[skill_id]
                deleted += 1
            self.schedule_rows[user] = {
                k: s
                for k, s in self.schedule_rows.get(user, {}).items()
                if s.last_review >= older_than
            }
        for user, entries in self.log.items():
            kept = [e for e in entries if e.at >= older_than]
            deleted += len(entries) - len(kept)
            self.log[user] = kept
        return deleted


class FakeCharts:
    """A chart renderer that remembers what it was asked to draw (or fails on demand)."""

    def __init__(self, *, fail: bool = False) -> None:
        self.charts: list[ProgressChart] = []
        self.fail = fail

    async def progress_chart(self, chart: ProgressChart) -> bytes:
        """Return a PNG-looking blob."""
        self.charts.append(chart)
        if self.fail:
            raise RuntimeError("chart worker died")
        return PNG


class FixedHabits:
    """A habit source with set habits (a story told too often, say)."""

    def __init__(self, habits: Sequence[Habit] = ()) -> None:
        self.found = list(habits)

    async def habits(self, user_id: int) -> list[Habit]:
        """Return the set habits."""
        return list(self.found)


class FixedCoverage:
    """Story coverage with a set answer."""

    def __init__(self, summary: CoverageSummary | None = None) -> None:
        self.summary = summary or CoverageSummary(0)

    async def coverage(self, user_id: int, language: Language) -> CoverageSummary:
        """Return the set coverage."""
        return self.summary


class FixedMemory:
    """A memory that recalls set lines for every session."""

    def __init__(self, lines: Sequence[str] = ()) -> None:
        self.lines = tuple(lines)
        self.sessions: list[Session] = []

    async def recall(self, session: Session) -> tuple[str, ...]:
        """Return the set lines."""
        self.sessions.append(session)
        return self.lines


if TYPE_CHECKING:
    from bot.interview.ports import Memory
    from bot.progress.ports import ChartRenderer, HabitSource, ProgressStore, StoryCoverage

    _store: ProgressStore = InMemoryProgressStore()
    _charts: ChartRenderer = FakeCharts()
    _habits: HabitSource = FixedHabits()
    _memory: Memory = FixedMemory()
    _coverage: StoryCoverage = FixedCoverage()


class RecordingPdf:
    """The report worker's PDF port: a tiny fixed PDF, remembering each document's title."""

    def __init__(self) -> None:
        self.titles: list[str] = []

    async def render_pdf(self, document: Document) -> bytes:
        """Return a placeholder PDF (layout is tested on the real worker elsewhere)."""
        self.titles.append(document.title)
        return b"%PDF-1.4 placeholder"
