"""The receive pipeline: UDP payload in, one speaker's 16 kHz audio chunks out.

Order per packet: parse RTP -> look up the SSRC's user -> consent check -> transport decrypt
-> duplicate/late check -> DAVE -> jitter buffer -> Opus decode -> 16 kHz mono. Nobody's
audio is decrypted or decoded before ``accept_user`` says yes. One AudioChunk is emitted per
RTP packet (20 ms, 320 samples from Discord clients) and per concealed or silent 20 ms frame.

What Discord really sends is handled as the DAVE protocol and @discordjs/voice do: the SFU's
Opus silence frame ``F8 FF FE`` passes DAVE untouched; a packet whose payload is empty once
its padding is removed is non-audio (it keeps its sequence number, so it is not concealed as a
loss); packets of an SSRC not yet mapped to a user (SPEAKING, op 5, races a speaker's first
packets) wait, still encrypted, in a small bounded buffer for ``early_hold_ms`` and are fed
once the map knows the SSRC. A run of ``dave_failure_run`` consecutive DAVE failures of one
speaker calls ``on_dave_stuck`` so the receiver can re-initialise the session.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol

import numpy as np

from bot.voice.dave import SILENCE_FRAME, DaveLayer, has_dave_marker
from bot.voice.jitter import FRAME_MS, JitterBuffer, PushResult, Slot, SlotKind
from bot.voice.resample import Downsampler
from bot.voice.rtp import KeepalivePacket, MalformedPacket, NonAudioPacket, RtpHeader, parse_rtp
from bot.voice.transport import TransportCipher, TransportError, TruncatedPayload
from bot.voice.types import FRAME_SAMPLES, AudioChunk, ReceiveStats, SpeakerCounters

log = logging.getLogger(__name__)

UNKNOWN_USER: Final = 0
# @discordjs/voice re-initialises its DAVE session after this many consecutive failures.
DAVE_FAILURE_RUN: Final = 36
# Packets of an unmapped SSRC are kept this long (op 5 usually follows within ~100 ms) ...
EARLY_HOLD_MS: Final = 500.0
# ... and at most this many per SSRC (25 = 500 ms of 20 ms packets) and SSRCs at once.
EARLY_MAX_PACKETS: Final = 25
EARLY_MAX_SSRCS: Final = 16
_SILENT_FRAME: Final = np.zeros(FRAME_SAMPLES, dtype=np.float32)
_SILENT_FRAME.flags.writeable = False


class OpusDecoder(Protocol):
    """An Opus decoder for one stream: 48 kHz stereo s16le out (py-cord's ``opus.Decoder``)."""

    def decode(self, data: bytes | None, *, fec: bool = ...) -> bytes:
        """Decode a packet; ``None`` (with ``fec=False``) asks for loss concealment.

        With ``fec=True`` and data, return the *previous* (lost) frame rebuilt from in-band FEC.
        """
        ...


DecoderFactory = Callable[[], OpusDecoder]


@dataclass(slots=True)
class _Stream:
    user_id: int
    jitter: JitterBuffer
    decoder: OpusDecoder
    resampler: Downsampler = field(default_factory=Downsampler)
    decoded_any: bool = False


class ReceivePipeline:
    """Turn Discord voice packets into per-speaker AudioChunks; never raises from ``feed``."""

    def __init__(
        self,
        mode: str,
        secret_key: bytes | Sequence[int],
        *,
        ssrc_user: Callable[[int], int | None],
        dave: DaveLayer | None,
        accept_user: Callable[[int], bool],
        on_audio: Callable[[AudioChunk], None],
        decoder_factory: DecoderFactory,
        jitter_depth: int = 3,
        max_conceal_frames: int = 5,
        max_fill_ms: int = 1000,
        idle_forget_ms: float = 300_000.0,
        origin_ms: float | None = None,
        on_dave_stuck: Callable[[int], None] | None = None,
        dave_failure_run: int = DAVE_FAILURE_RUN,
        early_hold_ms: float = EARLY_HOLD_MS,
    ) -> None:
        self._cipher = TransportCipher(mode, secret_key)
        self._ssrc_user = ssrc_user
        self.dave = dave
        self._accept_user = accept_user
        self._on_audio = on_audio
        self._decoder_factory = decoder_factory
        self._jitter_depth = jitter_depth
        self._max_conceal = max_conceal_frames
        self._max_fill_ms = max_fill_ms
        self._idle_forget_ms = idle_forget_ms
        self._origin = origin_ms
        self._streams: dict[int, _Stream] = {}
        self._on_dave_stuck = on_dave_stuck
        self._dave_failure_run = dave_failure_run
        self._dave_runs: dict[int, int] = {}
        self._early_hold_ms = early_hold_ms
        # SSRC -> (arrival on the pipeline timeline, still-encrypted packet), oldest first.
        self._early: dict[int, deque[tuple[float, bytes]]] = {}
        self.stats = ReceiveStats()

    @property
    def mode(self) -> str:
        """Return the transport encryption mode."""
        return self._cipher.mode

    @property
    def active_ssrcs(self) -> int:
        """Return how many SSRCs have buffered state now."""
        return len(self._streams)

    def rekey(self, mode: str, secret_key: bytes | Sequence[int]) -> None:
        """Switch to a new mode/key (after a voice reconnect); raise UnsupportedMode if unknown."""
        self._cipher = TransportCipher(mode, secret_key)

    def _elapsed(self, now_ms: float) -> float:
        """Return ``now_ms`` on the pipeline's timeline (ms since its origin)."""
        if self._origin is None:
            self._origin = now_ms
        return now_ms - self._origin

    def feed(self, packet: bytes, now_ms: float) -> None:
        """Process one UDP payload that arrived at ``now_ms``; count, never raise."""
        try:
            self._feed(packet, self._elapsed(now_ms))
        except Exception:  # a bug here must not kill the socket path; counters show the loss
            log.exception("voice packet processing failed")
            self.stats.malformed += 1

    def _feed(self, packet: bytes, now: float) -> None:
        stats = self.stats
        stats.packets += 1
        try:
            header = parse_rtp(packet)
        except KeepalivePacket:
            stats.non_audio += 1
            stats.keepalive_echoes += 1
            return
        except NonAudioPacket:
            stats.non_audio += 1
            return
        except MalformedPacket:
            stats.malformed += 1
            return
        user_id = self._ssrc_user(header.ssrc)
        if user_id is None:
            self._hold_early(header.ssrc, packet, now)
            return
        if header.ssrc in self._early:
            self._replay_early(header.ssrc, user_id)
        self._feed_known(packet, header, user_id, now)

    def _feed_known(self, packet: bytes, header: RtpHeader, user_id: int, now: float) -> None:
        """Process an audio packet whose SSRC belongs to ``user_id``."""
        counters = self.stats.for_user(user_id)
        counters.packets += 1
        counters.bytes += len(packet)
        # Consent comes first: nothing of a non-accepted user is decrypted or decoded.
        if not self._accept_user(user_id):
            counters.dropped_no_consent += 1
            if header.ssrc in self._streams:
                del self._streams[header.ssrc]
            return
        try:
            frame = self._cipher.decrypt(packet, header)
        except TruncatedPayload:
            counters.malformed += 1
            return
        except TransportError:
            counters.transport_failures += 1
            return
        stream = self._stream(header.ssrc, user_id)
        verdict = stream.jitter.check(header.sequence)
        if verdict is PushResult.ACCEPTED:
            if not frame:
                # Padding only: no audio for DAVE or the decoder, but its sequence number is
                # taken so the jitter buffer does not conceal it as a loss.
                counters.padding_only += 1
                self.stats.non_audio += 1
                opus: bytes | None = b""
            else:
                opus = self._end_to_end(user_id, frame, counters)
            if opus is None:
                return
            verdict = stream.jitter.push(header.sequence, header.timestamp, opus, now)
        if verdict is PushResult.DUPLICATE:
            counters.duplicates += 1
        elif verdict is PushResult.LATE:
            counters.late += 1
        self._emit(stream, header.ssrc, stream.jitter.pop_ready(now), counters)

    # --- packets that arrive before their SSRC is mapped ---------------------------------------

    def _hold_early(self, ssrc: int, packet: bytes, now: float) -> None:
        """Keep a packet of an unmapped SSRC for a moment (bounded); it stays encrypted."""
        self._expire_early(now)
        held = self._early.get(ssrc)
        if held is None:
            if len(self._early) >= EARLY_MAX_SSRCS:
                oldest = min(self._early, key=lambda key: self._early[key][0][0])
                self._drop_early(oldest)
            held = self._early[ssrc] = deque()
        if len(held) >= EARLY_MAX_PACKETS:
            held.popleft()
            self.stats.for_user(UNKNOWN_USER).dropped_unknown_ssrc += 1
        held.append((now, packet))
        self.stats.early_buffered += 1

    def _expire_early(self, now: float) -> None:
        """Drop held packets older than the hold time (counted as unknown-speaker drops)."""
        for ssrc in list(self._early):
            held = self._early[ssrc]
            while held and now - held[0][0] > self._early_hold_ms:
                held.popleft()
                self.stats.for_user(UNKNOWN_USER).dropped_unknown_ssrc += 1
            if not held:
                del self._early[ssrc]

    def _drop_early(self, ssrc: int) -> None:
        """Forget every held packet of one SSRC (counted)."""
        held = self._early.pop(ssrc, None)
        if held:
            self.stats.for_user(UNKNOWN_USER).dropped_unknown_ssrc += len(held)

    def _replay_early(self, ssrc: int, user_id: int) -> None:
        """Feed an SSRC's held packets, in arrival order, now that its user is known."""
        held = self._early.pop(ssrc, None)
        if not held:
            return
        self.stats.for_user(user_id).early_replayed += len(held)
        for arrival, packet in held:
            try:
                header = parse_rtp(packet)
            except Exception:  # parsed once already; cannot fail, but never raise from here
                continue
            self._feed_known(packet, header, user_id, arrival)

    def resolve_early(self, now_ms: float | None = None) -> None:
        """Feed held packets whose SSRC is now mapped; drop those held too long."""
        if not self._early:
            return
        for ssrc in list(self._early):
            user_id = self._ssrc_user(ssrc)
            if user_id is not None:
                self._replay_early(ssrc, user_id)
        if now_ms is not None:
            self._expire_early(self._elapsed(now_ms))

    @property
    def early_held(self) -> int:
        """Return how many packets wait for their SSRC's user now."""
        return sum(len(held) for held in self._early.values())

    # --- end-to-end encryption -----------------------------------------------------------------

    def _end_to_end(self, user_id: int, frame: bytes, counters: SpeakerCounters) -> bytes | None:
        """Return the Opus frame after DAVE, or None (counted) when it must be dropped."""
        if frame == SILENCE_FRAME:
            # The SFU synthesises it for muted sources; it is never end-to-end encrypted.
            counters.silence_frames += 1
            return frame
        if has_dave_marker(frame):
            if self.dave is None:
                self._dave_failed(user_id, counters)
                return None
            try:
                opus = self.dave.decrypt(user_id, frame)
            except Exception as exc:
                self._dave_failed(user_id, counters)
                log.debug("DAVE decrypt failed for a user: %s", exc)
                return None
            self._dave_runs.pop(user_id, None)
            return opus
        if self.dave is None:
            return frame
        if self.dave.protocol_version == 0:
            # Downgraded to no end-to-end encryption: anyone's plain frames are the norm now,
            # including those of people who joined after the downgrade.
            counters.dave_passthrough += 1
            return frame
        try:
            allowed = self.dave.can_passthrough(user_id)
        except Exception:
            log.debug("DAVE passthrough check failed", exc_info=True)
            allowed = False
        if allowed:
            counters.dave_passthrough += 1
            return frame
        self._dave_failed(user_id, counters)
        return None

    def _dave_failed(self, user_id: int, counters: SpeakerCounters) -> None:
        """Count a DAVE failure; a long enough run of them asks for a recovery."""
        counters.dave_failures += 1
        run = self._dave_runs.get(user_id, 0) + 1
        if run < self._dave_failure_run:
            self._dave_runs[user_id] = run
            return
        self._dave_runs[user_id] = 0
        if self._on_dave_stuck is None:
            return
        try:
            self._on_dave_stuck(user_id)
        except Exception:
            log.exception("DAVE recovery callback failed")

    def _stream(self, ssrc: int, user_id: int) -> _Stream:
        """Return the SSRC's state, starting over when the SSRC now belongs to someone else."""
        stream = self._streams.get(ssrc)
        if stream is None or stream.user_id != user_id:
            stream = self._streams[ssrc] = _Stream(
                user_id=user_id,
                jitter=JitterBuffer(
                    depth=self._jitter_depth,
                    max_conceal_frames=self._max_conceal,
                    max_fill_ms=self._max_fill_ms,
                ),
                decoder=self._decoder_factory(),
            )
        return stream

    def tick(self, now_ms: float) -> None:
        """Release frames whose wait for a missing packet expired; forget long-idle SSRCs."""
        self.resolve_early(now_ms)
        now = self._elapsed(now_ms)
        for ssrc, stream in list(self._streams.items()):
            try:
                counters = self.stats.for_user(stream.user_id)
                if not self._accept_user(stream.user_id):
                    del self._streams[ssrc]
                    continue
                self._emit(stream, ssrc, stream.jitter.pop_ready(now), counters)
                last = stream.jitter.last_arrival_ms
                idle = last is not None and now - last > self._idle_forget_ms
                if idle and not len(stream.jitter):
                    del self._streams[ssrc]
            except Exception:
                log.exception("voice tick failed for an SSRC")

    def flush(self) -> None:
        """Release everything buffered (end of stream)."""
        self.resolve_early()
        for ssrc in list(self._early):
            self._drop_early(ssrc)
        for ssrc, stream in list(self._streams.items()):
            try:
                if self._accept_user(stream.user_id):
                    counters = self.stats.for_user(stream.user_id)
                    self._emit(stream, ssrc, stream.jitter.drain(), counters)
            except Exception:
                log.exception("voice flush failed for an SSRC")

    def forget(self, user_id: int) -> None:
        """Drop every buffer of ``user_id`` without emitting it."""
        for ssrc in [s for s, stream in self._streams.items() if stream.user_id == user_id]:
            del self._streams[ssrc]
        self._dave_runs.pop(user_id, None)

    def forget_all(self) -> None:
        """Drop every buffer."""
        self._streams.clear()
        self._early.clear()
        self._dave_runs.clear()

    def _emit(
        self, stream: _Stream, ssrc: int, slots: list[Slot], counters: SpeakerCounters
    ) -> None:
        """Decode released slots and hand the chunks to ``on_audio``."""
        for slot in slots:
            if slot.kind is SlotKind.SILENCE:
                frames = slot.duration_ms // FRAME_MS
                counters.silence_filled_frames += frames
                stream.resampler.reset()
                for index in range(frames):
                    self._deliver(
                        AudioChunk(
                            stream.user_id,
                            ssrc,
                            slot.start_ms + index * FRAME_MS,
                            _SILENT_FRAME,
                            concealed=True,
                        )
                    )
                continue
            pcm, concealed = self._decode(stream, slot, counters)
            if pcm is None:
                continue
            try:
                samples = stream.resampler.process(pcm)
            except ValueError:
                counters.decode_failures += 1
                continue
            self._deliver(AudioChunk(stream.user_id, ssrc, slot.start_ms, samples, concealed))

    def _decode(
        self, stream: _Stream, slot: Slot, counters: SpeakerCounters
    ) -> tuple[bytes | None, bool]:
        """Return (48 kHz stereo PCM, concealed) for a FRAME or LOST slot."""
        decoder = stream.decoder
        if slot.kind is SlotKind.FRAME:
            try:
                pcm = decoder.decode(slot.payload, fec=False)
            except Exception as exc:
                counters.decode_failures += 1
                log.debug("opus decode failed: %s", exc)
            else:
                if pcm:
                    counters.decoded_frames += 1
                    stream.decoded_any = True
                    return pcm, False
                counters.decode_failures += 1
        if not stream.decoded_any:
            return None, True  # nothing to continue from: concealment would be noise
        try:
            if slot.kind is SlotKind.LOST and slot.payload is not None:
                pcm = decoder.decode(slot.payload, fec=True)
            else:
                pcm = decoder.decode(None, fec=False)
        except Exception as exc:
            log.debug("opus concealment failed: %s", exc)
            return None, True
        if not pcm:
            return None, True
        counters.concealed_frames += 1
        return pcm, True

    def _deliver(self, chunk: AudioChunk) -> None:
        """Call ``on_audio``, logging (not raising) its errors."""
        try:
            self._on_audio(chunk)
        except Exception:
            log.exception("on_audio callback failed")
