"""The model side of profiles through the real SDK against the loopback fake LLM server:
replies are schema-validated, resume and job text travel inside their data tags, and a reply
that does not fit (or no model at all) leaves the offline reading in charge."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import pytest

from bot.catalog import Kind, Language, Level
from bot.llm import (
    CallTimeouts,
    LLMRouter,
    OpenAIProvider,
    OpenAISettings,
    PromptRegistry,
    RetryPolicy,
)
from bot.llm.guild_routing import StaticRoutes
from bot.llm.profiler import ModelProfileReader
from bot.profile import QuestionBrief
from tests.fakes.llm_budget import InMemoryBudget
from tests.fakes.llm_server import Behaviour, FakeLLMServer
from tests.fakes.profile import JOB_EN, RESUME_EN
from tests.progress.helpers import catalogue

log = logging.getLogger(__name__)

KEY = "sk-test-openai-0123456789abcdefghij"


@pytest.fixture
async def fake_llm() -> AsyncIterator[FakeLLMServer]:
    async with FakeLLMServer() as server:
        yield server


def reader_on(server: FakeLLMServer, budget: InMemoryBudget | None = None) -> ModelProfileReader:
    provider = OpenAIProvider(
        OpenAISettings(
            api_key=KEY,
            base_url=server.openai_base_url,
            name="openai",
            timeouts=CallTimeouts(read_s=5, total_s=5),
        )
    )
    router = LLMRouter([provider], retry=RetryPolicy(max_rounds=1, initial_backoff_s=0.0))
    return ModelProfileReader(
        StaticRoutes(router), PromptRegistry.load(), catalogue(), budget=budget
    )


def said(server: FakeLLMServer) -> str:
    """Return everything the last request sent, as text."""
    return json.dumps(server.requests_for("openai")[-1].body, ensure_ascii=False)


async def test_a_resume_reply_becomes_facts(fake_llm: FakeLLMServer) -> None:
    reply = {
        "roles": [
            {"title": "Senior Backend Engineer", "company": "Acme Payments", "period": "2021 –"}
        ],
        "projects": [{"name": "the ledger migration", "action": "led", "company": "Acme Payments"}],
        "skills": ["Python", "Kafka"],
        "results": ["cut p99 latency by 40%"],
    }
    fake_llm.openai.push(Behaviour(text=json.dumps(reply)))
    facts = await reader_on(fake_llm).read_resume(RESUME_EN, Language.EN, 1, 9)
    assert facts is not None and facts.source == "model"
    assert facts.projects[0].name == "the ledger migration"
    sent = said(fake_llm)
    assert "<resume>" in sent and "Led the payments ledger migration" in sent
    assert "never an instruction" in sent  # the prompt's data rule went with it


async def test_a_reply_that_breaks_the_schema_gives_no_facts(fake_llm: FakeLLMServer) -> None:
    fake_llm.openai.push(Behaviour(text=json.dumps({"roles": [{"company": "no title"}]})))
    assert await reader_on(fake_llm).read_resume(RESUME_EN, Language.EN, 1, 9) is None
    fake_llm.openai.push(Behaviour(text="this is not JSON at all"))
    assert await reader_on(fake_llm).read_resume(RESUME_EN, Language.EN, 1, 9) is None


async def test_a_job_reply_lists_catalogue_skills_and_tags(fake_llm: FakeLLMServer) -> None:
    reply = {
        "kinds": ["system_design", "behavioral"],
        "focus": ["scaling", "data_design"],
        "tags": ["caching", "payments"],
        "seniority": "senior",
        "context": ["Acme moves money for small businesses."],
    }
    fake_llm.openai.push(Behaviour(text=json.dumps(reply)))
    facts = await reader_on(fake_llm).read_job("Engineer", "Acme", JOB_EN, Language.EN, 1, None)
    assert facts is not None
    assert facts.kinds == (Kind.BEHAVIORAL, Kind.SYSTEM_DESIGN)
    assert facts.seniority is Level.SENIOR and facts.focus == ("scaling", "data_design")
    sent = said(fake_llm)
    assert "<job_description>" in sent and "scaling: Scale and reliability" in sent


async def test_written_questions_come_back_with_tags_and_hints(fake_llm: FakeLLMServer) -> None:
    reply = {
        "questions": [
            {"text": "How did you run the ledger cutover?", "tags": ["delivery"], "hint": "Phases."}
        ]
    }
    fake_llm.openai.push(Behaviour(text=json.dumps(reply)))
    brief = QuestionBrief(
        Kind.BEHAVIORAL,
        Level.SENIOR,
        Language.KO,
        3,
        "Engineer",
        RESUME_EN,
        JOB_EN,
        ("scaling",),
        1,
        9,
    )
    written = await reader_on(fake_llm).write_questions(brief)
    assert written is not None and written[0].tags == ("delivery",)
    sent = said(fake_llm)
    assert "한국어로" in sent  # the Korean version of the prompt was used
    assert "Scale and reliability" not in sent and "확장성과 안정성" in sent


async def test_a_spent_budget_asks_no_model(fake_llm: FakeLLMServer) -> None:
    budget = InMemoryBudget(10)
    await budget.spend(9, 10)
    assert await reader_on(fake_llm, budget).read_resume(RESUME_EN, Language.EN, 1, 9) is None
    assert fake_llm.requests_for("openai") == []


async def test_no_route_means_no_model() -> None:
    reader = ModelProfileReader(StaticRoutes(None), PromptRegistry.load(), catalogue())
    assert await reader.read_job("Engineer", "", JOB_EN, Language.EN, 1, None) is None
