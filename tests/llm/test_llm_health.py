"""Health scores from a sliding window, driven by a fake clock."""

from __future__ import annotations

import logging

import pytest

from bot.llm import HealthPolicy, HealthTracker

log = logging.getLogger(__name__)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_fresh_provider_is_fully_healthy(clock: FakeClock) -> None:
    h = HealthTracker(clock=clock)
    assert h.score("a") == 1.0
    assert h.rank(["a", "b"]) == ["a", "b"]


def test_failures_lower_score_and_expire_with_the_window(clock: FakeClock) -> None:
    h = HealthTracker(HealthPolicy(window_seconds=60, prior_successes=2), clock=clock)
    for _ in range(3):
        h.record_failure("a")
    assert h.score("a") == pytest.approx(2 / 5)
    assert h.rank(["a", "b"]) == ["b", "a"]
    clock.now += 61
    assert h.score("a") == 1.0
    assert h.rank(["a", "b"]) == ["a", "b"]


def test_window_is_bounded_by_calls(clock: FakeClock) -> None:
    h = HealthTracker(HealthPolicy(window_calls=4, prior_successes=0), clock=clock)
    for _ in range(4):
        h.record_failure("a")
    for _ in range(4):
        h.record_success("a", latency_ms=10, ttft_ms=5)
    assert h.score("a") == 1.0
    assert h.snapshot("a").calls == 4


def test_rising_latency_lowers_score_without_failures(clock: FakeClock) -> None:
    h = HealthTracker(HealthPolicy(latency_target_ms=1000, latency_samples=3), clock=clock)
    for ttft in (400, 500, 600):
        h.record_success("a", latency_ms=2000, ttft_ms=ttft)
        h.record_success("b", latency_ms=2000, ttft_ms=ttft)
    assert h.rank(["a", "b"]) == ["a", "b"]
    for ttft in (3000, 4000, 5000):
        h.record_success("a", latency_ms=9000, ttft_ms=ttft)
    assert h.score("a") == pytest.approx(1000 / 4000)
    assert h.snapshot("a").successes == 6
    assert h.rank(["a", "b"]) == ["b", "a"]


def test_retry_after_puts_provider_in_cooldown(clock: FakeClock) -> None:
    h = HealthTracker(HealthPolicy(prior_successes=100), clock=clock)
    h.record_failure("a", retry_after=30)
    assert h.cooling_down("a")
    assert h.rank(["a", "b"]) == ["b", "a"]
    clock.now += 31
    assert not h.cooling_down("a")
    assert h.rank(["a", "b"]) == ["a", "b"]


def test_near_ties_keep_configured_order(clock: FakeClock) -> None:
    h = HealthTracker(HealthPolicy(rank_margin=0.1, prior_successes=10), clock=clock)
    h.record_failure("a")  # 10/11 = 0.909, within the margin of b's 1.0
    assert h.rank(["a", "b"]) == ["a", "b"]
    h.record_failure("a")  # 10/12 = 0.833, outside it
    assert h.rank(["a", "b"]) == ["b", "a"]
