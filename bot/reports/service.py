"""The report service: find what to report on, build the document, render it in the worker.

Entry points (the Download button, `/interview report`, `python -m bot report`) make one call
here. Documents are built in the caller's process (text lookups only); layout and charts run
in the report worker process, so the event loop never waits on matplotlib or reportlab.
A user only ever gets reports of their own interviews: someone else's id is "not found".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from bot.catalog import Language
from bot.copy import text
from bot.errors import CoachError
from bot.interview.events import Summary
from bot.interview.models import Attempt, Session
from bot.interview.ports import SessionOverview
from bot.negotiation import CurrencyTable, Debrief
from bot.negotiation.presenter import debrief_text
from bot.presenters import kind_name, level_name
from bot.progress import ProgressService
from bot.reports.document import Document
from bot.reports.progress import progress_document
from bot.reports.session import SessionFacts, session_document

log = logging.getLogger(__name__)

# Discord's upload limit on a server without boosts.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
CHOICES = 25
CHOICE_NAME_LIMIT = 100


class Interviews(Protocol):
    """The interview engine as reports need it (``InterviewEngine`` implements it)."""

    async def session(self, session_id: int) -> Session:
        """Return a session or raise SessionNotFound."""
        ...

    async def latest_session(self, user_id: int, guild_id: int | None) -> Session | None:
        """Return the user's active session here, else their newest one, else None."""
        ...

    async def history(
        self, user_id: int, guild_id: int | None, limit: int = 10
    ) -> list[SessionOverview]:
        """Return the user's recent sessions, newest first."""
        ...

    async def attempts(self, turn_id: int) -> list[Attempt]:
        """Return the retries of a turn, oldest first."""
        ...

    def summarise(self, session: Session) -> Summary:
        """Return the figures of a session so far."""
        ...


class PdfRenderer(Protocol):
    """Lays a document out as PDF bytes, off the event loop (``ReportWorker``)."""

    async def render_pdf(self, document: Document) -> bytes:
        """Return the document as PDF bytes."""
        ...


class Debriefs(Protocol):
    """Negotiation debriefs (``storage.negotiations.SqliteNegotiationStore``)."""

    async def recent_debriefs(self, user_id: int, limit: int) -> list[Debrief]:
        """Return the debriefs of the user's latest ended negotiations, newest first."""
        ...


class NotYours(CoachError):
    """The interview is someone else's: said like "not found", so nothing leaks."""


@dataclass(frozen=True, slots=True)
class RenderedReport:
    """A finished report: its file name, bytes and the language it is written in."""

    filename: str
    data: bytes
    language: Language
    session_id: int | None = None


@dataclass(frozen=True, slots=True)
class Choice:
    """One interview offered by autocomplete."""

    name: str
    session_id: int


class ReportService:
    """Session and progress reports as PDF files."""

    def __init__(
        self,
        interviews: Interviews,
        renderer: PdfRenderer,
        *,
        progress: ProgressService | None = None,
        debriefs: Debriefs | None = None,
        currencies: CurrencyTable | None = None,
        max_bytes: int = MAX_UPLOAD_BYTES,
        warm: Callable[[], Coroutine[Any, Any, None]] | None = None,
    ) -> None:
        self._interviews = interviews
        self._renderer = renderer
        # Starts the renderer ahead of the first request (the worker process takes ~1-2 s).
        self._warm = warm
        self._warming: set[asyncio.Task[None]] = set()
        self._progress = progress
        self._debriefs = debriefs
        self._currencies = currencies
        self._max_bytes = max_bytes

    def prepare(self) -> None:
        """Start the renderer in the background: a report was just offered."""
        if self._warm is None:
            return
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(self._warm())
        # Keep a reference until it is done, or the loop may drop the task.
        self._warming.add(task)
        task.add_done_callback(self._warming.discard)

    async def session_report(
        self,
        user_id: int,
        session_id: int | None,
        guild_id: int | None,
        fallback: Language,
        *,
        anyone: bool = False,
    ) -> RenderedReport:
        """Return the report of one of the user's interviews (their latest one here if None).

        ``anyone`` lifts the owner check: the terminal, whose user holds the database file.
        """
        session = await self._own_session(user_id, session_id, guild_id, fallback, anyone)
        assert session.id is not None
        attempts: dict[int, list[Attempt]] = {}
        for turn in session.main_turns:
            if turn.id is not None:
                found = await self._interviews.attempts(turn.id)
                if found:
                    attempts[turn.id] = found
        document = session_document(
            SessionFacts(session, self._interviews.summarise(session), attempts)
        )
        data = await self._render(document, session.language, f"session {session.id}")
        log.info("Rendered the report of session %s (%d bytes)", session.id, len(data))
        return RenderedReport(
            f"mockingbird-interview-{session.id}.pdf", data, session.language, session.id
        )

    async def progress_report(
        self, user_id: int, fallback: Language, *, terminal: bool = False
    ) -> RenderedReport:
        """Return the user's progress report (skills, drills, stories, negotiation).

        ``terminal`` True: made by `python -m bot report`, so it names terminal commands.
        """
        if self._progress is None:
            raise CoachError(key="reports.progress_unavailable", language=fallback)
        report = await self._progress.overview(user_id, fallback, chart=False)
        catalogue = self._progress.catalogue
        groups = {g: catalogue.group_name(g, report.language) for g in catalogue.groups}
        debrief = None
        if self._debriefs is not None and self._currencies is not None:
            try:
                recent = await self._debriefs.recent_debriefs(user_id, 1)
            except Exception:
                log.exception("Negotiation debriefs failed for user %s", user_id)
                recent = []
            if recent:
                found = recent[0]
                try:
                    currency = self._currencies.get(found.currency)
                except KeyError:
                    log.warning("Debrief of user %s has unknown currency", user_id)
                else:
                    # The debrief speaks the language its negotiation ran in.
                    debrief = debrief_text(found, currency)
        document = progress_document(
            report,
            groups=groups,
            debrief=debrief,
            negotiation_ready=self._debriefs is not None,
            terminal=terminal,
        )
        data = await self._render(document, report.language, f"progress of user {user_id}")
        return RenderedReport("mockingbird-progress.pdf", data, report.language)

    async def choices(
        self, user_id: int, guild_id: int | None, typed: str, language: Language
    ) -> list[Choice]:
        """Return the user's recent interviews matching what they typed, for autocomplete."""
        rows = await self._interviews.history(user_id, guild_id, CHOICES)
        wanted = typed.strip().lstrip("#").casefold()
        found = []
        for row in rows:
            name = choice_name(row, language)
            # Digits pick by id; words by what the line says (kind, level, date).
            hit = (
                str(row.session_id).startswith(wanted)
                if wanted.isdigit()
                else wanted in name.casefold()
            )
            if not wanted or hit:
                found.append(Choice(name, row.session_id))
        return found[:CHOICES]

    async def _own_session(
        self,
        user_id: int,
        session_id: int | None,
        guild_id: int | None,
        fallback: Language,
        anyone: bool = False,
    ) -> Session:
        if session_id is None:
            latest = await self._interviews.latest_session(user_id, guild_id)
            if latest is None or latest.id is None:
                raise CoachError(key="reports.none_yet", language=fallback)
            return latest
        try:
            session = await self._interviews.session(session_id)
        except CoachError as exc:
            raise CoachError(key="reports.not_found", language=fallback, id=session_id) from exc
        if session.user_id != user_id and not anyone:
            # Someone else's interview reads exactly like one that does not exist.
            raise NotYours(key="reports.not_found", language=fallback, id=session_id)
        return session

    async def _render(self, document: Document, language: Language, what: str) -> bytes:
        try:
            data = await self._renderer.render_pdf(document)
        except Exception as exc:
            log.exception("Rendering the report of %s failed", what)
            raise CoachError(key="reports.failed", language=language) from exc
        if len(data) > self._max_bytes:
            log.warning("Report of %s is %d bytes, over the upload limit", what, len(data))
            raise CoachError(
                key="reports.too_big",
                language=language,
                size=f"{len(data) / 1_048_576:.1f}",
                limit=f"{self._max_bytes / 1_048_576:.0f}",
            )
        return data


def choice_name(row: SessionOverview, language: Language) -> str:
    """Return one history row as an autocomplete choice: "#12 · Behavioral · Mid · ..."."""
    score = (
        f"{row.average_score:.0f}/100"
        if row.average_score is not None
        else text("interview.not_graded", language)
    )
    name = text(
        "reports.choice",
        language,
        id=row.session_id,
        kind=kind_name(row.kind.value, language),
        level=level_name(row.level.value, language),
        date=row.created_at.date().isoformat(),
        score=score,
    )
    return name[:CHOICE_NAME_LIMIT]
