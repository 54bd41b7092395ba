"""`python -m bot negotiate`: a salary negotiation in the terminal, on the bot's service.

One line is one message to the recruiter (typed, piped or from a file, like ``rehearse``);
":stop" or the end of the input ends it with the debrief. With ``--json`` nothing is printed
until the end, then one JSON object: ``{"turns", "budget", "final_offer", "scores",
"left_on_table", "evidence"}``. ``--seed`` makes the recruiter's budget and choices
reproducible. A negotiation kept in ``--db`` (default DATABASE_PATH) that was cut short
resumes on the next run with its own terms (saying so when the options differ); ``--new``
ends it first and starts one with the options given.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Final, TextIO

from bot.catalog import Language, Level
from bot.cli.rehearse import only_run
from bot.copy import text
from bot.errors import CoachError

if TYPE_CHECKING:
    from bot.cli.terminal_input import LineReader
    from bot.config import Settings
    from bot.negotiation import Currency, Debrief, Negotiation, NegotiationService, Reply, Typed

log = logging.getLogger(__name__)

COMMAND: Final = "negotiate"
TERMINAL_USER: Final = 0
EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERRUPTED: Final = 130
MEMORY: Final = ":memory:"
MAX_LINE_BYTES: Final = 4000 * 4
PROMPT: Final = "> "
STOP_WORDS: Final = frozenset({":stop", ":quit", ":done", ":finish"})


def add_command(sub: Any) -> None:
    """Register ``negotiate`` on ``python -m bot``'s parser (no heavy imports here)."""
    p = sub.add_parser(COMMAND, help="practise a salary negotiation against a recruiter")
    p.add_argument("--role", required=True, help="the role the offer is for")
    p.add_argument("--offer", required=True, help="base salary offered per year (120000, 120k)")
    p.add_argument("--target", required=True, help="the base salary you want, above the offer")
    p.add_argument("--currency", required=True, help="ISO code or symbol: USD, EUR, KRW, ...")
    p.add_argument(
        "--style", default="friendly", help="the recruiter: friendly (default), firm or busy"
    )
    p.add_argument("--seed", type=int, default=None, help="make the recruiter reproducible")
    p.add_argument(
        "--db",
        default=None,
        help="SQLite file to keep negotiations in (default: DATABASE_PATH); ':memory:' keeps "
        "nothing",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object at the end")
    p.add_argument(
        "--new",
        action="store_true",
        help="end an unfinished negotiation kept in --db and start one with these options",
    )
    p.add_argument("--language", type=Language, choices=list(Language), default=Language.EN)
    p.add_argument("--bonus", default=None, help="yearly bonus in the offer, if any")
    p.add_argument("--equity", default=None, help="yearly equity in the offer, if any")
    p.add_argument("--level", choices=[lv.value for lv in Level], default=None)
    p.add_argument("--location", default=None, help="where the job is")


def _plain(line: str) -> str:
    """Drop the light markdown the debrief uses in Discord."""
    return line.replace("**", "").replace("_(", "(").replace(")_", ")")


def debrief_lines(debrief: Debrief, currency: Currency) -> list[str]:
    """Return the debrief as terminal lines."""
    from bot.negotiation.presenter import debrief_text, dimension_name

    words = debrief_text(debrief, currency)
    lang = debrief.language
    lines = ["", words.title, *words.summary, "", text("negotiation.debrief.scores", lang)]
    lines += [f"  {s}" for s in words.scores]
    for dimension, found in words.evidence.items():
        if found:
            lines += ["", dimension_name(dimension, lang)]
            lines += [f"  {f}" for f in found]
    lines += ["", text("negotiation.debrief.tips", lang)]
    lines += [f"  {n}. {t}" for n, t in enumerate(words.tips, 1)]
    lines += ["", words.patterns_title]
    lines += [f"  {p}" for p in words.patterns]
    return [_plain(line) for line in lines]


class TerminalNegotiation:
    """One negotiation in the terminal: read lines, print the recruiter, end with the debrief."""

    def __init__(
        self,
        service: NegotiationService,
        reader: LineReader,
        out: TextIO,
        *,
        as_json: bool,
        interactive: bool,
        language: Language,
    ) -> None:
        self.service = service
        self.reader = reader
        self.out = out
        self.as_json = as_json
        self.interactive = interactive
        self.language = language
        self.negotiation: Negotiation | None = None
        self._warned_replaced = False
        self.new = False

    def say(self, line: str = "") -> None:
        """Print a line unless only the JSON is wanted."""
        if not self.as_json:
            self.out.write(line + "\n")
            self.out.flush()

    def tell(self, line: str) -> None:
        """Print a problem: on the screen, or on stderr with ``--json``."""
        if self.as_json:
            sys.stderr.write(line + "\n")
        else:
            self.say(line)

    def recruiter(self, line: str) -> None:
        """Print what the recruiter says."""
        self.say(text("negotiation.terminal.recruiter", self.language, line=line))

    async def open(self, typed: Typed, seed: int | None, database: str) -> bool:
        """Resume the terminal's running negotiation, else start one; tell if it ended.

        A resumed negotiation keeps its own terms, and says so when the options differ;
        with ``self.new`` it is ended first and a new one starts with the options given.
        """
        from bot.negotiation import format_amount

        running = await self.service.active(TERMINAL_USER, None)
        if running is not None and running.id is not None and self.new:
            await self.service.stop_negotiation(running.id)
            self.say(
                text("negotiation.terminal.ended_for_new", self.language, role=running.setup.role)
            )
            running = None
        if running is not None and running.id is not None:
            self.negotiation = running
            self.language = running.language
            self.say(text("negotiation.terminal.resumed", self.language, role=running.setup.role))
            if self._differs(typed, running):
                currency = self.service.currency_of(running)
                self.say(
                    text(
                        "negotiation.terminal.own_terms",
                        self.language,
                        role=running.setup.role,
                        offer=format_amount(running.setup.offer.base, currency, self.language),
                        target=format_amount(running.setup.target, currency, self.language),
                        currency=currency.code,
                    )
                )
            recruiter = [t.text for t in running.turns if t.speaker.value == "recruiter"]
            if recruiter:
                self.recruiter(recruiter[-1])
            pending = await self.service.answer_pending(running.id)
            if pending is not None:
                return self.show(pending)
            return False
        started = await self.service.start(typed, TERMINAL_USER, None, None, seed=seed)
        n = started.negotiation
        self.negotiation = n
        currency = self.service.currency_of(n)
        lang = self.language = n.language
        self.say(
            text(
                "negotiation.terminal.banner",
                lang,
                role=n.setup.role,
                offer=format_amount(n.setup.offer.base, currency, lang),
                target=format_amount(n.setup.target, currency, lang),
                style=text(f"negotiation.styles.{n.setup.style.value}", lang),
            )
        )
        if database != MEMORY:
            self.say(text("negotiation.terminal.kept_in", lang, path=database))
        self.recruiter(started.line)
        return False

    def _differs(self, typed: Typed, running: Negotiation) -> bool:
        """Tell whether the options typed now ask for other terms than the saved ones."""
        from bot.negotiation.setup import check_setup

        setup, _ = check_setup(typed, self.service.currencies)
        saved = running.setup
        return (
            setup.role,
            setup.currency,
            setup.offer,
            setup.target,
            setup.style,
            setup.level,
            setup.location,
        ) != (
            saved.role,
            saved.currency,
            saved.offer,
            saved.target,
            saved.style,
            saved.level,
            saved.location,
        )

    def show(self, reply: Reply) -> bool:
        """Print a reply (and the debrief when it ended); tell if it ended."""
        self.negotiation = reply.negotiation
        self.recruiter(reply.line)
        if reply.debrief is not None:
            self.finish(reply.debrief)
            return True
        return False

    def finish(self, debrief: Debrief) -> None:
        """Print the debrief, or the JSON object."""
        assert self.negotiation is not None
        if self.as_json:
            from bot.negotiation.presenter import debrief_json

            self.out.write(json.dumps(debrief_json(self.negotiation, debrief), ensure_ascii=False))
            self.out.write("\n")
            self.out.flush()
            return
        for line in debrief_lines(debrief, self.service.currency_of(self.negotiation)):
            self.say(line)

    async def stop(self) -> None:
        """End the negotiation here and print the debrief."""
        assert self.negotiation is not None and self.negotiation.id is not None
        ended = await self.service.stop_negotiation(self.negotiation.id)
        self.negotiation = ended.negotiation
        self.finish(ended.debrief)

    async def run(self, typed: Typed, seed: int | None, database: str) -> int:
        """Run the negotiation to its end; Ctrl-C ends it with the debrief."""
        try:
            if await self.open(typed, seed, database):
                return EXIT_OK
            while True:
                line = await self.read()
                if line is None or line.strip().lower() in STOP_WORDS:
                    await self.stop()
                    return EXIT_OK
                if not line.strip():
                    continue
                if line.strip().startswith(":"):
                    self.tell(
                        text(
                            "negotiation.terminal.unknown_command",
                            self.language,
                            command=line.strip().split()[0],
                        )
                    )
                    continue
                assert self.negotiation is not None and self.negotiation.id is not None
                try:
                    reply = await self.service.reply(self.negotiation.id, line)
                except CoachError as exc:
                    self.tell(exc.message_in(self.language))
                    if exc.key in (
                        "negotiation.errors.gone",
                        "negotiation.errors.already_over",
                    ):
                        return EXIT_FAILED
                    continue
                if self.show(reply):
                    return EXIT_OK
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            self.say()
            self.say(text("negotiation.terminal.interrupted", self.language))
            if self.negotiation is not None:
                try:
                    await self.stop()
                except CoachError as exc:
                    self.tell(exc.message_in(self.language))
            return EXIT_INTERRUPTED

    async def read(self) -> str | None:
        """Return the next line, or None at the end of the input."""
        while True:
            if self.interactive and not self.as_json:
                self.out.write(PROMPT)
                self.out.flush()
            line = await self.reader.readline()
            if line is None:
                return None
            if line.replaced and not self._warned_replaced:
                self._warned_replaced = True
                self.tell(text("negotiation.terminal.replaced", self.language))
            if line.truncated:
                self.tell(text("negotiation.terminal.too_long", self.language, limit="4,000"))
                continue
            return str(line.text)


async def negotiate(
    args: argparse.Namespace,
    settings: Settings,
    *,
    stdin: BinaryIO | None = None,
    out: TextIO | None = None,
    interactive: bool | None = None,
) -> int:
    """Run ``python -m bot negotiate``; return the exit code."""
    out = out or sys.stdout  # looked up now: the entry point may have guarded it
    from bot.cli.terminal_input import LineReader
    from bot.negotiation import CurrencyTable, NegotiationInputError, Typed
    from bot.negotiation.setup import check_setup

    lang: Language = args.language
    typed = Typed(
        role=args.role,
        offer=args.offer,
        target=args.target,
        currency=args.currency,
        style=args.style,
        language=lang,
        bonus=args.bonus,
        equity=args.equity,
        level=args.level,
        location=args.location,
    )
    try:
        # Bad options are told at once, before anything is opened.
        check_setup(typed, CurrencyTable.load(settings.interview.prompts_path / "negotiation"))
    except NegotiationInputError as exc:
        sys.stderr.write(exc.message_in(lang) + "\n")
        return EXIT_USAGE
    from bot.bootstrap import build_negotiations, build_services, start_up

    if stdin is None:
        reader = LineReader.for_fd(0, max_bytes=MAX_LINE_BYTES)
        interactive = os.isatty(0) if interactive is None else interactive
    else:
        reader = LineReader.for_stream(stdin, max_bytes=MAX_LINE_BYTES)
    path = str(args.db or settings.storage.database_path)
    if path != MEMORY:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    with only_run(path, "negotiate") as alone:
        if not alone:
            sys.stderr.write(text("negotiation.terminal.busy", lang, path=path) + "\n")
            return EXIT_FAILED
        services = await build_services(settings, database_path=path)
        session = TerminalNegotiation(
            build_negotiations(services),
            reader,
            out,
            as_json=bool(args.json),
            interactive=bool(interactive),
            language=lang,
        )
        session.new = bool(getattr(args, "new", False))
        try:
            await start_up(services)
            return await session.run(typed, args.seed, path)
        except NegotiationInputError as exc:
            sys.stderr.write(exc.message_in(lang) + "\n")
            return EXIT_USAGE
        except CoachError:
            raise
        except Exception as exc:
            name = type(exc).__name__
            log.error("negotiate stopped by %s", name)
            log.debug("what stopped negotiate", exc_info=True)
            saved = "failed_memory" if path == MEMORY else "failed_saved"
            sys.stderr.write(text(f"negotiation.terminal.{saved}", lang, error=name) + "\n")
            return EXIT_FAILED
        finally:
            await services.close()


async def main(args: argparse.Namespace, settings: Settings) -> int:
    """Entry point from ``python -m bot``; the screen is kept for the conversation."""
    root = logging.getLogger()
    root.setLevel(max(logging.WARNING, root.level))
    return await negotiate(args, settings)
