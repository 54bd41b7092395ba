"""Route a request across providers by health, with failover and bounded, jittered retries.

Streaming contract: the router fails over only while nothing has been handed to the caller.
Once the first text delta has been yielded, a later failure raises ``StreamInterrupted``
carrying the partial text, so the caller decides to restart (``router.stream`` again) or
degrade (e.g. the offline coaching). Every provider attempt, good or bad, is recorded in
the ``UsageSink`` and the health tracker.

A call may carry a ``deadline`` (an ``asyncio`` loop time) that bounds the whole call across
retries, backoff and failover: an attempt still waiting at the deadline is cut and counted
as a failure of its provider, no backoff sleeps past it, and the call then raises
``DeadlineExceeded`` (before any output) or ``StreamInterrupted`` (after some).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

from bot.llm._base import StreamCall
from bot.llm.health import HealthTracker
from bot.llm.types import (
    AllProvidersFailed,
    AttemptError,
    LLMCall,
    LLMProvider,
    LLMRequest,
    LLMResult,
    ProviderRejected,
    ProviderUnavailable,
    StreamInterrupted,
    UsageRecord,
    UsageSink,
)

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try: rounds over all providers, with exponential backoff plus jitter."""

    max_rounds: int = 3
    initial_backoff_s: float = 0.5
    max_backoff_s: float = 8.0
    jitter_s: float = 0.5


class _RoundFailed(Exception):
    """Every candidate failed with a retryable error in one round."""


class _DeadlinePassed(Exception):
    """The deadline passed while waiting for the next delta of a started stream."""


class DeadlineExceeded(AllProvidersFailed):
    """The call's deadline passed before any provider started answering."""


class _StopAtDeadline(stop_base):
    """Stop retrying when the backoff before the next round would end past the deadline."""

    def __init__(self, deadline: float | None) -> None:
        self._deadline = deadline
        self.hit = False

    def __call__(self, retry_state: RetryCallState) -> bool:
        if self._deadline is None:
            return False
        now = asyncio.get_running_loop().time()
        self.hit = now + retry_state.upcoming_sleep >= self._deadline
        return self.hit


def _left(deadline: float | None) -> str:
    """Describe the time left before a deadline, for logs."""
    if deadline is None:
        return "no deadline"
    return f"{deadline - asyncio.get_running_loop().time():.1f} s left"


@dataclass(slots=True)
class _Started:
    """A provider stream that produced its first delta (or finished empty)."""

    provider: LLMProvider
    call: LLMCall
    iterator: AsyncIterator[str]
    first: str | None
    started: float
    attempt: int


class NullUsageSink:
    """A sink that drops every record (for the CLI and tests that do not care)."""

    async def record(self, usage: UsageRecord) -> None:
        """Drop the record."""


class LLMRouter:
    """Try providers best-health first; fail over on retryable errors before any output."""

    def __init__(
        self,
        providers: Sequence[LLMProvider],
        *,
        health: HealthTracker | None = None,
        retry: RetryPolicy | None = None,
        usage_sink: UsageSink | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        names = [p.name for p in providers]
        if len(set(names)) != len(names):
            raise ValueError(f"provider names must be unique: {names}")
        self._providers = {p.name: p for p in providers}
        self._order = names
        self.health = health or HealthTracker()
        self.retry = retry or RetryPolicy()
        self._sink: UsageSink = usage_sink or NullUsageSink()
        self._sleep = sleep
        self._clock = clock

    @property
    def provider_names(self) -> list[str]:
        """Return the configured provider names, in preference order."""
        return list(self._order)

    def stream(
        self, request: LLMRequest, *, key: str | None = None, deadline: float | None = None
    ) -> RoutedCall:
        """Return a routed call; iterate it for text deltas, then read ``result``.

        ``deadline`` (``asyncio`` loop time) bounds the whole call, retries and failover
        included.
        """
        return RoutedCall(self, request, key, deadline)

    async def complete(
        self, request: LLMRequest, *, key: str | None = None, deadline: float | None = None
    ) -> LLMResult:
        """Run a call to the end and return its result."""
        call = self.stream(request, key=key, deadline=deadline)
        async for _ in call:
            pass
        return call.result

    async def _record(
        self,
        request: LLMRequest,
        provider: LLMProvider,
        call: LLMCall,
        *,
        ok: bool,
        error: str | None,
        started: float,
        attempt: int,
        key: str | None,
    ) -> None:
        """Send one usage record to the sink; a broken sink never breaks the call."""
        elapsed_ms = (self._clock() - started) * 1000
        if ok:
            r = call.result
            latency, ttft = r.latency_ms, r.ttft_ms
            tokens_in, tokens_out, cost = r.input_tokens, r.output_tokens, r.cost_usd
        else:
            latency, ttft = elapsed_ms, None
            tokens_in = tokens_out = 0
            cost = 0.0
            if isinstance(call, StreamCall):
                u = call.usage_so_far()
                ttft = call.ttft_ms
                tokens_in, tokens_out, cost = u.input_tokens, u.output_tokens, call.cost_so_far()
        record = UsageRecord(
            prompt_id=request.prompt_id,
            prompt_version=request.prompt_version,
            language=request.language,
            provider=provider.name,
            model=provider.model,
            ok=ok,
            error=error,
            latency_ms=latency,
            ttft_ms=ttft,
            input_tokens=tokens_in,
            output_tokens=tokens_out,
            cost_usd=cost,
            attempt=attempt,
            started_at=datetime.now(UTC),
            key=key,
        )
        try:
            await self._sink.record(record)
        except Exception:
            log.exception(
                "usage sink failed for %s/%s (%s)", request.prompt_id, provider.name, request.trace
            )

    async def _start_one(
        self,
        request: LLMRequest,
        provider: LLMProvider,
        attempt: int,
        key: str | None,
        errors: list[AttemptError],
        rejected: set[str],
        deadline: float | None = None,
    ) -> _Started | None:
        """Start one provider and wait for its first delta; None means try the next one."""
        started = self._clock()
        call = provider.stream(request)
        iterator = call.__aiter__()
        try:
            async with asyncio.timeout_at(deadline) as limit:
                first: str | None = await anext(iterator)
        except StopAsyncIteration:
            first = None
        except TimeoutError:
            if not limit.expired():
                raise
            await self._cut(request, provider, call, iterator, started, attempt, key, errors)
            raise DeadlineExceeded(errors) from None
        except ProviderUnavailable as exc:
            self.health.record_failure(provider.name, retry_after=exc.retry_after)
            errors.append(AttemptError(provider.name, "unavailable", str(exc), exc.status))
            log.warning(
                "LLM provider %s unavailable, failing over (%s): %s",
                provider.name,
                request.trace,
                exc,
            )
            await self._record(
                request,
                provider,
                call,
                ok=False,
                error=f"unavailable:{exc.status or ''}",
                started=started,
                attempt=attempt,
                key=key,
            )
            return None
        except ProviderRejected as exc:
            rejected.add(provider.name)
            errors.append(AttemptError(provider.name, "rejected", str(exc), exc.status))
            log.warning(
                "LLM provider %s rejected the request (%s): %s", provider.name, request.trace, exc
            )
            await self._record(
                request,
                provider,
                call,
                ok=False,
                error=f"rejected:{exc.status or ''}",
                started=started,
                attempt=attempt,
                key=key,
            )
            return None
        return _Started(provider, call, iterator, first, started, attempt)

    async def _cut(
        self,
        request: LLMRequest,
        provider: LLMProvider,
        call: LLMCall,
        iterator: AsyncIterator[str],
        started: float,
        attempt: int,
        key: str | None,
        errors: list[AttemptError],
    ) -> None:
        """Record an attempt cut at the deadline as its provider's failure, and close it."""
        # A provider that does not answer in time is as good as down for the next call.
        self.health.record_failure(provider.name)
        errors.append(AttemptError(provider.name, "deadline", "no answer before the deadline"))
        log.warning("LLM provider %s did not answer before the deadline", provider.name)
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            try:
                await aclose()
            except Exception:
                log.debug("closing a cut %s stream failed", provider.name, exc_info=True)
        await self._record(
            request,
            provider,
            call,
            ok=False,
            error="deadline",
            started=started,
            attempt=attempt,
            key=key,
        )

    async def _start(
        self,
        request: LLMRequest,
        key: str | None,
        errors: list[AttemptError],
        deadline: float | None = None,
    ) -> _Started:
        """Find a provider that starts streaming, retrying rounds with backoff."""
        rejected: set[str] = set()
        attempt = 0
        policy = self.retry
        at_deadline = _StopAtDeadline(deadline)
        retrying = AsyncRetrying(
            stop=stop_after_attempt(policy.max_rounds) | at_deadline,
            wait=wait_exponential_jitter(
                multiplier=policy.initial_backoff_s,
                max=policy.max_backoff_s,
                jitter=policy.jitter_s,
            ),
            retry=retry_if_exception_type(_RoundFailed),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            async for round_ in retrying:
                with round_:
                    candidates = [n for n in self.health.rank(self._order) if n not in rejected]
                    for name in candidates:
                        attempt += 1
                        started = await self._start_one(
                            request, self._providers[name], attempt, key, errors, rejected, deadline
                        )
                        if started is not None:
                            return started
                    if all(n in rejected for n in self._order):
                        raise AllProvidersFailed(errors)
                    raise _RoundFailed()
        except _RoundFailed:
            if at_deadline.hit:
                log.info("LLM retries stopped by the deadline (%s)", _left(deadline))
                raise DeadlineExceeded(errors) from None
            raise AllProvidersFailed(errors) from None
        raise AllProvidersFailed(errors)  # pragma: no cover - tenacity always returns or raises


class RoutedCall:
    """One routed streaming call: ``async for delta in call`` then ``call.result``."""

    def __init__(
        self,
        router: LLMRouter,
        request: LLMRequest,
        key: str | None,
        deadline: float | None = None,
    ) -> None:
        self._router = router
        self.request = request
        self.key = key
        self.deadline = deadline
        self.errors: list[AttemptError] = []
        self.provider: str | None = None
        self._result: LLMResult | None = None
        self._iterated = False

    @property
    def result(self) -> LLMResult:
        """Return the final result of the provider that served the call."""
        if self._result is None:
            raise RuntimeError("the routed call has not finished successfully yet")
        return self._result

    def __aiter__(self) -> AsyncIterator[str]:
        """Start routing and yield text deltas."""
        if self._iterated:
            raise RuntimeError("a routed call can be iterated only once")
        self._iterated = True
        return self._run()

    async def _run(self) -> AsyncGenerator[str, None]:
        """Yield the first provider's deltas; raise StreamInterrupted if it breaks midway."""
        router = self._router
        s = await router._start(self.request, self.key, self.errors, self.deadline)
        self.provider = s.provider.name
        parts: list[str] = []
        try:
            if s.first is not None:
                parts.append(s.first)
                yield s.first
                while (delta := await self._next(s)) is not None:
                    parts.append(delta)
                    yield delta
        except _DeadlinePassed:
            await self._fail(s, "deadline", None, "no answer before the deadline", None)
            raise StreamInterrupted(
                f"{s.provider.name} stream cut at the deadline",
                provider=s.provider.name,
                partial_text="".join(parts),
            ) from None
        except ProviderUnavailable as exc:
            await self._fail(s, "unavailable", exc.status, str(exc), exc.retry_after)
            raise StreamInterrupted(
                f"{s.provider.name} stream broke after output started",
                provider=s.provider.name,
                partial_text="".join(parts),
            ) from None
        except ProviderRejected as exc:
            await self._fail(s, "rejected", exc.status, str(exc), None)
            raise StreamInterrupted(
                f"{s.provider.name} rejected the stream after output started",
                provider=s.provider.name,
                partial_text="".join(parts),
            ) from None
        finally:
            aclose = getattr(s.iterator, "aclose", None)
            if aclose is not None:
                await aclose()
        result = s.call.result
        self._result = result
        router.health.record_success(
            s.provider.name, latency_ms=result.latency_ms, ttft_ms=result.ttft_ms
        )
        await router._record(
            self.request,
            s.provider,
            s.call,
            ok=True,
            error=None,
            started=s.started,
            attempt=s.attempt,
            key=self.key,
        )

    async def _next(self, s: _Started) -> str | None:
        """Return the provider's next delta (None at its end); TimeoutError at the deadline.

        The deadline covers only the wait for the provider, never the caller's work between
        deltas (a timeout must not span a ``yield``).
        """
        try:
            async with asyncio.timeout_at(self.deadline) as limit:
                return await anext(s.iterator)
        except StopAsyncIteration:
            return None
        except TimeoutError:
            if limit.expired():
                raise _DeadlinePassed from None
            raise

    async def _fail(
        self,
        s: _Started,
        kind: str,
        status: int | None,
        message: str,
        retry_after: float | None,
    ) -> None:
        """Record a mid-stream failure in health, errors and usage."""
        router = self._router
        ttft = s.call.ttft_ms if isinstance(s.call, StreamCall) else None
        router.health.record_failure(s.provider.name, retry_after=retry_after, ttft_ms=ttft)
        self.errors.append(AttemptError(s.provider.name, kind, message, status))
        log.warning(
            "LLM provider %s broke mid-stream (%s): %s",
            s.provider.name,
            self.request.trace,
            message,
        )
        await router._record(
            self.request,
            s.provider,
            s.call,
            ok=False,
            error=f"{kind}:midstream",
            started=s.started,
            attempt=s.attempt,
            key=self.key,
        )
