"""Job descriptions read offline: the interview kinds they imply, focus skills that exist in
the skill catalogue, seniority and the company context, in English and Korean."""

from __future__ import annotations

import logging

from bot.catalog import Kind, Level
from bot.profile.job import read_job, seniority
from tests.fakes.profile import JOB_EN, JOB_KO
from tests.progress.helpers import catalogue

log = logging.getLogger(__name__)


def test_kinds_focus_and_tags_come_from_what_the_text_names() -> None:
    facts = read_job("Senior Backend Engineer", "Acme", JOB_EN, catalogue())
    assert facts.kinds[0] is Kind.BEHAVIORAL
    assert Kind.SYSTEM_DESIGN in facts.kinds and Kind.TECHNICAL in facts.kinds
    assert {"caching", "queues", "data_modeling", "payments"} <= set(facts.tags)
    assert {"scaling", "data_design"} <= set(facts.focus)
    assert all(skill in catalogue() for skill in facts.focus)
    assert len(facts.focus) <= 6


def test_seniority_is_read_from_the_title_then_the_text_then_years() -> None:
    assert seniority("Senior Backend Engineer", "") is Level.SENIOR
    assert seniority("Backend Engineer", "New grad welcome; we mentor juniors") is Level.JUNIOR
    assert seniority("Backend Engineer", "You have 3+ years with Go.") is Level.MID
    assert seniority("Backend Engineer", "Build things.") is None


def test_the_company_context_is_quoted_from_the_text() -> None:
    facts = read_job("Engineer", "Acme", JOB_EN, catalogue())
    assert facts.context and facts.context[0].startswith("We are Acme, a fintech startup")


def test_a_korean_job_description_is_read_the_same_way() -> None:
    facts = read_job("시니어 백엔드 엔지니어", "에이크미", JOB_KO, catalogue())
    assert facts.seniority is Level.SENIOR
    assert Kind.SYSTEM_DESIGN in facts.kinds
    assert {"payments", "queues", "caching", "distributed_systems"} <= set(facts.tags)
    assert "scaling" in facts.focus
    assert "핀테크 스타트업" in facts.context[0]
