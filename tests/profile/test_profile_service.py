"""The profile service: a resume is checked for size before it is fetched, read, held for the
candidate to confirm, and only then kept; job descriptions likewise; clear forgets both."""

from __future__ import annotations

import logging

import pytest

from bot.catalog import Kind, Language, Level
from bot.errors import CoachError
from bot.interview.engine import InterviewEngine
from bot.profile import DocumentProblem, JobFacts, ProfileService, Project, ResumeFacts, Role
from tests.fakes.clock import FixedClock
from tests.fakes.evaluator import ScriptedEvaluator
from tests.fakes.profile import (
    JOB_EN,
    RESUME_EN,
    FakeReader,
    InMemoryProfileStore,
    ScriptedProfileModel,
)
from tests.fakes.sessions import InMemorySessionStore
from tests.progress.helpers import bank, catalogue

log = logging.getLogger(__name__)

USER = 5
MB = 1024 * 1024


def make(
    reader: FakeReader | None = None, model: ScriptedProfileModel | None = None
) -> tuple[ProfileService, InMemoryProfileStore, FixedClock]:
    store, clock = InMemoryProfileStore(), FixedClock()
    engine = InterviewEngine(InMemorySessionStore(), bank(), ScriptedEvaluator(), clock)
    service = ProfileService(
        store, reader or FakeReader(), bank(), catalogue(), engine, clock, model=model
    )
    return service, store, clock


class Upload:
    """An attachment's bytes, and whether they were fetched."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.fetched = 0

    async def read(self) -> bytes:
        self.fetched += 1
        return self.data


async def test_a_resume_over_the_limit_is_refused_before_it_is_fetched() -> None:
    service, _, _ = make()
    upload = Upload(b"x")
    with pytest.raises(DocumentProblem) as caught:
        await service.read_resume(USER, 6 * MB, upload.read, Language.EN)
    assert caught.value.problem == "too_large" and upload.fetched == 0
    assert "6.0 MB" in caught.value.user_message and "5 MB" in caught.value.user_message


async def test_a_file_bigger_than_announced_is_refused_too() -> None:
    service, _, _ = make()
    upload = Upload(b"x" * (5 * MB + 1))
    with pytest.raises(DocumentProblem) as caught:
        await service.read_resume(USER, 10, upload.read, Language.KO)
    assert caught.value.problem == "too_large" and caught.value.language is Language.KO


async def test_a_reader_problem_reaches_the_user_in_their_language() -> None:
    service, _, _ = make(FakeReader("password"))
    with pytest.raises(DocumentProblem) as caught:
        await service.read_resume(USER, 10, Upload(b"%PDF").read, Language.KO)
    assert caught.value.problem == "password"
    assert "비밀번호" in caught.value.user_message


async def test_a_read_resume_is_kept_only_once_confirmed() -> None:
    service, store, _ = make()
    upload = Upload(RESUME_EN.encode())
    read = await service.read_resume(
        USER, len(upload.data), upload.read, Language.EN, name="cv.pdf"
    )
    assert read.facts.projects[0].name == "the payments ledger migration"
    assert (await store.profile(USER)).empty  # nothing kept yet
    kept = await service.confirm(USER, "resume", Language.EN)
    assert kept.resume == read
    assert (await store.profile(USER)).resume == read
    with pytest.raises(CoachError, match="expired"):
        await service.confirm(USER, "resume", Language.EN)  # once only


async def test_a_discarded_or_stale_read_is_never_kept() -> None:
    service, store, clock = make()
    await service.read_job(USER, "Engineer", "Acme", JOB_EN, Language.EN)
    assert service.discard(USER, "job")
    assert not service.discard(USER, "job")
    await service.read_job(USER, "Engineer", "Acme", JOB_EN, Language.EN)
    clock.advance(hours=1)
    with pytest.raises(CoachError):
        await service.confirm(USER, "job", Language.EN)
    assert (await store.profile(USER)).empty


async def test_a_job_needs_a_title_and_text() -> None:
    service, _, _ = make()
    with pytest.raises(CoachError) as caught:
        await service.read_job(USER, "  ", "", JOB_EN, Language.EN)
    assert caught.value.key == "profile.job.empty"


async def test_a_model_reading_is_used_and_kept_to_known_skills() -> None:
    model = ScriptedProfileModel(
        resume=ResumeFacts(
            roles=(Role("Staff Engineer", "Initech", "2019 – now"),),
            projects=(Project("the search rewrite", "led", "Initech"),),
            source="model",
        ),
        job=JobFacts(
            "Engineer",
            "Acme",
            kinds=(Kind.BEHAVIORAL, Kind.SYSTEM_DESIGN),
            focus=("scaling", "made_up_skill"),
            tags=("caching", "made_up_tag"),
            seniority=Level.SENIOR,
            source="model",
        ),
    )
    service, _, _ = make(model=model)
    upload = Upload(RESUME_EN.encode())
    read = await service.read_resume(USER, len(upload.data), upload.read, Language.EN)
    assert read.facts.source == "model" and read.facts.roles[0].company == "Initech"
    job = await service.read_job(USER, "Engineer", "Acme", JOB_EN, Language.EN)
    assert job.facts.focus == ("scaling",) and job.facts.tags == ("caching",)
    assert job.facts.context  # filled in from the offline reading


async def test_without_a_model_answer_the_offline_reading_is_used() -> None:
    service, _, _ = make(model=ScriptedProfileModel())
    upload = Upload(RESUME_EN.encode())
    read = await service.read_resume(USER, len(upload.data), upload.read, Language.EN)
    assert read.facts.source == "offline" and read.facts.roles


async def test_clear_forgets_everything_including_what_waits_for_confirmation() -> None:
    service, store, _ = make()
    await service.read_job(USER, "Engineer", "Acme", JOB_EN, Language.EN)
    await service.confirm(USER, "job", Language.EN)
    await service.read_job(USER, "Other", "", JOB_EN, Language.EN)
    assert await service.clear(USER)
    assert (await store.profile(USER)).empty
    with pytest.raises(CoachError):
        await service.confirm(USER, "job", Language.EN)
    assert not await service.clear(USER)
