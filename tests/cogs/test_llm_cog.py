"""LLM coaching in Discord: streamed sections, rewrites, rewind and re-evaluation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from discord_harness import FakeDiscord

from bot.copy import text
from bot.interview.models import TurnStatus
from tests.cogs.envs import Env
from tests.cogs.llm_envs import (
    ANSWER,
    CALLBACK,
    EDIT,
    MESSAGES,
    StreamingEvaluator,
    build,
    contents,
    ephemeral,
    llm_evaluator,
    start,
    texts,
)
from tests.fakes.evaluator import ScriptedEvaluator
from tests.fakes.llm_server import Behaviour, FakeLLMServer
from tests.llm.helpers import reply, scripted

PREVIEW_HEADER = text("interview.preview.header")


@pytest.fixture
async def env(tmp_path: Path, discord_fake: FakeDiscord) -> AsyncIterator[Env]:
    async for e in build(tmp_path, discord_fake, StreamingEvaluator()):
        yield e


@pytest.fixture
async def offline_env(tmp_path: Path, discord_fake: FakeDiscord) -> AsyncIterator[Env]:
    async for e in build(tmp_path, discord_fake, ScriptedEvaluator()):
        yield e


async def test_sections_stream_as_edits_then_the_final_feedback_replaces_them(env: Env) -> None:
    thread = await start(env)
    await env.h.message("plain answer about the project", channel_id=thread)
    sent = contents(env, "POST", MESSAGES, thread)
    edits = contents(env, "PATCH", EDIT, thread)
    preview = [t for t in sent if PREVIEW_HEADER in t[1]]
    assert len(preview) == 1, sent
    preview_id = next(
        str(m["id"]) for m in env.bot_messages(thread) if "**Score" in (m.get("content") or "")
    )
    # Prose sections arrive as edits of the preview before grading ends...
    streamed = [c for mid, c in edits if mid == preview_id and "**Score" not in c]
    assert any("STREAMED-TIP" in c for c in streamed)
    assert all("QUOTE-NOT-STREAMED" not in c for c in streamed)
    # ...and the last edit of the same message is the final, complete feedback.
    final = [c for mid, c in edits if mid == preview_id][-1]
    assert final.startswith("**Score 65/100**") and "Coached by OpenAI" in final
    # Nothing is shown twice: the feedback was never sent as a second message.
    assert not any("**Score" in c for _, c in sent)
    assert sum("**Score" in t for t in texts(env, thread)) == 1


async def test_streamed_preview_drops_quote_marks_around_words_not_in_the_answer(
    env: Env,
) -> None:
    thread = await start(env)
    await env.h.message("plain answer about the project", channel_id=thread)
    streamed = [c for _, c in contents(env, "PATCH", EDIT, thread) if "STREAMED" in c]
    streamed += [c for _, c in contents(env, "POST", MESSAGES, thread) if PREVIEW_HEADER in c]
    joined = "\n".join(streamed)
    assert '"the project"' in joined  # a real quote keeps its marks
    assert "I invented this quote" in joined
    assert '"I invented this quote"' not in joined


async def test_offline_evaluation_sends_no_preview_and_is_labelled(offline_env: Env) -> None:
    env = offline_env
    thread = await start(env)
    await env.h.message("vague answer", channel_id=thread)
    assert not any(PREVIEW_HEADER in t for t in texts(env, thread))
    assert contents(env, "PATCH", EDIT, thread) == []
    feedback = next(t for t in texts(env, thread) if t.startswith("**Score 40/100**"))
    assert "_Offline coach_" in feedback
    assert "Rewrites" not in "\n".join(texts(env, thread))


async def test_budget_exhausted_is_labelled_with_the_evaluators_note(env: Env) -> None:
    evaluator: StreamingEvaluator = env.evaluator  # type: ignore[assignment]
    evaluator.sections = []
    evaluator.source = "offline"
    evaluator.details = {
        "fallback": {"gap": "budget", "note": "BUDGET-NOTE resets tomorrow.", "detail": "budget"}
    }
    thread = await start(env)
    await env.h.message("plain answer", channel_id=thread)
    feedback = next(t for t in texts(env, thread) if t.startswith("**Score"))
    assert "today's AI budget is used up" in feedback and "BUDGET-NOTE" in feedback


# ---- rewrites ------------------------------------------------------------------------------


async def test_rewrites_are_offered_compactly_and_shown_privately(env: Env) -> None:
    thread = await start(env)
    await env.h.message("plain answer", channel_id=thread)
    offer = next(m for m in env.bot_messages(thread) if "Rewrites of this" in m["content"])
    assert "Minimal patch · fixes Result missing" in offer["content"]
    assert "Medium rewrite · est. 74/100" in offer["content"]
    assert "IDEAL:" not in offer["content"]
    await env.h.click(offer, label="Show rewrites")
    shown = [b for b in env.fake.bodies_to("POST", CALLBACK) if "MINIMAL" in str(b)]
    assert shown and shown[-1]["data"]["flags"] == 64
    private = "\n".join(ephemeral(env))
    assert "MINIMAL: I shipped it." in private and "IDEAL:" in private
    assert all(len(t) <= 2000 for t in ephemeral(env))
    await env.h.click(offer, label="Show rewrites", user=env.h.bob)
    assert "someone else's answer" in ephemeral(env)[-1]


# ---- rewind --------------------------------------------------------------------------------


async def test_rewind_retries_a_question_and_shows_the_change(offline_env: Env) -> None:
    env = offline_env
    thread = await start(env, count=3)
    await env.h.message("vague first attempt", channel_id=thread)
    follow_up = env.bot_messages(thread)[-1]["embeds"][0]["description"]
    await env.h.slash("interview", "rewind", options={"question": 1})
    rewound = env.bot_messages(thread)[-1]["embeds"][0]
    assert rewound["title"] == "Rewind: question 1, attempt 2"
    assert any("next message there" in t for t in ephemeral(env))
    await env.h.message("great second attempt", channel_id=thread)
    out = "\n".join(texts(env, thread))
    assert "Retry of question 1" in out and "Score 40 -> 92 (+52)" in out
    assert "Structure: 40 -> 92 (+52)" in out
    assert "Fixed: Result missing (structure.result_missing)" in out
    assert "still waits for your answer" in texts(env, thread)[-1]
    # The interview itself did not move: the follow-up is still the open prompt.
    session = await env.engine.active_session(int(env.h.alice["id"]), env.h.guild_id)
    assert session is not None and session.current_turn is not None
    assert session.current_turn.prompt == follow_up
    assert session.current_turn.status is TurnStatus.ASKED
    assert [t.evaluation.score for t in session.turns if t.evaluation] == [40]
    # The next message answers the interview again.
    await env.h.message("plain answer to the follow-up", channel_id=thread)
    assert any("**Score 65/100**" in t for t in texts(env, thread))


async def test_rewind_shows_newly_triggered_rules(offline_env: Env) -> None:
    env = offline_env
    thread = await start(env, count=3)
    await env.h.message("great first attempt", channel_id=thread)
    await env.h.slash("interview", "rewind", options={"question": 1})
    await env.h.message("vague retry", channel_id=thread)
    out = "\n".join(texts(env, thread))
    assert "Score 92 -> 40 (-52)" in out
    assert "Newly triggered: Result missing (structure.result_missing)" in out


async def test_rewind_refuses_missing_skipped_and_unanswered_questions(
    offline_env: Env,
) -> None:
    env = offline_env
    thread = await start(env, count=3)
    await env.h.slash("interview", "rewind", options={"question": 1})
    assert "hasn't been answered yet" in ephemeral(env)[-1]
    await env.h.click(env.bot_messages(thread)[-1], label="Skip")
    await env.h.slash("interview", "rewind", options={"question": 1})
    assert "was skipped" in ephemeral(env)[-1]
    await env.h.slash("interview", "rewind", options={"question": 7})
    assert "There is no question 7" in ephemeral(env)[-1]
    env.h.command_errors.clear()


async def test_rewind_works_on_a_finished_interview(offline_env: Env) -> None:
    env = offline_env
    thread = await start(env, count=1)
    await env.h.message("great only answer", channel_id=thread)
    assert env.bot_messages(thread)[-1]["embeds"][0]["title"] == "Interview complete"
    await env.h.slash("interview", "rewind", options={"question": 1})
    await env.h.message("vague retry after the end", channel_id=thread)
    out = "\n".join(texts(env, thread))
    assert "Retry of question 1" in out and "Score 92 -> 40 (-52)" in out
    assert "still waits" not in out
    # Only one retry was waiting: later messages in the finished thread are ignored.
    calls = len(env.evaluator.calls)
    await env.h.message("another message", channel_id=thread)
    assert len(env.evaluator.calls) == calls


async def test_cancel_retry_button_restores_normal_answers(offline_env: Env) -> None:
    env = offline_env
    thread = await start(env, count=3)
    await env.h.message("great first", channel_id=thread)
    await env.h.slash("interview", "rewind", options={"question": 1})
    await env.h.click(env.bot_messages(thread)[-1], label="Cancel retry")
    assert "Retry cancelled" in ephemeral(env)[-1]
    await env.h.message("plain second answer", channel_id=thread)
    assert "Retry of" not in "\n".join(texts(env, thread))


# ---- re-evaluation against the loopback LLM fake -----------------------------------------


@pytest.fixture
async def llm_env(tmp_path: Path, discord_fake: FakeDiscord) -> AsyncIterator[tuple[Env, Any]]:
    async with FakeLLMServer() as server:
        async for e in build(tmp_path, discord_fake, llm_evaluator(server)):
            yield e, server


async def test_model_outage_grades_offline_then_reevaluate_regrades(
    llm_env: tuple[Env, FakeLLMServer],
) -> None:
    env, server = llm_env
    server.openai.default = Behaviour(status=500)
    thread = await start(env, count=1)
    await env.h.message(ANSWER, channel_id=thread)
    feedback = next(t for t in texts(env, thread) if t.startswith("**Score"))
    assert "Offline coach (the AI coach was unavailable)" in feedback
    assert "can be re-graded later" in feedback
    # Still down: a friendly message, nothing changes.
    await env.h.slash("interview", "reevaluate")
    assert "still unavailable" in ephemeral(env)[-1]
    # The model is back: the offline-graded answer is graded again by it.
    server.openai.default = Behaviour(text=scripted(reply()))
    await env.h.slash("interview", "reevaluate")
    report = "\n".join(ephemeral(env)[-3:])
    assert "Re-graded 1 answer(s)" in report and "Structure:" in report
    session = await env.engine.latest_session(int(env.h.alice["id"]), env.h.guild_id)
    assert session is not None
    graded = [t.evaluation for t in session.turns if t.evaluation is not None]
    assert graded[0].source == "llm" and not graded[0].model_missing
    # Nothing is left to re-grade now.
    await env.h.slash("interview", "reevaluate")
    assert "Nothing to re-grade" in ephemeral(env)[-1]


async def test_streaming_from_the_llm_fake_then_malformed_json_falls_back(
    llm_env: tuple[Env, FakeLLMServer],
) -> None:
    env, server = llm_env
    server.openai.push(
        Behaviour(text=scripted(reply()), tokens_per_s=4000.0),
        Behaviour(text='{"praise": "ok", "fix": '),
    )
    thread = await start(env, count=2)
    await env.h.message(ANSWER, channel_id=thread)
    edits = [c for _, c in contents(env, "PATCH", EDIT, thread)]
    sent = [c for _, c in contents(env, "POST", MESSAGES, thread)]
    assert any(PREVIEW_HEADER in c for c in sent + edits)
    assert any("Coached by OpenAI" in c for c in edits)
    assert sum("**Score" in t for t in texts(env, thread)) == 1
    assert any("Rewrites of this answer" in t for t in texts(env, thread))
    await env.h.message("plain second answer " + ANSWER, channel_id=thread)
    later = [t for t in texts(env, thread) if "**Score" in t]
    assert len(later) == 2 and "Offline coach (the AI coach was unavailable)" in later[-1]
