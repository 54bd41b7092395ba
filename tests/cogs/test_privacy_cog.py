"""`/privacy export` and `/privacy delete` through py-cord against the spec-checked fake."""

from __future__ import annotations

import functools
import gzip
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from discord_harness import FakeDiscord, Harness, RecordedRequest, find_custom_id, harness, payloads

from bot.catalog import Kind, Language, Level
from bot.coaching.models import Coaching, Evaluation
from bot.discord_app import MockingbirdBot, intents
from bot.interview.engine import InterviewEngine
from bot.interview.models import Attempt, Session, SessionStatus, Turn, TurnStatus
from bot.privacy import PrivacyService
from bot.rounds.model import Participant, Rating, Round, RoundStatus
from cogs.privacy import PrivacyCog
from storage.db import Database
from storage.privacy import SqlitePrivacyLookups, sqlite_privacy_registry
from storage.rounds import SqliteRoundStore
from storage.sessions import SqliteSessionStore
from tests.fakes.evaluator import ScriptedEvaluator, make_bank

log = logging.getLogger(__name__)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
FOLLOWUP = "/webhooks/{application_id}/{interaction_token}"
CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
EPHEMERAL = 64


class Env:
    """The bot with the privacy cog, its database, and Alice's and Bob's data."""

    def __init__(self, h: Harness, db: Database) -> None:
        self.h = h
        self.db = db
        self.store = sqlite_privacy_registry(db)
        self.voice: RoundsThatEnd | None = None
        self.alice = int(h.alice["id"])
        self.bob = int(h.bob["id"])

    def last_followup(self) -> RecordedRequest:
        (*_, last) = self.h.fake.requests_to("POST", FOLLOWUP)
        assert last.json["flags"] & EPHEMERAL
        return last

    def confirmation(self) -> dict[str, Any]:
        """Return the newest message that carries the Delete everything button."""
        for message in reversed(self.h.fake.messages_in(self.h.channel_id)):
            if message.get("components"):
                assert message["flags"] & EPHEMERAL
                return dict(message)
        raise AssertionError("no confirmation message")

    def current(self, message: dict[str, Any]) -> dict[str, Any]:
        return dict(self.h.fake.messages[int(message["id"])])

    def last_callback(self) -> dict[str, Any]:
        return dict(self.h.fake.bodies_to("POST", CALLBACK)[-1])


async def add_interview(
    db: Database,
    user_id: int,
    answer: str,
    *,
    channel_id: int | None = None,
    language: Language = Language.EN,
) -> tuple[int, int]:
    """Store one graded interview turn and a retry for a user; return (session, turn) ids."""
    sessions = SqliteSessionStore(db)
    status = SessionStatus.FINISHED if channel_id is None else SessionStatus.ACTIVE
    session = await sessions.create_session(
        Session(
            user_id,
            None,
            Kind.BEHAVIORAL,
            Level.MID,
            Level.MID,
            2,
            language,
            None,
            channel_id,
            T0,
            status=status,
        )
    )
    assert session.id is not None
    ev = Evaluation(score=64, dimensions={}, findings=(), coaching=Coaching("p", "f", "t"))
    turn = Turn(0, "q1", "Tell me about a conflict.", Level.MID, status=TurnStatus.EVALUATED)
    turn.answer, turn.evaluation = answer, ev
    await sessions.save_turn(session.id, turn)
    assert turn.id is not None
    await sessions.save_attempt(Attempt(turn.id, answer + " (retry)", ev, T0))
    return session.id, turn.id


async def add_round(
    db: Database, alice: int, bob: int, status: RoundStatus = RoundStatus.FINISHED
) -> int:
    """A round where Bob rates Alice's answer and Alice rates Bob's; return its id."""
    rounds = SqliteRoundStore(db)
    round_ = await rounds.create_round(
        Round(
            guild_id=1,
            voice_channel_id=2,
            host_id=alice,
            kind=Kind.BEHAVIORAL,
            level=Level.MID,
            language=Language.EN,
            turns_each=1,
            created_at=T0,
            status=status,
        )
    )
    assert round_.id is not None
    await rounds.save_participant(round_.id, Participant(alice, 0, T0))
    await rounds.save_participant(round_.id, Participant(bob, 1, T0))
    a = await rounds.record_answer(round_.id, alice, None, None, 0, 80, T0)
    b = await rounds.record_answer(round_.id, bob, None, None, 0, 50, T0)
    await rounds.rate(a.id, bob, Rating.STRONG, T0 + timedelta(seconds=30))
    await rounds.rate(b.id, alice, Rating.UNCLEAR, T0 + timedelta(seconds=40))
    return round_.id


class RoundsThatEnd:
    """The round side: runs the rounds a test names and ends them the way `/voice stop` does."""

    def __init__(self, db: Database) -> None:
        self.store = SqliteRoundStore(db)
        self.running: set[int] = set()
        self.ended_for: list[int] = []

    def live_round(self, round_id: int) -> object | None:
        return round_id if round_id in self.running else None

    async def end_rounds_of(self, user_id: int) -> list[int]:
        self.ended_for.append(user_id)
        ended = sorted(self.running)
        for round_id in ended:
            round_ = await self.store.get_round(round_id)
            assert round_ is not None
            round_.finish(T0 + timedelta(minutes=9), stopped=True)
            await self.store.save_round(round_)
        self.running.clear()
        return ended


def privacy_service(db: Database, voice: RoundsThatEnd | None = None) -> PrivacyService:
    """The service as the app builds it, with a real engine (and a live round side if given)."""
    engine = InterviewEngine(SqliteSessionStore(db), make_bank(), ScriptedEvaluator())
    return PrivacyService(sqlite_privacy_registry(db), SqlitePrivacyLookups(db), engine, voice)


async def make_env(
    tmp_path: Path,
    fake: FakeDiscord,
    *,
    upload_limit: int | None = None,
    rounds_run_here: bool = False,
) -> AsyncIterator[Env]:
    db = await Database(tmp_path / "privacy.sqlite3").open()
    bot = MockingbirdBot(intents=intents())
    voice = RoundsThatEnd(db) if rounds_run_here else None
    service = privacy_service(db, voice)
    if upload_limit is None:
        bot.add_cog(PrivacyCog(bot, service))
    else:
        bot.add_cog(PrivacyCog(bot, service, upload_limit=upload_limit))
    try:
        async with harness(bot, fake) as h:
            env = Env(h, db)
            env.voice = voice
            await add_interview(db, env.alice, "ALICE-ANSWER about the on-call rota")
            await add_interview(db, env.bob, "BOB-ANSWER about the release train")
            await add_round(db, env.alice, env.bob)
            yield env
    finally:
        await db.close()


@pytest.fixture
async def env(tmp_path: Path, discord_fake: FakeDiscord) -> AsyncIterator[Env]:
    async for e in make_env(tmp_path, discord_fake):
        yield e


def uploaded(req: RecordedRequest) -> tuple[str, bytes]:
    (file,) = req.files
    (entry,) = req.json["attachments"]
    return entry.get("filename") or file.filename, file.data


def assert_only_alice(env: Env, data: dict[str, Any]) -> None:
    blob = json.dumps(data)
    assert "ALICE-ANSWER about the on-call rota" in blob
    assert "BOB-ANSWER" not in blob
    assert str(env.bob) not in blob


async def test_privacy_group_is_registered(env: Env) -> None:
    command = env.h.fake.command("privacy")
    assert {o["name"] for o in command["options"]} == {"export", "delete"}


async def test_export_sends_a_private_json_file_of_the_users_data(env: Env) -> None:
    await env.h.slash("privacy", "export", user=env.h.alice)
    req = env.last_followup()
    name, raw = uploaded(req)
    assert name == f"mockingbird-{env.alice}.json"
    text = req.json["content"]
    assert "Audio is never stored" in text and "1 interview with 1 question" in text
    assert "\n" not in text
    data = json.loads(raw)
    assert data["user_id"] == env.alice
    assert_only_alice(env, data)
    (answer,) = data["voice"]["answers"]
    assert [r["rating"] for r in answer["ratings_received"]] == ["strong"]
    assert [r["rating"] for r in data["voice"]["ratings_given"]] == ["unclear"]
    # The reply the user sees carries the file.
    (message,) = [m for m in env.h.fake.messages_in(env.h.channel_id) if m["attachments"]]
    assert message["flags"] & EPHEMERAL
    assert message["attachments"][0]["filename"] == name


async def test_export_works_in_direct_messages(env: Env) -> None:
    await env.h.slash("privacy", "export", user=env.h.bob, dm=True)
    name, raw = uploaded(env.last_followup())
    assert name == f"mockingbird-{env.bob}.json"
    blob = raw.decode()
    assert "BOB-ANSWER" in blob and "ALICE-ANSWER" not in blob
    assert env.h.command_errors == []


async def test_an_export_too_large_even_gzipped_is_refused_plainly(
    tmp_path: Path, discord_fake: FakeDiscord
) -> None:
    async for env in make_env(tmp_path, discord_fake, upload_limit=10):
        await env.h.slash("privacy", "export", user=env.h.alice)
        req = env.last_followup()
        assert req.files == []
        text = req.json["content"]
        assert "couldn't send it here" in text and "the 10 bytes Discord lets me upload" in text


async def test_an_export_over_the_limit_is_gzipped(
    tmp_path: Path, discord_fake: FakeDiscord
) -> None:
    probe_db = await Database(tmp_path / "probe.sqlite3").open()
    await add_interview(probe_db, 1, "ALICE-ANSWER about the on-call rota")
    await add_round(probe_db, 1, 2)
    size = len(json.dumps((await sqlite_privacy_registry(probe_db).export(1)).document, indent=2))
    await probe_db.close()
    async for env in make_env(tmp_path, discord_fake, upload_limit=size // 2):
        await env.h.slash("privacy", "export", user=env.h.alice)
        req = env.last_followup()
        name, packed = uploaded(req)
        assert name == f"mockingbird-{env.alice}.json.gz"
        assert len(packed) <= size // 2
        data = json.loads(gzip.decompress(packed))
        assert_only_alice(env, data)
        assert "gzip" in req.json["content"]


async def test_delete_asks_first_and_cancel_keeps_everything(env: Env) -> None:
    before = await env.store.counts(env.alice)
    await env.h.slash("privacy", "delete", user=env.h.alice)
    message = env.confirmation()
    assert "This deletes 1 interview with 1 question" in message["content"]
    assert "Rounds you hosted stay" in message["content"]
    assert "running interview" not in message["content"]
    assert find_custom_id(message, label="Delete everything") == f"mb:pdel:{env.alice}"
    await env.h.click(message, label="Cancel", user=env.h.alice)
    assert env.last_callback()["type"] == 7
    after = env.current(message)
    assert after["content"].startswith("Cancelled") and not after.get("components")
    assert await env.store.counts(env.alice) == before


async def test_the_buttons_refuse_anyone_else(env: Env) -> None:
    await env.h.slash("privacy", "delete", user=env.h.alice)
    message = env.confirmation()
    await env.h.click(message, label="Delete everything", user=env.h.bob)
    reply = env.last_callback()
    assert reply["type"] == 4 and reply["data"]["flags"] & EPHEMERAL
    assert "someone else" in reply["data"]["content"]
    assert (await env.store.counts(env.alice))["sessions"] == 1
    assert (await env.store.counts(env.bob))["sessions"] == 1
    assert env.current(message).get("components")  # Alice can still decide


async def test_delete_everything_removes_the_users_data_only(env: Env) -> None:
    thread = env.h.fake.add_thread(env.h.channel_id, "Mock interview · alice")
    thread_id = int(thread["id"])
    await add_interview(env.db, env.alice, "ALICE-ACTIVE answer", channel_id=thread_id)
    bob_before = (await env.store.export(env.bob)).document

    await env.h.slash("privacy", "delete", user=env.h.alice)
    message = env.confirmation()
    assert "Your running interview is stopped first; its thread stays." in message["content"]
    await env.h.click(message, label="Delete everything", user=env.h.alice)

    done = env.current(message)
    assert not done.get("components")
    text = done["content"]
    assert "Deleted everything" in text and "2 interviews with 2 questions" in text
    assert "2 retries" in text and "1 rating you gave" in text
    assert "1 round you hosted stays" in text
    assert "stopped first; its thread stays" in text
    (note,) = env.h.fake.messages_in(thread_id)
    assert "deleted their Mockingbird data" in note["content"]

    assert not any((await env.store.counts(env.alice)).values())
    bob_after = (await env.store.export(env.bob)).document
    assert bob_after["sessions"] == bob_before["sessions"]
    assert bob_after["voice"]["consents"] == bob_before["voice"]["consents"]
    (answer,) = bob_after["voice"]["answers"]
    assert answer["ratings_received"] == []  # Alice's rating of Bob's answer went with her


async def test_delete_of_a_user_with_nothing(env: Env) -> None:
    carol = env.h.fake.add_user("carol")
    env.h.fake.add_member(env.h.guild_id, carol)
    await env.h.slash("privacy", "delete", user=carol)
    message = env.confirmation()
    assert "no interviews or voice data" in message["content"]
    await env.h.click(message, label="Delete everything", user=carol)
    assert "nothing was deleted" in env.current(message)["content"]
    assert (await env.store.counts(env.alice))["sessions"] == 1


async def test_delete_waits_for_a_live_voice_session(env: Env) -> None:
    await add_round(env.db, env.bob, env.alice, status=RoundStatus.RUNNING)
    await env.h.slash("privacy", "delete", user=env.h.alice)
    req = env.last_followup()
    assert "live voice session" in req.json["content"] and "/voice stop" in req.json["content"]
    assert not req.json.get("components")
    assert (await env.store.counts(env.alice))["sessions"] == 1


async def test_buttons_from_before_a_restart_still_work(env: Env) -> None:
    # A message this bot process never sent: only the custom id routes the click.
    button = {
        "type": 2,
        "style": 4,
        "label": "Delete everything",
        "custom_id": f"mb:pdel:{env.alice}",
    }
    old = env.h.fake.create_message(
        env.h.channel_id,
        env.h.fake.bot_user,
        {"content": "old question", "components": [{"type": 1, "components": [button]}]},
        emit=False,
    )
    await env.h.click(old, label="Delete everything", user=env.h.alice)
    assert "Deleted everything" in env.current(old)["content"]
    assert not any((await env.store.counts(env.alice)).values())
    assert (await env.store.counts(env.bob))["sessions"] == 1


async def test_privacy_commands_carry_korean_localisations(env: Env) -> None:
    command = env.h.fake.command("privacy")
    assert command["name_localizations"]["ko"] == "개인정보"
    assert command["description_localizations"]["ko"]
    options = {o["name"]: o for o in command["options"]}
    assert options["export"]["name_localizations"]["ko"] == "내보내기"
    assert options["delete"]["name_localizations"]["ko"] == "삭제"
    assert all(o["description_localizations"]["ko"] for o in options.values())


async def test_a_user_whose_last_session_was_korean_is_answered_in_korean(env: Env) -> None:
    thread = env.h.fake.add_thread(env.h.channel_id, "모의 면접 · alice")
    thread_id = int(thread["id"])
    await add_interview(
        env.db, env.alice, "ALICE-KO answer", channel_id=thread_id, language=Language.KO
    )

    await env.h.slash("privacy", "export", user=env.h.alice)
    assert "Mockingbird가 저장한 내 정보 전체입니다" in env.last_followup().json["content"]

    await env.h.slash("privacy", "delete", user=env.h.alice)
    message = env.confirmation()
    assert "면접 2회(질문 2개)" in message["content"]
    assert "진행 중인 면접은 먼저 중단하며" in message["content"]
    labels = [c["label"] for row in message["components"] for c in row["components"]]
    assert labels == ["모두 삭제", "취소"]
    await env.h.click(message, label="모두 삭제", user=env.h.bob)
    assert "someone else" in env.last_callback()["data"]["content"]  # Bob practises in English
    await env.h.click(message, label="모두 삭제", user=env.h.alice)

    done = env.current(message)["content"]
    assert done.startswith("Mockingbird가 저장한 내 정보를 모두 삭제했습니다")
    assert "진행 중이던 면접을 먼저 중단했습니다" in done
    (note,) = env.h.fake.messages_in(thread_id)
    assert "Mockingbird 데이터를 삭제해서" in note["content"]
    assert not any((await env.store.counts(env.alice)).values())


async def test_a_korean_discord_client_is_answered_in_korean_until_a_session_says_otherwise(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        payloads, "interaction_base", functools.partial(payloads.interaction_base, locale="ko")
    )
    carol = env.h.fake.add_user("carol")
    env.h.fake.add_member(env.h.guild_id, carol)
    await env.h.slash("privacy", "delete", user=carol)
    message = env.confirmation()
    assert message["content"].startswith("저장된 면접이나 음성 데이터가 없습니다")
    await env.h.click(message, label="취소", user=carol)
    assert env.current(message)["content"] == "취소했습니다. 아무것도 삭제하지 않았습니다."

    # Alice's stored English session outweighs her Korean client.
    await env.h.slash("privacy", "delete", user=env.h.alice)
    assert env.confirmation()["content"].startswith("This deletes 1 interview")


async def test_delete_ends_a_live_round_through_the_round_side_and_keeps_the_others(
    tmp_path: Path, discord_fake: FakeDiscord
) -> None:
    async for env in make_env(tmp_path, discord_fake, rounds_run_here=True):
        assert env.voice is not None
        live = await add_round(env.db, env.bob, env.alice, status=RoundStatus.RUNNING)
        env.voice.running.add(live)
        bob_before = (await env.store.export(env.bob)).document

        await env.h.slash("privacy", "delete", user=env.h.alice)
        message = env.confirmation()
        assert "Your live voice session is ended first" in message["content"]
        await env.h.click(message, label="Delete everything", user=env.h.alice)

        done = env.current(message)["content"]
        assert "Deleted everything" in done
        assert "Your live voice session was ended first" in done
        assert env.voice.ended_for == [env.alice]
        round_ = await SqliteRoundStore(env.db).get_round(live)
        assert round_ is not None and round_.status is RoundStatus.STOPPED
        assert [p.user_id for p in round_.participants] == [env.bob]
        assert not any((await env.store.counts(env.alice)).values())
        bob_after = (await env.store.export(env.bob)).document
        assert bob_after["sessions"] == bob_before["sessions"]
        assert len(bob_after["voice"]["answers"]) == len(bob_before["voice"]["answers"])
