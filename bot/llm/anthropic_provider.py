"""Anthropic messages provider, streamed through the official async SDK with prompt caching."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass

import anthropic
import httpx2
from anthropic.types import MessageParam, TextBlockParam

from bot.llm._base import (
    Clock,
    ProviderSettings,
    SettingsBackedProvider,
    StreamCall,
    is_retryable_status,
    retry_after_seconds,
)
from bot.llm.types import LLMError, LLMRequest, ModelPrice

log = logging.getLogger(__name__)

DEFAULT_ANTHROPIC_MODEL = "claude-haiku-4-5"
# USD per million tokens, as published for Claude Haiku 4.5 (5-minute cache writes).
DEFAULT_ANTHROPIC_PRICE = ModelPrice(
    input_per_mtok=1.00,
    output_per_mtok=5.00,
    cached_input_per_mtok=0.10,
    cache_write_per_mtok=1.25,
)


@dataclass(frozen=True, slots=True)
class AnthropicSettings(ProviderSettings):
    """How to reach Anthropic; base_url None lets the SDK read ``ANTHROPIC_BASE_URL``."""

    model: str = DEFAULT_ANTHROPIC_MODEL
    price: ModelPrice = DEFAULT_ANTHROPIC_PRICE
    name: str = "anthropic"
    # Recent Claude models fix sampling themselves; opt in for models that accept it.
    send_temperature: bool = False


class AnthropicProvider(SettingsBackedProvider[AnthropicSettings]):
    """Stream messages from Anthropic (or any server speaking its protocol)."""

    def __init__(
        self,
        settings: AnthropicSettings,
        *,
        client: anthropic.AsyncAnthropic | None = None,
        clock: Clock = time.perf_counter,
    ) -> None:
        self._settings = settings
        self._clock = clock
        # The router owns retries, so the SDK must not retry behind its back.
        self._client = client or anthropic.AsyncAnthropic(
            api_key=settings.api_key,
            base_url=settings.base_url,
            max_retries=0,
            timeout=settings.timeouts.read_s,
        )

    def stream(self, request: LLMRequest) -> AnthropicCall:
        """Return a call that starts streaming when iterated."""
        return AnthropicCall(
            client=self._client, settings=self._settings, request=request, clock=self._clock
        )

    async def aclose(self) -> None:
        """Close the underlying HTTP client."""
        await self._client.close()


class AnthropicCall(StreamCall):
    """One streamed message."""

    def __init__(
        self,
        *,
        client: anthropic.AsyncAnthropic,
        settings: AnthropicSettings,
        request: LLMRequest,
        clock: Clock,
    ) -> None:
        super().__init__(
            provider=settings.name,
            model=settings.model,
            price=settings.price,
            request=request,
            timeouts=settings.timeouts,
            secrets=(settings.api_key,),
            clock=clock,
        )
        self._client = client
        self._settings = settings

    def _system(self) -> list[TextBlockParam]:
        """Build system blocks; only the static block carries the cache breakpoint."""
        blocks: list[TextBlockParam] = []
        if self.request.system_static:
            blocks.append(
                {
                    "type": "text",
                    "text": self.request.system_static,
                    "cache_control": {"type": "ephemeral"},
                }
            )
        if self.request.system_dynamic:
            blocks.append({"type": "text", "text": self.request.system_dynamic})
        return blocks

    async def _deltas(self) -> AsyncGenerator[str, None]:
        """Yield text deltas and collect usage from message_start / message_delta."""
        req = self.request
        messages: list[MessageParam] = []
        for m in req.messages:
            if m.role == "user":
                messages.append({"role": "user", "content": m.content})
            else:
                messages.append({"role": "assistant", "content": m.content})
        system = self._system()
        # The typed signature no longer lists temperature; send it raw only when asked.
        extra = {"temperature": req.temperature} if self._settings.send_temperature else None
        stream = await self._client.messages.create(
            model=self.model,
            max_tokens=req.max_tokens,
            messages=messages,
            system=system if system else anthropic.omit,
            stream=True,
            extra_body=extra,
            timeout=self._settings.timeouts.read_s,
        )
        usage = self._usage
        try:
            async for event in stream:
                if event.type == "message_start":
                    u = event.message.usage
                    cache_read = u.cache_read_input_tokens or 0
                    cache_write = u.cache_creation_input_tokens or 0
                    # Anthropic counts cached tokens outside input_tokens; fold them in.
                    usage.input_tokens = u.input_tokens + cache_read + cache_write
                    usage.cached_input_tokens = cache_read
                    usage.cache_write_tokens = cache_write
                    usage.output_tokens = u.output_tokens
                elif event.type == "content_block_delta":
                    if event.delta.type == "text_delta" and event.delta.text:
                        yield event.delta.text
                elif event.type == "message_delta":
                    usage.output_tokens = event.usage.output_tokens
                    if event.delta.stop_reason is not None:
                        usage.finish_reason = event.delta.stop_reason
                elif event.type == "message_stop":
                    usage.complete = True
        finally:
            await stream.close()

    def _map_error(self, exc: Exception) -> LLMError | None:
        """Translate Anthropic SDK and transport errors into the layer's error types."""
        if isinstance(exc, anthropic.APIStatusError):
            status = exc.status_code
            text = f"{self.provider}: HTTP {status} ({type(exc).__name__})"
            if is_retryable_status(status):
                return self._unavailable(
                    text, status=status, retry_after=retry_after_seconds(exc.response.headers)
                )
            return self._rejected(text, status=status)
        if isinstance(exc, anthropic.APITimeoutError):
            return self._unavailable(f"{self.provider}: request timed out")
        if isinstance(exc, anthropic.APIConnectionError):
            return self._unavailable(f"{self.provider}: connection failed")
        if isinstance(exc, anthropic.APIError):
            return self._unavailable(f"{self.provider}: error during stream")
        if isinstance(exc, httpx2.TransportError):
            return self._unavailable(f"{self.provider}: connection dropped ({type(exc).__name__})")
        return None
