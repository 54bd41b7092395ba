"""LLM adapter: OpenAI/Anthropic providers, health-based router, streaming JSON, prompts, keys."""

from __future__ import annotations

import logging

from bot.llm._base import CallTimeouts, StreamCall
from bot.llm.anthropic_provider import AnthropicProvider, AnthropicSettings
from bot.llm.health import HealthPolicy, HealthSnapshot, HealthTracker
from bot.llm.json_stream import (
    MalformedReply,
    Section,
    SectionStreamParser,
    iter_sections,
    parse_sections,
)
from bot.llm.keys import (
    KeyVault,
    KeyVaultError,
    RedactingFilter,
    SecretRedactor,
    install_redaction,
    mask_key,
)
from bot.llm.openai_provider import OpenAIProvider, OpenAISettings
from bot.llm.prompts import PromptError, PromptRegistry, PromptTemplate
from bot.llm.router import LLMRouter, NullUsageSink, RetryPolicy, RoutedCall
from bot.llm.types import (
    AllProvidersFailed,
    AttemptError,
    ChatMessage,
    LLMCall,
    LLMChunk,
    LLMError,
    LLMProvider,
    LLMRequest,
    LLMResult,
    ModelPrice,
    ProviderRejected,
    ProviderUnavailable,
    StreamInterrupted,
    UsageRecord,
    UsageSink,
)

log = logging.getLogger(__name__)

__all__ = [
    "AllProvidersFailed",
    "AnthropicProvider",
    "AnthropicSettings",
    "AttemptError",
    "CallTimeouts",
    "ChatMessage",
    "HealthPolicy",
    "HealthSnapshot",
    "HealthTracker",
    "KeyVault",
    "KeyVaultError",
    "LLMCall",
    "LLMChunk",
    "LLMError",
    "LLMProvider",
    "LLMRequest",
    "LLMResult",
    "LLMRouter",
    "MalformedReply",
    "ModelPrice",
    "NullUsageSink",
    "OpenAIProvider",
    "OpenAISettings",
    "PromptError",
    "PromptRegistry",
    "PromptTemplate",
    "ProviderRejected",
    "ProviderUnavailable",
    "RedactingFilter",
    "RetryPolicy",
    "RoutedCall",
    "SecretRedactor",
    "Section",
    "SectionStreamParser",
    "StreamCall",
    "StreamInterrupted",
    "UsageRecord",
    "UsageSink",
    "install_redaction",
    "iter_sections",
    "mask_key",
    "parse_sections",
]
