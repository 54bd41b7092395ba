"""Trial 3 item 9: skills as the resume lists them, the company's own "About" part, ranks
above senior named honestly, grammatical project questions and counted notes."""

from __future__ import annotations

from bot.catalog import Kind, Language, Level
from bot.copy import text
from bot.profile.choose import Ask, project_questions
from bot.profile.job import context, stated_rank
from bot.profile.models import JobFacts
from bot.profile.resume import read_resume
from bot.profile.service import seniority_label

RESUME_EN = """Min Park
Experience
Northwind Bank - Backend Engineer (2019-2024)
- Led rewrite of the settlement service, cutting batch time by 70%
- Mentored 3 interns and owned the on-call rotation for payments
Technologies: Rust / TypeScript, Terraform and GCP
Also used Redis for billing caches and postgres for reporting."""

RESUME_KO = """경력
한빛페이 - 백엔드 개발자 (2020 - 현재)
- 정산 배치 시스템을 Kotlin으로 재설계하여 처리 시간을 40% 단축
기술 스택: Kotlin, Spring Boot 및 MySQL
결제 장애 대응과 지연 시간 개선, 멘토링을 맡았습니다."""


def test_an_explicit_skills_line_is_taken_as_written_then_technologies() -> None:
    facts = read_resume(RESUME_EN)
    assert facts.skills[:4] == ("Rust", "TypeScript", "Terraform", "GCP")
    assert set(facts.skills[4:]) == {"Redis", "PostgreSQL"}
    for word in ("payment", "billing", "latency", "on-call", "mentor"):
        assert all(word not in s.casefold() for s in facts.skills)


def test_a_korean_skills_line_splits_on_commas_and_mit() -> None:
    facts = read_resume(RESUME_KO)
    assert facts.skills == ("Kotlin", "Spring Boot", "MySQL")


def test_the_company_context_is_its_about_section_not_the_hiring_sentence() -> None:
    posting = (
        "We are hiring a Principal Data Engineer to own pipelines.\n"
        "About us\nBluefin builds accounting software for 40,000 small shops. "
        "Founded in 2015 in Lisbon.\n"
        "Requirements\nSpark, Airflow."
    )
    assert context("Bluefin", posting) == (
        "Bluefin builds accounting software for 40,000 small shops.",
        "Founded in 2015 in Lisbon.",
    )
    korean = (
        "결제 플랫폼 개발자를 채용합니다.\n"
        "회사 소개: 한빛페이는 소상공인 결제 서비스를 만듭니다.\n"
        "주요 업무\n정산 개발"
    )
    assert context("한빛페이", korean) == ("한빛페이는 소상공인 결제 서비스를 만듭니다.",)
    assert (
        context("", "We are hiring a Staff Engineer to own payments. You will lead reviews.") == ()
    )


def test_a_staff_role_is_shown_as_staff_asked_as_senior() -> None:
    assert stated_rank("Staff Platform Engineer", "") == "staff"
    assert stated_rank("Backend Engineer", "You will lead incident reviews.") == ""
    assert stated_rank("Senior Engineer", "Work with staff engineers.") == ""
    assert seniority_label(Level.SENIOR, "staff", Language.EN) == "staff (asked as senior)"
    assert "스태프" in seniority_label(Level.SENIOR, "staff", Language.KO)
    assert seniority_label(Level.SENIOR, "", Language.EN) == "senior"
    assert JobFacts.from_dict(JobFacts("x", rank="principal").to_dict()).rank == "principal"


def test_project_questions_take_the_article_a_noun_phrase_needs() -> None:
    facts = read_resume(RESUME_EN)
    ask = Ask(Kind.BEHAVIORAL, Level.MID, Language.EN, 3)
    first = project_questions(facts, ask, 1)[0].text
    assert first.startswith("You led the rewrite of the settlement service at Northwind Bank:")
    ko = project_questions(facts, Ask(Kind.BEHAVIORAL, Level.MID, Language.KO, 3), 1)[0].text
    assert "the rewrite" not in ko


def test_the_note_counts_questions_in_proper_english() -> None:
    assert text("profile.start.written.one", Language.EN, count=1) == "1 question written for you"
    assert text("profile.start.written.other", Language.EN, count=2).startswith("2 questions")
    note = text("profile.start.note", Language.EN, sources="x", questions="q", focus="", level="")
    assert "(s)" not in note
