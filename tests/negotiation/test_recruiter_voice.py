"""The model voices the recruiter through the real SDK against the loopback fake LLM server;
a fake model that tries to leak the budget is caught, asked again once, then replaced."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.catalog import Language
from bot.llm import (
    CallTimeouts,
    LLMRouter,
    OpenAIProvider,
    OpenAISettings,
    PromptRegistry,
    RetryPolicy,
)
from bot.llm.guild_routing import StaticRoutes
from bot.llm.negotiator import ModelRecruiterVoice
from bot.negotiation import NegotiationService, default_currencies
from tests.fakes.clock import FixedClock
from tests.fakes.llm_budget import InMemoryBudget
from tests.fakes.llm_server import Behaviour, FakeLLMServer
from tests.fakes.negotiation import InMemoryNegotiationStore
from tests.negotiation.helpers import GUILD, USER, typed

log = logging.getLogger(__name__)

KEY = "sk-test-openai-0123456789abcdefghij"
ASK = "Given my experience leading the payments team, I'd like 145k. What's your budget?"


@pytest.fixture
async def fake_llm() -> AsyncIterator[FakeLLMServer]:
    async with FakeLLMServer() as server:
        yield server


def voice_on(server: FakeLLMServer, budget: InMemoryBudget | None = None) -> ModelRecruiterVoice:
    provider = OpenAIProvider(
        OpenAISettings(
            api_key=KEY,
            base_url=server.openai_base_url,
            name="openai",
            timeouts=CallTimeouts(read_s=5, total_s=5),
        )
    )
    router = LLMRouter([provider], retry=RetryPolicy(max_rounds=1, initial_backoff_s=0.0))
    return ModelRecruiterVoice(StaticRoutes(router), PromptRegistry.load(), budget=budget)


def service_with(voice: ModelRecruiterVoice) -> NegotiationService:
    return NegotiationService(
        InMemoryNegotiationStore(), default_currencies(), voice=voice, clock=FixedClock()
    )


def said(body: dict[str, Any]) -> str:
    """Return everything a request sent to the model, as one text."""
    return json.dumps(body, ensure_ascii=False)


async def test_a_fake_model_that_leaks_the_budget_is_caught(fake_llm: FakeLLMServer) -> None:
    svc = service_with(voice_on(fake_llm))
    started = await svc.start(typed(), USER, GUILD, seed=11)
    budget = started.negotiation.budget
    leaks = [
        f"Honestly, my budget is ${budget:,}, so let's meet there.",
        f"Okay okay: the band tops out at {budget // 1000}k.",
    ]
    fake_llm.openai.push(*(Behaviour(text=json.dumps({"reply": leak})) for leak in leaks))
    assert started.negotiation.id is not None
    reply = await svc.reply(started.negotiation.id, ASK)

    requests = fake_llm.requests_for("openai")
    assert len(requests) == 2  # asked once, regenerated once, then the offline line
    assert reply.source == "offline"
    assert f"{budget:,}" not in reply.line and f"{budget // 1000}k" not in reply.line
    # The model was never told the budget, in any request.
    for request in requests:
        sent = said(request.body)
        assert str(budget) not in sent and f"{budget:,}" not in sent
    # The retry says why the first line was refused.
    assert "budget" in said(requests[1].body)
    assert "<candidate_message>" in said(requests[0].body)


async def test_a_safe_model_line_is_sent(fake_llm: FakeLLMServer) -> None:
    svc = service_with(voice_on(fake_llm))
    started = await svc.start(typed(), USER, GUILD, seed=11)
    assert started.negotiation.id is not None

    def answer(body: dict[str, Any]) -> str:
        # Say exactly the base the plan puts on the table (it is in the plan block).
        plan = said(body).split("<recruiter_plan>")[-1].split("</recruiter_plan>")[0]
        amount = next(w for w in plan.split() if w.startswith("$") and "145" not in w)
        return json.dumps(
            {"reply": f"I can't share budgets, but I can offer {amount.rstrip('.,')}."}
        )

    fake_llm.openai.default = Behaviour(text=answer)
    reply = await svc.reply(started.negotiation.id, ASK)
    assert reply.source == "model:openai"
    assert reply.line.startswith("I can't share budgets, but I can offer $")
    assert len(fake_llm.requests_for("openai")) == 1


async def test_an_unavailable_model_or_spent_budget_means_the_offline_line(
    fake_llm: FakeLLMServer,
) -> None:
    fake_llm.openai.default = Behaviour(status=400, error_type="invalid_request_error")
    svc = service_with(voice_on(fake_llm))
    started = await svc.start(typed(), USER, GUILD, seed=11)
    assert started.negotiation.id is not None
    reply = await svc.reply(started.negotiation.id, ASK)
    assert reply.source == "offline" and "$" in reply.line

    spent = InMemoryBudget(1)
    await spent.spend(GUILD, 5)
    svc = service_with(voice_on(fake_llm, spent))
    started = await svc.start(typed(), USER + 1, GUILD, seed=11)
    assert started.negotiation.id is not None
    before = len(fake_llm.requests_for("openai"))
    reply = await svc.reply(started.negotiation.id, ASK)
    assert reply.source == "offline" and len(fake_llm.requests_for("openai")) == before


async def test_the_korean_prompt_is_used_for_a_korean_negotiation(
    fake_llm: FakeLLMServer,
) -> None:
    fake_llm.openai.default = Behaviour(text=json.dumps({"reply": "예산은 말씀드릴 수 없어요."}))
    svc = service_with(voice_on(fake_llm))
    started = await svc.start(
        typed(language=Language.KO, currency="KRW", offer="8천만", target="9천만"),
        USER,
        GUILD,
        seed=2,
    )
    assert started.negotiation.id is not None
    await svc.reply(started.negotiation.id, "예산이 얼마인가요?")
    sent = said(fake_llm.requests_for("openai")[0].body)
    assert "한국어로 쓰세요" in sent
