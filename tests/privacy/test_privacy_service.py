"""The privacy service with in-memory ports: what stops first, what waits, which language."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pytest

from bot.catalog import Language
from bot.privacy import (
    ActiveInterview,
    Deletion,
    LiveRound,
    PersonalTable,
    PrivacyService,
    StoreDeclaration,
    VoiceBlocked,
)
from bot.privacy.language import choose_language
from tests.fakes.privacy import (
    FakeInterviews,
    FakeLiveVoice,
    FakeLookups,
    MemoryPersonalStore,
    MemoryTables,
    memory_registry,
)

log = logging.getLogger(__name__)

ALICE, BOB = 101_101, 202_202
NOTES = StoreDeclaration(
    name="notes", tables=(PersonalTable("notes", user_columns=("user_id",)),), counts=("notes",)
)


@dataclass
class World:
    """A service over in-memory ports, with one shared log of what happened in order."""

    data: MemoryTables = field(default_factory=MemoryTables)
    lookups: FakeLookups = field(default_factory=FakeLookups)
    calls: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.data.add("notes", user_id=ALICE, text="alice's note")
        self.data.add("notes", user_id=BOB, text="bob's note")
        self.interviews = FakeInterviews(self.lookups, log=self.calls)
        self.voice = FakeLiveVoice(self.lookups, log=self.calls)
        self.store = MemoryPersonalStore(NOTES, log=self.calls)

    def service(self, *, voice: bool = True) -> PrivacyService:
        registry = memory_registry(self.data, [self.store])
        return PrivacyService(
            registry, self.lookups, self.interviews, self.voice if voice else None
        )


@pytest.fixture
def world() -> World:
    return World()


async def test_delete_ends_rounds_then_stops_interviews_then_erases(world: World) -> None:
    world.lookups.active = [ActiveInterview(7, 1, 900), ActiveInterview(8, None, None)]
    world.lookups.live = [LiveRound(41, 1)]
    world.voice.running = {41}

    preview = await world.service().preview(ALICE)
    assert preview.running == 2 and preview.voice_to_end == (LiveRound(41, 1),)
    assert not preview.blocked and preview.counts["notes"] == 1

    result = await world.service().delete(ALICE)

    assert isinstance(result, Deletion)
    assert world.calls == ["end rounds [41]", "finish 7", "finish 8", "erase notes"]
    assert world.interviews.calls == [(7, True), (8, True)]
    assert [s.session_id for s in result.stopped] == [7, 8]
    assert result.voice_ended == (41,)
    assert result.counts["notes"] == 1 and not result.nothing
    assert [r["user_id"] for r in world.data.rows("notes")] == [BOB]


async def test_a_round_nothing_here_runs_makes_the_delete_wait(world: World) -> None:
    world.lookups.active = [ActiveInterview(7, 1, 900)]
    world.lookups.live = [LiveRound(41, 1)]

    for service in (world.service(), world.service(voice=False)):
        preview = await service.preview(ALICE)
        assert preview.blocked and preview.waiting_for == (LiveRound(41, 1),)
        result = await service.delete(ALICE)
        assert isinstance(result, VoiceBlocked) and result.rounds == (LiveRound(41, 1),)

    assert world.calls == []  # nothing ended, stopped or erased
    assert len(world.data.rows("notes")) == 2


async def test_a_round_that_does_not_stop_leaves_the_data_alone(world: World) -> None:
    world.lookups.live = [LiveRound(41, 1)]
    world.voice.running = {41}
    world.voice.stuck = {41}
    result = await world.service().delete(ALICE)
    assert isinstance(result, VoiceBlocked)
    assert world.calls == ["end rounds [41]"]
    assert len(world.data.rows("notes")) == 2


async def test_an_interview_that_ended_meanwhile_is_not_reported_stopped(world: World) -> None:
    world.lookups.active = [ActiveInterview(7, 1, 900)]

    class EndsItself(FakeInterviews):
        async def finish(self, session_id: int, stopped: bool = False) -> list[object]:
            self.lookups.active = []
            await super().finish(session_id, stopped)
            return []

    world.interviews = EndsItself(world.lookups)
    result = await world.service().delete(ALICE)
    assert isinstance(result, Deletion) and result.stopped == ()


async def test_an_interview_started_while_stopping_is_stopped_too(world: World) -> None:
    world.lookups.active = [ActiveInterview(7, 1, 900)]

    class NewOneAppears(FakeInterviews):
        async def finish(self, session_id: int, stopped: bool = False) -> list[object]:
            await super().finish(session_id, stopped)
            if session_id == 7:
                self.lookups.active.append(ActiveInterview(9, 2, 901))
            return []

    world.interviews = NewOneAppears(world.lookups)
    result = await world.service().delete(ALICE)
    assert isinstance(result, Deletion)
    assert [s.session_id for s in result.stopped] == [7, 9]


async def test_nothing_stored(world: World) -> None:
    result = await world.service().delete(303_303)
    assert isinstance(result, Deletion) and result.nothing
    assert len(world.data.rows("notes")) == 2


async def test_export_is_in_the_users_language(world: World) -> None:
    world.lookups.language = "ko"
    found = await world.service().export(ALICE, "en-US")
    assert found.language is Language.KO
    assert found.document["notes"][0].startswith("Audio is never stored")
    assert found.document["notes_notes"] == [{"id": 1, "user_id": ALICE, "text": "alice's note"}]


@pytest.mark.parametrize(
    ("stored", "locale", "expected"),
    [
        (None, None, Language.EN),
        (None, "en-US", Language.EN),
        (None, "ko", Language.KO),
        (None, "ko-KR", Language.KO),
        ("ko", "en-GB", Language.KO),
        ("en", "ko", Language.EN),  # the language they practise in wins
        ("xx", "ko", Language.KO),  # an unknown stored value falls through to the locale
    ],
)
def test_language_rule(stored: str | None, locale: str | None, expected: Language) -> None:
    assert choose_language(stored, locale) is expected


async def test_the_service_asks_the_lookups_for_the_language(world: World) -> None:
    assert await world.service().language(ALICE, "ko") is Language.KO
    world.lookups.language = "en"
    assert await world.service().language(ALICE, "ko") is Language.EN
