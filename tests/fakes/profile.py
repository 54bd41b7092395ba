"""Fakes of the profile ports (store, PDF reader, model) and real PDFs made for the tests.

The PDFs are built with reportlab (text drawn in the embedded NanumGothic, so Korean is
real text), with its encryption for the password cases, and by cutting or faking bytes for
the broken ones: each is the kind of file a candidate really uploads.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.catalog import Language
from bot.profile.models import (
    JobDescription,
    JobFacts,
    PersonalPlan,
    Profile,
    Resume,
    ResumeFacts,
)
from bot.profile.ports import DocumentProblem, QuestionBrief, ReadDocument, WrittenQuestion

log = logging.getLogger(__name__)

RESUME_EN = """Jane Doe
jane@example.com

Experience
Senior Backend Engineer, Acme Payments    Jan 2021 – Present
• Led the payments ledger migration to PostgreSQL, cutting p99 latency by 40%
• Built an idempotent retry service for card refunds using Kafka
Software Engineer at Globex   2018 - 2020
• Designed the order notification pipeline serving 2M users

Skills
Python, Go, Kafka, Redis, PostgreSQL
"""
RESUME_KO = """홍길동

경력
에이크미 페이 | 백엔드 개발자 | 2020.03 ~ 현재
- 결제 원장 마이그레이션을 주도하여 지연 시간을 40% 줄임
- 주문 알림 파이프라인을 설계하고 구축하여 일 200만 건 처리

기술
Python, Go, Kafka, PostgreSQL
"""
JOB_EN = """We are Acme, a fintech startup that moves money for 3 million small businesses.

You will design and scale our payments platform: distributed systems, Kafka event pipelines,
PostgreSQL data modeling and caching with Redis. You mentor engineers and work with product
managers and other stakeholders. 6+ years of backend experience.
"""
JOB_KO = """에이크미는 소상공인 300만 명의 결제를 처리하는 핀테크 스타트업입니다.

대규모 결제 플랫폼의 분산 시스템을 설계하고 확장합니다. 카프카 기반 이벤트 파이프라인과
캐시, 데이터 모델링을 다룹니다. 경력 7년 이상의 시니어 백엔드 엔지니어를 찾습니다.
"""


# ---- PDFs -------------------------------------------------------------------------------------


def pdf_of(
    lines: Sequence[str],
    *,
    pages: int = 1,
    user_password: str | None = None,
    owner_password: str | None = None,
) -> bytes:
    """Return a real PDF with ``lines`` drawn as text on each of ``pages`` pages."""
    from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
    from reportlab.lib.pdfencrypt import StandardEncryption  # type: ignore[import-untyped]
    from reportlab.pdfgen import canvas  # type: ignore[import-untyped]

    from bot.reports.pdf import pdf_fonts

    regular, _ = pdf_fonts()
    encrypt = None
    if user_password is not None or owner_password is not None:
        encrypt = StandardEncryption(user_password or "", owner_password or "owner-secret")
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, encrypt=encrypt)
    for _ in range(pages):
        page.setFont(regular, 11)
        y = 800
        for line in lines:
            page.drawString(50, y, line)
            y -= 16
        page.showPage()
    page.save()
    return buffer.getvalue()


def resume_pdf(text: str = RESUME_EN, **kwargs: object) -> bytes:
    """Return a resume as a real PDF (one text line per line)."""
    return pdf_of(text.splitlines(), **kwargs)  # type: ignore[arg-type]


def scanned_pdf() -> bytes:
    """Return a PDF whose only page is a picture (no text layer), like a scan."""
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader  # type: ignore[import-untyped]
    from reportlab.pdfgen import canvas

    picture = Image.new("RGB", (600, 300), "white")
    ImageDraw.Draw(picture).rectangle((40, 40, 560, 80), fill="black")
    png = io.BytesIO()
    picture.save(png, "PNG")
    png.seek(0)
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.drawImage(ImageReader(png), 40, 400, 500, 250)
    page.showPage()
    page.save()
    return buffer.getvalue()


def html_named_pdf() -> bytes:
    """Return a web page, as saved by a browser under a .pdf name."""
    return (
        b"<!DOCTYPE html><html><head><title>Resume</title></head><body><h1>Jane Doe</h1>"
        + (b"<p>Senior engineer</p>" * 20)
        + b"</body></html>"
    )


def truncated_pdf() -> bytes:
    """Return the first third of a real PDF (an interrupted download)."""
    whole = resume_pdf()
    return whole[: len(whole) // 3]


def blank_pdf() -> bytes:
    """Return a PDF with an empty page: no text, no images."""
    return pdf_of([])


# ---- fakes ------------------------------------------------------------------------------------


class InMemoryProfileStore:
    """The ProfileStore port in dictionaries."""

    def __init__(self) -> None:
        self.profiles: dict[int, Profile] = {}
        self.plans: dict[int, tuple[int, PersonalPlan]] = {}

    async def profile(self, user_id: int) -> Profile:
        """Return the user's profile."""
        return self.profiles.get(user_id, Profile(user_id))

    async def save_resume(self, user_id: int, resume: Resume) -> None:
        """Keep the resume."""
        old = await self.profile(user_id)
        self.profiles[user_id] = Profile(user_id, resume, old.job)

    async def save_job(self, user_id: int, job: JobDescription) -> None:
        """Keep the job description."""
        old = await self.profile(user_id)
        self.profiles[user_id] = Profile(user_id, old.resume, job)

    async def clear(self, user_id: int, part: str | None = None) -> bool:
        """Forget a part, or everything."""
        old = self.profiles.get(user_id)
        if old is None:
            return False
        if part is None:
            del self.profiles[user_id]
            return True
        had = (old.resume if part == "resume" else old.job) is not None
        new = Profile(
            user_id, None if part == "resume" else old.resume, None if part == "job" else old.job
        )
        self.profiles[user_id] = new
        if new.empty:
            del self.profiles[user_id]
        return had

    async def save_plan(self, user_id: int, plan: PersonalPlan) -> None:
        """Remember a plan by its session."""
        assert plan.session_id is not None
        self.plans[plan.session_id] = (user_id, plan)

    async def plan(self, session_id: int) -> PersonalPlan | None:
        """Return a session's plan."""
        found = self.plans.get(session_id)
        return found[1] if found else None

    async def prune(self, older_than: datetime) -> int:
        """Delete what is older than ``older_than``."""
        old = [
            u
            for u, p in self.profiles.items()
            if max(x.updated_at for x in (p.resume, p.job) if x is not None) < older_than
        ]
        for user in old:
            del self.profiles[user]
        return len(old)


class FakeReader:
    """The DocumentReader port: a script of texts (or problems), else the bytes as text."""

    def __init__(self, problem: str | None = None, pages: int = 1) -> None:
        self.problem = problem
        self.pages = pages
        self.read: list[bytes] = []

    async def read_pdf(self, data: bytes) -> ReadDocument:
        """Return the bytes decoded as the document's text, or raise the scripted problem."""
        self.read.append(data)
        if self.problem is not None:
            raise DocumentProblem(self.problem, pages=self.pages, limit=20)
        return ReadDocument(data.decode("utf-8"), self.pages)


class ScriptedProfileModel:
    """The ProfileModel port with fixed answers (None: "no model could answer")."""

    def __init__(
        self,
        resume: ResumeFacts | None = None,
        job: JobFacts | None = None,
        questions: list[WrittenQuestion] | None = None,
    ) -> None:
        self.resume = resume
        self.job = job
        self.questions = questions
        self.briefs: list[QuestionBrief] = []

    async def read_resume(
        self, text: str, language: Language, user_id: int, guild_id: int | None
    ) -> ResumeFacts | None:
        """Return the scripted resume facts."""
        return self.resume

    async def read_job(
        self,
        title: str,
        company: str,
        text: str,
        language: Language,
        user_id: int,
        guild_id: int | None,
    ) -> JobFacts | None:
        """Return the scripted job facts."""
        return self.job

    async def write_questions(self, brief: QuestionBrief) -> list[WrittenQuestion] | None:
        """Return the scripted questions."""
        self.briefs.append(brief)
        return self.questions


if TYPE_CHECKING:
    from bot.profile.ports import DocumentReader, ProfileModel, ProfileStore

    _store: ProfileStore = InMemoryProfileStore()
    _reader: DocumentReader = FakeReader()
    _model: ProfileModel = ScriptedProfileModel()
