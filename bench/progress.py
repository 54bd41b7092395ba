"""Benchmark progress and print the figures (never asserts a timing).

Run with ``python bench/progress.py``. Figures:

- skill-graph update per graded answer (the ``graded`` observer call on a real SQLite file:
  read the user's skills and schedules, update, write one transaction), p50/p95/max;
- the /progress chart in the report worker process: one render, and the event loop's lag
  while 10 charts render at once;
- what a year of practice (250 graded answers over 365 days, stories included) takes in
  SQLite for one user.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.catalog import Kind, Language, Level  # noqa: E402
from bot.catalog.bank import QuestionBank, default_prompts_root  # noqa: E402
from bot.coaching.answer import Answer  # noqa: E402
from bot.coaching.rubric import Rubric  # noqa: E402
from bot.interview.models import Session, SessionStatus, Turn, TurnStatus  # noqa: E402
from bot.interview.ports import GradedAnswer  # noqa: E402
from bot.progress import ChartSkill, ProgressChart, ProgressService, SkillCatalogue  # noqa: E402
from bot.progress.graph import advance, observe  # noqa: E402
from bot.progress.rating import SkillScheduler  # noqa: E402
from bot.reports import ReportWorker, progress_spec  # noqa: E402
from bot.stories import CompetencySet, StoryReader, StoryService  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.progress import SqliteProgressStore  # noqa: E402
from storage.sessions import SqliteSessionStore  # noqa: E402
from storage.stories import SqliteStoryStore  # noqa: E402

log = logging.getLogger(__name__)

USER = 4242
ANSWERS = 250
PER_INTERVIEW = 5
CHARTS_AT_ONCE = 10
LAG_TICK_S = 0.005
TARGETS = {"update_p95_ms": 5.0, "chart_ms": 300.0, "lag_p99_ms": 50.0, "kib": 200.0}
PROGRESS_TABLES = ("skill_states", "skill_evidence", "drill_schedules", "practice_log", "drills")
STORY_TABLES = ("stories", "story_tellings")

ANSWERS_TEXT = (
    "Last year at Acme our checkout service kept timing out during sales, and as the on-call "
    "engineer I owned the fix. I profiled the service, found an N+1 query, added a cache and "
    "batched the writes. As a result, p95 latency dropped from 900 ms to 120 ms.",
    "We worked on the project together and it went well in the end, the team was happy.",
    "In 2022 at Globex I mentored Priya on our payments team. I set up weekly pairing and a "
    "review checklist, and within three months her pull requests needed half the rounds.",
    "I think maybe we could use a queue, um, like, and it would probably scale somehow.",
)


class Clock:
    """A clock the benchmark moves through a year."""

    def __init__(self) -> None:
        self.at = datetime(2026, 1, 5, 9, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


@dataclass
class Figures:
    domain_ms: list[float]
    update_ms: list[float]
    kib_progress: float
    kib_stories: float
    kib_interviews: float
    chart_first_ms: float
    chart_ms: list[float]
    lag_ms: list[float]
    concurrent_s: float


async def _table_bytes(db: Database, tables: tuple[str, ...], where: str) -> float:
    """Return the bytes of one user's rows (their values' stored lengths plus row overhead)."""
    total = 0
    for table in tables:
        async with db.conn.execute(f"PRAGMA table_info({table})") as cur:
            columns = [str(r["name"]) for r in await cur.fetchall()]
        lengths = " + ".join(f"IFNULL(LENGTH(CAST({c} AS BLOB)), 0)" for c in columns)
        sql = f"SELECT IFNULL(SUM({lengths} + 8 + {len(columns)}), 0) FROM {table} WHERE {where}"
        async with db.conn.execute(sql, {"u": USER}) as cur:
            row = await cur.fetchone()
        total += int(row[0]) if row else 0
    return total / 1024


def domain_update(catalogue: SkillCatalogue, graded: GradedAnswer, clock: Clock) -> float:
    """Return the milliseconds of the update rules alone (observe, level, schedule)."""
    scheduler = SkillScheduler()
    start = time.perf_counter()
    for obs in observe(catalogue, graded.question, graded.evaluation, graded.answer.spoken):
        advance(None, obs, clock.now())
        scheduler.review(None, USER, obs.skill_id, obs.score, clock.now())
    return (time.perf_counter() - start) * 1000


async def year_of_practice(
    db: Database,
) -> tuple[list[float], list[float], float, float, float]:
    """Grade 250 answers over a year through the observers; time each progress update."""
    prompts = default_prompts_root()
    bank = QuestionBank.load(prompts)
    rubric = Rubric.load(prompts)
    clock = Clock()
    competencies = CompetencySet.load(prompts)
    stories = StoryService(StoryReader.load(prompts, competencies), SqliteStoryStore(db), clock)
    progress = ProgressService(
        SkillCatalogue.load(prompts), SqliteProgressStore(db), clock, habit_sources=(stories,)
    )
    sessions = SqliteSessionStore(db)
    questions = [q for q in bank if q.language is Language.EN and q.kind is Kind.BEHAVIORAL]
    evaluations = {
        (q.id, i): rubric.evaluate(Answer(text), q, Level.MID)
        for q in questions[:8]
        for i, text in enumerate(ANSWERS_TEXT)
    }
    timings = []
    domain = []
    for n in range(ANSWERS):
        if n % PER_INTERVIEW == 0:
            clock.at += timedelta(days=365 * PER_INTERVIEW / ANSWERS)
            session = await sessions.create_session(
                Session(USER, None, Kind.BEHAVIORAL, Level.MID, Level.MID, PER_INTERVIEW,
                        Language.EN, None, None, clock.now(), status=SessionStatus.FINISHED)
            )  # fmt: skip
        question = questions[n % 8]
        text = ANSWERS_TEXT[n % len(ANSWERS_TEXT)]
        turn = Turn(n % PER_INTERVIEW, question.id, question.text, Level.MID)
        turn.status, turn.answer = TurnStatus.EVALUATED, text
        turn.evaluation = evaluations[(question.id, n % len(ANSWERS_TEXT))]
        assert session.id is not None
        await sessions.save_turn(session.id, turn)
        session.turns.append(turn)
        graded = GradedAnswer(
            session, turn, question, Answer(text, spoken=n % 3 == 0), turn.evaluation
        )
        domain.append(domain_update(progress.catalogue, graded, clock))
        start = time.perf_counter()
        await progress.graded(graded)
        timings.append((time.perf_counter() - start) * 1000)
        await stories.graded(graded)
    where_user = "user_id = :u"
    kib_progress = await _table_bytes(db, PROGRESS_TABLES, where_user)
    kib_stories = await _table_bytes(db, STORY_TABLES, where_user)
    kib_interviews = await _table_bytes(db, ("sessions",), where_user) + await _table_bytes(
        db, ("turns",), "session_id IN (SELECT id FROM sessions WHERE user_id = :u)"
    )
    return domain, timings, kib_progress, kib_stories, kib_interviews


async def charts() -> tuple[float, list[float], list[float], float]:
    """Time one chart in the worker, then measure loop lag while 10 render at once."""
    chart = ProgressChart(
        Language.KO,
        tuple(range(40, 80, 2)),
        tuple(ChartSkill(f"스킬 {i} skill", 30 + 8 * i, i - 2) for i in range(5)),
    )
    spec = progress_spec(chart)
    worker = ReportWorker()
    try:
        start = time.perf_counter()
        await worker.render_chart(spec)  # starts the process: imports matplotlib once
        first = (time.perf_counter() - start) * 1000
        single = []
        for _ in range(10):
            start = time.perf_counter()
            await worker.render_chart(spec)
            single.append((time.perf_counter() - start) * 1000)
        lags: list[float] = []
        done = asyncio.Event()

        async def probe() -> None:
            while not done.is_set():
                before = time.perf_counter()
                await asyncio.sleep(LAG_TICK_S)
                lags.append(max(0.0, (time.perf_counter() - before - LAG_TICK_S) * 1000))

        task = asyncio.create_task(probe())
        start = time.perf_counter()
        await asyncio.gather(*(worker.render_chart(spec) for _ in range(CHARTS_AT_ONCE)))
        concurrent = time.perf_counter() - start
        done.set()
        await task
        return first, single, lags, concurrent
    finally:
        await worker.aclose()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure() -> Figures:
    with tempfile.TemporaryDirectory() as folder:
        async with Database(Path(folder) / "bench.sqlite3") as db:
            domain, timings, kib_p, kib_s, kib_i = await year_of_practice(db)
    first, single, lags, concurrent = await charts()
    return Figures(domain, timings, kib_p, kib_s, kib_i, first, single, lags, concurrent)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    f = asyncio.run(measure())
    print("Progress figures (2-core machine, shared)")
    print(
        f"update rules per graded answer (observe, level, fsrs schedule; no I/O): "
        f"median {statistics.median(f.domain_ms):.2f} ms, p95 {_pct(f.domain_ms, 0.95):.2f} ms"
    )
    print(
        f"skill-graph update per graded answer, read and written on SQLite ({ANSWERS} answers): "
        f"median {statistics.median(f.update_ms):.2f} ms, p95 {_pct(f.update_ms, 0.95):.2f} ms, "
        f"max {max(f.update_ms):.2f} ms (target p95 < {TARGETS['update_p95_ms']:.0f} ms)"
    )
    print(
        f"/progress chart in the worker: first {f.chart_first_ms:.0f} ms (process start and "
        f"matplotlib import), then median {statistics.median(f.chart_ms):.0f} ms, "
        f"max {max(f.chart_ms):.0f} ms (target < {TARGETS['chart_ms']:.0f} ms)"
    )
    print(
        f"event-loop lag while {CHARTS_AT_ONCE} charts render at once: p99 "
        f"{_pct(f.lag_ms, 0.99):.1f} ms, max {max(f.lag_ms):.1f} ms over {len(f.lag_ms)} ticks; "
        f"all {CHARTS_AT_ONCE} done in {f.concurrent_s:.2f} s "
        f"(target p99 < {TARGETS['lag_p99_ms']:.0f} ms)"
    )
    print(
        f"one user, a year ({ANSWERS} answers): progress {f.kib_progress:.0f} KiB + stories "
        f"{f.kib_stories:.1f} KiB = {f.kib_progress + f.kib_stories:.0f} KiB of row data "
        f"(target < {TARGETS['kib']:.0f} KB); their interviews themselves "
        f"{f.kib_interviews:.0f} KiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
