"""The only module touching py-cord's voice internals: a raw UDP listener feeding the pipeline.

Threading: py-cord's socket reader invokes listeners for every datagram (2.8.1 schedules them
as tasks on the event loop from its reader thread; the brief's contract is "on the reader
thread"). Either way the listener here only stamps the arrival time, appends to a bounded
deque and wakes the loop with ``call_soon_threadsafe``; all pipeline state (jitter buffers,
decoders, counters) is touched on the event loop thread only, so no locks are needed and the
reader is never blocked. ``on_audio`` is therefore called on the event loop thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Final, TypedDict

import discord
import discord.opus

from bot.copy import text
from bot.errors import CoachError
from bot.voice.dave import DaveyLayer, DaveySessionLike
from bot.voice.pipeline import DecoderFactory, OpusDecoder, ReceivePipeline
from bot.voice.transport import UnsupportedMode
from bot.voice.types import AudioChunk, ReceiveStats

log = logging.getLogger(__name__)

TICK_INTERVAL_S: Final = 0.02
# About 20 s of five people talking: beyond this the loop is stalled and old audio is useless.
MAX_BACKLOG: Final = 5000


class VoiceReceiveUnavailable(CoachError):
    """Live listening cannot work here (no libopus, unsupported encryption)."""


class DiagnosticsFields(TypedDict):
    """The receiver's part of ``VoiceDiagnostics``."""

    encryption_mode: str
    dave_status: str
    dave_protocol_version: int | None


class _InertSpeakingTimer:
    """Answers py-cord's speaking-timer calls when its own recorder is not running."""

    def drop_ssrc(self, ssrc: int) -> None:
        """Do nothing: there is no py-cord recorder state to drop."""

    def get_speaking(self, ssrc: int) -> None:
        """Return no speaking state."""
        return None


class _InertReader:
    """Stands in for py-cord's missing ``AudioReader`` (falsy, like MISSING).

    py-cord 2.8.1's ``VoiceClient._remove_ssrc`` calls ``self._reader.speaking_timer`` without
    checking that a recorder exists, so a member leaving the channel raises AttributeError in
    the voice websocket hook whenever py-cord's own recording is unused, which is always here.
    """

    speaking_timer = _InertSpeakingTimer()

    def __bool__(self) -> bool:
        return False

    def stop(self) -> None:
        """Do nothing: nothing was started."""


def guard_missing_reader(voice_client: Any) -> None:
    """Install the inert reader if py-cord has none, so member disconnects don't raise."""
    if getattr(voice_client, "_reader", None) is discord.utils.MISSING:
        voice_client._reader = _InertReader()


def ensure_opus() -> None:
    """Load libopus (Debian's libopus0 via ctypes) or raise VoiceReceiveUnavailable."""
    if discord.opus.is_loaded() or discord.opus._load_default():
        return
    raise VoiceReceiveUnavailable(text("voice.errors.no_opus"))


def opus_decoder_factory() -> OpusDecoder:
    """Return a new py-cord (libopus) decoder: 48 kHz stereo."""
    ensure_opus()
    decoder: OpusDecoder = discord.opus.Decoder()
    return decoder


class VoiceReceiver:
    """Listen to one voice connection's UDP socket and emit AudioChunks of accepted users."""

    def __init__(
        self,
        voice_client: discord.VoiceClient | Any,
        *,
        accept_user: Callable[[int], bool],
        on_audio: Callable[[AudioChunk], None],
        decoder_factory: DecoderFactory = opus_decoder_factory,
        jitter_depth: int = 3,
        tick_interval_s: float = TICK_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._voice_client: Any = voice_client
        self._state: Any = voice_client._connection
        self._accept_user = accept_user
        self._on_audio = on_audio
        self._decoder_factory = decoder_factory
        self._jitter_depth = jitter_depth
        self._tick_interval_s = tick_interval_s
        self._clock = clock
        self._dave = DaveyLayer(self._dave_session, self._dave_version)
        self._pipeline: ReceivePipeline | None = None
        self._key_ref: object = None
        self._inbox: deque[tuple[float, bytes]] = deque()
        self._drain_scheduled = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tick_task: asyncio.Task[None] | None = None
        self._origin_ms = 0.0
        self._stats = ReceiveStats()
        self.backlog_dropped = 0
        self.running = False

    # --- connection-state reads -------------------------------------------------------------

    def _dave_session(self) -> DaveySessionLike | None:
        session: DaveySessionLike | None = getattr(self._state, "dave_session", None)
        return session

    def _dave_version(self) -> int | None:
        version = getattr(self._state, "dave_protocol_version", None)
        return version if isinstance(version, int) else None

    def _ssrc_user(self, ssrc: int) -> int | None:
        # user_ssrc_map is the live dict py-cord fills from SPEAKING events (user -> ssrc).
        for user_id, user_ssrc in self._state.user_ssrc_map.items():
            if user_ssrc == ssrc:
                return int(user_id)
        return None

    def _mode(self) -> str:
        mode = getattr(self._state, "mode", None)
        return mode if isinstance(mode, str) else "unknown"

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Register the socket listener and the tick task (call on the event loop)."""
        if self.running:
            return
        self._loop = asyncio.get_running_loop()
        self._origin_ms = self._clock() * 1000.0
        self._ensure_pipeline()
        guard_missing_reader(self._voice_client)
        self._state.add_socket_listener(self._on_datagram)
        self._tick_task = self._loop.create_task(self._ticker(), name="voice-receive-tick")
        self.running = True
        log.info("voice receive started (mode %s, DAVE %s)", self._mode(), self._dave.status)

    def stop(self) -> None:
        """Unregister, stop ticking and drop every buffer; safe to call twice."""
        if not self.running:
            return
        self.running = False
        with contextlib.suppress(Exception):
            self._state.remove_socket_listener(self._on_datagram)
        if self._tick_task is not None:
            self._tick_task.cancel()
            self._tick_task = None
        self._inbox.clear()
        if self._pipeline is not None:
            self._pipeline.forget_all()
        log.info("voice receive stopped")

    def flush(self) -> None:
        """Process queued datagrams and release everything buffered (end of a listening turn)."""
        self._drain()
        if self._pipeline is not None:
            self._pipeline.flush()

    def forget(self, user_id: int) -> None:
        """Drop the buffered audio of ``user_id`` (consent withdrawn, left the channel)."""
        if self._pipeline is not None:
            self._pipeline.forget(user_id)

    def now_ms(self) -> float:
        """Return the receiver's timeline now: milliseconds since ``start``."""
        return self._clock() * 1000.0 - self._origin_ms

    @property
    def stats(self) -> ReceiveStats:
        """Return the live counters."""
        return self._pipeline.stats if self._pipeline is not None else self._stats

    def diagnostics_fields(self) -> DiagnosticsFields:
        """Return mode, DAVE status and protocol version for VoiceDiagnostics."""
        return DiagnosticsFields(
            encryption_mode=self._mode(),
            dave_status=self._dave.status,
            dave_protocol_version=self._dave_version(),
        )

    # --- packet path ------------------------------------------------------------------------

    def _on_datagram(self, data: bytes) -> None:
        """Queue a datagram from the socket reader; cheap and thread-safe, never blocks."""
        if not self.running or self._loop is None:
            return
        if len(self._inbox) >= MAX_BACKLOG:
            self.backlog_dropped += 1
            return
        self._inbox.append((self._clock() * 1000.0, bytes(data)))
        if not self._drain_scheduled:
            self._drain_scheduled = True
            try:
                self._loop.call_soon_threadsafe(self._drain)
            except RuntimeError:  # loop closed during shutdown
                self._drain_scheduled = False

    def _ensure_pipeline(self) -> ReceivePipeline | None:
        """Build (or re-key) the pipeline from the connection's current mode and key."""
        key = getattr(self._state, "secret_key", None)
        if not isinstance(key, list | bytes | bytearray) or len(key) != 32:
            return None  # not connected yet (py-cord's MISSING) - packets wait for a key
        if self._pipeline is not None and key is self._key_ref:
            return self._pipeline
        mode = self._mode()
        try:
            if self._pipeline is None:
                self._pipeline = ReceivePipeline(
                    mode,
                    bytes(key),
                    ssrc_user=self._ssrc_user,
                    dave=self._dave,
                    accept_user=self._accept_user,
                    on_audio=self._on_audio,
                    decoder_factory=self._decoder_factory,
                    jitter_depth=self._jitter_depth,
                    origin_ms=self._origin_ms,
                )
                self._pipeline.stats = self._stats
            else:
                self._pipeline.rekey(mode, bytes(key))
        except UnsupportedMode as exc:
            raise VoiceReceiveUnavailable(text("voice.errors.unsupported_mode")) from exc
        self._key_ref = key
        return self._pipeline

    def _drain(self) -> None:
        """Feed every queued datagram to the pipeline (event loop thread)."""
        self._drain_scheduled = False
        if not self.running:
            self._inbox.clear()
            return
        try:
            pipeline = self._ensure_pipeline()
        except VoiceReceiveUnavailable:
            log.exception("voice receive cannot decrypt this connection")
            self._inbox.clear()
            return
        inbox = self._inbox
        while inbox:
            arrival_ms, data = inbox.popleft()
            if pipeline is None:
                self._stats.packets += 1
                self._stats.non_audio += 1
                continue
            pipeline.feed(data, arrival_ms)

    async def _ticker(self) -> None:
        """Release held frames periodically."""
        while True:
            await asyncio.sleep(self._tick_interval_s)
            self._drain()
            if self._pipeline is not None:
                self._pipeline.tick(self._clock() * 1000.0)
