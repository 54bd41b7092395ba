"""The production VoiceLink: py-cord's voice connection + our receive path, turns and speech."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import discord

from bot.catalog import Language
from bot.config import VoiceSettings
from bot.copy import text
from bot.errors import CoachError
from bot.speech.stt import SpeechToText
from bot.speech.tts import TextToSpeech
from bot.voice.incremental import SttPool
from bot.voice.playback import SentenceSpeaker
from bot.voice.receive import (
    KEEPALIVE_INTERVAL_S,
    GuardedVoiceClient,
    VoiceReceiver,
    ensure_opus,
    guard_missing_reader,
    refuse_debug_loop,
)
from bot.voice.turns import TurnPolicy, TurnTaker
from bot.voice.types import (
    AudioChunk,
    TroubleListener,
    VoiceDiagnostics,
    VoiceLink,
    VoiceTurn,
)
from bot.voice.vad import VadSettings

log = logging.getLogger(__name__)

# The end-of-turn clock: a turn can end at most this much after its silence was long enough.
TICK_S = 0.05
# Talking over the bot stops it once this much voice has been heard within the check delay.
BARGE_IN_CONFIRM_S = 0.3
BARGE_IN_MIN_SPEECH_MS = 240
CONNECT_TIMEOUT_S = 20.0
# py-cord retries a failed handshake up to five times; the person waiting gets an answer sooner.
CONNECT_TOTAL_S = 60.0
# py-cord waits for Discord to confirm a disconnect for up to the connect timeout.
DISCONNECT_TIMEOUT_S = 5.0
# How often a wait for a turn looks again once its time is up but the person is still talking.
TALKING_RECHECK_S = 0.5
# Turns nobody has asked for yet; more than this means nobody is waiting, so drop the oldest.
MAX_QUEUED_TURNS = 4


def turn_policy(settings: VoiceSettings) -> TurnPolicy:
    """Return the end-of-turn policy the settings describe."""
    return TurnPolicy(
        min_end_silence_ms=settings.voice_end_silence_min_ms,
        max_end_silence_ms=settings.voice_end_silence_max_ms,
        min_speech_ms=settings.voice_min_speech_ms,
        max_turn_ms=settings.voice_max_turn_seconds * 1000,
    )


class DiscordVoiceLink:
    """One joined voice channel: speak sentence by sentence, hear only the chosen people."""

    def __init__(
        self,
        voice_client: discord.VoiceClient,
        *,
        stt: SpeechToText,
        tts: TextToSpeech,
        settings: VoiceSettings,
        receiver_factory: Callable[..., VoiceReceiver] = VoiceReceiver,
        clock: Callable[[], float] = time.monotonic,
        keepalive_interval_s: float = KEEPALIVE_INTERVAL_S,
    ) -> None:
        self._vc = voice_client
        # Kept from the start: py-cord points ``channel`` elsewhere when the bot is moved.
        self._channel_id = int(voice_client.channel.id)
        self._guild_id = _guild_id_of(voice_client)
        self._listening: frozenset[int] = frozenset()
        self._queues: dict[int, asyncio.Queue[VoiceTurn]] = {}
        self._turns = TurnTaker(
            stt,
            self._on_turn,
            on_speech_start=self._on_speech_start,
            policy=turn_policy(settings),
            vad=VadSettings(aggressiveness=settings.voice_vad_aggressiveness),
            pool=SttPool(),
        )
        self._receiver = receiver_factory(
            voice_client,
            accept_user=self._accepts,
            on_audio=self._on_audio,
            jitter_depth=settings.voice_jitter_frames,
            clock=clock,
            on_trouble=self._trouble,
            keepalive_interval_s=keepalive_interval_s,
        )
        self._trouble_listeners: list[TroubleListener] = []
        self._trouble_tasks: set[asyncio.Task[None]] = set()
        self._speaker = SentenceSpeaker(tts, self._play_pcm, self._stop_playback)
        self._speaking = 0
        self._interrupted = False
        self._ticker: asyncio.Task[None] | None = None
        self._closed = False
        self._closed_event = asyncio.Event()

    def start(self) -> None:
        """Start receiving and the end-of-turn clock (on the event loop)."""
        self._receiver.start()
        self._ticker = asyncio.get_running_loop().create_task(
            self._tick_loop(), name="mb-voice-link-tick"
        )

    @property
    def channel_id(self) -> int:
        """Return the voice channel's id."""
        return self._channel_id

    async def speak(self, text: str, language: str = "en") -> bool:
        """Say ``text``; anything said before it started is not an answer to it."""
        if self._closed:
            return False
        self._turns.language = language
        for queue in self._queues.values():
            _empty(queue)
        # Barge-in must work for the whole utterance, also while the next sentence is
        # being synthesised and nothing is playing.
        self._speaking += 1
        try:
            return await self._speaker.speak(text, language)
        finally:
            self._speaking -= 1

    def stop_speaking(self) -> None:
        """Stop any speech now."""
        self._speaker.interrupt()

    def listen_to(self, user_ids: set[int]) -> None:
        """Decode only these users; forget what the others had buffered."""
        dropped = self._listening - user_ids
        self._listening = frozenset(user_ids)
        for user_id in dropped:
            self._receiver.forget(user_id)
            self._turns.forget(user_id)
            if queue := self._queues.get(user_id):
                _empty(queue)
        log.debug("voice link %s listening to %d people", self.channel_id, len(user_ids))

    async def next_turn(self, user_id: int, timeout_s: float) -> VoiceTurn | None:
        """Wait for the next finished turn of ``user_id``; None after ``timeout_s`` of nothing.

        The time only runs out while the person is silent: someone still talking (or whose
        turn is still being transcribed) when it is up is waited for, not cut off.
        """
        queue = self._queue(user_id)
        if not queue.empty():
            return queue.get_nowait()
        wait_s = timeout_s
        while not self._closed and wait_s > 0:
            getter = asyncio.create_task(queue.get(), name=f"mb-voice-link-turn-{user_id}")
            closed = asyncio.create_task(
                self._closed_event.wait(), name=f"mb-voice-link-closed-{user_id}"
            )
            try:
                await asyncio.wait(
                    {getter, closed}, timeout=wait_s, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                closed.cancel()
                if not getter.done():
                    getter.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await getter
            if getter.done() and not getter.cancelled():
                return getter.result()
            wait_s = TALKING_RECHECK_S if self._hearing(user_id) else 0
        return None

    def member_ids(self) -> set[int]:
        """Return the humans in the channel now (from voice states: no member cache needed)."""
        channel = self._channel()
        if channel is None:
            return set()
        # ``members`` only lists people py-cord has cached as Members; without the members
        # intent someone already in the channel when the bot started is missing there, but
        # the voice_states intent always gives their voice state.
        states = getattr(channel, "voice_states", None)
        if isinstance(states, Mapping):
            ids = {int(user_id) for user_id in states}
        else:
            ids = {int(m.id) for m in getattr(channel, "members", ()) if not m.bot}
        me = getattr(getattr(self._vc, "user", None), "id", None)
        guild = getattr(channel, "guild", None)
        humans = set()
        for user_id in ids:
            if user_id == me:
                continue
            member = guild.get_member(user_id) if guild is not None else None
            if member is not None and member.bot:
                continue
            humans.add(user_id)
        return humans

    def on_trouble(self, listener: TroubleListener) -> None:
        """Call ``listener`` (kind, user id) when the link recovers or loses someone's voice."""
        self._trouble_listeners.append(listener)

    def _trouble(self, kind: str, user_id: int) -> None:
        """Pass a recovery notice on to the listeners (each in its own task)."""
        if self._closed:
            return
        for listener in self._trouble_listeners:
            task = asyncio.get_running_loop().create_task(
                _tell(listener, kind, user_id), name="mb-voice-link-trouble"
            )
            self._trouble_tasks.add(task)
            task.add_done_callback(self._trouble_tasks.discard)

    def diagnostics(self) -> VoiceDiagnostics:
        """Return the transport, DAVE and receive counters."""
        return VoiceDiagnostics(
            **self._receiver.diagnostics_fields(),
            listening_to=tuple(sorted(self._listening)),
            stats=self._receiver.stats,
            connected=bool(self._vc.is_connected()),
        )

    async def close(self) -> None:
        """Stop speaking and listening, drop every buffer and leave; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._listening = frozenset()
        self._speaker.interrupt()
        self._receiver.stop()
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        self._closed_event.set()
        for task in list(self._trouble_tasks):
            task.cancel()
        await self._turns.close()
        for queue in self._queues.values():
            _empty(queue)
        try:
            await asyncio.wait_for(self._vc.disconnect(force=True), DISCONNECT_TIMEOUT_S)
        except TimeoutError:
            log.warning("leaving voice channel %s was not confirmed in time", self.channel_id)
        except (discord.DiscordException, OSError):
            log.warning("leaving voice channel %s failed", self.channel_id, exc_info=True)
        log.info("left voice channel %s", self.channel_id)

    def _channel(self) -> Any:
        """Return the session's channel from the client cache (fresh after a guild reload)."""
        client = getattr(self._vc, "client", None)
        guild = client.get_guild(self._guild_id) if client is not None and self._guild_id else None
        channel = guild.get_channel(self._channel_id) if guild is not None else None
        if channel is None:
            current: Any = self._vc.channel
            channel = current if current is not None and current.id == self._channel_id else None
        return channel

    def _hearing(self, user_id: int) -> bool:
        """Tell whether ``user_id`` is mid-turn or a finished turn is still being transcribed."""
        if user_id not in self._listening:
            return False
        return self._turns.in_turn(user_id) or self._turns.pending_turns > 0

    # --- callbacks from the receive path ------------------------------------------------------

    def _accepts(self, user_id: int) -> bool:
        return user_id in self._listening

    def _on_audio(self, chunk: AudioChunk) -> None:
        if chunk.user_id in self._listening:
            self._turns.push(chunk)

    def _on_speech_start(self, user_id: int) -> None:
        # Barge-in: the candidate talking over the bot means "I've heard enough". A cough or a
        # click is not talking, so wait a moment and check the voice is still going.
        if self._speaking and user_id in self._listening:
            asyncio.get_running_loop().call_later(
                BARGE_IN_CONFIRM_S, self._confirm_barge_in, user_id
            )

    def _confirm_barge_in(self, user_id: int) -> None:
        if not (self._speaking and user_id in self._listening and not self._closed):
            return
        if self._turns.speech_ms(user_id) >= BARGE_IN_MIN_SPEECH_MS:
            log.debug("barge-in by %s on channel %s", user_id, self.channel_id)
            self._speaker.interrupt()

    async def _on_turn(self, turn: VoiceTurn) -> None:
        if self._closed or turn.user_id not in self._listening:
            return
        queue = self._queue(turn.user_id)
        if queue.full():
            queue.get_nowait()
        queue.put_nowait(turn)

    def _queue(self, user_id: int) -> asyncio.Queue[VoiceTurn]:
        queue = self._queues.get(user_id)
        if queue is None:
            queue = self._queues[user_id] = asyncio.Queue(MAX_QUEUED_TURNS)
        return queue

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            try:
                self._turns.tick(int(self._receiver.now_ms()))
            except Exception:
                log.exception("voice turn clock failed on channel %s", self.channel_id)

    # --- playback -----------------------------------------------------------------------------

    async def _play_pcm(self, pcm: bytes) -> bool:
        """Play 48 kHz stereo PCM; return False if it was stopped or could not play."""
        if self._closed or not self._vc.is_connected():
            return False
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Exception | None] = loop.create_future()

        def settle(error: Exception | None) -> None:
            if not done.done():
                done.set_result(error)

        def after(error: Exception | None) -> None:
            # py-cord calls this from its player thread.
            loop.call_soon_threadsafe(settle, error)

        self._interrupted = False
        try:
            self._vc.play(
                discord.PCMAudio(io.BytesIO(pcm)),
                after=after,
                application="voip",
                signal_type="voice",
            )
            error = await done
        except discord.ClientException:
            log.warning("voice playback refused on channel %s", self.channel_id, exc_info=True)
            return False
        if error is not None:
            log.warning("voice playback failed on channel %s: %s", self.channel_id, error)
            return False
        return not self._interrupted

    def _stop_playback(self) -> None:
        self._interrupted = True
        if self._vc.is_playing():
            self._vc.stop()
            # VoiceClient.stop() also throws away py-cord's recorder slot, where the receive
            # path keeps its stand-in; without it a member leaving raises in py-cord.
            guard_missing_reader(self._vc)


class _Leavable(Protocol):
    """Anything py-cord can disconnect from voice (VoiceClient, VoiceProtocol)."""

    async def disconnect(self, *, force: bool) -> None:
        """Leave the voice channel."""
        ...


async def _tell(listener: TroubleListener, kind: str, user_id: int) -> None:
    """Run one trouble listener, logging (not raising) its failure."""
    try:
        await listener(kind, user_id)
    except Exception:
        log.exception("voice trouble listener failed (%s, user %s)", kind, user_id)


def _empty(queue: asyncio.Queue[VoiceTurn]) -> None:
    while not queue.empty():
        queue.get_nowait()


def _guild_id_of(voice_client: Any) -> int:
    """Return the id of the voice client's guild (0 if it cannot tell)."""
    guild = getattr(voice_client.channel, "guild", None)
    return int(getattr(guild, "id", 0) or 0)


class DiscordVoiceConnector:
    """Join voice channels through py-cord and wrap each connection in a DiscordVoiceLink."""

    def __init__(
        self,
        client: discord.Client,
        *,
        stt: SpeechToText,
        tts: TextToSpeech,
        settings: VoiceSettings,
        keepalive_interval_s: float = KEEPALIVE_INTERVAL_S,
    ) -> None:
        self._client = client
        self._stt = stt
        self._tts = tts
        self._settings = settings
        self._keepalive_interval_s = keepalive_interval_s

    async def connect(
        self, guild_id: int, channel_id: int, language: Language = Language.EN
    ) -> VoiceLink:
        """Join the channel; raise CoachError with the reason when that is not possible."""
        guild = self._client.get_guild(guild_id)
        channel = guild.get_channel(channel_id) if guild is not None else None
        if guild is None or not isinstance(channel, discord.VoiceChannel | discord.StageChannel):
            raise CoachError(text("voice.errors.channel_gone", language))
        perms = channel.permissions_for(guild.me)
        if not (perms.connect and perms.speak):
            raise CoachError(
                text("voice.errors.connect_permissions", language, channel_id=channel.id)
            )
        stale = guild.voice_client
        if stale is not None:
            # The coach runs one session per server and has none here, so this connection
            # was left behind (a crash, a failed leave): drop it rather than refuse forever.
            log.warning("dropping a leftover voice connection in guild %s", guild_id)
            await _force_leave(stale)
        ensure_opus()
        refuse_debug_loop(language)
        try:
            # The guarded client is in place before the handshake: a member leaving while it
            # runs would otherwise crash py-cord's op 13 handler.
            voice_client: discord.VoiceClient = await asyncio.wait_for(
                channel.connect(
                    timeout=CONNECT_TIMEOUT_S,
                    reconnect=True,
                    # py-cord types cls with its deprecated top-level VoiceClient alias.
                    cls=GuardedVoiceClient,  # type: ignore[arg-type]
                ),
                CONNECT_TOTAL_S,
            )
        except Exception as exc:
            log.warning(
                "could not join voice channel %s in guild %s: %r", channel_id, guild_id, exc
            )
            # py-cord registers the voice client before the handshake and only removes it
            # again after a timeout; anything else would block every later join.
            if guild.voice_client is not None:
                await _force_leave(guild.voice_client)
            raise CoachError(_connect_failure(exc, language)) from exc
        try:
            link = DiscordVoiceLink(
                voice_client,
                stt=self._stt,
                tts=self._tts,
                settings=self._settings,
                keepalive_interval_s=self._keepalive_interval_s,
            )
            link.start()
        except BaseException:
            # Never stay in a channel nobody can stop a session in.
            await _force_leave(voice_client)
            raise
        if isinstance(channel, discord.StageChannel):
            await _take_the_stage(guild.me)
        log.info("joined voice channel %s in guild %s", channel_id, guild_id)
        return link


async def _take_the_stage(me: discord.Member) -> None:
    """Become a stage speaker (everyone joins a stage muted), or at least raise a hand."""
    if me.voice is None:
        return
    try:
        await me.edit(suppress=False)
    except discord.HTTPException as exc:
        # Without Mute Members a bot can't make itself a speaker; a moderator can accept.
        log.info("could not become a stage speaker (%s); requesting to speak", exc.status)
        try:
            await me.request_to_speak()
        except discord.HTTPException:
            log.warning("could not request to speak on the stage", exc_info=True)


async def _force_leave(voice_client: _Leavable) -> None:
    """Leave a voice connection, ignoring errors and not waiting long for Discord."""
    try:
        await asyncio.wait_for(voice_client.disconnect(force=True), DISCONNECT_TIMEOUT_S)
    except Exception:
        log.warning("could not drop a voice connection", exc_info=True)


def _connect_failure(exc: BaseException, language: Language) -> str:
    """Return what to tell the person when joining a voice channel failed."""
    if isinstance(exc, TimeoutError):
        return text("voice.errors.connect_timeout", language)
    if isinstance(exc, RuntimeError | discord.opus.OpusNotLoaded):
        # VoiceClient raises RuntimeError when PyNaCl or davey is missing.
        return text("voice.errors.library_missing", language)
    if isinstance(exc, discord.ClientException):
        return text("voice.errors.still_connected", language)
    return text("voice.errors.connect_failed", language)
