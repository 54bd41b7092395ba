"""What the terminal reads: bytes made safe text, bounded reads, lines read off the event loop.

Input is read as bytes and decoded with ``surrogateescape``; every byte that is not UTF-8
then becomes U+FFFD (as do control characters other than tab and newline), so no lone
surrogate ever reaches SQLite or the screen, and the caller can say that something was
replaced.
"""

from __future__ import annotations

import asyncio
import codecs
import logging
import os
import queue
import re
import select
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO, Final

log = logging.getLogger(__name__)

REPLACEMENT: Final = "\ufffd"
CHUNK_BYTES: Final = 64 * 1024
# Undecodable bytes (as surrogateescape leaves them), other lone surrogates (a JSON "\ud800"),
# and control characters that would garble the terminal when an answer is quoted back.
_UNSAFE = re.compile(r"[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f]")
# Time a blank line waits for the rest of a paste before it ends an interactive answer.
PASTE_GRACE_S: Final = 0.05


def clean(raw: str) -> tuple[str, bool]:
    """Return ``raw`` with unsafe characters replaced by U+FFFD, and whether any was."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    cleaned, count = _UNSAFE.subn(REPLACEMENT, text)
    return cleaned, count > 0


def decode(data: bytes) -> tuple[str, bool]:
    """Return bytes as clean text, and whether anything had to be replaced."""
    return clean(data.decode("utf-8", errors="surrogateescape"))


@dataclass(frozen=True, slots=True)
class Line:
    """One line of input without its line ending."""

    text: str
    replaced: bool = False
    # Longer than the reader's cap: only the start was kept, the rest was read and dropped.
    truncated: bool = False


class LineReader:
    """Read lines of a byte source one request at a time, on a daemon thread.

    The event loop never blocks on input, so Ctrl-C is handled at once, and a thread left
    waiting on the terminal never delays the exit. A line longer than ``max_bytes`` is cut
    there (``Line.truncated``): its rest is read and dropped, never held.
    """

    def __init__(
        self,
        read: Callable[[int], bytes],
        *,
        max_bytes: int,
        ready: Callable[[float], bool] | None = None,
    ) -> None:
        self._read = read
        self._ready = ready
        self._max = max_bytes
        self._buffer = bytearray()
        self._eof = False
        self._requests: queue.SimpleQueue[
            tuple[asyncio.AbstractEventLoop, asyncio.Future[Line | None]]
        ] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    @classmethod
    def for_fd(cls, fd: int, *, max_bytes: int) -> LineReader:
        """Return a reader of a file descriptor (stdin is 0)."""

        def ready(timeout: float) -> bool:
            try:
                return bool(select.select([fd], [], [], timeout)[0])
            except (OSError, ValueError):
                return False

        return cls(lambda size: os.read(fd, size), max_bytes=max_bytes, ready=ready)

    @classmethod
    def for_stream(cls, stream: BinaryIO, *, max_bytes: int) -> LineReader:
        """Return a reader of a binary stream, one line per read (tests, files)."""
        return cls(stream.readline, max_bytes=max_bytes)

    async def readline(self) -> Line | None:
        """Return the next line, or None at the end of the input."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Line | None] = loop.create_future()
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name="terminal-input", daemon=True)
            self._thread.start()
        self._requests.put((loop, future))
        return await future

    def more_waiting(self, timeout: float = PASTE_GRACE_S) -> bool:
        """Tell whether more input is already there (the rest of a paste), waiting briefly."""
        if self._buffer:
            return True
        if self._eof or self._ready is None:
            return False
        return self._ready(timeout)

    def next_line(self) -> Line | None:
        """Read and return the next line on this thread, or None at the end of the input."""
        kept = bytearray()
        truncated = False
        while True:
            newline = self._buffer.find(b"\n")
            end = newline if newline >= 0 else len(self._buffer)
            room = self._max - len(kept)
            if end > room:
                truncated = True
            kept += self._buffer[: min(end, max(room, 0))]
            if newline >= 0:
                del self._buffer[: newline + 1]
                return self._line(kept, truncated)
            self._buffer.clear()
            if self._eof:
                return self._line(kept, truncated) if kept or truncated else None
            data = self._read(CHUNK_BYTES)
            if not data:
                self._eof = True
            else:
                self._buffer += data

    def _line(self, raw: bytearray, truncated: bool) -> Line:
        text, replaced = decode(bytes(raw).rstrip(b"\r"))
        return Line(text, replaced, truncated)

    def _serve(self) -> None:
        while True:
            loop, future = self._requests.get()
            result: Line | None = None
            error: BaseException | None = None
            try:
                result = self.next_line()
            except OSError:  # a terminal that went away, a closed stdin: the end of input
                log.debug("terminal input ended by an error", exc_info=True)
                self._eof = True
            except Exception as exc:
                error = exc
            try:
                loop.call_soon_threadsafe(_settle, future, result, error)
            except RuntimeError:  # the loop closed while we were reading
                return


def _settle(
    future: asyncio.Future[Line | None], result: Line | None, error: BaseException | None
) -> None:
    if future.done():  # cancelled by Ctrl-C while the line was being read
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


@dataclass(frozen=True, slots=True)
class BoundedText:
    """Text read up to a limit: ``text`` is None when the input was longer than the limit."""

    text: str | None
    replaced: bool


def read_bounded(read: Callable[[int], bytes], limit: int) -> BoundedText:
    """Read one answer of at most ``limit`` characters, surrounding whitespace aside.

    No more than ``limit + 1`` characters of the answer are read (a byte is at most one
    character, so asking for the bytes still missing never overshoots): a huge input is
    refused without being read. Only whitespace after the limit is read on, and not kept.
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    parts: list[str] = []
    size = 0
    started = False
    full = False  # the limit is reached; only trailing whitespace may follow
    while True:
        wanted = CHUNK_BYTES if full else min(CHUNK_BYTES, limit + 1 - size)
        data = read(max(1, wanted))
        chunk = decoder.decode(data, final=not data)
        if not started:
            chunk = chunk.lstrip()
            started = bool(chunk)
        if full:
            if chunk.strip():
                return BoundedText(None, False)
        elif chunk:
            parts.append(chunk)
            size += len(chunk)
            if size > limit:
                body = "".join(parts).rstrip()
                if len(body) > limit:
                    return BoundedText(None, False)
                parts, size, full = [body], len(body), True
        if not data:
            text, replaced = clean("".join(parts).strip())
            return BoundedText(text, replaced)
