"""PDF text in memory with PyMuPDF: every way a PDF can fail gets its own problem name.

Measured failure modes (pymupdf-lite 2.0): empty bytes raise ``EmptyFileError``; junk
raises ``FileDataError``; an HTML page opens without error (``is_pdf`` is False). A
truncated PDF (cuts at 30/50/80/95% of a reportlab resume) either raises ``FileDataError``
though it starts with ``%PDF``, or opens ``is_repaired`` (its trailer and ``%%EOF`` are
gone) with no pages, no text or only part of its text, while MuPDF prints "format error:
cannot find startxref" and content-stream syntax errors on stderr unless told not to. A
repaired PDF whose end is missing is refused as cut short even when some text reads: a
resume missing its second half would be planned from half the facts. A repaired PDF that
still ends in ``%%EOF`` (a bad xref table from a sloppy generator) is read normally. A
user-password PDF opens with ``needs_pass``
(an owner-password-only PDF reads normally); a scanned PDF has images and no text (OCR would
need Tesseract); MuPDF's own errors (``FzErrorBase``) are not ``RuntimeError``. Nothing is
written to disk. ``extract_text`` is a plain function returning plain data, so it runs in the
report worker process as well as in a thread (exceptions with keyword arguments would not
survive the trip back from a process).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from bot.profile.ports import DocumentProblem, ReadDocument

log = logging.getLogger(__name__)

T = TypeVar("T")

# Resumes run one to three pages; a 30-page PDF is something else (and slow to read).
MAX_PAGES = 20
# Fewer characters than this is no text layer worth the name (a page number, a logo's alt).
MIN_TEXT_CHARS = 40
_HTML_MARKS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<div")
# A PDF ends with ``%%EOF`` (and perhaps a newline or some padding); where it stands is the
# end of the file's last update, so a complete file has it within its last bytes.
_EOF_MARK = b"%%EOF"
_TAIL = 1024
# The PDF header may follow a little junk (some generators, some mail gateways).
_HEAD = 1024


@dataclass(frozen=True, slots=True)
class Extracted:
    """The outcome of reading a PDF: its text and pages, or the problem's name."""

    text: str = ""
    pages: int = 0
    problem: str | None = None


class Runner(Protocol):
    """Runs a picklable function off the event loop (``bot.reports.ReportWorker``)."""

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """Return ``func(*args)`` computed elsewhere."""
        ...


def extract_text(data: bytes, max_pages: int = MAX_PAGES) -> Extracted:
    """Return the text of a PDF held in memory, or the name of what is wrong with it."""
    if not data:
        return Extracted(problem="empty")
    import pymupdf

    _quiet(pymupdf)
    try:
        # pymupdf's own annotations are partial: treat the document as dynamic.
        document: Any = pymupdf.open(stream=data, filetype="pdf")  # type: ignore[no-untyped-call]
    except pymupdf.EmptyFileError:
        return Extracted(problem="empty")
    except pymupdf.FileDataError:
        # Starts like a PDF but MuPDF cannot even repair it: what is left of a download.
        return Extracted(problem="truncated" if _pdf_header(data) else _html_or("not_pdf", data))
    except (pymupdf.mupdf.FzErrorBase, RuntimeError, ValueError) as exc:
        log.info("MuPDF could not open a PDF: %s", type(exc).__name__)
        return Extracted(problem="broken")
    with document:
        if not document.is_pdf:
            return Extracted(problem=_html_or("not_pdf", data))
        if document.needs_pass:
            return Extracted(problem="password")
        pages = document.page_count
        if pages == 0 or (document.is_repaired and not _ends_complete(data)):
            _log_warnings(pymupdf, "cut short")
            return Extracted(pages=pages, problem="truncated")
        if pages > max_pages:
            return Extracted(pages=pages, problem="too_many_pages")
        texts: list[str] = []
        images = 0
        try:
            for page in document:
                texts.append(page.get_text("text", sort=True))
                images += len(page.get_images())
        except (pymupdf.mupdf.FzErrorBase, RuntimeError, ValueError) as exc:
            log.info("MuPDF failed while reading a PDF: %s", type(exc).__name__)
            return Extracted(pages=pages, problem="broken")
        if document.is_repaired:
            _log_warnings(pymupdf, "repaired, read in full")
    text = "\n".join(t.strip() for t in texts if t.strip())
    if len(text.strip()) < MIN_TEXT_CHARS:
        return Extracted(pages=pages, problem="scanned" if images else "no_text")
    return Extracted(text=text, pages=pages)


def _quiet(pymupdf: Any) -> None:
    """Keep MuPDF's own error and warning lines off stderr (they are collected instead)."""
    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    pymupdf.TOOLS.reset_mupdf_warnings()  # what is logged below is this file's alone


def _pdf_header(data: bytes) -> bool:
    return b"%PDF-" in data[:_HEAD]


def _ends_complete(data: bytes) -> bool:
    """Tell whether the file still has its final ``%%EOF`` (a cut file has lost it)."""
    return _EOF_MARK in data[-_TAIL:]


def _log_warnings(pymupdf: Any, what: str) -> None:
    warnings = str(pymupdf.TOOLS.mupdf_warnings()).splitlines()
    log.info("A PDF was %s (%d MuPDF warnings)", what, len(warnings))
    log.debug("MuPDF warnings: %s", "; ".join(warnings[:10]))


def _html_or(other: str, data: bytes) -> str:
    head = data[:2048].lstrip().lower()
    return "html" if any(mark in head for mark in _HTML_MARKS) else other


class PdfReader:
    """The profile's ``DocumentReader``: PDF text off the event loop.

    With a ``runner`` (the report worker) the work runs in that process; without one, in a
    thread (the terminal, where no event loop serves anyone else).
    """

    def __init__(self, runner: Runner | None = None, *, max_pages: int = MAX_PAGES) -> None:
        self._runner = runner
        self._max_pages = max_pages

    async def read_pdf(self, data: bytes) -> ReadDocument:
        """Return the PDF's text; raise DocumentProblem when it cannot be read."""
        try:
            if self._runner is not None:
                found = await self._runner.run(extract_text, data, self._max_pages)
            else:
                found = await asyncio.to_thread(extract_text, data, self._max_pages)
        except Exception as exc:
            # The worker died on it or timed out: the file is the likeliest cause.
            log.warning("Reading a PDF failed: %s", type(exc).__name__)
            raise DocumentProblem("broken") from exc
        if found.problem is not None:
            raise DocumentProblem(found.problem, pages=found.pages, limit=self._max_pages)
        return ReadDocument(found.text, found.pages)
