"""Amounts as typed and as said: digits, k/m, words, Korean units, ranges; their display."""

from __future__ import annotations

import logging

import pytest

from bot.catalog import Language
from bot.negotiation.money import (
    AMBIGUOUS,
    OTHER_CURRENCY,
    AmountError,
    Currency,
    CurrencyError,
    CurrencyTable,
    default_currencies,
    find_mentions,
    format_amount,
    korean_number,
    parse_amount,
    word_number,
)

log = logging.getLogger(__name__)

USD = default_currencies().get("USD")
KRW = default_currencies().get("KRW")


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("120000", 120_000),
        ("120,000", 120_000),
        ("$120,000", 120_000),
        ("120k", 120_000),
        ("120K USD", 120_000),
        ("1.2m", 1_200_000),
        ("120 thousand", 120_000),
        ("120.000 USD", 120_000),
        ("120", 120),
    ],
)
def test_typed_dollar_amounts(typed: str, value: int) -> None:
    assert parse_amount(typed, USD) == value


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("9천만 원", 90_000_000),
        ("9,000만", 90_000_000),
        ("1억 2천만원", 120_000_000),
        ("1억", 100_000_000),
        ("₩90,000,000", 90_000_000),
        ("팔천만 원", 80_000_000),
        # Salary shorthand: after 억 the 만 goes unsaid; in won, 천/백 alone count 만.
        ("1억2천", 120_000_000),
        ("1억 2천", 120_000_000),
        ("1억2천만", 120_000_000),
        ("1억 2천만", 120_000_000),
        ("1억 2천5백", 125_000_000),
        ("1억 2500", 125_000_000),
        ("1억 2,500만 원", 125_000_000),
        ("9천5백", 95_000_000),
        ("9천", 90_000_000),
        ("9,500만", 95_000_000),
        ("1.2억", 120_000_000),
        ("1.25억 원", 125_000_000),
        ("일억 이천", 120_000_000),
    ],
)
def test_typed_won_amounts(typed: str, value: int) -> None:
    assert parse_amount(typed, KRW) == value


@pytest.mark.parametrize("typed", ["1억 2", "1억 25", "1억 250", "2억 3.5"])
def test_korean_amounts_that_could_mean_two_things_are_refused(typed: str) -> None:
    with pytest.raises(AmountError) as caught:
        parse_amount(typed, KRW)
    assert caught.value.reason == AMBIGUOUS
    assert korean_number(typed) is None


@pytest.mark.parametrize(
    ("typed", "code", "other"),
    [
        ("$100k", "EUR", "USD"),
        ("100k USD", "EUR", "USD"),
        ("€120.000", "USD", "EUR"),
        ("£90,000", "USD", "GBP"),
        ("100,000 달러", "KRW", "USD"),
        ("₩90,000,000", "JPY", "KRW"),
    ],
)
def test_a_mark_of_another_currency_is_refused(typed: str, code: str, other: str) -> None:
    with pytest.raises(AmountError) as caught:
        parse_amount(typed, default_currencies().get(code))
    assert (caught.value.reason, caught.value.other) == (OTHER_CURRENCY, other)


@pytest.mark.parametrize(
    ("typed", "code", "value"),
    [
        ("€100k", "EUR", 100_000),
        ("100k eur", "EUR", 100_000),
        ("CA$100k", "CAD", 100_000),
        ("$100k", "CAD", 100_000),
        ("US$100k", "USD", 100_000),
        ("100k dollars", "USD", 100_000),
    ],
)
def test_a_currency_s_own_marks_are_fine(typed: str, code: str, value: int) -> None:
    assert parse_amount(typed, default_currencies().get(code)) == value


@pytest.mark.parametrize("typed", ["abc", "", "one two three four", "120k and 130k", "12O000"])
def test_what_is_not_one_amount_is_refused(typed: str) -> None:
    assert parse_amount(typed, USD) is None


def amounts(text: str, currency: Currency = USD, reference: int = 120_000) -> list[int]:
    return [m.amount for m in find_mentions(text, currency, reference) if not m.percent]


def test_amounts_in_a_message() -> None:
    assert amounts("I'd like 140k because I led the migration") == [140_000]
    assert amounts("We could go up to one hundred forty thousand dollars.") == [140_000]
    assert amounts("a hundred and forty grand") == [140_000]
    assert amounts("one point two million") == [1_200_000]
    assert amounts("somewhere around $135,500 to $140,000") == [135_500, 140_000]


def test_a_range_said_with_one_multiplier_gives_both_ends() -> None:
    assert amounts("between 130 and 150k") == [130_000, 150_000]
    assert amounts("we can do 130-145k") == [130_000, 145_000]
    assert amounts("8천에서 9천만 원 사이", KRW, 80_000_000) == [80_000_000, 90_000_000]


def test_bare_small_numbers_are_money_only_near_the_offer() -> None:
    assert amounts("I'd like 140") == [140_000]
    assert amounts("I have 5 years and a team of 12, since 2024") == []
    assert amounts("I won 3 awards") == []
    assert amounts("9천 정도 생각합니다", KRW, 80_000_000) == [90_000_000]
    assert amounts("5년 경력, 팀원 12명", KRW, 80_000_000) == []


def test_korean_amounts_in_a_message() -> None:
    assert amounts("연봉 9천만 원을 희망합니다", KRW, 80_000_000) == [90_000_000]
    assert amounts("1억 2,500만 원까지 가능합니다", KRW, 80_000_000) == [125_000_000]
    assert amounts("일억 이천만 원", KRW, 80_000_000) == [120_000_000]
    assert amounts("1억2천 정도를 희망합니다", KRW, 100_000_000) == [120_000_000]
    assert amounts("1억 2천5백 원이면 좋겠습니다", KRW, 100_000_000) == [125_000_000]
    assert amounts("9,500만 원이면", KRW, 80_000_000) == [95_000_000]
    assert amounts("1.2억을 원합니다", KRW, 100_000_000) == [120_000_000]
    # An unclear tail does not swallow the amount before it.
    assert amounts("1억 2년 계약", KRW, 100_000_000) == [100_000_000]


def test_percentages_are_kept_apart() -> None:
    found = find_mentions("maybe 10% more?", USD, 120_000)
    assert [(m.value, m.percent) for m in found] == [(10, True)]


def test_number_readers() -> None:
    assert korean_number("1억 2,500만") == 125_000_000
    assert korean_number("팔천만") == 80_000_000
    assert korean_number("abc") is None
    assert word_number("one hundred forty-two thousand five hundred") == (142_500, 1000)
    assert word_number("hello") is None


def test_display_follows_the_language() -> None:
    assert format_amount(120_000, USD, Language.EN) == "$120,000"
    assert format_amount(120_000, USD, Language.KO) == "120,000달러"
    assert format_amount(125_000_000, KRW, Language.KO) == "1억 2,500만 원"
    assert format_amount(90_000_000, KRW, Language.KO) == "9,000만 원"
    assert format_amount(90_000_000, KRW, Language.EN) == "₩90,000,000"


def test_the_table_knows_codes_symbols_and_names() -> None:
    table = default_currencies()
    assert table.find("usd") is USD and table.find("$") is USD and table.find("원") is KRW
    assert table.find("XYZ") is None
    for code in table.codes:
        c = table.get(code)
        assert c.minimum < c.maximum and c.step > 0 and c.round_down(c.minimum) % c.step == 0


def test_a_symbol_claimed_twice_is_refused() -> None:
    a = Currency("AAA", ("$",), (), 1, 10, 1, (), "{amount}", "{amount}")
    b = Currency("BBB", ("$",), (), 1, 10, 1, (), "{amount}", "{amount}")
    with pytest.raises(CurrencyError):
        CurrencyTable([a, b])
