"""The report service: only your own interviews, your latest by default, the upload limit,
failures said plainly, autocomplete from history, and the progress report with a debrief;
rendered in the real worker process."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.catalog import Kind, Language, Level
from bot.errors import CoachError
from bot.interview.engine import InterviewEngine, StartOptions
from bot.interview.models import SessionStatus, TurnStatus
from bot.negotiation import Debrief, Dimension, Finding, Outcome, default_currencies
from bot.progress import ProgressService
from bot.reports import Document, NotYours, ReportService, ReportWorker
from tests.fakes.clock import FixedClock
from tests.fakes.evaluator import ScriptedEvaluator, make_bank
from tests.fakes.progress import InMemoryProgressStore
from tests.fakes.sessions import InMemorySessionStore
from tests.progress.helpers import catalogue

log = logging.getLogger(__name__)

ALICE, BOB = 11, 22


class Failing:
    """A renderer that breaks."""

    async def render_pdf(self, document: Document) -> bytes:
        raise RuntimeError("reportlab fell over")


class Recording:
    """A renderer that keeps the documents and returns a fixed size."""

    def __init__(self, size: int = 100) -> None:
        self.documents: list[Document] = []
        self.size = size

    async def render_pdf(self, document: Document) -> bytes:
        self.documents.append(document)
        return b"%PDF-" + b"x" * self.size


@pytest.fixture
async def worker() -> AsyncIterator[ReportWorker]:
    running = ReportWorker()
    yield running
    await running.aclose()


async def practised(engine: InterviewEngine, user: int, *answers: str, guild: int = 1) -> int:
    session, _ = await engine.start(
        StartOptions(user, guild, Kind.BEHAVIORAL, Level.MID, len(answers))
    )
    assert session.id is not None
    for answer in answers:
        await engine.answer(session.id, answer)
        await skip_follow_ups(engine, session.id)
    return session.id


async def skip_follow_ups(engine: InterviewEngine, session_id: int) -> None:
    """Skip follow-ups until a main question waits (or the interview ends)."""
    while True:
        session = await engine.session(session_id)
        current = session.current_turn
        if session.status is not SessionStatus.ACTIVE or current is None:
            return
        if not current.is_follow_up or current.status is not TurnStatus.ASKED:
            return
        await engine.skip(session_id)


def pdf_title(path: Path) -> str:
    """Return the Title line pdfinfo reads from a PDF."""
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return next(line for line in info.stdout.splitlines() if line.startswith("Title:"))


def new_engine() -> InterviewEngine:
    return InterviewEngine(InMemorySessionStore(), make_bank(), ScriptedEvaluator(), FixedClock())


async def test_your_interview_renders_as_a_real_pdf_in_the_worker(
    worker: ReportWorker, tmp_path: Path
) -> None:
    engine = new_engine()
    first = await practised(engine, ALICE, "great one", "vague two")
    service = ReportService(engine, worker)
    report = await service.session_report(ALICE, first, 1, Language.EN)
    assert report.data.startswith(b"%PDF-") and report.session_id == first
    assert report.filename == f"mockingbird-interview-{first}.pdf"
    path = tmp_path / report.filename
    path.write_bytes(report.data)
    assert "Interview report" in pdf_title(path)
    assert worker.started == 1


async def test_without_an_id_the_latest_interview_here_is_reported() -> None:
    engine = new_engine()
    await practised(engine, ALICE, "great")
    latest = await practised(engine, ALICE, "weak")
    renderer = Recording()
    report = await ReportService(engine, renderer).session_report(ALICE, None, 1, Language.EN)
    assert report.session_id == latest


async def test_someone_else_s_interview_is_not_found_unless_the_terminal_asks() -> None:
    engine = new_engine()
    bobs = await practised(engine, BOB, "great")
    service = ReportService(engine, Recording())
    with pytest.raises(NotYours) as caught:
        await service.session_report(ALICE, bobs, 1, Language.EN)
    assert f"#{bobs}" in caught.value.user_message
    with pytest.raises(CoachError) as missing:
        await service.session_report(ALICE, 999, 1, Language.KO)
    assert not isinstance(missing.value, NotYours) and "#999" in missing.value.user_message
    report = await service.session_report(0, bobs, None, Language.EN, anyone=True)
    assert report.session_id == bobs


async def test_no_interview_yet_says_how_to_start_one() -> None:
    with pytest.raises(CoachError) as caught:
        await ReportService(new_engine(), Recording()).session_report(ALICE, None, 1, Language.EN)
    assert "/interview start" in caught.value.user_message


async def test_a_report_over_the_upload_limit_is_refused_with_the_terminal_way_out() -> None:
    engine = new_engine()
    session = await practised(engine, ALICE, "great")
    service = ReportService(engine, Recording(size=5000), max_bytes=1000)
    with pytest.raises(CoachError) as caught:
        await service.session_report(ALICE, session, 1, Language.EN)
    assert caught.value.key == "reports.too_big"
    assert "python -m bot report" in caught.value.user_message


async def test_a_failed_render_is_said_plainly(caplog: pytest.LogCaptureFixture) -> None:
    engine = new_engine()
    session = await practised(engine, ALICE, "great")
    with pytest.raises(CoachError) as caught:
        await ReportService(engine, Failing()).session_report(ALICE, session, 1, Language.KO)
    # Said in the interview's language (English here), whatever the client's.
    assert caught.value.key == "reports.failed" and caught.value.language is Language.EN
    assert f"session {session}" in caplog.text and "reportlab fell over" in caplog.text


async def test_autocomplete_offers_your_history_matching_what_you_type() -> None:
    engine = new_engine()
    first = await practised(engine, ALICE, "great")
    second = await practised(engine, ALICE, "weak")
    await practised(engine, BOB, "great")
    service = ReportService(engine, Recording())
    every = await service.choices(ALICE, 1, "", Language.EN)
    assert [c.session_id for c in every] == [second, first]
    assert every[0].name.startswith(f"#{second} · behavioral · mid · ")
    assert [c.session_id for c in await service.choices(ALICE, 1, f"#{first}", Language.EN)] == [
        first
    ]
    assert await service.choices(ALICE, 1, "system design", Language.EN) == []


async def test_the_progress_report_has_skills_and_the_latest_debrief() -> None:
    clock = FixedClock()
    progress = ProgressService(catalogue(), InMemoryProgressStore(), clock)
    engine = InterviewEngine(
        InMemorySessionStore(), make_bank(), ScriptedEvaluator(), clock, observers=(progress,)
    )
    await practised(engine, ALICE, "vague one", "great two")
    debrief = Debrief(
        negotiation_id=3,
        language=Language.EN,
        currency="USD",
        role="Backend engineer",
        offer=120_000,
        target=140_000,
        budget=135_000,
        final_offer=128_000,
        outcome=Outcome.ACCEPTED,
        left_on_table=7_000,
        scores={d: 60 for d in Dimension},
        findings=(Finding(Dimension.ANCHORING, "no_anchor"),),
        tips=(),
    )

    class Debriefs:
        async def recent_debriefs(self, user_id: int, limit: int) -> list[Debrief]:
            return [debrief] if user_id == ALICE else []

    renderer = Recording()
    service = ReportService(
        engine,
        renderer,
        progress=progress,
        debriefs=Debriefs(),
        currencies=default_currencies(),
    )
    report = await service.progress_report(ALICE, Language.EN)
    assert report.filename == "mockingbird-progress.pdf"
    words = _words(renderer.documents[-1])
    assert "Skill trends (weakest first)" in words and "Landing the result" in words
    assert "Backend engineer" in words and "Salary negotiation" in words
    await service.progress_report(BOB, Language.EN)
    assert "No salary negotiation practised yet" in _words(renderer.documents[-1])


async def test_the_progress_report_says_when_negotiation_is_not_there() -> None:
    progress = ProgressService(catalogue(), InMemoryProgressStore(), FixedClock())
    renderer = Recording()
    await ReportService(new_engine(), renderer, progress=progress).progress_report(
        ALICE, Language.KO
    )
    words = _words(renderer.documents[-1])
    assert "진도 리포트" in words and "연봉 협상 연습을 할 수 없습니다" in words
    assert "아직 연습 기록이 없습니다" in words


def _words(document: Document) -> str:
    """Return every text a document prints, as one string."""
    parts: list[str] = [document.title, document.subtitle]
    for block in document.blocks:
        for name in ("text", "lead", "value", "label", "caption"):
            value = getattr(block, name, None)
            if isinstance(value, str):
                parts.append(value)
        for name in ("items", "header"):
            parts.extend(getattr(block, name, ()) or ())
        for rows_name in ("rows",):
            for row in getattr(block, rows_name, ()) or ():
                parts.extend(row)
    return "\n".join(parts)
