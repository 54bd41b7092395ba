"""Ports the profile domain needs: its store, a PDF reader and (optionally) a model."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.catalog import Kind, Language, Level
from bot.errors import CoachError
from bot.profile.models import JobDescription, JobFacts, PersonalPlan, Profile, Resume, ResumeFacts

log = logging.getLogger(__name__)

# What can be wrong with a PDF, each with its own message (``profile.pdf.<problem>``).
PDF_PROBLEMS = (
    "empty",  # no bytes at all
    "not_pdf",  # junk, or another format
    "html",  # a web page saved as .pdf: PyMuPDF opens it without complaint
    "truncated",  # cut short in the download: opens "repaired" with no pages
    "password",  # needs a password to open
    "scanned",  # pages are images: no text layer (OCR is not done)
    "too_large",  # over the size limit (checked before reading)
    "too_many_pages",  # longer than any resume
    "no_text",  # opens, has no images, and no text either
    "broken",  # MuPDF failed while reading it
)


class DocumentProblem(CoachError):
    """A PDF cannot be read; ``problem`` is one of ``PDF_PROBLEMS`` and the message says why."""

    def __init__(self, problem: str, *, language: Language | None = None, **params: Any) -> None:
        if problem not in PDF_PROBLEMS:
            raise ValueError(f"unknown PDF problem {problem!r}")
        super().__init__(key=f"profile.pdf.{problem}", language=language, **params)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class ReadDocument:
    """The text of a document and how many pages it has."""

    text: str
    pages: int


class DocumentReader(Protocol):
    """Reads the text of a PDF held in memory (``bot.documents.PdfReader``)."""

    async def read_pdf(self, data: bytes) -> ReadDocument:
        """Return the PDF's text; raise DocumentProblem when it cannot be read."""
        ...


class ProfileStore(Protocol):
    """Persists resumes and job descriptions (text and structure) and personal plans."""

    async def profile(self, user_id: int) -> Profile:
        """Return the user's resume and job description (either may be None)."""
        ...

    async def save_resume(self, user_id: int, resume: Resume) -> None:
        """Keep the user's resume (replacing the one before)."""
        ...

    async def save_job(self, user_id: int, job: JobDescription) -> None:
        """Keep the user's job description (replacing the one before)."""
        ...

    async def clear(self, user_id: int, part: str | None = None) -> bool:
        """Forget the resume ("resume"), the job ("job") or both (None); tell if any was kept."""
        ...

    async def save_plan(self, user_id: int, plan: PersonalPlan) -> None:
        """Remember how an interview (``plan.session_id``) was personalised."""
        ...

    async def plan(self, session_id: int) -> PersonalPlan | None:
        """Return how an interview was personalised, or None."""
        ...

    async def prune(self, older_than: datetime) -> int:
        """Delete profiles and plans untouched since ``older_than``; return rows deleted."""
        ...


@dataclass(frozen=True, slots=True)
class QuestionBrief:
    """What a model needs to write questions for one interview."""

    kind: Kind
    level: Level
    language: Language
    count: int
    role: str
    resume: str
    job: str
    focus: tuple[str, ...]
    user_id: int
    guild_id: int | None


@dataclass(frozen=True, slots=True)
class WrittenQuestion:
    """A question a model wrote: its text, the bank tags it tests and a hint."""

    text: str
    tags: tuple[str, ...]
    hint: str


class ProfileModel(Protocol):
    """A model that reads resumes and job descriptions and writes questions.

    Each call returns None when no model can answer (no key, budget spent, provider down,
    a reply that fails its schema): the offline heuristics are used then.
    """

    async def read_resume(
        self, text: str, language: Language, user_id: int, guild_id: int | None
    ) -> ResumeFacts | None:
        """Return the resume's roles, projects, skills and measured results."""
        ...

    async def read_job(
        self,
        title: str,
        company: str,
        text: str,
        language: Language,
        user_id: int,
        guild_id: int | None,
    ) -> JobFacts | None:
        """Return the job's kinds, focus skills, tags, seniority and company context."""
        ...

    async def write_questions(self, brief: QuestionBrief) -> list[WrittenQuestion] | None:
        """Return questions written for the brief."""
        ...
