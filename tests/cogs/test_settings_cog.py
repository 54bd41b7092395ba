"""`/settings` and `/questions` through py-cord and the spec-checked fake: who may, what holds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.catalog import Kind, Language
from bot.guilds import BotDefaults
from bot.speech.audio import AudioLimits
from bot.speech.tts import EspeakTTS, FallbackTTS
from cogs.interview._audio import SpeechServices
from tests.cogs.moderation_envs import Env, Json, make_env
from tests.fakes.speech_to_text import ScriptedSpeechToText

NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
MODAL = 9
KEYWORDS = "[queue, retry, backoff, failure, alert, recover]"

GOOD_YAML = f"""\
schema_version: 1
kind: behavioral
language: en
questions:
  - id: beh-first-incident
    levels: [mid]
    skills: [incident_response]
    text: "Tell me about the first production incident you handled."
    hint: "Say what you did in the first ten minutes."
    keywords: {KEYWORDS}
"""

BAD_CSV = """\
kind,language,id,levels,skills,text,hint,keywords
technical,en,,mid,caching,How would you cache a slow API?,Name it.,cache;ttl;stale;hit;miss;lru
cooking,en,,mid,caching,What is your favourite pan?,Any.,a;b;c;d;e;f
"""


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    defaults = BotDefaults(daily_token_budget=10_000, retention_days=90)
    async for e in make_env(tmp_path, now=NOW, defaults=defaults):
        yield e


def field_values(embed: Json) -> dict[str, str]:
    return {f["name"]: f["value"] for f in embed.get("fields") or []}


async def settings(env: Env, name: str, user: Json | None = None, **options: Any) -> None:
    await env.h.slash("settings", name, user=user or env.h.bob, options=options)


async def test_settings_show_current_values_and_only_manage_server_changes_them(
    env: Env,
) -> None:
    await settings(env, "show")
    shown = field_values(env.last_embed())
    assert "10,000 tokens (bot default)" in shown["Daily model budget"]
    assert "90 days (bot default)" in shown["Keep interviews and rounds for"]
    assert shown["Where interviews and rounds may start"] == "any channel"
    await settings(env, "budget", user=env.h.alice, tokens=5)
    assert "Manage Server" in env.last_reply()
    await settings(env, "budget", tokens=50_000)
    assert "not raise it" in env.last_reply() and "10,000" in env.last_reply()
    await settings(env, "budget", tokens=2_000)
    await settings(env, "retention", days=7)
    await settings(env, "spoken-questions", spoken="off")
    shown = field_values(env.last_embed())
    assert shown["Daily model budget"] == "2,000 tokens"
    assert shown["Keep interviews and rounds for"] == "7 days"
    assert shown["Spoken questions"] == "off"
    guild = env.h.guild_id
    assert env.settings.daily_tokens_for(guild, 10_000) == 2_000
    assert env.settings.retention_days(guild) == 7
    assert not env.settings.speaks_questions(guild)
    # The budget goes back to the bot's when left empty.
    await settings(env, "budget")
    assert env.settings.daily_tokens_for(guild, 10_000) == 10_000


async def test_allowed_channels_hold_for_members_but_not_moderators(env: Env) -> None:
    await settings(env, "channel", channel=env.fake.channels[env.voice_id], allowed=True)
    assert (
        f"<#{env.voice_id}>"
        in field_values(env.last_embed())["Where interviews and rounds may start"]
    )
    await env.h.slash("round", "text", user=env.h.alice, options={"rounds": 1})
    assert "Interviews and rounds start only in" in env.last_reply()
    assert f"<#{env.voice_id}>" in env.last_reply()
    assert env.fake.threads_of(env.h.channel_id) == []
    await env.h.slash("interview", "start", user=env.h.alice)
    assert "Interviews and rounds start only in" in env.last_reply()
    # Bob has Manage Server: the list does not bind moderators.
    await env.h.slash("round", "text", user=env.h.bob, options={"rounds": 1})
    assert "The text round is open in" in env.last_reply()
    await env.h.slash("round", "stop", user=env.h.bob, channel_id=env.desk.live_threads()[0])
    await env.quiesce()
    await settings(env, "channels-clear")
    await env.h.slash("round", "text", user=env.h.alice, options={"rounds": 1})
    assert "The text round is open in" in env.last_reply()
    await env.coach.rounds.shutdown()


async def test_the_servers_default_language_fills_in_a_language_left_out(env: Env) -> None:
    await settings(env, "language", language="ko")
    assert env.last_embed()["title"] != "Server settings"  # shown in Korean now
    await env.h.slash("round", "text", user=env.h.alice, options={"rounds": 1})
    assert "텍스트 라운드를 열었습니다" in env.last_reply()
    # A language the member chose still wins.
    await env.coach.rounds.shutdown()
    await env.h.slash("round", "text", user=env.h.alice, options={"rounds": 1, "language": "en"})
    assert "The text round is open in" in env.last_reply()
    await env.coach.rounds.shutdown()
    await settings(env, "language", language="default")
    assert env.settings.language(env.h.guild_id) is None


async def test_questions_come_from_a_form_or_a_file_with_line_numbered_errors(env: Env) -> None:
    await env.h.slash(
        "questions",
        "add",
        user=env.h.alice,
        options={"kind": "behavioral", "question_language": "en"},
    )
    assert "Manage Server" in env.last_reply()
    await env.h.slash(
        "questions",
        "add",
        user=env.h.bob,
        options={"kind": "behavioral", "question_language": "en"},
    )
    (modal,) = [b for b in env.fake.bodies_to("POST", CALLBACK) if b["type"] == MODAL]
    form = modal["data"]
    await env.h.submit_modal(
        form["custom_id"],
        {
            "text": "Tell me about a time you changed a teammate's mind.",
            "hint": "What they believed, what you showed them, what changed.",
            "levels": "mid, senior",
            "skills": "communication",
            "keywords": "teammate, evidence, data, disagree, convince, changed",
        },
        user=env.h.bob,
    )
    assert env.last_reply().startswith("Added `beh-g")
    (mine,) = env.questions.questions(env.h.guild_id, Kind.BEHAVIORAL, Language.EN)
    assert "teammate's mind" in mine.text

    bad = env.fake.add_attachment("mine.csv", BAD_CSV.encode(), content_type="text/csv")
    await env.h.slash("questions", "upload", user=env.h.bob, options={"file": bad})
    assert "No question was added" in env.last_reply() and "line 3 (kind)" in env.last_reply()
    assert len(env.questions.for_guild(env.h.guild_id)) == 1

    good = env.fake.add_attachment("mine.yaml", GOOD_YAML.encode(), content_type="text/yaml")
    await env.h.slash("questions", "upload", user=env.h.bob, options={"file": good})
    assert "Added 1 question(s)" in env.last_reply()
    await env.h.slash("questions", "list", user=env.h.alice)
    listed = env.last_embed()["description"]
    # Ids get the server's mark, so two servers' questions never clash.
    theirs = f"beh-g{env.h.guild_id}-first-incident"
    assert f"`{theirs}`" in listed and "teammate's mind" in listed
    await env.h.slash("questions", "remove", user=env.h.bob, options={"question_id": theirs})
    assert f"Removed `{theirs}`" in env.last_reply()
    await env.h.slash("questions", "remove", user=env.h.bob, options={"question_id": theirs})
    assert f"has no question `{theirs}`" in env.last_reply()
    assert len(env.questions.for_guild(env.h.guild_id)) == 1


async def first_question(env: Env) -> Json:
    """Start an interview, return its first question's message, and stop it again."""
    await env.h.slash("interview", "start", user=env.h.alice)
    thread = int(env.fake.threads_of(env.h.channel_id)[-1]["id"])
    found = next(m for m in env.bot_messages(thread) if m.get("embeds"))
    await env.h.slash("interview", "stop", user=env.h.alice, channel_id=thread)
    return found


async def test_spoken_questions_follow_the_servers_setting(tmp_path: Path) -> None:
    speech = SpeechServices(
        stt=ScriptedSpeechToText("unused"),
        tts=FallbackTTS([EspeakTTS()]),
        limits=AudioLimits(max_seconds=60, max_bytes=2_000_000),
        speak_questions=True,
    )
    async for env in make_env(tmp_path, now=NOW, speech=speech):
        spoken = await first_question(env)
        assert [a["filename"] for a in spoken["attachments"]] == ["question.ogg"]
        await settings(env, "spoken-questions", spoken="off")
        assert (await first_question(env))["attachments"] == []
