"""`/interview` end to end through py-cord against the spec-checked Discord fake."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest
from discord_harness import FakeDiscord, find_custom_id

from bot.catalog import Language
from bot.catalog.bank import QuestionBank
from bot.coaching.offline_evaluator import OfflineEvaluator
from bot.coaching.rubric import Rubric
from bot.copy import catalogue
from bot.interview.models import TurnStatus
from tests.cogs.envs import Env, make_env

PRIVATE_THREAD = 12
PUBLIC_THREAD = 11


@pytest.fixture
async def env(tmp_path: Path, discord_fake: FakeDiscord) -> AsyncIterator[Env]:
    async for e in make_env(tmp_path, discord_fake):
        yield e


async def start(env: Env, **options: Any) -> None:
    await env.h.slash("interview", "start", options={"kind": "behavioral", "count": 2, **options})


async def test_start_opens_private_thread_with_question_and_buttons(env: Env) -> None:
    await start(env, level="junior", role="Backend engineer")
    thread = env.fake.threads_of(env.h.channel_id)[0]
    assert thread["type"] == PRIVATE_THREAD
    assert thread["name"].startswith("Mock interview")
    assert int(env.h.alice["id"]) in env.fake.thread_members[int(thread["id"])]
    messages = env.bot_messages(int(thread["id"]))
    assert "Backend engineer" in messages[0]["content"]
    question = messages[1]
    assert question["embeds"][0]["title"] == "Question 1 of 2"
    labels = [c["label"] for row in question["components"] for c in row["components"]]
    assert labels == ["Skip", "Hint", "Finish"]
    assert any("Your interview is ready in <#" in t for t in env.ephemeral_texts())
    # The slash command was acknowledged with a deferred (ephemeral) response.
    callbacks = env.fake.bodies_to(
        "POST", "/interactions/{interaction_id}/{interaction_token}/callback"
    )
    assert callbacks[0]["type"] == 5 and callbacks[0]["data"]["flags"] == 64


async def test_answer_in_thread_gets_feedback_then_follow_up(env: Env) -> None:
    await start(env)
    thread_id = env.thread_id()
    await env.h.message("vague answer about a project", channel_id=thread_id)
    texts = [m.get("content") or "" for m in env.bot_messages(thread_id)]
    feedback = next(t for t in texts if t.startswith("**Score 40/100**"))
    assert "_Offline coach_" in feedback
    assert "Result missing" in feedback and "(absent from the answer)" in feedback
    last = env.bot_messages(thread_id)[-1]
    assert last["embeds"][0]["title"] == "Follow-up"
    assert last["embeds"][0]["description"] == "What was the result?"


async def test_a_reply_to_a_follow_up_says_what_it_did_for_the_question(env: Env) -> None:
    await start(env)
    thread_id = env.thread_id()
    await env.h.message("vague answer about a project", channel_id=thread_id)
    await env.h.message("great: we cut the failures in half", channel_id=thread_id)
    texts = [m.get("content") or "" for m in env.bot_messages(thread_id)]
    reply = next(t for t in texts if "Follow-up answered" in t)

    assert reply.startswith("**Follow-up answered: Result missing is fixed")
    assert "question 1 grade 40 → 92" in reply
    # The grader saw the first answer and the reply together.
    assert env.evaluator.calls[-1].startswith("vague answer about a project\n\ngreat")


async def test_other_users_are_not_graded_and_told_once(env: Env) -> None:
    await start(env)
    thread_id = env.thread_id()
    before = len(env.evaluator.calls)
    await env.h.message("my own take", user=env.h.bob, channel_id=thread_id)
    await env.h.message("another take", user=env.h.bob, channel_id=thread_id)
    notes = [m for m in env.bot_messages(thread_id) if "Only <@" in (m.get("content") or "")]
    assert len(notes) == 1
    assert len(env.evaluator.calls) == before


async def test_second_start_offers_resume_or_stop(env: Env) -> None:
    await start(env)
    await start(env)
    assert len(env.fake.threads_of(env.h.channel_id)) == 1
    offer = env.fake.bodies_to("POST", "/webhooks/{application_id}/{interaction_token}")[-1]
    assert "already have an interview running" in offer["content"]
    labels = [c["label"] for row in offer["components"] for c in row["components"]]
    assert labels == ["Resume it", "Stop it"]


async def test_private_thread_forbidden_falls_back_to_public_thread(env: Env) -> None:
    env.fake.forbid("POST", "/channels/{channel_id}/threads", times=1)
    await start(env)
    thread = env.fake.threads_of(env.h.channel_id)[0]
    assert thread["type"] == PUBLIC_THREAD
    first = env.bot_messages(int(thread["id"]))[0]["content"]
    assert "public" in first and "Create Private Threads" in first


async def test_no_thread_permission_falls_back_to_dm(env: Env) -> None:
    env.fake.forbid("POST", "/channels/{channel_id}/threads")
    await start(env)
    assert env.fake.threads_of(env.h.channel_id) == []
    dm_id = next(iter(env.fake.dm_channels.values()))
    dm_id = int(dm_id["id"]) if isinstance(dm_id, dict) else int(dm_id)
    texts = [m.get("content") or "" for m in env.bot_messages(dm_id)]
    assert any("your DMs" in t for t in texts)
    assert any("in your DMs" in t for t in env.ephemeral_texts())


async def test_hint_is_ephemeral_skip_moves_on_finish_summarises(env: Env) -> None:
    await start(env, count=3)
    thread_id = env.thread_id()
    question = env.bot_messages(thread_id)[-1]
    await env.h.click(question, label="Hint")
    hint = env.fake.bodies_to(
        "POST", "/interactions/{interaction_id}/{interaction_token}/callback"
    )[-1]
    assert hint["data"]["content"].startswith("Hint: Hint for")
    assert hint["data"]["flags"] == 64
    await env.h.click(question, label="Skip")
    assert env.bot_messages(thread_id)[-1]["embeds"][0]["title"] == "Question 2 of 3"
    await env.h.click(env.bot_messages(thread_id)[-1], label="Finish")
    summary = env.bot_messages(thread_id)[-1]["embeds"][0]
    assert summary["title"] == "Interview complete"
    assert "skipped: 1" in summary["description"]


async def test_someone_elses_buttons_are_refused(env: Env) -> None:
    await start(env)
    question = env.bot_messages(env.thread_id())[-1]
    await env.h.click(question, label="Skip", user=env.h.bob)
    reply = env.fake.bodies_to(
        "POST", "/interactions/{interaction_id}/{interaction_token}/callback"
    )[-1]
    assert "someone else's interview" in reply["data"]["content"]
    session = await env.engine.active_session(int(env.h.alice["id"]), env.h.guild_id)
    assert session is not None and session.current_turn.status is TurnStatus.ASKED  # type: ignore[union-attr]


async def test_deleted_thread_resumes_in_a_new_thread(env: Env) -> None:
    await start(env)
    old = env.thread_id()
    await env.h.delete_thread(old)
    env.fake.delete_channel(old)
    await env.h.slash("interview", "resume")
    threads = [t for t in env.fake.threads_of(env.h.channel_id) if int(t["id"]) != old]
    assert len(threads) == 1
    new_id = int(threads[0]["id"])
    messages = env.bot_messages(new_id)
    assert "welcome back" in messages[0]["content"]
    assert messages[-1]["embeds"][0]["title"] == "Question 1 of 2"
    await env.h.message("great answer in the new thread", channel_id=new_id)
    assert any(
        (m.get("content") or "").startswith("**Score 92/100**") for m in env.bot_messages(new_id)
    )


async def test_stop_posts_summary_and_history_lists_it(env: Env) -> None:
    await start(env)
    thread_id = env.thread_id()
    await env.h.message("great answer", channel_id=thread_id)
    await env.h.slash("interview", "stop")
    assert env.bot_messages(thread_id)[-1]["embeds"][0]["title"] == "Interview stopped"
    await env.h.slash("interview", "history")
    embed = env.fake.bodies_to("POST", "/webhooks/{application_id}/{interaction_token}")[-1][
        "embeds"
    ][0]
    assert "stopped" in embed["description"] and "92/100" in embed["description"]


async def test_stop_without_session_gives_friendly_message(env: Env) -> None:
    await env.h.slash("interview", "stop")
    assert any("no interview running" in t for t in env.ephemeral_texts())


async def test_restart_mid_grading_grades_saved_answer_on_ready(env: Env) -> None:
    await start(env)
    thread_id = env.thread_id()
    env.evaluator.fail_next = True
    env.h.errors.clear()
    await env.h.message("plain answer that must not be lost", channel_id=thread_id)
    apology = [m for m in env.bot_messages(thread_id) if "Sorry" in (m.get("content") or "")]
    assert apology and "reference" in apology[0]["content"]
    env.h.errors.clear()
    await env.cog.on_ready()
    await env.h.settle()
    assert any(
        (m.get("content") or "").startswith("**Score 65/100**") for m in env.bot_messages(thread_id)
    )


async def test_unexpected_error_is_logged_with_ids(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    await start(env)
    env.evaluator.fail_next = True
    with caplog.at_level(logging.ERROR):
        await env.h.message("plain answer", channel_id=env.thread_id())
    env.h.errors.clear()
    record = next(r for r in caplog.records if "failed (ref" in r.getMessage())
    assert str(env.h.alice["id"]) in record.getMessage()
    assert record.exc_info is not None
    assert "plain answer" not in record.getMessage()


async def test_empty_message_is_explained(env: Env) -> None:
    await start(env)
    thread_id = env.thread_id()
    await env.h.message("   ", channel_id=thread_id)
    assert "That message was empty" in env.bot_messages(thread_id)[-1]["content"]


async def test_buttons_work_without_any_stored_view_as_after_a_restart(env: Env) -> None:
    await start(env, count=3)
    thread_id = env.thread_id()
    question = env.bot_messages(thread_id)[-1]
    assert find_custom_id(question, label="Skip").startswith("mb:skip:")
    # A fresh process has an empty view store: routing must rely on custom_id alone.
    state = env.h.bot._connection
    state._view_store = type(state._view_store)(state)
    await env.h.click(question, label="Skip")
    assert env.bot_messages(thread_id)[-1]["embeds"][0]["title"] == "Question 2 of 3"


def test_render_splits_long_feedback_under_the_limit() -> None:
    from bot.coaching.models import Coaching, Dimension, Evaluation
    from bot.interview.events import FeedbackGiven
    from bot.interview.models import Level, Turn
    from cogs.interview._render import render

    ev = Evaluation(70, {d: 70 for d in Dimension}, (), Coaching("p" * 900, "f " * 900, "t" * 300))
    out = render([FeedbackGiven(Turn(0, "q", "Q?", Level.MID), ev)])
    assert len(out) >= 2
    assert all(o.content is not None and len(o.content) <= 2000 for o in out)
    assert isinstance(out[0].content, str) and out[0].content.startswith("**Score 70/100**")
    assert discord  # py-cord objects are what the renderer builds


PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


def _shown(message: dict[str, Any]) -> str:
    """Return every piece of text a message shows: content, embeds, button labels."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts.append((embed.get("footer") or {}).get("text") or "")
        parts += [f"{f.get('name')} {f.get('value')}" for f in embed.get("fields") or []]
    for row in message.get("components") or []:
        parts += [c.get("label") or "" for c in row.get("components") or []]
    return "\n".join(parts)


async def test_a_korean_interview_is_korean_everywhere(
    tmp_path: Path, discord_fake: FakeDiscord
) -> None:
    bank = QuestionBank.load(PROMPTS)
    grader = OfflineEvaluator(Rubric.load(PROMPTS))
    async for env in make_env(tmp_path, discord_fake, bank, grader):
        await start(env, language="ko", count=1)
        thread_id = env.thread_id()
        await env.h.message(
            "지난 회사에서 결제 서버가 자주 멈추는 문제가 있었습니다. 제가 원인을 분석해서 "
            "커넥션 풀 설정을 고쳤고, 장애가 한 달에 네 번에서 0번으로 줄었습니다.",
            channel_id=thread_id,
        )
        shown = "\n".join(_shown(m) for m in env.bot_messages(thread_id))
        shown += "\n".join(env.ephemeral_texts())

    assert "1개 중 1번 질문" in shown or "번 질문" in shown
    assert "점수" in shown and "건너뛰기" in shown
    # No English text of ours reaches a Korean candidate.
    english = {
        catalogue().template(key, Language.EN)
        for key in catalogue().key_set(Language.EN)
        if key.startswith(("interview.", "feedback."))
        and not key.startswith("interview.terminal.")
        and not key.endswith((".name", ".description"))
    }
    words = {w for t in english for w in re.findall(r"[A-Za-z]{5,}", t)}
    leaked = {w for w in words if re.search(rf"\b{w}\b", shown)}
    assert not leaked - {"UMPIRE", "OpenAI", "Anthropic", "Mockingbird"}, sorted(leaked)[:20]
