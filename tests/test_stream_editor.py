"""The streaming message editor: throttled edits, clean splits, the final edit always lands."""

from __future__ import annotations

import asyncio
import itertools
import logging

import pytest

from bot.stream_editor import DISCORD_LIMIT, FENCE, StreamingMessageEditor, split_message

log = logging.getLogger(__name__)


class FakeClock:
    """A clock the test moves; ``sleep`` advances it instead of waiting."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class Handle:
    def __init__(self, target: FakeTarget, index: int) -> None:
        self._target = target
        self.index = index

    async def edit(self, text: str) -> None:
        self._target.call("edit", self.index, text)


class FakeTarget:
    """Records every send and edit with the fake time it happened at."""

    def __init__(self, clock: FakeClock, fail_edits: int = 0) -> None:
        self.clock = clock
        self.calls: list[tuple[float, str, int, str]] = []
        self.contents: list[str] = []
        self.fail_edits = fail_edits

    def call(self, kind: str, index: int, text: str) -> None:
        if kind == "edit" and self.fail_edits:
            self.fail_edits -= 1
            raise ConnectionError("429 too many requests")
        assert 0 < len(text) <= DISCORD_LIMIT
        self.calls.append((self.clock(), kind, index, text))
        self.contents[index] = text

    async def send(self, text: str) -> Handle:
        self.contents.append("")
        index = len(self.contents) - 1
        self.call("send", index, text)
        return Handle(self, index)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def editor(
    target: FakeTarget, clock: FakeClock, min_interval: float = 1.0
) -> StreamingMessageEditor:
    return StreamingMessageEditor(target, clock=clock, sleep=clock.sleep, min_interval=min_interval)


async def test_edits_are_throttled_and_the_final_edit_lands(clock: FakeClock) -> None:
    target = FakeTarget(clock)
    ed = editor(target, clock)
    words = [f"word{i} " for i in range(40)]
    for w in words:
        await ed.append(w)
        clock.now += 0.1  # a token every 100 ms
    await ed.aclose()
    times = [t for t, *_ in target.calls]
    assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(times))
    assert len(target.calls) <= 6  # 4 s of streaming: about one call a second, not 40
    assert target.contents == ["".join(words).rstrip()]
    assert target.calls[0][1] == "send" and all(c[1] == "edit" for c in target.calls[1:])


async def test_quiet_pause_is_flushed_by_the_timer(clock: FakeClock) -> None:
    target = FakeTarget(clock)
    ed = editor(target, clock)
    await ed.append("Praise: good.")
    clock.now += 0.2
    await ed.append(" Fix: own it.")
    assert target.contents == ["Praise: good."]  # throttled
    for _ in range(5):
        await asyncio.sleep(0)  # let the timer run; it sleeps on the fake clock
    assert target.contents == ["Praise: good. Fix: own it."]
    assert target.calls[-1][0] - target.calls[0][0] >= 1.0
    await ed.aclose()
    assert len(target.calls) == 2  # nothing new to show at close


async def test_aclose_waits_out_the_interval_then_edits(clock: FakeClock) -> None:
    target = FakeTarget(clock)
    ed = editor(target, clock, min_interval=1.0)
    await ed.append("a")
    clock.now += 0.3
    await ed.append("b")
    await ed.aclose()
    assert target.contents == ["ab"]
    (t0, *_), (t1, *_) = target.calls
    assert t1 - t0 >= 1.0
    with pytest.raises(RuntimeError):
        await ed.append("c")


async def test_long_streams_split_before_2000_at_a_clean_boundary(clock: FakeClock) -> None:
    target = FakeTarget(clock)
    ed = editor(target, clock)
    paragraphs = [f"Paragraph {i}. " + "x" * 590 for i in range(8)]
    for p in paragraphs:
        await ed.append(p + "\n\n")
        clock.now += 0.5
    await ed.aclose()
    assert len(target.contents) >= 3
    assert all(len(c) <= DISCORD_LIMIT for c in target.contents)
    # Each message ends where a paragraph ends: nothing is cut mid-paragraph.
    for c in target.contents:
        assert c.endswith("x"), c[-20:]
        assert c.startswith("Paragraph")
    rejoined = "\n\n".join(target.contents)
    assert rejoined == "\n\n".join(paragraphs).strip()
    assert ed.messages == target.contents


async def test_one_huge_append_is_split_into_several_messages(clock: FakeClock) -> None:
    target = FakeTarget(clock)
    ed = editor(target, clock)
    text = " ".join(f"w{i:04d}" for i in range(1500))  # about 8,000 characters
    await ed.append(text)
    await ed.aclose()
    assert len(target.contents) == 5
    assert all(len(c) <= DISCORD_LIMIT for c in target.contents)
    assert " ".join(target.contents).split() == text.split()  # no word is cut in two


async def test_failed_edit_is_retried_by_the_next_one(clock: FakeClock) -> None:
    target = FakeTarget(clock, fail_edits=1)
    ed = editor(target, clock)
    await ed.append("one")
    clock.now += 1.5
    await ed.append(" two")  # this edit fails and is logged
    clock.now += 1.5
    await ed.append(" three")
    await ed.aclose()
    assert target.contents == ["one two three"]


async def test_final_edit_is_retried_once_then_raises(clock: FakeClock) -> None:
    target = FakeTarget(clock, fail_edits=1)
    ed = editor(target, clock)
    await ed.append("one")
    clock.now += 0.1
    await ed.append(" two")
    await ed.aclose()  # first attempt fails, the retry lands
    assert target.contents == ["one two"]

    stubborn = FakeTarget(clock, fail_edits=5)
    ed2 = editor(stubborn, clock)
    await ed2.append("one")
    clock.now += 0.1
    await ed2.append(" two")
    with pytest.raises(ConnectionError):
        await ed2.aclose()


async def test_whitespace_only_is_never_sent(clock: FakeClock) -> None:
    target = FakeTarget(clock)
    async with editor(target, clock) as ed:
        await ed.append("   \n")
    assert target.calls == []


def test_split_keeps_code_fences_balanced() -> None:
    code = FENCE + "python\n" + "\n".join(f"x_{i} = {i}" for i in range(400)) + "\n" + FENCE
    head, rest = split_message(code, 2000)
    assert len(head) <= 2000
    assert head.count(FENCE) % 2 == 0 and head.endswith(FENCE)
    assert rest.startswith(FENCE + "\n")
    assert rest.count(FENCE) % 2 == 0


def test_split_prefers_paragraphs_then_lines_then_words() -> None:
    text = "a" * 1200 + "\n\n" + "b" * 500 + "\n" + "c" * 200 + " " + "d" * 400
    head, rest = split_message(text, 2000)
    assert head == "a" * 1200 and rest.startswith("b")
    text = "a" * 1200 + "\n" + "b" * 500 + " " + "c" * 400
    head, rest = split_message(text, 2000)
    assert head == "a" * 1200 and rest.startswith("b")
    text = "a" * 1100 + " " + "b" * 500 + " " + "c" * 400
    head, rest = split_message(text, 2000)
    assert head.endswith("b") and rest == "c" * 400
    no_breaks = "z" * 5000
    head, rest = split_message(no_breaks, 2000)
    assert len(head) <= 2000 and head + rest == no_breaks


async def test_abort_cancels_the_pending_edit_and_makes_no_final_one(clock: FakeClock) -> None:
    target = FakeTarget(clock)
    ed = editor(target, clock)
    await ed.append("first")
    await ed.append(" second")  # too soon: left to the timer
    await ed.abort()
    clock.now += 5
    await asyncio.sleep(0)
    assert [c[1] for c in target.calls] == ["send"]
    assert target.contents == ["first"]
    with pytest.raises(RuntimeError):
        await ed.append("more")
    await ed.aclose()  # closing an aborted editor sends nothing either
    assert len(target.calls) == 1
