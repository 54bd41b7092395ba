"""The negotiation service: start, answer each message, stop, debrief; Discord and the
terminal both call it.

Every message is saved before it is answered, and the recruiter's reply is saved with its
new state in one transaction, so a restart loses nothing: a message saved but never
answered is answered when the bot comes back (``recover``) or on the next message. One
message of a negotiation is answered at a time.

With a model (``RecruiterVoice``) the policy still decides every move; the model only says
it in character. Each line is checked by the leak guard; a refused line is regenerated once
(told why), and a second refusal, like any model failure, falls back to the offline line.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import random
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Final

from bot.catalog import Language
from bot.errors import CoachError
from bot.negotiation.debrief import PATTERN_WINDOW, build_debrief, patterns
from bot.negotiation.leak import find_leak
from bot.negotiation.lines import states_offer, write_move
from bot.negotiation.models import (
    Debrief,
    HistoryRow,
    Negotiation,
    Outcome,
    RecruiterState,
    Speaker,
    Status,
    Turn,
)
from bot.negotiation.money import Currency, CurrencyTable, find_mentions, format_amount
from bot.negotiation.policy import Move, draw_budget, opening, respond
from bot.negotiation.ports import (
    Clock,
    NegotiationGone,
    NegotiationStore,
    RecruiterVoice,
    SkillFeed,
    VoiceBrief,
)
from bot.negotiation.setup import Typed, check_setup
from bot.negotiation.signals import read_message

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS: Final = 4000
HISTORY_ROWS: Final = 10
VOICE_ATTEMPTS: Final = 2
OFFLINE: Final = "offline"

OpenPlace = Callable[[], Awaitable[int | None]]
# Find a running negotiation's channel again; return a new channel id when one was opened.
Place = Callable[[Negotiation], Awaitable[int | None]]


class NegotiationRunning(CoachError):
    """The user already negotiates in this server; ``running`` is that negotiation."""

    def __init__(self, running: Negotiation, language: Language) -> None:
        where = f"<#{running.channel_id}>" if running.channel_id else "-"
        super().__init__(key="negotiation.errors.already_running", language=language, where=where)
        self.running = running


class NoNegotiation(CoachError):
    """There is no running negotiation where the user expected one."""


class Delivery(enum.StrEnum):
    """What to do with a message in a channel."""

    IGNORE = "ignore"  # not a negotiation channel
    NOT_OWNER = "not_owner"  # someone else's negotiation
    TAKE = "take"  # the candidate's message


@dataclass(frozen=True, slots=True)
class Inbound:
    """The decision about one message, and the negotiation it concerns."""

    delivery: Delivery
    negotiation: Negotiation | None = None
    warn: bool = False


@dataclass(frozen=True, slots=True)
class Started:
    """A negotiation that just began, and the recruiter's opening line."""

    negotiation: Negotiation
    line: str


@dataclass(frozen=True, slots=True)
class Reply:
    """The recruiter's answer to one message; ``debrief`` when it ended the negotiation."""

    negotiation: Negotiation
    line: str
    source: str
    debrief: Debrief | None = None

    @property
    def ended(self) -> bool:
        """Tell whether this reply ended the negotiation."""
        return self.debrief is not None


@dataclass(frozen=True, slots=True)
class Ended:
    """A negotiation that was stopped, with its debrief."""

    negotiation: Negotiation
    debrief: Debrief


class _UtcClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def _random_seed() -> int:
    return secrets.randbits(31)


class NegotiationService:
    """Run salary negotiations against the recruiter and debrief them."""

    def __init__(
        self,
        store: NegotiationStore,
        currencies: CurrencyTable,
        *,
        voice: RecruiterVoice | None = None,
        clock: Clock | None = None,
        skills: SkillFeed | None = None,
        seeds: Callable[[], int] = _random_seed,
    ) -> None:
        self._store = store
        self._currencies = currencies
        self._voice = voice
        self._clock: Clock = clock or _UtcClock()
        self._skills = skills
        self._seeds = seeds
        self._locks: dict[int, asyncio.Lock] = {}
        self._warned: set[tuple[int, int]] = set()

    # ---- starting ---------------------------------------------------------------------------

    async def start(
        self,
        typed: Typed,
        user_id: int,
        guild_id: int | None,
        open_place: OpenPlace | None = None,
        *,
        seed: int | None = None,
    ) -> Started:
        """Check the options, draw the budget, open the place, save and return the opening."""
        setup, currency = check_setup(typed, self._currencies)
        running = await self._store.active(user_id, guild_id)
        if running is not None:
            raise NegotiationRunning(running, setup.language)
        seed = self._seeds() if seed is None else seed
        budget = draw_budget(setup.offer.base, currency, random.Random(f"{seed}:budget"))
        state, move = opening(setup, budget)
        line = write_move(move, setup, currency, random.Random(f"{seed}:line:0"))
        channel_id = await open_place() if open_place is not None else None
        now = self._clock.now()
        negotiation = Negotiation(
            user_id=user_id,
            guild_id=guild_id,
            setup=setup,
            seed=seed,
            state=state,
            channel_id=channel_id,
            turns=[Turn(Speaker.RECRUITER, line, offer=state.offer, source=OFFLINE, at=now)],
            created_at=now,
            updated_at=now,
        )
        negotiation = await self._store.create(negotiation)
        log.info(
            "Negotiation %s started (user %s, guild %s, %s, style %s)",
            negotiation.id,
            user_id,
            guild_id,
            setup.currency,
            setup.style.value,
        )
        return Started(negotiation, line)

    @property
    def currencies(self) -> CurrencyTable:
        """Return the currency table the service reads amounts with."""
        return self._currencies

    def currency_of(self, negotiation: Negotiation) -> Currency:
        """Return the currency a negotiation runs in."""
        return self._currencies.get(negotiation.setup.currency)

    # ---- messages ---------------------------------------------------------------------------

    async def inbound(self, channel_id: int, author_id: int) -> Inbound:
        """Decide what a message in a channel is: nothing to us, someone else's, or a move."""
        negotiation = await self._store.in_channel(channel_id)
        if negotiation is None or negotiation.id is None:
            return Inbound(Delivery.IGNORE)
        if author_id != negotiation.user_id:
            key = (negotiation.id, author_id)
            warn = key not in self._warned
            self._warned.add(key)
            return Inbound(Delivery.NOT_OWNER, negotiation, warn)
        return Inbound(Delivery.TAKE, negotiation)

    async def reply(self, negotiation_id: int, message: str, *, spoken: bool = False) -> Reply:
        """Save the candidate's message, then answer it (and debrief if that ends it)."""
        try:
            return await self._reply(negotiation_id, message, spoken)
        except NegotiationGone:
            log.info("Negotiation %s was deleted while a message was answered", negotiation_id)
            raise NoNegotiation(key="negotiation.errors.gone") from None

    async def _reply(self, negotiation_id: int, message: str, spoken: bool) -> Reply:
        async with self._lock(negotiation_id):
            negotiation = await self._running(negotiation_id)
            lang = negotiation.language
            said = message.strip()
            if not said:
                raise CoachError(key="negotiation.errors.empty", language=lang)
            if len(said) > MAX_MESSAGE_CHARS:
                raise CoachError(
                    key="negotiation.errors.too_long", language=lang, limit=f"{MAX_MESSAGE_CHARS:,}"
                )
            if negotiation.awaiting_reply:
                # A message saved before a restart is answered first; this one follows it.
                await self._answer(negotiation)
                if negotiation.status is not Status.ACTIVE:
                    raise NoNegotiation(key="negotiation.errors.already_over", language=lang)
            turn = Turn(Speaker.CANDIDATE, said, spoken=spoken, at=self._clock.now())
            await self._store.add_turn(negotiation_id, turn)
            negotiation.turns.append(turn)
            return await self._answer(negotiation)

    async def answer_pending(self, negotiation_id: int) -> Reply | None:
        """Answer the candidate's message saved but never answered (None when there is none)."""
        try:
            async with self._lock(negotiation_id):
                negotiation = await self._store.get(negotiation_id)
                if negotiation is None or negotiation.status is not Status.ACTIVE:
                    return None
                if not negotiation.awaiting_reply:
                    return None
                return await self._answer(negotiation)
        except NegotiationGone:
            return None

    async def recover(self) -> AsyncIterator[Reply]:
        """Answer every message saved but not answered when the bot last stopped."""
        for negotiation_id in await self._store.awaiting_reply():
            try:
                reply = await self.answer_pending(negotiation_id)
            except Exception:
                log.exception("Could not answer negotiation %s after a restart", negotiation_id)
                continue
            if reply is not None:
                yield reply

    async def _answer(self, negotiation: Negotiation) -> Reply:
        """Answer the candidate's last message: policy, words (maybe voiced), save, debrief."""
        assert negotiation.id is not None
        setup, currency = negotiation.setup, self.currency_of(negotiation)
        message = negotiation.turns[-1].text
        state = negotiation.state
        reading = read_message(message, setup.language, currency, state.offer)
        rng = random.Random(f"{negotiation.seed}:policy:{state.turns}")
        new_state, move = respond(state, reading, setup, currency, rng)
        offline = write_move(
            move, setup, currency, random.Random(f"{negotiation.seed}:line:{new_state.turns}")
        )
        line, source = await self._say(negotiation, new_state, move, offline, message)
        turn = Turn(
            Speaker.RECRUITER, line, offer=new_state.offer, source=source, at=self._clock.now()
        )
        await self._store.save_reply(negotiation.id, turn, new_state)
        negotiation.turns.append(turn)
        negotiation.state = new_state
        debrief = None
        if new_state.ended:
            debrief = await self._finish(negotiation, Status.FINISHED)
        return Reply(negotiation, line, source, debrief)

    async def _say(
        self,
        negotiation: Negotiation,
        state: RecruiterState,
        move: Move,
        offline: str,
        message: str,
    ) -> tuple[str, str]:
        """Return the line to send: the model's when it is available and safe, else offline."""
        if self._voice is None or negotiation.id is None:
            return offline, OFFLINE
        setup, currency = negotiation.setup, self.currency_of(negotiation)
        known, percents = self._known_amounts(negotiation, currency)
        must_state = state.offer if states_offer(move) else None
        correction: str | None = None
        for attempt in range(1, VOICE_ATTEMPTS + 1):
            brief = VoiceBrief(
                negotiation_id=negotiation.id,
                user_id=negotiation.user_id,
                guild_id=negotiation.guild_id,
                language=setup.language,
                style=setup.style,
                role=setup.role,
                currency=setup.currency,
                offer=format_amount(state.offer, currency, setup.language),
                offline_line=offline,
                history=tuple(negotiation.turns[:-1]),
                message=message,
                attempt=attempt,
                correction=correction,
                moves=tuple(move.kinds),
            )
            try:
                voiced = await self._voice.speak(brief)
            except Exception:
                log.exception("Recruiter voice failed (%s); using the offline line", brief.ids())
                return offline, OFFLINE
            if voiced is None or not voiced.text.strip():
                return offline, OFFLINE
            leak = find_leak(
                voiced.text,
                budget=state.budget,
                on_table=state.offer,
                said=known,
                said_percents=percents,
                currency=currency,
                must_state=must_state,
            )
            if leak is None:
                return voiced.text.strip(), f"model:{voiced.provider}"
            log.warning(
                "Recruiter line from %s refused by the leak guard (%s, attempt %d, %s)",
                voiced.provider,
                leak.kind.value,
                attempt,
                brief.ids(),
            )
            correction = leak.kind.value
        return offline, OFFLINE

    def _known_amounts(
        self, negotiation: Negotiation, currency: Currency
    ) -> tuple[list[float], list[float]]:
        """Return the amounts and percentages already said in the open, by anyone."""
        offer = negotiation.setup.offer
        known: list[float] = [v for v in (offer.base, offer.bonus, offer.equity) if v]
        known += [t.offer for t in negotiation.turns if t.offer is not None]
        percents: list[float] = []
        for turn in negotiation.turns:
            if turn.speaker is not Speaker.CANDIDATE:
                continue
            for m in find_mentions(turn.text, currency, offer.base):
                (percents if m.percent else known).append(m.value)
        return known, percents

    # ---- ending -----------------------------------------------------------------------------

    async def stop(self, user_id: int, guild_id: int | None, language: Language) -> Ended:
        """Stop the user's running negotiation in this server and debrief it."""
        running = await self._store.active(user_id, guild_id)
        if running is None or running.id is None:
            raise NoNegotiation(key="negotiation.errors.none_running", language=language)
        return await self.stop_negotiation(running.id)

    async def stop_negotiation(self, negotiation_id: int) -> Ended:
        """Stop one negotiation (the terminal at the end of its input) and debrief it."""
        try:
            return await self._stop(negotiation_id)
        except NegotiationGone:
            raise NoNegotiation(key="negotiation.errors.gone") from None

    async def _stop(self, negotiation_id: int) -> Ended:
        async with self._lock(negotiation_id):
            negotiation = await self._running(negotiation_id)
            negotiation.state = negotiation.state.evolve(ended=True, outcome=Outcome.STOPPED)
            debrief = await self._finish(negotiation, Status.STOPPED)
            return Ended(negotiation, debrief)

    async def _finish(self, negotiation: Negotiation, status: Status) -> Debrief:
        assert negotiation.id is not None
        now = self._clock.now()
        debrief = build_debrief(negotiation, self.currency_of(negotiation), now)
        await self._store.finish(negotiation.id, status, debrief)
        negotiation.status = status
        recent = await self._store.recent_debriefs(negotiation.user_id, PATTERN_WINDOW)
        debrief = replace(debrief, patterns=patterns(recent))
        negotiation.debrief = debrief
        log.info(
            "Negotiation %s ended (%s): overall %d, left %d on the table",
            negotiation.id,
            debrief.outcome.value,
            debrief.overall,
            debrief.left_on_table,
        )
        if self._skills is not None:
            try:
                await self._skills.negotiation_practised(negotiation.user_id, debrief)
            except Exception:
                log.exception("Skill graph refused negotiation %s", negotiation.id)
        return debrief

    # ---- lookups ----------------------------------------------------------------------------

    async def running(self, user_id: int, guild_id: int | None, language: Language) -> Negotiation:
        """Return the user's running negotiation here (for ``/negotiate resume``)."""
        found = await self._store.active(user_id, guild_id)
        if found is None:
            raise NoNegotiation(key="negotiation.errors.none_running", language=language)
        return found

    async def resume(
        self, user_id: int, guild_id: int | None, language: Language, place: Place
    ) -> Negotiation:
        """Return the user's running negotiation, moved to a new channel if ``place`` opened one."""
        negotiation = await self.running(user_id, guild_id, language)
        moved = await place(negotiation)
        if moved is not None and negotiation.id is not None:
            await self._store.bind_channel(negotiation.id, moved)
            negotiation.channel_id = moved
        return negotiation

    async def active(self, user_id: int, guild_id: int | None) -> Negotiation | None:
        """Return the user's running negotiation here, or None."""
        return await self._store.active(user_id, guild_id)

    async def bind_channel(self, negotiation_id: int, channel_id: int) -> None:
        """Move a negotiation to a new channel (its thread was deleted)."""
        await self._store.bind_channel(negotiation_id, channel_id)

    async def history(self, user_id: int, limit: int = HISTORY_ROWS) -> list[HistoryRow]:
        """Return the user's latest negotiations, newest first."""
        return await self._store.history(user_id, limit)

    async def prune(self, older_than: datetime) -> int:
        """Delete negotiations untouched since ``older_than`` (retention)."""
        return await self._store.prune(older_than)

    # ---- helpers ----------------------------------------------------------------------------

    def _lock(self, negotiation_id: int) -> asyncio.Lock:
        lock = self._locks.get(negotiation_id)
        if lock is None:
            lock = self._locks[negotiation_id] = asyncio.Lock()
        return lock

    async def _running(self, negotiation_id: int) -> Negotiation:
        negotiation = await self._store.get(negotiation_id)
        if negotiation is None:
            raise NoNegotiation(key="negotiation.errors.gone")
        if negotiation.status is not Status.ACTIVE:
            raise NoNegotiation(
                key="negotiation.errors.already_over", language=negotiation.language
            )
        return negotiation
