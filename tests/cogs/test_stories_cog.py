"""`/stories show|rename|merge|delete` through py-cord against the spec-checked fake."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from discord_harness import FakeDiscord

from bot.catalog import Language
from bot.stories.models import StoryDraft, Telling
from tests.cogs.progress_envs import ProgressEnv, make_progress_env

log = logging.getLogger(__name__)

EPHEMERAL = 64


@pytest.fixture
async def env(tmp_path: Path, discord_fake: FakeDiscord) -> AsyncIterator[ProgressEnv]:
    async for e in make_progress_env(tmp_path, discord_fake):
        yield e


async def bank_story(
    env: ProgressEnv, title: str, competencies: tuple[str, ...], *days: int
) -> int:
    user = int(env.h.alice["id"])
    tellings = [
        Telling(d + 1, d + 1, 1, "beh-q", 70, env.clock.now() - timedelta(days=d)) for d in days
    ]
    draft = StoryDraft(title, ("acme",), (), competencies, "excerpt")
    story = await env.story_store.add_story(user, draft, tellings[0], Language.EN)
    for telling in tellings[1:]:
        await env.story_store.add_telling(story.id, telling, ("acme",), (), competencies)
    return story.id


async def test_the_group_is_registered_with_korean_names(env: ProgressEnv) -> None:
    command = env.fake.command("stories")
    assert {o["name"] for o in command["options"]} == {"show", "rename", "merge", "delete"}
    assert command["name_localizations"]["ko"] == "이야기"


async def test_an_empty_bank_says_how_stories_arrive(env: ProgressEnv) -> None:
    await env.h.slash("stories", "show", user=env.h.alice)
    (reply,) = env.followups()
    assert reply["flags"] & EPHEMERAL
    assert "No stories yet" in reply["embeds"][0]["description"]


async def test_show_lists_stories_coverage_and_overuse(env: ProgressEnv) -> None:
    told = await bank_story(env, "The index outage", ("failure", "ownership"), 1, 5, 9)
    await bank_story(env, "Mentoring Priya", ("mentoring",), 2)
    await env.h.slash("stories", "show", user=env.h.alice)
    (embed,) = env.followups()[-1]["embeds"]
    assert (
        f"#{told} The index outage" in embed["description"]
        and "told 3 times" in embed["description"]
    )
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "Failure: #1" in fields["Coverage"] and "No story yet for:" in fields["Coverage"]
    assert "3 interviews in the last 30 days" in fields["Told too often"]


async def test_rename_merge_delete_and_bad_input(env: ProgressEnv) -> None:
    first = await bank_story(env, "Outage", ("failure",), 1)
    second = await bank_story(env, "Outage again", ("ownership",), 2)
    await env.h.slash("stories", "rename", options={"story": first, "title": " "}, user=env.h.alice)
    assert "the new title is empty" in env.followups()[-1]["content"]
    long = "x" * 2000
    await env.h.slash(
        "stories", "rename", options={"story": first, "title": long}, user=env.h.alice
    )
    assert "That title is 2,000 characters" in env.followups()[-1]["content"]
    await env.h.slash("stories", "merge", options={"keep": first, "other": first}, user=env.h.alice)
    assert "can't be merged with itself" in env.followups()[-1]["content"]
    await env.h.slash("stories", "delete", options={"story": 99}, user=env.h.alice)
    assert "You have no story #99" in env.followups()[-1]["content"]
    assert len(await env.story_store.stories(int(env.h.alice["id"]))) == 2  # nothing lost

    await env.h.slash(
        "stories", "rename", options={"story": first, "title": "The outage"}, user=env.h.alice
    )
    assert env.followups()[-1]["content"] == f"Story #{first} is now called “The outage”."
    await env.h.slash(
        "stories", "merge", options={"keep": first, "other": second}, user=env.h.alice
    )
    merged = env.followups()[-1]["content"]
    assert merged == f"Merged story #{second} into #{first} “The outage”: told 2 times in all."
    await env.h.slash("stories", "delete", options={"story": first}, user=env.h.alice)
    assert "The answers that told it stay" in env.followups()[-1]["content"]
    assert await env.story_store.stories(int(env.h.alice["id"])) == []


async def test_bob_cannot_touch_alices_story(env: ProgressEnv) -> None:
    story = await bank_story(env, "Outage", ("failure",), 1)
    await env.h.slash("stories", "delete", options={"story": story}, user=env.h.bob)
    assert f"You have no story #{story}" in env.followups()[-1]["content"]
    assert len(await env.story_store.stories(int(env.h.alice["id"]))) == 1
