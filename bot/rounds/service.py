"""Start, steer and stop live rounds: the round service the adapters call.

A server has at most one voice round (the bot is in one voice channel per server) and at most
one text round per text channel; host commands find the round by the channel they come from.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable

from bot.catalog import Language
from bot.copy import text
from bot.interview.engine import StartOptions, SystemClock
from bot.interview.events import Event
from bot.rounds.errors import RoundError
from bot.rounds.hearing import Hearing, RoundTimings
from bot.rounds.model import Rating, Round, RoundMedium, RoundMode
from bot.rounds.ports import Clock, Interviews, RoundChannel, RoundPresenter, RoundStore
from bot.rounds.ratings import rate_answer
from bot.rounds.run import Command, CommandKind, RoundRequest, RoundRun
from bot.rounds.runner import RoundRunner, prompts

log = logging.getLogger(__name__)


class RoundService:
    """Keep the live round of each server and pass people's requests to it."""

    def __init__(
        self,
        interviews: Interviews,
        store: RoundStore,
        *,
        timings: RoundTimings | None = None,
        clock: Clock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interviews = interviews
        self.store = store
        self.timings = timings or RoundTimings()
        self._clock = clock or SystemClock()
        self._monotonic = monotonic
        self._hearing = Hearing(self.timings, monotonic)
        self._runner = RoundRunner(interviews, store, self._clock, self._hearing)
        # Voice runs by server; text runs by the text channel their thread is in.
        self._runs: dict[int, RoundRun] = {}
        self._text_runs: dict[int, RoundRun] = {}
        self._claimed: set[int] = set()
        self._claimed_text: set[int] = set()

    # ---- lookups -------------------------------------------------------------------

    def active(self, guild_id: int) -> RoundRun | None:
        """Return the live voice run of a server, if any."""
        run = self._runs.get(guild_id)
        return run if run is not None and not run.done else None

    def active_text(self, channel_id: int) -> RoundRun | None:
        """Return the live text run in a text channel or in its thread, if any."""
        run = self._text_runs.get(channel_id)
        if run is None:
            threads = (r for r in self._text_runs.values() if r.round.thread_id == channel_id)
            run = next(threads, None)
        return run if run is not None and not run.done else None

    def find(self, guild_id: int, channel_id: int | None = None) -> RoundRun | None:
        """Return the run a host command from ``channel_id`` is about.

        The text round of that channel (or thread) first, then the server's voice round, then
        the server's only text round.
        """
        if channel_id is not None and (run := self.active_text(channel_id)) is not None:
            return run
        if (run := self.active(guild_id)) is not None:
            return run
        texts = [r for r in self.live_runs() if r.round.guild_id == guild_id]
        return texts[0] if len(texts) == 1 else None

    def live_runs(self) -> list[RoundRun]:
        """Return every live run, voice and text."""
        return [r for r in (*self._runs.values(), *self._text_runs.values()) if not r.done]

    def run_by_id(self, round_id: int) -> RoundRun | None:
        """Return a live run by its round id."""
        return next((r for r in self.live_runs() if r.round.id == round_id), None)

    def live_round(self, round_id: int) -> Round | None:
        """Return a running round by id (None once it has ended)."""
        run = self.run_by_id(round_id)
        return run.round if run is not None else None

    # ---- starting ------------------------------------------------------------------

    def check_free(
        self,
        guild_id: int,
        channel_id: int,
        language: Language,
        medium: RoundMedium = RoundMedium.VOICE,
    ) -> None:
        """Refuse a second round where one runs (or is being set up) already."""
        if medium is RoundMedium.TEXT:
            text_run = self.active_text(channel_id)
            if text_run is not None:
                raise RoundError("busy_text", text_run.language, channel_id=channel_id)
            if channel_id in self._claimed_text:
                raise RoundError("busy_setting_up_text", language, channel_id=channel_id)
            return
        run = self.active(guild_id)
        if run is None and guild_id not in self._claimed:
            return
        if run is None:
            raise RoundError("busy_setting_up", language)
        where = run.round.voice_channel_id
        if where == channel_id:
            raise RoundError("busy_here", run.language)
        raise RoundError("busy_elsewhere", run.language, channel_id=where)

    @contextlib.asynccontextmanager
    async def claim(
        self,
        guild_id: int,
        channel_id: int,
        language: Language,
        medium: RoundMedium = RoundMedium.VOICE,
    ) -> AsyncIterator[None]:
        """Hold the server (voice) or the channel (text) for a round being set up."""
        self.check_free(guild_id, channel_id, language, medium)
        claimed, key = (
            (self._claimed_text, channel_id)
            if medium is RoundMedium.TEXT
            else (self._claimed, guild_id)
        )
        claimed.add(key)
        try:
            yield
        finally:
            claimed.discard(key)

    async def precheck_candidate(self, user_id: int, guild_id: int, language: Language) -> None:
        """Refuse someone who has a text interview running in this server."""
        if await self.interviews.active_session(user_id, guild_id) is not None:
            raise RoundError("text_interview_running", language)

    async def begin(
        self,
        request: RoundRequest,
        channel: RoundChannel,
        presenter: RoundPresenter,
        thread_id: int | None,
    ) -> RoundRun:
        """Record the round, then post and say the consent notice and start its loop."""
        text_round = request.medium is RoundMedium.TEXT
        runs, key = (
            (self._text_runs, request.channel_id) if text_round else (self._runs, request.guild_id)
        )
        existing = runs.get(key)
        if existing is not None and not existing.done:
            raise RoundError("started_a_moment_ago", request.language)
        # Nobody is heard before they consent.
        channel.listen_to(set())
        round_ = await self.store.create_round(
            Round(
                guild_id=request.guild_id,
                voice_channel_id=request.channel_id,
                host_id=request.host_id,
                kind=request.kind,
                level=request.level,
                language=request.language,
                turns_each=request.turns_each,
                created_at=self._clock.now(),
                mode=request.mode,
                thread_id=thread_id,
                medium=request.medium,
                priority=request.priority,
            )
        )
        run = RoundRun(round_, channel, presenter, self._monotonic())
        run.turn_timeout_s = request.answer_timeout_s
        runs[key] = run
        run.task = asyncio.create_task(self._drive(run, runs, key), name=f"mb-round-run-{run.id}")
        log.info(
            "Round %s (%s) started in guild %s channel %s",
            run.id,
            request.mode.value,
            request.guild_id,
            request.channel_id,
        )
        return run

    async def _drive(self, run: RoundRun, runs: dict[int, RoundRun], key: int) -> None:
        try:
            await self._runner.run(run)
        finally:
            if runs.get(key) is run:
                del runs[key]

    # ---- people --------------------------------------------------------------------

    async def consent(self, round_id: int, user_id: int, language: Language) -> str:
        """Record a user's opt-in and start their interview; return what to tell them."""
        run = self.run_by_id(round_id)
        if run is None or not run.round.status.live or run.ending is not None:
            raise RoundError("ended", run.language if run is not None else language)
        round_ = run.round
        existing = round_.participant(user_id)
        if existing is not None and not existing.left:
            return text("rounds.replies.already_consented", run.language)
        if round_.mode is RoundMode.SOLO and user_id != round_.host_id:
            raise RoundError("someone_elses", run.language)
        # In voice only people in the channel can be heard; a text round takes anyone who
        # can see its thread.
        if round_.medium is RoundMedium.VOICE and user_id not in run.channel.member_ids():
            raise RoundError("join_first", run.language, channel_id=round_.voice_channel_id)
        started: tuple[int, list[Event]] | None = None
        if existing is None or existing.session_id is None:
            if existing is None:
                await self.precheck_candidate(user_id, round_.guild_id, run.language)
            # The interview starts before the person joins the queue: the run loop takes
            # anyone in the queue at once (the spoken notice may end right now), and must
            # find their first question waiting.
            session, events = await self.interviews.start(
                StartOptions(
                    user_id=user_id,
                    guild_id=round_.guild_id,
                    kind=round_.kind,
                    level=round_.level,
                    count=round_.turns_each,
                    language=round_.language,
                    # Round interviews are not bound to the thread, so typed messages there
                    # are never mistaken for answers by the text cog.
                    channel_id=None,
                )
            )
            assert session.id is not None
            if run.done or run.ending is not None or not round_.status.live:
                await self.interviews.finish(session.id, stopped=True)
                raise RoundError("just_ended", run.language)
            started = (session.id, prompts(events))
        participant, _ = round_.join(user_id, self._clock.now())
        if participant.session_id is None and started is not None:
            participant.session_id, run.pending[user_id] = started
        await self.store.save_participant(run.id, participant)
        self._hearing.touch(run)
        run.consented.set()
        log.info("User %s consented in round %s", user_id, run.id)
        if round_.mode is RoundMode.SOLO:
            if run.notice_playing:
                # The candidate has read the notice: the first question should not wait for
                # the rest of it. In a group the others may still be listening to it.
                run.channel.interrupt()
            return text("rounds.replies.consented_solo", run.language)
        return text("rounds.replies.consented_group", run.language)

    async def rate(self, answer_id: int, rater_id: int, rating: Rating, language: Language) -> str:
        """Store a peer's rating of an answer; return what to tell them."""
        result = await rate_answer(
            self.store,
            self._clock,
            answer_id,
            rater_id,
            rating,
            live_round=self.live_round,
            language=language,
        )
        return result.reply()

    async def member_left(self, guild_id: int, user_id: int, channel_id: int) -> None:
        """Drop someone who left the round's channel; end the round when nobody is left."""
        run = self.active(guild_id)
        if run is None or channel_id != run.round.voice_channel_id:
            return
        participant = run.round.participant(user_id)
        if run.round.leave(user_id) and participant is not None:
            await self.store.save_participant(run.id, participant)
            if run.round.current == user_id:
                run.push(Command(CommandKind.LEFT, user_id))
        if not run.channel.member_ids():
            run.push(Command(CommandKind.EMPTY))

    async def disconnected(self, guild_id: int) -> None:
        """End the server's round: the bot lost its place in the channel."""
        run = self.active(guild_id)
        if run is not None:
            run.push(Command(CommandKind.DISCONNECTED))

    # ---- the host ------------------------------------------------------------------

    async def next(
        self,
        guild_id: int,
        user_id: int,
        is_manager: bool,
        language: Language,
        *,
        channel_id: int | None = None,
    ) -> str:
        """Move on to the next person now (host only)."""
        run = self._require_group(guild_id, language, channel_id)
        _authorise(run, user_id, is_manager)
        if run.round.current is None:
            return text("rounds.replies.nobody_answering", run.language)
        run.push(Command(CommandKind.NEXT))
        return text("rounds.replies.moving_on", run.language)

    async def skip(
        self,
        guild_id: int,
        target_id: int,
        user_id: int,
        is_manager: bool,
        language: Language,
        *,
        channel_id: int | None = None,
    ) -> str:
        """Pass a participant's turn, the current one or their next (host only)."""
        run = self._require_group(guild_id, language, channel_id)
        _authorise(run, user_id, is_manager)
        name = run.presenter.name_of(target_id)
        participant = run.round.participant(target_id)
        if participant is None:
            raise RoundError("skip_not_consented", run.language, name=name)
        if run.round.current == target_id:
            run.push(Command(CommandKind.SKIP, target_id))
            return text("rounds.replies.skipping_now", run.language, name=name)
        if not run.round.skip(target_id):
            raise RoundError("no_turns_left", run.language, name=name)
        await self.store.save_participant(run.id, participant)
        return text("rounds.replies.skip_next", run.language, name=name)

    async def stop(
        self,
        guild_id: int,
        user_id: int,
        is_manager: bool,
        language: Language,
        *,
        channel_id: int | None = None,
    ) -> Round:
        """End a round and wait for its summary (host or Manage Server).

        Without ``channel_id`` it is the server's voice round; with one, the text round of
        that channel or thread first.
        """
        run = self._require(guild_id, language, channel_id)
        _authorise(run, user_id, is_manager)
        run.ended_by = user_id
        await self._end(run, CommandKind.STOP)
        return run.round

    async def end_rounds_of(self, user_id: int) -> list[int]:
        """Stop every live round the user takes part in (consented, not left); return ids."""
        ended = []
        for run in self.live_runs():
            participant = run.round.participant(user_id)
            if run.done or participant is None or participant.left:
                continue
            await self._end(run, CommandKind.STOP)
            ended.append(run.id)
        return ended

    # ---- the bot -------------------------------------------------------------------

    async def recover(self) -> int:
        """Mark rounds a restart left live as stopped (their channels are gone)."""
        live = {r.id for r in self.live_runs()}
        return await self.store.end_unfinished(self._clock.now(), keep=live)

    async def shutdown(self) -> None:
        """Stop every run (the bot is closing)."""
        for run in self.live_runs():
            await self._end(run, CommandKind.DISCONNECTED)

    # ---- internals -----------------------------------------------------------------

    def _require(
        self, guild_id: int, language: Language, channel_id: int | None = None
    ) -> RoundRun:
        run = self.find(guild_id, channel_id) if channel_id is not None else self.active(guild_id)
        if run is None:
            raise RoundError("nothing_running", language)
        return run

    def _require_group(
        self, guild_id: int, language: Language, channel_id: int | None = None
    ) -> RoundRun:
        run = self._require(guild_id, language, channel_id)
        if run.round.mode is not RoundMode.GROUP:
            raise RoundError("group_only", run.language)
        return run

    async def _end(self, run: RoundRun, kind: CommandKind) -> None:
        run.channel.interrupt()
        run.push(Command(kind))
        if run.task is not None and not run.task.done():
            try:
                await asyncio.wait_for(asyncio.shield(run.task), self.timings.stop_wait_s)
            except TimeoutError:
                log.warning("Round %s did not stop in time; cancelling it", run.id)
                run.task.cancel()


def _authorise(run: RoundRun, user_id: int, is_manager: bool) -> None:
    if not (is_manager or run.round.is_host(user_id)):
        raise RoundError("host_only", run.language)
