"""Benchmark streamed feedback: time to first section, parser/router overhead, loop lag.

Runs the real SDK clients against the loopback fake (300 ms to first token, 40 tokens/s).
The fake server shares the event loop with the clients, so loop lag is an upper bound.
Prints figures and exits 0; nothing here asserts a timing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.llm import (
    AnthropicProvider,
    AnthropicSettings,
    CallTimeouts,
    ChatMessage,
    LLMRequest,
    LLMRouter,
    OpenAIProvider,
    OpenAISettings,
    RetryPolicy,
    SectionStreamParser,
)
from tests.fakes.llm_server import Behaviour, FakeLLMServer

log = logging.getLogger(__name__)

TTFT_S = 0.3
TOKENS_PER_S = 40.0
CONCURRENT = 50

V1_REPLY = {
    "dimensions": {"structure": 72, "depth": 55, "communication": 80, "seniority": 60},
    "findings": [
        {
            "dimension": "depth",
            "severity": "major",
            "quote": "we fixed it",
            "message": "The result is missing.",
            "fix": "Say what changed, with a number.",
        }
    ],
    "praise": "You named the trade-off clearly.",
    "fix": "Quantify the outcome.",
    "tip": "End with the result.",
    "follow_up": "How did you measure success?",
    "rewrites": [{"quote": "we fixed it", "better": "I cut p95 latency from 900 to 300 ms"}],
}
V2_ORDER = ["praise", "fix", "tip", "findings", "dimensions", "follow_up", "rewrites"]
V2_REPLY = {k: V1_REPLY[k] for k in V2_ORDER}


def pct(values: list[float], q: float) -> float:
    """Return the q-th percentile (0-100) by nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    idx = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[idx]


def out(line: str = "") -> None:
    """Write one line of the report."""
    sys.stdout.write(line + "\n")


def make_request() -> LLMRequest:
    """Return a request shaped like an evaluation call."""
    return LLMRequest(
        messages=(
            ChatMessage("user", "<candidate_answer>I led the migration.</candidate_answer>"),
        ),
        system_static="You are a coach." * 50,
        system_dynamic="Level: mid.",
        json_mode=True,
        prompt_id="evaluate",
        prompt_version="v1",
    )


class Stats:
    """Per-call measurements."""

    def __init__(self) -> None:
        self.first_section_ms: list[float] = []
        self.parser_us: list[float] = []
        self.router_ttft_overhead_ms: list[float] = []
        self.total_ms: list[float] = []


async def one_call(router: LLMRouter, stats: Stats) -> None:
    """Stream one call through the router and parser, recording timings."""
    parser = SectionStreamParser()
    start = time.perf_counter()
    first_token: float | None = None
    first_section: float | None = None
    call = router.stream(make_request())
    async for delta in call:
        now = time.perf_counter()
        if first_token is None:
            first_token = now
        t0 = time.perf_counter()
        done = parser.feed(delta)
        stats.parser_us.append((time.perf_counter() - t0) * 1e6)
        if done and first_section is None:
            first_section = time.perf_counter()
    parser.finish()
    end = time.perf_counter()
    assert first_token is not None and first_section is not None
    stats.first_section_ms.append((first_section - first_token) * 1000)
    stats.total_ms.append((end - start) * 1000)
    provider_ttft = call.result.ttft_ms or 0.0
    stats.router_ttft_overhead_ms.append((first_token - start) * 1000 - provider_ttft)


async def loop_lag(stop: asyncio.Event, lags: list[float], interval: float = 0.005) -> None:
    """Measure how late a short sleep wakes up while the loop is busy."""
    while not stop.is_set():
        t0 = time.perf_counter()
        await asyncio.sleep(interval)
        lags.append((time.perf_counter() - t0 - interval) * 1000)


def build_router(server: FakeLLMServer) -> LLMRouter:
    """Return a two-provider router pointed at the fake."""
    timeouts = CallTimeouts(read_s=30, total_s=60)
    return LLMRouter(
        [
            OpenAIProvider(
                OpenAISettings(
                    api_key="sk-bench-0000000000000000",
                    base_url=server.openai_base_url,
                    timeouts=timeouts,
                )
            ),
            AnthropicProvider(
                AnthropicSettings(
                    api_key="sk-ant-bench-000000000000",
                    base_url=server.anthropic_base_url,
                    timeouts=timeouts,
                )
            ),
        ],
        retry=RetryPolicy(max_rounds=2, initial_backoff_s=0.1),
    )


async def main() -> None:
    """Run the benchmark and print the report."""
    out(f"fake: {TTFT_S * 1000:.0f} ms to first token, {TOKENS_PER_S:.0f} tokens/s (4 chars/token)")
    async with FakeLLMServer() as server:
        router = build_router(server)
        for label, reply in (("v1 (scores first)", V1_REPLY), ("v2 (coaching first)", V2_REPLY)):
            text = json.dumps(reply)
            server.openai.default = Behaviour(text=text, ttft_s=TTFT_S, tokens_per_s=TOKENS_PER_S)
            stats = Stats()
            for _ in range(3):
                await one_call(router, stats)
            out(
                f"{label}: reply {len(text)} chars; first token -> first complete section "
                f"p50 {pct(stats.first_section_ms, 50):.0f} ms; "
                f"full call p50 {pct(stats.total_ms, 50):.0f} ms"
            )

        text = json.dumps(V2_REPLY)
        server.openai.default = Behaviour(text=text, ttft_s=TTFT_S, tokens_per_s=TOKENS_PER_S)
        stats = Stats()
        lags: list[float] = []
        stop = asyncio.Event()
        ticker = asyncio.create_task(loop_lag(stop, lags))
        t0 = time.perf_counter()
        await asyncio.gather(*(one_call(router, stats) for _ in range(CONCURRENT)))
        wall = time.perf_counter() - t0
        stop.set()
        await ticker
        out()
        out(f"{CONCURRENT} concurrent streamed calls: wall {wall:.2f} s")
        out(
            f"  parser feed per delta: p50 {pct(stats.parser_us, 50):.1f} us, "
            f"p95 {pct(stats.parser_us, 95):.1f} us ({len(stats.parser_us)} deltas)"
        )
        out(
            f"  router overhead to first token (beyond provider TTFT): "
            f"p50 {pct(stats.router_ttft_overhead_ms, 50):.2f} ms, "
            f"p95 {pct(stats.router_ttft_overhead_ms, 95):.2f} ms"
        )
        out(
            f"  first token -> first section: p50 {pct(stats.first_section_ms, 50):.0f} ms, "
            f"p95 {pct(stats.first_section_ms, 95):.0f} ms"
        )
        out(
            f"  event-loop lag (5 ms ticker, fake server in the same loop): "
            f"p50 {pct(lags, 50):.2f} ms, p95 {pct(lags, 95):.2f} ms, "
            f"max {max(lags) if lags else float('nan'):.2f} ms"
        )
        out(f"  mean full call {statistics.fmean(stats.total_ms):.0f} ms")


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main())
