"""Shared constants and doubles for the LLM adapter tests."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.llm import AnthropicProvider, OpenAIProvider, UsageRecord

log = logging.getLogger(__name__)

OPENAI_KEY = "sk-test-openai-0123456789abcdefghij"
ANTHROPIC_KEY = "sk-ant-test-0123456789abcdefghijkl"

OpenAIFactory = Callable[..., OpenAIProvider]
AnthropicFactory = Callable[..., AnthropicProvider]


class ListSink:
    """A UsageSink that keeps records in memory."""

    def __init__(self) -> None:
        self.records: list[UsageRecord] = []

    async def record(self, usage: UsageRecord) -> None:
        """Keep the record."""
        self.records.append(usage)
