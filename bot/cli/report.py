"""`python -m bot report (INTERVIEW_ID | --latest | --progress) -o report.pdf [--db DB]`.

The same reports as the Download report button, rendered in the same worker process: an
interview by its id (any interview in the database: whoever runs this holds the file), the
terminal user's latest interview, or the terminal user's progress report.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import Any, TextIO

from bot.catalog import Language
from bot.config import Settings
from bot.copy import text

log = logging.getLogger(__name__)

COMMAND = "report"
TERMINAL_USER = 0
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


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
        default=Language.EN,
        help="language of messages (a report speaks its interview's language)",
    )


async def main(args: argparse.Namespace, settings: Settings, out: TextIO | None = None) -> int:
    """Write the chosen report to ``args.output``; return the exit code."""
    out = out or sys.stdout
    lang: Language = args.language
    chosen = sum([args.interview is not None, bool(args.latest), bool(args.progress)])
    if chosen != 1:
        sys.stderr.write(text("reports.terminal.usage", lang) + "\n")
        return EXIT_USAGE
    from bot.bootstrap import build_services

    path = str(args.db or settings.storage.database_path)
    services = await build_services(settings, database_path=path)
    try:
        reports = services.reports
        assert reports is not None
        if args.progress:
            report = await reports.progress_report(TERMINAL_USER, lang)
        else:
            report = await reports.session_report(
                TERMINAL_USER, args.interview, None, lang, anyone=True
            )
    finally:
        await services.close()
    target = Path(args.output)
    try:
        await asyncio.to_thread(target.write_bytes, report.data)
    except OSError as exc:
        sys.stderr.write(
            text("reports.terminal.cannot_write", lang, path=target, error=exc.strerror) + "\n"
        )
        return EXIT_FAILED
    size = max(1, round(len(report.data) / 1024))
    out.write(text("reports.terminal.written", lang, path=target, size=size) + "\n")
    return EXIT_OK
