"""Audio decoding, probing, limits and encoding on real espeak-ng speech."""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

from bot.speech.audio import (
    DISCORD_FRAME_BYTES,
    AudioLimits,
    decode_audio,
    decode_to_pcm,
    encode_ogg_opus,
    encode_wav,
    probe_audio,
    read_audio_input,
)
from bot.speech.errors import (
    AudioError,
    AudioTooLargeError,
    AudioTooLongError,
    CorruptAudioError,
    EmptyAudioError,
    NotAudioError,
)

log = logging.getLogger(__name__)


def _transcode(samples: np.ndarray, codec: str, container: str) -> bytes:
    """Encode 16 kHz mono samples with another codec through PyAV."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as output:
        stream = output.add_stream(codec, rate=44_100 if codec != "libopus" else 48_000)
        assert isinstance(stream, av.AudioStream)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = 16_000
        for packet in stream.encode(frame):
            output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return buffer.getvalue()


def _envelope(samples: np.ndarray) -> np.ndarray:
    """Return the 20 ms RMS envelope of 16 kHz samples."""
    usable = samples.size // 320 * 320
    envelope: np.ndarray = np.sqrt(np.mean(np.square(samples[:usable].reshape(-1, 320)), axis=1))
    return envelope


def _envelope_similarity(first: np.ndarray, second: np.ndarray) -> float:
    """Return the best envelope correlation within a 200 ms shift (codec priming delays)."""
    a, b = _envelope(first), _envelope(second)
    best = -1.0
    for lag in range(-10, 11):
        x, y = (a[lag:], b) if lag >= 0 else (a, b[-lag:])
        n = min(x.size, y.size)
        best = max(best, float(np.corrcoef(x[:n], y[:n])[0, 1]))
    return best


@pytest.fixture(scope="module")
def speech(answer_wav: bytes) -> np.ndarray:
    """Return the scripted answer as 16 kHz mono samples."""
    return decode_audio(answer_wav)


def test_wav_decodes_to_16k_mono_float(answer_wav: bytes, speech: np.ndarray) -> None:
    info = probe_audio(answer_wav)
    assert info.container == "wav"
    assert info.sample_rate == 22_050  # espeak-ng's native rate, so resampling really ran
    assert speech.dtype == np.float32
    assert speech.ndim == 1
    assert info.duration_s is not None
    assert abs(speech.size / 16_000 - info.duration_s) < 0.05
    assert 0.05 < float(np.abs(speech).max()) <= 1.0


@pytest.mark.parametrize(
    ("codec", "container", "name"),
    [("libopus", "ogg", "ogg"), ("libmp3lame", "mp3", "mp3"), ("aac", "ipod", "m4a")],
)
def test_common_formats_decode_to_the_same_length(
    speech: np.ndarray, codec: str, container: str, name: str
) -> None:
    data = _transcode(speech, codec, container)
    decoded = decode_audio(data)
    # Encoders add priming/padding of a few tens of milliseconds, never more.
    assert abs(decoded.size - speech.size) / 16_000 < 0.1, name
    assert _envelope_similarity(decoded, speech) > 0.9, name


def test_ffmpeg_made_ogg_opus_decodes(tmp_path: Path, answer_wav: bytes) -> None:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.skip("ffmpeg is not installed")
    source = tmp_path / "answer.wav"
    target = tmp_path / "answer.ogg"
    source.write_bytes(answer_wav)
    subprocess.run(
        [ffmpeg, "-loglevel", "error", "-i", str(source), "-c:a", "libopus", str(target)],
        check=True,
        timeout=60,
    )
    info = probe_audio(target.read_bytes())
    assert (info.container, info.codec) == ("ogg", "opus")
    decoded = decode_audio(read_audio_input(target))
    assert info.duration_s is not None
    assert abs(decoded.size / 16_000 - info.duration_s) < 0.1


def test_ogg_opus_round_trip_keeps_duration(speech: np.ndarray) -> None:
    ogg = encode_ogg_opus(speech, 16_000)
    assert ogg.startswith(b"OggS")
    info = probe_audio(ogg)
    assert (info.codec, info.sample_rate, info.channels) == ("opus", 48_000, 1)
    assert abs(decode_audio(ogg).size - speech.size) < 16_000 * 0.05


def test_pcm_for_voice_is_48k_stereo_s16(speech: np.ndarray) -> None:
    pcm = decode_to_pcm(encode_wav(speech, 16_000))
    expected = speech.size * 3 * 4  # 16k -> 48k, two channels of two bytes
    assert abs(len(pcm) - expected) <= DISCORD_FRAME_BYTES
    assert len(pcm) % 4 == 0
    frames = np.frombuffer(pcm, dtype="<i2").reshape(-1, 2)
    assert np.array_equal(frames[:, 0], frames[:, 1])  # mono upmixed to both channels
    assert int(np.abs(frames).max()) > 1000


def test_path_input_is_read(tmp_path: Path, answer_wav: bytes) -> None:
    path = tmp_path / "answer.wav"
    path.write_bytes(answer_wav)
    assert read_audio_input(path) == answer_wav
    assert read_audio_input(str(path)) == answer_wav


def test_not_audio_is_refused() -> None:
    with pytest.raises(NotAudioError) as caught:
        decode_audio(b"this is a text file, not a recording\n" * 40)
    assert "doesn't look like audio" in caught.value.user_message


def test_image_without_audio_stream_is_not_audio() -> None:
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="image2pipe") as output:
        stream = output.add_stream("png", rate=1)
        stream.width = stream.height = 8
        stream.pix_fmt = "rgb24"
        frame = av.VideoFrame.from_ndarray(np.zeros((8, 8, 3), np.uint8), format="rgb24")
        for packet in stream.encode(frame):
            output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    with pytest.raises(NotAudioError):
        decode_audio(buffer.getvalue())


def test_empty_input_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EmptyAudioError):
        decode_audio(b"")
    empty = tmp_path / "empty.ogg"
    empty.write_bytes(b"")
    with pytest.raises(EmptyAudioError):
        read_audio_input(empty)
    with pytest.raises(EmptyAudioError):
        decode_audio(encode_wav(np.zeros(0, np.float32), 16_000))


def test_truncated_ogg_is_corrupt(speech: np.ndarray) -> None:
    ogg = encode_ogg_opus(speech, 16_000)
    for cut in (len(ogg) // 2, len(ogg) - 7, 300):
        with pytest.raises(CorruptAudioError):
            decode_audio(ogg[:cut])


def test_damaged_ogg_page_is_corrupt(speech: np.ndarray) -> None:
    ogg = bytearray(encode_ogg_opus(speech, 16_000))
    middle = len(ogg) // 2
    page = ogg.find(b"OggS", middle)
    assert page > 0
    ogg[page : page + 64] = bytes(64)  # wipe a page header mid-stream
    with pytest.raises(CorruptAudioError):
        decode_audio(bytes(ogg))


def test_truncated_wav_is_corrupt(answer_wav: bytes) -> None:
    fixed = encode_wav(decode_audio(answer_wav), 16_000)
    with pytest.raises(CorruptAudioError):
        decode_audio(fixed[: len(fixed) // 2])


def test_too_long_audio_is_refused(speech: np.ndarray) -> None:
    limits = AudioLimits(max_seconds=4.0)
    with pytest.raises(AudioTooLongError) as caught:
        decode_audio(encode_ogg_opus(speech, 16_000), limits)
    assert caught.value.limit_s == 4.0
    with pytest.raises(AudioTooLongError):
        probe_audio(encode_wav(speech, 16_000), limits)


def test_five_minute_default_limit() -> None:
    six_minutes = np.zeros(16_000 * 360, np.float32)
    with pytest.raises(AudioTooLongError) as caught:
        decode_audio(encode_ogg_opus(six_minutes, 16_000))
    assert "5 min" in caught.value.user_message
    assert decode_audio(encode_ogg_opus(six_minutes[: 16_000 * 290], 16_000)).size > 0


def test_huge_file_is_refused_before_decoding(tmp_path: Path) -> None:
    limits = AudioLimits(max_bytes=1024)
    with pytest.raises(AudioTooLargeError):
        decode_audio(b"\0" * 2048, limits)
    big = tmp_path / "big.wav"
    big.write_bytes(b"\0" * 2048)
    with pytest.raises(AudioTooLargeError) as caught:
        read_audio_input(big, limits)
    assert "too big" in caught.value.user_message


def test_every_audio_error_has_a_user_message() -> None:
    for error in (
        NotAudioError(),
        EmptyAudioError(),
        CorruptAudioError(),
        AudioTooLongError(300),
        AudioTooLargeError(25 * 1024 * 1024),
    ):
        assert isinstance(error, AudioError)
        assert error.user_message
        assert "Traceback" not in error.user_message
