"""Run rounds in voice channels: join the channel, hand the round a voice channel, report.

The round itself (consent, turns, ratings, summaries) is ``bot.rounds``; this module only
adds what voice needs around it: joining, diagnostics and voice-state changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from bot.catalog import Language
from bot.copy import text
from bot.rounds.hearing import RoundTimings
from bot.rounds.model import Round, RoundMode
from bot.rounds.ports import Clock, Interviews, RoundPresenter, RoundStore
from bot.rounds.run import RoundRequest, RoundRun
from bot.rounds.service import RoundService
from bot.voice.round_channel import VoiceRoundChannel
from bot.voice.types import ReportsTrouble, TroubleListener, VoiceConnector, VoiceDiagnostics

log = logging.getLogger(__name__)

# Opens the place where a round posts, once the bot is in the voice channel: returns the
# presenter for it and the thread id (None when it has none).
PlaceOpener = Callable[[], Awaitable[tuple[RoundPresenter, int | None]]]
# py-cord recovers a dropped voice websocket by leaving and rejoining the channel, which
# Discord reports as the bot leaving; a round only ends if the bot is not back in this time.
RECONNECT_GRACE_S = 15.0


class VoiceCoach:
    """Start rounds in voice channels (one per server) and route voice events to them."""

    def __init__(
        self,
        engine: Interviews,
        connector: VoiceConnector,
        store: RoundStore,
        *,
        turn_timeout_s: float = 120.0,
        idle_timeout_s: float = 600.0,
        stop_wait_s: float = 30.0,
        clock: Clock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        reconnect_grace_s: float = RECONNECT_GRACE_S,
    ) -> None:
        self.connector = connector
        self.reconnect_grace_s = reconnect_grace_s
        self._gone: dict[int, asyncio.Task[None]] = {}
        self.rounds = RoundService(
            engine,
            store,
            timings=RoundTimings(turn_timeout_s, idle_timeout_s, stop_wait_s),
            clock=clock,
            monotonic=monotonic,
        )

    def active(self, guild_id: int) -> RoundRun | None:
        """Return the live round of a server, if any."""
        return self.rounds.active(guild_id)

    async def start(self, request: RoundRequest, open_place: PlaceOpener) -> RoundRun:
        """Join the host's voice channel, open the round's place and start the round."""
        self.rounds.check_free(request.guild_id, request.channel_id, request.language)
        if request.mode is RoundMode.SOLO:
            await self.rounds.precheck_candidate(
                request.host_id, request.guild_id, request.language
            )
        async with self.rounds.claim(request.guild_id, request.channel_id, request.language):
            link = await self.connector.connect(
                request.guild_id, request.channel_id, request.language
            )
        try:
            presenter, thread_id = await open_place()
            if isinstance(link, ReportsTrouble):
                link.on_trouble(trouble_notices(presenter, request.language))
            channel = VoiceRoundChannel(link, request.language)
            return await self.rounds.begin(request, channel, presenter, thread_id)
        except BaseException:
            await link.close()
            raise

    def diagnostics(self, guild_id: int) -> tuple[VoiceDiagnostics, Round] | None:
        """Return the voice link's diagnostics and the round, or None without a connection."""
        run = self.rounds.active(guild_id)
        if run is None or not isinstance(run.channel, VoiceRoundChannel):
            return None
        return run.channel.link.diagnostics(), run.round

    async def voice_state_changed(
        self,
        guild_id: int,
        user_id: int,
        before_channel_id: int | None,
        after_channel_id: int | None,
        *,
        is_bot: bool,
    ) -> None:
        """End the round when the bot leaves its channel; drop participants who leave it."""
        run = self.rounds.active(guild_id)
        if run is None:
            return
        channel_id = run.round.voice_channel_id
        if is_bot:
            if after_channel_id == channel_id:
                self._back(guild_id)
            elif after_channel_id is None and self.reconnect_grace_s > 0:
                if guild_id not in self._gone:
                    self._gone[guild_id] = asyncio.create_task(
                        self._end_unless_back(guild_id), name=f"voice-reconnect-grace-{guild_id}"
                    )
            else:
                self._back(guild_id)
                await self.rounds.disconnected(guild_id)
            return
        if before_channel_id == channel_id and after_channel_id != channel_id:
            await self.rounds.member_left(guild_id, user_id, channel_id)

    def _back(self, guild_id: int) -> None:
        """The bot is in its channel again (or gone for good): stop waiting for it."""
        waiting = self._gone.pop(guild_id, None)
        if waiting is not None and waiting is not asyncio.current_task():
            waiting.cancel()

    async def _end_unless_back(self, guild_id: int) -> None:
        """End the round if the bot has not rejoined its channel within the grace time."""
        try:
            await asyncio.sleep(self.reconnect_grace_s)
        except asyncio.CancelledError:
            return
        if self._gone.get(guild_id) is asyncio.current_task():
            del self._gone[guild_id]
            log.info("voice connection in guild %s did not come back; ending the round", guild_id)
            await self.rounds.disconnected(guild_id)

    async def recover(self) -> int:
        """Mark rounds a restart left live as stopped (their connections are gone)."""
        return await self.rounds.recover()

    async def shutdown(self) -> None:
        """Stop every round and leave every voice channel (the bot is closing)."""
        for task in list(self._gone.values()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._gone.clear()
        await self.rounds.shutdown()


def trouble_notices(presenter: RoundPresenter, language: Language) -> TroubleListener:
    """Return a listener that tells the round's thread when the link recovered someone's voice."""

    async def post(kind: str, user_id: int) -> None:
        message = text(f"voice.notices.{kind}", language, name=presenter.name_of(user_id))
        await presenter.error(message)

    return post


__all__ = ["PlaceOpener", "VoiceCoach", "trouble_notices"]
