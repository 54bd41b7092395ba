"""Both providers stream through the real SDKs against the loopback fake."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.llm import (
    AnthropicProvider,
    AnthropicSettings,
    CallTimeouts,
    LLMRequest,
    OpenAIProvider,
    OpenAISettings,
    ProviderRejected,
    ProviderUnavailable,
)
from bot.llm._base import StreamCall
from tests.fakes.llm_server import Behaviour, FakeLLMServer
from tests.llm.helpers import ANTHROPIC_KEY, OPENAI_KEY, AnthropicFactory, OpenAIFactory

log = logging.getLogger(__name__)

REPLY = '{"praise": "Clear ownership.", "fix": "Add a number.", "tip": "Use STAR."}'


def _providers(
    make_openai: OpenAIFactory, make_anthropic: AnthropicFactory, **kw: Any
) -> list[OpenAIProvider | AnthropicProvider]:
    return [make_openai(**kw), make_anthropic(**kw)]


async def _drain(call: StreamCall) -> list[str]:
    return [d async for d in call]


@pytest.mark.parametrize("api", ["openai", "anthropic"])
async def test_streams_text_and_reports_usage(
    api: str,
    fake_llm: FakeLLMServer,
    make_openai: OpenAIFactory,
    make_anthropic: AnthropicFactory,
    request_: LLMRequest,
) -> None:
    endpoint = getattr(fake_llm, api)
    endpoint.default = Behaviour(text=REPLY, input_tokens=1000, cached_tokens=0)
    provider = make_openai() if api == "openai" else make_anthropic()
    call = provider.stream(request_)
    deltas = await _drain(call)

    assert len(deltas) > 5  # really streamed, not one blob
    assert "".join(deltas) == REPLY
    r = call.result
    assert r.text == REPLY
    assert r.provider == api
    assert r.input_tokens == 1000
    assert r.output_tokens == len(deltas)
    assert r.ttft_ms is not None and r.ttft_ms <= r.latency_ms
    expected_cost = provider._settings.price.cost(1000, len(deltas))
    assert r.cost_usd == pytest.approx(expected_cost)
    assert r.cost_usd > 0


async def test_openai_request_shape(
    fake_llm: FakeLLMServer, make_openai: OpenAIFactory, request_: LLMRequest
) -> None:
    call = make_openai().stream(request_)
    await _drain(call)
    (req,) = fake_llm.requests_for("openai")
    assert req.headers["authorization"] == f"Bearer {OPENAI_KEY}"
    assert req.body["stream"] is True
    assert req.body["stream_options"] == {"include_usage": True}
    assert req.body["response_format"] == {"type": "json_object"}
    system = req.body["messages"][0]
    assert system["role"] == "system"
    # The static part leads so OpenAI's automatic prefix cache can reuse it.
    assert system["content"].startswith(request_.system_static)
    assert req.body["messages"][1] == {"role": "user", "content": "Grade: I led the migration."}
    assert req.headers["x-stainless-retry-count"] == "0"


async def test_anthropic_request_marks_static_system_for_caching(
    fake_llm: FakeLLMServer, make_anthropic: AnthropicFactory, request_: LLMRequest
) -> None:
    fake_llm.anthropic.default = Behaviour(text=REPLY, cached_tokens=800, input_tokens=200)
    call = make_anthropic().stream(request_)
    await _drain(call)
    (req,) = fake_llm.requests_for("anthropic")
    key_headers = (req.headers.get("x-api-key", ""), req.headers.get("authorization", ""))
    assert any(ANTHROPIC_KEY in h for h in key_headers)
    static, dynamic = req.body["system"]
    assert static == {
        "type": "text",
        "text": request_.system_static,
        "cache_control": {"type": "ephemeral"},
    }
    assert dynamic == {"type": "text", "text": request_.system_dynamic}
    assert "cache_control" not in dynamic
    assert req.body["stream"] is True
    # Cache reads are folded into the input count and priced at the cached rate.
    r = call.result
    assert r.input_tokens == 1000
    assert r.cached_input_tokens == 800
    price = make_anthropic()._settings.price
    assert r.cost_usd == pytest.approx(price.cost(1000, r.output_tokens, 800))
    assert r.cost_usd < price.cost(1000, r.output_tokens)


@pytest.mark.parametrize("api", ["openai", "anthropic"])
async def test_base_url_from_environment(
    api: str, fake_llm: FakeLLMServer, monkeypatch: pytest.MonkeyPatch, request_: LLMRequest
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.openai_base_url)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_llm.anthropic_base_url)
    provider: OpenAIProvider | AnthropicProvider
    if api == "openai":
        provider = OpenAIProvider(OpenAISettings(api_key=OPENAI_KEY))
    else:
        provider = AnthropicProvider(AnthropicSettings(api_key=ANTHROPIC_KEY))
    call = provider.stream(request_)
    assert "".join(await _drain(call)) == '{"ok": true}'
    assert len(fake_llm.requests_for(api)) == 1


@pytest.mark.parametrize("api", ["openai", "anthropic"])
@pytest.mark.parametrize(
    ("behaviour", "status", "retry_after"),
    [
        (Behaviour(status=429, retry_after=7), 429, 7.0),
        (Behaviour(status=500), 500, None),
        (Behaviour(status=529), 529, None),
        (Behaviour(status=503), 503, None),
    ],
)
async def test_retryable_statuses_map_to_unavailable_without_sdk_retries(
    api: str,
    behaviour: Behaviour,
    status: int,
    retry_after: float | None,
    fake_llm: FakeLLMServer,
    make_openai: OpenAIFactory,
    make_anthropic: AnthropicFactory,
    request_: LLMRequest,
) -> None:
    getattr(fake_llm, api).default = behaviour
    provider = make_openai() if api == "openai" else make_anthropic()
    with pytest.raises(ProviderUnavailable) as info:
        await _drain(provider.stream(request_))
    assert info.value.status == status
    assert info.value.retry_after == retry_after
    assert info.value.provider == api
    assert len(fake_llm.requests_for(api)) == 1  # max_retries=0: the router owns retries


@pytest.mark.parametrize("api", ["openai", "anthropic"])
@pytest.mark.parametrize("status", [400, 401, 403])
async def test_client_errors_map_to_rejected(
    api: str,
    status: int,
    fake_llm: FakeLLMServer,
    make_openai: OpenAIFactory,
    make_anthropic: AnthropicFactory,
    request_: LLMRequest,
) -> None:
    getattr(fake_llm, api).default = Behaviour(status=status)
    provider = make_openai() if api == "openai" else make_anthropic()
    with pytest.raises(ProviderRejected) as info:
        await _drain(provider.stream(request_))
    assert info.value.status == status


@pytest.mark.parametrize("api", ["openai", "anthropic"])
@pytest.mark.parametrize(
    "behaviour",
    [
        Behaviour(text=REPLY, drop_after_tokens=3),
        Behaviour(text=REPLY, truncate_after_tokens=3),
        Behaviour(text=REPLY, error_after_tokens=3),
    ],
    ids=["drop", "truncate", "in-stream-error"],
)
async def test_broken_stream_is_unavailable_with_partial_text(
    api: str,
    behaviour: Behaviour,
    fake_llm: FakeLLMServer,
    make_openai: OpenAIFactory,
    make_anthropic: AnthropicFactory,
    request_: LLMRequest,
) -> None:
    getattr(fake_llm, api).default = behaviour
    provider = make_openai() if api == "openai" else make_anthropic()
    call = provider.stream(request_)
    got: list[str] = []
    with pytest.raises(ProviderUnavailable) as info:
        async for delta in call:
            got.append(delta)
    assert "".join(got) == REPLY[:12]
    assert info.value.partial_text == REPLY[:12]
    with pytest.raises(RuntimeError):
        _ = call.result


@pytest.mark.parametrize("api", ["openai", "anthropic"])
async def test_first_token_timeout(
    api: str,
    fake_llm: FakeLLMServer,
    make_openai: OpenAIFactory,
    make_anthropic: AnthropicFactory,
    request_: LLMRequest,
) -> None:
    getattr(fake_llm, api).default = Behaviour(text=REPLY, ttft_s=3.0)
    timeouts = CallTimeouts(read_s=5, first_token_s=0.2, total_s=5)
    provider = (
        make_openai(timeouts=timeouts) if api == "openai" else make_anthropic(timeouts=timeouts)
    )
    with pytest.raises(ProviderUnavailable, match="first token"):
        await _drain(provider.stream(request_))


@pytest.mark.parametrize("api", ["openai", "anthropic"])
async def test_key_never_in_error_text_or_logs(
    api: str,
    fake_llm: FakeLLMServer,
    make_openai: OpenAIFactory,
    make_anthropic: AnthropicFactory,
    request_: LLMRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    getattr(fake_llm, api).default = Behaviour(status=401, echo_key=True)
    provider = make_openai() if api == "openai" else make_anthropic()
    key = OPENAI_KEY if api == "openai" else ANTHROPIC_KEY
    with pytest.raises(ProviderRejected) as info:
        await _drain(provider.stream(request_))
    log.error("call failed: %s", info.value)
    # The fake really echoed the key, so redaction had something to do.
    assert fake_llm.requests_for(api)
    assert key not in str(info.value)
    assert key not in repr(info.value)
    assert key not in caplog.text
    assert key[:12] not in caplog.text
    assert key[-8:] not in caplog.text
    assert "[REDACTED]" in caplog.text  # the SDK message was logged, masked
