"""The only module touching py-cord's voice internals: a raw UDP listener feeding the pipeline.

Threading: py-cord's socket reader invokes listeners for every datagram (2.8.1 schedules them
as tasks on the event loop from its reader thread; the brief's contract is "on the reader
thread"). Either way the listener here only stamps the arrival time, appends to a bounded
deque and wakes the loop with ``call_soon_threadsafe``; all pipeline state (jitter buffers,
decoders, counters) is touched on the event loop thread only, so no locks are needed and the
reader is never blocked. ``on_audio`` is therefore called on the event loop thread.

What a live call needs beyond decoding (checked against py-cord 2.8.1, davey 0.1.7, the DAVE
protocol text and @discordjs/voice; README.md "Live voice"): ``GuardedVoiceClient`` (passed to
``connect(cls=...)``) has the stand-in for py-cord's missing recorder from construction on, so
a member leaving during the handshake cannot crash py-cord's op 13 handler, tells the receiver
when SPEAKING (op 5) maps a new SSRC, and closes sockets so that py-cord's reader thread
follows a reconnect; ``UdpKeepalive`` sends the 8-byte keepalive every 5 s that Discord needs
to keep sending voice; a run of DAVE decrypt failures re-initialises the DAVE session through
py-cord's own recovery path (op 31 + a new key package), and the receiver says so through
``on_trouble``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import select
import socket
import struct
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Final, TypedDict

import discord
import discord.opus
from discord.voice import VoiceClient as PycordVoiceClient
from discord.voice.state import SocketEventReader, VoiceConnectionState

from bot.catalog import Language
from bot.copy import text
from bot.errors import CoachError
from bot.voice.dave import DaveyLayer, DaveySessionLike
from bot.voice.pipeline import DAVE_FAILURE_RUN, DecoderFactory, OpusDecoder, ReceivePipeline
from bot.voice.transport import UnsupportedMode
from bot.voice.types import AudioChunk, ReceiveStats

log = logging.getLogger(__name__)

TICK_INTERVAL_S: Final = 0.02
# About 20 s of five people talking: beyond this the loop is stalled and old audio is useless.
MAX_BACKLOG: Final = 5000
# @discordjs/voice sends its UDP keepalive every 5 s from the moment the socket is ready.
KEEPALIVE_INTERVAL_S: Final = 5.0
_KEEPALIVE_WRAP: Final = 2**32
# A DAVE recovery needs a round trip with the voice server; another one sooner than this
# would only restart the one in flight.
DAVE_RECOVERY_GAP_S: Final = 10.0
# How long py-cord's socket reader waits before looking at the connection's socket again.
READER_SELECT_S: Final = 1.0
# Voice gateway opcodes the guarded client listens for (SPEAKING, DAVE transitions).
_OP_SPEAKING: Final = 5
_OP_DAVE_PREPARE_TRANSITION: Final = 21
_OP_DAVE_EXECUTE_TRANSITION: Final = 22

TroubleCallback = Callable[[str, int], None]
"""Called with ("dave_recovered" | "dave_unrecoverable", user id) on the event loop."""


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


class _WakingSocket(socket.socket):
    """A UDP socket whose close() first wakes a thread blocked in select() on it.

    py-cord's socket reader waits in ``select`` (30 s timeout) on the connection's socket; a
    reconnect closes that socket and makes a new one, and a select on a closed descriptor
    never wakes, so the reader missed the new socket's IP discovery reply and the reconnect
    timed out, deaf for good (seen on the loopback voice server). ``shutdown`` wakes it.
    """

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.shutdown(socket.SHUT_RDWR)
        super().close()


class _FollowingReader(SocketEventReader):
    """py-cord's socket reader, but it looks at the connection's socket again every second.

    py-cord's reader selects on ``state.socket`` with a 30 s timeout; when a reconnect swaps
    the socket while it waits (the old descriptor number can even be reused), it can miss the
    new socket for up to 30 s, longer than the handshake waits for IP discovery. Same loop,
    a short timeout.
    """

    def _do_run(self) -> None:
        while not self._end.is_set():
            if not self._running.is_set():
                self._running.wait()
                continue
            sock = self.state.socket
            try:
                readable, _, _ = select.select([sock], [], [], READER_SELECT_S)
            except (ValueError, TypeError, OSError):
                time.sleep(0.01)  # closed mid-swap; the new socket comes with resume()
                continue
            if not readable or sock is not self.state.socket:
                continue
            try:
                data = sock.recv(self.buffer_size)
            except OSError:
                continue
            for callback in list(self._callbacks):
                try:
                    task = asyncio.ensure_future(
                        self.state.loop.create_task(
                            discord.utils.maybe_coroutine(callback, data)  # type: ignore[no-untyped-call]
                        ),
                        loop=self.state.loop,
                    )
                    self.state._dispatch_task_set.add(task)
                    task.add_done_callback(self.state._dispatch_task_set.discard)
                except Exception:
                    log.exception("socket listener %s failed", callback)


class _GuardedConnectionState(VoiceConnectionState):
    """py-cord's connection state with sockets that wake the reader when they close."""

    def __init__(self, client: Any, *, hook: Any = None) -> None:
        super().__init__(client, hook=hook)
        # Replace py-cord's reader (started paused, nothing registered yet) with one that
        # follows socket swaps.
        self._socket_reader.stop()
        self._socket_reader = _FollowingReader(self)
        self._socket_reader.start()

    def _create_socket(self) -> None:
        self.socket = _WakingSocket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.setblocking(False)
        self._socket_reader.resume()


class GuardedVoiceClient(PycordVoiceClient):
    """py-cord's VoiceClient, safe without its recorder from the first byte of the handshake.

    Pass it as ``channel.connect(cls=GuardedVoiceClient)``: the recorder slot is never empty
    (py-cord's op 13 handler dereferences it), and SPEAKING events and DAVE transition ids are
    passed on to whoever listens (the receiver replays packets that beat op 5).
    """

    def __init__(self, client: discord.Client, channel: Any) -> None:
        self._guarded_reader: Any = _InertReader()
        self.speaking_listeners: list[Callable[[int, int], None]] = []
        self.last_dave_transition: int | None = None
        super().__init__(client, channel)

    @property
    def _reader(self) -> Any:
        return self._guarded_reader

    @_reader.setter
    def _reader(self, value: Any) -> None:
        # py-cord resets the slot to MISSING in __init__ and in stop(): keep a stand-in there.
        self._guarded_reader = _InertReader() if value is discord.utils.MISSING else value

    def create_connection_state(self) -> VoiceConnectionState:
        """Return py-cord's connection state with reader-waking sockets."""
        return _GuardedConnectionState(self, hook=self._recv_hook)

    async def _recv_hook(self, ws: Any, msg: dict[str, Any]) -> None:
        await super()._recv_hook(ws, msg)
        op = msg.get("op")
        data = msg.get("d") or {}
        if op in (_OP_DAVE_PREPARE_TRANSITION, _OP_DAVE_EXECUTE_TRANSITION):
            transition = data.get("transition_id")
            if isinstance(transition, int):
                self.last_dave_transition = transition
        elif op == _OP_SPEAKING and "user_id" in data and "ssrc" in data:
            for listener in list(self.speaking_listeners):
                try:
                    listener(int(data["user_id"]), int(data["ssrc"]))
                except Exception:
                    log.exception("speaking listener failed")


def refuse_debug_loop(language: Language = Language.EN) -> None:
    """Raise VoiceReceiveUnavailable under asyncio debug mode (py-cord's reader can't deliver)."""
    loop = asyncio.get_running_loop()
    if loop.get_debug():
        log.error(
            "refusing to listen to voice: asyncio debug mode is on, and py-cord's socket reader"
            " thread calls loop.create_task, which debug mode rejects (no packet would arrive);"
            " unset PYTHONASYNCIODEBUG / -X dev to use live voice"
        )
        raise VoiceReceiveUnavailable(text("voice.errors.debug_mode", language))


class UdpKeepalive:
    """Send an 8-byte little-endian counter on the voice socket every ``interval_s``.

    The socket is read from the connection state on every send, so a reconnect (which makes a
    new socket) is followed without restarting; send errors during a reconnect are ignored.
    """

    def __init__(
        self,
        state: Any,
        stats: Callable[[], ReceiveStats],
        *,
        interval_s: float = KEEPALIVE_INTERVAL_S,
    ) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be positive")
        self._state = state
        self._stats = stats
        self.interval_s = interval_s
        self.counter = 0
        self.failures = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """Tell whether the keepalive task is alive."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start sending (call on the event loop); the first keepalive goes out at once."""
        if self.running:
            return
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name="mb-voice-udp-keepalive"
        )

    def stop(self) -> None:
        """Stop sending; safe to call twice."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def send_one(self) -> bool:
        """Send one keepalive now; return False when the socket could not take it."""
        sock = getattr(self._state, "socket", None)
        if sock is None or sock is discord.utils.MISSING:
            return False
        packet = struct.pack("<I", self.counter) + bytes(4)
        try:
            sock.send(packet)
        except OSError:
            # Closed or not yet connected during a reconnect: the next tick tries again.
            self.failures += 1
            return False
        self.counter = (self.counter + 1) % _KEEPALIVE_WRAP
        self._stats().keepalives_sent += 1
        return True

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            self.send_one()
            next_at += self.interval_s
            # Keep the cadence even if the loop was busy: never send a burst to catch up.
            next_at = max(next_at, loop.time())
            await asyncio.sleep(next_at - loop.time())


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
        keepalive_interval_s: float = KEEPALIVE_INTERVAL_S,
        on_trouble: TroubleCallback | None = None,
        dave_recovery_gap_s: float = DAVE_RECOVERY_GAP_S,
    ) -> None:
        self._voice_client: Any = voice_client
        self._state: Any = voice_client._connection
        self.on_trouble = on_trouble
        self._dave_recovery_gap_s = dave_recovery_gap_s
        self._last_recovery: float | None = None
        self._recovery_task: asyncio.Task[None] | None = None
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
        self.keepalive = UdpKeepalive(
            self._state, lambda: self._stats, interval_s=keepalive_interval_s
        )
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
        refuse_debug_loop()
        self._loop = asyncio.get_running_loop()
        self._origin_ms = self._clock() * 1000.0
        self._ensure_pipeline()
        guard_missing_reader(self._voice_client)
        listeners = getattr(self._voice_client, "speaking_listeners", None)
        if isinstance(listeners, list):
            listeners.append(self._on_speaking)
        self._state.add_socket_listener(self._on_datagram)
        self._tick_task = self._loop.create_task(self._ticker(), name="voice-receive-tick")
        self.keepalive.start()
        self.running = True
        log.info("voice receive started (mode %s, DAVE %s)", self._mode(), self._dave.status)

    def stop(self) -> None:
        """Unregister, stop ticking and drop every buffer; safe to call twice."""
        if not self.running:
            return
        self.running = False
        self.keepalive.stop()
        with contextlib.suppress(Exception):
            self._state.remove_socket_listener(self._on_datagram)
        listeners = getattr(self._voice_client, "speaking_listeners", None)
        if isinstance(listeners, list) and self._on_speaking in listeners:
            listeners.remove(self._on_speaking)
        if self._tick_task is not None:
            self._tick_task.cancel()
            self._tick_task = None
        if self._recovery_task is not None:
            self._recovery_task.cancel()
            self._recovery_task = None
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
        if not self.running or self._loop is None or not data:
            return  # an empty read is the old socket's shutdown during a reconnect
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
                    on_dave_stuck=self._dave_stuck,
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

    def _on_speaking(self, user_id: int, ssrc: int) -> None:
        """SPEAKING mapped an SSRC: feed the packets that arrived before it (event loop)."""
        del user_id, ssrc
        if self.running and self._pipeline is not None:
            self._drain()
            self._pipeline.resolve_early(self._clock() * 1000.0)

    # --- DAVE recovery ----------------------------------------------------------------------

    def _dave_stuck(self, user_id: int) -> None:
        """A consenting speaker's frames keep failing DAVE: re-initialise the session."""
        now = self._clock()
        recent = self._last_recovery is not None and (
            now - self._last_recovery < self._dave_recovery_gap_s
        )
        if recent or (self._recovery_task is not None and not self._recovery_task.done()):
            return
        self._last_recovery = now
        if self._loop is None:
            return
        self._recovery_task = self._loop.create_task(
            self._recover_dave(user_id), name="mb-voice-dave-recovery"
        )

    async def _recover_dave(self, user_id: int) -> None:
        """Run py-cord's DAVE recovery (op 31 + a fresh key package) and say so."""
        session = getattr(self._state, "dave_session", None)
        version = self._dave_version()
        ws = getattr(self._state, "ws", None)
        recoverable = (
            session is not None and bool(version) and ws not in (None, discord.utils.MISSING)
        )
        if recoverable:
            transition = getattr(self._voice_client, "last_dave_transition", None)
            pending = getattr(self._state, "dave_pending_transition", None)
            if isinstance(pending, dict) and isinstance(pending.get("transition_id"), int):
                transition = pending["transition_id"]
            try:
                await self._state.recover_dave_from_invalid_commit(transition or 0)
            except Exception:
                log.warning("DAVE recovery failed", exc_info=True)
                recoverable = False
        if recoverable:
            self._stats.dave_recoveries += 1
            log.warning(
                "re-initialised the DAVE session after %d failed frames in a row (user %s)",
                DAVE_FAILURE_RUN,
                user_id,
            )
        else:
            log.warning(
                "DAVE frames of user %s cannot be decrypted and no session to reset", user_id
            )
        if self.on_trouble is not None:
            try:
                self.on_trouble("dave_recovered" if recoverable else "dave_unrecoverable", user_id)
            except Exception:
                log.exception("voice trouble callback failed")

    async def _ticker(self) -> None:
        """Release held frames periodically."""
        while True:
            await asyncio.sleep(self._tick_interval_s)
            self._drain()
            if self._pipeline is not None:
                self._pipeline.tick(self._clock() * 1000.0)
