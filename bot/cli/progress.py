"""`python -m bot progress | drill | stories`: progress, drills and the story bank in the
terminal, on the same services as the bot (the terminal user's data in the local database).

``--json`` prints machine-readable output: progress
``{"skills": [{"id", "name", "level", "trend", "due"}], "interviews": N, "streak_days": N}``
(trend: up, down, flat or new; due: the ISO date the skill's drill is due, or null); stories
``{"stories": [{"id", "title", "competencies", "uses"}], "coverage": {competency: [story
ids]}, "overused": [story ids]}``; drill: the plan it would run, without starting it
``{"kind", "level", "language", "skills": [{"id", "name", "reason", "level"}], "questions":
[{"id", "text"}]}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from bot.catalog import Kind, Language, Level
from bot.cli.rehearse import (
    EXIT_FAILED,
    EXIT_OK,
    MAX_LINE_BYTES,
    MEMORY,
    TERMINAL_USER,
    Rehearsal,
    has_model_key,
    only_run,
    terminal_message,
)
from bot.cli.render import render_event, write
from bot.cli.terminal_input import LineReader
from bot.config import Settings
from bot.copy import text
from bot.errors import CoachError
from bot.interview.events import SessionEnded
from bot.interview.models import Session
from bot.presenters import kind_name, level_name
from bot.progress import DrillPlan, DrillService, ProgressReport, SkillCatalogue
from bot.progress.wording import (
    coverage_line,
    drill_intro,
    drill_reasons,
    due_lines,
    scores_line,
    skill_line,
    summary_line,
)
from bot.stories import StoryBank, StoryService
from bot.stories.wording import competency_names, coverage_lines, overused_lines, uses_text

if TYPE_CHECKING:
    from bot.bootstrap import Services

log = logging.getLogger(__name__)


async def main(args: argparse.Namespace, settings: Settings) -> int:
    """Run the progress, drill or stories subcommand."""
    if args.command == "progress":
        return await progress(settings, database=args.db, as_json=args.json, chart=args.chart)
    if args.command == "drill":
        return await drill(
            settings,
            database=args.db,
            as_json=args.json,
            language=args.language,
            end_unfinished=args.end_unfinished,
            named=args.db is not None,
        )
    return await stories(
        settings, database=args.db, as_json=args.json, action=args.action, values=args.values
    )


def _path(settings: Settings, database: str | Path | None) -> str:
    return str(database or settings.storage.database_path)


async def open_for_reading(settings: Settings, path: str) -> Services:
    """Build the services on ``path`` for a command that only reads it.

    A missing file is no history yet: an empty in-memory database answers, and no file is
    created. A file this user may not write (or in a folder it may not write) is opened
    read-only, so it can still be read. A writable file is opened as usual: a read-only
    connection leaves empty -wal/-shm files next to it that only a writer removes, and a
    file made by an older version needs a writer to be brought up to date.
    """
    from bot.bootstrap import build_services
    from storage.db import read_only_uri

    if not _exists(path):
        return await build_services(settings, database_path=MEMORY)
    if _writable(path):
        return await build_services(settings, database_path=path)
    log.debug("Database %s is not writable here: reading it read-only", path)
    return await build_services(settings, database_path=read_only_uri(path))


def _exists(path: str) -> bool:
    """Tell whether ``path`` is a database file that exists (``:memory:`` never does)."""
    return path != MEMORY and Path(path).exists()


def _writable(path: str) -> bool:
    """Tell whether this user may write the file and create files beside it (-wal, -shm)."""
    folder = os.path.dirname(os.path.abspath(path))
    return os.access(path, os.W_OK) and os.access(folder, os.W_OK)


def _chart_problem(chart: str, language: Language) -> str | None:
    """Return why the chart cannot be written at ``chart``, or None when it looks writable."""
    target = Path(chart).expanduser()
    if target.is_dir():
        return text(
            "progress.terminal.chart_is_folder",
            language,
            path=chart,
            example=str(target / "progress.png"),
        )
    folder = target.parent
    if not folder.is_dir():
        return text("progress.terminal.chart_no_folder", language, path=chart, folder=str(folder))
    return None


async def _write_chart(chart: str, data: bytes, language: Language) -> str | None:
    """Write the chart; return what went wrong, or None."""
    try:
        await asyncio.to_thread(_write_file, chart, data)
    except OSError as exc:
        log.debug("writing the chart to %s failed", chart, exc_info=True)
        reason = exc.strerror or type(exc).__name__
        return _chart_problem(chart, language) or text(
            "progress.terminal.chart_failed", language, path=chart, reason=reason
        )
    return None


def _write_file(path: str, data: bytes) -> None:
    Path(path).expanduser().write_bytes(data)


async def progress(
    settings: Settings,
    *,
    database: str | Path | None = None,
    as_json: bool = False,
    chart: str | None = None,
    out: TextIO | None = None,
    fallback: Language = Language.EN,
) -> int:
    """Print the terminal user's progress (text or JSON); write the chart if asked."""
    out = out or sys.stdout
    # A chart path that cannot work is told before anything is opened or printed.
    problem = _chart_problem(chart, fallback) if chart is not None else None
    if problem is not None:
        sys.stderr.write(problem + "\n")
        return EXIT_FAILED
    path = _path(settings, database)
    services = await open_for_reading(settings, path)
    try:
        report = await services.learning.progress.overview(
            TERMINAL_USER, fallback, chart=chart is not None
        )
        if chart is not None and report.chart is not None:
            problem = await _write_chart(chart, report.chart, report.language)
            if problem is not None:
                sys.stderr.write(problem + "\n")
                return EXIT_FAILED
        if as_json:
            write(out, json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        else:
            for line in progress_lines(report, path):
                write(out, line)
        return EXIT_OK
    finally:
        await services.close()


def progress_lines(report: ProgressReport, path: str) -> list[str]:
    """Return the terminal's view of the progress report."""
    lang = report.language
    if report.empty:
        return [text("progress.terminal.empty", lang, path=path)]
    lines = [text("progress.terminal.heading", lang, **_heading(report))]
    if report.expired:
        lines.append(text("progress.expired", lang))
    lines.append(text("progress.terminal.weakest", lang))
    lines += [
        text("progress.terminal.line", lang, text=skill_line(v, lang)) for v in report.weakest
    ]
    lines.append(text("progress.terminal.due", lang))
    due = due_lines(report) or [text("progress.terminal.due_none", lang)]
    lines += [text("progress.terminal.line", lang, text=line) for line in due]
    lines.append(text("progress.terminal.stories", lang))
    coverage = report.coverage
    if coverage is None or coverage.stories == 0:
        # The shared sentence points to the Discord command; the terminal has its own.
        covered = text("progress.terminal.coverage_none", lang)
    else:
        covered = coverage_line(coverage, lang)
    lines.append(text("progress.terminal.line", lang, text=covered))
    if report.scores:
        lines.append(text("progress.terminal.scores", lang))
        lines.append(text("progress.terminal.line", lang, text=scores_line(report.scores, lang)))
    return lines


def _heading(report: ProgressReport) -> dict[str, str]:
    interviews, _, streak = summary_line(report).partition(" · ")
    return {"interviews": interviews, "streak": streak}


# ---- drill ------------------------------------------------------------------------------


def plan_json(plan: DrillPlan, catalogue: SkillCatalogue) -> dict[str, object]:
    """Return the drill plan as JSON-ready data."""
    lang = plan.language
    return {
        "kind": plan.kind.value,
        "level": plan.level.value,
        "language": lang.value,
        "skills": [
            {
                "id": s.skill_id,
                "name": skill.name(lang) if (skill := catalogue.get(s.skill_id)) else s.skill_id,
                "reason": s.reason,
                "level": s.level,
            }
            for s in plan.skills
        ],
        "questions": [{"id": q.id, "text": q.text} for q in plan.questions],
    }


class DrillRehearsal(Rehearsal):
    """A terminal rehearsal that starts a drill instead of a plain interview."""

    def __init__(self, drills: DrillService, catalogue: SkillCatalogue, **kwargs: Any) -> None:
        self._drills = drills
        self._catalogue = catalogue
        self._chosen: Language | None = kwargs.pop("chosen", None)
        super().__init__(**kwargs)

    async def open(self, kind: Kind, level: Level, count: int) -> bool:
        """Start the drill (``drill`` has dealt with any unfinished interview first)."""
        started = await self._drills.start(TERMINAL_USER, None, self._chosen, self.language)
        plan = started.plan
        self.session_id = started.session.id
        self.language = plan.language
        write(self.out, drill_intro(plan, "").replace("**", "").strip())
        for line in drill_reasons(plan, self._catalogue, started.session.created_at):
            write(self.out, text("drill.terminal.line", plan.language, text=line))
        usage = "usage_interactive" if self.interactive else "usage_pipe"
        write(self.out, text(f"interview.terminal.{usage}", plan.language))
        self.render(started.events)
        return any(isinstance(e, SessionEnded) for e in started.events)


def unfinished_text(session: Session, path: str, named: bool) -> str:
    """Say that an unfinished interview holds the drill back, and the two ways on."""
    lang = session.language
    return text(
        "drill.terminal.unfinished",
        lang,
        kind=kind_name(session.kind.value, lang),
        level=level_name(session.level.value, lang),
        path=path,
        asked=session.questions_asked,
        total=session.question_count,
        db=f" --db {shlex.quote(path)}" if named else "",
    )


async def _end_unfinished(services: Services, session: Session, out: TextIO) -> None:
    """End the unfinished interview as `/interview stop` does: its summary, then the drill."""
    assert session.id is not None
    lang = session.language
    for event in await services.engine.finish(session.id, stopped=True):
        render_event(event, out, lang)
    write(
        out,
        text(
            "drill.terminal.ended_unfinished",
            lang,
            kind=kind_name(session.kind.value, lang),
            level=level_name(session.level.value, lang),
        ),
    )


async def drill(
    settings: Settings,
    *,
    database: str | Path | None = None,
    as_json: bool = False,
    language: Language | None = None,
    end_unfinished: bool = False,
    named: bool = True,
    stdin: BinaryIO | None = None,
    out: TextIO | None = None,
    interactive: bool | None = None,
) -> int:
    """Run a drill in the terminal (``--json``: print its plan and start nothing).

    An unfinished interview in the database is never resumed in the drill's place: like
    Discord's `/drill`, the command says so and offers to resume it (``rehearse``) or to end
    it first (``end_unfinished``). ``named``: the user chose the file with ``--db``, so the
    commands it suggests name it too.
    """
    out = out or sys.stdout
    from bot.bootstrap import build_services, start_up

    path = _path(settings, database)
    if as_json:
        services = await open_for_reading(settings, path)
        try:
            catalogue = services.learning.progress.catalogue
            plan = await services.drills.plan(TERMINAL_USER, language, Language.EN)
            write(out, json.dumps(plan_json(plan, catalogue), ensure_ascii=False, indent=2))
            return EXIT_OK
        finally:
            await services.close()
    with only_run(path) as alone:
        if not alone:
            write(out, text("interview.terminal.busy", language or Language.EN, path=path))
            return EXIT_FAILED
        services = await build_services(settings, database_path=path)
        try:
            await start_up(services)
            running = await services.engine.active_session(TERMINAL_USER, None)
            if running is not None and not end_unfinished:
                write(out, unfinished_text(running, path, named))
                return EXIT_FAILED
            if stdin is None:
                reader = LineReader.for_fd(0, max_bytes=MAX_LINE_BYTES)
                interactive = os.isatty(0) if interactive is None else interactive
            else:
                reader = LineReader.for_stream(stdin, max_bytes=MAX_LINE_BYTES)
            if running is not None:
                await _end_unfinished(services, running, out)
            rehearsal = DrillRehearsal(
                services.drills,
                services.learning.progress.catalogue,
                chosen=language,
                engine=services.engine,
                reader=reader,
                out=out,
                language=language or Language.EN,
                interactive=bool(interactive),
                speech=(services.stt, services.audio_limits),
                database=path,
                model=has_model_key(settings),
            )
            return await rehearsal.run(Kind.BEHAVIORAL, Level.MID, 3)
        finally:
            await services.close()


# ---- stories ----------------------------------------------------------------------------


def story_lines(bank: StoryBank) -> list[str]:
    """Return the terminal's view of the story bank."""
    lang = bank.language
    if not bank.stories:
        return [text("stories.empty", lang)]
    lines = [text("stories.terminal.heading", lang, count=len(bank.stories))]
    for s in bank.stories:
        lines.append(
            text(
                "stories.terminal.line",
                lang,
                id=s.id,
                title=s.title,
                uses=uses_text(s, lang),
                competencies=competency_names(s, bank.competencies, lang),
            )
        )
    lines.append(text("stories.terminal.coverage", lang))
    lines += [text("stories.terminal.item", lang, text=line) for line in coverage_lines(bank)]
    overused = overused_lines(bank)
    if overused:
        lines.append(text("stories.overused_heading", lang))
        lines += [text("stories.terminal.item", lang, text=line) for line in overused]
    return lines


async def stories(
    settings: Settings,
    *,
    database: str | Path | None = None,
    as_json: bool = False,
    action: str | None = None,
    values: list[str] | None = None,
    out: TextIO | None = None,
) -> int:
    """Show the story bank, or rename, merge or delete a story."""
    out = out or sys.stdout
    from bot.bootstrap import build_services

    values = list(values or [])
    showing = action in (None, "show")
    usage = None if showing else _usage_problem(str(action), values)
    if usage is not None:
        # Told before anything is opened: a typo creates no database file.
        sys.stderr.write(usage + "\n")
        return 2
    path = _path(settings, database)
    if showing or not _exists(path):
        # Listing only reads; and with no file there is no story to change ("no story #N").
        services = await open_for_reading(settings, path)
    else:
        services = await build_services(settings, database_path=path)
    service = services.learning.stories
    try:
        if showing:
            bank = await service.bank(TERMINAL_USER, Language.EN)
            if as_json:
                write(out, json.dumps(bank.to_json(), ensure_ascii=False, indent=2))
            else:
                for line in story_lines(bank):
                    write(out, line)
            return EXIT_OK
        try:
            message = await _change_story(service, str(action), values)
        except CoachError as exc:
            # The service's words point to Discord commands; the terminal says its own.
            sys.stderr.write(terminal_message(exc, exc.language or Language.EN) + "\n")
            return EXIT_FAILED
        if as_json:
            write(out, json.dumps({"ok": True, "message": message}, ensure_ascii=False))
        else:
            write(out, message)
        return EXIT_OK
    finally:
        await services.close()


async def _change_story(service: StoryService, action: str, values: list[str]) -> str:
    """Rename, merge or delete a story; return what the terminal says about it."""
    if action == "rename":
        change = await service.rename(
            TERMINAL_USER, int(values[0]), " ".join(values[1:]), Language.EN
        )
        return text(
            "stories.renamed", change.language, id=change.story.id, title=change.story.title
        )
    if action == "merge":
        change = await service.merge(TERMINAL_USER, int(values[0]), int(values[1]), Language.EN)
        return text(
            "stories.merged",
            change.language,
            id=change.story.id,
            other=int(values[1]),
            title=change.story.title,
            uses=uses_text(change.story, change.language),
        )
    change = await service.delete(TERMINAL_USER, int(values[0]), Language.EN)
    return text("stories.deleted", change.language, id=change.story.id, title=change.story.title)


def _usage_problem(action: str, values: list[str]) -> str | None:
    """Return what is wrong with the arguments of an action, or None."""
    needs = {"rename": 2, "merge": 2, "delete": 1}[action]
    ids = values[:2] if action == "merge" else values[:1]
    if len(values) < needs or not all(v.isdigit() for v in ids):
        shapes = {
            "rename": "stories rename STORY_ID NEW TITLE",
            "merge": "stories merge KEEP_ID OTHER_ID",
            "delete": "stories delete STORY_ID",
        }
        return f"usage: python -m bot {shapes[action]}"
    return None


__all__ = ["drill", "main", "progress", "stories"]
