"""Questions name real projects, never a measure; job titles split into title and company;
an interview personalised with a job takes its seniority when no level was chosen."""

from __future__ import annotations

import logging

import pytest

from bot.catalog import Kind, Language, Level
from bot.copy import text
from bot.interview.engine import InterviewEngine, StartOptions
from bot.interview.events import NoticeGiven
from bot.profile import Personalise, Profile, ProfileService
from bot.profile.choose import Ask, project_questions
from bot.profile.job import split_title
from bot.profile.resume import project_name_ok, read_resume
from tests.fakes.clock import FixedClock
from tests.fakes.evaluator import ScriptedEvaluator
from tests.fakes.profile import FakeReader, InMemoryProfileStore
from tests.fakes.sessions import InMemorySessionStore
from tests.progress.helpers import bank, catalogue

log = logging.getLogger(__name__)

USER = 9

RESUME_FRAUD = """Sam Lee
Experience
Senior Backend Engineer - Acme Payments   2019 - 2023
- Built a fraud scoring service in Go handling 3M requests per day
- Led the migration of 40 services to Kubernetes, reducing deploy time from 2 hours to 10 minutes
- Reduced p99 latency by 45% by adding a Redis cache
- Handling 3M requests per day with 99.99% uptime
- Mentored 5 junior engineers
Staff Engineer at Initech  Mar 2023 - Present
- Designed a multi-region event pipeline on Kafka processing 2B events/day
- Launched a self-serve analytics dashboard used by 300 customers
- Cut cloud costs by $1.2M per year by rightsizing clusters
- Led a team of 6 engineers
"""
RESUME_NAVER = """김민수
경력
네이버 | 백엔드 개발자 | 2019.03 ~ 2023.02
- 하루 300만 건 요청을 처리하는 검색 API 서버를 개발
- 하루 300만 건 요청 처리
- 광고 정산 시스템을 Kotlin으로 재설계하여 정산 시간을 6시간에서 40분으로 단축
- 응답 시간을 200ms에서 50ms로 개선
토스 | 시니어 백엔드 개발자 | 2023.03 ~ 현재
- 결제 승인 시스템의 MSA 전환을 주도
- 트래픽 3배 증가에 대비한 캐시 계층 설계
- 월 1억 건의 이벤트를 처리하는 Kafka 파이프라인 구축
- 네이버에서 하루 300만 건 요청 처리 시스템 개발
"""
RESUME_SHORT = """Experience
Backend Engineer at Globex  2018 - 2019
- Built the company's first data warehouse (Snowflake) from scratch
- Shipped v2 of the mobile app to 1M users
- Developed 3 internal tools
"""


def test_english_projects_are_what_was_built_never_a_measure() -> None:
    names = [(p.action, p.name, p.company) for p in read_resume(RESUME_FRAUD).projects]
    assert names == [
        ("built", "a fraud scoring service in Go", "Acme Payments"),
        ("led", "the migration of 40 services", "Acme Payments"),
        ("designed", "a multi-region event pipeline on Kafka", "Initech"),
        ("launched", "a self-serve analytics dashboard", "Initech"),
    ]


def test_korean_projects_are_the_object_of_the_verb_not_a_throughput() -> None:
    names = [(p.action, p.name, p.company) for p in read_resume(RESUME_NAVER).projects]
    assert names == [
        ("개발", "검색 API 서버", "네이버"),
        ("설계", "광고 정산 시스템", "네이버"),
        ("주도", "결제 승인 시스템의 MSA 전환", "토스"),
        ("설계", "캐시 계층", "토스"),
        ("구축", "Kafka 파이프라인", "토스"),
        ("개발", "요청 처리 시스템", "토스"),
    ]


def test_a_short_resume_keeps_its_real_projects() -> None:
    names = [p.name for p in read_resume(RESUME_SHORT).projects]
    assert names == ["the company's first data warehouse", "v2 of the mobile app"]


@pytest.mark.parametrize(
    "resume", [RESUME_FRAUD, RESUME_NAVER, RESUME_SHORT], ids=["en", "ko", "short"]
)
@pytest.mark.parametrize("language", list(Language))
def test_no_templated_question_quotes_a_measure_as_a_project(
    resume: str, language: Language
) -> None:
    facts = read_resume(resume)
    ask = Ask(Kind.BEHAVIORAL, Level.MID, language, 8)
    for question in project_questions(facts, ask, 6):
        if question.why in facts.results:
            continue  # the result template quotes the resume's line on purpose
        for fragment in ("3M", "300만", "2B", "1억", "1M", "handling", "processing"):
            assert fragment not in question.text, question.text


@pytest.mark.parametrize(
    "name", ["handling 3M", "하루 300만 건 요청", "3 internal tools", "a team", "of the"]
)
def test_measures_and_people_are_no_project_names(name: str) -> None:
    assert not project_name_ok(name)


@pytest.mark.parametrize(
    ("line", "title", "company"),
    [
        ("Senior Backend Engineer at Initech", "Senior Backend Engineer", "Initech"),
        ("Senior Backend Engineer - Initech", "Senior Backend Engineer", "Initech"),
        ("Staff Engineer, Globex", "Staff Engineer", "Globex"),
        ("Backend Engineer (Acme)", "Backend Engineer", "Acme"),
        ("시니어 백엔드 개발자 - 토스", "시니어 백엔드 개발자", "토스"),
        ("토스 | 백엔드 개발자", "백엔드 개발자", "토스"),
        ("Senior Software Engineer, Backend", "Senior Software Engineer, Backend", ""),
        ("Senior Backend Engineer", "Senior Backend Engineer", ""),
    ],
)
def test_a_job_heading_splits_into_title_and_company(line: str, title: str, company: str) -> None:
    assert split_title(line) == (title, company)


def make() -> ProfileService:
    clock = FixedClock()
    engine = InterviewEngine(InMemorySessionStore(), bank(), ScriptedEvaluator(), clock)
    return ProfileService(InMemoryProfileStore(), FakeReader(), bank(), catalogue(), engine, clock)


JOB = "We are Initech. You design payment systems and mentor engineers. 7+ years."


async def test_a_job_title_with_its_company_in_one_field_is_split() -> None:
    job = await make().read_job(
        USER, "시니어 백엔드 개발자 - 토스", "", JOB, Language.KO, hold=False
    )
    assert (job.title, job.company) == ("시니어 백엔드 개발자", "토스")


@pytest.mark.parametrize("language", list(Language))
async def test_no_level_chosen_takes_the_job_s_seniority_and_says_so(language: Language) -> None:
    service = make()
    job = await service.read_job(
        USER, "Senior Backend Engineer at Initech", "", JOB, language, hold=False
    )
    assert job.facts.seniority is Level.SENIOR
    options = StartOptions(USER, None, Kind.BEHAVIORAL, Level.MID, 3, language)
    outcome = await service.start(
        options, Personalise.JOB, profile=Profile(USER, job=job), level_chosen=False
    )
    assert outcome.session.level is Level.SENIOR
    assert outcome.session.role == "Senior Backend Engineer (Initech)"
    note = outcome.events[0]
    assert isinstance(note, NoticeGiven)
    senior = text("common.levels.senior", language)
    assert senior in note.params["level"]
    assert senior in text(note.key, language, **note.params)


async def test_a_chosen_level_wins_over_the_job_s() -> None:
    service = make()
    job = await service.read_job(
        USER, "Senior Backend Engineer at Initech", "", JOB, Language.EN, hold=False
    )
    options = StartOptions(USER, None, Kind.BEHAVIORAL, Level.JUNIOR, 3, Language.EN)
    outcome = await service.start(options, Personalise.JOB, profile=Profile(USER, job=job))
    assert outcome.session.level is Level.JUNIOR
    note = outcome.events[0]
    assert isinstance(note, NoticeGiven) and note.params["level"] == ""
