"""`python -m bot prompts stats`: compare prompt versions from the recorded model calls."""

from __future__ import annotations

import argparse
import json
import logging
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from storage.db import Database
from storage.llm_usage import PromptStats, prompt_stats

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

EMPTY = (
    "No model calls recorded yet in {path}. Prompt stats appear once the bot has graded "
    "answers with a model key (OPENAI_API_KEY or ANTHROPIC_API_KEY, or a server's own key "
    "via /admin llm-key).\n"
)
MISSING = "No database at {path}. Run the bot (or `python -m bot migrate`) first, or pass --db.\n"
_COLUMNS = (
    ("prompt", "<"),
    ("lang", "<"),
    ("version", "<"),
    ("calls", ">"),
    ("ok %", ">"),
    ("mean ms", ">"),
    ("p95 ms", ">"),
    ("ttft ms", ">"),
    ("tok in", ">"),
    ("tok out", ">"),
    ("cost $", ">"),
    ("graded", ">"),
    ("score", ">"),
)


def _parser() -> argparse.ArgumentParser:
    """Return the argument parser of the stats command."""
    p = argparse.ArgumentParser(
        prog="python -m bot prompts stats",
        description="Compare prompt versions: reliability, latency, tokens, cost and scores.",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--prompt", help="only this prompt id (e.g. evaluate)")
    p.add_argument("--language", help="only this language (en, ko)")
    p.add_argument("--db", type=Path, help="database file (default: DATABASE_PATH)")
    return p


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _row(s: PromptStats) -> tuple[str, ...]:
    """Return one table row for a prompt version."""
    return (
        s.prompt_id,
        s.language,
        s.prompt_version,
        str(s.calls),
        f"{100 * s.ok_ratio:.1f}",
        _ms(s.mean_latency_ms),
        _ms(s.p95_latency_ms),
        _ms(s.mean_ttft_ms),
        str(s.input_tokens),
        str(s.output_tokens),
        f"{s.cost_usd:.4f}",
        str(s.graded_answers),
        "-" if s.mean_score is None else f"{s.mean_score:.1f}",
    )


def format_table(stats: list[PromptStats]) -> str:
    """Render stats as an aligned text table, a blank line between prompt/language groups."""
    rows = [_row(s) for s in stats]
    headers = tuple(name for name, _ in _COLUMNS)
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: tuple[str, ...]) -> str:
        parts = [
            f"{c:{align}{w}}" for c, (_, align), w in zip(cells, _COLUMNS, widths, strict=True)
        ]
        return "  ".join(parts).rstrip()

    out = [line(headers), "  ".join("-" * w for w in widths)]
    previous: tuple[str, str] | None = None
    for s, r in zip(stats, rows, strict=True):
        group = (s.prompt_id, s.language)
        if previous is not None and group != previous:
            out.append("")
        previous = group
        out.append(line(r))
    return "\n".join(out) + "\n"


def to_json(stats: list[PromptStats]) -> str:
    """Render stats as a JSON document."""
    return json.dumps({"prompts": [asdict(s) for s in stats]}, indent=2) + "\n"


async def prompt_stats_main(settings: Settings, argv: list[str], out: TextIO) -> int:
    """Print prompt version stats from the bot's database; return the exit code."""
    args = _parser().parse_args(argv)
    path = Path(args.db) if args.db is not None else Path(settings.storage.database_path)
    if not path.exists():
        out.write(MISSING.format(path=path))
        return 1
    async with Database(path) as db:
        stats = await prompt_stats(db, args.prompt, language=args.language)
    if args.json:
        out.write(to_json(stats))
        return 0
    if not stats:
        out.write(EMPTY.format(path=path))
        return 0
    out.write(format_table(stats))
    return 0
