"""Resumes read offline: roles with their dates, projects by what the candidate did, skills
and the lines that prove a result with a number, in English and Korean."""

from __future__ import annotations

import logging

from bot.profile.resume import read_resume
from tests.fakes.profile import RESUME_EN, RESUME_KO

log = logging.getLogger(__name__)


def test_roles_come_with_their_company_and_period() -> None:
    facts = read_resume(RESUME_EN)
    assert [(r.title, r.company, r.period) for r in facts.roles] == [
        ("Senior Backend Engineer", "Acme Payments", "Jan 2021 – Present"),
        ("Software Engineer", "Globex", "2018 - 2020"),
    ]


def test_projects_are_named_by_what_the_candidate_did_and_where() -> None:
    facts = read_resume(RESUME_EN)
    named = [(p.action, p.name, p.company) for p in facts.projects]
    assert named[0] == ("led", "the payments ledger migration", "Acme Payments")
    assert ("built", "an idempotent retry service", "Acme Payments") in named
    assert named[-1][0] == "designed" and named[-1][2] == "Globex"


def test_skills_and_measured_results_are_found() -> None:
    facts = read_resume(RESUME_EN)
    assert facts.skills == ("Python", "Go", "Kafka", "Redis", "PostgreSQL")
    assert any("40%" in r for r in facts.results)
    assert any("2M users" in r for r in facts.results)
    assert "Python, Go, Kafka, Redis, PostgreSQL" not in facts.results


def test_a_korean_resume_is_read_the_same_way() -> None:
    facts = read_resume(RESUME_KO)
    assert [(r.title, r.company) for r in facts.roles] == [("백엔드 개발자", "에이크미 페이")]
    assert [p.name for p in facts.projects] == ["결제 원장 마이그레이션", "주문 알림 파이프라인"]
    assert facts.projects[1].action == "설계"  # the first action the line names
    assert "Kafka" in facts.skills
    assert any("40%" in r for r in facts.results)


def test_text_that_is_no_resume_yields_nothing_rather_than_guesses() -> None:
    facts = read_resume("Dear hiring manager,\nI am writing to apply.\nKind regards")
    assert facts.empty


def test_contact_lines_and_education_are_not_projects_or_results() -> None:
    text = RESUME_EN + "\nEducation\nB.Sc. Computer Science, 2014 - 2018, GPA 3.9\n"
    facts = read_resume(text)
    assert not any("GPA" in r for r in facts.results)
    assert not any("example.com" in p.line for p in facts.projects)
