"""LLM coaching in Discord on the unhappy paths: broken streams, lost previews, races, budgets."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import discord
import pytest
from discord_harness import FakeDiscord, find_custom_id, harness, payloads

from bot.bootstrap import build_llm_services
from bot.catalog import Question
from bot.catalog.bank import QuestionBank
from bot.coaching.answer import Answer
from bot.coaching.grading import Evaluator, GradingContext
from bot.coaching.models import Coaching, Evaluation
from bot.coaching.rubric import Rubric
from bot.config import Settings
from bot.copy import text
from bot.discord_app import MockingbirdBot, intents
from bot.interview.engine import InterviewEngine
from bot.interview.models import TurnStatus
from bot.llm.keys import KeyVault, RedactingFilter
from cogs.interview import InterviewCog
from cogs.interview._live import LivePreview
from storage.db import Database
from storage.llm_usage import SqliteBudget
from storage.sessions import SqliteSessionStore
from tests.cogs.envs import Env
from tests.cogs.llm_envs import (
    ANSWER,
    EDIT,
    MESSAGES,
    PROMPTS,
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
PREVIEW_SUPERSEDED = text("interview.preview.superseded")

log = logging.getLogger(__name__)

Hook = Callable[[str], Awaitable[None]]


class HookedEvaluator(StreamingEvaluator):
    """A streaming evaluator that runs a hook after each streamed section (to break things)."""

    def __init__(self) -> None:
        super().__init__()
        self.after_section: Hook | None = None

    async def evaluate(
        self, answer: Answer, question: Question, context: GradingContext
    ) -> Evaluation:
        inner = context.on_section
        assert inner is not None
        hook = self.after_section

        async def wrapped(key: str, value: Any) -> None:
            await inner(key, value)
            if hook is not None:
                await hook(key)

        return await super().evaluate(answer, question, replace(context, on_section=wrapped))


@pytest.fixture
async def hooked(tmp_path: Path, discord_fake: FakeDiscord) -> AsyncIterator[Env]:
    async for e in build(tmp_path, discord_fake, HookedEvaluator()):
        yield e


@pytest.fixture
async def llm(tmp_path: Path, discord_fake: FakeDiscord) -> AsyncIterator[tuple[Env, Any]]:
    async with FakeLLMServer() as server:
        async for e in build(tmp_path, discord_fake, llm_evaluator(server)):
            yield e, server


def sent_bodies(env: Env, thread: int) -> list[str]:
    return [c for _, c in contents(env, "POST", MESSAGES, thread)]


# ---- the model stream dies after the preview was posted -----------------------------------


def _long_reply() -> dict[str, Any]:
    # Rewrites stream last in every prompt version, so cutting inside them keeps every
    # prose section streamed (the preview exists) while the reply as a whole is broken.
    filler = "I started the migration and measured it. " * 40
    return reply(rewrites=[{"style": "ideal", "text": filler, "fixes": [], "estimated_score": 88}])


async def test_stream_dying_after_the_preview_replaces_it_with_the_offline_feedback(
    llm: tuple[Env, FakeLLMServer],
) -> None:
    env, server = llm
    body = json.dumps(_long_reply())
    server.openai.default = Behaviour(
        text=scripted(_long_reply()), drop_after_tokens=(len(body) - 400) // 4
    )
    thread = await start(env, count=2)
    await env.h.message(ANSWER, channel_id=thread)
    shown = texts(env, thread)
    # The preview was really posted with the model's prose before the stream broke...
    assert any(PREVIEW_HEADER in c for c in sent_bodies(env, thread))
    # ...and no half-finished preview is left: the offline feedback with its note replaced it.
    assert not any(PREVIEW_HEADER in t for t in shown)
    feedback = [t for t in shown if t.startswith("**Score")]
    assert len(feedback) == 1
    assert "Offline coach (the AI coach was unavailable)" in feedback[0]
    assert "can be re-graded later" in feedback[0]
    # The offline coach's own "What worked:" heading is not repeated under ours.
    assert "What worked:** What worked" not in feedback[0]
    assert "Fix first:** Most important fix" not in feedback[0]
    assert env.bot_messages(thread)[-1]["embeds"][0]["title"] in ("Follow-up", "Question 2 of 2")


# ---- the preview message is deleted or cannot be edited ----------------------------------


async def _delete_preview_after(env: Env, thread: int, section: str) -> None:
    async def hook(key: str) -> None:
        if key != section:
            return
        for m in env.fake.messages_in(thread):
            if PREVIEW_HEADER in (m.get("content") or ""):
                # A moderator deletes the preview while the model is still streaming.
                del env.fake.messages[int(m["id"])]

    evaluator: HookedEvaluator = env.evaluator  # type: ignore[assignment]
    evaluator.after_section = hook


async def test_a_deleted_preview_still_gets_the_feedback_and_the_next_question(
    hooked: Env,
) -> None:
    env = hooked
    thread = await start(env)
    await _delete_preview_after(env, thread, "fix")
    await env.h.message("plain answer about the project", channel_id=thread)
    assert env.h.errors == []
    shown = texts(env, thread)
    feedback = [t for t in shown if t.startswith("**Score 65/100**")]
    assert len(feedback) == 1 and "Coached by OpenAI" in feedback[0]
    assert env.bot_messages(thread)[-1]["embeds"][0]["title"] == "Question 2 of 2"
    session = await env.engine.active_session(int(env.h.alice["id"]), env.h.guild_id)
    assert session is not None and session.turns[0].evaluation is not None
    assert session.turns[0].answer == "plain answer about the project"


async def test_a_forbidden_preview_edit_still_gets_the_feedback_and_the_next_question(
    hooked: Env,
) -> None:
    env = hooked
    thread = await start(env)
    env.fake.forbid("PATCH", EDIT, channel_id=thread)
    await env.h.message("plain answer about the project", channel_id=thread)
    assert env.h.errors == []
    shown = texts(env, thread)
    assert sum(t.startswith("**Score 65/100**") for t in shown) == 1
    assert env.bot_messages(thread)[-1]["embeds"][0]["title"] == "Question 2 of 2"
    session = await env.engine.active_session(int(env.h.alice["id"]), env.h.guild_id)
    assert session is not None and session.turns[0].evaluation is not None


# ---- two answers sent quickly -------------------------------------------------------------


async def _two_messages(env: Env, thread: int, first: str, second: str) -> None:
    """Deliver two messages before the bot has handled either, as a fast typist does."""
    for content in (first, second):
        payload = payloads.message_create(
            message_id=env.fake.ids.next(),
            channel_id=thread,
            author=env.h.alice,
            content=content,
            guild_id=env.h.guild_id,
            member=env.h.member_of(env.h.alice),
        )
        env.fake.record_user_message(payload)
        env.h.feed("MESSAGE_CREATE", payload)
    await env.h.settle()


async def test_a_second_quick_message_is_not_graded_as_an_answer_to_an_unseen_question(
    hooked: Env,
) -> None:
    env = hooked
    thread = await start(env, count=3)
    await _two_messages(env, thread, "vague first part of my answer", "and the second part")
    assert env.h.errors == []
    # Only the first message was graded; the second did not answer the follow-up unseen.
    assert env.evaluator.calls == ["vague first part of my answer"]
    follow_ups = [
        m
        for m in env.bot_messages(thread)
        if m.get("embeds") and m["embeds"][0]["title"] == "Follow-up"
    ]
    assert len(follow_ups) == 1
    shown = "\n".join(texts(env, thread))
    assert "finished grading" not in shown
    assert "still grading" in shown
    session = await env.engine.active_session(int(env.h.alice["id"]), env.h.guild_id)
    assert session is not None and session.current_turn is not None
    assert session.current_turn.answer is None


# ---- a long praise section ---------------------------------------------------------------


async def test_a_1900_character_praise_splits_cleanly_and_replaces_the_whole_preview(
    env_long: Env,
) -> None:
    env = env_long
    thread = await start(env)
    await env.h.message("plain answer about the project", channel_id=thread)
    requests = [r for r in env.fake.requests if r.json and "content" in r.json]
    assert all(len(r.json["content"] or "") <= 2000 for r in requests)
    # The preview outgrew one message while streaming...
    preview_sends = [c for c in sent_bodies(env, thread) if "**Score" not in c]
    assert sum(PREVIEW_HEADER in c or "STREAMED-" in c for c in preview_sends) >= 2
    shown = texts(env, thread)
    assert not any(PREVIEW_HEADER in t for t in shown)
    assert sum(t.startswith("**Score") for t in shown) == 1
    joined = "\n".join(t for t in shown if t != PREVIEW_SUPERSEDED)
    assert "PRAISE-END" in joined and "STREAMED-FIX" in joined and "STREAMED-TIP" in joined
    # The feedback reads in order: the praise ends before the fix starts.
    assert joined.index("PRAISE-END") < joined.index("**Fix first:**")


class LongPraiseEvaluator(StreamingEvaluator):
    """Stream and grade with a praise section of about 1,900 characters."""

    PRAISE = ("Your story has a clear arc and a real result. " * 41)[:1890] + " PRAISE-END"

    def __init__(self) -> None:
        super().__init__()
        self.sections[0] = ("praise", self.PRAISE)

    async def evaluate(
        self, answer: Answer, question: Question, context: GradingContext
    ) -> Evaluation:
        base = await super().evaluate(answer, question, context)
        coaching = Coaching(self.PRAISE, "STREAMED-FIX lead.", "STREAMED-TIP practise.")
        return replace(base, coaching=coaching)


@pytest.fixture
async def env_long(tmp_path: Path, discord_fake: FakeDiscord) -> AsyncIterator[Env]:
    async for e in build(tmp_path, discord_fake, LongPraiseEvaluator()):
        yield e


# ---- the budget runs out in the middle of a session ---------------------------------------


async def test_answers_graded_offline_for_budget_are_regraded_after_the_reset(
    tmp_path: Path, discord_fake: FakeDiscord
) -> None:
    async with FakeLLMServer() as server:
        db_budget = await Database(tmp_path / "budget.sqlite3").open()
        try:
            budget = SqliteBudget(db_budget, daily_tokens=10)
            server.openai.default = Behaviour(text=scripted(reply()))
            async for env in build(tmp_path, discord_fake, llm_evaluator(server, budget)):
                thread = await start(env, count=2)
                await env.h.message(ANSWER, channel_id=thread)
                first = [t for t in texts(env, thread) if t.startswith("**Score")]
                assert "Coached by OpenAI" in first[0]
                # That call spent more than the whole allowance: the next answer is offline.
                await env.h.message("second " + ANSWER, channel_id=thread)
                later = [t for t in texts(env, thread) if "**Score" in t]
                assert "today's AI budget is used up" in later[-1]
                await env.h.slash("interview", "reevaluate")
                assert "used today's AI coaching budget" in ephemeral(env)[-1]
                # Midnight UTC: the allowance is back.
                budget.daily_tokens = 10**9
                await env.h.slash("interview", "reevaluate")
                report = "\n".join(ephemeral(env)[-3:])
                assert "Re-graded 1 answer(s)" in report, report
        finally:
            await db_budget.close()


# ---- rewind while the model is down -------------------------------------------------------


async def test_a_retry_graded_offline_during_an_outage_says_scores_are_not_comparable(
    llm: tuple[Env, FakeLLMServer],
) -> None:
    env, server = llm
    server.openai.default = Behaviour(text=scripted(reply()))
    thread = await start(env, count=3)
    await env.h.message(ANSWER, channel_id=thread)
    server.openai.default = Behaviour(status=500)
    await env.h.slash("interview", "rewind", options={"question": 1})
    assert env.h.command_errors == []
    await env.h.message("retry " + ANSWER, channel_id=thread)
    retry = next(t for t in texts(env, thread) if "Retry of question 1" in t)
    assert "Offline coach (the AI coach was unavailable)" in retry
    assert "not directly comparable" in retry
    # A retry is stored as an attempt, which /interview reevaluate does not re-grade, so
    # the note must not promise that.
    assert "can be re-graded later" not in retry


# ---- Korean session -----------------------------------------------------------------------


@pytest.fixture
async def korean(tmp_path: Path, discord_fake: FakeDiscord) -> AsyncIterator[tuple[Env, Any]]:
    async with FakeLLMServer() as server:
        db = await Database(tmp_path / "ko.sqlite3").open()
        evaluator: Evaluator = llm_evaluator(server)
        engine = InterviewEngine(SqliteSessionStore(db), QuestionBank.load(PROMPTS), evaluator)
        bot = MockingbirdBot(intents=intents())
        cog = InterviewCog(bot, engine, stream_interval=0.0)
        bot.add_cog(cog)
        try:
            async with harness(bot, discord_fake) as h:
                yield Env(h, engine, evaluator, cog), server  # type: ignore[arg-type]
        finally:
            await db.close()


KOREAN_ANSWER = (
    "데이터베이스 마이그레이션을 계획할 때 동료는 한 번에 전환하자고 했고 저는 반대했습니다. "
    "저는 단계적 전환을 제안했고 두 개의 서비스부터 시작했습니다. 결국 삼 주 동안 "
    "다운타임 없이 전환을 마쳤고 장애는 한 건도 없었습니다."
)


async def test_a_korean_session_gets_korean_labels_and_notes_when_the_model_is_down(
    korean: tuple[Env, FakeLLMServer],
) -> None:
    env, server = korean
    server.openai.default = Behaviour(status=500)
    await env.h.slash(
        "interview", "start", options={"kind": "behavioral", "count": 2, "language": "ko"}
    )
    thread = env.thread_id()
    await env.h.message(KOREAN_ANSWER, channel_id=thread)
    feedback = next(t for t in texts(env, thread) if "/100" in t and "**" in t)
    assert "AI 코치를 사용할 수 없어" in feedback  # the evaluator's note, in Korean
    # The labels around it are Korean too, not English wrapped around a Korean note.
    assert "What worked" not in feedback and "Offline coach" not in feedback
    assert "잘한 점" in feedback


# ---- logging ------------------------------------------------------------------------------


async def test_a_malformed_reply_is_logged_with_ids_but_never_the_answer(
    llm: tuple[Env, FakeLLMServer], caplog: pytest.LogCaptureFixture
) -> None:
    env, server = llm
    caplog.set_level(logging.INFO)
    server.openai.default = Behaviour(text='{"praise": "ok", "fix": ')
    thread = await start(env, count=2)
    secret_answer = "SECRET-ANSWER-WORDS " + ANSWER
    await env.h.message(secret_answer, channel_id=thread)
    session = await env.engine.active_session(int(env.h.alice["id"]), env.h.guild_id)
    assert session is not None
    records = [
        r for r in caplog.records if r.name == "bot.llm.evaluator" and r.levelno >= logging.INFO
    ]
    assert records, "the malformed reply was not logged"
    line = records[-1].getMessage()
    assert f"session {session.id}" in line and f"user {env.h.alice['id']}" in line
    for r in caplog.records:
        if r.levelno >= logging.INFO:
            assert "SECRET-ANSWER-WORDS" not in r.getMessage()
            assert "SECRET-ANSWER-WORDS" not in (r.exc_text or "")


# ---- keys in tracebacks that reach the global error handler -------------------------------


BOT_KEY = "sk-bot-operator-key-0123456789ABCDEFwxyz"
SERVER_KEY = "sk-proj-server-key-ZYXWVUTS98765432abcd"


@pytest.fixture
def printed(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """Give the root logger the handler `python -m bot` installs, and yield what it prints."""
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "MOCKINGBIRD_MASTER_KEY"):
        monkeypatch.delenv(name, raising=False)
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        for h in root.handlers:
            for f in [f for f in h.filters if isinstance(f, RedactingFilter)]:
                h.removeFilter(f)


async def _global_handler_logs(message: str) -> None:
    """Make the bot's global listener error handler log a failure whose text is ``message``."""
    bot = MockingbirdBot(intents=intents())
    try:
        raise RuntimeError(message)
    except RuntimeError:
        await bot.on_error("on_message")


async def test_a_server_key_in_an_exception_is_masked_by_the_global_handler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, printed: io.StringIO
) -> None:
    monkeypatch.setenv("MOCKINGBIRD_MASTER_KEY", KeyVault.generate_master_key())
    db = await Database(tmp_path / "keys.sqlite3").open()
    try:
        llm = build_llm_services(Settings(env_file=None), db, Rubric.load(PROMPTS))
        assert llm.routing.vault is not None
        llm.routing.vault.encrypt(SERVER_KEY)  # what /admin llm-key stores
        await _global_handler_logs(f"Illegal header value b'Bearer {SERVER_KEY} '")
    finally:
        await db.close()
    text = printed.getvalue()
    assert "Listener on_message failed" in text and "[REDACTED]" in text
    assert SERVER_KEY not in text and SERVER_KEY[-8:] not in text


async def test_the_bots_own_key_in_an_exception_is_masked_by_the_global_handler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, printed: io.StringIO
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", BOT_KEY)
    db = await Database(tmp_path / "keys.sqlite3").open()
    try:
        build_llm_services(Settings(env_file=None), db, Rubric.load(PROMPTS))
        await _global_handler_logs(f"Illegal header value b'Bearer {BOT_KEY} '")
    finally:
        await db.close()
    text = printed.getvalue()
    assert "Listener on_message failed" in text
    assert BOT_KEY not in text and BOT_KEY[-8:] not in text


async def test_skip_pressed_while_an_answer_is_graded_does_not_skip_the_unseen_follow_up(
    hooked: Env,
) -> None:
    env = hooked
    thread = await start(env, count=3)
    question = env.bot_messages(thread)[-1]
    clicked: list[bool] = []

    async def press_skip(key: str) -> None:
        if key == "praise" and not clicked:
            clicked.append(True)
            # The candidate presses Skip on the question while their answer is graded.
            env.h.feed("INTERACTION_CREATE", skip_click(env, question))

    evaluator: HookedEvaluator = env.evaluator  # type: ignore[assignment]
    evaluator.after_section = press_skip
    await env.h.message("vague answer about a project", channel_id=thread)
    await env.h.settle()
    assert clicked and env.h.errors == []
    assert any("still grading" in t for t in ephemeral(env))
    session = await env.engine.active_session(int(env.h.alice["id"]), env.h.guild_id)
    assert session is not None and session.current_turn is not None
    # The follow-up the candidate has not seen yet is still open, not skipped.
    assert session.current_turn.is_follow_up
    assert session.current_turn.status is TurnStatus.ASKED


def skip_click(env: Env, message: dict[str, Any]) -> dict[str, Any]:
    """Return a click on a message's Skip button, registered with the fake but not sent."""
    raw = env.fake.messages.get(int(message["id"]), message)
    payload = env.h._interaction(
        payloads.MESSAGE_COMPONENT,
        payloads.component_data(find_custom_id(raw, label="Skip")),
        user=None,
        channel_id=int(raw["channel_id"]),
        dm=False,
        message=raw,
    )
    env.fake.link_component_message(payload["token"], int(raw["id"]))
    return payload


# ---- the live preview gives up after Discord refuses it for good ---------------------------


class GoneMessage:
    """A preview message a moderator deleted: every edit fails."""

    def __init__(self, log_: list[str]) -> None:
        self.log = log_

    async def edit(self, **_: Any) -> None:
        self.log.append("edit")
        raise discord.NotFound(_Response(404), {"code": 10008, "message": "Unknown Message"})


class _Response:
    def __init__(self, status: int) -> None:
        self.status = status
        self.reason = "Not Found"


class GoneChannel:
    """A channel whose sent messages are deleted at once."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def send(self, **_: Any) -> GoneMessage:
        self.calls.append("send")
        return GoneMessage(self.calls)


async def test_a_live_preview_that_cannot_be_edited_stops_trying() -> None:
    channel = GoneChannel()
    live = LivePreview(channel, "my answer", min_interval=0.0)  # type: ignore[arg-type]
    long_praise = "A clear story with a real result. " * 70  # outgrows one message
    await live.on_section("praise", long_praise)
    after_failure = len(channel.calls)
    await live.on_section("fix", "Lead with the outcome.")
    await live.on_section("tip", "Practise a one-line result.")
    handles = await live.close()
    # One failed split (an edit and its one retry), then no more edits or waits.
    assert channel.calls[:after_failure].count("send") == 1
    assert len(channel.calls) == after_failure
    assert len(handles) == 1


class ScopeRecorder(ScriptedEvaluator):
    """Record the server each grade was made for (the scope the LLM evaluator routes by)."""

    def __init__(self) -> None:
        super().__init__()
        self.guilds: list[int | None] = []

    async def evaluate(
        self, answer: Answer, question: Question, context: GradingContext
    ) -> Evaluation:
        self.guilds.append(context.guild_id)
        return await super().evaluate(answer, question, context)


async def test_after_a_grading_crash_the_next_message_finishes_it_on_the_servers_key(
    tmp_path: Path, discord_fake: FakeDiscord
) -> None:
    async for env in build(tmp_path, discord_fake, ScopeRecorder()):
        recorder: ScopeRecorder = env.evaluator  # type: ignore[assignment]
        thread = await start(env, count=2)
        recorder.fail_next = True
        await env.h.message("plain answer that crashes the grader", channel_id=thread)
        env.h.errors.clear()
        assert any("went wrong on my side" in t for t in texts(env, thread))
        await env.h.message("hello?", channel_id=thread)
        shown = texts(env, thread)
        assert sum(t.startswith("**Score 65/100**") for t in shown) == 1
        assert "I hadn't finished grading your previous answer" in shown[-1]
        assert recorder.calls == ["plain answer that crashes the grader"] * 2
        # The re-grade is routed (own key, budget) for this server, like the first try.
        assert recorder.guilds == [env.h.guild_id, env.h.guild_id]


async def test_the_discord_token_in_a_log_line_is_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, printed: io.StringIO
) -> None:
    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
    monkeypatch.setenv("DISCORD_TOKEN", token)
    db = await Database(tmp_path / "keys.sqlite3").open()
    try:
        build_llm_services(Settings(env_file=None), db, Rubric.load(PROMPTS))
        logging.getLogger("discord.http").warning("login with %s failed", token)
    finally:
        await db.close()
    assert token not in printed.getvalue() and "[REDACTED]" in printed.getvalue()
