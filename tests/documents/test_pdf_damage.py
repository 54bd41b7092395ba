"""Cut-short and damaged PDFs: one "cut short or damaged" answer at every cut, nothing from
MuPDF on stderr, and a complete PDF with a broken xref table still read."""

from __future__ import annotations

import logging
import re

import pytest

from bot.catalog import Language
from bot.documents import extract_text
from bot.documents.plain import decode_text
from bot.profile import DocumentProblem
from tests.fakes.profile import RESUME_EN, resume_pdf

log = logging.getLogger(__name__)

# A resume long enough that a cut at 80% or 95% still leaves readable text on its page.
LONG_RESUME = RESUME_EN + "\n".join(f"• Built service number {i} for the team" for i in range(20))


@pytest.mark.parametrize("share", [0.3, 0.5, 0.8, 0.95])
def test_every_cut_of_a_real_pdf_is_named_cut_short(
    share: float, capfd: pytest.CaptureFixture[str]
) -> None:
    whole = resume_pdf(LONG_RESUME)
    found = extract_text(whole[: int(len(whole) * share)])
    assert found.problem == "truncated"
    assert found.text == ""
    # MuPDF's own "format error"/"syntax error" lines must not reach the terminal.
    captured = capfd.readouterr()
    assert "MuPDF" not in captured.err and "error" not in captured.err.lower()


def test_the_whole_pdf_still_reads() -> None:
    found = extract_text(resume_pdf(LONG_RESUME))
    assert found.problem is None and "service number 19" in found.text


def test_a_complete_pdf_with_a_broken_xref_is_repaired_and_read() -> None:
    # Sloppy generators write wrong xref offsets; MuPDF repairs them and nothing is missing.
    whole = resume_pdf(LONG_RESUME)
    broken = re.sub(rb"startxref\s+\d+", b"startxref\n9", whole)
    assert broken != whole
    found = extract_text(broken)
    assert found.problem is None and "service number 19" in found.text


def test_the_cut_short_message_says_cut_short_or_damaged_in_both_languages() -> None:
    error = DocumentProblem("truncated")
    assert "cut short or damaged" in error.message_in(Language.EN)
    assert "잘렸거나 손상" in error.message_in(Language.KO)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"%PDF-1.3\n%\x93\x8c\x8b\x9e ReportLab Generated PDF document", "pdf"),
        (bytes(range(256)) * 8, "binary"),
        (b"3F\xff\xfe:Yy\x9cQ\x00\x81" * 50, "binary"),
        (bytes((i * 131 + 7) % 128 + 128 for i in range(3000)), "binary"),
    ],
    ids=["pdf", "all-bytes", "nul-and-junk", "high-bytes"],
)
def test_a_file_that_is_not_text_is_named(data: bytes, problem: str) -> None:
    assert decode_text(data).problem == problem


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp949"])
def test_text_files_decode_in_the_usual_encodings(encoding: str) -> None:
    body = "시니어 백엔드 개발자 - 토스\n결제 플랫폼을 설계하고 운영합니다. 경력 7년 이상."
    found = decode_text(body.encode(encoding))
    assert found.problem is None and found.text.lstrip("\ufeff") == body


def test_plain_english_is_text() -> None:
    found = decode_text(b"Senior Backend Engineer at Initech\nWe build payment rails.\n")
    assert found.problem is None and found.text.startswith("Senior Backend Engineer")
