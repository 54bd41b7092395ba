"""The production VoiceLink on a stand-in py-cord voice client: packets in, turns out, speech."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any
from unittest.mock import MagicMock

import discord
import pytest

from bot.errors import CoachError
from bot.speech.stt import WhisperSTT
from bot.voice.discord_link import DiscordVoiceConnector, DiscordVoiceLink
from bot.voice.receive import VoiceReceiver

from .doubles import (
    ALICE,
    BOB,
    SETTINGS,
    FakeClock,
    FakeConnectionState,
    FakeVoiceClient,
    ScriptedSTT,
    SilentTTS,
    member,
    send_paced,
)
from .packets import make_stream, opus_frames, speech_pcm_48k, tone_pcm_48k

ALICE_SSRC, BOB_SSRC = 11, 22


def make_link(stt: Any, clock: FakeClock) -> tuple[DiscordVoiceLink, FakeVoiceClient, Any]:
    state = FakeConnectionState()
    state._ssrcs = {ALICE: ALICE_SSRC, BOB: BOB_SSRC}
    vc = FakeVoiceClient(state, [member(ALICE), member(BOB), member(999, bot=True)])
    link = DiscordVoiceLink(
        vc,  # type: ignore[arg-type]
        stt=stt,
        tts=SilentTTS(),
        settings=SETTINGS,
        receiver_factory=VoiceReceiver,
        clock=clock,
    )
    return link, vc, state


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
        stt=ScriptedSTT(),
        tts=SilentTTS(),
        settings=SETTINGS,
    )
    with pytest.raises(CoachError, match="Speak"):
        await connector.connect(1, 7)
    guild.get_channel = lambda _i: None
    with pytest.raises(CoachError, match="can't find"):
        await connector.connect(1, 7)
    channel.connect.assert_not_called()


class GatedTTS:
    """Synthesis double: records sentences; the ones in ``gated`` wait for ``gate``."""

    def __init__(self, gated: tuple[str, ...] = ()) -> None:
        self.sentences: list[tuple[str, str]] = []
        self.gated = gated
        self.gate = asyncio.Event()

    async def synthesize(self, text: str, language: str = "en") -> Any:
        self.sentences.append((text, language))
        if any(g in text for g in self.gated):
            await self.gate.wait()
        return SimpleNamespace(pcm_48k_stereo=lambda: b"\x00" * 3840 * 5)


def link_on(vc: FakeVoiceClient, stt: Any, tts: Any, clock: FakeClock) -> DiscordVoiceLink:
    return DiscordVoiceLink(
        vc,  # type: ignore[arg-type]
        stt=stt,
        tts=tts,
        settings=SETTINGS,
        receiver_factory=VoiceReceiver,
        clock=clock,
    )


async def test_answer_timeout_waits_for_someone_still_talking(
    answer_packets: tuple[list[bytes], list[bytes]],
) -> None:
    clock = FakeClock()
    stt = ScriptedSTT()
    link, _vc, state = make_link(stt, clock)
    link.start()
    try:
        link.listen_to({ALICE})
        send_paced(state, clock, answer_packets[0])  # speaking; the end silence has not passed
        waiting = asyncio.create_task(link.next_turn(ALICE, timeout_s=0.05))
        await asyncio.sleep(0.3)  # the answer time is up while Alice is mid-answer
        assert not waiting.done()
        clock.advance(3.0)  # now she falls silent
        turn = await asyncio.wait_for(waiting, 10)
        assert turn is not None and turn.user_id == ALICE and stt.seconds
        # Nobody talking: the time runs out as asked.
        assert await link.next_turn(ALICE, timeout_s=0.05) is None
    finally:
        await link.close()


async def test_poll_returns_a_waiting_turn_and_close_wakes_a_waiter(
    answer_packets: tuple[list[bytes], list[bytes]],
) -> None:
    clock = FakeClock()
    link, _vc, state = make_link(ScriptedSTT(), clock)
    link.start()
    try:
        link.listen_to({ALICE})
        assert await link.next_turn(ALICE, timeout_s=0) is None
        send_paced(state, clock, answer_packets[0])
        clock.advance(3.0)
        await wait_for(lambda: not link._queue(ALICE).empty())
        polled = await link.next_turn(ALICE, timeout_s=0)
        assert polled is not None and polled.user_id == ALICE
        waiting = asyncio.create_task(link.next_turn(ALICE, timeout_s=60))
        await asyncio.sleep(0.05)
    finally:
        await link.close()
    assert await asyncio.wait_for(waiting, 5) is None


async def test_a_turn_finished_before_speech_is_not_an_answer_to_it(
    answer_packets: tuple[list[bytes], list[bytes]],
) -> None:
    clock = FakeClock()
    link, _vc, state = make_link(ScriptedSTT(), clock)
    link.start()
    try:
        link.listen_to({ALICE})
        send_paced(state, clock, answer_packets[0])
        clock.advance(3.0)
        await wait_for(lambda: not link._queue(ALICE).empty())
        assert await link.speak("Next question: what did you learn?") is True
        assert await link.next_turn(ALICE, timeout_s=0.05) is None
    finally:
        await link.close()


async def test_barge_in_between_sentences_stops_the_rest_and_keeps_the_reader_guard(
    answer_packets: tuple[list[bytes], list[bytes]],
) -> None:
    clock = FakeClock()
    state = FakeConnectionState()
    state._ssrcs = {ALICE: ALICE_SSRC}
    vc = FakeVoiceClient(state, [member(ALICE)])
    tts = GatedTTS(gated=("hardest",))
    link = link_on(vc, ScriptedSTT(), tts, clock)
    link.start()
    assert vc._reader is not discord.utils.MISSING  # the receive path's stand-in
    try:
        link.listen_to({ALICE})
        speaking = asyncio.create_task(
            link.speak("Tell me about a project you led. What was the hardest part of it?", "ko")
        )
        await wait_for(lambda: len(vc.played) == 1 and len(tts.sentences) == 2)
        # Nothing plays now: the second sentence is still being synthesised.
        assert not vc.is_playing()
        send_paced(state, clock, answer_packets[0][:40])
        await asyncio.sleep(0.4)  # the barge-in check confirms it is talking, not a cough
        tts.gate.set()
        assert await asyncio.wait_for(speaking, 10) is False
        assert len(vc.played) == 1
        assert [lang for _, lang in tts.sentences] == ["ko", "ko"]
        # A stop while playing drops py-cord's recorder slot; the guard must come back.
        vc.hold.clear()
        speaking = asyncio.create_task(link.speak("One more thing to ask you."))
        await wait_for(vc.is_playing)
        link.stop_speaking()
        assert await asyncio.wait_for(speaking, 10) is False
        assert vc._reader is not discord.utils.MISSING
        vc._reader.speaking_timer.drop_ssrc(ALICE_SSRC)  # what py-cord calls on a leave
    finally:
        await link.close()


async def test_member_ids_leave_out_the_bot_itself_and_other_bots() -> None:
    guild_members = {1: member(1), 2: member(2), 3: member(3, bot=True), 999: member(999)}
    guild = SimpleNamespace(id=77, get_member=guild_members.get)
    # 4 is in the channel but not in the member cache (no members intent): still a human.
    states = {1: object(), 3: object(), 4: object(), 999: object()}
    channel = SimpleNamespace(id=555, guild=guild, voice_states=states, members=[])
    vc = FakeVoiceClient(FakeConnectionState(), [], channel=channel)
    link = link_on(vc, ScriptedSTT(), SilentTTS(), FakeClock())
    assert link.member_ids() == {1, 4}
    assert link.channel_id == 555


class FakeChannel:
    """A stand-in voice channel whose connect() does what the test says."""

    def __init__(self, guild: Any, outcome: Any) -> None:
        self.id = 7
        self.mention = "<#7>"
        self.guild = guild
        self.outcome = outcome
        self.connects = 0

    def permissions_for(self, _member: Any) -> discord.Permissions:
        return discord.Permissions(connect=True, speak=True)

    async def connect(self, **_options: Any) -> Any:
        self.connects += 1
        # py-cord registers the voice client before the handshake.
        self.guild.voice_client = LeftBehind(self.guild)
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return self.outcome


class LeftBehind:
    """A registered voice client: disconnecting it unregisters it."""

    def __init__(self, guild: Any) -> None:
        self.guild = guild
        self.disconnects = 0

    async def disconnect(self, *, force: bool) -> None:
        self.disconnects += 1
        self.guild.voice_client = None


def connector_for(outcome: Any) -> tuple[DiscordVoiceConnector, Any, FakeChannel]:
    guild = SimpleNamespace(me=object(), voice_client=None)
    channel = FakeChannel(guild, outcome)
    guild.get_channel = lambda _i: channel
    connector = DiscordVoiceConnector(
        SimpleNamespace(get_guild=lambda _i: guild),  # type: ignore[arg-type]
        stt=ScriptedSTT(),
        tts=SilentTTS(),
        settings=SETTINGS,
    )
    return connector, guild, channel


@pytest.fixture
def voice_channel_class(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord, "VoiceChannel", FakeChannel)


@pytest.mark.usefixtures("voice_channel_class")
@pytest.mark.parametrize(
    ("error", "told"),
    [
        (TimeoutError(), "didn't answer in time"),
        (RuntimeError("PyNaCl library needed"), "voice library is missing"),
        (discord.ClientException("Already connected"), "still connected"),
        (OSError("network unreachable"), "couldn't join the voice channel"),
    ],
)
async def test_connect_failures_are_explained_and_leave_nothing_behind(
    error: BaseException, told: str
) -> None:
    connector, guild, channel = connector_for(error)
    with pytest.raises(CoachError, match=told) as raised:
        await connector.connect(1, 7)
    assert "PyNaCl" not in raised.value.user_message
    assert guild.voice_client is None and channel.connects == 1


@pytest.mark.usefixtures("voice_channel_class")
async def test_a_leftover_connection_is_dropped_and_a_failed_start_leaves() -> None:
    state = FakeConnectionState()
    vc = FakeVoiceClient(state, [])
    vc.is_connected = lambda: True  # type: ignore[method-assign]
    connector, guild, channel = connector_for(vc)
    leftover = LeftBehind(guild)
    guild.voice_client = leftover
    state.mode = "xsalsa20_poly1305"  # a mode the receive path can't decrypt
    with pytest.raises(CoachError, match="encryption mode"):
        await connector.connect(1, 7)
    assert leftover.disconnects == 1 and channel.connects == 1
    assert vc.disconnected == 1


class StageMe:
    """The bot's own member on a stage: edit(suppress=False) may be refused."""

    def __init__(self, refuse: bool) -> None:
        self.voice = SimpleNamespace(channel=SimpleNamespace(id=7))
        self.refuse = refuse
        self.calls: list[str] = []

    async def edit(self, *, suppress: bool) -> None:
        self.calls.append(f"suppress={suppress}")
        if self.refuse:
            raise discord.HTTPException(SimpleNamespace(status=403, reason="Forbidden"), "no")

    async def request_to_speak(self) -> None:
        self.calls.append("request_to_speak")


@pytest.mark.parametrize(
    ("refuse", "calls"),
    [(False, ["suppress=False"]), (True, ["suppress=False", "request_to_speak"])],
)
async def test_on_a_stage_the_bot_becomes_a_speaker_or_asks_to(
    monkeypatch: pytest.MonkeyPatch, refuse: bool, calls: list[str]
) -> None:
    monkeypatch.setattr(discord, "VoiceChannel", type("NotAVoiceChannel", (), {}))
    monkeypatch.setattr(discord, "StageChannel", FakeChannel)
    state = FakeConnectionState()
    vc = FakeVoiceClient(state, [])
    connector, guild, _channel = connector_for(vc)
    guild.me = StageMe(refuse)
    link = await connector.connect(1, 7)
    try:
        assert guild.me.calls == calls
    finally:
        await link.close()


async def test_a_short_sound_does_not_cut_the_bot_off(
    answer_packets: tuple[list[bytes], list[bytes]],
) -> None:
    clock = FakeClock()
    link, vc, state = make_link(ScriptedSTT(), clock)
    link.start()
    try:
        link.listen_to({ALICE})
        vc.hold.clear()
        speaking = asyncio.create_task(link.speak("What was the hardest part of it?"))
        await wait_for(vc.is_playing)
        burst = answer_packets[0][:16]  # silence, then ~140 ms of voice: not an answer
        send_paced(state, clock, burst)
        await wait_for(lambda: link._turns.speech_ms(ALICE) > 0)  # the voice was heard
        await asyncio.sleep(0.5)  # past the barge-in check
        assert not speaking.done() and vc.stopped == 0
        vc.hold.set()
        assert await asyncio.wait_for(speaking, 10) is True
    finally:
        await link.close()
