"""Terminal input: bytes made safe text, bounded answers, lines read off the event loop."""

from __future__ import annotations

import asyncio
import io
import logging
import threading

import pytest

from bot.cli.terminal_input import (
    CHUNK_BYTES,
    REPLACEMENT,
    LineReader,
    clean,
    decode,
    read_bounded,
)

log = logging.getLogger(__name__)


class CountingSource:
    """A byte source that records how many bytes were taken from it."""

    def __init__(self, data: bytes) -> None:
        self._stream = io.BytesIO(data)
        self.taken = 0

    def read(self, size: int) -> bytes:
        """Return up to ``size`` bytes."""
        chunk = self._stream.read(size)
        self.taken += len(chunk)
        return chunk


def test_cp1252_quotes_become_replacement_characters_and_are_reported() -> None:
    text, replaced = decode(b"I led it \x93on time\x94")
    assert text == f"I led it {REPLACEMENT}on time{REPLACEMENT}" and replaced
    assert decode("한국어 answer".encode()) == ("한국어 answer", False)


def test_random_bytes_never_leave_a_surrogate_or_a_control_character() -> None:
    data = bytes(range(256)) * 16
    text, replaced = decode(data)
    assert replaced
    text.encode("utf-8")  # a lone surrogate would raise here, as SQLite's binding does
    assert not any(ord(c) < 32 and c not in "\t\n" for c in text)


def test_a_json_surrogate_escape_is_cleaned_too() -> None:
    assert clean("a\ud800b") == (f"a{REPLACEMENT}b", True)
    assert clean("line one\r\nline two") == ("line one\nline two", False)


def test_an_answer_within_the_limit_is_returned_stripped() -> None:
    source = CountingSource(b"  \n" + b"a" * 100 + b" \n\n")
    assert read_bounded(source.read, 100).text == "a" * 100


def test_a_huge_answer_is_refused_after_reading_one_character_past_the_limit() -> None:
    source = CountingSource(b"a" * 10_000_000)
    result = read_bounded(source.read, 25_000)
    assert result.text is None
    assert source.taken == 25_001


def test_multibyte_text_is_counted_in_characters_not_bytes() -> None:
    answer = "가" * 25_000  # 75,000 bytes of UTF-8, exactly at the limit
    assert read_bounded(CountingSource(answer.encode()).read, 25_000).text == answer
    assert read_bounded(CountingSource((answer + "나").encode()).read, 25_000).text is None


def test_trailing_whitespace_past_the_limit_does_not_make_an_answer_too_long() -> None:
    at_limit = b"a" * 25_000
    assert read_bounded(CountingSource(at_limit + b"\n" * 100_000).read, 25_000).text == (
        "a" * 25_000
    )
    assert read_bounded(CountingSource(at_limit + b"\n\nb").read, 25_000).text is None


def test_a_line_longer_than_the_cap_is_cut_and_its_rest_dropped() -> None:
    data = b"x" * (3 * CHUNK_BYTES) + b"\nnext\n"
    reader = LineReader.for_stream(io.BytesIO(data), max_bytes=10)
    first = reader.next_line()
    assert first is not None and first.truncated and first.text == "x" * 10
    second = reader.next_line()
    assert second is not None and second.text == "next" and not second.truncated
    assert reader.next_line() is None


def test_lines_from_a_chunked_source_keep_their_boundaries_and_windows_endings() -> None:
    data = b"one\r\ntwo\n\nthree"
    stream = io.BytesIO(data)
    reader = LineReader(lambda _size: stream.read(2), max_bytes=100)
    lines = []
    while (line := reader.next_line()) is not None:
        lines.append(line.text)
    assert lines == ["one", "two", "", "three"]


async def test_readline_runs_on_a_thread_and_the_loop_stays_free() -> None:
    gate = asyncio.Event()
    loop = asyncio.get_running_loop()
    released = threading.Event()

    def read(_size: int) -> bytes:
        loop.call_soon_threadsafe(gate.set)
        released.wait(10)
        return b"answer\n"

    reader = LineReader(read, max_bytes=100)
    pending = asyncio.ensure_future(reader.readline())
    await asyncio.wait_for(gate.wait(), 10)  # the loop ran while the read was blocked
    assert not pending.done()
    released.set()
    line = await asyncio.wait_for(pending, 10)
    assert line is not None and line.text == "answer"


async def test_readline_returns_each_line_then_none_at_the_end() -> None:
    reader = LineReader.for_stream(io.BytesIO(b"first\nsecond\n"), max_bytes=100)
    first = await reader.readline()
    assert first is not None and first.text == "first"
    second = await reader.readline()
    assert second is not None and second.text == "second"
    assert await reader.readline() is None


@pytest.mark.parametrize("limit", [1, 5])
def test_whitespace_only_input_is_an_empty_answer(limit: int) -> None:
    assert read_bounded(CountingSource(b" \n\t\n").read, limit).text == ""
