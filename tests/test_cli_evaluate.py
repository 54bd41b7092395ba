"""`evaluate` in process: the 25,000-character limit holds while reading, bytes made safe."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.catalog import Kind, Language, Level
from bot.cli.evaluate import MAX_JSONL_LINE_BYTES, evaluate, evaluate_batch
from bot.config import Settings

log = logging.getLogger(__name__)

ANSWER = (
    "Last year our checkout service kept timing out, and I owned the fix. I profiled it, "
    "added a cache and batched the writes. As a result, errors fell by 85 percent."
)


class CountingInput(io.BytesIO):
    """Standard input that records how many bytes were read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.taken = 0

    def read(self, size: int | None = -1, /) -> bytes:
        """Return up to ``size`` bytes and count them."""
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Return settings with no model key, so the offline coach grades."""
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "MOCKINGBIRD_MASTER_KEY"):
        monkeypatch.delenv(name, raising=False)
    return Settings(env_file=None)


async def grade_one(
    settings: Settings, stdin: io.BytesIO, question: str = "Tell me about a fix you led."
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = await evaluate(
        Kind.BEHAVIORAL,
        Level.MID,
        question,
        Language.EN,
        settings,
        stdin=stdin,
        out=out,
        err=err,
    )
    return code, out.getvalue(), err.getvalue()


async def test_ten_megabytes_are_refused_after_reading_one_character_past_the_limit(
    settings: Settings,
) -> None:
    stdin = CountingInput(b"a " * 5_000_000)
    code, out, err = await grade_one(settings, stdin)
    assert code == 2 and out == ""
    assert "longer than 25,000 characters" in err and "not graded" in err
    assert stdin.taken == 25_001


async def test_an_answer_at_the_limit_with_a_trailing_newline_is_graded(
    settings: Settings,
) -> None:
    answer = (ANSWER + " ") * (25_000 // (len(ANSWER) + 1))
    code, out, err = await grade_one(settings, CountingInput(answer.encode() + b"\n"))
    assert code == 0, err
    assert 0 <= json.loads(out)["score"] <= 100


async def test_non_utf8_input_and_stray_bytes_in_the_question_are_replaced(
    settings: Settings,
) -> None:
    stdin = CountingInput(b"I led it \x93on time\x94. " + ANSWER.encode())
    code, out, err = await grade_one(settings, stdin, question="Tell me \udc93about it")
    assert code == 0
    assert err.count("not valid UTF-8") == 1
    json.loads(out)  # printable: no lone surrogate reached the JSON


async def test_jsonl_refuses_an_overlong_line_and_goes_on(settings: Settings) -> None:
    item = {"question": "Tell me about a fix you led.", "kind": "behavioral"}
    huge = json.dumps({"id": "huge", **item, "answer": "a " * 5_000_000})
    lines = [huge, json.dumps({"id": "ok", **item, "answer": ANSWER})]
    out, err = io.StringIO(), io.StringIO()
    stdin = CountingInput(("\n".join(lines) + "\n").encode())
    code = await evaluate_batch(settings, stdin=stdin, out=out, err=err)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert code == 1
    assert rows[0]["line"] == 1 and rows[0]["id"] is None
    assert "25,000-character limit" in rows[0]["error"]
    assert rows[1]["id"] == "ok" and "score" in rows[1]
    assert MAX_JSONL_LINE_BYTES < 1_000_000 < len(huge)


async def test_jsonl_counts_the_limit_without_surrounding_whitespace(settings: Settings) -> None:
    item = {"question": "Tell me about a fix you led.", "kind": "behavioral"}
    padded = json.dumps({"id": 1, **item, "answer": "a" * 25_000 + "\n\n"})
    over = json.dumps({"id": 2, **item, "answer": "a" * 25_001})
    out = io.StringIO()
    stdin = CountingInput(f"{padded}\n{over}\n".encode())
    assert await evaluate_batch(settings, stdin=stdin, out=out, err=io.StringIO()) == 1
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert "score" in first and "error" not in first
    assert second["error"] == '"answer" is 25,001 characters; the limit is 25,000'


async def test_jsonl_with_bad_bytes_and_surrogate_escapes_is_graded(settings: Settings) -> None:
    line = (
        b'{"id": 1, "question": "Tell me \\ud800 about it", "kind": "behavioral", '
        b'"answer": "I led it \x93on time\x94. ' + ANSWER.encode() + b'"}\n'
    )
    out, err = io.StringIO(), io.StringIO()
    assert await evaluate_batch(settings, stdin=CountingInput(line), out=out, err=err) == 0
    assert err.getvalue().count("not valid UTF-8") == 1
    assert json.loads(out.getvalue())["id"] == 1
