"""`python -m bot`: run | migrate | rehearse | evaluate | transcribe | prompts | voice."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot.catalog import Kind, Language, Level
from bot.config import Settings, describe_invalid_settings
from bot.errors import CoachError, ConfigError

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Mockingbird interview coach"
    )
    parser.add_argument("--log-level", default="INFO", help="logging level (default INFO)")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the Discord bot (default)")
    sub.add_parser("migrate", help="apply database migrations and exit")

    def interview_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--kind", type=Kind, choices=list(Kind), default=Kind.BEHAVIORAL)
        p.add_argument("--level", type=Level, choices=list(Level), default=Level.MID)
        p.add_argument("--language", type=Language, choices=list(Language), default=Language.EN)

    rehearse = sub.add_parser("rehearse", help="a mock interview in the terminal")
    interview_args(rehearse)
    rehearse.add_argument("--count", type=int, default=None, help="number of questions")
    rehearse.add_argument(
        "--db", default=":memory:", help="SQLite file to keep the session in (default: none)"
    )

    transcribe = sub.add_parser("transcribe", help="transcribe a recording, print delivery")
    transcribe.add_argument("file", help="audio file: ogg/opus, mp3, wav, m4a")
    transcribe.add_argument(
        "--language", type=Language, choices=list(Language), default=Language.EN
    )
    transcribe.add_argument("--json", action="store_true", help="print JSON")

    prompts = sub.add_parser("prompts", help="prompt versions: `prompts stats [--json]`")
    prompts.add_argument("action", choices=["stats"])
    prompts.add_argument("rest", nargs=argparse.REMAINDER, help="options of the action")

    voice = sub.add_parser("voice", help="voice tools: `voice replay CAPTURE.jsonl [--json]`")
    voice.add_argument("action", choices=["replay"])
    voice.add_argument("rest", nargs=argparse.REMAINDER, help="options of the action")

    evaluate = sub.add_parser(
        "evaluate", help="grade one answer from stdin (or JSON lines with --jsonl), print JSON"
    )
    interview_args(evaluate)
    evaluate.add_argument("--question", help="the question that was answered")
    evaluate.add_argument(
        "--jsonl",
        action="store_true",
        help='read {"id", "question", "kind", "level", "answer", "language"} per line',
    )
    return parser


async def _run_bot(settings: Settings) -> int:
    from bot.bootstrap import build_services, create_bot, start_up
    from bot.discord_app import run_bot

    token = settings.discord.require_token()  # fail fast, before opening anything
    services = await build_services(settings)
    try:
        await start_up(services)
        return await run_bot(create_bot(services), token)
    finally:
        await services.close()


async def _migrate(settings: Settings) -> int:
    from storage.db import Database

    db = Database(settings.storage.database_path)
    await db.open()
    await db.close()
    log.info("Database %s is up to date", settings.storage.database_path)
    return 0


async def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen command."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.command in ("rehearse", "evaluate", "transcribe", "voice"):
        # Terminal commands keep the screen for the interview itself.
        logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
    settings = Settings()
    command = args.command or "run"
    try:
        if command == "run":
            return await _run_bot(settings)
        if command == "migrate":
            return await _migrate(settings)
        if command == "voice":
            from bot.voice.replay import areplay_main

            return await areplay_main(list(args.rest), sys.stdout)
        if command == "prompts":
            from bot.prompt_stats import prompt_stats_main

            return await prompt_stats_main(settings, list(args.rest), sys.stdout)
        from bot import cli

        if command == "rehearse":
            count = args.count or settings.interview.default_question_count
            return await cli.rehearse(
                args.kind, args.level, count, args.language, settings, database=args.db
            )
        if command == "transcribe":
            return await cli.transcribe(args.file, args.language, args.json, settings)
        if args.jsonl:
            return await cli.evaluate_batch(settings)
        if not args.question:
            sys.stderr.write("evaluate needs --question (or --jsonl to read JSON lines)\n")
            return 2
        return await cli.evaluate(args.kind, args.level, args.question, args.language, settings)
    except ConfigError as exc:
        sys.stderr.write(f"{exc.user_message}\n")
        return 2
    except ValidationError as exc:
        sys.stderr.write(f"{describe_invalid_settings(exc)}\n")
        return 2
    except CoachError as exc:
        sys.stderr.write(f"{exc.user_message}\n")
        return 1


def entry() -> None:
    """Run ``main`` and exit with its code."""
    try:
        sys.exit(asyncio.run(main()))
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    entry()
