"""Sliding-window health score per provider: success ratio, latency, and rate-limit cooldown."""

from __future__ import annotations

import logging
import statistics
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class HealthPolicy:
    """Tuning of the health score; the defaults suit chat-sized calls."""

    window_calls: int = 20
    window_seconds: float = 300.0
    # TTFT at or under the target costs nothing; slower scales the score down.
    latency_target_ms: float = 2500.0
    latency_samples: int = 5
    min_latency_factor: float = 0.1
    # Optimistic prior so one early failure does not bury a fresh provider.
    prior_successes: float = 2.0
    cooldown_factor: float = 0.05
    max_cooldown_s: float = 120.0
    # Providers within this much of the best keep their configured order (no flapping).
    rank_margin: float = 0.1


@dataclass(frozen=True, slots=True)
class Outcome:
    """One finished provider attempt."""

    at: float
    ok: bool
    latency_ms: float | None = None
    ttft_ms: float | None = None


@dataclass(frozen=True, slots=True)
class HealthSnapshot:
    """A provider's health as of now, for logs and dashboards."""

    provider: str
    score: float
    calls: int
    successes: int
    recent_latency_ms: float | None
    cooling_down: bool


class HealthTracker:
    """Score providers from their recent outcomes; higher is healthier, in [0, 1]."""

    def __init__(self, policy: HealthPolicy | None = None, clock: Clock = time.monotonic) -> None:
        self.policy = policy or HealthPolicy()
        self._clock = clock
        self._outcomes: dict[str, deque[Outcome]] = {}
        self._cooldown_until: dict[str, float] = {}

    def _window(self, provider: str) -> deque[Outcome]:
        """Return the provider's outcomes with expired ones dropped."""
        window = self._outcomes.setdefault(provider, deque(maxlen=self.policy.window_calls))
        horizon = self._clock() - self.policy.window_seconds
        while window and window[0].at < horizon:
            window.popleft()
        return window

    def record_success(
        self, provider: str, *, latency_ms: float, ttft_ms: float | None = None
    ) -> None:
        """Record a call that finished."""
        self._window(provider).append(
            Outcome(at=self._clock(), ok=True, latency_ms=latency_ms, ttft_ms=ttft_ms)
        )
        self._cooldown_until.pop(provider, None)

    def record_failure(
        self,
        provider: str,
        *,
        retry_after: float | None = None,
        ttft_ms: float | None = None,
    ) -> None:
        """Record a retryable failure; ``retry_after`` puts the provider in cooldown."""
        now = self._clock()
        self._window(provider).append(Outcome(at=now, ok=False, ttft_ms=ttft_ms))
        if retry_after is not None and retry_after > 0:
            until = now + min(retry_after, self.policy.max_cooldown_s)
            self._cooldown_until[provider] = max(self._cooldown_until.get(provider, 0.0), until)

    def cooling_down(self, provider: str) -> bool:
        """Tell whether the provider asked us to back off and the time is not up."""
        return self._cooldown_until.get(provider, 0.0) > self._clock()

    def recent_latency_ms(self, provider: str) -> float | None:
        """Return the median TTFT (or latency) of the last few successes."""
        samples = [
            o.ttft_ms if o.ttft_ms is not None else o.latency_ms
            for o in self._window(provider)
            if o.ok
        ]
        recent = [s for s in samples if s is not None][-self.policy.latency_samples :]
        return statistics.median(recent) if recent else None

    def score(self, provider: str) -> float:
        """Return the health score in [0, 1]."""
        p = self.policy
        window = self._window(provider)
        successes = sum(1 for o in window if o.ok)
        success_factor = (successes + p.prior_successes) / (len(window) + p.prior_successes)
        latency = self.recent_latency_ms(provider)
        latency_factor = 1.0
        if latency is not None and latency > p.latency_target_ms:
            latency_factor = max(p.min_latency_factor, p.latency_target_ms / latency)
        score = success_factor * latency_factor
        if self.cooling_down(provider):
            score *= p.cooldown_factor
        return score

    def rank(self, providers: Sequence[str]) -> list[str]:
        """Order providers best first; near-ties keep the configured order."""
        if not providers:
            return []
        scores = {name: self.score(name) for name in providers}
        best = max(scores.values())
        leaders = [n for n in providers if scores[n] >= best - self.policy.rank_margin]
        rest = sorted(
            (n for n in providers if n not in leaders), key=lambda n: scores[n], reverse=True
        )
        return leaders + rest

    def snapshot(self, provider: str) -> HealthSnapshot:
        """Return a summary of one provider's health."""
        window = self._window(provider)
        return HealthSnapshot(
            provider=provider,
            score=self.score(provider),
            calls=len(window),
            successes=sum(1 for o in window if o.ok),
            recent_latency_ms=self.recent_latency_ms(provider),
            cooling_down=self.cooling_down(provider),
        )
