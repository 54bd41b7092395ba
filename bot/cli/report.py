"""`python -m bot report (INTERVIEW_ID | --latest | --progress) -o report.pdf [--db DB]`.

The same reports as the Download report button, rendered in the same worker process: an
interview by its id (any interview in the database: whoever runs this holds the file), the
terminal user's latest interview, or the terminal user's progress report.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import os
import sys
from pathlib import Path
from typing import Any, Final, TextIO

from bot.catalog import Language
from bot.config import Settings
from bot.copy import catalogue, text
from bot.errors import CoachError

log = logging.getLogger(__name__)

COMMAND = "report"
TERMINAL_USER = 0
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
MEMORY = ":memory:"
# Service messages that point to Discord (autocomplete, slash commands), and the terminal's.
TERMINAL_KEYS: Final = {
    "reports.none_yet": "reports.terminal.none_yet",
    "reports.not_found": "reports.terminal.not_found",
}


def add_command(sub: Any) -> None:
    """Register ``report`` on ``python -m bot``'s parser (no heavy imports here)."""
    report = sub.add_parser(
        COMMAND, help="write a PDF report: `report (ID | --latest | --progress) -o FILE.pdf`"
    )
    report.add_argument("interview", nargs="?", type=int, help="the interview's id")
    report.add_argument("--latest", action="store_true", help="your latest terminal interview")
    report.add_argument("--progress", action="store_true", help="your progress report")
    report.add_argument("-o", "--output", required=True, help="the PDF file to write")
    report.add_argument(
        "--db", default=None, help="SQLite file (default: DATABASE_PATH, like rehearse)"
    )
    report.add_argument(
        "--language",
        type=Language,
        choices=list(Language),
        default=None,
        help="language of messages (default: the interview's; a report speaks its interview's)",
    )


async def main(args: argparse.Namespace, settings: Settings, out: TextIO | None = None) -> int:
    """Write the chosen report to ``args.output``; return the exit code."""
    out = out or sys.stdout
    chosen_language: Language | None = args.language
    lang = chosen_language or Language.EN
    chosen = sum([args.interview is not None, bool(args.latest), bool(args.progress)])
    if chosen != 1:
        sys.stderr.write(text("reports.terminal.usage", lang) + "\n")
        return EXIT_USAGE
    target = _target(args.output)
    path = str(args.db or settings.storage.database_path)
    problem = _problem(target, path, lang)
    if problem is not None:
        # Told before anything is opened or rendered.
        sys.stderr.write(problem + "\n")
        return EXIT_FAILED
    from bot.cli.progress import open_for_reading

    services = await open_for_reading(settings, path)
    try:
        reports = services.reports
        assert reports is not None
        if args.progress:
            report = await reports.progress_report(TERMINAL_USER, lang, terminal=True)
        else:
            report = await reports.session_report(
                TERMINAL_USER, args.interview, None, lang, anyone=True
            )
    except CoachError as exc:
        sys.stderr.write(_terminal_message(exc, lang, path) + "\n")
        return EXIT_FAILED
    finally:
        await services.close()
    # From here on the terminal speaks the report's language unless --language said otherwise.
    lang = chosen_language or report.language
    try:
        await asyncio.to_thread(target.write_bytes, report.data)
    except OSError as exc:
        log.debug("Writing the report to %s failed", target, exc_info=True)
        error = _reason(exc, lang)
        sys.stderr.write(
            text("reports.terminal.cannot_write", lang, path=target, error=error) + "\n"
        )
        return EXIT_FAILED
    size = max(1, round(len(report.data) / 1024))
    out.write(text("reports.terminal.written", lang, path=target, size=size) + "\n")
    return EXIT_OK


def _terminal_message(exc: CoachError, lang: Language, path: str) -> str:
    """Return the service's error as the terminal says it (no autocomplete, no slash commands)."""
    if exc.key in TERMINAL_KEYS:
        return text(TERMINAL_KEYS[exc.key], exc.language or lang, path=path, **exc.params)
    return exc.message_in(exc.language or lang)


def _target(output: str) -> Path:
    """Return the PDF's path, ``~`` expanded."""
    return Path(output).expanduser()


def _problem(target: Path, database: str, lang: Language) -> str | None:
    """Return why the report cannot be made (no database, nowhere to write), or None."""
    if database == MEMORY or not Path(database).expanduser().is_file():
        # Opening a missing file would create an empty database: there is nothing to report.
        return text("reports.terminal.no_database", lang, path=database)
    if target.is_dir():
        error = _reason(IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR)), lang)
    elif not target.parent.is_dir():
        error = _reason(FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT)), lang)
    else:
        return None
    return text("reports.terminal.cannot_write", lang, path=target, error=error)


def _reason(exc: OSError, lang: Language) -> str:
    """Return a short reason for an OS error in ``lang`` (its errno name when unknown)."""
    name = errno.errorcode.get(exc.errno or 0, type(exc).__name__)
    key = f"reports.terminal.os_errors.{name}"
    if catalogue().has(key):
        return text(key, lang)
    return text("reports.terminal.os_errors.other", lang, name=exc.strerror or name)
