"""Incremental section parser: order, latency of emission, tolerance and malformed replies."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.llm import (
    LLMRequest,
    LLMRouter,
    MalformedReply,
    SectionStreamParser,
    iter_sections,
    parse_sections,
)
from tests.fakes.llm_server import Behaviour, FakeLLMServer
from tests.llm.helpers import AnthropicFactory, OpenAIFactory

log = logging.getLogger(__name__)

FEEDBACK: dict[str, Any] = {
    "dimensions": {"structure": 72, "depth": 55, "communication": 80, "seniority": 60},
    "findings": [
        {
            "dimension": "depth",
            "severity": "major",
            "quote": 'we "fixed" it {somehow} \\ [fast]',
            "message": "No result given.",
            "fix": "Say what changed, with a number.",
        }
    ],
    "praise": "You named the trade-off: “latency vs cost”.\nNice.",
    "fix": "Quantify the outcome.",
    "tip": "답변 끝에 결과를 숫자로 말하세요.",
    "follow_up": "What would you do differently?",
    "rewrites": [],
    "score": 66,
    "on_topic": True,
    "notes": None,
}


def _reply(prefix: str = "", suffix: str = "", indent: int | None = 2) -> str:
    return prefix + json.dumps(FEEDBACK, ensure_ascii=False, indent=indent) + suffix


@pytest.mark.parametrize("size", [1, 2, 3, 5, 17, 10_000])
@pytest.mark.parametrize(
    ("prefix", "suffix"),
    [("", ""), ("```json\n", "\n```"), ("Sure! Here is the feedback:\n\n", "\nHope it helps.")],
    ids=["bare", "fence", "prose"],
)
def test_sections_arrive_in_order_for_any_chunking(prefix: str, suffix: str, size: int) -> None:
    text = _reply(prefix, suffix)
    parser = SectionStreamParser(expected=FEEDBACK)
    keys: list[str] = []
    for i in range(0, len(text), size):
        keys += [s.key for s in parser.feed(text[i : i + size])]
    assert keys == list(FEEDBACK)
    assert parser.done
    assert parser.finish() == FEEDBACK


def test_each_section_is_emitted_as_soon_as_it_closes() -> None:
    text = _reply(indent=None)
    parser = SectionStreamParser()
    emitted_at: dict[str, int] = {}
    for i, ch in enumerate(text):
        for s in parser.feed(ch):
            emitted_at[s.key] = i
    # Containers and strings complete on their closing character...
    assert text[emitted_at["dimensions"]] == "}"
    assert text[: emitted_at["dimensions"] + 1].endswith('"seniority": 60}')
    assert text[emitted_at["findings"]] == "]"
    assert text[emitted_at["praise"]] == '"'
    # ...numbers and literals need the following delimiter to be sure they ended.
    assert text[emitted_at["score"]] == ","
    assert text[emitted_at["notes"]] == "}"


def test_section_values_are_decoded() -> None:
    parser = SectionStreamParser()
    out = parser.feed('{"a": "x\\u00e9\\n", "b": [1, {"c": "]}"}], "n": -1.5e2, "t": true}')
    assert [(s.key, s.value, s.index) for s in out] == [
        ("a", "xé\n", 0),
        ("b", [1, {"c": "]}"}], 1),
        ("n", -150.0, 2),
        ("t", True, 3),
    ]


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ('{"praise": "ok", "fix": [1, 2}', {"praise": "ok"}),
        ('{"praise": "ok" "fix": 1}', {"praise": "ok"}),
        ('{"praise": "ok", fix: 1}', {"praise": "ok"}),
        ('{"praise": "ok", "fix": {"a": tru}}', {"praise": "ok"}),
        ('{"praise": "ok", "fix": "unterminated', {"praise": "ok"}),
        ("I cannot help with that.", {}),
    ],
)
def test_malformed_reply_keeps_what_was_parsed(text: str, parsed: dict[str, Any]) -> None:
    parser = SectionStreamParser()
    with pytest.raises(MalformedReply) as info:
        for ch in text:
            parser.feed(ch)
        parser.finish()
    assert info.value.parsed == parsed
    assert "malformed JSON reply" in str(info.value)


def test_missing_expected_section_is_malformed() -> None:
    with pytest.raises(MalformedReply, match="missing sections") as info:
        parse_sections('{"praise": "ok"}', expected=["praise", "fix"])
    assert info.value.parsed == {"praise": "ok"}


async def test_streamed_from_provider_through_router(
    fake_llm: FakeLLMServer,
    make_openai: OpenAIFactory,
    make_anthropic: AnthropicFactory,
    request_: LLMRequest,
) -> None:
    fake_llm.anthropic.default = Behaviour(text=_reply("```json\n", "\n```"))
    router = LLMRouter([make_anthropic(), make_openai()])
    keys = [s.key async for s in iter_sections(router.stream(request_), expected=FEEDBACK)]
    assert keys == list(FEEDBACK)


async def test_malformed_json_from_provider_raises(
    fake_llm: FakeLLMServer, make_openai: OpenAIFactory, request_: LLMRequest
) -> None:
    broken = '{"praise": "Good start.", "fix": "Quantify", "tip": oops}'
    fake_llm.openai.default = Behaviour(text=broken)
    router = LLMRouter([make_openai()])
    got: list[str] = []
    with pytest.raises(MalformedReply) as info:
        async for s in iter_sections(router.stream(request_)):
            got.append(s.key)
    assert got == ["praise", "fix"]
    assert info.value.parsed == {"praise": "Good start.", "fix": "Quantify"}


async def test_iter_sections_reports_truncation() -> None:
    async def deltas() -> AsyncIterator[str]:
        for part in ('{"praise": "a",', ' "fix": "b", "tip": "c'):
            yield part

    with pytest.raises(MalformedReply, match="ended before"):
        [s async for s in iter_sections(deltas())]
