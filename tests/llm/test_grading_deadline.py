"""One deadline per grading, across retries and failover, against the loopback fake.

The fake is set never to answer (a time to first token of an hour) while the per-call
timeout stays at the documented 60 s: the offline coach must answer because of the
grading's own deadline. No test here measures wall-clock time (bench/grading_deadline.py
prints the figures); they check that the fallback came from the deadline and what each
provider's attempt was recorded as.
"""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from bot.catalog import Language, Level
from bot.coaching.answer import Answer
from bot.coaching.grading import GradingContext
from bot.coaching.rubric import Rubric
from bot.llm import CallTimeouts, ChatMessage, LLMRequest, LLMRouter, RetryPolicy
from bot.llm.evaluator import LLMEvaluator
from bot.llm.router import DeadlineExceeded
from bot.llm.types import StreamInterrupted
from tests.fakes.llm_server import Behaviour, FakeLLMServer
from tests.llm.helpers import (
    BEHAVIORAL,
    PROMPTS,
    REGISTRY,
    STORY,
    AnthropicFactory,
    ListSink,
    OpenAIFactory,
    reply,
    scripted,
)

log = logging.getLogger(__name__)

NEVER = Behaviour(ttft_s=3600.0)  # accepts the request and never sends a byte back
DOCUMENTED_TIMEOUT = CallTimeouts(read_s=60, total_s=60)
DEADLINE_S = 0.6


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return Rubric.load(PROMPTS)


def hung_router(
    make_openai: OpenAIFactory, make_anthropic: AnthropicFactory, sink: ListSink
) -> LLMRouter:
    """Both providers with the documented 60 s per-call timeout and three retry rounds."""
    return LLMRouter(
        [make_openai(timeouts=DOCUMENTED_TIMEOUT), make_anthropic(timeouts=DOCUMENTED_TIMEOUT)],
        retry=RetryPolicy(max_rounds=3),
        usage_sink=sink,
    )


def request() -> LLMRequest:
    return LLMRequest(
        messages=(ChatMessage("user", "Grade this."),), prompt_id="evaluate", prompt_version="v0"
    )


async def test_a_provider_that_never_answers_gets_the_offline_coach_by_the_deadline(
    fake_llm: FakeLLMServer,
    make_openai: OpenAIFactory,
    make_anthropic: AnthropicFactory,
    sink: ListSink,
    rubric: Rubric,
) -> None:
    fake_llm.openai.default = NEVER
    fake_llm.anthropic.default = NEVER
    router = hung_router(make_openai, make_anthropic, sink)
    evaluator = LLMEvaluator(router, REGISTRY, rubric, deadline_s=DEADLINE_S)

    ev = await evaluator.evaluate(
        Answer(STORY), BEHAVIORAL, GradingContext(level=Level.MID, language=Language.EN)
    )

    offline = rubric.evaluate(Answer(STORY), BEHAVIORAL, Level.MID, Language.EN)
    assert ev.source == "offline" and ev.score == offline.score
    assert ev.fallback is not None and ev.fallback.detail == "deadline"
    assert "unavailable" in ev.fallback.note
    # The first provider held the whole deadline; its attempt is recorded as cut, and it
    # counts as a failure so the next grading tries the other provider first.
    assert [(r.provider, r.ok, r.error) for r in sink.records] == [("openai", False, "deadline")]
    assert router.health.snapshot("openai").calls == 1
    assert router.health.rank(["openai", "anthropic"])[0] == "anthropic"


async def test_the_router_stops_retrying_at_the_deadline(
    fake_llm: FakeLLMServer,
    make_openai: OpenAIFactory,
    make_anthropic: AnthropicFactory,
    sink: ListSink,
) -> None:
    # Quick failures with long backoffs: without the deadline, three rounds would sleep.
    fake_llm.openai.default = Behaviour(status=503)
    fake_llm.anthropic.default = Behaviour(status=529)
    router = LLMRouter(
        [make_openai(), make_anthropic()],
        retry=RetryPolicy(max_rounds=3, initial_backoff_s=30.0, max_backoff_s=30.0, jitter_s=0),
        usage_sink=sink,
    )
    deadline = asyncio.get_running_loop().time() + 5.0

    with pytest.raises(DeadlineExceeded) as caught:
        await router.complete(request(), deadline=deadline)

    # One round, then no 30 s backoff that would end past the deadline.
    assert [e.kind for e in caught.value.errors] == ["unavailable", "unavailable"]
    assert len(fake_llm.requests) == 2


async def test_a_stream_that_stalls_after_its_first_words_is_cut_at_the_deadline(
    fake_llm: FakeLLMServer,
    make_openai: OpenAIFactory,
    make_anthropic: AnthropicFactory,
    sink: ListSink,
    rubric: Rubric,
) -> None:
    # Half a token a second: the reply starts, then would take minutes to finish.
    fake_llm.openai.default = Behaviour(text=scripted(reply()), tokens_per_s=0.5)
    router = hung_router(make_openai, make_anthropic, sink)
    evaluator = LLMEvaluator(router, REGISTRY, rubric, deadline_s=DEADLINE_S)

    ev = await evaluator.evaluate(
        Answer(STORY), BEHAVIORAL, GradingContext(level=Level.MID, language=Language.EN)
    )

    assert ev.source == "offline"
    assert ev.fallback is not None and ev.fallback.detail == "deadline"
    assert [(r.provider, r.ok, r.error) for r in sink.records] == [
        ("openai", False, "deadline:midstream")
    ]
    assert fake_llm.requests_for("anthropic") == []  # no restart once output began


async def test_a_stalled_stream_raises_stream_interrupted_with_what_came(
    fake_llm: FakeLLMServer, make_openai: OpenAIFactory, sink: ListSink
) -> None:
    fake_llm.openai.default = Behaviour(text=json.dumps(reply()), tokens_per_s=0.5)
    router = LLMRouter([make_openai(timeouts=DOCUMENTED_TIMEOUT)], usage_sink=sink)
    call = router.stream(request(), deadline=asyncio.get_running_loop().time() + DEADLINE_S)
    seen: list[str] = []
    with pytest.raises(StreamInterrupted) as caught:
        async for delta in call:
            seen.append(delta)
    assert seen and caught.value.partial_text == "".join(seen)


async def test_without_a_deadline_a_quick_model_still_grades(
    fake_llm: FakeLLMServer,
    make_openai: OpenAIFactory,
    make_anthropic: AnthropicFactory,
    sink: ListSink,
    rubric: Rubric,
) -> None:
    fake_llm.openai.default = Behaviour(text=scripted(reply()))
    router = hung_router(make_openai, make_anthropic, sink)
    evaluator = LLMEvaluator(router, REGISTRY, rubric, deadline_s=30.0)
    ev = await evaluator.evaluate(
        Answer(STORY), BEHAVIORAL, GradingContext(level=Level.MID, language=Language.EN)
    )
    assert ev.source == "llm" and ev.fallback is None
    assert [(r.provider, r.ok) for r in sink.records] == [("openai", True)]


async def test_a_slow_section_callback_cannot_hold_the_grading_past_its_deadline(
    fake_llm: FakeLLMServer,
    make_openai: OpenAIFactory,
    make_anthropic: AnthropicFactory,
    sink: ListSink,
    rubric: Rubric,
) -> None:
    fake_llm.openai.default = Behaviour(text=scripted(reply()))
    router = hung_router(make_openai, make_anthropic, sink)
    evaluator = LLMEvaluator(router, REGISTRY, rubric, deadline_s=DEADLINE_S)
    blocked = asyncio.Event()

    async def stuck_preview(key: str, value: object) -> None:
        blocked.set()
        await asyncio.sleep(3600)  # a Discord edit retried for ever

    context = GradingContext(level=Level.MID, language=Language.EN, on_section=stuck_preview)
    ev = await evaluator.evaluate(Answer(STORY), BEHAVIORAL, context)
    assert blocked.is_set()
    assert ev.source == "offline"
    assert ev.fallback is not None and ev.fallback.detail == "deadline"
