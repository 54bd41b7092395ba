"""Trial 3 findings through the harness: old question buttons, the client's language when no
language is chosen, and Korean copy naming Korean commands."""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from discord_harness import FakeDiscord, find_custom_id
from discord_harness import payloads as p

from bot.catalog import Language
from bot.catalog.bank import QuestionBank
from bot.copy import text
from cogs.interview._controls import parse_custom_id
from tests.cogs.envs import Env, make_env

CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
ROOT = Path(__file__).resolve().parents[2]
COPY = ROOT / "bot" / "copy"


@pytest.fixture
async def env(tmp_path: Path, discord_fake: FakeDiscord) -> AsyncIterator[Env]:
    # The real bank: it has Korean questions.
    async for e in make_env(tmp_path, discord_fake, QuestionBank.load(ROOT / "prompts")):
        yield e


def korean_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(p, "interaction_base", functools.partial(p.interaction_base, locale="ko"))


def titles(env: Env, thread_id: int) -> list[str]:
    return [m["embeds"][0].get("title", "") for m in env.bot_messages(thread_id) if m["embeds"]]


def last_reply(env: Env) -> dict[str, Any]:
    body: dict[str, Any] = env.fake.bodies_to("POST", CALLBACK)[-1]
    return body


async def test_skip_on_an_earlier_question_does_not_skip_the_current_one(env: Env) -> None:
    await env.h.slash("interview", "start", options={"count": 3})
    thread_id = env.thread_id()
    first = env.bot_messages(thread_id)[-1]
    await env.h.click(first, label="Skip")
    assert titles(env, thread_id)[-1] == "Question 2 of 3"
    await env.h.click(first, label="Skip")
    reply = last_reply(env)
    assert reply["data"]["flags"] == 64
    assert reply["data"]["content"] == text("interview.button_outdated", Language.EN)
    assert titles(env, thread_id)[-1] == "Question 2 of 3"  # question 2 still waits
    await env.h.click(first, label="Hint")
    assert last_reply(env)["data"]["content"] == text("interview.button_outdated", Language.EN)
    session = await env.engine.session_in_channel(thread_id)
    assert session is not None and session.turns[-1].status.value == "asked"


async def test_a_skip_id_without_a_question_number_is_answered_as_outdated(env: Env) -> None:
    await env.h.slash("interview", "start", options={"count": 2})
    thread_id = env.thread_id()
    question = env.bot_messages(thread_id)[-1]
    current = find_custom_id(question, label="Skip")
    parsed = parse_custom_id(current)
    assert parsed is not None and parsed[2] == 1  # the id carries its question's number
    legacy = current.rsplit(":", 1)[0]  # the id buttons had before: mb:skip:<session>
    await env.h.click(question, legacy)
    assert last_reply(env)["data"]["content"] == text("interview.button_outdated", Language.EN)
    assert titles(env, thread_id)[-1] == "Question 1 of 2"


async def test_an_old_button_speaks_the_korean_session_s_language(env: Env) -> None:
    await env.h.slash("interview", "start", options={"count": 3, "language": "ko"})
    thread_id = env.thread_id()
    first = env.bot_messages(thread_id)[-1]
    await env.h.click(first, label=text("interview.buttons.skip", Language.KO))
    await env.h.click(first, label=text("interview.buttons.skip", Language.KO))
    assert last_reply(env)["data"]["content"] == text("interview.button_outdated", Language.KO)


async def test_a_korean_client_without_a_language_option_gets_a_korean_interview(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    korean_client(monkeypatch)
    await env.h.slash("interview", "start", options={"count": 1})
    thread = env.fake.threads_of(env.h.channel_id)[0]
    assert thread["name"].startswith("모의 면접")
    session = await env.engine.session_in_channel(int(thread["id"]))
    assert session is not None and session.language is Language.KO


async def test_an_explicit_language_wins_over_the_korean_client(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    korean_client(monkeypatch)
    await env.h.slash("interview", "start", options={"count": 1, "language": "en"})
    session = await env.engine.session_in_channel(env.thread_id())
    assert session is not None and session.language is Language.EN


async def test_an_english_client_without_a_language_option_gets_english(env: Env) -> None:
    await env.h.slash("interview", "start", options={"count": 1})
    session = await env.engine.session_in_channel(env.thread_id())
    assert session is not None and session.language is Language.EN


def _english_command_names() -> set[str]:
    """Return every English slash command and group name from the copy catalogue."""
    names: set[str] = set()

    def walk(node: Any, inside: bool) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if inside and isinstance(value, dict) and isinstance(value.get("name"), str):
                    names.add(value["name"])
                walk(value, inside or key == "commands")

    for path in (COPY / "en").glob("*.yaml"):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")), False)
    return names


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


def test_korean_copy_names_only_korean_commands() -> None:
    english = _english_command_names()
    assert {"schedule", "round", "settings", "questions", "interview"} <= english
    pattern = re.compile(r"(?<![\w/])/(" + "|".join(sorted(english, key=len)[::-1]) + r")\b")
    found = [
        f"{path.name}: {s}"
        for path in sorted((COPY / "ko").glob("*.yaml"))
        for s in _strings(yaml.safe_load(path.read_text(encoding="utf-8")))
        if pattern.search(s)
    ]
    assert found == []
