"""Jitter buffer: ordering, duplicates, lateness, concealment, silence fill and re-anchoring."""

from __future__ import annotations

import logging

from bot.voice.jitter import JitterBuffer, PushResult, Slot

log = logging.getLogger(__name__)


def _push(buf: JitterBuffer, seq: int, now: float, *, ts: int | None = None) -> PushResult:
    timestamp = (ts if ts is not None else seq * 960) & 0xFFFFFFFF
    return buf.push(seq & 0xFFFF, timestamp, b"%d" % seq, now)


def _kinds(slots: list[Slot]) -> list[str]:
    return [s.kind.value for s in slots]


def test_in_order_packets_are_released_at_once_after_the_first_wait() -> None:
    buf = JitterBuffer(depth=3)
    assert _push(buf, 100, 0.0) is PushResult.ACCEPTED
    assert buf.pop_ready(0.0) == []  # the very first packet waits in case an earlier one is late
    first = buf.pop_ready(60.0)
    assert [s.payload for s in first] == [b"100"]
    assert first[0].start_ms == 0
    _push(buf, 101, 80.0)
    released = buf.pop_ready(80.0)
    assert [(s.payload, s.start_ms) for s in released] == [(b"101", 20)]


def test_reordered_packets_come_out_in_order() -> None:
    buf = JitterBuffer(depth=3)
    out: list[Slot] = []
    for seq, now in [(1, 0.0), (2, 20.0), (4, 40.0), (3, 45.0), (5, 60.0), (6, 80.0)]:
        _push(buf, seq, now)
        out += buf.pop_ready(now)
    out += buf.drain()
    assert [s.payload for s in out] == [b"1", b"2", b"3", b"4", b"5", b"6"]
    assert [s.start_ms for s in out] == [0, 20, 40, 60, 80, 100]


def test_duplicates_and_late_packets_are_classified() -> None:
    buf = JitterBuffer(depth=1)
    for seq in (10, 11, 12):
        _push(buf, seq, seq * 20.0)
        buf.pop_ready(seq * 20.0 + 100)
    assert _push(buf, 12, 300.0) is PushResult.DUPLICATE
    assert buf.check(11) is PushResult.DUPLICATE
    _push(buf, 14, 320.0)
    assert _push(buf, 14, 321.0) is PushResult.DUPLICATE  # still held
    slots = buf.pop_ready(400.0)  # gives up on 13
    assert _kinds(slots) == ["lost", "frame"]
    assert _push(buf, 13, 401.0) is PushResult.LATE
    assert buf.check(13) is PushResult.LATE


def test_a_missing_packet_becomes_a_concealment_slot_with_fec_data() -> None:
    buf = JitterBuffer(depth=3)
    out: list[Slot] = []
    for seq in (1, 2, 4, 5, 6, 7):
        _push(buf, seq, seq * 20.0)
        out += buf.pop_ready(seq * 20.0)
    out += buf.drain()
    assert _kinds(out) == ["frame", "frame", "lost", "frame", "frame", "frame", "frame"]
    lost = out[2]
    assert lost.start_ms == 60 and lost.duration_ms == 20  # stream anchored at 20 ms
    assert lost.payload == b"4"  # the next packet, whose in-band FEC rebuilds the lost one


def test_a_long_loss_conceals_a_few_frames_then_fills_silence() -> None:
    buf = JitterBuffer(depth=0, max_conceal_frames=2)
    _push(buf, 1, 0.0)
    buf.pop_ready(0.0)
    _push(buf, 8, 140.0)  # 2..7 lost: 120 ms
    slots = buf.pop_ready(140.0)
    assert _kinds(slots) == ["silence", "lost", "lost", "frame"]
    assert slots[0].duration_ms == 80
    assert slots[-1].start_ms == 140


def test_a_pause_in_rtp_time_becomes_silence_of_the_same_length() -> None:
    buf = JitterBuffer(depth=0)
    _push(buf, 1, 0.0, ts=0)
    _push(buf, 2, 20.0, ts=960)
    out = buf.pop_ready(20.0)
    # Sequence stays consecutive across a talk pause; only the timestamp jumps (200 ms).
    _push(buf, 3, 500.0, ts=960 * 2 + 200 * 48)
    out += buf.pop_ready(500.0)
    assert _kinds(out) == ["frame", "frame", "silence", "frame"]
    assert out[2].start_ms == 40 and out[2].duration_ms == 200
    assert out[3].start_ms == 240  # placed by RTP time, not by the late arrival


def test_ten_minutes_of_silence_is_not_filled_and_re_anchors() -> None:
    buf = JitterBuffer(depth=0, max_fill_ms=1000)
    _push(buf, 1, 0.0, ts=0)
    buf.pop_ready(0.0)
    ten_minutes = 600_000
    _push(buf, 2, float(ten_minutes + 37), ts=960 + ten_minutes * 48)
    slots = buf.pop_ready(ten_minutes + 37.0)
    assert _kinds(slots) == ["frame"]
    assert slots[0].start_ms == ten_minutes + 37  # anchored at its arrival


def test_sequence_and_timestamp_wraparound() -> None:
    buf = JitterBuffer(depth=0)
    out: list[Slot] = []
    for i, seq in enumerate((65534, 65535, 0, 1)):
        buf.push(seq, (0xFFFFFFFF - 960 + i * 960) & 0xFFFFFFFF, b"%d" % seq, i * 20.0)
        out += buf.pop_ready(i * 20.0)
    assert _kinds(out) == ["frame"] * 4
    assert [s.start_ms for s in out] == [0, 20, 40, 60]


def test_a_restarted_stream_is_accepted() -> None:
    buf = JitterBuffer(depth=0)
    _push(buf, 100, 0.0)
    buf.pop_ready(0.0)
    assert _push(buf, 30_000, 5000.0) is PushResult.ACCEPTED
    slots = buf.pop_ready(5000.0)
    assert [s.payload for s in slots] == [b"30000"]
    assert slots[0].start_ms >= 20


def test_held_packets_stay_bounded_by_depth() -> None:
    buf = JitterBuffer(depth=3)
    _push(buf, 0, 0.0)
    for seq in range(2, 400):  # 1 never arrives; time does not advance
        _push(buf, seq, 0.0)
        buf.pop_ready(0.0)
        assert len(buf) <= 3
