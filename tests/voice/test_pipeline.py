"""The receive pipeline on real encrypted packets: order, loss, consent, DAVE, gaps, memory."""

from __future__ import annotations

import gc
import logging
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from bot.voice.capture import CaptureError, read_capture, replay_capture, write_capture
from bot.voice.dave import DaveyLayer
from bot.voice.pipeline import ReceivePipeline
from bot.voice.receive import opus_decoder_factory
from bot.voice.resample import Downsampler
from bot.voice.rtp import build_header
from bot.voice.transport import AES256_GCM, XCHACHA20
from bot.voice.types import AudioChunk

from .conftest import Collector
from .packets import (
    TEST_KEY,
    WRONG_KEY,
    FakeDaveSession,
    RecordingFactory,
    dave_frame,
    make_packet,
    make_stream,
    opus_frames,
    tone_pcm_48k,
)

log = logging.getLogger(__name__)

ALICE, BOB, CAROL = 111, 222, 333
_HEADER = '{"mode": "aead_xchacha20_poly1305_rtpsize", "secret_key": "' + TEST_KEY.hex() + '"}'
USERS = {11: ALICE, 22: BOB, 33: CAROL}


def _pipeline(
    on_audio: Callable[[AudioChunk], None],
    *,
    factory: Callable[[], object] = opus_decoder_factory,
    accept: Callable[[int], bool] = lambda _u: True,
    dave: object = None,
    mode: str = XCHACHA20,
    depth: int = 3,
) -> ReceivePipeline:
    return ReceivePipeline(
        mode,
        TEST_KEY,
        ssrc_user=USERS.get,
        dave=dave,  # type: ignore[arg-type]
        accept_user=accept,
        on_audio=on_audio,
        decoder_factory=factory,  # type: ignore[arg-type]
        jitter_depth=depth,
        origin_ms=0.0,
    )


def _feed(pipeline: ReceivePipeline, packets: list[bytes], *, start_ms: float = 0.0) -> None:
    for i, packet in enumerate(packets):
        pipeline.feed(packet, start_ms + i * 20.0)


def _dominant_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / 16_000)[int(np.argmax(spectrum))])


@pytest.fixture(scope="module")
def tone_frames() -> list[bytes]:
    return opus_frames(tone_pcm_48k(440, 1000))


@pytest.mark.parametrize("mode", [XCHACHA20, AES256_GCM])
@pytest.mark.parametrize("ext_words", [None, 0, 1, 3])
def test_real_opus_tone_comes_out_at_16k_on_the_timeline(
    collector: Collector, tone_frames: list[bytes], mode: str, ext_words: int | None
) -> None:
    pipeline = _pipeline(collector, mode=mode)
    _feed(pipeline, make_stream(tone_frames, ssrc=11, mode=mode, ext_words=ext_words))
    pipeline.flush()
    chunks = collector.of(ALICE)
    assert len(chunks) == 50
    assert all(len(c.pcm) == 320 and c.pcm.dtype == np.float32 for c in chunks)
    assert [c.start_ms for c in chunks] == list(range(0, 1000, 20))
    assert not any(c.concealed for c in chunks)
    audio = collector.audio(ALICE)
    assert abs(_dominant_hz(audio[1600:]) - 440) < 10
    assert 0.2 < float(np.sqrt(np.mean(audio[1600:] ** 2))) < 0.5  # amplitude 0.5 sine: 0.35
    stats = pipeline.stats.for_user(ALICE)
    assert stats.decoded_frames == 50 and stats.packets == 50


def test_reordered_packets_are_decoded_in_sequence_order(collector: Collector) -> None:
    factory = RecordingFactory()
    pipeline = _pipeline(collector, factory=factory)
    frames = [b"frame-%02d" % i for i in range(8)]
    packets = make_stream(frames, ssrc=11)
    order = [0, 1, 3, 2, 5, 4, 6, 7]
    for n, i in enumerate(order):
        pipeline.feed(packets[i], n * 20.0)
    pipeline.flush()
    decoded = [data for data, _fec in factory.decoders[0].calls]
    assert decoded == frames
    assert pipeline.stats.for_user(ALICE).concealed_frames == 0


def test_loss_is_concealed_with_fec_and_counted(collector: Collector) -> None:
    factory = RecordingFactory()
    pipeline = _pipeline(collector, factory=factory)
    frames = [b"f%d" % i for i in range(10)]
    packets = make_stream(frames, ssrc=11)
    for i, packet in enumerate(packets):
        if i != 4:
            pipeline.feed(packet, i * 20.0)
    pipeline.flush()
    stats = pipeline.stats.for_user(ALICE)
    assert stats.concealed_frames == 1 and stats.decoded_frames == 9
    assert (b"f5", True) in factory.decoders[0].calls  # FEC decode from the next packet
    chunks = collector.of(ALICE)
    assert [c.start_ms for c in chunks] == list(range(0, 200, 20))
    assert [c.concealed for c in chunks].index(True) == 4


def test_duplicates_are_counted_and_decoded_once(collector: Collector) -> None:
    factory = RecordingFactory()
    pipeline = _pipeline(collector, factory=factory)
    packets = make_stream([b"a", b"b", b"c"], ssrc=11)
    for n, packet in enumerate([packets[0], packets[1], packets[1], packets[2], packets[0]]):
        pipeline.feed(packet, n * 20.0)
    pipeline.flush()
    assert pipeline.stats.for_user(ALICE).duplicates == 2
    assert [d for d, _ in factory.decoders[0].calls] == [b"a", b"b", b"c"]


def test_wrong_key_is_counted_and_the_stream_continues(collector: Collector) -> None:
    pipeline = _pipeline(collector, factory=RecordingFactory())
    good = make_stream([b"x"] * 6, ssrc=11)
    bad = make_packet(b"x", ssrc=11, seq=1002, ts=50_000 + 2 * 960, key=WRONG_KEY)
    for n, packet in enumerate([*good[:2], bad, *good[3:]]):
        pipeline.feed(packet, n * 20.0)
    pipeline.flush()
    stats = pipeline.stats.for_user(ALICE)
    assert stats.transport_failures == 1
    assert stats.decoded_frames == 5 and stats.concealed_frames == 1


def test_malformed_rtcp_and_unknown_ssrc_are_counted_never_raised(collector: Collector) -> None:
    pipeline = _pipeline(collector, factory=RecordingFactory())
    rtcp = bytes([0x81, 200]) + b"\x00\x06" + b"\x00" * 24
    short_payload = build_header(sequence=1, timestamp=1, ssrc=11, ext_words=1) + b"\x00" * 5
    stranger = make_packet(b"hi", ssrc=99, seq=1, ts=1)
    for n, packet in enumerate([b"", b"\x80", rtcp, short_payload, stranger, b"\x00" * 64]):
        pipeline.feed(packet, float(n))
    stats = pipeline.stats
    assert (stats.packets, stats.non_audio, stats.malformed) == (6, 1, 3)
    assert stats.early_buffered == 1 and stats.for_user(0).dropped_unknown_ssrc == 0
    pipeline.tick(600.0)  # nobody claimed SSRC 99 within the hold time
    assert stats.for_user(0).dropped_unknown_ssrc == 1 and pipeline.early_held == 0
    assert stats.for_user(ALICE).malformed == 1
    rng = np.random.default_rng(7)
    for n in range(300):  # fuzz: random bytes shaped like RTP must never raise
        junk = bytes([0x80 | int(rng.integers(0, 32)), 120]) + rng.bytes(int(rng.integers(0, 80)))
        pipeline.feed(junk, 10.0 + n)
    assert stats.packets == 306
    assert collector.chunks == []


def test_a_non_accepted_user_is_never_decrypted_or_decoded(collector: Collector) -> None:
    factory = RecordingFactory()
    session = FakeDaveSession(members={ALICE, BOB})
    pipeline = _pipeline(
        collector, factory=factory, accept=lambda u: u == ALICE, dave=DaveyLayer(lambda: session)
    )
    # Bob's packets use the wrong key: any decryption attempt would show as a transport failure.
    bob = make_stream([dave_frame(b"bob")] * 20, ssrc=22, key=WRONG_KEY)
    alice = make_stream([dave_frame(b"alice")] * 20, ssrc=11)
    for n, (a, b) in enumerate(zip(alice, bob, strict=True)):
        pipeline.feed(b, n * 20.0)
        pipeline.feed(a, n * 20.0)
    pipeline.tick(1000.0)
    pipeline.flush()
    bob_stats = pipeline.stats.for_user(BOB)
    assert bob_stats.dropped_no_consent == 20
    assert bob_stats.transport_failures == 0 and bob_stats.decoded_frames == 0
    assert BOB not in session.decrypt_calls and BOB not in session.passthrough_calls
    assert len(factory.decoders) == 1  # Alice's only
    assert {c.user_id for c in collector.chunks} == {ALICE}
    assert pipeline.stats.for_user(ALICE).decoded_frames == 20


def test_dave_marker_decrypts_with_that_user(collector: Collector) -> None:
    factory = RecordingFactory()
    session = FakeDaveSession(members={ALICE})
    pipeline = _pipeline(collector, factory=factory, dave=DaveyLayer(lambda: session))
    _feed(pipeline, make_stream([dave_frame(b"opus-%d" % i) for i in range(5)], ssrc=11))
    pipeline.flush()
    assert session.decrypt_calls == [ALICE] * 5
    assert [d for d, _ in factory.decoders[0].calls] == [b"opus-%d" % i for i in range(5)]


def test_unmarked_frames_pass_only_when_the_session_allows(collector: Collector) -> None:
    factory = RecordingFactory()
    session = FakeDaveSession(passthrough={ALICE})
    pipeline = _pipeline(collector, factory=factory, dave=DaveyLayer(lambda: session))
    _feed(pipeline, make_stream([b"plain-a"] * 5, ssrc=11))
    _feed(pipeline, make_stream([b"plain-b"] * 5, ssrc=22))
    pipeline.flush()
    assert pipeline.stats.for_user(ALICE).dave_passthrough == 5
    assert pipeline.stats.for_user(ALICE).decoded_frames == 5
    assert pipeline.stats.for_user(BOB).dave_failures == 5
    assert pipeline.stats.for_user(BOB).decoded_frames == 0
    assert session.decrypt_calls == []
    assert {c.user_id for c in collector.chunks} == {ALICE}


def test_no_dave_session_passes_plain_frames_and_drops_marked_ones(collector: Collector) -> None:
    pipeline = _pipeline(collector, factory=RecordingFactory(), dave=None)
    _feed(pipeline, make_stream([b"plain"] * 3 + [dave_frame(b"e2e")], ssrc=11))
    pipeline.flush()
    stats = pipeline.stats.for_user(ALICE)
    assert stats.decoded_frames == 3 and stats.dave_failures == 1 and stats.dave_passthrough == 0


def test_dave_decrypt_errors_are_counted_not_raised(collector: Collector) -> None:
    session = FakeDaveSession(members={ALICE}, fail=True)
    pipeline = _pipeline(collector, factory=RecordingFactory(), dave=DaveyLayer(lambda: session))
    _feed(pipeline, make_stream([dave_frame(b"x")] * 4, ssrc=11))
    pipeline.flush()
    assert pipeline.stats.for_user(ALICE).dave_failures == 4
    assert collector.chunks == []


def test_two_speakers_at_once_each_get_only_their_own_audio(collector: Collector) -> None:
    pipeline = _pipeline(collector)
    alice = make_stream(opus_frames(tone_pcm_48k(440, 1000)), ssrc=11)
    bob = make_stream(opus_frames(tone_pcm_48k(1500, 1000)), ssrc=22, seq0=7, ts0=123)
    for n, (a, b) in enumerate(zip(alice, bob, strict=True)):
        pipeline.feed(a, n * 20.0)
        pipeline.feed(b, n * 20.0 + 3)
    pipeline.flush()
    assert abs(_dominant_hz(collector.audio(ALICE)[1600:]) - 440) < 10
    assert abs(_dominant_hz(collector.audio(BOB)[1600:]) - 1500) < 10
    bob_audio = collector.audio(BOB)[1600:]
    spectrum = np.abs(np.fft.rfft(bob_audio))
    freqs = np.fft.rfftfreq(len(bob_audio), 1 / 16_000)
    near_440 = spectrum[(freqs > 400) & (freqs < 480)].max()
    assert near_440 < spectrum.max() / 100  # none of Alice leaks into Bob


def test_a_200_ms_pause_appears_as_200_ms(collector: Collector, tone_frames: list[bytes]) -> None:
    pipeline = _pipeline(collector)
    first = make_stream(tone_frames[:10], ssrc=11, seq0=500, ts0=0)
    # Sequence continues, RTP time jumps by 200 ms: the speaker paused.
    second = make_stream(tone_frames[10:20], ssrc=11, seq0=510, ts0=(10 + 10) * 960)
    _feed(pipeline, first)
    _feed(pipeline, second, start_ms=260.0)  # arrival jitter must not matter
    pipeline.flush()
    chunks = collector.of(ALICE)
    starts = [c.start_ms for c in chunks]
    assert starts == list(range(0, 600, 20))
    silent = [c for c in chunks if c.concealed]
    assert [c.start_ms for c in silent] == list(range(200, 400, 20))
    assert all(not c.pcm.any() for c in silent)
    assert pipeline.stats.for_user(ALICE).silence_filled_frames == 10


def test_tick_releases_held_frames_and_forget_drops_them(collector: Collector) -> None:
    pipeline = _pipeline(collector, factory=RecordingFactory())
    packets = make_stream([b"a", b"b", b"c", b"d"], ssrc=11)
    pipeline.feed(packets[0], 0.0)
    pipeline.tick(100.0)
    pipeline.feed(packets[2], 120.0)  # b is missing: c waits
    assert len(collector.chunks) == 1
    pipeline.tick(130.0)
    assert len(collector.chunks) == 1
    pipeline.tick(190.0)
    assert len(collector.chunks) == 3  # concealed b, then c
    pipeline.feed(packets[3], 200.0)
    pipeline.forget(ALICE)
    assert pipeline.active_ssrcs == 0
    pipeline.flush()
    assert len(collector.chunks) == 4


def test_memory_stays_flat_over_an_hour_of_bursty_speech() -> None:
    count = 0

    def on_audio(chunk: AudioChunk) -> None:
        nonlocal count
        count += 1

    decoders: list[object] = []

    def factory() -> object:
        decoder = _NullDecoder()
        decoders.append(decoder)
        return decoder

    pipeline = _pipeline(on_audio, factory=factory)

    def run(start_s: int, end_s: int) -> None:
        # 1 s of speech every 20 s; sequence numbers wrap twice over the hour.
        for burst in range(start_s, end_s, 20):
            for i in range(50):
                seq = burst // 20 * 50 + i
                ts = (burst * 48_000 + i * 960) & 0xFFFFFFFF
                now = burst * 1000.0 + i * 20
                pipeline.feed(make_packet(b"\xfc" * 40, ssrc=11, seq=seq & 0xFFFF, ts=ts), now)
            pipeline.tick(burst * 1000.0 + 5000)

    run(0, 300)
    gc.collect()
    tracemalloc.start()
    try:
        run(300, 600)
        gc.collect()
        before, _ = tracemalloc.get_traced_memory()
        run(600, 3600)
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 9_000  # 19 s pauses exceed the fill cap: no silence is allocated
    assert pipeline.stats.for_user(ALICE).decoded_frames == 9_000
    assert len(decoders) == 1
    assert after - before < 64 * 1024


class _NullDecoder:
    """Return one preallocated silent frame (keeps the memory test about the pipeline)."""

    _PCM = b"\x00" * 3840

    def decode(self, data: bytes | None, *, fec: bool = True) -> bytes:
        return self._PCM


def test_resampler_is_continuous_across_frame_edges() -> None:
    pcm = tone_pcm_48k(440, 200) + tone_pcm_48k(2500, 200)
    whole = Downsampler().process(pcm)
    framed = Downsampler()
    pieces = np.concatenate([framed.process(pcm[i : i + 3840]) for i in range(0, len(pcm), 3840)])
    assert len(whole) == len(pcm) // 12  # stereo int16 at 48 kHz -> mono at 16 kHz
    np.testing.assert_allclose(pieces, whole, atol=1e-6)
    with pytest.raises(ValueError):
        framed.process(b"\x00" * 8)  # 2 stereo samples: not a multiple of 3


def test_resampler_removes_what_would_alias() -> None:
    # 10 kHz is above the 8 kHz output Nyquist: it would fold to 6 kHz without the low-pass.
    out = Downsampler().process(tone_pcm_48k(10_000, 400, amplitude=0.5))
    assert float(np.sqrt(np.mean(out[100:] ** 2))) < 0.01


def test_capture_round_trip_replays_through_the_pipeline(
    tmp_path: Path, tone_frames: list[bytes], collector: Collector
) -> None:
    packets = make_stream(tone_frames[:10], ssrc=11)
    path = write_capture(
        tmp_path / "call.jsonl",
        mode=XCHACHA20,
        secret_key=TEST_KEY,
        ssrc_users={11: ALICE},
        packets=[(i * 20.0, p) for i, p in enumerate(packets)],
    )
    capture = read_capture(path)
    assert capture.header.ssrc_users == {11: ALICE}
    assert capture.header.secret_key == TEST_KEY
    stats = replay_capture(capture, on_audio=collector, decoder_factory=opus_decoder_factory)
    assert stats.for_user(ALICE).decoded_frames == 10
    assert [c.start_ms for c in collector.of(ALICE)] == list(range(0, 200, 20))


@pytest.mark.parametrize(
    ("lines", "line_number", "reason"),
    [
        (["not json"], 1, "header is not JSON"),
        (['{"mode": "xsalsa20_poly1305", "secret_key": "00"}'], 1, "unsupported"),
        (['{"mode": "aead_xchacha20_poly1305_rtpsize", "secret_key": "zz"}'], 1, "64 hex"),
        ([_HEADER, '{"t": 0, "packet": "80"}', '{"t": 1, "packet": "xyz"}'], 3, "hex"),
        ([_HEADER, '{"t": -5, "packet": "80"}'], 2, "non-negative"),
        ([_HEADER, "", "[1, 2]"], 3, "object"),  # blank lines still count
    ],
)
def test_broken_captures_name_the_line(
    tmp_path: Path, lines: list[str], line_number: int, reason: str
) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CaptureError) as caught:
        list(read_capture(path).packets)
    assert caught.value.line == line_number
    assert reason in caught.value.reason
    assert f"line {line_number}" in caught.value.user_message
    assert TEST_KEY.hex() not in caught.value.user_message


def test_real_libopus_conceals_a_lost_packet_with_sound(
    collector: Collector, tone_frames: list[bytes]
) -> None:
    pipeline = _pipeline(collector)
    packets = make_stream(tone_frames, ssrc=11)
    for i, packet in enumerate(packets):
        if i not in (20, 30, 31):
            pipeline.feed(packet, i * 20.0)
    pipeline.flush()
    chunks = collector.of(ALICE)
    assert [c.start_ms for c in chunks] == list(range(0, 1000, 20))
    concealed = [c for c in chunks if c.concealed]
    assert [c.start_ms for c in concealed] == [400, 600, 620]
    assert pipeline.stats.for_user(ALICE).concealed_frames == 3
    for chunk in concealed:  # FEC / PLC continue the tone instead of dropping to silence
        assert float(np.sqrt(np.mean(chunk.pcm**2))) > 0.05  # silence would be 0
