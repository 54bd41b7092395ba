"""The fakes in tests/fakes: each keeps its port's signatures, and the speech fakes behave.

The stores' behaviour is pinned by the contract tests next to their SQLite versions
(``tests/storage/test_*_contract.py``, ``test_round_store.py``). Here every fake is checked
against its Protocol member by member (what mypy checks statically through the typed
assignments at the end of each fake module), so a port that changes breaks its fake at once.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol

import numpy as np
import pytest

from bot.catalog.bank import ExtraQuestions
from bot.coaching.grading import Evaluator
from bot.guilds.questions import ServerQuestions, ServerQuestionStore, load_schema
from bot.guilds.settings import SettingsStore
from bot.interview.ports import Clock as InterviewClock
from bot.interview.ports import InterviewObserver, Memory, SessionStore
from bot.llm.evaluator import BudgetPort
from bot.llm.guild_routing import BudgetReader, GuildKeyStore, UsageTotals
from bot.llm.types import UsageSink
from bot.privacy import StoreDeclaration
from bot.privacy.ports import Interviews as PrivacyInterviews
from bot.privacy.ports import LiveVoice, PersonalStore, PrivacyLookups, Transactions
from bot.progress.ports import ChartRenderer, HabitSource, ProgressStore, StoryCoverage
from bot.rounds.history import HistoryStore
from bot.rounds.ports import Clock as RoundClock
from bot.rounds.ports import Interviews, RoundChannel, RoundPresenter, RoundStore
from bot.rounds.schedule_ports import Announcer, Calendar, RoundStarter, ScheduleStore
from bot.rounds.text import TextRoundChannel
from bot.speech.audio import decode_audio
from bot.speech.errors import SynthesisError, TranscriptionError
from bot.speech.stt import SpeechToText, Transcript
from bot.speech.tts import FallbackTTS, SpeechAudio, SpeechEngine, TextToSpeech
from bot.stories.ports import StoryStore
from bot.voice.types import VoiceConnector, VoiceLink
from tests.fakes.clock import T0, FixedClock
from tests.fakes.evaluator import ScriptedEvaluator
from tests.fakes.guild_keys import InMemoryGuildKeys
from tests.fakes.guilds import (
    InMemoryHistoryStore,
    InMemoryServerQuestionStore,
    InMemorySettingsStore,
)
from tests.fakes.llm_budget import InMemoryBudget
from tests.fakes.llm_usage import InMemoryUsageSink, InMemoryUsageTotals
from tests.fakes.observer import RecordingObserver
from tests.fakes.privacy import (
    FakeInterviews,
    FakeLiveVoice,
    FakeLookups,
    MemoryPersonalStore,
    MemoryTables,
    MemoryTransactions,
)
from tests.fakes.progress import (
    FakeCharts,
    FixedCoverage,
    FixedHabits,
    FixedMemory,
    InMemoryProgressStore,
)
from tests.fakes.rounds import (
    FakeRoundChannel,
    InMemoryRoundStore,
    RecordingPresenter,
    ScriptedInterviews,
)
from tests.fakes.schedules import (
    FakeCalendar,
    FakeStarter,
    InMemoryScheduleStore,
    RecordingAnnouncer,
)
from tests.fakes.sessions import InMemorySessionStore
from tests.fakes.speech_to_text import ScriptedSpeechToText
from tests.fakes.stories import InMemoryStoryStore
from tests.fakes.text_to_speech import FakeTextToSpeech
from tests.fakes.voice_link import ScriptedConnector, ScriptedVoiceLink

log = logging.getLogger(__name__)

# Every port the domain and the services use, with a factory of its fake.
FAKES: list[tuple[type[Any], Callable[[], object]]] = [
    (SessionStore, InMemorySessionStore),
    (InterviewClock, FixedClock),
    (InterviewObserver, RecordingObserver),
    (Memory, FixedMemory),
    (ProgressStore, InMemoryProgressStore),
    (HabitSource, FixedHabits),
    (ChartRenderer, FakeCharts),
    (StoryCoverage, FixedCoverage),
    (StoryStore, InMemoryStoryStore),
    (RoundClock, FixedClock),
    (Evaluator, ScriptedEvaluator),
    (BudgetPort, lambda: InMemoryBudget(100)),
    (BudgetReader, lambda: InMemoryBudget(100)),
    (UsageSink, InMemoryUsageSink),
    (UsageTotals, lambda: InMemoryUsageTotals(InMemoryUsageSink())),
    (GuildKeyStore, InMemoryGuildKeys),
    (SpeechToText, ScriptedSpeechToText),
    (TextToSpeech, FakeTextToSpeech),
    (SpeechEngine, FakeTextToSpeech),
    (RoundStore, InMemoryRoundStore),
    (RoundChannel, FakeRoundChannel),
    (RoundPresenter, RecordingPresenter),
    (Interviews, ScriptedInterviews),
    (PersonalStore, lambda: MemoryPersonalStore(StoreDeclaration("x"))),
    (Transactions, lambda: MemoryTransactions(MemoryTables())),
    (PrivacyLookups, FakeLookups),
    (PrivacyInterviews, lambda: FakeInterviews(FakeLookups())),
    (LiveVoice, lambda: FakeLiveVoice(FakeLookups())),
    (VoiceLink, lambda: ScriptedVoiceLink(1)),
    (VoiceConnector, ScriptedConnector),
    (ScheduleStore, InMemoryScheduleStore),
    (Calendar, FakeCalendar),
    (RoundStarter, FakeStarter),
    (Announcer, RecordingAnnouncer),
    (SettingsStore, InMemorySettingsStore),
    (ServerQuestionStore, InMemoryServerQuestionStore),
    (HistoryStore, InMemoryHistoryStore),
    # The text round's channel is itself plain Python: it is checked against the port.
    (RoundChannel, TextRoundChannel),
    (ExtraQuestions, lambda: ServerQuestions(InMemoryServerQuestionStore(), load_schema())),
]


def protocol_members(port: type[Any]) -> dict[str, object]:
    """Return the public members a Protocol declares (methods, properties, attributes)."""
    members: dict[str, object] = {}
    for base in reversed(port.__mro__):
        if base in (object, Protocol) or not getattr(base, "_is_protocol", False):
            continue
        for name in getattr(base, "__annotations__", {}):
            members.setdefault(name, "attribute")
        for name, value in vars(base).items():
            if not name.startswith("_"):
                members[name] = value
    return members


def _shape(function: Callable[..., object]) -> list[tuple[str, object, object]]:
    """Return each parameter's name, kind and default (annotations may differ in spelling)."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def mismatches(port: type[Any], fake: object) -> list[str]:
    """Return how ``fake`` differs from the Protocol ``port`` (empty when it conforms)."""
    found = []
    for name, declared in protocol_members(port).items():
        if not hasattr(fake, name):
            found.append(f"{name}: missing")
            continue
        if not inspect.isfunction(declared):
            continue  # an attribute or a property: being there is the contract
        mine = getattr(type(fake), name, None)
        if not callable(mine):
            found.append(f"{name}: not a method")
            continue
        if inspect.iscoroutinefunction(declared) != inspect.iscoroutinefunction(mine):
            found.append(f"{name}: async differs")
        wanted, got = _shape(declared), _shape(mine)
        # Like the SQLite stores, a fake may take more, as long as callers need not pass it.
        extra = got[len(wanted) :]
        if got[: len(wanted)] != wanted or any(d is inspect.Parameter.empty for *_, d in extra):
            found.append(f"{name}: {inspect.signature(mine)} != {inspect.signature(declared)}")
    return found


@pytest.mark.parametrize(
    ("port", "make"), FAKES, ids=[f"{p.__name__}-{p.__module__}" for p, _ in FAKES]
)
def test_each_fake_keeps_its_ports_signatures(port: type[Any], make: Callable[[], object]) -> None:
    assert mismatches(port, make()) == []


def test_the_signature_check_catches_a_drifted_fake() -> None:
    class Drifted:
        async def store(self, guild_id: int, ciphertext: str) -> None: ...

        def load_all(self, guild_id: int) -> dict[str, str]:
            return {}

    assert mismatches(GuildKeyStore, Drifted()) == [
        "store: (self, guild_id: 'int', ciphertext: 'str') -> 'None'"
        " != (self, guild_id: 'int', provider: 'str', ciphertext: 'str') -> 'None'",
        "load_all: async differs",
        "delete: missing",
    ]


def test_every_port_protocol_has_a_fake() -> None:
    ports = {
        "bot.interview.ports": {"SessionStore", "Clock", "InterviewObserver", "Memory"},
        "bot.progress.ports": {
            "ProgressStore",
            "HabitSource",
            "StoryCoverage",
            "ChartRenderer",
        },
        "bot.stories.ports": {"StoryStore"},
        "bot.rounds.ports": {"Clock", "Interviews", "RoundChannel", "RoundPresenter", "RoundStore"},
        "bot.privacy.ports": {
            "PersonalStore",
            "Transactions",
            "PrivacyLookups",
            "Interviews",
            "LiveVoice",
        },
    }
    faked = {(p.__module__, p.__name__) for p, _ in FAKES}
    for module, names in ports.items():
        declared = {
            name
            for name, value in vars(__import__(module, fromlist=["_"])).items()
            if inspect.isclass(value)
            and getattr(value, "_is_protocol", False)
            and value.__module__ == module
        }
        # PrivacyRegistry is implemented by the real PersonalDataRegistry over fakes.
        declared.discard("PrivacyRegistry")
        assert declared == names
        assert {(module, n) for n in names} <= faked


# ---- speech ---------------------------------------------------------------------------------


def _audio(seconds: float) -> np.ndarray:
    return np.zeros(int(16_000 * seconds), np.float32)


async def test_scripted_speech_to_text_answers_in_order_then_the_default() -> None:
    ready = Transcript("ready made", (), "ko", 5)
    stt = ScriptedSpeechToText(
        "I led the migration", TranscriptionError(detail="x"), ready, default="nothing"
    )
    assert isinstance(stt, SpeechToText)
    first = await stt.transcribe(_audio(2.0), "en")
    assert first.text == "I led the migration" and first.duration_ms == 2000
    assert [w.text for w in first.words] == ["I", "led", "the", "migration"]
    assert all(a.end_ms <= b.start_ms for a, b in zip(first.words, first.words[1:], strict=False))
    assert first.words[-1].end_ms <= 2000
    with pytest.raises(TranscriptionError):
        await stt.transcribe(_audio(1.0))
    assert await stt.transcribe(_audio(1.0)) is ready
    short = await stt.transcribe(_audio(0.1), None)
    assert (short.text, short.language) == ("nothing", "en")
    assert [w.start_ms for w in short.words] == [0]  # too short to spread: 400 ms a word
    stt.then("later")
    assert (await stt.transcribe(_audio(0.5))).text == "later"
    samples = [(32_000, "en"), (16_000, None), (16_000, None), (1_600, None), (8_000, None)]
    assert stt.calls == samples


async def test_fake_text_to_speech_returns_real_ogg_opus_and_records_what_it_said() -> None:
    tts = FakeTextToSpeech(fail_on="BROKEN")
    assert isinstance(tts, TextToSpeech) and isinstance(tts, SpeechEngine)
    audio = await tts.synthesize("Tell me about a time.", "ko")
    assert isinstance(audio, SpeechAudio) and audio.ogg_opus.startswith(b"OggS")
    assert (audio.engine, audio.voice, audio.filename) == ("fake", "fake-ko", "question.ogg")
    samples = decode_audio(audio.ogg_opus)
    assert 0.09 <= samples.size / 16_000 <= 0.15 and not np.any(samples)
    assert 90 <= audio.duration_ms <= 150
    assert len(audio.pcm_48k_stereo()) >= 3840 * 5  # at least 100 ms to play in a voice channel
    assert len(audio.waveform()) > 0
    with pytest.raises(SynthesisError):
        await tts.synthesize("BROKEN sentence")
    with pytest.raises(ValueError, match="nothing to say"):
        await tts.synthesize("  ")
    assert tts.said == [("Tell me about a time.", "ko"), ("BROKEN sentence", "en")]
    # It slots in wherever a real engine does.
    spoken = await FallbackTTS([FakeTextToSpeech()]).synthesize("Hello.")
    assert spoken.voice == "fake-en"


def test_fixed_clock_moves_only_when_told() -> None:
    clock = FixedClock()
    assert clock.now() == T0 == clock.now()
    assert clock.advance(minutes=5) == T0 + timedelta(minutes=5) == clock.now()
