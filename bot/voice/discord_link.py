"""The production VoiceLink: py-cord's voice connection + our receive path, turns and speech."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import time
from collections.abc import Callable
from typing import Any

import discord

from bot.config import VoiceSettings
from bot.errors import CoachError
from bot.speech.stt import SpeechToText
from bot.speech.tts import TextToSpeech
from bot.voice.incremental import SttPool
from bot.voice.playback import SentenceSpeaker
from bot.voice.receive import VoiceReceiver, ensure_opus
from bot.voice.turns import TurnPolicy, TurnTaker
from bot.voice.types import AudioChunk, VoiceDiagnostics, VoiceLink, VoiceTurn
from bot.voice.vad import VadSettings

log = logging.getLogger(__name__)

TICK_S = 0.1
CONNECT_TIMEOUT_S = 20.0
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
    ) -> None:
        self._vc = voice_client
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
        )
        self._speaker = SentenceSpeaker(tts, self._play_pcm, self._stop_playback)
        self._playing = False
        self._interrupted = False
        self._ticker: asyncio.Task[None] | None = None
        self._closed = False

    def start(self) -> None:
        """Start receiving and the end-of-turn clock (on the event loop)."""
        self._receiver.start()
        self._ticker = asyncio.get_running_loop().create_task(
            self._tick_loop(), name="mb-voice-link-tick"
        )

    @property
    def channel_id(self) -> int:
        """Return the voice channel's id."""
        return int(self._vc.channel.id)

    async def speak(self, text: str, language: str = "en") -> bool:
        """Say ``text``; anything said before it started is not an answer to it."""
        if self._closed:
            return False
        self._turns.language = language
        for queue in self._queues.values():
            _empty(queue)
        return await self._speaker.speak(text, language)

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
        """Wait for the next finished turn of ``user_id``; None after ``timeout_s``."""
        queue = self._queue(user_id)
        try:
            return await asyncio.wait_for(queue.get(), timeout_s)
        except TimeoutError:
            return None

    def member_ids(self) -> set[int]:
        """Return the humans in the channel now."""
        channel: Any = self._vc.channel
        return {int(m.id) for m in getattr(channel, "members", ()) if not m.bot}

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
        await self._turns.close()
        for queue in self._queues.values():
            _empty(queue)
        with contextlib.suppress(discord.DiscordException, OSError):
            await self._vc.disconnect(force=True)
        log.info("left voice channel %s", self.channel_id)

    # --- callbacks from the receive path ------------------------------------------------------

    def _accepts(self, user_id: int) -> bool:
        return user_id in self._listening

    def _on_audio(self, chunk: AudioChunk) -> None:
        if chunk.user_id in self._listening:
            self._turns.push(chunk)

    def _on_speech_start(self, user_id: int) -> None:
        # Barge-in: the candidate talking over the bot means "I've heard enough".
        if self._playing and user_id in self._listening:
            log.debug("barge-in by %s on channel %s", user_id, self.channel_id)
            self._speaker.interrupt()

    async def _on_turn(self, turn: VoiceTurn) -> None:
        if turn.user_id not in self._listening:
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
        self._playing = True
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
        finally:
            self._playing = False
        if error is not None:
            log.warning("voice playback failed on channel %s: %s", self.channel_id, error)
            return False
        return not self._interrupted

    def _stop_playback(self) -> None:
        self._interrupted = True
        if self._vc.is_playing():
            self._vc.stop()


def _empty(queue: asyncio.Queue[VoiceTurn]) -> None:
    while not queue.empty():
        queue.get_nowait()


class DiscordVoiceConnector:
    """Join voice channels through py-cord and wrap each connection in a DiscordVoiceLink."""

    def __init__(
        self,
        client: discord.Client,
        *,
        stt: SpeechToText,
        tts: TextToSpeech,
        settings: VoiceSettings,
    ) -> None:
        self._client = client
        self._stt = stt
        self._tts = tts
        self._settings = settings

    async def connect(self, guild_id: int, channel_id: int) -> VoiceLink:
        """Join the channel; raise CoachError with the reason when that is not possible."""
        guild = self._client.get_guild(guild_id)
        channel = guild.get_channel(channel_id) if guild is not None else None
        if guild is None or not isinstance(channel, discord.VoiceChannel | discord.StageChannel):
            raise CoachError("I can't find that voice channel any more.")
        perms = channel.permissions_for(guild.me)
        if not (perms.connect and perms.speak):
            raise CoachError(
                f"I need the **Connect** and **Speak** permissions in {channel.mention}. "
                "Ask a server admin to grant them, then try again."
            )
        if guild.voice_client is not None:
            raise CoachError("I'm already in a voice channel in this server.")
        ensure_opus()
        try:
            voice_client: discord.VoiceClient = await channel.connect(
                timeout=CONNECT_TIMEOUT_S, reconnect=True
            )
        except (TimeoutError, discord.ClientException, OSError) as exc:
            log.warning(
                "could not join voice channel %s in guild %s: %s", channel_id, guild_id, exc
            )
            raise CoachError(
                "I couldn't join the voice channel (Discord didn't answer in time). "
                "Try again in a moment."
            ) from exc
        link = DiscordVoiceLink(voice_client, stt=self._stt, tts=self._tts, settings=self._settings)
        link.start()
        log.info("joined voice channel %s in guild %s", channel_id, guild_id)
        return link
