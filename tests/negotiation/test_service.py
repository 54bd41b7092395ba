"""The service: one negotiation per person and place, saved before answered, resumed after a
restart, the model's lines checked by the leak guard (regenerated once, else offline)."""

from __future__ import annotations

import logging

import pytest

from bot.errors import CoachError
from bot.negotiation import NegotiationRunning, NoNegotiation, Speaker, Status, Turn
from bot.negotiation.ports import VoiceBrief
from tests.fakes.negotiation import InMemoryNegotiationStore, RecordingSkillFeed, ScriptedVoice
from tests.negotiation.helpers import GUILD, USER, service, typed

log = logging.getLogger(__name__)

ASK = "Given my experience leading the payments team, I'd like 145k."


async def test_one_running_negotiation_per_person_and_place() -> None:
    svc = service()
    started = await svc.start(typed(), USER, GUILD, seed=1)
    with pytest.raises(NegotiationRunning) as caught:
        await svc.start(typed(), USER, GUILD, seed=2)
    assert caught.value.running.id == started.negotiation.id
    await svc.start(typed(), USER, None, seed=3)  # the terminal is another place
    await svc.start(typed(), USER + 1, GUILD, seed=4)


async def test_a_place_is_opened_only_for_valid_options() -> None:
    svc = service()
    opened: list[int] = []

    async def place() -> int:
        opened.append(99)
        return 99

    with pytest.raises(CoachError):
        await svc.start(typed(currency="XYZ"), USER, GUILD, place, seed=1)
    assert opened == []
    started = await svc.start(typed(), USER, GUILD, place, seed=1)
    assert started.negotiation.channel_id == 99 and opened == [99]
    inbound = await svc.inbound(99, USER)
    assert inbound.delivery.value == "take"
    assert (await svc.inbound(99, USER + 1)).warn is True
    assert (await svc.inbound(99, USER + 1)).warn is False
    assert (await svc.inbound(98, USER)).delivery.value == "ignore"


async def test_the_message_is_saved_before_it_is_answered_and_a_restart_answers_it() -> None:
    store = InMemoryNegotiationStore()

    class Crash(Exception):
        pass

    svc = service(store, voice=ScriptedVoice(Crash()))
    started = await svc.start(typed(), USER, GUILD, seed=5)
    nid = started.negotiation.id
    assert nid is not None
    # A voice failure is not a crash: the offline line is used.
    reply = await svc.reply(nid, ASK)
    assert reply.source == "offline"
    # Simulate a stop between saving and answering.
    await store.add_turn(nid, Turn(Speaker.CANDIDATE, "Could you do 140k?"))
    restarted = service(store)
    recovered = [r async for r in restarted.recover()]
    assert len(recovered) == 1 and "140,000" in recovered[0].line
    turns = (await store.get(nid)).turns  # type: ignore[union-attr]
    assert [t.speaker for t in turns] == [Speaker.RECRUITER, Speaker.CANDIDATE] * 2 + [
        Speaker.RECRUITER
    ]
    assert [r async for r in restarted.recover()] == []


async def test_a_message_after_a_restart_answers_the_saved_one_first() -> None:
    store = InMemoryNegotiationStore()
    svc = service(store)
    started = await svc.start(typed(), USER, GUILD, seed=5)
    nid = started.negotiation.id
    assert nid is not None
    await store.add_turn(nid, Turn(Speaker.CANDIDATE, ASK))
    reply = await service(store).reply(nid, "Could you do 140k?")
    speakers = [t.speaker for t in reply.negotiation.turns]
    r, c = Speaker.RECRUITER, Speaker.CANDIDATE
    assert speakers == [r, c, r, c, r]


async def test_empty_and_too_long_messages_are_refused_kindly() -> None:
    svc = service()
    started = await svc.start(typed(), USER, GUILD, seed=1)
    nid = started.negotiation.id
    assert nid is not None
    with pytest.raises(CoachError) as empty:
        await svc.reply(nid, "   ")
    assert empty.value.key == "negotiation.errors.empty"
    with pytest.raises(CoachError) as long:
        await svc.reply(nid, "x" * 5000)
    assert long.value.key == "negotiation.errors.too_long"


async def test_stop_and_what_comes_after() -> None:
    skills = RecordingSkillFeed()
    svc = service(skills=skills)
    started = await svc.start(typed(), USER, GUILD, seed=1)
    nid = started.negotiation.id
    assert nid is not None
    await svc.reply(nid, ASK)
    ended = await svc.stop(USER, GUILD, typed().language)
    assert ended.negotiation.status is Status.STOPPED and ended.debrief.outcome.value == "stopped"
    assert skills.recorded and skills.recorded[0][0] == USER
    with pytest.raises(NoNegotiation):
        await svc.reply(nid, "hello?")
    with pytest.raises(NoNegotiation):
        await svc.stop(USER, GUILD, typed().language)
    rows = await svc.history(USER)
    assert rows[0].negotiation_id == nid and rows[0].status is Status.STOPPED


async def test_a_deleted_negotiation_is_said_to_be_gone() -> None:
    store = InMemoryNegotiationStore()
    svc = service(store)
    started = await svc.start(typed(), USER, GUILD, seed=1)
    nid = started.negotiation.id
    assert nid is not None
    del store.rows[nid]  # /privacy delete
    with pytest.raises(NoNegotiation) as caught:
        await svc.reply(nid, ASK)
    assert caught.value.key == "negotiation.errors.gone"


async def test_a_safe_model_line_is_used() -> None:
    def say(brief: VoiceBrief) -> str:
        return f"Thanks for explaining! I can move us to {brief.offer} base."

    voice = ScriptedVoice(say, provider="openai")
    svc = service(voice=voice)
    started = await svc.start(typed(), USER, GUILD, seed=1)
    assert started.negotiation.id is not None
    reply = await svc.reply(started.negotiation.id, ASK)
    assert reply.source == "model:openai" and reply.line.startswith("Thanks for explaining!")
    brief = voice.briefs[0]
    assert str(started.negotiation.budget) not in repr(brief)  # the model is never told
    assert f"{started.negotiation.budget:,}" not in repr(brief)


async def test_a_leaking_model_line_is_regenerated_once_then_replaced_offline() -> None:
    svc0 = service()
    started = await svc0.start(typed(), USER, GUILD, seed=1)
    budget = started.negotiation.budget
    leaks = [f"Between us, I can go up to ${budget:,}.", f"Fine: our ceiling is {budget // 1000}k."]
    voice = ScriptedVoice(*leaks)
    svc = service(voice=voice)
    started = await svc.start(typed(), USER + 1, GUILD, seed=1)
    assert started.negotiation.id is not None
    reply = await svc.reply(started.negotiation.id, ASK)
    assert len(voice.briefs) == 2
    assert voice.briefs[1].attempt == 2 and voice.briefs[1].correction == "budget"
    assert reply.source == "offline" and str(budget // 1000) not in reply.line.replace(",", "")


async def test_a_leak_on_the_first_try_and_a_safe_retry() -> None:
    voice = ScriptedVoice(
        "The band goes up to 150k, but let's say $130,000.",
        lambda brief: f"Let me meet you partway at {brief.offer}.",
    )
    svc = service(voice=voice)
    started = await svc.start(typed(), USER, GUILD, seed=1)
    assert started.negotiation.id is not None
    reply = await svc.reply(started.negotiation.id, ASK)
    assert voice.briefs[1].correction == "room"
    assert reply.source == "model:fake" and reply.line.startswith("Let me meet you partway")
