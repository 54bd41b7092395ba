"""Progress on the interview engine, with fakes: every graded answer and retry moves the
graph; habits open the next interview and reach the grader; drills; the /progress report."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

import pytest

from bot.catalog import Kind, Language, Level
from bot.errors import SessionAlreadyActive
from bot.interview.engine import InterviewEngine, StartOptions
from bot.interview.events import FeedbackGiven, NoticeGiven, QuestionAsked
from bot.progress import CoverageSummary, DrillService, ProgressService
from bot.progress.graph import Trend
from bot.progress.models import Schedule, SkillState
from tests.fakes.clock import FixedClock
from tests.fakes.evaluator import ScriptedEvaluator
from tests.fakes.progress import PNG, FakeCharts, FixedCoverage, InMemoryProgressStore
from tests.fakes.sessions import InMemorySessionStore
from tests.progress.helpers import bank, catalogue

log = logging.getLogger(__name__)

USER, GUILD = 41, 7


@dataclass
class Env:
    engine: InterviewEngine
    progress: ProgressService
    drills: DrillService
    store: InMemoryProgressStore
    grader: ScriptedEvaluator
    clock: FixedClock
    charts: FakeCharts


def make_env(*, charts: FakeCharts | None = None) -> Env:
    clock = FixedClock()
    store = InMemoryProgressStore()
    charts = charts or FakeCharts()
    progress = ProgressService(
        catalogue(),
        store,
        clock,
        coverage=FixedCoverage(CoverageSummary(2, ("A",), ("B",))),
        charts=charts,
    )
    grader = ScriptedEvaluator()
    engine = InterviewEngine(
        InMemorySessionStore(), bank(), grader, clock, observers=(progress,), memory=progress
    )
    drills = DrillService(engine, bank(), catalogue(), store, clock)
    return Env(engine, progress, drills, store, grader, clock, charts)


@pytest.fixture
def env() -> Env:
    return make_env()


async def interview(env: Env, *answers: str, kind: Kind = Kind.BEHAVIORAL) -> int:
    """Run one interview of len(answers) questions; skip every follow-up."""
    options = StartOptions(USER, GUILD, kind, Level.MID, len(answers))
    session, _ = await env.engine.start(options)
    assert session.id is not None
    for text in answers:
        events = await env.engine.answer(session.id, text)
        while (current := (await env.engine.session(session.id)).current_turn) and (
            current.is_follow_up and current.status.value == "asked"
        ):
            events = await env.engine.skip(session.id)
        del events
    env.clock.advance(days=1)
    return session.id


async def test_each_graded_answer_moves_the_skills_it_touched(env: Env) -> None:
    await interview(env, "vague story", "great story")
    states = await env.store.skills(USER)
    assert states["results"].observations == 2
    assert states["results"].recent[0] == 35  # the missing result capped it
    entries = await env.store.practice(USER, 10)
    assert [e.problems for e in reversed(entries)] == [("structure.result_missing",), ()]
    schedules = await env.store.schedules(USER)
    assert "results" in schedules


async def test_a_rewind_retry_counts_as_practice(env: Env) -> None:
    session_id = await interview(env, "vague story")
    before = (await env.store.skills(USER))["results"].observations
    await env.engine.rewind(session_id, 1)
    await env.engine.answer(session_id, "great retry")
    after = await env.store.skills(USER)
    assert after["results"].observations == before + 1
    (newest, *_) = await env.store.practice(USER, 5)
    assert newest.retry


async def test_habits_open_the_next_interview_and_reach_the_grader(env: Env) -> None:
    first = await interview(env, "vague one", "vague two", "vague three")
    graded_turns = [e.turn_id for e in await env.store.practice(USER, 10)]
    session, events = await env.engine.start(
        StartOptions(USER, GUILD, Kind.BEHAVIORAL, Level.MID, 2)
    )
    note, asked = events[0], events[1]
    assert isinstance(note, NoticeGiven) and isinstance(asked, QuestionAsked)
    assert note.key == "progress.memory.start"
    assert "Result missing in 3 of 3 answers" in note.params["habits"]
    assert f"#{first} Q1" in str(note.params["habits"])
    assert set(note.sources) == set(graded_turns)
    assert session.id is not None
    await env.engine.answer(session.id, "great answer")
    memory = env.grader.contexts[-1].memory
    assert any("structure.result_missing" in line for line in memory)


async def test_a_first_drill_works_on_what_every_interviewer_listens_for(env: Env) -> None:
    started = await env.drills.start(USER, GUILD, None, Language.EN)
    plan = started.plan
    assert plan.first and plan.kind is Kind.BEHAVIORAL and len(plan.questions) == 3
    assert [s.skill_id for s in plan.skills] == ["own_actions", "results", "quantified_impact"]
    asked = next(e for e in started.events if isinstance(e, QuestionAsked))
    assert asked.question.id == plan.questions[0].id and asked.total == 3
    assert started.session.id is not None
    events = await env.engine.answer(started.session.id, "vague drill answer")
    check = next(e for e in events if isinstance(e, NoticeGiven) and e.key == "drill.check")
    assert "Landing the result ✗ Result missing" in str(check.params["items"])
    memory = env.grader.contexts[-1].memory
    assert any("drill on" in line and "Landing the result" in line for line in memory)


async def test_two_drills_at_once_give_one_drill_and_one_clear_message(env: Env) -> None:
    results = await asyncio.gather(
        env.drills.start(USER, GUILD, None, Language.EN),
        env.drills.start(USER, GUILD, None, Language.EN),
        return_exceptions=True,
    )
    started = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(started) == 1 and len(refused) == 1
    (error,) = refused
    assert isinstance(error, SessionAlreadyActive) and error.key == "drill.already_running"
    assert "nothing of it was lost" in error.message_in(Language.EN)
    running = await env.engine.active_session(USER, GUILD)
    assert running is not None and running.id == started[0].session.id
    assert await env.store.drill(running.id) is not None


async def test_due_skills_come_first_then_the_weakest(env: Env) -> None:
    now = env.clock.now()
    env.store.states[USER] = {
        "tradeoffs": SkillState("tradeoffs", 20, 5, (20,) * 5, now),
        "results": SkillState("results", 70, 5, (70,) * 5, now),
        "complexity": SkillState("complexity", 35, 5, (35,) * 5, now),
    }
    env.store.schedule_rows[USER] = {
        "results": Schedule("results", {}, now - timedelta(days=3), 3, now - timedelta(days=9)),
    }
    plan = await env.drills.plan(USER, None, Language.EN)
    assert (plan.skills[0].skill_id, plan.skills[0].reason) == ("results", "due")
    assert plan.skills[0].days_overdue == 3
    assert {s.skill_id for s in plan.skills} >= {"results"}
    assert not plan.first


async def test_the_report_shows_weakest_skills_trend_due_streak_and_chart(env: Env) -> None:
    await interview(env, "vague a", "weak b")
    await interview(env, "great c", "great d")
    report = await env.progress.overview(USER, Language.KO)
    assert report.language is Language.EN  # the language of the user's interviews
    assert report.interviews == 2 and report.streak_days == 2
    assert [v.level for v in report.skills] == sorted(v.level for v in report.skills)
    assert report.weakest[0].trend in set(Trend)
    assert report.chart == PNG
    (chart,) = env.charts.charts
    assert len(chart.scores) == 2 and len(chart.skills) == 5
    data = report.to_json()
    assert set(data) == {"skills", "interviews", "streak_days"}
    assert set(data["skills"][0]) == {"id", "name", "level", "trend", "due"}


async def test_no_history_and_deleted_history_are_said_plainly() -> None:
    env = make_env()
    empty = await env.progress.overview(USER, Language.KO)
    assert empty.empty and empty.language is Language.KO and empty.chart is None
    env.store.states[USER] = {
        "results": SkillState("results", 50, 3, (50, 50, 50), env.clock.now())
    }
    expired = await env.progress.overview(USER, Language.EN)
    assert expired.expired and not expired.empty and expired.skills[0].id == "results"


async def test_a_broken_chart_leaves_the_rest_of_the_report() -> None:
    env = make_env(charts=FakeCharts(fail=True))
    await interview(env, "great a")
    report = await env.progress.overview(USER, Language.EN)
    assert report.chart is None and report.skills


async def test_a_failing_progress_store_never_breaks_grading(env: Env) -> None:
    async def broken(*args: object) -> None:
        raise RuntimeError("disk full")

    env.store.record = broken  # type: ignore[method-assign]
    session, _ = await env.engine.start(StartOptions(USER, GUILD, Kind.BEHAVIORAL, Level.MID, 1))
    assert session.id is not None
    events = await env.engine.answer(session.id, "great answer")
    assert any(isinstance(e, FeedbackGiven) for e in events)
