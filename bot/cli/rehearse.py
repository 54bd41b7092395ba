"""`python -m bot rehearse`: a mock interview in the terminal, on the same engine as the bot.

Interactive (a terminal): an answer may take several lines and ends with a blank line or
``:done``. From a pipe or a file: one line is one answer. Sessions are kept in the local
database, so an interview cut short (a crash, a closed terminal) resumes on the next run and
an answer saved but not graded is graded then.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Final, TextIO

from bot.catalog import Kind, Language, Level
from bot.cli.render import render_event, write
from bot.cli.terminal_input import Line, LineReader
from bot.cli.transcribe import audio_path, path_problem, speech_message
from bot.config import Settings
from bot.copy import text
from bot.documents.plain import decode_text
from bot.errors import CoachError
from bot.interview.engine import MAX_ANSWER_CHARS, InterviewEngine, StartOptions
from bot.interview.events import Event, SessionEnded
from bot.interview.models import Session, TurnStatus
from bot.presenters import kind_name, level_name, reevaluation_lines
from bot.profile import Personalise, Profile, ProfileService
from bot.speech.audio import AudioLimits
from bot.speech.errors import SpeechError
from bot.speech.pipeline import transcribe_file
from bot.speech.stt import SpeechToText

log = logging.getLogger(__name__)

TERMINAL_USER: Final = 0
EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_INTERRUPTED: Final = 130  # what a shell reports for a program ended by Ctrl-C
MEMORY: Final = ":memory:"
# Any line of MAX_ANSWER_CHARS characters fits (UTF-8 takes at most 4 bytes a character).
MAX_LINE_BYTES: Final = (MAX_ANSWER_CHARS + 1) * 4
PROMPT: Final = "> "
MORE: Final = "... "
COMMAND = re.compile(r":([A-Za-z][\w-]*)(?:\s+(.*))?")
# Engine messages that talk about Discord, and what the terminal says instead.
TERMINAL_KEYS: Final = {
    "interview.answer_empty": "interview.terminal.answer_empty",
    "interview.rewind.not_answered": "interview.terminal.rewind_not_answered",
    "interview.ended": "interview.terminal.ended",
    "stories.not_found": "stories.terminal.not_found",
}


def terminal_message(exc: CoachError, language: Language) -> str:
    """Return an error as the terminal says it (no buttons, no threads)."""
    key = TERMINAL_KEYS.get(exc.key or "")
    if key is not None:
        return text(key, language, **exc.params)
    return exc.message_in(language)


if sys.platform == "win32":

    @contextmanager
    def only_run(database: str, command: str = "rehearse") -> Iterator[bool]:
        """Windows has no advisory file locks here: two runs on one file are not prevented."""
        yield True

else:
    import fcntl

    @contextmanager
    def only_run(database: str, command: str = "rehearse") -> Iterator[bool]:
        """Hold ``command``'s lock next to the database file; yield False when another holds it."""
        if database == MEMORY:
            yield True
            return
        try:
            handle = open(f"{database}.{command}-lock", "a+b")  # noqa: SIM115 (closed below)
        except OSError:
            # A folder we may not write to: the database will say so if it matters.
            log.debug("no lock file next to %s", database, exc_info=True)
            yield True
            return
        with handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class Rehearsal:
    """One terminal interview: read entries, run commands and answers, render events."""

    def __init__(
        self,
        engine: InterviewEngine,
        reader: LineReader,
        out: TextIO,
        *,
        language: Language,
        interactive: bool,
        speech: tuple[SpeechToText, AudioLimits] | None = None,
        database: str = MEMORY,
        personal: PersonalStart | None = None,
        model: bool = True,
    ) -> None:
        self.engine = engine
        self.reader = reader
        self.out = out
        self.language = language
        self.interactive = interactive
        self.session_id: int | None = None
        self._speech = speech
        self._database = database
        self._warned_replaced = False
        # Starts an interview personalised with --resume/--job (None: the usual start).
        self._personal = personal
        # Whether a model key is set: without one, nothing can be re-graded by a model.
        self._model = model

    # ---- opening ------------------------------------------------------------------

    async def open(self, kind: Kind, level: Level, count: int) -> bool:
        """Resume the user's unfinished terminal interview, else start one; tell if it ended."""
        running = await self.engine.active_session(TERMINAL_USER, None)
        if running is not None and running.id is not None:
            try:
                return await self._resume(running)
            except CoachError as exc:
                # An interview that cannot go on (its question left the bank) must not block
                # every later run: end it and start afresh.
                write(self.out, terminal_message(exc, running.language))
                await self.engine.finish(running.id, stopped=True)
        options = StartOptions(TERMINAL_USER, None, kind, level, count, self.language)
        if self._personal is not None:
            session, events = await self._personal(options)
        else:
            session, events = await self.engine.start(options)
        self.session_id = session.id
        self._banner(session)
        self.render(events)
        return _ended(events)

    async def _resume(self, session: Session) -> bool:
        assert session.id is not None
        self.session_id = session.id
        self.language = session.language
        self._banner(session)
        lang = self.language
        write(
            self.out,
            text(
                "interview.terminal.resumed",
                lang,
                kind=kind_name(session.kind.value, lang),
                level=level_name(session.level.value, lang),
                asked=session.questions_asked,
                total=session.question_count,
            ),
        )
        turn = session.current_turn
        if turn is not None and turn.status is TurnStatus.ANSWERED and turn.answer:
            write(self.out, text("interview.terminal.resume_grading", lang))
        events = await self.engine.resume(session.id)
        self.render(events)
        retry = session.rewind_turn
        if retry is not None and not _ended(events):
            number = session.question_number(retry)
            write(self.out, text("interview.terminal.resume_retry", lang, number=number))
        return _ended(events)

    def _banner(self, session: Session) -> None:
        lang = session.language
        usage = "usage_interactive" if self.interactive else "usage_pipe"
        banner = text(
            "interview.terminal.banner",
            lang,
            kind=kind_name(session.kind.value, lang),
            level=level_name(session.level.value, lang),
            help=text(f"interview.terminal.{usage}", lang),
        )
        write(self.out, banner)
        if self._database != MEMORY:
            write(self.out, text("interview.terminal.kept_in", lang, path=self._database))

    # ---- the loop -----------------------------------------------------------------

    async def run(self, kind: Kind, level: Level, count: int) -> int:
        """Open the interview and run it to its end; Ctrl-C ends it too, with the summary."""
        try:
            ended = await self.open(kind, level, count)
            while not ended:
                events = await self.step()
                self.render(events)
                ended = _ended(events)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()  # handled here: later awaits (saving the end) must run
            await self._interrupted()
            return EXIT_INTERRUPTED
        return EXIT_OK

    async def _interrupted(self) -> None:
        write(self.out)
        write(self.out, text("interview.terminal.interrupted", self.language))
        if self.session_id is None:
            return
        try:
            self.render(await self.engine.finish(self.session_id, stopped=True))
        except CoachError as exc:  # it had already ended
            write(self.out, terminal_message(exc, self.language))

    def render(self, events: list[Event]) -> None:
        """Write events in the session's language."""
        for event in events:
            render_event(event, self.out, self.language)

    async def step(self) -> list[Event]:
        """Read one entry (a command, a recording or an answer) and return what it caused."""
        entry = await self.read_entry()
        assert self.session_id is not None
        if entry is None:  # end of input: the interview ends with its summary
            return await self.engine.finish(self.session_id)
        try:
            return await self._handle(entry, self.session_id)
        except CoachError as exc:
            write(self.out, terminal_message(exc, self.language))
            return []

    async def _handle(self, entry: str, session_id: int) -> list[Event]:
        stripped = entry.strip()
        if "\n" not in stripped:
            match = COMMAND.fullmatch(stripped)
            if match:
                return await self._command(match.group(1).lower(), match.group(2), session_id)
            if stripped.startswith("@"):
                return await self._recording(stripped[1:], session_id)
        return await self.engine.answer(session_id, entry)

    async def _command(self, name: str, argument: str | None, session_id: int) -> list[Event]:
        lang = self.language
        if name in ("finish", "quit"):
            return await self.engine.finish(session_id)
        if name == "skip":
            return await self.engine.skip(session_id)
        if name == "rewind":
            number = (argument or "").strip()
            if not number.isdigit():
                write(self.out, text("interview.terminal.rewind_usage", lang))
                return []
            return [await self.engine.rewind(session_id, int(number))]
        if name == "hint":
            hint = self.engine.hint(await self.engine.session(session_id))
            write(self.out, text("interview.terminal.hint", lang, hint=hint))
        elif name == "reevaluate" and not self._model:
            write(self.out, text("interview.terminal.reevaluate_no_model", lang))
        elif name == "reevaluate":
            for change in reevaluation_lines(await self.engine.reevaluate(session_id), lang):
                write(self.out, change)
        elif name == "help":
            ending = "ending_interactive" if self.interactive else "ending_pipe"
            commands = text(
                "interview.terminal.commands",
                lang,
                ending=text(f"interview.terminal.{ending}", lang),
            )
            write(self.out, commands)
        elif name != "done":  # a stray ':done' ends nothing: there is no answer open
            write(self.out, text("interview.terminal.unknown_command", lang, command=f":{name}"))
        return []

    async def _recording(self, typed: str, session_id: int) -> list[Event]:
        lang = self.language
        path = audio_path(typed)
        problem = path_problem(path, lang)
        if problem is not None:
            write(self.out, problem)
            return []
        assert self._speech is not None
        stt, limits = self._speech
        try:
            transcript, report = await transcribe_file(path, stt, lang.value, limits)
        except SpeechError as exc:
            log.debug("recording %s failed in session %s: %s", path, session_id, exc.detail)
            write(self.out, speech_message(exc, path, lang))
            return []
        write(self.out, text("interview.terminal.transcript", lang, text=transcript.text))
        delivery = report.summary(lang)
        write(self.out, text("interview.terminal.delivery", lang, summary=delivery))
        return await self.engine.answer(session_id, transcript.text, transcript.words, spoken=True)

    # ---- input --------------------------------------------------------------------

    async def read_entry(self) -> str | None:
        """Return the next command or answer, or None at the end of the input."""
        while True:
            first = await self._read(PROMPT)
            if first is None:
                return None
            if first.truncated:
                self._too_long()
                continue
            if not self.interactive:
                return first.text
            stripped = first.text.strip()
            if not stripped:
                continue  # an Enter on its own at the prompt answers nothing
            if COMMAND.fullmatch(stripped) or stripped.startswith("@"):
                return first.text
            answer = await self._rest_of_answer([first.text])
            if answer is not None:
                return answer

    async def _rest_of_answer(self, lines: list[str]) -> str | None:
        """Read an interactive answer up to a blank line or ':done'; None if it was too long."""
        too_long = False
        while True:
            pasting = self.reader.more_waiting()
            line = await self._read(None if pasting else MORE)
            if line is None or line.text.strip() == ":done":
                break
            if not line.text.strip():
                # A blank line inside a paste is part of the answer; typed, it ends it.
                if self.reader.more_waiting():
                    lines.append("")
                    continue
                break
            too_long = too_long or line.truncated
            lines.append(line.text)
        if too_long:
            self._too_long()
            return None
        return "\n".join(lines)

    async def _read(self, prompt: str | None) -> Line | None:
        if prompt is not None:
            self.out.write(prompt)
            self.out.flush()
        line = await self.reader.readline()
        if line is not None and line.replaced and not self._warned_replaced:
            self._warned_replaced = True
            write(self.out, text("interview.terminal.replaced", self.language))
        return line

    def _too_long(self) -> None:
        limit = f"{MAX_ANSWER_CHARS:,}"
        write(self.out, text("interview.terminal.answer_too_long", self.language, limit=limit))


PersonalStart = Callable[[StartOptions], Awaitable[tuple[Session, list[Event]]]]


async def _personal_start(
    profiles: ProfileService | None,
    resume: str | Path | None,
    job: str | Path | None,
    language: Language,
    *,
    level_chosen: bool = True,
) -> PersonalStart | None:
    """Read --resume and --job (never kept) and return a start personalised with them
    (at the job's seniority unless ``level_chosen``)."""
    if profiles is None or (resume is None and job is None):
        return None
    read_resume = read_job = None
    if resume is not None:
        data = _file_bytes(Path(resume), language)
        read_resume = await profiles.read_resume(
            TERMINAL_USER, len(data), _loaded(data), language, name=Path(resume).name, hold=False
        )
    if job is not None:
        decoded = decode_text(_file_bytes(Path(job), language))
        if decoded.problem is not None:
            key = "job_is_pdf" if decoded.problem == "pdf" else "job_not_text"
            raise CoachError(key=f"profile.terminal.{key}", language=language, path=job)
        lines = decoded.text.strip().splitlines()
        if not lines:
            raise CoachError(key="profile.terminal.job_text", language=language, path=job)
        # The first line is the title, perhaps with the company ("… at Initech", "… - 토스").
        first = lines[0].strip()
        body = "\n".join(lines[1:]).strip() or first
        read_job = await profiles.read_job(TERMINAL_USER, first, "", body, language, hold=False)
    profile = Profile(TERMINAL_USER, read_resume, read_job)
    mode = {
        (True, True): Personalise.BOTH,
        (True, False): Personalise.RESUME,
        (False, True): Personalise.JOB,
    }[(read_resume is not None, read_job is not None)]

    async def start(options: StartOptions) -> tuple[Session, list[Event]]:
        outcome = await profiles.start(options, mode, profile=profile, level_chosen=level_chosen)
        return outcome.session, outcome.events

    return start


def _file_bytes(path: Path, language: Language) -> bytes:
    if path.is_dir():
        raise CoachError(key="profile.terminal.file_is_folder", language=language, path=path)
    if not path.is_file():
        raise CoachError(key="profile.terminal.file_missing", language=language, path=path)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CoachError(
            key="profile.terminal.file_unreadable", language=language, path=path, error=exc.strerror
        ) from exc


def _loaded(data: bytes) -> Callable[[], Awaitable[bytes]]:
    async def load() -> bytes:
        return data

    return load


def has_model_key(settings: Settings) -> bool:
    """Tell whether the terminal can grade with a model (it has no server keys, only these)."""
    return bool(settings.llm.openai_key or settings.llm.anthropic_key)


def _ended(events: list[Event]) -> bool:
    return any(isinstance(event, SessionEnded) for event in events)


async def rehearse(
    kind: Kind,
    level: Level | None,
    count: int,
    language: Language,
    settings: Settings,
    *,
    database: str | Path | None = None,
    stdin: BinaryIO | None = None,
    out: TextIO | None = None,
    interactive: bool | None = None,
    resume: str | Path | None = None,
    job: str | Path | None = None,
) -> int:
    """Run a mock interview in the terminal; return the exit code.

    ``database`` defaults to the configured DATABASE_PATH (``:memory:`` keeps nothing);
    ``stdin`` defaults to the process's standard input, read as bytes. ``resume`` (a PDF) and
    ``job`` (a text file) personalise the questions; a bad file raises its CoachError (the
    same one-line message as in Discord). ``level`` None: the job's seniority when ``job``
    states one, else mid.
    """
    from bot.bootstrap import build_services, start_up

    out = out or sys.stdout  # looked up now: the entry point may have guarded it
    if stdin is None:
        reader = LineReader.for_fd(0, max_bytes=MAX_LINE_BYTES)
        interactive = os.isatty(0) if interactive is None else interactive
    else:
        reader = LineReader.for_stream(stdin, max_bytes=MAX_LINE_BYTES)
    path = str(database or settings.storage.database_path)
    services = await build_services(settings, database_path=path)
    try:
        personal = await _personal_start(
            services.profiles, resume, job, language, level_chosen=level is not None
        )
    except BaseException:
        await services.close()
        raise
    rehearsal = Rehearsal(
        services.engine,
        reader,
        out,
        language=language,
        interactive=bool(interactive),
        speech=(services.stt, services.audio_limits),
        database=path,
        personal=personal,
        model=has_model_key(settings),
    )
    try:
        with only_run(path) as alone:
            if not alone:
                write(out, text("interview.terminal.busy", language, path=path))
                return EXIT_FAILED
            await start_up(services)
            return await rehearsal.run(kind, level or Level.MID, count)
    except CoachError:
        raise  # a message meant for the user: the entry point shows it
    except Exception as exc:
        # A bug or a broken environment: a short message, the traceback only at DEBUG.
        name = type(exc).__name__
        log.error("rehearse stopped in session %s by %s", rehearsal.session_id, name)
        log.debug("what stopped rehearse", exc_info=True)
        saved = "failed_memory" if path == MEMORY else "failed_saved"
        write(out, text(f"interview.terminal.{saved}", rehearsal.language, error=name))
        return EXIT_FAILED
    finally:
        await services.close()
