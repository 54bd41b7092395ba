"""Shared machinery of a streaming provider call: timing, deadlines, usage and error mapping."""

from __future__ import annotations

import asyncio
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from bot.llm.keys import SecretRedactor
from bot.llm.types import (
    LLMError,
    LLMRequest,
    LLMResult,
    ModelPrice,
    ProviderRejected,
    ProviderUnavailable,
)

log = logging.getLogger(__name__)

Clock = Callable[[], float]

# Statuses worth retrying elsewhere: timeouts, conflicts, rate limits, server and overload errors.
_RETRYABLE_STATUSES = frozenset({408, 409, 425, 429})


def is_retryable_status(status: int) -> bool:
    """Tell whether a status means "try again or elsewhere" rather than "bad request"."""
    return status in _RETRYABLE_STATUSES or status >= 500 or status < 400


@dataclass(frozen=True, slots=True)
class CallTimeouts:
    """Per-call limits: idle read timeout for the SDK, plus first-token and total deadlines."""

    read_s: float = 30.0
    first_token_s: float | None = None
    total_s: float | None = 120.0


NO_PRICE = ModelPrice(0.0, 0.0)


@dataclass(frozen=True, slots=True)
class ProviderSettings:
    """How to reach one provider; base_url None lets the SDK read its own *_BASE_URL."""

    api_key: str = field(repr=False)
    model: str = ""
    price: ModelPrice = NO_PRICE
    base_url: str | None = None
    timeouts: CallTimeouts = field(default_factory=CallTimeouts)
    name: str = ""
    send_temperature: bool = True


SettingsT = TypeVar("SettingsT", bound=ProviderSettings)


class SettingsBackedProvider(Generic[SettingsT]):
    """Name and model of a provider, read from its settings."""

    _settings: SettingsT

    @property
    def name(self) -> str:
        """Return the provider name used in health and usage records."""
        return self._settings.name

    @property
    def model(self) -> str:
        """Return the model this provider calls."""
        return self._settings.model


@dataclass(slots=True)
class StreamUsage:
    """Token counts gathered while a stream runs."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    finish_reason: str | None = None
    complete: bool = False


class StreamCall(ABC):
    """One streaming call: iterate once for text deltas, then read ``result``."""

    def __init__(
        self,
        *,
        provider: str,
        model: str,
        price: ModelPrice,
        request: LLMRequest,
        timeouts: CallTimeouts,
        secrets: tuple[str, ...],
        clock: Clock = time.perf_counter,
    ) -> None:
        self.provider = provider
        self.model = model
        self.request = request
        self._price = price
        self._timeouts = timeouts
        self._redactor = SecretRedactor(secrets)
        self._clock = clock
        self._usage = StreamUsage()
        self._result: LLMResult | None = None
        self._started = False
        self.ttft_ms: float | None = None
        self.latency_ms: float | None = None

    @property
    def result(self) -> LLMResult:
        """Return the final result; raise if the stream has not finished successfully."""
        if self._result is None:
            raise RuntimeError("the call has not finished successfully yet")
        return self._result

    def __aiter__(self) -> AsyncIterator[str]:
        """Start the call and yield text deltas."""
        if self._started:
            raise RuntimeError("a call can be iterated only once")
        self._started = True
        return self._run()

    @abstractmethod
    def _deltas(self) -> AsyncGenerator[str, None]:
        """Yield raw text deltas from the SDK stream, filling ``self._usage``."""

    @abstractmethod
    def _map_error(self, exc: Exception) -> LLMError | None:
        """Translate an SDK or transport exception, or return None if it is not ours."""

    def _redact(self, text: str) -> str:
        """Mask this provider's secrets in a message."""
        return self._redactor.redact(text)

    def _unavailable(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> ProviderUnavailable:
        """Build a retryable error tagged with this provider."""
        return ProviderUnavailable(
            self._redact(message), provider=self.provider, status=status, retry_after=retry_after
        )

    def _rejected(self, message: str, *, status: int | None = None) -> ProviderRejected:
        """Build a non-retryable error tagged with this provider."""
        return ProviderRejected(self._redact(message), provider=self.provider, status=status)

    def _remaining(self, start: float) -> float | None:
        """Return seconds left before the next delta must arrive, or None for no limit."""
        limits: list[float] = []
        elapsed = self._clock() - start
        if self._timeouts.total_s is not None:
            limits.append(self._timeouts.total_s - elapsed)
        if self.ttft_ms is None and self._timeouts.first_token_s is not None:
            limits.append(self._timeouts.first_token_s - elapsed)
        return max(0.0, min(limits)) if limits else None

    async def _run(self) -> AsyncGenerator[str, None]:
        """Drive the SDK stream with deadlines, timing and error translation."""
        start = self._clock()
        parts: list[str] = []
        gen = self._deltas()
        try:
            while True:
                try:
                    async with asyncio.timeout(self._remaining(start)):
                        delta = await anext(gen)
                except StopAsyncIteration:
                    break
                except TimeoutError:
                    phase = "first token" if self.ttft_ms is None else "stream"
                    raise self._with_partial(
                        self._unavailable(f"{self.provider}: timed out waiting for {phase}"),
                        parts,
                    ) from None
                except LLMError as exc:
                    raise self._with_partial(exc, parts) from None
                except Exception as exc:
                    mapped = self._map_error(exc)
                    if mapped is None:
                        raise
                    log.debug(
                        "%s call failed: %s: %s",
                        self.provider,
                        type(exc).__name__,
                        self._redact(str(exc)),
                    )
                    raise self._with_partial(mapped, parts) from None
                if not delta:
                    continue
                if self.ttft_ms is None:
                    self.ttft_ms = (self._clock() - start) * 1000
                parts.append(delta)
                yield delta
        finally:
            await gen.aclose()
        if not self._usage.complete:
            raise self._with_partial(
                self._unavailable(f"{self.provider}: stream ended before completion"), parts
            )
        self.latency_ms = (self._clock() - start) * 1000
        usage = self._usage
        self._result = LLMResult(
            text="".join(parts),
            provider=self.provider,
            model=self.model,
            latency_ms=self.latency_ms,
            ttft_ms=self.ttft_ms,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=self._price.cost(
                usage.input_tokens,
                usage.output_tokens,
                usage.cached_input_tokens,
                usage.cache_write_tokens,
            ),
            cached_input_tokens=usage.cached_input_tokens,
            cache_write_tokens=usage.cache_write_tokens,
            finish_reason=usage.finish_reason,
        )

    def usage_so_far(self) -> StreamUsage:
        """Return the token counts seen so far (useful for recording failed calls)."""
        return self._usage

    def cost_so_far(self) -> float:
        """Return the estimated cost of the tokens seen so far."""
        u = self._usage
        return self._price.cost(
            u.input_tokens, u.output_tokens, u.cached_input_tokens, u.cache_write_tokens
        )

    @staticmethod
    def _with_partial(exc: LLMError, parts: list[str]) -> LLMError:
        """Attach the text already yielded to a retryable error."""
        if isinstance(exc, ProviderUnavailable):
            exc.partial_text = "".join(parts)
        return exc


def retry_after_seconds(headers: object) -> float | None:
    """Read ``retry-after-ms`` / ``retry-after`` (seconds) from a headers mapping."""
    get = getattr(headers, "get", None)
    if get is None:
        return None
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        raw = get(name)
        if raw is None:
            continue
        try:
            return max(0.0, float(raw) / divisor)
        except (TypeError, ValueError):
            continue
    return None
