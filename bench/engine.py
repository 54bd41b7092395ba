"""Benchmark the engine's offline parts and print the figures (never asserts a timing).

Run with ``python bench/engine.py``. Each figure has its own function returning numbers,
and ``main`` prints them, so more figures (memory per session) slot in beside the rubric.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.catalog import Kind, Language, Level, Question  # noqa: E402
from bot.coaching.answer import Answer  # noqa: E402
from bot.coaching.rubric import Rubric  # noqa: E402

log = logging.getLogger(__name__)

ANSWER_WORDS = 300
RUNS = 400
TARGET_P95_MS = 20.0

# Sentences of a realistic behavioral answer: context, task, actions, a hedge, a result.
_SENTENCES = (
    "At my last company our team was migrating the payments service to a new queue.",
    "A senior teammate and I disagreed about whether to do a big-bang cutover.",
    "My role was to own the migration plan and ship it before the holiday freeze.",
    "I proposed a gradual rollout behind a feature flag instead of a single cutover.",
    "I think maybe the risk was bigger than he expected, because checkout depends on it.",
    "I wrote a one-page comparison of both options and met with our product manager.",
    "We agreed to try my plan on 5% of traffic first and watch the error dashboards.",
    "I also paired with a junior engineer so she could run the rollout herself.",
    "As a result we finished two weeks early and error rates dropped by 40%.",
)

QUESTION = Question(
    id="beh-bench-disagreement",
    kind=Kind.BEHAVIORAL,
    language=Language.EN,
    levels=tuple(Level),
    skills=("conflict",),
    text="Tell me about a time you disagreed with a teammate. How did you resolve it?",
    hint="",
    keywords=("conflict", "disagreement", "teammate", "compromise", "resolve", "migration"),
)


@dataclass(frozen=True, slots=True)
class Latency:
    """Timing summary of repeated runs, in milliseconds."""

    runs: int
    words: int
    median_ms: float
    p95_ms: float
    max_ms: float


def answer_of(words: int) -> str:
    """Return a realistic answer of about ``words`` words."""
    out: list[str] = []
    count = 0
    i = 0
    while count < words:
        sentence = _SENTENCES[i % len(_SENTENCES)]
        out.append(sentence)
        count += len(sentence.split())
        i += 1
    return " ".join(out)


def _percentile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def rubric_latency(rubric: Rubric, runs: int = RUNS, words: int = ANSWER_WORDS) -> Latency:
    """Time ``rubric.evaluate`` on a ``words``-word answer, over every level."""
    answer = Answer(answer_of(words))
    levels = list(Level)
    for level in levels:  # warm-up: first calls build caches
        rubric.evaluate(answer, QUESTION, level)
    samples: list[float] = []
    for i in range(runs):
        level = levels[i % len(levels)]
        start = time.perf_counter()
        rubric.evaluate(answer, QUESTION, level)
        samples.append((time.perf_counter() - start) * 1000)
    return Latency(
        runs=runs,
        words=len(answer.text.split()),
        median_ms=statistics.median(samples),
        p95_ms=_percentile(samples, 0.95),
        max_ms=max(samples),
    )


def huge_answer_latency(rubric: Rubric, chars: int = 20_000, runs: int = 20) -> Latency:
    """Time the rubric on a ``chars``-character answer (the input-size limit case)."""
    text = answer_of(chars // 4)[:chars]
    answer = Answer(text)
    samples: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        rubric.evaluate(answer, QUESTION, Level.SENIOR)
        samples.append((time.perf_counter() - start) * 1000)
    return Latency(
        runs=runs,
        words=len(text.split()),
        median_ms=statistics.median(samples),
        p95_ms=_percentile(samples, 0.95),
        max_ms=max(samples),
    )


def _print_latency(title: str, figure: Latency) -> None:
    sys.stdout.write(
        f"{title}: {figure.words} words, {figure.runs} runs: "
        f"median {figure.median_ms:.2f} ms, p95 {figure.p95_ms:.2f} ms, "
        f"max {figure.max_ms:.2f} ms\n"
    )


SESSIONS = 200
TARGET_SESSION_MB = 2.0


async def _session_memory(sessions: int) -> tuple[float, float]:
    """Return (traced MiB per session, RSS MiB per session) for active sessions in one process."""
    import asyncio
    import resource
    import tracemalloc

    from bot.bootstrap import build_services
    from bot.config import Settings
    from bot.interview.engine import StartOptions

    services = await build_services(Settings(env_file=None), database_path=":memory:")
    engine = services.engine
    answer = answer_of(ANSWER_WORDS)
    # Warm every code path once so imports and caches are not charged to the sessions.
    warm, _ = await engine.start(StartOptions(-1, 1, Kind.BEHAVIORAL, Level.MID, 3))
    assert warm.id is not None
    await engine.answer(warm.id, answer)
    await asyncio.sleep(0)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    live = []
    for user in range(sessions):
        session, _ = await engine.start(StartOptions(user, 1, Kind.BEHAVIORAL, Level.MID, 5))
        assert session.id is not None
        await engine.answer(session.id, answer)
        await engine.answer(session.id, answer)
        live.append(await engine.session(session.id))  # what a caller holds per session
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    traced = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    await services.close()
    mib = 1024 * 1024
    return traced / sessions / mib, (rss_after - rss_before) * 1024 / sessions / mib


def session_memory(sessions: int = SESSIONS) -> tuple[float, float]:
    """Return memory per active session (traced, RSS growth) with ``sessions`` live."""
    import asyncio

    return asyncio.run(_session_memory(sessions))


def main(argv: Sequence[str] | None = None) -> int:
    """Print every figure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=RUNS, help="runs per figure")
    args = parser.parse_args(argv)

    load_start = time.perf_counter()
    rubric = Rubric.load(ROOT / "prompts")
    load_ms = (time.perf_counter() - load_start) * 1000
    sys.stdout.write(f"rubric load (en + ko lexicons): {load_ms:.1f} ms\n")

    figure = rubric_latency(rubric, runs=args.runs)
    _print_latency("rubric evaluate", figure)
    verdict = "within" if figure.p95_ms < TARGET_P95_MS else "OVER"
    sys.stdout.write(f"  p95 target {TARGET_P95_MS:.0f} ms: {verdict}\n")
    _print_latency("rubric evaluate, 20,000 characters", huge_answer_latency(rubric))

    traced, rss = session_memory()
    verdict = "within" if max(traced, rss) < TARGET_SESSION_MB else "OVER"
    sys.stdout.write(
        f"memory per active session ({SESSIONS} sessions, 2 graded answers each): "
        f"{traced * 1024:.1f} KiB traced, {rss * 1024:.1f} KiB RSS growth; "
        f"target {TARGET_SESSION_MB:.0f} MB: {verdict}\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
