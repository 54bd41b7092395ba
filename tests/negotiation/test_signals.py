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


@pytest.mark.parametrize(
    ("message", "accepts", "declines"),
    [
        # A stem followed by its verb ending is a yes (or a no).
        ("받아들이겠습니다.", True, False),
        ("수락하겠습니다.", True, False),
        ("동의하겠습니다", True, False),
        ("좋습니다.", True, False),
        ("네, 좋습니다!", True, False),
        ("네, 그 조건으로 하겠습니다.", True, False),
        ("그 제안을수락하겠습니다", True, False),
        ("거절하겠습니다.", False, True),
        ("죄송하지만 이번 제안은 사양하겠습니다.", False, True),
        # Negation after the stem, or a negating word before it, undoes it.
        ("받아들이지 않겠습니다", False, False),
        ("동의하지 않습니다.", False, False),
        ("수락할 수 없습니다.", False, False),
        ("못 받아들이겠습니다.", False, False),
        ("수락하기 어렵습니다.", False, False),
        ("거절하지 않겠습니다. 다만 조금 더 생각해 볼게요.", False, False),
        # A yes that goes on ("...지만", "다만") is not a yes; nor a stem inside another word.
        ("받아들이겠지만 1억 2천만 원은 필요합니다.", False, False),
        ("좋습니다만 조금 더 올려 주실 수 있나요?", False, False),
        ("미동의합니다.", False, False),
        ("연봉이 높을수록 좋습니다.", False, False),
    ],
)
def test_a_korean_yes_or_no_with_its_ending(message: str, accepts: bool, declines: bool) -> None:
    reading = read_message(message, Language.KO, KRW, 100_000_000)
    assert reading.accepts is accepts
    assert reading.has(Cue.DECLINE) is declines


@pytest.mark.parametrize(
    ("message", "cue"),
    [
        ("인상적인 프로젝트였습니다.", Cue.ASK),  # "impressive", not a raise
        ("최대한 빨리 입사하고 싶습니다.", Cue.EXTRACT),  # "as soon as possible", not a budget
    ],
)
def test_a_short_korean_stem_inside_another_word_is_no_cue(message: str, cue: Cue) -> None:
    assert not read_message(message, Language.KO, KRW, 100_000_000).has(cue)


def test_a_negated_walk_away_is_not_one() -> None:
    assert not read_message("I won't walk away over this.", Language.EN, USD, 120_000).has(
        Cue.DECLINE
    )
    assert read_message("I'll have to walk away.", Language.EN, USD, 120_000).has(Cue.DECLINE)
