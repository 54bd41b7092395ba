"""Personalised interviews: bank questions ranked by the job's focus, templated questions that
name the resume's own projects, a model's questions checked, and the engine asking them."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from bot.catalog import Kind, Language, Level
from bot.errors import CoachError
from bot.interview.engine import InterviewEngine, StartOptions
from bot.interview.events import NoticeGiven, QuestionAsked
from bot.interview.models import custom_question
from bot.profile import (
    JobDescription,
    JobMemory,
    Memories,
    Personalise,
    Profile,
    ProfileService,
    Resume,
    WrittenQuestion,
)
from bot.profile.choose import duplicate
from bot.profile.job import read_job
from bot.profile.resume import read_resume
from tests.fakes.clock import T0, FixedClock
from tests.fakes.evaluator import ScriptedEvaluator
from tests.fakes.profile import (
    JOB_EN,
    JOB_KO,
    RESUME_EN,
    RESUME_KO,
    FakeReader,
    InMemoryProfileStore,
    ScriptedProfileModel,
)
from tests.fakes.sessions import InMemorySessionStore
from tests.progress.helpers import bank, catalogue

log = logging.getLogger(__name__)

USER = 42


def resume(text: str = RESUME_EN, language: Language = Language.EN) -> Resume:
    return Resume(text, read_resume(text), 1, language, T0)


def job(text: str = JOB_EN, language: Language = Language.EN) -> JobDescription:
    title = "Senior Backend Engineer" if language is Language.EN else "시니어 백엔드 엔지니어"
    company = "Acme" if language is Language.EN else "에이크미"
    return JobDescription(
        title, company, text, read_job(title, company, text, catalogue()), language, T0
    )


def make(
    model: ScriptedProfileModel | None = None,
) -> tuple[ProfileService, InterviewEngine, InMemoryProfileStore, ScriptedEvaluator]:
    store = InMemoryProfileStore()
    memory = JobMemory(store, catalogue())
    evaluator = ScriptedEvaluator()
    sessions = InMemorySessionStore()
    engine = InterviewEngine(sessions, bank(), evaluator, FixedClock(), memory=Memories((memory,)))
    service = ProfileService(
        store,
        FakeReader(),
        bank(),
        catalogue(),
        engine,
        FixedClock(),
        model=model,
        memory=memory,
    )
    return service, engine, store, evaluator


def options(
    kind: Kind = Kind.BEHAVIORAL, count: int = 5, language: Language = Language.EN
) -> StartOptions:
    return StartOptions(USER, 7, kind, Level.SENIOR, count, language)


async def test_the_resume_s_projects_are_asked_about_by_name() -> None:
    service, _, _, _ = make()
    plan = await service.plan(options(), Personalise.RESUME, Profile(USER, resume()))
    assert len(plan.questions) == 5
    first = plan.questions[0]
    assert first.source == "template"
    assert first.text == (
        "You led the payments ledger migration at Acme Payments: walk me through the hardest "
        "decision you made."
    )
    written = [q for q in plan.questions if q.source == "template"]
    assert len(written) == 2 and "an idempotent retry service" in written[1].text
    assert all(q.id.startswith("custom:behavioral:en:") for q in written)
    assert [q.source for q in plan.questions].count("bank") == 3


async def test_bank_questions_are_ranked_by_what_the_job_focuses_on() -> None:
    service, _, _, _ = make()
    ask = options(Kind.SYSTEM_DESIGN)
    plan = await service.plan(ask, Personalise.JOB, Profile(USER, job=job()))
    assert all(q.source == "bank" for q in plan.questions)  # no resume: no project questions
    tags = set(job().facts.tags)
    top = [bank().get(q.id) for q in plan.questions[:3]]
    assert all(q is not None and tags.intersection(q.skills) for q in top)
    pool = bank().questions(Kind.SYSTEM_DESIGN, Language.EN)
    assert sum(bool(tags.intersection(q.skills)) for q in pool) < len(pool)  # a real choice
    assert plan.focus == job().facts.focus and plan.job_title == "Senior Backend Engineer"


async def test_a_technical_interview_asks_design_questions_and_coding_none_about_projects() -> None:
    service, _, _, _ = make()
    technical = await service.plan(
        options(Kind.TECHNICAL), Personalise.RESUME, Profile(USER, resume())
    )
    assert technical.questions[0].text.startswith(
        "You led the payments ledger migration at Acme Payments: what would you design differently"
    )
    coding = await service.plan(
        options(Kind.CODING), Personalise.BOTH, Profile(USER, resume(), job())
    )
    assert all(q.source == "bank" for q in coding.questions)


async def test_a_korean_interview_names_the_project_in_korean() -> None:
    service, _, _, _ = make()
    profile = Profile(USER, resume(RESUME_KO, Language.KO), job(JOB_KO, Language.KO))
    plan = await service.plan(options(language=Language.KO), Personalise.BOTH, profile)
    first = plan.questions[0].text
    assert first.startswith("에이크미 페이에서 ‘결제 원장 마이그레이션’ 일을 맡으셨습니다.")
    assert all(
        bank().get(q.id) is None or bank().get(q.id).language is Language.KO for q in plan.questions
    )  # type: ignore[union-attr]


async def test_personalising_with_nothing_kept_says_what_to_add() -> None:
    service, _, _, _ = make()
    with pytest.raises(CoachError) as caught:
        await service.plan(options(), Personalise.RESUME, Profile(USER))
    assert "/profile resume" in caught.value.user_message
    with pytest.raises(CoachError) as caught:
        await service.plan(options(language=Language.KO), Personalise.BOTH, Profile(USER))
    assert "/프로필" in caught.value.message_in(Language.KO)


async def test_the_engine_asks_the_plan_and_grades_the_written_question() -> None:
    service, engine, store, evaluator = make()
    await store.save_resume(USER, resume())
    await store.save_job(USER, job())
    outcome = await service.start(options(count=3), Personalise.BOTH, _no_channel)
    note, *rest = outcome.events
    assert isinstance(note, NoticeGiven) and note.key == "profile.start.note"
    assert note.params["written"] == 1 and note.params["bank"] == 2
    asked = next(e for e in rest if isinstance(e, QuestionAsked))
    assert asked.turn.prompt.startswith("You led the payments ledger migration")
    assert asked.question.skills == ("decision_making", "ownership")
    session = outcome.session
    assert session.role == "Senior Backend Engineer (Acme)"
    assert session.id is not None
    events = await engine.answer(session.id, "great answer about the migration")
    assert evaluator.calls == ["great answer about the migration"]
    # The grader was told what the job needs.
    assert any("Senior Backend Engineer at Acme" in line for line in evaluator.contexts[0].memory)
    second = next(e for e in events if isinstance(e, QuestionAsked))
    assert bank().get(second.turn.question_id) is not None
    stored = await store.plan(session.id)
    assert stored is not None and stored.questions[0].source == "template"


async def test_a_written_question_survives_a_restart_from_its_stored_turn() -> None:
    service, engine, store, _ = make()
    await store.save_resume(USER, resume())
    outcome = await service.start(options(count=2), Personalise.RESUME, _no_channel)
    assert outcome.session.id is not None
    turn = (await engine.session(outcome.session.id)).turns[0]
    # A new engine (the bot restarted) knows nothing of the plan but the stored turn.
    rebuilt = custom_question(turn.question_id, turn.prompt, turn.level, "profile.questions.hint")
    assert rebuilt is not None and rebuilt.text == turn.prompt
    assert rebuilt.kind is Kind.BEHAVIORAL and rebuilt.skills == ("decision_making", "ownership")
    assert "specific episode" in rebuilt.hint


async def test_a_model_s_questions_are_checked_before_they_are_asked() -> None:
    pool = bank().questions(Kind.BEHAVIORAL, Language.EN)
    copied = pool[0].text.replace("Tell me", "Please tell me")
    model = ScriptedProfileModel(
        questions=[
            WrittenQuestion(copied, ("conflict_resolution",), "copied from the bank"),
            WrittenQuestion("잘못된 언어로 쓴 질문입니다. 설명해 주세요.", (), ""),
            WrittenQuestion("Short?", (), ""),
            WrittenQuestion(
                "Your ledger migration moved money for millions of merchants: how did you "
                "convince the finance team that a cutover weekend was safe?",
                ("stakeholder_management", "not_a_tag"),
                "Name the people, the risk and the evidence.",
            ),
        ]
    )
    service, _, _, _ = make(model)
    plan = await service.plan(options(count=3), Personalise.BOTH, Profile(USER, resume(), job()))
    kept = [q for q in plan.questions if q.source == "model"]
    assert len(kept) == 1 and kept[0].text.startswith("Your ledger migration")
    assert kept[0].skills == ("stakeholder_management",) and kept[0].hint.startswith("Name")
    assert [q.source for q in plan.questions] == ["model", "bank", "bank"]
    brief = model.briefs[0]
    assert brief.job == JOB_EN and "Led the payments ledger" in brief.resume
    assert brief.focus == job().facts.focus


async def test_without_a_model_answer_the_offline_plan_is_used() -> None:
    service, _, _, _ = make(ScriptedProfileModel(questions=None))
    plan = await service.plan(options(), Personalise.RESUME, Profile(USER, resume()))
    assert plan.questions[0].source == "template"


def test_duplicates_are_told_by_their_content_words() -> None:
    assert duplicate(
        "Tell me about a time you disagreed with a teammate about a technical decision.",
        "Describe a time you disagreed with your teammate on a technical decision.",
    )
    assert not duplicate(
        "Tell me about a time you disagreed with a teammate.",
        "Tell me about a time you missed a deadline.",
    )


async def test_memory_says_nothing_for_interviews_not_made_for_a_job() -> None:
    service, engine, _, evaluator = make()
    session, _ = await engine.start(options(count=1))
    assert session.id is not None
    await engine.answer(session.id, "great")
    assert evaluator.contexts[0].memory == ()
    assert await service.memory.recall(replace(session, id=None)) == ()


async def _no_channel() -> int | None:
    return None
