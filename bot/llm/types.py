"""Value types, ports and errors shared by every LLM adapter."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

log = logging.getLogger(__name__)

Role = Literal["user", "assistant"]


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One conversation message; the system prompt lives on the request, not here."""

    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class LLMRequest:
    """Everything a provider needs for one completion, independent of the vendor."""

    messages: tuple[ChatMessage, ...]
    system_static: str = ""
    system_dynamic: str = ""
    temperature: float = 0.2
    max_tokens: int = 1024
    json_mode: bool = False
    prompt_id: str = "adhoc"
    prompt_version: str = "v0"
    language: str = "en"
    # Who the call is for ("session 4, user 7, guild 1"): every log line of the call carries it.
    trace: str = ""

    @property
    def system(self) -> str:
        """Return the full system prompt, static part first so it stays a cacheable prefix."""
        parts = [p for p in (self.system_static, self.system_dynamic) if p]
        return "\n\n".join(parts)


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """USD per million tokens for one model."""

    input_per_mtok: float
    output_per_mtok: float
    cached_input_per_mtok: float | None = None
    cache_write_per_mtok: float | None = None

    def cost(
        self,
        input_tokens: int,
        output_tokens: int,
        cached_input_tokens: int = 0,
        cache_write_tokens: int = 0,
    ) -> float:
        """Return the estimated USD cost; cached/cache-write tokens are part of input_tokens."""
        cached_rate = (
            self.cached_input_per_mtok
            if self.cached_input_per_mtok is not None
            else self.input_per_mtok
        )
        write_rate = (
            self.cache_write_per_mtok
            if self.cache_write_per_mtok is not None
            else self.input_per_mtok
        )
        plain = max(0, input_tokens - cached_input_tokens - cache_write_tokens)
        total = (
            plain * self.input_per_mtok
            + cached_input_tokens * cached_rate
            + cache_write_tokens * write_rate
            + output_tokens * self.output_per_mtok
        )
        return total / 1_000_000


@dataclass(frozen=True, slots=True)
class LLMResult:
    """The finished call: full text plus what it cost and how fast it was."""

    text: str
    provider: str
    model: str
    latency_ms: float
    ttft_ms: float | None
    input_tokens: int
    output_tokens: int
    cost_usd: float
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    finish_reason: str | None = None


@dataclass(frozen=True, slots=True)
class LLMChunk:
    """One text delta with the provider that produced it."""

    text: str
    provider: str


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One provider attempt as recorded for cost and quality tracking."""

    prompt_id: str
    prompt_version: str
    language: str
    provider: str
    model: str
    ok: bool
    error: str | None
    latency_ms: float
    ttft_ms: float | None
    input_tokens: int
    output_tokens: int
    cost_usd: float
    attempt: int
    started_at: datetime
    key: str | None = None


class UsageSink(Protocol):
    """Where the router records every provider attempt (the lead implements it on SQLite)."""

    async def record(self, usage: UsageRecord) -> None:
        """Store one usage record."""


@runtime_checkable
class LLMCall(Protocol):
    """A started streaming call: iterate for text deltas, then read ``result``."""

    def __aiter__(self) -> AsyncIterator[str]:
        """Yield text deltas as they arrive."""
        ...

    @property
    def result(self) -> LLMResult:
        """Return the final result; only valid after iteration finished."""
        ...


class LLMProvider(Protocol):
    """A vendor adapter that can stream one request."""

    @property
    def name(self) -> str:
        """Return the unique provider name used for health and usage records."""
        ...

    @property
    def model(self) -> str:
        """Return the model this provider calls."""
        ...

    def stream(self, request: LLMRequest) -> LLMCall:
        """Start a streaming call; nothing is sent until iteration begins."""
        ...


class LLMError(Exception):
    """Base class of every error raised by the LLM layer; messages never hold keys."""


class ProviderUnavailable(LLMError):
    """Retryable failure: 429, 5xx, timeout, or a connection dropped mid-stream."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status: int | None = None,
        retry_after: float | None = None,
        partial_text: str = "",
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.status = status
        self.retry_after = retry_after
        self.partial_text = partial_text


class ProviderRejected(LLMError):
    """Non-retryable failure: the provider refused the request (400/401/403/404/422)."""

    def __init__(self, message: str, *, provider: str, status: int | None = None) -> None:
        super().__init__(message)
        self.provider = provider
        self.status = status


class StreamInterrupted(LLMError):
    """A stream failed after text was already handed to the caller; restart or degrade."""

    def __init__(self, message: str, *, provider: str, partial_text: str) -> None:
        super().__init__(message)
        self.provider = provider
        self.partial_text = partial_text


@dataclass(slots=True)
class AttemptError:
    """Why one provider attempt failed."""

    provider: str
    kind: str
    message: str
    status: int | None = None


class AllProvidersFailed(LLMError):
    """Every provider failed or was rejected within the retry budget."""

    def __init__(self, errors: list[AttemptError]) -> None:
        summary = "; ".join(f"{e.provider}: {e.kind}" for e in errors) or "no providers"
        super().__init__(f"all LLM providers failed ({summary})")
        self.errors = errors
