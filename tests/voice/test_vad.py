"""Voice activity on real espeak-ng speech, digital silence and steady noise."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from bot.speech.audio import decode_audio
from bot.voice.types import SAMPLE_RATE, Pcm16k
from bot.voice.vad import VadFrame, VadSettings, VoiceActivityDetector
from tests.speech.helpers import espeak

log = logging.getLogger(__name__)

FRAME = SAMPLE_RATE * 20 // 1000


@pytest.fixture(scope="module")
def speech() -> Pcm16k:
    """Return a sentence of espeak-ng speech with its leading and trailing silence cut."""
    samples = decode_audio(
        espeak("I would like to talk about the migration of our billing system.", ssml=False)
    )
    loud = np.flatnonzero(np.abs(samples) > 0.02)
    return samples[loud[0] : loud[-1] + 1]


def _run(pcm: Pcm16k, settings: VadSettings | None = None) -> list[VadFrame]:
    return VoiceActivityDetector(settings).process(pcm)


def _silence(seconds: float) -> Pcm16k:
    return np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)


def test_speech_is_detected_soon_after_it_starts(speech: Pcm16k) -> None:
    frames = _run(np.concatenate((_silence(0.5), speech, _silence(0.5))))
    onsets = [index for index, frame in enumerate(frames) if frame.onset]
    speech_frames = frames[25 : 25 + len(speech) // FRAME]
    assert onsets and 25 <= onsets[0] <= 25 + 15  # within 300 ms of the first sound
    assert np.mean([frame.speaking for frame in speech_frames]) > 0.85
    assert not any(frame.speaking for frame in frames[:25])
    assert not frames[-1].speaking  # 500 ms of silence ends it


def test_silence_is_never_speech() -> None:
    frames = _run(_silence(2.0))
    assert len(frames) == 100
    assert not any(frame.voiced or frame.speaking for frame in frames)


@pytest.mark.parametrize("level", [0.003, 0.01, 0.03])
def test_steady_noise_is_not_speech(level: float) -> None:
    noise = np.random.default_rng(7).normal(0.0, level, 3 * SAMPLE_RATE).astype(np.float32)
    frames = _run(noise)
    assert not any(frame.onset for frame in frames)


def test_steady_hum_is_not_speech() -> None:
    hum = 0.1 * np.sin(2 * np.pi * 100 * np.arange(3 * SAMPLE_RATE) / SAMPLE_RATE)
    assert not any(frame.onset for frame in _run(hum.astype(np.float32)))


def test_speech_over_noise_is_still_speech(speech: Pcm16k) -> None:
    rng = np.random.default_rng(3)
    noise = rng.normal(0.0, 0.005, 2 * SAMPLE_RATE + len(speech)).astype(np.float32)
    noisy = noise.copy()
    noisy[2 * SAMPLE_RATE :] += speech
    frames = _run(noisy)
    assert not any(frame.speaking for frame in frames[:100])
    assert np.mean([frame.speaking for frame in frames[100:]]) > 0.7


def test_a_short_blip_neither_starts_nor_ends_speech() -> None:
    detector = VoiceActivityDetector(VadSettings(start_frames=3, start_window=5, end_frames=10))
    # Two voiced frames then silence: below the start threshold.
    voiced = [detector.step(flag) for flag in (True, True, False, False, False, False, False)]
    assert not any(frame.speaking for frame in voiced)
    started = [detector.step(True) for _ in range(3)]
    assert started[-1].onset and started[-1].lead_frames == 2
    # Nine unvoiced frames (180 ms) inside speech do not end it; the tenth does.
    gap = [detector.step(False) for _ in range(9)]
    assert all(frame.speaking for frame in gap)
    assert detector.step(True).speaking
    ending = [detector.step(False) for _ in range(10)]
    assert ending[-1].offset and not ending[-1].speaking
    assert not any(frame.offset for frame in ending[:-1])


def test_a_gap_in_real_speech_shorter_than_the_hangover_keeps_speaking(speech: Pcm16k) -> None:
    half = len(speech) // 2 // FRAME * FRAME
    frames = _run(np.concatenate((speech[:half], _silence(0.1), speech[half:])))
    assert sum(frame.onset for frame in frames) == 1
    assert not any(frame.offset for frame in frames)


def test_partial_frames_wait_for_more_audio(speech: Pcm16k) -> None:
    whole = _run(speech)
    detector = VoiceActivityDetector()
    pieces = [detector.process(speech[start : start + 500]) for start in range(0, len(speech), 500)]
    assert [frame for piece in pieces for frame in piece] == whole


def test_a_gap_lowers_the_floor_and_steps_the_hysteresis() -> None:
    detector = VoiceActivityDetector()
    for _ in range(4):
        detector.step(True)
    assert detector.speaking
    frames = detector.gap(1000)
    assert frames[-1].offset or any(frame.offset for frame in frames)
    assert not detector.speaking
    assert len(frames) <= 100  # bounded work however long the gap


def test_aggressiveness_is_validated() -> None:
    with pytest.raises(ValueError):
        VadSettings(aggressiveness=4)
    with pytest.raises(ValueError):
        VadSettings(frame_ms=25)
    with pytest.raises(ValueError):
        VadSettings(start_frames=6, start_window=5)
