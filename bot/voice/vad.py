"""Per-speaker voice activity: webrtcvad frames, an adaptive noise floor and hysteresis."""

from __future__ import annotations

import logging
import math
from collections import deque
from dataclasses import dataclass
from typing import Final

import numpy as np
import webrtcvad  # type: ignore[import-untyped]

from bot.voice.types import SAMPLE_RATE, Pcm16k

log = logging.getLogger(__name__)

VAD_FRAME_MS: Final = (10, 20, 30)
# Frames quieter than this are silence whatever webrtcvad says (and skip its call).
_ABSOLUTE_FLOOR_DB: Final = -55.0
_QUIET: Final = 1e-6
_SILENCE_DB: Final = -120.0


@dataclass(frozen=True, slots=True)
class VadSettings:
    """How eagerly speech is detected.

    ``aggressiveness`` is webrtcvad's mode (0 lenient .. 3 strict). Speech starts once
    ``start_frames`` of the last ``start_window`` frames are voiced and stops after
    ``end_frames`` unvoiced frames in a row, so a short blip neither starts nor ends it.
    A frame must also stand ``floor_margin_db`` above the quietest frame of the last
    ``floor_window_ms``: steady noise (a fan, hiss, hum) webrtcvad calls speech stops counting
    once the floor has adapted to it, while speech, which dips between syllables, keeps the
    floor low.
    """

    aggressiveness: int = 2
    frame_ms: int = 20
    start_frames: int = 3
    start_window: int = 5
    end_frames: int = 10
    floor_window_ms: int = 1500
    floor_margin_db: float = 9.0

    def __post_init__(self) -> None:
        if not 0 <= self.aggressiveness <= 3:
            raise ValueError("aggressiveness must be 0..3")
        if self.frame_ms not in VAD_FRAME_MS:
            raise ValueError("frame_ms must be 10, 20 or 30")
        if not 1 <= self.start_frames <= self.start_window:
            raise ValueError("start_frames must be between 1 and start_window")
        if self.end_frames < 1:
            raise ValueError("end_frames must be at least 1")
        if self.floor_window_ms < self.frame_ms:
            raise ValueError("floor_window_ms must cover at least one frame")

    @property
    def frame_samples(self) -> int:
        """Return the samples in one frame at 16 kHz."""
        return SAMPLE_RATE * self.frame_ms // 1000


@dataclass(frozen=True, slots=True)
class VadFrame:
    """The verdict on one frame: raw voicing, the smoothed speaking state and its changes.

    ``onset`` is True on the frame where speech is declared; it began ``lead_frames`` frames
    earlier (the first voiced frame of the start window). ``offset`` is True on the frame where
    speech is declared over; the last voiced frame was ``end_frames`` frames earlier.
    """

    voiced: bool
    speaking: bool
    onset: bool = False
    offset: bool = False
    lead_frames: int = 0


class VoiceActivityDetector:
    """Classify one speaker's 16 kHz audio frame by frame, with hysteresis."""

    def __init__(self, settings: VadSettings | None = None) -> None:
        self.settings = settings or VadSettings()
        self._vad = webrtcvad.Vad(self.settings.aggressiveness)
        self._window: deque[bool] = deque(maxlen=self.settings.start_window)
        floor_frames = max(1, self.settings.floor_window_ms // self.settings.frame_ms)
        self._energies: deque[float] = deque(maxlen=floor_frames)
        self._pending = np.zeros(0, dtype=np.float32)
        self._unvoiced_run = 0
        self.speaking = False

    @property
    def frame_samples(self) -> int:
        """Return the samples in one frame."""
        return self.settings.frame_samples

    def reset(self) -> None:
        """Forget all state, as for a speaker heard for the first time."""
        self._window.clear()
        self._energies.clear()
        self._pending = np.zeros(0, dtype=np.float32)
        self._unvoiced_run = 0
        self.speaking = False

    def is_voiced(self, frame: Pcm16k) -> bool:
        """Tell whether one frame sounds like a voice (no hysteresis; updates the floor)."""
        energy_db = _energy_db(frame)
        floor_db = min(self._energies, default=energy_db)
        self._energies.append(energy_db)
        if energy_db < _ABSOLUTE_FLOOR_DB or energy_db < floor_db + self.settings.floor_margin_db:
            return False
        pcm = (np.clip(frame, -1.0, 1.0) * 32767.0).astype(np.int16).tobytes()
        return bool(self._vad.is_speech(pcm, SAMPLE_RATE))

    def step(self, voiced: bool) -> VadFrame:
        """Advance the hysteresis by one frame whose raw verdict is ``voiced``."""
        self._window.append(voiced)
        if not self.speaking:
            if sum(self._window) >= self.settings.start_frames:
                self.speaking = True
                self._unvoiced_run = 0
                lead = len(self._window) - 1 - list(self._window).index(True)
                self._window.clear()
                return VadFrame(voiced, True, onset=True, lead_frames=lead)
            return VadFrame(voiced, False)
        if voiced:
            self._unvoiced_run = 0
            return VadFrame(True, True)
        self._unvoiced_run += 1
        if self._unvoiced_run >= self.settings.end_frames:
            self.speaking = False
            self._unvoiced_run = 0
            self._window.clear()
            return VadFrame(False, False, offset=True)
        return VadFrame(False, True)

    def frame(self, frame: Pcm16k) -> VadFrame:
        """Classify exactly one frame of ``frame_samples`` samples."""
        return self.step(self.is_voiced(frame))

    def silence(self) -> VadFrame:
        """Advance by one frame of known silence (a gap with no packets)."""
        self._energies.append(_SILENCE_DB)
        return self.step(False)

    def gap(self, frames: int) -> list[VadFrame]:
        """Advance over ``frames`` frames of known silence; a partial frame is dropped.

        Only the frames that can still change the state are stepped, so a long gap costs no
        more than the floor window.
        """
        self._pending = np.zeros(0, dtype=np.float32)
        steps = min(frames, max(self.settings.end_frames, self._energies.maxlen or 1))
        return [self.silence() for _ in range(max(0, steps))]

    def process(self, pcm: Pcm16k) -> list[VadFrame]:
        """Classify any amount of audio; a partial frame waits for the next call."""
        samples = np.concatenate((self._pending, pcm)) if self._pending.size else pcm
        size = self.frame_samples
        whole = len(samples) // size
        verdicts = [self.frame(samples[i * size : (i + 1) * size]) for i in range(whole)]
        self._pending = np.array(samples[whole * size :], dtype=np.float32)
        return verdicts


def _energy_db(frame: Pcm16k) -> float:
    """Return a frame's RMS level in dB relative to full scale."""
    rms = math.sqrt(float(np.dot(frame, frame)) / max(1, len(frame)))
    return 20.0 * math.log10(max(rms, _QUIET))
