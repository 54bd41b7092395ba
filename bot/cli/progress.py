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
import sys
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from bot.catalog import Kind, Language, Level
from bot.cli.rehearse import EXIT_OK, MAX_LINE_BYTES, TERMINAL_USER, Rehearsal
from bot.cli.render import write
from bot.cli.terminal_input import LineReader
from bot.config import Settings
from bot.copy import text
from bot.interview.events import SessionEnded
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
from bot.stories import StoryBank
from bot.stories.wording import competency_names, coverage_lines, overused_lines, uses_text

log = logging.getLogger(__name__)


async def main(args: argparse.Namespace, settings: Settings) -> int:
    """Run the progress, drill or stories subcommand."""
    if args.command == "progress":
        return await progress(settings, database=args.db, as_json=args.json, chart=args.chart)
    if args.command == "drill":
        return await drill(settings, database=args.db, as_json=args.json, language=args.language)
    return await stories(
        settings, database=args.db, as_json=args.json, action=args.action, values=args.values
    )


def _path(settings: Settings, database: str | Path | None) -> str:
    return str(database or settings.storage.database_path)


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
    from bot.bootstrap import build_services

    path = _path(settings, database)
    services = await build_services(settings, database_path=path)
    try:
        report = await services.learning.progress.overview(
            TERMINAL_USER, fallback, chart=chart is not None
        )
        if chart is not None and report.chart is not None:
            await asyncio.to_thread(Path(chart).write_bytes, report.chart)
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
    lines.append(text("progress.terminal.line", lang, text=coverage_line(report.coverage, lang)))
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
        """Resume an unfinished terminal interview, else start the drill."""
        running = await self.engine.active_session(TERMINAL_USER, None)
        if running is not None:
            return await super().open(kind, level, count)
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


async def drill(
    settings: Settings,
    *,
    database: str | Path | None = None,
    as_json: bool = False,
    language: Language | None = None,
    stdin: BinaryIO | None = None,
    out: TextIO | None = None,
    interactive: bool | None = None,
) -> int:
    """Run a drill in the terminal (``--json``: print its plan and start nothing)."""
    out = out or sys.stdout
    from bot.bootstrap import build_services, start_up

    path = _path(settings, database)
    services = await build_services(settings, database_path=path)
    try:
        catalogue = services.learning.progress.catalogue
        if as_json:
            plan = await services.drills.plan(TERMINAL_USER, language, Language.EN)
            write(out, json.dumps(plan_json(plan, catalogue), ensure_ascii=False, indent=2))
            return EXIT_OK
        if stdin is None:
            reader = LineReader.for_fd(0, max_bytes=MAX_LINE_BYTES)
            interactive = os.isatty(0) if interactive is None else interactive
        else:
            reader = LineReader.for_stream(stdin, max_bytes=MAX_LINE_BYTES)
        await start_up(services)
        rehearsal = DrillRehearsal(
            services.drills,
            catalogue,
            chosen=language,
            engine=services.engine,
            reader=reader,
            out=out,
            language=language or Language.EN,
            interactive=bool(interactive),
            speech=(services.stt, services.audio_limits),
            database=path,
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

    path = _path(settings, database)
    services = await build_services(settings, database_path=path)
    service = services.learning.stories
    values = list(values or [])
    try:
        if action in (None, "show"):
            bank = await service.bank(TERMINAL_USER, Language.EN)
            if as_json:
                write(out, json.dumps(bank.to_json(), ensure_ascii=False, indent=2))
            else:
                for line in story_lines(bank):
                    write(out, line)
            return EXIT_OK
        usage = _usage_problem(action, values)
        if usage is not None:
            sys.stderr.write(usage + "\n")
            return 2
        if action == "rename":
            change = await service.rename(
                TERMINAL_USER, int(values[0]), " ".join(values[1:]), Language.EN
            )
            message = text(
                "stories.renamed", change.language, id=change.story.id, title=change.story.title
            )
        elif action == "merge":
            change = await service.merge(TERMINAL_USER, int(values[0]), int(values[1]), Language.EN)
            message = text(
                "stories.merged",
                change.language,
                id=change.story.id,
                other=int(values[1]),
                title=change.story.title,
                uses=uses_text(change.story, change.language),
            )
        else:
            change = await service.delete(TERMINAL_USER, int(values[0]), Language.EN)
            message = text(
                "stories.deleted", change.language, id=change.story.id, title=change.story.title
            )
        if as_json:
            write(out, json.dumps({"ok": True, "message": message}, ensure_ascii=False))
        else:
            write(out, message)
        return EXIT_OK
    finally:
        await services.close()


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
