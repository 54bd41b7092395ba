"""Stand-ins for py-cord's voice objects and the speech services, shared by voice tests."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import discord

from bot.config import VoiceSettings
from bot.speech.stt import Transcript
from bot.voice.transport import XCHACHA20

from .packets import TEST_KEY, FakeDaveSession

log = logging.getLogger(__name__)

ALICE, BOB = 111, 222


class FakeConnectionState:
    """The parts of VoiceConnectionState the receiver reads."""

    def __init__(self) -> None:
        self.mode: str = XCHACHA20
        self.secret_key: list[int] = list(TEST_KEY)
        self.dave_session: FakeDaveSession | None = None
        self.dave_protocol_version = 0
        self.listeners: list[Callable[[bytes], Any]] = []
        self._ssrcs: dict[int, int] = {ALICE: 11, BOB: 22}

    @property
    def user_ssrc_map(self) -> dict[int, int]:
        return self._ssrcs

    def add_socket_listener(self, callback: Callable[[bytes], Any]) -> None:
        self.listeners.append(callback)

    def remove_socket_listener(self, callback: Callable[[bytes], Any]) -> None:
        if callback in self.listeners:
            self.listeners.remove(callback)

    def send_from_reader_thread(self, packets: list[bytes]) -> None:
        """Deliver datagrams from another thread, as py-cord's socket reader does."""

        def run() -> None:
            for packet in packets:
                for callback in list(self.listeners):
                    callback(packet)

        thread = threading.Thread(target=run, name="fake-socket-reader")
        thread.start()
        thread.join()


class FakeClock:
    """A monotonic clock the test moves by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


class FakeVoiceClient:
    """py-cord's VoiceClient surface the link uses: connection state, channel, playback."""

    def __init__(
        self, state: FakeConnectionState, members: list[Any], *, channel: Any = None
    ) -> None:
        self._connection = state
        self.channel = channel if channel is not None else SimpleNamespace(id=555, members=members)
        self.user = SimpleNamespace(id=999)
        # py-cord's recorder slot: MISSING until the receive path puts its stand-in there.
        self._reader: Any = discord.utils.MISSING
        self.played: list[bytes] = []
        self.stopped = 0
        self.disconnected = 0
        self.playing = threading.Event()
        self._stop = threading.Event()
        self.hold = threading.Event()
        self.hold.set()

    def is_connected(self) -> bool:
        return not self.disconnected

    def is_playing(self) -> bool:
        return self.playing.is_set()

    def play(
        self, source: discord.AudioSource, *, after: Callable[[Exception | None], None], **_: Any
    ) -> None:
        self._stop.clear()
        self.playing.set()

        def run() -> None:
            data = b""
            while not self._stop.is_set():
                self.hold.wait(1.0)
                frame = source.read()
                if not frame:
                    break
                data += frame
            self.played.append(data)
            self.playing.clear()
            after(None)

        threading.Thread(target=run, name="fake-player").start()

    def stop(self) -> None:
        self.stopped += 1
        self._stop.set()
        self.hold.set()
        if self._reader is not discord.utils.MISSING:
            # Like py-cord 2.8.1: stop() also stops and drops the recorder.
            self._reader.stop()
            self._reader = discord.utils.MISSING

    async def disconnect(self, *, force: bool = False) -> None:
        self.disconnected += 1


class ScriptedSTT:
    """Recognition double: says how much audio it was given."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def transcribe(self, audio: Any, language: str | None = None) -> Transcript:
        self.seconds.append(len(audio) / 16_000)
        return Transcript(text="words", words=(), language=language or "en", duration_ms=0)


class SilentTTS:
    """Synthesis double returning a fixed 100 ms of 48 kHz stereo silence."""

    async def synthesize(self, text: str, language: str = "en") -> Any:
        return SimpleNamespace(pcm_48k_stereo=lambda: b"\x00" * 3840 * 5)


def member(user_id: int, *, bot: bool = False) -> Any:
    return SimpleNamespace(id=user_id, bot=bot)


SETTINGS = VoiceSettings(voice_end_silence_min_ms=500, voice_end_silence_max_ms=1000)


def send_paced(state: FakeConnectionState, clock: FakeClock, packets: list[bytes]) -> None:
    """Deliver packets from a reader thread, 20 ms of clock apart, as a live call would."""

    def run() -> None:
        for packet in packets:
            for callback in list(state.listeners):
                callback(packet)
            clock.advance(0.02)

    thread = threading.Thread(target=run, name="fake-socket-reader")
    thread.start()
    thread.join()
