"""Replay a voice capture offline: receive pipeline, turn-taking and transcription, no Discord.

``python -m bot voice replay CAPTURE.jsonl [--json]`` prints each user's turns and the receive
counters. The capture's ``t`` values are the clock: the pipeline and the turn-taker are ticked
before every packet, so end-of-turn detection works exactly as live, silences included.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO, TypeVar

from bot.copy import text
from bot.errors import CoachError
from bot.speech.stt import OFFLINE_MODEL_NAME, SpeechToText, WhisperSTT
from bot.voice.capture import CaptureError, read_capture
from bot.voice.incremental import SttPool
from bot.voice.pipeline import DecoderFactory, ReceivePipeline
from bot.voice.turns import TurnPolicy, TurnTaker
from bot.voice.types import ReceiveStats, VoiceTurn

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
_YIELD_EVERY = 50  # packets between yields, so background recognition makes progress
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """Every delivered turn, in delivery order, and the receive counters."""

    turns: tuple[VoiceTurn, ...]
    stats: ReceiveStats

    def by_user(self) -> dict[int, list[VoiceTurn]]:
        """Return each user's turns in time order, users sorted by id."""
        grouped: dict[int, list[VoiceTurn]] = {}
        for turn in sorted(self.turns, key=lambda item: (item.user_id, item.start_ms)):
            grouped.setdefault(turn.user_id, []).append(turn)
        return grouped

    def as_json(self) -> dict[str, object]:
        """Return ``{"users": {"<id>": [{start_ms, end_ms, text}]}, "stats", "warnings"}``."""
        users = {
            str(user_id): [
                {"start_ms": turn.start_ms, "end_ms": turn.end_ms, "text": turn.text}
                for turn in turns
            ]
            for user_id, turns in self.by_user().items()
        }
        return {"users": users, "stats": self.stats.as_dict(), "warnings": self.warnings()}

    def warnings(self) -> list[str]:
        """Return what the counters say went wrong with the capture as a whole."""
        users = self.stats.users.values()
        failures = sum(counters.transport_failures for counters in users)
        received = sum(counters.packets for counters in users)
        # Packets of a capture decrypt with its key or not at all: mostly failures means the
        # key (or the mode) in the header is not the one the packets were sent with.
        if failures and failures * 2 >= received:
            return [
                text(
                    "interview.terminal.replay_wrong_key",
                    failures=failures,
                    packets=received,
                )
            ]
        return []

    def render_text(self) -> str:
        """Return the turns per user with times and text, then the counters and warnings."""
        lines: list[str] = []
        grouped = self.by_user()
        if not grouped:
            lines.append(text("voice.replay.no_turns"))
        lines.extend(self.warnings())
        for user_id, turns in grouped.items():
            many = "user_turns" if len(turns) != 1 else "user_turn"
            lines.append(text(f"voice.replay.{many}", user_id=user_id, count=len(turns)))
            for turn in turns:
                said = turn.text or text("voice.replay.nothing_recognised")
                lines.append(f"  {_clock(turn.start_ms)} - {_clock(turn.end_ms)}  {said}")
        stats = self.stats
        lines.append("")
        lines.append(
            text(
                "voice.replay.packets",
                packets=stats.packets,
                malformed=stats.malformed,
                non_audio=stats.non_audio,
            )
        )
        for user_id, counters in sorted(stats.users.items()):
            shown = ", ".join(f"{name} {value}" for name, value in counters.as_dict().items())
            lines.append(text("voice.replay.user_counters", user_id=user_id, counters=shown))
        return "\n".join(lines) + "\n"


def _clock(ms: int) -> str:
    """Format a timeline position as m:ss.mmm."""
    minutes, rest = divmod(max(0, ms), 60_000)
    return f"{minutes}:{rest // 1000:02d}.{rest % 1000:03d}"


def _default_decoder_factory() -> DecoderFactory:
    """Return libopus decoders through the receive adapter (raises if libopus is missing)."""
    from bot.voice.receive import ensure_opus, opus_decoder_factory

    ensure_opus()
    return opus_decoder_factory


async def replay_capture(
    path: str | Path,
    stt: SpeechToText,
    *,
    language: str = "en",
    policy: TurnPolicy | None = None,
    decoder_factory: DecoderFactory | None = None,
) -> ReplayResult:
    """Run a capture through the receive pipeline, the turn-taker and ``stt``.

    There is no DAVE layer: frames without a DAVE marker are accepted, as on a stage channel.
    Raises CaptureError (a CoachError) for a broken file, at the line where it breaks.
    """
    capture = read_capture(path)
    turns: list[VoiceTurn] = []

    async def collect(turn: VoiceTurn) -> None:
        turns.append(turn)

    taker = TurnTaker(stt, collect, policy=policy, language=language, pool=SttPool(1))
    pipeline = ReceivePipeline(
        capture.header.mode,
        capture.header.secret_key,
        ssrc_user=capture.header.ssrc_users.get,
        dave=None,
        accept_user=lambda _user: True,
        on_audio=taker.push,
        decoder_factory=decoder_factory or _default_decoder_factory(),
        origin_ms=0.0,
    )
    try:
        count = 0
        for t_ms, packet in capture.packets:
            pipeline.tick(t_ms)
            taker.tick(int(t_ms))
            pipeline.feed(packet, t_ms)
            count += 1
            if count % _YIELD_EVERY == 0:
                await asyncio.sleep(0)
        pipeline.flush()
        await taker.flush()
    except BaseException:
        await taker.close()
        raise
    log.debug("replayed %d packets, %d turns", count, len(turns))
    return ReplayResult(turns=tuple(turns), stats=pipeline.stats)


def _parser(model: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot voice replay", description=text("voice.replay.cli.description")
    )
    parser.add_argument("capture", help=text("voice.replay.cli.capture"))
    parser.add_argument("--json", action="store_true", help=text("voice.replay.cli.json"))
    parser.add_argument("--language", default="en", help=text("voice.replay.cli.language"))
    parser.add_argument(
        "--model",
        default=model,
        help=text("interview.terminal.replay_model_help", model=model, offline=OFFLINE_MODEL_NAME),
    )
    return parser


async def areplay_main(
    argv: list[str],
    out: TextIO,
    *,
    stt: SpeechToText | None = None,
    default_model: str | None = None,
) -> int:
    """Run ``voice replay`` inside a running event loop; return the exit code.

    ``default_model`` is the configured ``WHISPER_MODEL`` when one is set; without it the
    offline ``tiny.en`` weights are used.
    """
    try:
        args = _parser(default_model or OFFLINE_MODEL_NAME).parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage message
        return int(exc.code) if isinstance(exc.code, int) else EXIT_BAD_INPUT
    own_stt: WhisperSTT | None = None
    if stt is None:
        own_stt = WhisperSTT(args.model, cpu_threads=2)
        stt = own_stt
    try:
        result = await replay_capture(args.capture, stt, language=args.language)
    except CaptureError as exc:
        out.write(f"{exc.user_message}\n")
        return EXIT_BAD_INPUT
    except CoachError as exc:
        out.write(f"{exc.user_message}\n")
        return EXIT_FAILED
    finally:
        if own_stt is not None:
            own_stt.close()
    if args.json:
        out.write(json.dumps(result.as_json(), indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(result.render_text())
    return EXIT_OK


def replay_main(
    argv: list[str],
    out: TextIO,
    *,
    stt: SpeechToText | None = None,
    default_model: str | None = None,
) -> int:
    """Run ``voice replay`` from synchronous code (its own event loop); return the exit code."""
    return _run_sync(lambda: areplay_main(argv, out, stt=stt, default_model=default_model))


def _run_sync(make: Callable[[], Awaitable[_T]]) -> _T:
    """Run a coroutine to completion, on a helper thread if this thread already has a loop."""

    async def runner() -> _T:
        return await make()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(runner())
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="voice-replay") as pool:
        return pool.submit(asyncio.run, runner()).result()
