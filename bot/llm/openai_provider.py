"""OpenAI chat-completions provider, streamed through the official async SDK."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass

import httpx2
import openai
from openai.types.chat import ChatCompletionMessageParam

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

DEFAULT_OPENAI_MODEL = "gpt-4.1-mini"
# USD per million tokens, as published for gpt-4.1-mini; override in settings when it changes.
DEFAULT_OPENAI_PRICE = ModelPrice(
    input_per_mtok=0.40, output_per_mtok=1.60, cached_input_per_mtok=0.10
)


@dataclass(frozen=True, slots=True)
class OpenAISettings(ProviderSettings):
    """How to reach OpenAI; base_url None lets the SDK read ``OPENAI_BASE_URL``."""

    model: str = DEFAULT_OPENAI_MODEL
    price: ModelPrice = DEFAULT_OPENAI_PRICE
    name: str = "openai"
    # Reasoning models reject a custom temperature; leave it out for them.
    send_temperature: bool = True


class OpenAIProvider(SettingsBackedProvider[OpenAISettings]):
    """Stream chat completions from OpenAI (or any server speaking its protocol)."""

    def __init__(
        self,
        settings: OpenAISettings,
        *,
        client: openai.AsyncOpenAI | None = None,
        clock: Clock = time.perf_counter,
    ) -> None:
        self._settings = settings
        self._clock = clock
        # The router owns retries, so the SDK must not retry behind its back.
        self._client = client or openai.AsyncOpenAI(
            api_key=settings.api_key,
            base_url=settings.base_url,
            max_retries=0,
            timeout=settings.timeouts.read_s,
        )

    def stream(self, request: LLMRequest) -> OpenAICall:
        """Return a call that starts streaming when iterated."""
        return OpenAICall(
            client=self._client,
            settings=self._settings,
            request=request,
            clock=self._clock,
        )

    async def aclose(self) -> None:
        """Close the underlying HTTP client."""
        await self._client.close()


class OpenAICall(StreamCall):
    """One streamed chat completion."""

    def __init__(
        self,
        *,
        client: openai.AsyncOpenAI,
        settings: OpenAISettings,
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

    def _messages(self) -> list[ChatCompletionMessageParam]:
        """Build the OpenAI message list; the static system text first keeps the cache prefix."""
        messages: list[ChatCompletionMessageParam] = []
        if self.request.system:
            messages.append({"role": "system", "content": self.request.system})
        for m in self.request.messages:
            if m.role == "user":
                messages.append({"role": "user", "content": m.content})
            else:
                messages.append({"role": "assistant", "content": m.content})
        return messages

    async def _deltas(self) -> AsyncGenerator[str, None]:
        """Yield content deltas and collect usage from the final chunk."""
        req = self.request
        stream = await self._client.chat.completions.create(
            model=self.model,
            messages=self._messages(),
            stream=True,
            stream_options={"include_usage": True},
            max_completion_tokens=req.max_tokens,
            temperature=req.temperature if self._settings.send_temperature else openai.omit,
            response_format={"type": "json_object"} if req.json_mode else openai.omit,
            timeout=self._settings.timeouts.read_s,
        )
        try:
            async for chunk in stream:
                if chunk.usage is not None:
                    self._usage.input_tokens = chunk.usage.prompt_tokens
                    self._usage.output_tokens = chunk.usage.completion_tokens
                    details = chunk.usage.prompt_tokens_details
                    if details is not None and details.cached_tokens:
                        self._usage.cached_input_tokens = details.cached_tokens
                for choice in chunk.choices:
                    if choice.finish_reason is not None:
                        self._usage.finish_reason = choice.finish_reason
                        self._usage.complete = True
                    if choice.delta.content:
                        yield choice.delta.content
        finally:
            await stream.close()

    def _map_error(self, exc: Exception) -> LLMError | None:
        """Translate OpenAI SDK and transport errors into the layer's error types."""
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            text = f"{self.provider}: HTTP {status} ({type(exc).__name__})"
            if is_retryable_status(status):
                return self._unavailable(
                    text, status=status, retry_after=retry_after_seconds(exc.response.headers)
                )
            return self._rejected(text, status=status)
        if isinstance(exc, openai.APITimeoutError):
            return self._unavailable(f"{self.provider}: request timed out")
        if isinstance(exc, openai.APIConnectionError):
            return self._unavailable(f"{self.provider}: connection failed")
        if isinstance(exc, openai.APIError):
            # Errors inside an open stream arrive without an HTTP status.
            return self._unavailable(f"{self.provider}: error during stream")
        if isinstance(exc, httpx2.TransportError):
            return self._unavailable(f"{self.provider}: connection dropped ({type(exc).__name__})")
        return None
