"""Per-SSRC jitter buffer: order by sequence, drop duplicates, conceal losses, fill pauses.

In-order packets are released at once; the buffer only waits (up to ``depth`` frames of time)
when a sequence number is missing, so the common case adds no latency. Positions come from RTP
timestamps (48 kHz clock), anchored at the arrival of the stream's first packet and re-anchored
after a pause longer than ``max_fill_ms``, which is also the cap on silence fill.
"""

from __future__ import annotations

import enum
import logging
from collections import deque
from dataclasses import dataclass
from typing import Final

log = logging.getLogger(__name__)

CLOCK_RATE: Final = 48_000
FRAME_SAMPLES_48K: Final = 960
FRAME_MS: Final = 20
# A sequence jump this large is a new stream (client restart), not loss or reordering.
_RESTART_JUMP: Final = 1000
_SEEN_WINDOW: Final = 128


class SlotKind(enum.Enum):
    """What the pipeline must produce for a released slot."""

    FRAME = "frame"
    LOST = "lost"
    SILENCE = "silence"


class PushResult(enum.Enum):
    """What the buffer did with a pushed packet."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    LATE = "late"


@dataclass(frozen=True, slots=True)
class Slot:
    """One released piece of a speaker's timeline.

    FRAME carries an Opus payload; LOST asks for one 20 ms concealment frame (``payload`` is
    then the next packet's payload when it can supply Opus in-band FEC, else None); SILENCE
    asks for ``duration_ms`` of zeros.
    """

    kind: SlotKind
    start_ms: int
    duration_ms: int
    payload: bytes | None = None
    sequence: int = -1


@dataclass(slots=True)
class _Held:
    timestamp: int
    payload: bytes
    arrival_ms: float


def _unwrap(value: int, reference: int, bits: int) -> int:
    """Return the extended value nearest ``reference`` whose low ``bits`` equal ``value``."""
    modulus = 1 << bits
    half = modulus >> 1
    delta = (value - reference) & (modulus - 1)
    if delta >= half:
        delta -= modulus
    return reference + delta


class JitterBuffer:
    """Reorder one SSRC's packets and release timeline slots in order.

    Memory is bounded: ``pop_ready`` never leaves more than ``depth`` packets held, and the
    duplicate-detection window is a fixed 128 sequence numbers.
    """

    def __init__(
        self,
        *,
        depth: int = 3,
        max_conceal_frames: int = 5,
        max_fill_ms: int = 1000,
    ) -> None:
        if depth < 0 or max_conceal_frames < 0 or max_fill_ms < 0:
            raise ValueError("depth, max_conceal_frames and max_fill_ms must be >= 0")
        self.depth = depth
        self.wait_ms = depth * FRAME_MS
        self.max_conceal_frames = max_conceal_frames
        self.max_fill_ms = max_fill_ms
        self._held: dict[int, _Held] = {}
        self._seen: deque[int] = deque(maxlen=_SEEN_WINDOW)
        self._seen_set: set[int] = set()
        self._last_seq: int | None = None  # extended, highest pushed
        self._last_ts: int | None = None  # extended, of the highest pushed
        self._next_seq: int | None = None  # extended, next to release
        self._prev_ts: int | None = None  # extended timestamp of the last released frame
        self._prev_end_ms = 0
        self._anchor_ts = 0
        self._anchor_ms = 0.0
        self.last_arrival_ms: float | None = None

    def __len__(self) -> int:
        """Return how many packets are held."""
        return len(self._held)

    def check(self, sequence: int) -> PushResult:
        """Classify a 16-bit sequence number without storing anything."""
        if self._last_seq is None:
            return PushResult.ACCEPTED
        ext = _unwrap(sequence, self._last_seq, 16)
        return self._classify(ext)

    def _classify(self, ext: int) -> PushResult:
        if ext in self._held or ext in self._seen_set:
            return PushResult.DUPLICATE
        if self._next_seq is not None and ext < self._next_seq:
            if self._next_seq - ext > _RESTART_JUMP:
                return PushResult.ACCEPTED  # a restarted stream, handled in push
            return PushResult.LATE
        return PushResult.ACCEPTED

    def push(self, sequence: int, timestamp: int, payload: bytes, now_ms: float) -> PushResult:
        """Store a packet (16-bit sequence, 32-bit timestamp) arriving at ``now_ms``.

        An empty ``payload`` (a padding-only packet) takes its place in the sequence so it is
        not concealed as a loss, and releases nothing.
        """
        if self._last_seq is None or self._last_ts is None:
            ext, ts = sequence, timestamp
        else:
            ext = _unwrap(sequence, self._last_seq, 16)
            if abs(ext - self._last_seq) > _RESTART_JUMP:
                return self._restart(sequence, timestamp, payload, now_ms)
            ts = _unwrap(timestamp, self._last_ts, 32)
        verdict = self._classify(ext)
        if verdict is not PushResult.ACCEPTED:
            return verdict
        if self._last_seq is None or ext > self._last_seq:
            self._last_seq, self._last_ts = ext, ts
        self._held[ext] = _Held(ts, payload, now_ms)
        self.last_arrival_ms = now_ms
        return PushResult.ACCEPTED

    def _restart(self, sequence: int, timestamp: int, payload: bytes, now_ms: float) -> PushResult:
        """Forget the old stream's numbering (its held packets are dropped) and start anew."""
        log.debug("RTP stream restarted at seq %d", sequence)
        end = self._prev_end_ms
        self._held.clear()
        self._seen.clear()
        self._seen_set.clear()
        self._last_seq = self._last_ts = self._next_seq = self._prev_ts = None
        self._prev_end_ms = end
        return self.push(sequence, timestamp, payload, now_ms)

    def pop_ready(self, now_ms: float) -> list[Slot]:
        """Release every slot that is in order or whose wait for a missing packet expired."""
        out: list[Slot] = []
        while self._held:
            head = min(self._held)
            expired = (
                len(self._held) > self.depth or now_ms - self._held[head].arrival_ms >= self.wait_ms
            )
            if self._next_seq is None:
                if not expired:
                    break
                self._next_seq = head
            if head != self._next_seq and not expired:
                break
            self._release(head, out)
        return out

    def drain(self) -> list[Slot]:
        """Release everything held, treating holes as lost (end of stream)."""
        out: list[Slot] = []
        while self._held:
            head = min(self._held)
            if self._next_seq is None:
                self._next_seq = head
            self._release(head, out)
        return out

    def _release(self, head: int, out: list[Slot]) -> None:
        """Emit the slots for the gap before ``head`` (if any) and its frame."""
        held = self._held.pop(head)
        assert self._next_seq is not None
        lost = head - self._next_seq
        self._next_seq = head + 1
        self._remember(head)
        if not held.payload:
            # A padding-only packet holds its sequence number but no audio: nothing is lost.
            return
        if self._prev_ts is None:
            self._anchor(held, self._prev_end_ms)
        else:
            gap_samples = held.timestamp - (self._prev_ts + FRAME_SAMPLES_48K)
            gap_ms = gap_samples * 1000 // CLOCK_RATE
            if gap_ms > self.max_fill_ms or gap_samples < -CLOCK_RATE:
                # A long pause (or a timestamp jump backwards): no fill, place by arrival.
                self._anchor(held, self._prev_end_ms)
            elif gap_ms >= FRAME_MS:
                self._fill(gap_ms, lost, held.payload, out)
        start = max(self._position(held.timestamp), self._prev_end_ms)
        out.append(Slot(SlotKind.FRAME, start, FRAME_MS, held.payload, head))
        self._prev_ts = held.timestamp
        self._prev_end_ms = start + FRAME_MS

    def _fill(self, gap_ms: int, lost: int, next_payload: bytes, out: list[Slot]) -> None:
        """Conceal up to ``max_conceal_frames`` lost packets, then fill the rest with silence."""
        frames = gap_ms // FRAME_MS
        conceal = min(lost, frames, self.max_conceal_frames)
        silence_ms = (frames - conceal) * FRAME_MS
        cursor = self._prev_end_ms
        if silence_ms:
            out.append(Slot(SlotKind.SILENCE, cursor, silence_ms))
            cursor += silence_ms
        for index in range(conceal):
            # Only the frame right before a received packet can be rebuilt from its FEC data.
            fec = next_payload if index == conceal - 1 else None
            out.append(Slot(SlotKind.LOST, cursor, FRAME_MS, fec))
            cursor += FRAME_MS
        self._prev_end_ms = cursor

    def _anchor(self, held: _Held, not_before_ms: int) -> None:
        """Tie RTP time ``held.timestamp`` to its arrival (never before the last output)."""
        self._anchor_ts = held.timestamp
        self._anchor_ms = max(held.arrival_ms, float(not_before_ms))

    def _position(self, timestamp: int) -> int:
        """Return the timeline position (ms) of an extended RTP timestamp."""
        return round(self._anchor_ms + (timestamp - self._anchor_ts) * 1000 / CLOCK_RATE)

    def _remember(self, ext: int) -> None:
        """Record a released sequence number for duplicate detection (bounded window)."""
        if len(self._seen) == self._seen.maxlen:
            self._seen_set.discard(self._seen[0])
        self._seen.append(ext)
        self._seen_set.add(ext)
