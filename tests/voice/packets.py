"""Forge real Discord voice packets for tests: speech, Opus frames, encrypted RTP, DAVE doubles.

Typical use::

    pcm = speech_pcm_48k("hello world")          # 48 kHz stereo s16le (espeak-ng)
    frames = opus_frames(pcm)                    # real libopus, 20 ms each
    packets = make_stream(frames, ssrc=11)       # encrypted RTP, seq/ts/counter consecutive
    pipeline.feed(packets[0], 0.0)

``make_packet`` builds one packet with full control (header extension words, counter, key,
mode). ``dave_frame`` wraps an Opus frame the way ``FakeDaveSession`` expects; the fake
implements the part of ``davey.DaveSession`` that ``bot.voice.dave.DaveyLayer`` uses.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass, field

import davey
import numpy as np
import pytest

from bot.speech.audio import decode_to_pcm
from bot.voice.rtp import build_header
from bot.voice.transport import XCHACHA20, TransportCipher

log = logging.getLogger(__name__)

TEST_KEY = bytes(range(32))
"""The transport key every forged packet uses unless told otherwise."""
WRONG_KEY = bytes(range(100, 132))
FRAME_BYTES = 3840
"""20 ms of 48 kHz stereo s16le."""
SAMPLES_PER_FRAME = 960
_DAVE_MASK = 0x5A
_DAVE_TAG = b"\x00" * 8


def speech_pcm_48k(text: str, *, voice: str = "en-us", speed: int = 150) -> bytes:
    """Speak ``text`` with espeak-ng and return 48 kHz stereo s16le PCM (skip if no espeak)."""
    binary = shutil.which("espeak-ng")
    if binary is None:
        pytest.skip("espeak-ng is not installed")
    wav = subprocess.run(
        [binary, "-v", voice, "-s", str(speed), "--stdout", text],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    return decode_to_pcm(wav, rate=48_000, channels=2)


def tone_pcm_48k(frequency: float, duration_ms: int, *, amplitude: float = 0.5) -> bytes:
    """Return a stereo sine tone as 48 kHz s16le PCM."""
    t = np.arange(duration_ms * 48) / 48_000.0
    mono = (np.sin(2 * np.pi * frequency * t) * amplitude * 32767).astype("<i2")
    return np.repeat(mono, 2).tobytes()


def opus_frames(pcm48k: bytes) -> list[bytes]:
    """Encode 48 kHz stereo PCM as 20 ms Opus frames with real libopus (last frame zero-padded)."""
    from discord.opus import Encoder

    from bot.voice.receive import ensure_opus

    ensure_opus()
    encoder = Encoder(application="voip", bitrate=64, fec=True)
    frames = []
    for start in range(0, len(pcm48k), FRAME_BYTES):
        chunk = pcm48k[start : start + FRAME_BYTES].ljust(FRAME_BYTES, b"\x00")
        frames.append(encoder.encode(chunk, SAMPLES_PER_FRAME))
    return frames


def make_packet(
    frame: bytes,
    *,
    ssrc: int,
    seq: int,
    ts: int,
    key: bytes = TEST_KEY,
    mode: str = XCHACHA20,
    counter: int | None = None,
    ext_words: int | None = 1,
    ext_body: bytes | None = None,
    marker: bool = False,
    csrcs: tuple[int, ...] = (),
) -> bytes:
    """Return one encrypted "rtpsize" RTP packet carrying ``frame``.

    ``ext_words`` is the header-extension length in 32-bit words (None = no extension); its
    body (default: 0xEE bytes) is encrypted in front of the frame, as Discord clients do.
    ``counter`` (the nonce) defaults to ``seq``.
    """
    header = build_header(
        sequence=seq, timestamp=ts, ssrc=ssrc, marker=marker, csrcs=csrcs, ext_words=ext_words
    )
    body = b""
    if ext_words is not None:
        body = ext_body if ext_body is not None else b"\xee" * (4 * ext_words)
    cipher = TransportCipher(mode, key)
    return cipher.encrypt(header, body + frame, seq if counter is None else counter)


def make_stream(
    frames: list[bytes],
    *,
    ssrc: int,
    seq0: int = 1000,
    ts0: int = 50_000,
    **options: object,
) -> list[bytes]:
    """Return consecutive packets (seq +1, timestamp +960 each) for ``frames``."""
    return [
        make_packet(
            frame,
            ssrc=ssrc,
            seq=(seq0 + i) & 0xFFFF,
            ts=(ts0 + i * SAMPLES_PER_FRAME) & 0xFFFFFFFF,
            **options,  # type: ignore[arg-type]
        )
        for i, frame in enumerate(frames)
    ]


def dave_frame(opus: bytes) -> bytes:
    """Wrap ``opus`` as a fake DAVE frame: masked bytes + tag + nonce + size byte + 0xFAFA."""
    masked = bytes(b ^ _DAVE_MASK for b in opus)
    supplemental = _DAVE_TAG + b"\x01"  # 8-byte tag, ULEB128 nonce 1
    size = len(supplemental) + 1 + 2
    return masked + supplemental + bytes([size]) + b"\xfa\xfa"


@dataclass
class FakeDaveSession:
    """A double of ``davey.DaveSession``'s receive side that records every call.

    ``decrypt`` undoes ``dave_frame`` for users in ``members`` and raises (like davey's
    "NoDecryptorForUser") for anyone else or when ``fail`` is set; ``can_passthrough`` is
    True for users in ``passthrough``.
    """

    members: set[int] = field(default_factory=set)
    passthrough: set[int] = field(default_factory=set)
    fail: bool = False
    status: davey.SessionStatus = field(default_factory=lambda: davey.SessionStatus.active)
    decrypt_calls: list[int] = field(default_factory=list)
    passthrough_calls: list[int] = field(default_factory=list)

    def decrypt(self, user_id: int, media_type: davey.MediaType, packet: bytes) -> bytes:
        """Undo ``dave_frame`` for a member."""
        self.decrypt_calls.append(user_id)
        assert media_type is davey.MediaType.audio
        if self.fail or user_id not in self.members:
            raise ValueError("Failed to decrypt: NoDecryptorForUser")
        size = packet[-3]
        return bytes(b ^ _DAVE_MASK for b in packet[: len(packet) - size])

    def can_passthrough(self, user_id: int) -> bool:
        """Tell whether the user's frames may arrive unencrypted."""
        self.passthrough_calls.append(user_id)
        return user_id in self.passthrough


class ConstantDecoder:
    """An Opus decoder stand-in returning one fixed 20 ms frame; records what it was given."""

    def __init__(self, pcm: bytes | None = None) -> None:
        self.pcm = pcm if pcm is not None else tone_pcm_48k(440, 20, amplitude=0.25)
        self.calls: list[tuple[bytes | None, bool]] = []

    def decode(self, data: bytes | None, *, fec: bool = True) -> bytes:
        """Return the fixed frame (and remember the call)."""
        self.calls.append((data, fec))
        return self.pcm


class RecordingFactory:
    """A decoder factory that makes ConstantDecoders and keeps them for inspection."""

    def __init__(self, pcm: bytes | None = None) -> None:
        self.pcm = pcm
        self.decoders: list[ConstantDecoder] = []

    def __call__(self) -> ConstantDecoder:
        """Make and remember a decoder."""
        decoder = ConstantDecoder(self.pcm)
        self.decoders.append(decoder)
        return decoder

    @property
    def calls(self) -> int:
        """Return how many decode calls all decoders received."""
        return sum(len(d.calls) for d in self.decoders)
