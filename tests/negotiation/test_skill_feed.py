"""Finished negotiations feed the skill graph's "negotiation" skill and its drill schedule."""

from __future__ import annotations

import logging

import pytest

from bot.negotiation.skills import SKILL_ID, SkillGraphFeed
from bot.progress import ProgressService
from tests.fakes.clock import FixedClock
from tests.fakes.progress import InMemoryProgressStore
from tests.negotiation.helpers import USER, play, service
from tests.progress.helpers import catalogue

log = logging.getLogger(__name__)

ANCHOR = "Given my experience leading the payments team and the 30% latency cut, I'd like 150k."


def graph() -> tuple[ProgressService, InMemoryProgressStore]:
    store = InMemoryProgressStore()
    return ProgressService(catalogue(), store, FixedClock()), store


async def test_a_finished_negotiation_is_practice_of_the_negotiation_skill() -> None:
    progress, store = graph()
    played = await play([ANCHOR, "I accept."], svc=service(skills=SkillGraphFeed(progress)))
    state = store.states[USER][SKILL_ID]
    assert state.observations == 1
    assert state.recent == (played.debrief.overall,)
    assert SKILL_ID in store.schedule_rows[USER]
    # A second negotiation moves the same skill instead of adding another.
    await play(["ok, I accept"], svc=service(skills=SkillGraphFeed(progress)))
    assert store.states[USER][SKILL_ID].observations == 2


async def test_stopping_before_saying_anything_is_not_practice() -> None:
    progress, store = graph()
    await play([], svc=service(skills=SkillGraphFeed(progress)))
    assert SKILL_ID not in store.states.get(USER, {})


async def test_a_skill_the_catalogue_lacks_is_refused() -> None:
    progress, _ = graph()
    with pytest.raises(KeyError):
        await progress.practised(USER, "no-such-skill", 50)
