"""Turn Discord's 48 kHz stereo int16 PCM into 16 kHz mono float32 for speech recognition."""

from __future__ import annotations

import logging
from typing import Final

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

DECIMATION: Final = 3
TAPS: Final = 48


def _design_lowpass(taps: int, cutoff: float) -> npt.NDArray[np.float32]:
    """Return a Blackman-windowed sinc low-pass (``cutoff`` as a fraction of Nyquist)."""
    n = np.arange(taps, dtype=np.float64) - (taps - 1) / 2.0
    kernel = cutoff * np.sinc(cutoff * n) * np.blackman(taps)
    kernel /= kernel.sum()
    return kernel.astype(np.float32)


# Cut at 7.2 kHz of the 8 kHz output Nyquist: speech keeps its consonants, no aliasing back.
_KERNEL: Final = _design_lowpass(TAPS, 7_200 / 24_000)


class Downsampler:
    """Stateful 48 kHz stereo int16 -> 16 kHz mono float32 converter for one speaker.

    The last ``TAPS - 1`` input samples are kept between calls so frame edges are filtered as
    if the stream were continuous. Inputs must be a multiple of 3 samples per channel (every
    Opus frame size is).
    """

    __slots__ = ("_history",)

    def __init__(self) -> None:
        self._history = np.zeros(TAPS - 1, dtype=np.float32)

    def reset(self) -> None:
        """Forget the filter state (after silence, the state would be zeros anyway)."""
        self._history[:] = 0.0

    def process(self, pcm: bytes) -> npt.NDArray[np.float32]:
        """Convert one block of interleaved stereo s16le PCM."""
        stereo = np.frombuffer(pcm, dtype="<i2")
        if stereo.size % (2 * DECIMATION):
            raise ValueError("PCM must hold a multiple of 3 stereo samples")
        frames = stereo.reshape(-1, 2).astype(np.float32)
        mono = (frames[:, 0] + frames[:, 1]) * np.float32(0.5 / 32768.0)
        signal = np.concatenate((self._history, mono))
        self._history = signal[-(TAPS - 1) :].copy()
        filtered = np.convolve(signal, _KERNEL, mode="valid")
        out: npt.NDArray[np.float32] = filtered[::DECIMATION].astype(np.float32, copy=False)
        return out


def downsample(pcm: bytes) -> npt.NDArray[np.float32]:
    """Convert a whole stereo 48 kHz buffer in one call (stateless)."""
    return Downsampler().process(pcm)
