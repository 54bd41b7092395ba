"""The receive pipeline: UDP payload in, one speaker's 16 kHz audio chunks out.

Order per packet: parse RTP -> look up the SSRC's user -> consent check -> transport decrypt
-> duplicate/late check -> DAVE -> jitter buffer -> Opus decode -> 16 kHz mono. Nobody's
audio is decrypted or decoded before ``accept_user`` says yes. One AudioChunk is emitted per
RTP packet (20 ms, 320 samples from Discord clients) and per concealed or silent 20 ms frame.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol

import numpy as np

from bot.voice.dave import DaveLayer, has_dave_marker
from bot.voice.jitter import FRAME_MS, JitterBuffer, PushResult, Slot, SlotKind
from bot.voice.resample import Downsampler
from bot.voice.rtp import MalformedPacket, NonAudioPacket, parse_rtp
from bot.voice.transport import TransportCipher, TransportError, TruncatedPayload
from bot.voice.types import FRAME_SAMPLES, AudioChunk, ReceiveStats, SpeakerCounters

log = logging.getLogger(__name__)

UNKNOWN_USER: Final = 0
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
        except NonAudioPacket:
            stats.non_audio += 1
            return
        except MalformedPacket:
            stats.malformed += 1
            return
        user_id = self._ssrc_user(header.ssrc)
        if user_id is None:
            stats.for_user(UNKNOWN_USER).dropped_unknown_ssrc += 1
            return
        counters = stats.for_user(user_id)
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
            opus = self._end_to_end(user_id, frame, counters)
            if opus is None:
                return
            verdict = stream.jitter.push(header.sequence, header.timestamp, opus, now)
        if verdict is PushResult.DUPLICATE:
            counters.duplicates += 1
        elif verdict is PushResult.LATE:
            counters.late += 1
        self._emit(stream, header.ssrc, stream.jitter.pop_ready(now), counters)

    def _end_to_end(self, user_id: int, frame: bytes, counters: SpeakerCounters) -> bytes | None:
        """Return the Opus frame after DAVE, or None (counted) when it must be dropped."""
        if has_dave_marker(frame):
            if self.dave is None:
                counters.dave_failures += 1
                return None
            try:
                return self.dave.decrypt(user_id, frame)
            except Exception as exc:
                counters.dave_failures += 1
                log.debug("DAVE decrypt failed for a user: %s", exc)
                return None
        if self.dave is None:
            return frame
        try:
            allowed = self.dave.can_passthrough(user_id)
        except Exception:
            log.debug("DAVE passthrough check failed", exc_info=True)
            allowed = False
        if allowed:
            counters.dave_passthrough += 1
            return frame
        counters.dave_failures += 1
        return None

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

    def forget_all(self) -> None:
        """Drop every buffer."""
        self._streams.clear()

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
