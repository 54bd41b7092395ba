"""The production VoiceLink on a stand-in py-cord voice client: packets in, turns out, speech."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any
from unittest.mock import MagicMock

import discord
import pytest

from bot.config import VoiceSettings
from bot.errors import CoachError
from bot.speech.stt import Transcript, WhisperSTT
from bot.voice.discord_link import DiscordVoiceConnector, DiscordVoiceLink
from bot.voice.receive import VoiceReceiver

from .packets import make_stream, opus_frames, speech_pcm_48k, tone_pcm_48k
from .test_receive import ALICE, BOB, FakeConnectionState

ALICE_SSRC, BOB_SSRC = 11, 22


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

    def __init__(self, state: FakeConnectionState, members: list[Any]) -> None:
        self._connection = state
        self.channel = SimpleNamespace(id=555, members=members)
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


def make_link(stt: Any, clock: FakeClock) -> tuple[DiscordVoiceLink, FakeVoiceClient, Any]:
    state = FakeConnectionState()
    state._ssrcs = {ALICE: ALICE_SSRC, BOB: BOB_SSRC}
    vc = FakeVoiceClient(state, [member(ALICE), member(BOB), member(999, bot=True)])
    link = DiscordVoiceLink(
        vc,  # type: ignore[arg-type]
        stt=stt,
        tts=SilentTTS(),  # type: ignore[arg-type]
        settings=SETTINGS,
        receiver_factory=VoiceReceiver,
        clock=clock,
    )
    return link, vc, state


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


async def wait_for(condition: Callable[[], bool]) -> None:
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never became true")


@pytest.fixture(scope="module")
def answer_packets() -> tuple[list[bytes], list[bytes]]:
    speech = opus_frames(speech_pcm_48k("I led the migration to the new billing system."))
    tone = opus_frames(tone_pcm_48k(440, 1500))
    return make_stream(speech, ssrc=ALICE_SSRC), make_stream(tone, ssrc=BOB_SSRC)


async def test_whole_chain_hears_only_the_listened_person(
    whisper: WhisperSTT, answer_packets: tuple[list[bytes], list[bytes]]
) -> None:
    clock = FakeClock()
    link, _vc, state = make_link(whisper, clock)
    link.start()
    try:
        alice, bob = answer_packets
        send_paced(state, clock, bob)  # before anyone consented: dropped undecoded
        link.listen_to({ALICE})
        send_paced(state, clock, alice + bob)
        clock.advance(3.0)  # the speaker fell silent: no packets, only time passing
        turn = await link.next_turn(ALICE, timeout_s=30)
        assert turn is not None and turn.user_id == ALICE
        words = turn.text.lower()
        assert "migration" in words and "billing" in words
        stats = link.diagnostics().stats
        assert stats.users[BOB].dropped_no_consent == 2 * len(bob)
        assert stats.users[BOB].decoded_frames == 0
        assert link.diagnostics().listening_to == (ALICE,)
        assert link.member_ids() == {ALICE, BOB}
        assert await link.next_turn(BOB, timeout_s=0.05) is None
    finally:
        await link.close()


async def test_speech_plays_and_barge_in_stops_it(
    answer_packets: tuple[list[bytes], list[bytes]],
) -> None:
    clock = FakeClock()
    link, vc, state = make_link(ScriptedSTT(), clock)
    link.start()
    try:
        assert await link.speak("Tell me about a project you led.") is True
        assert vc.played and len(vc.played[0]) == 3840 * 5
        link.listen_to({ALICE})
        vc.hold.clear()  # the next sentence keeps playing until stopped
        speaking = asyncio.create_task(link.speak("What was the hardest part of it?"))
        await wait_for(vc.is_playing)
        send_paced(state, clock, answer_packets[0][:40])  # Alice talks over the bot
        assert await asyncio.wait_for(speaking, 10) is False
        assert vc.stopped >= 1
    finally:
        await link.close()


async def test_close_leaves_once_and_stops_listening() -> None:
    clock = FakeClock()
    link, vc, state = make_link(ScriptedSTT(), clock)
    link.start()
    link.listen_to({ALICE})
    await link.close()
    await link.close()
    assert vc.disconnected == 1
    assert state.listeners == []
    assert await link.speak("Anyone there?") is False
    assert link.diagnostics().listening_to == ()


async def test_connector_explains_missing_permissions_and_unknown_channels() -> None:
    perms = discord.Permissions(connect=True, speak=False)
    channel = MagicMock(spec=discord.VoiceChannel)
    channel.permissions_for.return_value = perms
    channel.mention = "<#7>"
    guild = SimpleNamespace(me=object(), voice_client=None, get_channel=lambda _i: channel)
    client = SimpleNamespace(get_guild=lambda _i: guild)
    connector = DiscordVoiceConnector(
        client,  # type: ignore[arg-type]
        stt=ScriptedSTT(),  # type: ignore[arg-type]
        tts=SilentTTS(),  # type: ignore[arg-type]
        settings=SETTINGS,
    )
    with pytest.raises(CoachError, match="Speak"):
        await connector.connect(1, 7)
    guild.get_channel = lambda _i: None
    with pytest.raises(CoachError, match="can't find"):
        await connector.connect(1, 7)
    channel.connect.assert_not_called()
