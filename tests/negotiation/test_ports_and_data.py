"""The negotiation fakes keep their ports' signatures; the data files agree with each other."""

from __future__ import annotations

import inspect
import logging
from typing import Any

import pytest
import yaml

from bot.catalog import Language
from bot.negotiation.money import DEFAULT_ROOT, default_currencies
from bot.negotiation.ports import Clock, NegotiationStore, RecruiterVoice, SkillFeed
from bot.negotiation.signals import Cue, Phrases
from storage.negotiations import SqliteNegotiationStore
from tests.fakes.clock import FixedClock
from tests.fakes.negotiation import InMemoryNegotiationStore, RecordingSkillFeed, ScriptedVoice

log = logging.getLogger(__name__)


def shape_mismatches(port: type[Any], impl: type[Any]) -> list[str]:
    """Return the port's methods that ``impl`` lacks or spells differently."""
    found = []
    for name, declared in vars(port).items():
        if name.startswith("_") or not inspect.isfunction(declared):
            continue
        mine = getattr(impl, name, None)
        if mine is None:
            found.append(f"{name}: missing")
            continue
        if inspect.iscoroutinefunction(declared) != inspect.iscoroutinefunction(mine):
            found.append(f"{name}: async differs")
        wanted = [(p.name, p.kind) for p in inspect.signature(declared).parameters.values()]
        got = [(p.name, p.kind) for p in inspect.signature(mine).parameters.values()]
        if got[: len(wanted)] != wanted:
            found.append(f"{name}: {inspect.signature(mine)}")
    return found


@pytest.mark.parametrize(
    ("port", "impl"),
    [
        (NegotiationStore, InMemoryNegotiationStore),
        (NegotiationStore, SqliteNegotiationStore),
        (RecruiterVoice, ScriptedVoice),
        (SkillFeed, RecordingSkillFeed),
        (Clock, FixedClock),
    ],
)
def test_each_implementation_keeps_its_ports_signatures(port: type[Any], impl: type[Any]) -> None:
    assert shape_mismatches(port, impl) == []


def test_the_check_catches_a_drifted_fake() -> None:
    class Drifted:
        def speak(self, brief: object, extra: int) -> None: ...

    assert shape_mismatches(RecruiterVoice, Drifted) == [
        "speak: async differs",
    ]


def test_both_languages_have_every_cue() -> None:
    for language in Language:
        phrases = Phrases.load(language)
        assert set(phrases.cues) == set(Cue)
        assert phrases.negation and phrases.but
    raw = {
        lang: yaml.safe_load((DEFAULT_ROOT / f"signals.{lang.value}.yaml").read_text("utf-8"))
        for lang in Language
    }
    assert set(raw[Language.EN]) == set(raw[Language.KO])


def test_the_currency_table_is_sane() -> None:
    table = default_currencies()
    assert {"USD", "EUR", "GBP", "KRW", "JPY"} <= set(table.codes)
    for code in table.codes:
        c = table.get(code)
        assert c.minimum * 10 <= c.maximum
        assert c.en_format.count("{amount}") == 1
        assert c.ko_format == "manwon" or c.ko_format.count("{amount}") == 1
