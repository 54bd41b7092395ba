"""The command-line shape of `python -m bot progress | drill | stories` (no heavy imports:
``python -m bot`` builds its parser without loading the engine; see ``bot.cli.progress``)."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from bot.catalog import Language

log = logging.getLogger(__name__)

COMMANDS = ("progress", "drill", "stories")


def add_commands(sub: Any) -> None:
    """Register the progress, drill and stories subcommands on ``python -m bot``'s parser."""
    progress = sub.add_parser("progress", help="skills, drills due, story coverage, streak")
    _common(progress)
    progress.add_argument("--chart", help="also write the progress chart to this PNG file")

    drill = sub.add_parser("drill", help="a 3-question drill on the skills due or weakest")
    _common(drill)
    drill.add_argument("--language", type=Language, choices=list(Language), default=None)
    drill.add_argument(
        "--end-unfinished",
        action="store_true",
        help="end an unfinished interview in the database (its summary is kept) and drill; "
        "without it, drill says how to resume that interview and starts nothing",
    )

    stories = sub.add_parser(
        "stories", help="the story bank: `stories [rename ID TITLE | merge KEEP OTHER | delete ID]`"
    )
    _common(stories)
    stories.add_argument("action", nargs="?", choices=["show", "rename", "merge", "delete"])
    stories.add_argument("values", nargs="*", help="story ids (and a title for rename)")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", default=None, help="SQLite file (default: DATABASE_PATH, like rehearse)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
