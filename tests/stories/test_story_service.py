"""The story bank on the interview engine: stories banked, retellings counted, the overuse
warning in the thread at the third interview, and rename, merge, delete with bad input."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest

from bot.catalog import Kind, Language, Level, Question
from bot.coaching.answer import Answer
from bot.coaching.grading import GradingContext
from bot.coaching.models import Evaluation
from bot.errors import CoachError
from bot.interview.engine import InterviewEngine, StartOptions
from bot.interview.events import NoticeGiven
from bot.stories import StoryService
from tests.fakes.clock import FixedClock
from tests.fakes.sessions import InMemorySessionStore
from tests.fakes.stories import InMemoryStoryStore
from tests.stories.helpers import MENTORING, OUTAGE, OUTAGE_AGAIN, bank, reader, rubric

log = logging.getLogger(__name__)

USER = 5


class RubricGrader:
    """The offline rubric as the engine's evaluator (real findings, real word counts)."""

    async def evaluate(
        self, answer: Answer, question: Question, context: GradingContext
    ) -> Evaluation:
        return rubric().evaluate(answer, question, context.level, context.language)


@dataclass
class Env:
    engine: InterviewEngine
    service: StoryService
    store: InMemoryStoryStore
    clock: FixedClock


@pytest.fixture
def env() -> Env:
    clock = FixedClock()
    store = InMemoryStoryStore()
    service = StoryService(reader(), store, clock)
    engine = InterviewEngine(
        InMemorySessionStore(), bank(), RubricGrader(), clock, observers=(service,)
    )
    return Env(engine, service, store, clock)


async def tell(env: Env, text: str) -> list[NoticeGiven]:
    """Answer one behavioral question with ``text`` in a new interview; return its notes."""
    options = StartOptions(
        USER, None, Kind.BEHAVIORAL, Level.MID, 1, question_ids=("beh-mistake-in-production",)
    )
    session, _ = await env.engine.start(options)
    assert session.id is not None
    events = await env.engine.answer(session.id, text)
    await env.engine.finish(session.id)
    env.clock.advance(days=1)
    return [e for e in events if isinstance(e, NoticeGiven)]


async def test_a_retold_story_is_counted_and_warned_about_at_the_third_interview(env: Env) -> None:
    assert await tell(env, OUTAGE) == []
    assert await tell(env, OUTAGE_AGAIN) == []
    (story,) = await env.store.stories(USER)
    assert story.uses == 2
    (warning,) = await tell(env, OUTAGE)
    assert warning.key == "stories.overuse" and warning.params["count"] == 3
    (story,) = await env.store.stories(USER)
    assert warning.sources == tuple(t.turn_id for t in story.tellings)
    (habit,) = await env.service.habits(USER)
    assert habit.key == f"story:{story.id}" and habit.title == story.title
    bank_view = await env.service.bank(USER, Language.KO)
    assert bank_view.overused == (story.id,) and bank_view.language is Language.EN
    data = bank_view.to_json()
    assert data["stories"][0]["uses"] == 3 and data["overused"] == [story.id]
    assert data["coverage"]["failure"] == [story.id]


async def test_rename_merge_delete_and_their_bad_input(env: Env) -> None:
    await tell(env, OUTAGE)
    await tell(env, MENTORING)
    first, second = await env.store.stories(USER)
    with pytest.raises(CoachError) as empty:
        await env.service.rename(USER, first.id, "  ", Language.EN)
    assert empty.value.key == "stories.rename.empty"
    with pytest.raises(CoachError) as long:
        await env.service.rename(USER, first.id, "t" * 2000, Language.EN)
    assert long.value.key == "stories.rename.too_long"
    with pytest.raises(CoachError) as itself:
        await env.service.merge(USER, first.id, first.id, Language.EN)
    assert itself.value.key == "stories.merge.same"
    with pytest.raises(CoachError) as missing:
        await env.service.delete(USER, 999, Language.EN)
    assert missing.value.key == "stories.not_found"
    # None of the refusals changed anything.
    assert [s.title for s in await env.store.stories(USER)] == [first.title, second.title]

    renamed = await env.service.rename(USER, first.id, "The index outage", Language.EN)
    assert renamed.story.title == "The index outage"
    merged = await env.service.merge(USER, first.id, second.id, Language.EN)
    assert merged.story.uses == 2 and merged.other is not None
    (kept,) = await env.store.stories(USER)
    assert kept.title == "The index outage" and kept.uses == 2
    assert set(second.competencies) <= set(kept.competencies)
    gone = await env.service.delete(USER, kept.id, Language.EN)
    assert gone.story.id == kept.id and await env.store.stories(USER) == []


async def test_someone_elses_story_is_not_found(env: Env) -> None:
    await tell(env, OUTAGE)
    (story,) = await env.store.stories(USER)
    with pytest.raises(CoachError) as caught:
        await env.service.rename(USER + 1, story.id, "mine now", Language.EN)
    assert caught.value.key == "stories.not_found"
