"""Benchmark the grading deadline: how long a candidate waits when no model answers.

Both providers of the loopback fake accept the request and never send a byte (a hung
provider). The real SDK clients keep the documented per-call timeout (LLM_TIMEOUT_SECONDS,
60 s) and the default three retry rounds; only the grading deadline changes. Each line is
the wall time from ``evaluate`` to the offline coach's feedback, and by how much it passed
the deadline. For comparison, a run without a deadline but with a short per-call timeout
shows what retries and failover add up to when nothing bounds them.

    .venv/bin/python bench/grading_deadline.py            # deadlines 1, 2 and 5 s
    .venv/bin/python bench/grading_deadline.py --default  # also the default 45 s

Prints figures and exits 0; nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.catalog import Kind, Language, Level, Question
from bot.coaching.answer import Answer
from bot.coaching.grading import GradingContext
from bot.coaching.rubric import Rubric
from bot.llm import (
    AnthropicProvider,
    AnthropicSettings,
    CallTimeouts,
    LLMRouter,
    OpenAIProvider,
    OpenAISettings,
    PromptRegistry,
    RetryPolicy,
)
from bot.llm.evaluator import DEFAULT_DEADLINE_S, LLMEvaluator
from tests.fakes.llm_server import Behaviour, FakeLLMServer

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
QUESTION = Question(
    id="beh-bench",
    kind=Kind.BEHAVIORAL,
    language=Language.EN,
    levels=(Level.MID,),
    skills=("communication",),
    text="Tell me about a time you disagreed with a teammate.",
    hint="",
)
ANSWER = Answer(
    "When we planned the migration my teammate wanted a big-bang cutover and I disagreed. "
    "I proposed a phased rollout, we compared the risks, and the cutover had zero downtime."
)


def out(line: str = "") -> None:
    """Write one line of the report."""
    sys.stdout.write(line + "\n")


def evaluator(server: FakeLLMServer, timeout_s: float, deadline_s: float) -> LLMEvaluator:
    """Return an evaluator on both fake providers with the given limits."""
    timeouts = CallTimeouts(read_s=timeout_s, total_s=timeout_s)
    router = LLMRouter(
        [
            OpenAIProvider(
                OpenAISettings(
                    api_key="sk-bench-openai-0123456789abcdef",
                    base_url=server.openai_base_url,
                    timeouts=timeouts,
                )
            ),
            AnthropicProvider(
                AnthropicSettings(
                    api_key="sk-ant-bench-0123456789abcdefgh",
                    base_url=server.anthropic_base_url,
                    timeouts=timeouts,
                )
            ),
        ],
        retry=RetryPolicy(),
    )
    return LLMEvaluator(
        router, PromptRegistry.load(), Rubric.load(ROOT / "prompts"), deadline_s=deadline_s
    )


async def wait_for_fallback(timeout_s: float, deadline_s: float) -> tuple[float, str]:
    """Return (seconds until the offline feedback, why the model was missing)."""
    async with FakeLLMServer() as server:
        server.openai.default = Behaviour(ttft_s=3600.0)
        server.anthropic.default = Behaviour(ttft_s=3600.0)
        grader = evaluator(server, timeout_s, deadline_s)
        context = GradingContext(level=Level.MID, language=Language.EN)
        started = time.perf_counter()
        evaluation = await grader.evaluate(ANSWER, QUESTION, context)
        elapsed = time.perf_counter() - started
    detail = evaluation.fallback.detail if evaluation.fallback is not None else "none"
    return elapsed, detail or "?"


async def main(with_default: bool) -> None:
    """Run the benchmark and print the report."""
    out("Hung providers (both never answer), per-call timeout 60 s, 3 retry rounds")
    out(f"{'deadline':>10} {'fallback after':>15} {'past deadline':>14}  reason")
    deadlines = [1.0, 2.0, 5.0] + ([DEFAULT_DEADLINE_S] if with_default else [])
    for deadline in deadlines:
        elapsed, why = await wait_for_fallback(60.0, deadline)
        out(f"{deadline:>9.0f}s {elapsed:>14.2f}s {(elapsed - deadline) * 1000:>11.0f} ms  {why}")
    out()
    out("Without a deadline worth the name (10 min), per-call timeout 1 s:")
    elapsed, why = await wait_for_fallback(1.0, 600.0)
    out(f"  fallback after {elapsed:.2f} s ({why}): 2 providers x 3 rounds + backoff")


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--default", action="store_true", help="also measure the 45 s default")
    asyncio.run(main(parser.parse_args().default))
