"""Decode user audio for speech recognition and encode audio for Discord, in memory with PyAV."""

from __future__ import annotations

import io
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TypeAlias

import av
import av.error
import numpy as np
import numpy.typing as npt
from av.container import InputContainer

from bot.speech.errors import (
    AudioError,
    AudioTooLargeError,
    AudioTooLongError,
    CorruptAudioError,
    EmptyAudioError,
    NotAudioError,
)

log = logging.getLogger(__name__)

WHISPER_RATE: Final = 16_000
DISCORD_RATE: Final = 48_000
DISCORD_CHANNELS: Final = 2
# 20 ms of 48 kHz stereo s16le: the unit Discord voice playback consumes.
DISCORD_FRAME_BYTES: Final = 3840

Samples: TypeAlias = npt.NDArray[np.float32]
AudioInput: TypeAlias = bytes | bytearray | memoryview | str | os.PathLike[str]

# Codec priming and padding make decoded length differ slightly from the declared duration.
_DURATION_SLACK_S: Final = 0.5
_SHORTFALL_MIN_S: Final = 0.25
_SHORTFALL_RATIO: Final = 0.02
_WAV_STREAMING_SIZE: Final = 0x7FFF0000


@dataclass(frozen=True, slots=True)
class AudioLimits:
    """Bounds on what a user may send: seconds of audio and bytes of file."""

    max_seconds: float = 300.0
    max_bytes: int = 25 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What a cheap header probe tells about an audio file."""

    container: str
    codec: str
    sample_rate: int
    channels: int
    duration_s: float | None
    size_bytes: int


def read_audio_input(source: AudioInput, limits: AudioLimits | None = None) -> bytes:
    """Return the bytes of a path or buffer, refusing empty or oversized input before reading."""
    limits = limits or AudioLimits()
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        _check_size(len(data), limits)
        return data
    path = Path(source)
    if path.is_dir():
        raise NotAudioError("cannot_open", detail=f"{path} is a directory")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise NotAudioError("cannot_open", detail=str(exc)) from exc
    _check_size(size, limits)
    try:
        return path.read_bytes()
    except OSError as exc:  # unreadable, a special file, gone since the stat
        raise NotAudioError("cannot_open", detail=str(exc)) from exc


def probe_audio(data: bytes, limits: AudioLimits | None = None) -> AudioInfo:
    """Read only the headers of `data`, raising an AudioError for unusable input."""
    limits = limits or AudioLimits()
    _check_size(len(data), limits)
    with _open(data) as container:
        info = _info(container, len(data))
    _check_declared_duration(info, limits)
    return info


def decode_audio(
    data: bytes,
    limits: AudioLimits | None = None,
    *,
    rate: int = WHISPER_RATE,
) -> Samples:
    """Decode any audio file to mono float32 samples at `rate` (16 kHz for Whisper)."""
    pcm = _decode(data, limits or AudioLimits(), rate=rate, layout="mono", fmt="flt")
    return np.frombuffer(pcm, dtype=np.float32).copy()


def decode_to_pcm(
    data: bytes,
    limits: AudioLimits | None = None,
    *,
    rate: int = DISCORD_RATE,
    channels: int = DISCORD_CHANNELS,
) -> bytes:
    """Decode any audio file to interleaved s16le PCM (48 kHz stereo for voice playback)."""
    layout = "stereo" if channels == 2 else "mono"
    if channels not in (1, 2):
        raise ValueError("channels must be 1 or 2")
    return _decode(data, limits or AudioLimits(), rate=rate, layout=layout, fmt="s16")


def encode_ogg_opus(samples: Samples, rate: int, *, bitrate: int = 32_000) -> bytes:
    """Encode mono float samples as an ogg/opus file, the format of Discord voice messages."""
    if samples.ndim != 1:
        raise ValueError("expected mono samples")
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="ogg") as output:
        stream = output.add_stream("libopus", rate=DISCORD_RATE)
        stream.layout = "mono"
        stream.bit_rate = bitrate
        if samples.size:
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(samples, dtype=np.float32).reshape(1, -1),
                format="flt",
                layout="mono",
            )
            frame.sample_rate = rate
            frame.pts = None
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return buffer.getvalue()


def encode_wav(samples: Samples, rate: int) -> bytes:
    """Encode mono float samples as a 16-bit PCM wav file."""
    clipped = np.clip(samples, -1.0, 1.0)
    pcm = (clipped * 32767.0).astype("<i2").tobytes()
    header = b"".join(
        (
            b"RIFF",
            (36 + len(pcm)).to_bytes(4, "little"),
            b"WAVEfmt ",
            (16).to_bytes(4, "little"),
            (1).to_bytes(2, "little"),
            (1).to_bytes(2, "little"),
            rate.to_bytes(4, "little"),
            (rate * 2).to_bytes(4, "little"),
            (2).to_bytes(2, "little"),
            (16).to_bytes(2, "little"),
            b"data",
            len(pcm).to_bytes(4, "little"),
        )
    )
    return header + pcm


def _check_size(size: int, limits: AudioLimits) -> None:
    """Refuse empty or oversized input."""
    if size == 0:
        raise EmptyAudioError()
    if size > limits.max_bytes:
        raise AudioTooLargeError(limits.max_bytes, actual_bytes=size)


def _looks_like_audio(data: bytes) -> bool:
    """Tell whether the leading bytes carry the signature of a common audio container."""
    head = data[:12]
    return (
        head.startswith((b"OggS", b"ID3", b"fLaC", b"\x1a\x45\xdf\xa3", b"#!AMR", b"FORM"))
        or (head.startswith(b"RIFF") and head[8:12] == b"WAVE")
        or head[4:8] == b"ftyp"
        or (len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0)
    )


def _open(data: bytes) -> InputContainer:
    """Open an in-memory input container, mapping failures to AudioErrors."""
    try:
        return av.open(io.BytesIO(data), mode="r", metadata_errors="ignore")
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        log.debug("audio open failed: %s", exc)
        if _looks_like_audio(data):
            raise CorruptAudioError(detail=str(exc)) from exc
        raise NotAudioError(detail=str(exc)) from exc


def _info(container: InputContainer, size: int) -> AudioInfo:
    """Describe the first audio stream of an open container."""
    if not container.streams.audio:
        raise NotAudioError(detail="no audio stream")
    stream = container.streams.audio[0]
    if stream.codec_context is None:
        # FFmpeg knows the container but has no decoder for the codec (a WAV format tag it
        # does not know, for example).
        detail = f"no decoder for the audio in {container.format.name}"
        raise AudioError("unsupported", detail=detail)
    duration: float | None = None
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration = container.duration / av.time_base
    return AudioInfo(
        container=str(container.format.name),
        codec=str(stream.codec_context.name),
        sample_rate=int(stream.codec_context.sample_rate or 0),
        channels=int(stream.codec_context.channels or 0),
        duration_s=duration,
        size_bytes=size,
    )


def _check_declared_duration(info: AudioInfo, limits: AudioLimits) -> None:
    """Refuse audio whose header already says it is too long."""
    if info.duration_s is not None and info.duration_s > limits.max_seconds + _DURATION_SLACK_S:
        raise AudioTooLongError(limits.max_seconds, actual_s=info.duration_s)


def _ogg_is_complete(data: bytes) -> bool:
    """Walk the ogg pages and tell whether the last one ends exactly at the end of the data."""
    position = 0
    size = len(data)
    while position < size:
        if position + 27 > size or data[position : position + 4] != b"OggS":
            return False
        segments = data[position + 26]
        table_end = position + 27 + segments
        if table_end > size:
            return False
        position = table_end + sum(data[position + 27 : table_end])
    return position == size


def _wav_is_complete(data: bytes) -> bool:
    """Tell whether the wav data chunk holds as many bytes as its header declares."""
    position = 12
    size = len(data)
    while position + 8 <= size:
        chunk_id = data[position : position + 4]
        chunk_size = int.from_bytes(data[position + 4 : position + 8], "little")
        if chunk_id == b"data":
            # Streaming writers (espeak-ng --stdout, pipes) leave 0 or a huge placeholder size.
            if chunk_size == 0 or chunk_size >= _WAV_STREAMING_SIZE:
                return True
            return position + 8 + chunk_size <= size
        position += 8 + chunk_size + (chunk_size & 1)
    return False


def _decode(data: bytes, limits: AudioLimits, *, rate: int, layout: str, fmt: str) -> bytes:
    """Decode, downmix and resample the first audio stream to raw interleaved samples."""
    _check_size(len(data), limits)
    if data.startswith(b"OggS") and not _ogg_is_complete(data):
        raise CorruptAudioError(detail="ogg stream cut short")
    if data.startswith(b"RIFF") and data[8:12] == b"WAVE" and not _wav_is_complete(data):
        raise CorruptAudioError(detail="wav data cut short")
    bytes_per_sample = (2 if fmt == "s16" else 4) * (2 if layout == "stereo" else 1)
    max_samples = int((limits.max_seconds + _DURATION_SLACK_S) * rate)
    chunks: list[bytes] = []
    produced = 0
    with _open(data) as container:
        info = _info(container, len(data))
        _check_declared_duration(info, limits)
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format=fmt, layout=layout, rate=rate)
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunk = _frame_bytes(out, bytes_per_sample)
                    produced += len(chunk) // bytes_per_sample
                    chunks.append(chunk)
                if produced > max_samples:
                    raise AudioTooLongError(limits.max_seconds)
            for out in resampler.resample(None):
                chunk = _frame_bytes(out, bytes_per_sample)
                produced += len(chunk) // bytes_per_sample
                chunks.append(chunk)
        except (av.error.FFmpegError, ValueError) as exc:
            log.debug("audio decode failed after %d samples: %s", produced, exc)
            raise CorruptAudioError(detail=str(exc)) from exc
    if produced == 0:
        raise EmptyAudioError()
    if produced > max_samples:
        raise AudioTooLongError(limits.max_seconds, actual_s=produced / rate)
    decoded_s = produced / rate
    if info.duration_s is not None:
        shortfall = info.duration_s - decoded_s
        if shortfall > max(_SHORTFALL_MIN_S, _SHORTFALL_RATIO * info.duration_s):
            raise CorruptAudioError(
                detail=f"decoded {decoded_s:.2f} s of a declared {info.duration_s:.2f} s"
            )
    return b"".join(chunks)


def _frame_bytes(frame: av.AudioFrame, bytes_per_sample: int) -> bytes:
    """Return the packed sample bytes of a resampled frame without plane padding."""
    return bytes(frame.planes[0])[: frame.samples * bytes_per_sample]
