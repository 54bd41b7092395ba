"""Benchmark PDF reports and resume reading, and print the figures (never asserts a timing).

Run with ``python bench/reports.py`` (``--json`` prints one object). Figures:

- a session report of 10 questions with 4 charts: building the document, then rendering it
  in the report worker process (the first render, and the median of the next ones);
- the event loop's lag (p99, max) while 5 reports render at once in the worker;
- reading a 2-page resume PDF: PyMuPDF text extraction plus the offline facts (median);
- the worker process's resident memory over 50 reports (after the 1st, 10th, 25th, 50th):
  flat means nothing leaks (matplotlib ``Figure`` objects, never pyplot's registry).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.catalog import Kind, Language, Level  # noqa: E402
from bot.catalog.bank import QuestionBank, default_prompts_root  # noqa: E402
from bot.coaching.answer import Word  # noqa: E402
from bot.coaching.offline_evaluator import OfflineEvaluator  # noqa: E402
from bot.coaching.rubric import Rubric  # noqa: E402
from bot.documents import extract_text  # noqa: E402
from bot.interview.engine import InterviewEngine, StartOptions  # noqa: E402
from bot.interview.models import SessionStatus  # noqa: E402
from bot.profile.resume import read_resume  # noqa: E402
from bot.reports import Document, ReportWorker, SessionFacts, session_document  # noqa: E402
from tests.fakes.profile import RESUME_EN, pdf_of  # noqa: E402
from tests.fakes.sessions import InMemorySessionStore  # noqa: E402

log = logging.getLogger(__name__)

QUESTIONS = 10
AT_ONCE = 5
REPORTS_FOR_MEMORY = 50
LAG_TICK_S = 0.005
TARGETS = {"report_s": 1.5, "lag_p99_ms": 50.0, "resume_ms": 300.0}
ANSWERS = (
    "When our payments service kept timing out during sales, I led the investigation. I added "
    "tracing, found a slow query, and um, basically I rewrote the index. Latency dropped by 40 "
    "percent and checkout errors fell by half within two weeks.",
    "We worked on the project together and it went well in the end, the team was happy.",
    "In 2022 at Globex I mentored Priya on our payments team. I set up weekly pairing and a "
    "review checklist, and within three months her pull requests needed half the rounds.",
)


def _rss_kib() -> tuple[int, int]:
    """Return (current RSS, peak RSS) of this process in KiB (runs in the worker)."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


async def ten_question_interview() -> SessionFacts:
    """Return the facts of a finished 10-question interview graded by the offline coach."""
    root = default_prompts_root()
    engine = InterviewEngine(
        InMemorySessionStore(), QuestionBank.load(root), OfflineEvaluator(Rubric.load(root))
    )
    options = StartOptions(1, None, Kind.BEHAVIORAL, Level.MID, QUESTIONS, Language.EN, "SRE")
    session, _ = await engine.start(options)
    assert session.id is not None
    n = 0
    while (await engine.session(session.id)).status is SessionStatus.ACTIVE:
        text = ANSWERS[n % len(ANSWERS)]
        spoken = n % 2 == 0
        words = tuple(Word(w, i * 350, i * 350 + 250) for i, w in enumerate(text.split()))
        await engine.answer(session.id, text, words if spoken else (), spoken=spoken)
        n += 1
    session = await engine.session(session.id)
    return SessionFacts(session, engine.summarise(session))


async def lag_while(work: Any) -> list[float]:
    """Return the event loop's lag samples (ms) while ``work`` runs."""
    samples: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:
        while not done.is_set():
            start = time.perf_counter()
            await asyncio.sleep(LAG_TICK_S)
            samples.append((time.perf_counter() - start - LAG_TICK_S) * 1000)

    ticker = asyncio.create_task(tick())
    try:
        await work
    finally:
        done.set()
        await ticker
    return samples


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def measure() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    two_pages = pdf_of(RESUME_EN.splitlines() + RESUME_EN.splitlines(), pages=2)
    start = time.perf_counter()
    facts = await ten_question_interview()
    figures["interview_s"] = round(time.perf_counter() - start, 2)
    builds = []
    for _ in range(5):
        start = time.perf_counter()
        document: Document = session_document(facts)
        builds.append(time.perf_counter() - start)
    built = statistics.median(builds)
    figures["charts"] = document.charts
    worker = ReportWorker()
    try:
        start = time.perf_counter()
        pdf = await worker.render_pdf(document)
        figures["first_render_s"] = round(time.perf_counter() - start, 2)
        renders = []
        for _ in range(5):
            start = time.perf_counter()
            pdf = await worker.render_pdf(document)
            renders.append(time.perf_counter() - start)
        figures["render_s"] = round(statistics.median(renders), 3)
        figures["report_kib"] = round(len(pdf) / 1024)
        figures["document_build_s"] = round(built, 3)
        figures["report_s"] = round(built + statistics.median(renders), 3)

        samples = await lag_while(
            asyncio.gather(*(worker.render_pdf(document) for _ in range(AT_ONCE)))
        )
        figures["lag_p99_ms"] = round(p99(samples), 1)
        figures["lag_max_ms"] = round(max(samples), 1)

        memory: dict[int, int] = {}
        for i in range(1, REPORTS_FOR_MEMORY + 1):
            await worker.render_pdf(document)
            if i in (1, 10, 25, 50):
                memory[i] = (await worker.run(_rss_kib))[0] // 1024
        figures["worker_rss_mib"] = memory
        figures["worker_peak_mib"] = (await worker.run(_rss_kib))[1] // 1024

        # What /profile resume pays: the text read in the worker process, facts read here.
        via_worker = []
        for _ in range(10):
            start = time.perf_counter()
            found = await worker.run(extract_text, two_pages)
            read_resume(found.text)
            via_worker.append(time.perf_counter() - start)
        figures["resume_worker_ms"] = round(statistics.median(via_worker) * 1000, 1)
    finally:
        await worker.aclose()

    times = []
    for _ in range(10):
        start = time.perf_counter()
        found = extract_text(two_pages)
        read_resume(found.text)
        times.append(time.perf_counter() - start)
    figures["resume_ms"] = round(statistics.median(times) * 1000, 1)
    figures["resume_first_ms"] = round(times[0] * 1000, 1)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    figures = asyncio.run(measure())
    if args.json:
        print(json.dumps(figures))
        return 0
    print(f"setup: 10-question interview graded offline in {figures['interview_s']} s (cold)")
    print(
        f"session report, {QUESTIONS} questions, {figures['charts']} charts: "
        f"{figures['report_s']} s (document {figures['document_build_s']} s + render "
        f"{figures['render_s']} s in the worker, medians; first render "
        f"{figures['first_render_s']} s incl. worker start; target < {TARGETS['report_s']} s); "
        f"{figures['report_kib']} KiB"
    )
    print(
        f"event-loop lag while {AT_ONCE} reports render: p99 {figures['lag_p99_ms']} ms, "
        f"max {figures['lag_max_ms']} ms (target p99 < {TARGETS['lag_p99_ms']} ms)"
    )
    print(
        f"2-page resume PDF, text + facts: median {figures['resume_ms']} ms "
        f"(first {figures['resume_first_ms']} ms; target < {TARGETS['resume_ms']} ms); "
        f"through the worker process {figures['resume_worker_ms']} ms"
    )
    rss = ", ".join(f"{n}: {mib} MiB" for n, mib in figures["worker_rss_mib"].items())
    print(f"worker RSS after N reports: {rss}; peak {figures['worker_peak_mib']} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
