"""The progress service: learns from every graded answer, remembers, reports.

It is an ``InterviewObserver`` (each graded answer, typed, spoken, live or in a round, and
each rewind retry, updates the skill graph, the schedules and the practice log; an interview
starts with one short line of recurring habits), the engine's ``Memory`` (those habits and
a drill's focus, for a grading model) and the source of /progress.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.catalog import Language
from bot.copy import text
from bot.interview.events import Event, NoticeGiven
from bot.interview.models import Session
from bot.interview.ports import Clock, GradedAnswer
from bot.progress.catalogue import SkillCatalogue
from bot.progress.graph import Observation, advance, evidence_of, observe, trend
from bot.progress.memory import (
    HISTORY,
    SHOWN,
    Habit,
    habit_title,
    model_lines,
    recurring_habits,
    refs_text,
)
from bot.progress.models import DrillRecord, GraphUpdate, PracticeEntry
from bot.progress.ports import (
    ChartRenderer,
    ChartSkill,
    HabitSource,
    ProgressChart,
    ProgressStore,
    StoryCoverage,
)
from bot.progress.rating import GOOD_FROM, SkillScheduler
from bot.progress.report import ProgressReport, SkillView, streak

log = logging.getLogger(__name__)

SCORES_SHOWN = 20
DRILL_CACHE = 4096


class ProgressService:
    """Skill graph, schedules, memory and reports for every user."""

    def __init__(
        self,
        catalogue: SkillCatalogue,
        store: ProgressStore,
        clock: Clock,
        *,
        scheduler: SkillScheduler | None = None,
        habit_sources: Sequence[HabitSource] = (),
        coverage: StoryCoverage | None = None,
        charts: ChartRenderer | None = None,
    ) -> None:
        self.catalogue = catalogue
        self._store = store
        self._clock = clock
        self._scheduler = scheduler or SkillScheduler()
        self._habit_sources = tuple(habit_sources)
        self._coverage = coverage
        self._charts = charts
        # Which interviews are drills: asked on every answer, fixed once the drill started.
        self._drills: dict[int, DrillRecord | None] = {}

    # ---- the interview observer ------------------------------------------------------

    async def started(self, session: Session) -> Sequence[Event]:
        """Return the one-line reminder of recurring habits, when there are any."""
        habits = await self.habits(session.user_id)
        if not habits:
            return []
        shown = habits[:SHOWN]
        sources = tuple(dict.fromkeys(t for h in shown for t in h.turn_ids))
        return [
            NoticeGiven(
                "progress.memory.start",
                {"habits": _habit_snippets(shown, session.language)},
                sources,
            )
        ]

    async def graded(self, graded: GradedAnswer) -> Sequence[Event]:
        """Update the skills the answer touched; in a drill, say how the focus skills did."""
        session, turn = graded.session, graded.turn
        if session.id is None or turn.id is None:
            return []
        now = self._clock.now()
        evaluation = graded.evaluation
        observations = observe(self.catalogue, graded.question, evaluation, graded.answer.spoken)
        user = session.user_id
        states = await self._store.skills(user)
        schedules = await self._store.schedules(user)
        new_states = tuple(advance(states.get(o.skill_id), o, now) for o in observations)
        reviewed = []
        for o in observations:
            schedule = schedules.get(o.skill_id)
            after = self._scheduler.review(schedule, user, o.skill_id, o.score, now)
            if after is not None:
                reviewed.append(after)
        entry = PracticeEntry(
            turn_id=turn.id,
            session_id=session.id,
            number=session.question_number(turn),
            kind=graded.question.kind,
            level=turn.level,
            language=session.language,
            score=evaluation.score,
            at=now,
            spoken=graded.answer.spoken,
            retry=graded.retry,
            problems=tuple(dict.fromkeys(f.rule_id for f in evaluation.problems)),
            question_id=graded.question.id,
        )
        await self._store.record(
            GraphUpdate(
                user_id=user,
                entry=entry,
                states=new_states,
                evidence=tuple(evidence_of(observations, turn.id, session.id, now)),
                schedules=tuple(reviewed),
            )
        )
        drill = await self._drill(session.id)
        if drill is None:
            return []
        return self._drill_check(drill, observations, turn.id, session.language)

    async def practised(self, user_id: int, skill_id: str, score: int) -> None:
        """Count practice outside an interview (a negotiation) towards one skill."""
        if self.catalogue.get(skill_id) is None:
            raise KeyError(skill_id)
        now = self._clock.now()
        score = max(0, min(100, score))
        states = await self._store.skills(user_id)
        schedules = await self._store.schedules(user_id)
        state = advance(states.get(skill_id), Observation(skill_id, score), now)
        schedule = self._scheduler.review(schedules.get(skill_id), user_id, skill_id, score, now)
        await self._store.practised(user_id, state, schedule)

    def _drill_check(
        self,
        drill: DrillRecord,
        observations: Sequence[Observation],
        turn_id: int,
        language: Language,
    ) -> list[Event]:
        """Return the note on how this answer did on the drill's focus skills."""
        seen = {o.skill_id: o for o in observations}
        items = []
        for focus in drill.skills:
            skill = self.catalogue.get(focus.skill_id)
            obs = seen.get(focus.skill_id)
            if skill is None or obs is None:
                continue
            name = skill.name(language)
            problem = next((f for f in obs.findings if not f.positive), None)
            if obs.score >= GOOD_FROM:
                items.append(text("drill.check_ok", language, name=name, score=obs.score))
            elif problem is not None:
                title = text(f"feedback.rules.{problem.rule_id}", language)
                items.append(text("drill.check_problem", language, name=name, problem=title))
            else:
                items.append(text("drill.check_low", language, name=name, score=obs.score))
        if not items:
            return []
        return [NoticeGiven("drill.check", {"items": " · ".join(items)}, (turn_id,))]

    async def _drill(self, session_id: int) -> DrillRecord | None:
        """Return the drill an interview belongs to (remembered once its first answer came)."""
        if session_id in self._drills:
            return self._drills[session_id]
        drill = await self._store.drill(session_id)
        if len(self._drills) >= DRILL_CACHE:
            self._drills.pop(next(iter(self._drills)))
        self._drills[session_id] = drill
        return drill

    # ---- memory ----------------------------------------------------------------------

    async def habits(self, user_id: int) -> list[Habit]:
        """Return the user's recurring habits (rules and other sources), most frequent first."""
        entries = await self._store.practice(user_id, HISTORY)
        found = recurring_habits(entries, self.catalogue)
        for source in self._habit_sources:
            try:
                found += await source.habits(user_id)
            except Exception:
                log.exception("Habit source %s failed for user %s", source, user_id)
        found.sort(key=lambda h: (-h.count / max(1, h.window), -h.count, h.key))
        return found

    async def recall(self, session: Session) -> tuple[str, ...]:
        """Return the habits, and a drill's focus, as lines for a grading model."""
        lines = list(model_lines(await self.habits(session.user_id), session.language))
        drill = await self._drill(session.id) if session.id is not None else None
        if drill is not None:
            names = [
                skill.name(session.language)
                for s in drill.skills
                if (skill := self.catalogue.get(s.skill_id)) is not None
            ]
            if names:
                lines.append(text("drill.model_focus", session.language, skills=", ".join(names)))
        return tuple(lines)

    # ---- reports -----------------------------------------------------------------------

    async def overview(
        self, user_id: int, fallback: Language, *, chart: bool = True
    ) -> ProgressReport:
        """Return what /progress shows: skills weakest first, drills due, streak, chart."""
        now = self._clock.now()
        states = await self._store.skills(user_id)
        schedules = await self._store.schedules(user_id)
        summary = await self._store.summary(user_id, SCORES_SHOWN)
        language = summary.language or fallback
        views = []
        for state in states.values():
            skill = self.catalogue.get(state.skill_id)
            if skill is None:
                continue  # a retired skill id in stored progress
            direction, delta = trend(state)
            schedule = schedules.get(state.skill_id)
            views.append(
                SkillView(
                    id=skill.id,
                    name=skill.name(language),
                    group=skill.group,
                    level=round(state.level),
                    trend=direction,
                    delta=delta,
                    observations=state.observations,
                    last_practised=state.last_practised,
                    due=schedule.due if schedule is not None else None,
                )
            )
        views.sort(key=lambda v: (v.level, v.id))
        coverage = None
        if self._coverage is not None:
            try:
                coverage = await self._coverage.coverage(user_id, language)
            except Exception:
                log.exception("Story coverage failed for user %s", user_id)
        report = ProgressReport(
            language=language,
            now=now,
            skills=tuple(views),
            interviews=summary.interviews,
            streak_days=streak(summary.days, now.date()),
            scores=tuple(round(s.average) for s in summary.sessions),
            coverage=coverage,
        )
        if chart and self._charts is not None and not report.empty:
            report = await self._with_chart(report, user_id)
        return report

    async def _with_chart(self, report: ProgressReport, user_id: int) -> ProgressReport:
        """Return the report with its chart; without one when rendering fails."""
        data = ProgressChart(
            language=report.language,
            scores=report.scores,
            skills=tuple(ChartSkill(s.name, s.level, s.delta) for s in report.weakest),
        )
        assert self._charts is not None
        try:
            png = await self._charts.progress_chart(data)
        except Exception:
            log.exception("Progress chart failed for user %s", user_id)
            return report
        return ProgressReport(
            language=report.language,
            now=report.now,
            skills=report.skills,
            interviews=report.interviews,
            streak_days=report.streak_days,
            scores=report.scores,
            coverage=report.coverage,
            chart=png,
        )


def _habit_snippets(habits: Sequence[Habit], language: Language) -> str:
    """Return the habits as one line's worth of short snippets."""
    parts = []
    for habit in habits:
        key = "progress.memory.story" if habit.key.startswith("story:") else "progress.memory.habit"
        parts.append(
            text(
                key,
                language,
                title=habit_title(habit, language),
                count=habit.count,
                window=habit.window,
                refs=refs_text(habit.sources, language),
            )
        )
    return " · ".join(parts)
