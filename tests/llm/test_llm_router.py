"""Router: failover, bounded retries, mid-stream contract, health-based routing, usage."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from bot.llm import (
    AllProvidersFailed,
    CallTimeouts,
    HealthPolicy,
    HealthTracker,
    LLMRequest,
    LLMRouter,
    RetryPolicy,
    StreamInterrupted,
)
from tests.fakes.llm_server import Behaviour, FakeLLMServer
from tests.llm.helpers import AnthropicFactory, ListSink, OpenAIFactory

log = logging.getLogger(__name__)

REPLY = '{"praise": "Good.", "fix": "Quantify.", "tip": "Pause."}'


class SleepRecorder:
    """Record backoff sleeps without waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def _router(
    make_openai: OpenAIFactory,
    make_anthropic: AnthropicFactory,
    *,
    sink: ListSink | None = None,
    sleep: SleepRecorder | None = None,
    retry: RetryPolicy | None = None,
    health: HealthTracker | None = None,
    timeouts: CallTimeouts | None = None,
) -> LLMRouter:
    return LLMRouter(
        [make_openai(timeouts=timeouts), make_anthropic(timeouts=timeouts)],
        health=health,
        retry=retry or RetryPolicy(max_rounds=3, initial_backoff_s=0.5, max_backoff_s=4),
        usage_sink=sink,
        sleep=sleep or SleepRecorder(),
    )


async def test_prefers_first_provider_when_healthy(
    fake_llm: FakeLLMServer,
    make_openai: OpenAIFactory,
    make_anthropic: AnthropicFactory,
    request_: LLMRequest,
    sink: ListSink,
) -> None:
    fake_llm.openai.default = Behaviour(text=REPLY)
    router = _router(make_openai, make_anthropic, sink=sink)
    call = router.stream(request_, key="session-1")
    text = "".join([d async for d in call])
    assert text == REPLY
    assert call.provider == "openai"
    assert call.result.provider == "openai"
    assert fake_llm.requests_for("anthropic") == []
    (rec,) = sink.records
    assert rec.ok and rec.error is None
    assert (rec.prompt_id, rec.prompt_version, rec.language) == ("evaluate", "v1", "en")
    assert (rec.provider, rec.model) == ("openai", "gpt-4.1-mini")
    assert rec.input_tokens > 0 and rec.output_tokens == call.result.output_tokens
    assert rec.cost_usd == pytest.approx(call.result.cost_usd) and rec.cost_usd > 0
    assert rec.ttft_ms is not None and rec.ttft_ms > 0
    assert rec.key == "session-1"


@pytest.mark.parametrize(
    "failure",
    [
        Behaviour(status=429, retry_after=30),
        Behaviour(status=500),
        Behaviour(text=REPLY, ttft_s=3.0),
        Behaviour(text=REPLY, drop_after_tokens=0),
    ],
    ids=["429", "500", "timeout", "drop-before-text"],
)
async def test_fails_over_before_any_text(
    failure: Behaviour,
    fake_llm: FakeLLMServer,
    make_openai: OpenAIFactory,
    make_anthropic: AnthropicFactory,
    request_: LLMRequest,
    sink: ListSink,
) -> None:
    fake_llm.openai.default = failure
    fake_llm.anthropic.default = Behaviour(text=REPLY)
    sleeps = SleepRecorder()
    router = _router(
        make_openai,
        make_anthropic,
        sink=sink,
        sleep=sleeps,
        timeouts=CallTimeouts(read_s=5, first_token_s=1.0, total_s=5),
    )
    call = router.stream(request_)
    assert "".join([d async for d in call]) == REPLY
    assert call.provider == "anthropic"
    assert sleeps.calls == []  # failover inside a round needs no backoff
    assert [(r.provider, r.ok) for r in sink.records] == [("openai", False), ("anthropic", True)]
    assert sink.records[0].error is not None and sink.records[0].error.startswith("unavailable")
    assert [e.provider for e in call.errors] == ["openai"]
    # The failure lowered openai's health, so the next call goes to anthropic first.
    assert router.health.rank(router.provider_names)[0] == "anthropic"


async def test_rejected_provider_is_skipped_not_retried(
    fake_llm: FakeLLMServer,
    make_openai: OpenAIFactory,
    make_anthropic: AnthropicFactory,
    request_: LLMRequest,
) -> None:
    fake_llm.openai.default = Behaviour(status=401)
    fake_llm.anthropic.push(Behaviour(status=500), Behaviour(status=500))
    fake_llm.anthropic.default = Behaviour(text=REPLY)
    sleeps = SleepRecorder()
    router = _router(make_openai, make_anthropic, sleep=sleeps)
    result = await router.complete(request_)
    assert result.provider == "anthropic"
    assert len(fake_llm.requests_for("openai")) == 1
    assert len(fake_llm.requests_for("anthropic")) == 3
    assert len(sleeps.calls) == 2


async def test_retries_are_bounded_with_growing_jittered_backoff(
    fake_llm: FakeLLMServer,
    make_openai: OpenAIFactory,
    make_anthropic: AnthropicFactory,
    request_: LLMRequest,
    sink: ListSink,
) -> None:
    fake_llm.openai.default = Behaviour(status=500)
    fake_llm.anthropic.default = Behaviour(status=529)
    sleeps = SleepRecorder()
    retry = RetryPolicy(max_rounds=4, initial_backoff_s=1.0, max_backoff_s=3.0, jitter_s=0.5)
    router = _router(make_openai, make_anthropic, sink=sink, sleep=sleeps, retry=retry)
    with pytest.raises(AllProvidersFailed) as info:
        await router.complete(request_)
    assert len(fake_llm.requests_for("openai")) == 4
    assert len(fake_llm.requests_for("anthropic")) == 4
    assert len(info.value.errors) == 8
    assert len(sink.records) == 8 and not any(r.ok for r in sink.records)
    assert [r.attempt for r in sink.records] == list(range(1, 9))
    assert len(sleeps.calls) == 3
    # 1 and 2 seconds plus up to 0.5 s jitter, then capped at 3.
    low = [1.0, 2.0, 3.0]
    high = [1.5, 2.5, 3.0]
    for lo, hi, slept in zip(low, high, sleeps.calls, strict=True):
        assert lo <= slept <= hi


async def test_all_rejected_fails_fast(
    fake_llm: FakeLLMServer,
    make_openai: OpenAIFactory,
    make_anthropic: AnthropicFactory,
    request_: LLMRequest,
) -> None:
    fake_llm.openai.default = Behaviour(status=401)
    fake_llm.anthropic.default = Behaviour(status=400)
    sleeps = SleepRecorder()
    router = _router(make_openai, make_anthropic, sleep=sleeps)
    with pytest.raises(AllProvidersFailed) as info:
        await router.complete(request_)
    assert [e.kind for e in info.value.errors] == ["rejected", "rejected"]
    assert sleeps.calls == []
    assert len(fake_llm.requests) == 2


async def test_drop_after_text_raises_stream_interrupted(
    fake_llm: FakeLLMServer,
    make_openai: OpenAIFactory,
    make_anthropic: AnthropicFactory,
    request_: LLMRequest,
    sink: ListSink,
) -> None:
    fake_llm.openai.default = Behaviour(text=REPLY, drop_after_tokens=4)
    fake_llm.anthropic.default = Behaviour(text=REPLY)
    router = _router(make_openai, make_anthropic, sink=sink)
    call = router.stream(request_)
    seen: list[str] = []
    with pytest.raises(StreamInterrupted) as info:
        async for delta in call:
            seen.append(delta)
    assert "".join(seen) == REPLY[:16]
    assert info.value.partial_text == REPLY[:16]
    assert info.value.provider == "openai"
    # No silent switch to another provider once the caller has text.
    assert fake_llm.requests_for("anthropic") == []
    assert [(r.provider, r.ok, r.error) for r in sink.records] == [
        ("openai", False, "unavailable:midstream")
    ]


async def test_health_moves_traffic_before_failures(
    fake_llm: FakeLLMServer,
    make_openai: OpenAIFactory,
    make_anthropic: AnthropicFactory,
    request_: LLMRequest,
) -> None:
    # openai keeps succeeding but slows down; anthropic is fast.
    fake_llm.openai.default = Behaviour(text=REPLY, ttft_s=0.15)
    fake_llm.anthropic.default = Behaviour(text=REPLY)
    health = HealthTracker(HealthPolicy(latency_target_ms=40, rank_margin=0.1))
    router = _router(make_openai, make_anthropic, health=health)
    served = [(await router.complete(request_)).provider for _ in range(4)]
    assert served[0] == "openai"
    assert served[1:] == ["anthropic"] * 3
    snap = health.snapshot("openai")
    assert snap.calls == snap.successes == 1  # moved away with no failure at all
    assert health.score("openai") < health.score("anthropic")


async def test_broken_usage_sink_does_not_break_calls(
    fake_llm: FakeLLMServer,
    make_openai: OpenAIFactory,
    make_anthropic: AnthropicFactory,
    request_: LLMRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    class BrokenSink:
        async def record(self, usage: object) -> None:
            raise RuntimeError("db down")

    router = LLMRouter([make_openai(), make_anthropic()], usage_sink=BrokenSink())
    result = await router.complete(request_)
    assert result.text == '{"ok": true}'
    assert "usage sink failed" in caplog.text


def test_duplicate_provider_names_rejected(
    make_openai: OpenAIFactory,
) -> None:
    with pytest.raises(ValueError, match="unique"):
        LLMRouter([make_openai(), make_openai()])


async def test_every_failover_log_line_names_the_session_and_user(
    fake_llm: FakeLLMServer,
    make_openai: OpenAIFactory,
    make_anthropic: AnthropicFactory,
    request_: LLMRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_llm.openai.default = Behaviour(status=500)
    fake_llm.anthropic.default = Behaviour(text=REPLY)
    router = _router(make_openai, make_anthropic)
    traced = dataclasses.replace(request_, trace="session 4, user 7, guild 1")
    caplog.set_level(logging.WARNING, logger="bot.llm")

    call = router.stream(traced)
    assert "".join([d async for d in call]) == REPLY

    warnings = [r.getMessage() for r in caplog.records if r.name.startswith("bot.llm")]
    assert warnings and all("session 4, user 7" in m for m in warnings)
