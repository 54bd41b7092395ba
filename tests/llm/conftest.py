"""Fixtures for the LLM adapter tests: the loopback fake and providers pointed at it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from bot.llm import (
    AnthropicProvider,
    AnthropicSettings,
    CallTimeouts,
    ChatMessage,
    LLMRequest,
    OpenAIProvider,
    OpenAISettings,
)
from tests.fakes.llm_server import FakeLLMServer
from tests.llm.helpers import (
    ANTHROPIC_KEY,
    OPENAI_KEY,
    AnthropicFactory,
    ListSink,
    OpenAIFactory,
)

log = logging.getLogger(__name__)


@pytest.fixture
async def fake_llm() -> AsyncIterator[FakeLLMServer]:
    """Yield a running fake of both vendor APIs."""
    async with FakeLLMServer() as server:
        yield server


@pytest.fixture
def make_openai(fake_llm: FakeLLMServer) -> OpenAIFactory:
    """Return a factory of OpenAI providers pointed at the fake."""

    def make(
        *, name: str = "openai", timeouts: CallTimeouts | None = None, key: str = OPENAI_KEY
    ) -> OpenAIProvider:
        return OpenAIProvider(
            OpenAISettings(
                api_key=key,
                base_url=fake_llm.openai_base_url,
                name=name,
                timeouts=timeouts or CallTimeouts(read_s=5, total_s=5),
            )
        )

    return make


@pytest.fixture
def make_anthropic(fake_llm: FakeLLMServer) -> AnthropicFactory:
    """Return a factory of Anthropic providers pointed at the fake."""

    def make(
        *, name: str = "anthropic", timeouts: CallTimeouts | None = None, key: str = ANTHROPIC_KEY
    ) -> AnthropicProvider:
        return AnthropicProvider(
            AnthropicSettings(
                api_key=key,
                base_url=fake_llm.anthropic_base_url,
                name=name,
                timeouts=timeouts or CallTimeouts(read_s=5, total_s=5),
            )
        )

    return make


@pytest.fixture
def request_() -> LLMRequest:
    """Return a small JSON-mode request."""
    return LLMRequest(
        messages=(ChatMessage("user", "Grade: I led the migration."),),
        system_static="You are a coach. Rules that never change.",
        system_dynamic="Level: mid.",
        json_mode=True,
        prompt_id="evaluate",
        prompt_version="v1",
        language="en",
    )


@pytest.fixture
def sink() -> ListSink:
    """Return an in-memory usage sink."""
    return ListSink()
