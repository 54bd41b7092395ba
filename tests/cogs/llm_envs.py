"""The interview cog with streamed model coaching: the doubles and helpers its tests share."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from discord_harness import FakeDiscord, harness

from bot.catalog import Question
from bot.coaching.answer import Answer
from bot.coaching.grading import Evaluator, GradingContext
from bot.coaching.models import Evaluation
from bot.coaching.rubric import Rubric
from bot.discord_app import MockingbirdBot, intents
from bot.interview.engine import InterviewEngine
from bot.llm import (
    CallTimeouts,
    LLMRouter,
    OpenAIProvider,
    OpenAISettings,
    PromptRegistry,
    RetryPolicy,
)
from bot.llm.evaluator import LLMEvaluator
from cogs.interview import InterviewCog
from storage.db import Database
from storage.llm_usage import SqliteBudget
from storage.sessions import SqliteSessionStore
from tests.cogs.envs import Env
from tests.fakes.evaluator import ScriptedEvaluator, make_bank
from tests.fakes.llm_server import FakeLLMServer
from tests.llm.helpers import OPENAI_KEY, PROMPTS

log = logging.getLogger(__name__)

MESSAGES = "/channels/{channel_id}/messages"
EDIT = "/channels/{channel_id}/messages/{message_id}"
CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
FOLLOWUP = "/webhooks/{application_id}/{interaction_token}"

REWRITES = [
    {"style": "minimal", "text": "MINIMAL: I shipped it.", "fixes": ["structure.result_missing"]},
    {"style": "medium", "text": "MEDIUM: I led it.", "fixes": [], "estimated_score": 74},
    {"style": "ideal", "text": "IDEAL: " + "word " * 500, "fixes": [], "estimated_score": 90},
]

ANSWER = (
    "When we planned the database migration, my teammate wanted a big-bang cutover and I "
    "disagreed. I proposed a phased rollout, and we kind of started the migration with two "
    "services. In the end the cutover took three weeks and had zero downtime."
)


class StreamingEvaluator(ScriptedEvaluator):
    """Stream sections through the scope's callback like the LLM evaluator, then grade."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[tuple[str, Any]] = [
            ("praise", 'You said "the project" clearly and "I invented this quote" too.'),
            ("fix", "STREAMED-FIX lead with the outcome."),
            ("tip", "STREAMED-TIP practise a one-line result."),
            ("findings", [{"quote": "QUOTE-NOT-STREAMED", "message": "m"}]),
            ("dimensions", {"structure": 50}),
        ]
        self.details: dict[str, Any] = {"provider": "openai", "rewrites": REWRITES}
        self.source = "llm"

    async def evaluate(
        self, answer: Answer, question: Question, context: GradingContext
    ) -> Evaluation:
        callback = context.on_section
        assert callback is not None, "the cog must hand on_section to the engine"
        for key, value in self.sections:
            await callback(key, value)
        base = await super().evaluate(answer, question, context)
        return replace(base, source=self.source).with_details(self.details)


async def build(tmp_path: Path, fake: FakeDiscord, evaluator: Evaluator) -> AsyncIterator[Env]:
    db = await Database(tmp_path / "bot.sqlite3").open()
    engine = InterviewEngine(SqliteSessionStore(db), make_bank(), evaluator)
    bot = MockingbirdBot(intents=intents())
    cog = InterviewCog(bot, engine, stream_interval=0.0)
    bot.add_cog(cog)
    try:
        async with harness(bot, fake) as h:
            yield Env(h, engine, evaluator, cog)  # type: ignore[arg-type]
    finally:
        await db.close()


async def start(env: Env, count: int = 2) -> int:
    await env.h.slash("interview", "start", options={"kind": "behavioral", "count": count})
    return env.thread_id()


def contents(env: Env, method: str, path: str, channel_id: int) -> list[tuple[str, str]]:
    """Return (message id, content) of each send or edit in a channel, in request order."""
    out = []
    for r in env.fake.requests_to(method, path):
        if int(r.params["channel_id"]) == channel_id and r.json and "content" in r.json:
            out.append((r.params.get("message_id", ""), r.json["content"] or ""))
    return out


def texts(env: Env, channel_id: int) -> list[str]:
    return [m.get("content") or "" for m in env.bot_messages(channel_id)]


def ephemeral(env: Env) -> list[str]:
    """Return the text of every interaction reply and follow-up, in the order sent."""
    out = []
    for r in env.fake.requests:
        if r.method != "POST" or not r.template or not isinstance(r.json, dict):
            continue
        if r.template.startswith("/webhooks/") and r.template.count("/") == 3:
            out.append(r.json.get("content") or "")
        elif r.template.endswith("/callback"):
            out.append((r.json.get("data") or {}).get("content") or "")
    return out


# ---- streaming ----------------------------------------------------------------------------


def llm_evaluator(server: FakeLLMServer, budget: SqliteBudget | None = None) -> LLMEvaluator:
    async def no_sleep(_: float) -> None:
        return None

    provider = OpenAIProvider(
        OpenAISettings(
            api_key=OPENAI_KEY,
            base_url=server.openai_base_url,
            timeouts=CallTimeouts(read_s=5, total_s=5),
        )
    )
    router = LLMRouter([provider], retry=RetryPolicy(max_rounds=1), sleep=no_sleep)
    return LLMEvaluator(router, PromptRegistry.load(), Rubric.load(PROMPTS), budget=budget)
