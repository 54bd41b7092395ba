"""The session report as a real PDF: rendered, turned into PNG pages with pdftoppm, its text
read back with pdftotext (the question, a Korean sentence, when a spoken answer said what),
and its fonts listed with pdffonts (NanumGothic embedded, so Korean shows anywhere)."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from bot.catalog import Kind, Language, Level
from bot.catalog.bank import default_prompts_root
from bot.coaching.answer import Word
from bot.coaching.models import Provenance, Rewrite, Severity
from bot.coaching.offline_evaluator import OfflineEvaluator
from bot.coaching.rubric import Rubric
from bot.interview.engine import InterviewEngine, StartOptions
from bot.interview.models import Session, SessionStatus
from bot.reports import SessionFacts, session_document
from bot.reports.pdf import render_pdf
from bot.reports.session import clock, gaps
from tests.fakes.clock import FixedClock
from tests.fakes.sessions import InMemorySessionStore
from tests.progress.helpers import bank, evaluation, finding

log = logging.getLogger(__name__)

ANSWER_EN = (
    "When our payments service kept timing out, I led the investigation. I added tracing, "
    "found a slow query, and um, basically I rewrote the index. Latency dropped by 40 percent."
)
ANSWER_KO = (
    "결제 서비스가 자꾸 타임아웃이 나서 제가 조사를 맡았습니다. 느린 쿼리를 찾아 인덱스를 다시 "
    "만들었고 지연 시간이 40% 줄었습니다."
)
KOREAN_SENTENCE = "결제 서비스가 자꾸 타임아웃이 나서 제가 조사를 맡았습니다."


@cache
def rubric() -> Rubric:
    return Rubric.load(default_prompts_root())


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        # Only an absent binary skips: .ci/bootstrap installs poppler-utils.
        pytest.skip(f"{name} is missing: apt-get install -y --no-install-recommends poppler-utils")
    return found


def words_of(text: str) -> tuple[Word, ...]:
    """Return word timings of 400 ms per word (a spoken answer)."""
    return tuple(Word(w, i * 400, i * 400 + 300) for i, w in enumerate(text.split()))


async def interview(
    language: Language, answer: str, count: int = 3, spoken: bool = False
) -> Session:
    """Return a finished interview graded by the offline coach."""
    engine = InterviewEngine(
        InMemorySessionStore(), bank(), OfflineEvaluator(rubric()), FixedClock()
    )
    options = StartOptions(1, None, Kind.BEHAVIORAL, Level.MID, count, language, "Backend engineer")
    session, _ = await engine.start(options)
    assert session.id is not None
    while (await engine.session(session.id)).status is SessionStatus.ACTIVE:
        words = words_of(answer) if spoken else ()
        await engine.answer(session.id, answer, words, spoken=spoken)
    return await engine.session(session.id)


def facts(session: Session) -> SessionFacts:
    engine = InterviewEngine(InMemorySessionStore(), bank(), OfflineEvaluator(rubric()))
    return SessionFacts(session, engine.summarise(session))


def pdf_text(path: Path) -> str:
    done = subprocess.run(
        [tool("pdftotext"), "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return " ".join(done.stdout.decode("utf-8").split())


def pages_as_png(path: Path, out: Path) -> list[Path]:
    subprocess.run(
        [tool("pdftoppm"), "-r", "40", "-png", str(path), str(out / "page")],
        capture_output=True,
        check=True,
        timeout=120,
    )
    return sorted(out.glob("page-*.png"))


def fonts(path: Path) -> list[tuple[str, str]]:
    """Return (font name, embedded yes/no) per font pdffonts lists."""
    done = subprocess.run(
        [tool("pdffonts"), str(path)], capture_output=True, check=True, timeout=60, text=True
    )
    rows = done.stdout.splitlines()[2:]
    return [(row.split()[0], row.split()[-5]) for row in rows if row.strip()]


def flat(value: str) -> str:
    return " ".join(value.split())


async def test_an_english_report_has_pages_the_questions_and_embedded_fonts(tmp_path: Path) -> None:
    session = await interview(Language.EN, ANSWER_EN, count=3)
    document = session_document(facts(session))
    assert document.charts == 4
    path = tmp_path / "report.pdf"
    path.write_bytes(render_pdf(document))
    pages = pages_as_png(path, tmp_path)
    assert len(pages) >= 3  # cover with charts, then the questions and the conclusions
    assert all(p.read_bytes().startswith(b"\x89PNG") and p.stat().st_size > 2000 for p in pages)
    text = pdf_text(path)
    for turn in session.main_turns:
        assert flat(turn.prompt) in text
    assert "Interview report" in text and "Backend engineer" in text
    assert "Your next three actions" in text and "Strengths" in text
    assert re.search(r"\b\d{1,3}/100\b", text)
    embedded = dict(fonts(path))
    nanum = [name for name in embedded if "NanumGothic" in name]
    assert nanum and all(embedded[name] == "yes" for name in nanum)


async def test_a_korean_report_prints_korean_with_the_font_inside_the_file(tmp_path: Path) -> None:
    session = await interview(Language.KO, ANSWER_KO, count=2)
    path = tmp_path / "보고서.pdf"
    path.write_bytes(render_pdf(session_document(facts(session))))
    text = pdf_text(path)
    assert KOREAN_SENTENCE in text
    assert "면접 리포트" in text and "다음에 할 세 가지" in text
    assert flat(session.main_turns[0].prompt) in text
    # Every font that prints text is embedded: a machine without Korean fonts shows it all.
    listed = fonts(path)
    assert any("NanumGothic" in name for name, _ in listed)
    assert all(emb == "yes" for name, emb in listed if "Nanum" in name)
    assert len(pages_as_png(path, tmp_path)) >= 2


async def test_a_spoken_answer_says_when_each_quoted_thing_was_said(tmp_path: Path) -> None:
    session = await interview(Language.EN, ANSWER_EN, count=1, spoken=True)
    path = tmp_path / "spoken.pdf"
    path.write_bytes(render_pdf(session_document(facts(session))))
    text = pdf_text(path)
    assert "Transcript of your spoken answer" in text
    assert re.search(r"At \d+:\d\d you said “", text)
    assert "Delivery:" in text and "words" in text


async def test_a_model_graded_answer_prints_its_rewrites(tmp_path: Path) -> None:
    session = await interview(Language.EN, ANSWER_EN, count=1)
    turn = session.main_turns[0]
    assert turn.evaluation is not None
    turn.evaluation = replace(
        turn.evaluation,
        source="llm",
        provenance=Provenance(provider="openai", model="gpt"),
        rewrites=(Rewrite("minimal", "I owned the investigation and cut latency by 40%."),),
    )
    path = tmp_path / "model.pdf"
    path.write_bytes(render_pdf(session_document(facts(session))))
    text = pdf_text(path)
    assert "I owned the investigation and cut latency by 40%." in text
    assert "Coached by OpenAI" in text


async def test_an_answer_with_markup_prints_as_typed(tmp_path: Path) -> None:
    typed = "I wrote <b>bold</b> & fixed the <script> tag, 100% of it."
    session = await interview(Language.EN, typed, count=1)
    path = tmp_path / "markup.pdf"
    path.write_bytes(render_pdf(session_document(facts(session))))
    assert flat(typed) in pdf_text(path)


def test_gaps_rank_by_severity_then_frequency_and_time_reads_as_a_clock() -> None:
    found = gaps(
        [
            evaluation(50, finding("structure.no_metrics", severity=Severity.MINOR)),
            evaluation(40, finding("structure.no_metrics", severity=Severity.MINOR)),
            evaluation(40, finding("structure.result_missing")),
        ]
    )
    assert [(g.rule_id, g.count) for g in found] == [
        ("structure.result_missing", 1),
        ("structure.no_metrics", 2),
    ]
    assert clock(72_400) == "1:12" and clock(5_000) == "0:05"
