"""Drills: a short interview on the skills that are due or weakest, and why each was chosen.

Choice of skills: first those whose spaced-repetition schedule is due (most overdue first),
then the weakest (lowest level; a falling trend first among equals). Skills no bank question
can practise, and delivery skills (only voice shows them), are left out. Without any history
a first drill works on what every interviewer listens for in a behavioral answer: your own
actions, a result, and a number that proves it.

Choice of kind and questions: the interview kind whose questions practise the most of the
top skills (weighted by rank), then three questions of that kind, in the drill's language and
at the candidate's level when possible, picked greedily so together they cover the focus
skills (a question whose tags name a skill counts double one that only practises it by its
kind), avoiding questions the candidate answered recently. Ties are broken by a seed of the
user and the day, so the same day gives the same drill.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.catalog import Kind, Language, Level, Question
from bot.catalog.bank import QuestionBank
from bot.errors import CoachError, SessionAlreadyActive
from bot.interview.engine import InterviewEngine, StartOptions
from bot.interview.events import Event
from bot.interview.models import Session
from bot.interview.ports import Clock
from bot.progress.catalogue import SkillCatalogue
from bot.progress.models import DrillRecord, DrillSkill, Schedule, SkillState
from bot.progress.ports import ProgressStore

log = logging.getLogger(__name__)

DRILL_QUESTIONS = 3
FOCUS = 3
# Ranks that weigh in when choosing the kind.
CANDIDATES = 5
RECENT_QUESTIONS = 30
# A skill at or above this level is not "weak" enough to drill unless it is due.
WEAK_BELOW = 80
FIRST_DRILL: tuple[str, ...] = ("own_actions", "results", "quantified_impact")
FIRST_KIND = Kind.BEHAVIORAL

DUE = "due"
WEAKEST = "weakest"
NEW = "new"


@dataclass(frozen=True, slots=True)
class DrillPlan:
    """What a drill will work on: its kind, level, language, skills and questions."""

    kind: Kind
    level: Level
    language: Language
    skills: tuple[DrillSkill, ...]
    questions: tuple[Question, ...]

    @property
    def first(self) -> bool:
        """Tell whether this is a first drill (no history)."""
        return all(s.reason == NEW for s in self.skills)


def _candidates(
    catalogue: SkillCatalogue,
    states: Mapping[str, SkillState],
    schedules: Mapping[str, Schedule],
    now: datetime,
    drillable: set[str],
) -> list[DrillSkill]:
    """Return drillable skills, most urgent first: due (most overdue), then weakest."""
    due = sorted(
        (s for s in schedules.values() if s.due <= now and s.skill_id in drillable),
        key=lambda s: (s.due, states[s.skill_id].level if s.skill_id in states else 0),
    )
    chosen = [
        DrillSkill(
            s.skill_id,
            DUE,
            round(states[s.skill_id].level) if s.skill_id in states else None,
            max(0, (now - s.due).days),
        )
        for s in due
    ]
    taken = {c.skill_id for c in chosen}
    weak = sorted(
        (
            s
            for s in states.values()
            if s.skill_id in drillable and s.skill_id not in taken and s.level < WEAK_BELOW
        ),
        key=lambda s: (s.level, s.recent[-1] if s.recent else 0),
    )
    chosen += [DrillSkill(s.skill_id, WEAKEST, round(s.level)) for s in weak]
    if len(chosen) < FOCUS:
        # Nothing weak enough: the lowest levels still have the most room to grow.
        taken = {c.skill_id for c in chosen}
        rest = sorted(
            (s for s in states.values() if s.skill_id in drillable and s.skill_id not in taken),
            key=lambda s: s.level,
        )
        chosen += [DrillSkill(s.skill_id, WEAKEST, round(s.level)) for s in rest]
    return chosen


def _practises(catalogue: SkillCatalogue, question: Question) -> dict[str, int]:
    """Return skill -> weight for a question: 2 when its tags name it, 1 by its kind."""
    weights = {s: 2 for tag in question.skills for s in catalogue.for_tag(tag)}
    for skill in catalogue:
        if question.kind in skill.kinds:
            weights.setdefault(skill.id, 1)
    return weights


def plan_drill(
    catalogue: SkillCatalogue,
    bank: QuestionBank,
    states: Mapping[str, SkillState],
    schedules: Mapping[str, Schedule],
    *,
    language: Language,
    level: Level,
    now: datetime,
    recent_questions: Sequence[str] = (),
    seed: str = "",
) -> DrillPlan | None:
    """Return the drill to run now, or None when the bank has no question to drill with."""
    pools = {kind: bank.questions(kind, language) for kind in Kind}
    drillable = {
        skill.id
        for skill in catalogue
        if not skill.spoken_only
        and any(skill.id in _practises(catalogue, q) for pool in pools.values() for q in pool)
    }
    candidates = _candidates(catalogue, states, schedules, now, drillable)
    if not candidates:
        candidates = [DrillSkill(s, NEW) for s in FIRST_DRILL if s in drillable]
    if not candidates:
        return None
    top = candidates[:CANDIDATES]

    def kind_score(kind: Kind) -> tuple[int, int]:
        pool = pools[kind]
        covered = {s for q in pool for s in _practises(catalogue, q)}
        score = sum(CANDIDATES - i for i, c in enumerate(top) if c.skill_id in covered)
        # Prefer the first drill's kind for a newcomer, else the catalogue's order of kinds.
        return score, -list(Kind).index(kind)

    kinds = [k for k in Kind if pools[k]]
    if not kinds:
        return None
    kind = FIRST_KIND if all(c.reason == NEW for c in top) and pools[FIRST_KIND] else None
    kind = kind or max(kinds, key=kind_score)
    pool = pools[kind]
    focus = [c for c in top if any(c.skill_id in _practises(catalogue, q) for q in pool)]
    focus = focus[:FOCUS]
    questions = _pick_questions(catalogue, pool, focus, level, recent_questions, seed)
    return DrillPlan(kind, level, language, tuple(focus), tuple(questions))


def _pick_questions(
    catalogue: SkillCatalogue,
    pool: Sequence[Question],
    focus: Sequence[DrillSkill],
    level: Level,
    recent: Sequence[str],
    seed: str,
) -> list[Question]:
    """Pick questions greedily so together they cover the focus skills."""
    fresh = [q for q in pool if q.id not in set(recent)]
    candidates = fresh if len(fresh) >= DRILL_QUESTIONS else list(pool)
    at_level = [q for q in candidates if level in q.levels]
    if len(at_level) >= DRILL_QUESTIONS:
        candidates = at_level
    rng = random.Random(seed)
    order = sorted(candidates, key=lambda q: q.id)
    rng.shuffle(order)
    rank = {c.skill_id: len(focus) - i for i, c in enumerate(focus)}
    chosen: list[Question] = []
    counts: dict[str, int] = {}
    while order and len(chosen) < DRILL_QUESTIONS:

        def gain(q: Question) -> float:
            weights = _practises(catalogue, q)
            return sum(
                rank[s] * w / (1 + counts.get(s, 0)) for s, w in weights.items() if s in rank
            )

        best = max(order, key=gain)
        order.remove(best)
        chosen.append(best)
        for s in _practises(catalogue, best):
            counts[s] = counts.get(s, 0) + 1
    return chosen


@dataclass(frozen=True, slots=True)
class DrillStarted:
    """A drill that started: its plan, its interview and the first events to show."""

    plan: DrillPlan
    session: Session
    events: list[Event]


class DrillService:
    """Plan drills and start them as short interviews on the engine."""

    def __init__(
        self,
        engine: InterviewEngine,
        bank: QuestionBank,
        catalogue: SkillCatalogue,
        store: ProgressStore,
        clock: Clock,
    ) -> None:
        self._engine = engine
        self._bank = bank
        self._catalogue = catalogue
        self._store = store
        self._clock = clock

    async def plan(self, user_id: int, language: Language | None, fallback: Language) -> DrillPlan:
        """Return the drill the user would get now (CoachError when none can be made)."""
        states = await self._store.skills(user_id)
        schedules = await self._store.schedules(user_id)
        recent = await self._store.practice(user_id, RECENT_QUESTIONS)
        chosen = language or (recent[0].language if recent else fallback)
        level = recent[0].level if recent else Level.MID
        asked = [e.question_id for e in recent if e.question_id]
        now = self._clock.now()
        plan = plan_drill(
            self._catalogue,
            self._bank,
            states,
            schedules,
            language=chosen,
            level=level,
            now=now,
            recent_questions=asked,
            seed=f"{user_id}:{now.date().isoformat()}",
        )
        if plan is None:
            raise CoachError(key="drill.no_questions", language=chosen)
        return plan

    async def start(
        self,
        user_id: int,
        guild_id: int | None,
        language: Language | None,
        fallback: Language,
        *,
        open_channel: Callable[[], Awaitable[int | None]] | None = None,
    ) -> DrillStarted:
        """Plan a drill and start it as a short interview (one per user and server at once)."""
        plan = await self.plan(user_id, language, fallback)
        options = StartOptions(
            user_id=user_id,
            guild_id=guild_id,
            kind=plan.kind,
            level=plan.level,
            count=len(plan.questions),
            language=plan.language,
            question_ids=tuple(q.id for q in plan.questions),
        )
        try:
            session, events = await self._engine.start(options, open_channel=open_channel)
        except SessionAlreadyActive as exc:
            running = exc.running
            raise SessionAlreadyActive(
                session_id=exc.session_id,
                key="drill.already_running",
                language=running.language if isinstance(running, Session) else plan.language,
                running=running,
            ) from exc
        assert session.id is not None
        await self._store.save_drill(
            DrillRecord(
                session_id=session.id,
                user_id=user_id,
                skills=plan.skills,
                question_ids=tuple(q.id for q in plan.questions),
                created_at=self._clock.now(),
            )
        )
        log.info(
            "Drill session %s for user %s on %s",
            session.id,
            user_id,
            ", ".join(s.skill_id for s in plan.skills),
        )
        return DrillStarted(plan, session, events)
