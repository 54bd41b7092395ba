"""Read and write voice replay captures: JSON lines of raw UDP payloads plus the session key.

Line 1: ``{"mode": ..., "secret_key": "<64 hex>", "ssrc_users": {"<ssrc>": <user id>}}``;
every other line: ``{"t": <ms since start>, "packet": "<hex of the UDP payload>"}``.
A capture holds a transport key: treat the file as a secret and never log it.
"""

from __future__ import annotations

import errno
import json
import logging
import math
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bot.copy import text
from bot.errors import CoachError
from bot.voice.dave import DaveLayer
from bot.voice.pipeline import DecoderFactory, ReceivePipeline
from bot.voice.transport import KEY_LEN, SUPPORTED_MODES
from bot.voice.types import AudioChunk, ReceiveStats

log = logging.getLogger(__name__)


class CaptureError(CoachError):
    """A capture file cannot be read; ``user_message`` names the line (None: the whole file).

    ``problem`` is a key under ``voice.capture.reasons``; the terminal speaks English.
    """

    def __init__(self, path: Path, line: int | None, problem: str, **params: Any) -> None:
        if line is None:
            # The file itself cannot be read: say why in the system's words, with its path.
            reason = str(params.get("detail") or problem)
            message = text("interview.terminal.capture_unreadable", path=str(path), reason=reason)
        else:
            reason = text(f"voice.capture.reasons.{problem}", **params)
            message = text("voice.capture.broken", file=path.name, line=line, reason=reason)
        super().__init__(message)
        self.path = path
        self.line = line
        self.reason = reason


@dataclass(frozen=True, slots=True)
class CaptureHeader:
    """The first line of a capture: how to decrypt and whom each SSRC belongs to."""

    mode: str
    secret_key: bytes
    ssrc_users: dict[int, int] = field(default_factory=dict)


@dataclass(slots=True)
class Capture:
    """An opened capture: its header and a one-shot iterator of (t ms, UDP payload)."""

    path: Path
    header: CaptureHeader
    packets: Iterator[tuple[float, bytes]]


def _parse_header(path: Path, text: str) -> CaptureHeader:
    """Validate and return the header line."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CaptureError(path, 1, "header_not_json", detail=exc.msg) from exc
    if not isinstance(data, dict):
        raise CaptureError(path, 1, "header_not_object")
    mode = data.get("mode")
    if mode not in SUPPORTED_MODES:
        raise CaptureError(path, 1, "unsupported_mode", mode=repr(mode))
    raw_key = data.get("secret_key")
    try:
        key = bytes.fromhex(raw_key) if isinstance(raw_key, str) else b""
    except ValueError:
        key = b""
    if len(key) != KEY_LEN:
        raise CaptureError(path, 1, "bad_key", digits=KEY_LEN * 2)
    users = data.get("ssrc_users", {})
    if not isinstance(users, dict):
        raise CaptureError(path, 1, "ssrc_users_not_object")
    try:
        ssrc_users = {int(ssrc): int(uid) for ssrc, uid in users.items()}
    except (TypeError, ValueError) as exc:
        raise CaptureError(path, 1, "ssrc_users_not_ids") from exc
    return CaptureHeader(mode=str(mode), secret_key=key, ssrc_users=ssrc_users)


def _parse_packet(path: Path, number: int, text: str) -> tuple[float, bytes]:
    """Validate and return one packet line."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CaptureError(path, number, "line_not_json", detail=exc.msg) from exc
    if not isinstance(data, dict):
        raise CaptureError(path, number, "line_not_object")
    t, packet = data.get("t"), data.get("packet")
    # json reads NaN and Infinity (and 1e999) as floats: none of them is a time.
    if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t) or t < 0:
        raise CaptureError(path, number, "bad_time")
    if not isinstance(packet, str):
        raise CaptureError(path, number, "packet_not_string")
    try:
        return float(t), bytes.fromhex(packet)
    except ValueError as exc:
        raise CaptureError(path, number, "packet_not_hex") from exc


def _decoded(path: Path, number: int, raw: bytes) -> str:
    """Return one line as text; a bad byte is reported on its own line."""
    # Lines are decoded one by one: a text-mode file decodes ahead in blocks and would
    # report a bad byte on line 7 while reading line 1.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CaptureError(path, number, "not_utf8") from exc


def _packet_lines(path: Path, handle: IO[bytes]) -> Iterator[tuple[float, bytes]]:
    """Yield the packets after the header, closing the file at the end."""
    with handle:
        for number, raw in enumerate(handle, start=2):
            line = _decoded(path, number, raw)
            if line.strip():
                yield _parse_packet(path, number, line)


def read_capture(path: str | Path) -> Capture:
    """Open a capture; the header is checked now, packet lines as they are iterated."""
    path = Path(path)
    try:
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        handle = path.open("rb")
    except OSError as exc:
        raise CaptureError(path, None, "cannot_open", detail=exc.strerror or str(exc)) from exc
    try:
        first = _decoded(path, 1, handle.readline())
        if not first.strip():
            raise CaptureError(path, 1, "empty")
        header = _parse_header(path, first)
    except CaptureError:
        handle.close()
        raise
    return Capture(path=path, header=header, packets=_packet_lines(path, handle))


class CaptureWriter:
    """Append packets to a new capture file (for diagnostics recordings and tests)."""

    def __init__(
        self, path: str | Path, *, mode: str, secret_key: bytes, ssrc_users: dict[int, int]
    ) -> None:
        if mode not in SUPPORTED_MODES:
            raise ValueError(f"unsupported mode {mode!r}")
        if len(secret_key) != KEY_LEN:
            raise ValueError("secret_key must be 32 bytes")
        self.path = Path(path)
        self._handle = self.path.open("w", encoding="utf-8")
        header: dict[str, Any] = {
            "mode": mode,
            "secret_key": bytes(secret_key).hex(),
            "ssrc_users": {str(s): u for s, u in sorted(ssrc_users.items())},
        }
        self._handle.write(json.dumps(header) + "\n")

    def write(self, t_ms: float, packet: bytes) -> None:
        """Append one packet received ``t_ms`` after the start."""
        t: float | int = int(t_ms) if float(t_ms).is_integer() else round(t_ms, 3)
        self._handle.write(json.dumps({"t": t, "packet": packet.hex()}) + "\n")

    def close(self) -> None:
        """Flush and close the file."""
        self._handle.close()

    def __enter__(self) -> CaptureWriter:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def write_capture(
    path: str | Path,
    *,
    mode: str,
    secret_key: bytes,
    ssrc_users: dict[int, int],
    packets: Iterable[tuple[float, bytes]],
) -> Path:
    """Write a whole capture file and return its path."""
    with CaptureWriter(path, mode=mode, secret_key=secret_key, ssrc_users=ssrc_users) as writer:
        for t_ms, packet in packets:
            writer.write(t_ms, packet)
    return Path(path)


def replay_capture(
    capture: Capture,
    *,
    on_audio: Callable[[AudioChunk], None],
    decoder_factory: DecoderFactory,
    accept_user: Callable[[int], bool] = lambda _user: True,
    dave: DaveLayer | None = None,
    jitter_depth: int = 3,
) -> ReceiveStats:
    """Feed a capture through a ReceivePipeline on its own timeline; return the counters."""
    users = capture.header.ssrc_users
    pipeline = ReceivePipeline(
        capture.header.mode,
        capture.header.secret_key,
        ssrc_user=users.get,
        dave=dave,
        accept_user=accept_user,
        on_audio=on_audio,
        decoder_factory=decoder_factory,
        jitter_depth=jitter_depth,
        origin_ms=0.0,
    )
    for t_ms, packet in capture.packets:
        pipeline.tick(t_ms)
        pipeline.feed(packet, t_ms)
    pipeline.flush()
    return pipeline.stats
