"""VoiceReceiver against a stand-in for py-cord's VoiceConnectionState (no network)."""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from collections.abc import Callable

import numpy as np
import pytest
from discord.voice.state import VoiceConnectionState

from bot.speech.stt import WhisperSTT
from bot.voice.receive import VoiceReceiver, opus_decoder_factory
from bot.voice.transport import XCHACHA20
from bot.voice.types import AudioChunk

from .conftest import Collector
from .doubles import ALICE, BOB, FakeConnectionState
from .packets import (
    WRONG_KEY,
    FakeDaveSession,
    RecordingFactory,
    dave_frame,
    make_stream,
    opus_frames,
    speech_pcm_48k,
)

log = logging.getLogger(__name__)

# Instance attributes py-cord sets in VoiceConnectionState.__init__ and methods/properties on
# the class; the stand-in below has exactly these, and a test checks they exist upstream.
INSTANCE_ATTRIBUTES = ("mode", "secret_key", "dave_session", "dave_protocol_version")
CLASS_ATTRIBUTES = ("add_socket_listener", "remove_socket_listener", "user_ssrc_map")


class FakeVoiceClient:
    def __init__(self, state: FakeConnectionState) -> None:
        self._connection = state


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never became true")


def test_the_stand_in_matches_py_cords_connection_state() -> None:
    init_source = inspect.getsource(VoiceConnectionState.__init__)
    for name in INSTANCE_ATTRIBUTES:
        assert f"self.{name}:" in init_source or f"self.{name} =" in init_source, name
        assert hasattr(FakeConnectionState(), name)
    for name in CLASS_ATTRIBUTES:
        assert hasattr(VoiceConnectionState, name), name
        assert hasattr(FakeConnectionState, name)


async def test_datagrams_from_the_reader_thread_reach_on_audio_on_the_loop() -> None:
    state = FakeConnectionState()
    threads: set[int] = set()
    chunks: list[AudioChunk] = []

    def on_audio(chunk: AudioChunk) -> None:
        threads.add(threading.get_ident())
        chunks.append(chunk)

    receiver = VoiceReceiver(
        FakeVoiceClient(state),
        accept_user=lambda _u: True,
        on_audio=on_audio,
        decoder_factory=RecordingFactory(),
    )
    receiver.start()
    assert state.listeners == [receiver._on_datagram]
    await asyncio.to_thread(state.send_from_reader_thread, make_stream([b"a"] * 10, ssrc=11))
    await _until(lambda: receiver.stats.packets == 10)
    receiver.flush()
    assert len(chunks) == 10
    assert threads == {threading.get_ident()}  # the event loop thread, not the reader
    receiver.stop()
    receiver.stop()  # idempotent
    assert state.listeners == []


async def test_tick_task_releases_frames_held_for_a_missing_packet() -> None:
    state = FakeConnectionState()
    collector = Collector()
    receiver = VoiceReceiver(
        FakeVoiceClient(state),
        accept_user=lambda _u: True,
        on_audio=collector,
        decoder_factory=RecordingFactory(),
        tick_interval_s=0.005,
    )
    receiver.start()
    packets = make_stream([b"a"] * 5, ssrc=11)
    state.send_from_reader_thread([packets[0], packets[2], packets[3]])  # 1 never arrives
    await _until(lambda: len(collector.chunks) == 4)  # no flush: the ticker did it
    assert receiver.stats.for_user(ALICE).concealed_frames == 1
    receiver.stop()


async def test_stop_drops_buffers_and_ignores_later_datagrams() -> None:
    state = FakeConnectionState()
    collector = Collector()
    receiver = VoiceReceiver(
        FakeVoiceClient(state),
        accept_user=lambda _u: True,
        on_audio=collector,
        decoder_factory=RecordingFactory(),
        tick_interval_s=10.0,
    )
    receiver.start()
    packets = make_stream([b"a"] * 5, ssrc=11)
    callback = state.listeners[0]
    state.send_from_reader_thread([packets[0]])
    await _until(lambda: receiver.stats.packets == 1)
    receiver.stop()
    callback(packets[1])  # a datagram racing the unregistration
    receiver.flush()
    assert collector.chunks == []
    assert receiver.stats.packets == 1


async def test_rekey_after_reconnect_and_diagnostics() -> None:
    state = FakeConnectionState()
    session = FakeDaveSession(members={ALICE})
    state.dave_session = session
    state.dave_protocol_version = 1
    collector = Collector()
    receiver = VoiceReceiver(
        FakeVoiceClient(state),
        accept_user=lambda _u: True,
        on_audio=collector,
        decoder_factory=RecordingFactory(),
    )
    receiver.start()
    assert receiver.diagnostics_fields() == {
        "encryption_mode": XCHACHA20,
        "dave_status": "active",
        "dave_protocol_version": 1,
    }
    state.send_from_reader_thread(make_stream([dave_frame(b"x")] * 3, ssrc=11))
    await _until(lambda: receiver.stats.packets == 3)
    state.secret_key = list(WRONG_KEY)  # the voice server handed out a new key
    later = make_stream([dave_frame(b"y")] * 3, ssrc=11, seq0=1003, ts0=50_000 + 3 * 960)
    state.send_from_reader_thread(later)  # still sealed with the old key: must now fail
    await _until(lambda: receiver.stats.packets == 6)
    receiver.flush()
    stats = receiver.stats.for_user(ALICE)
    assert stats.decoded_frames == 3 and stats.transport_failures == 3
    assert session.decrypt_calls == [ALICE] * 3
    receiver.stop()


async def test_packets_before_the_session_key_are_not_decrypted() -> None:
    state = FakeConnectionState()
    state.secret_key = None  # type: ignore[assignment]  # py-cord's MISSING before READY
    receiver = VoiceReceiver(
        FakeVoiceClient(state),
        accept_user=lambda _u: True,
        on_audio=Collector(),
        decoder_factory=RecordingFactory(),
    )
    receiver.start()
    state.send_from_reader_thread(make_stream([b"a"] * 2, ssrc=11))
    await _until(lambda: receiver.stats.packets == 2)
    assert receiver.stats.for_user(ALICE).decoded_frames == 0
    receiver.stop()


def _words(text: str) -> set[str]:
    return {w.strip(".,!?").lower() for w in text.split()}


async def test_two_people_talking_at_once_are_transcribed_apart(whisper: WhisperSTT) -> None:
    state = FakeConnectionState()
    collector = Collector()
    receiver = VoiceReceiver(
        FakeVoiceClient(state),
        accept_user=lambda _u: True,
        on_audio=collector,
        decoder_factory=opus_decoder_factory,
    )
    receiver.start()
    alice = make_stream(
        opus_frames(speech_pcm_48k("The database migration took three weeks.")), ssrc=11
    )
    bob = make_stream(
        opus_frames(speech_pcm_48k("Purple elephants enjoy swimming.", voice="en-us+m3")),
        ssrc=22,
        seq0=60_000,
        ts0=4_000_000_000,
    )
    interleaved: list[bytes] = []
    for i in range(max(len(alice), len(bob))):
        interleaved += [p[i] for p in (bob, alice) if i < len(p)]
    state.send_from_reader_thread(interleaved)
    await _until(lambda: receiver.stats.packets == len(interleaved))
    receiver.flush()
    receiver.stop()
    alice_text = (await whisper.transcribe(collector.audio(ALICE), "en")).text
    bob_text = (await whisper.transcribe(collector.audio(BOB), "en")).text
    assert {"migration", "three", "weeks"} <= _words(alice_text), alice_text
    bob_words = _words(bob_text)
    assert "purple" in bob_words and any(w.startswith("elephant") for w in bob_words), bob_text
    assert not any(w.startswith(("elephant", "purple")) for w in _words(alice_text))
    assert not {"database", "migration"} & _words(bob_text)
    assert float(np.abs(collector.audio(ALICE)).max()) > 0.05


@pytest.mark.parametrize("accepted", [set(), {BOB}])
async def test_consent_is_checked_per_user(accepted: set[int]) -> None:
    state = FakeConnectionState()
    factory = RecordingFactory()
    receiver = VoiceReceiver(
        FakeVoiceClient(state),
        accept_user=accepted.__contains__,
        on_audio=Collector(),
        decoder_factory=factory,
    )
    receiver.start()
    state.send_from_reader_thread(make_stream([b"a"] * 4, ssrc=11))
    await _until(lambda: receiver.stats.packets == 4)
    receiver.flush()
    assert receiver.stats.for_user(ALICE).dropped_no_consent == 4
    assert factory.decoders == []
    receiver.stop()


async def test_a_member_leaving_does_not_crash_py_cords_ssrc_bookkeeping() -> None:
    from discord.utils import MISSING
    from discord.voice.client import VoiceClient

    state = FakeConnectionState()
    client = FakeVoiceClient(state)
    client._reader = MISSING  # type: ignore[attr-defined]  # py-cord's value without recording
    client._id_to_ssrc = {ALICE: 11}  # type: ignore[attr-defined]
    client._ssrc_to_id = {11: ALICE}  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):  # the upstream bug the receiver works around
        VoiceClient._remove_ssrc(client, user_id=ALICE)  # type: ignore[arg-type]
    receiver = VoiceReceiver(client, accept_user=lambda _u: True, on_audio=Collector())
    receiver.start()
    client._id_to_ssrc = {ALICE: 11}  # type: ignore[attr-defined]
    client._ssrc_to_id = {11: ALICE}  # type: ignore[attr-defined]
    VoiceClient._remove_ssrc(client, user_id=ALICE)  # type: ignore[arg-type]
    assert client._ssrc_to_id == {}  # type: ignore[attr-defined]
    assert client._id_to_ssrc == {}  # type: ignore[attr-defined]
    assert not client._reader  # type: ignore[attr-defined]  # py-cord still sees "no recorder"
    receiver.stop()
