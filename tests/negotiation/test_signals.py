"""What a message does: a yes is a yes only when it is one; asks, ranges and reasons."""

from __future__ import annotations

import logging

import pytest

from bot.catalog import Language
from bot.negotiation import default_currencies
from bot.negotiation.signals import Cue, read_message, sentence_around

log = logging.getLogger(__name__)

USD = default_currencies().get("USD")
KRW = default_currencies().get("KRW")


@pytest.mark.parametrize(
    ("message", "accepts"),
    [
        ("Deal.", True),
        ("ok deal", True),
        ("Sounds good, I accept!", True),
        ("I'm in!", True),
        ("That's a big deal to me.", False),
        ("I'm interested in the role.", False),
        ("I can't accept that.", False),
        ("Sounds good, but I'd like 140k.", False),
        ("That works if you add a sign-on bonus.", False),
        ("좋습니다 진행하겠습니다", True),
        ("받아들일 수 없습니다", False),
    ],
)
def test_a_yes_is_a_yes_only_when_it_is_one(message: str, accepts: bool) -> None:
    language = Language.KO if any("\uac00" <= c <= "\ud7a3" for c in message) else Language.EN
    assert read_message(message, language, USD, 120_000).accepts is accepts


def test_asks_ranges_and_information() -> None:
    def ask(message: str) -> tuple[int | None, bool]:
        reading = read_message(message, Language.EN, USD, 120_000)
        return reading.ask, reading.ranged

    assert ask("I'd like 145k.") == (145_000, False)
    assert ask("Somewhere between 135 and 150k would work.") == (135_000, True)
    assert ask("I'd like 10% more.") == (132_000, False)
    assert ask("I grew revenue by 30% last year.") == (None, False)
    assert ask("I currently make 100k.") == (None, False)
    assert ask("I have another offer at 140k, so could you do 142k?") == (142_000, False)
    assert (
        read_message("연봉 9천만 원을 희망합니다", Language.KO, KRW, 80_000_000).ask == 90_000_000
    )


def test_reasons_and_moves_keep_their_spans() -> None:
    text = "Thanks! I led the migration. What's your budget? You idiot."
    reading = read_message(text, Language.EN, USD, 120_000)
    assert reading.reasons == {Cue.IMPACT}
    for cue in (Cue.COURTESY, Cue.IMPACT, Cue.EXTRACT, Cue.INSULT):
        hit = reading.first(cue)
        assert hit is not None
        assert sentence_around(text, hit.start, hit.end) in text
    assert reading.hostile and not reading.vague_ask
    assert read_message("Can you do better?", Language.EN, USD, 120_000).vague_ask
    assert not read_message("I led more than ten people.", Language.EN, USD, 120_000).vague_ask


def test_a_quote_is_the_sentence_and_a_slice() -> None:
    text = "First part. The middle sentence holds 145k here! Last one."
    start = text.index("145k")
    assert sentence_around(text, start, start + 4) == "The middle sentence holds 145k here!"
    long = "word " * 100 + "145k " + "word " * 100
    start = long.index("145k")
    quote = sentence_around(long, start, start + 4, limit=60)
    assert "145k" in quote and quote in long and len(quote) <= 60
