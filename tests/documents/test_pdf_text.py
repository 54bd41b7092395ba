"""PDF text in memory with PyMuPDF: real PDFs (English, Korean) read, every bad one named."""

from __future__ import annotations

import logging

import pytest

from bot.catalog import Language
from bot.documents import PdfReader, extract_text
from bot.profile import PDF_PROBLEMS, DocumentProblem
from bot.reports import ReportWorker
from tests.fakes.profile import (
    RESUME_EN,
    RESUME_KO,
    blank_pdf,
    html_named_pdf,
    pdf_of,
    resume_pdf,
    scanned_pdf,
    truncated_pdf,
)

log = logging.getLogger(__name__)


def test_an_english_resume_reads_as_its_text() -> None:
    found = extract_text(resume_pdf(RESUME_EN))
    assert found.problem is None and found.pages == 1
    assert "Led the payments ledger migration to PostgreSQL" in found.text
    assert found.text.index("Experience") < found.text.index("Skills")


def test_a_korean_resume_reads_as_korean_text() -> None:
    found = extract_text(resume_pdf(RESUME_KO))
    assert found.problem is None
    assert "결제 원장 마이그레이션을 주도하여" in found.text


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "empty"),
        (b"\x00\x01 definitely not a document " * 20, "not_pdf"),
        (html_named_pdf(), "html"),
        (truncated_pdf(), "truncated"),
        (resume_pdf(user_password="open-sesame"), "password"),
        (scanned_pdf(), "scanned"),
        (blank_pdf(), "no_text"),
        (pdf_of(["Jane Doe, engineer, lots of pages"], pages=25), "too_many_pages"),
    ],
    ids=["empty", "junk", "html", "truncated", "password", "scanned", "blank", "too-long"],
)
def test_each_bad_pdf_is_named(data: bytes, problem: str) -> None:
    found = extract_text(data)
    assert found.problem == problem
    assert found.text == ""


def test_an_owner_password_alone_does_not_stop_reading() -> None:
    # Only editing is restricted: the file opens without a password, as in any viewer.
    found = extract_text(resume_pdf(owner_password="only-the-owner"))
    assert found.problem is None and "Acme Payments" in found.text


@pytest.mark.parametrize("problem", PDF_PROBLEMS)
def test_every_problem_has_its_own_message_in_both_languages(problem: str) -> None:
    error = DocumentProblem(problem, pages=25, limit=20, size="7.5")
    english, korean = error.message_in(Language.EN), error.message_in(Language.KO)
    assert english and korean and english != korean
    assert "{" not in english and "{" not in korean
    others = [DocumentProblem(p, pages=25, limit=20, size="7.5") for p in PDF_PROBLEMS]
    assert sum(o.message_in(Language.EN) == english for o in others) == 1


async def test_the_reader_raises_the_problem_and_reads_good_files_in_a_thread() -> None:
    reader = PdfReader()
    document = await reader.read_pdf(resume_pdf())
    assert "Globex" in document.text and document.pages == 1
    with pytest.raises(DocumentProblem) as caught:
        await reader.read_pdf(html_named_pdf())
    assert caught.value.problem == "html"
    assert "web page" in caught.value.message_in(Language.EN)


async def test_the_reader_runs_in_the_report_worker_process() -> None:
    worker = ReportWorker()
    try:
        reader = PdfReader(worker)
        document = await reader.read_pdf(resume_pdf(RESUME_KO))
        assert "에이크미 페이" in document.text
        with pytest.raises(DocumentProblem) as caught:
            await reader.read_pdf(truncated_pdf())
        assert caught.value.problem == "truncated"
        assert worker.started == 1
    finally:
        await worker.aclose()
