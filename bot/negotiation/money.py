"""Money: the currency table, amounts typed as options or said in messages, and their display.

Amounts come in many shapes and the same reader serves the options of ``/negotiate start``,
the candidate's messages and the leak guard: digits with separators (``120,000``,
``120.000``, ``120 000``), multipliers (``120k``, ``1.2m``, ``120 thousand``, ``a hundred
and forty grand``), Korean units (``9,000만 원``, ``1억 2천만``, ``일억 이천만 원``), English
number words (``one hundred forty thousand``), percentages (``10% more``) and ranges whose
multiplier is said once (``130 to 150k`` is 130,000 to 150,000). A bare number too small to
be a salary counts only when one of the currency's shorthands puts it near the offer
(``140`` for 140,000 dollars), so "five years" or "a team of 12" never become money.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import yaml

from bot.catalog import Language

log = logging.getLogger(__name__)

DEFAULT_ROOT: Final = Path(__file__).resolve().parents[2] / "prompts" / "negotiation"
CURRENCY_FILE: Final = "currencies.yaml"
# A bare number becomes money through a shorthand only when it lands this near the offer.
SHORTHAND_LOW: Final = 0.5
SHORTHAND_HIGH: Final = 3.0


class CurrencyError(ValueError):
    """The currency table is malformed."""


@dataclass(frozen=True, slots=True)
class Currency:
    """One known currency: its code, how people write it, and a sensible salary range."""

    code: str
    symbols: tuple[str, ...]
    names: tuple[str, ...]
    minimum: int
    maximum: int
    step: int
    shorthand: tuple[int, ...]
    en_format: str
    ko_format: str

    def round_down(self, value: float) -> int:
        """Return ``value`` rounded down to a whole step."""
        return int(value // self.step) * self.step

    def round_near(self, value: float) -> int:
        """Return ``value`` rounded to the nearest whole step."""
        return round(value / self.step) * self.step

    def plausible(self, value: float) -> bool:
        """Tell whether ``value`` is a sensible annual salary in this currency."""
        return self.minimum <= value <= self.maximum


class CurrencyTable:
    """Every known currency, found by code, symbol or name."""

    def __init__(self, currencies: Sequence[Currency]) -> None:
        self._by_code = {c.code: c for c in currencies}
        self._by_alias: dict[str, Currency] = {}
        for c in currencies:
            for alias in (c.code.lower(), *c.symbols, *(n.lower() for n in c.names)):
                other = self._by_alias.get(alias.lower())
                if other is not None and other is not c:
                    raise CurrencyError(f"{alias!r} names both {other.code} and {c.code}")
                self._by_alias[alias.lower()] = c

    @classmethod
    def load(cls, root: Path = DEFAULT_ROOT) -> CurrencyTable:
        """Read ``currencies.yaml`` under ``root``."""
        path = root / CURRENCY_FILE
        try:
            raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
            entries = raw["currencies"]
            found = [_currency(entry) for entry in entries]
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
            raise CurrencyError(f"{path}: {exc}") from exc
        return cls(found)

    @property
    def codes(self) -> list[str]:
        """Return every code, in the table's order."""
        return list(self._by_code)

    def get(self, code: str) -> Currency:
        """Return the currency with this ISO code (KeyError when unknown)."""
        return self._by_code[code]

    def find(self, typed: str) -> Currency | None:
        """Return the currency a user typed (code, symbol or name, any case), or None."""
        return self._by_alias.get(typed.strip().lower())

    def aliases(self) -> Mapping[str, Currency]:
        """Return every alias (lower case) with its currency."""
        return dict(self._by_alias)


def _currency(entry: Mapping[str, Any]) -> Currency:
    c = Currency(
        code=str(entry["code"]).upper(),
        symbols=tuple(str(s) for s in entry.get("symbols") or ()),
        names=tuple(str(n) for n in entry.get("names") or ()),
        minimum=int(entry["min"]),
        maximum=int(entry["max"]),
        step=int(entry["step"]),
        shorthand=tuple(int(m) for m in entry.get("shorthand") or ()),
        en_format=str(entry["en"]),
        ko_format=str(entry["ko"]),
    )
    if not re.fullmatch(r"[A-Z]{3}", c.code):
        raise ValueError(f"{c.code}: not an ISO 4217 code")
    if not 0 < c.minimum < c.maximum or c.step <= 0:
        raise ValueError(f"{c.code}: min, max and step must be positive and ordered")
    return c


@cache
def default_currencies() -> CurrencyTable:
    """Return the table shipped in ``prompts/negotiation``."""
    return CurrencyTable.load()


# ---- display --------------------------------------------------------------------------------


def format_amount(value: int, currency: Currency, language: Language) -> str:
    """Return an amount as a reader of ``language`` expects it ("$120,000", "9,000만 원")."""
    if language is Language.KO:
        if currency.ko_format == "manwon":
            return manwon(value)
        return currency.ko_format.format(amount=f"{value:,}", code=currency.code)
    symbol = currency.symbols[0] if currency.symbols else currency.code
    return currency.en_format.format(amount=f"{value:,}", symbol=symbol, code=currency.code)


def manwon(value: int) -> str:
    """Return won in Korean units: 125,000,000 -> "1억 2,500만 원"."""
    eok, rest = divmod(value, 100_000_000)
    man, won = divmod(rest, 10_000)
    parts = []
    if eok:
        parts.append(f"{eok:,}억")
    if man:
        parts.append(f"{man:,}만")
    if won or not parts:
        parts.append(f"{won:,}")
    return " ".join(parts) + " 원"


# ---- reading ----------------------------------------------------------------------------------

_ENGLISH_MULT: Final = {
    "k": 1_000,
    "thousand": 1_000,
    "grand": 1_000,
    "m": 1_000_000,
    "mm": 1_000_000,
    "mn": 1_000_000,
    "mil": 1_000_000,
    "million": 1_000_000,
    "b": 1_000_000_000,
    "bn": 1_000_000_000,
    "billion": 1_000_000_000,
}
_SMALL_UNITS: Final = {"십": 10, "백": 100, "천": 1_000}
_BIG_UNITS: Final = {"만": 10_000, "억": 100_000_000, "조": 1_000_000_000_000}
_KO_DIGITS: Final = dict(zip("일이삼사오육칠팔구", range(1, 10), strict=True))
_WORD_UNITS: Final = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_WORD_SCALES: Final = {"thousand": 1_000, "grand": 1_000, "million": 1_000_000, "billion": 10**9}

_DIGITS = r"\d{1,3}(?:(?:,|\.|[ \u00a0\u202f])\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_EN_MULT = r"k|thousand|grand|mm|mn|million|mil|m|bn|billion|b"
_KO_UNIT = r"[십백천만억조]"
_NUMBER = re.compile(
    rf"(?P<num>{_DIGITS})"
    rf"(?:(?P<ko>(?:\s?{_KO_UNIT}+(?:\s?(?:{_DIGITS})\s?{_KO_UNIT}+)*)(?:\s?(?:{_DIGITS}))?)"
    rf"|\s?(?P<mult>{_EN_MULT})\b)?",
    re.IGNORECASE,
)
# Korean numerals written out ("일억 이천만 원"): only trusted before a currency word.
_KO_WORDS = re.compile(r"[일이삼사오육칠팔구십백천만억조]+(?:\s[일이삼사오육칠팔구십백천만억조]+)*")
_WORD_NUMBER = re.compile(
    r"\b(?:(?:a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen"
    r"|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty"
    r"|seventy|eighty|ninety|hundred|thousand|grand|million|billion|point|and)"
    r"(?:[\s-]+|\b))+",
    re.IGNORECASE,
)
_TRAILING_DIGITS = re.compile(rf"\s?(?:{_DIGITS})$")
_PERCENT_AFTER = re.compile(r"\s?(?:%|percent\b|per cent\b|퍼센트|프로)", re.IGNORECASE)
_RANGE_LINK = re.compile(
    r"^\s*(?:-|–|—|~|to|and|or|through|until|에서|부터|~에서)\s*$", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Mention:
    """A number found in text: an amount or a percentage, where it was, and how it was said.

    ``marked`` says a currency, symbol or multiplier came with it (``$140k``, ``9천만 원``);
    ``value`` is in the currency's units, or the percentage itself for ``percent``.
    """

    value: float
    start: int
    end: int
    marked: bool = False
    percent: bool = False
    multiplier: int = 1

    @property
    def amount(self) -> int:
        """Return the value as a whole amount."""
        return round(self.value)


def _plain_number(raw: str) -> float | None:
    """Return a number written with digits and separators, or None."""
    text = raw.replace("\u00a0", " ").replace("\u202f", " ").strip()
    groups = re.fullmatch(r"(\d{1,3})((?:[,. ]\d{3})+)([.,]\d+)?", text)
    if groups is not None:
        separators = set(re.findall(r"[,. ]", groups.group(2)))
        decimal = groups.group(3)
        if len(separators) == 1:
            digits = groups.group(1) + re.sub(r"[,. ]", "", groups.group(2))
            if decimal:
                return float(digits + "." + decimal[1:])
            return float(digits)
        return None
    if re.fullmatch(r"\d+", text):
        return float(text)
    if re.fullmatch(r"\d+[.,]\d+", text):
        return float(text.replace(",", "."))
    return None


class AmountError(ValueError):
    """An amount that was read but cannot be used as typed; ``reason`` says why."""

    def __init__(self, reason: str, typed: str, other: str = "") -> None:
        super().__init__(f"{reason}: {typed!r}")
        self.reason = reason
        self.typed = typed
        # The currency code a contradicting mark belongs to ("USD" for "$100k" in EUR).
        self.other = other


AMBIGUOUS: Final = "ambiguous"
OTHER_CURRENCY: Final = "other_currency"


def korean_number(raw: str) -> float | None:
    """Return the value of a number written with Korean units ("1억 2,500만", "팔천만").

    Salary talk drops the last 만: "1억 2천" and "1억 2500" mean 1억 2천만 and 1억 2,500만.
    Input that could mean two things ("1억 2") gives None; ``korean_amount`` says why.
    """
    try:
        return korean_amount(raw)
    except AmountError:
        return None


def korean_amount(raw: str) -> float | None:
    """Return a Korean-unit number as salary talk means it; raise ``AmountError`` when
    it could mean two things ("1억 2": 1억 2천만? 1억 2만?), None when it is no number."""
    total = 0.0
    section = 0.0  # below 만
    current: float | None = None
    digits = ""
    seen = False
    last_big = 0
    # What follows the last big unit: written with a small unit (천, 백, 십), or how many
    # digits its bare number had ("2500" is 2,500만 after 억; "2" is anyone's guess).
    tail_small = False
    tail_digits = 0

    def flush() -> bool:
        nonlocal digits, current, tail_digits
        if digits:
            value = _plain_number(digits)
            if value is None:
                return False
            current = value
            tail_digits = len(re.sub(r"\D", "", digits.split(".")[0]))
            digits = ""
        return True

    for ch in raw:
        if ch.isdigit() or (ch in ",." and digits):
            digits += ch
            continue
        if not flush():
            return None
        if ch.isspace():
            continue
        if ch in _KO_DIGITS:
            current = float(_KO_DIGITS[ch])
            tail_digits = 0
        elif ch in _SMALL_UNITS:
            section += (current if current is not None else 1.0) * _SMALL_UNITS[ch]
            current = None
            tail_small = True
        elif ch in _BIG_UNITS:
            section += current or 0.0
            total += (section or 1.0) * _BIG_UNITS[ch]
            section, current = 0.0, None
            last_big = _BIG_UNITS[ch]
            tail_small, tail_digits = False, 0
        else:
            return None
        seen = True
    if not flush():
        return None
    if not seen and current is None:
        return None
    rest = section + (current or 0.0)
    if rest and last_big >= _BIG_UNITS["억"]:
        # After 억 the 만 goes unsaid: "1억 2천", "1억 2천5백", "1억 2500" (four digits).
        if current is not None and not tail_small and tail_digits != 4:
            raise AmountError(AMBIGUOUS, raw.strip())
        if rest >= 10_000:
            raise AmountError(AMBIGUOUS, raw.strip())
        rest *= _BIG_UNITS["만"]
    return total + rest


def word_number(raw: str) -> tuple[float, int] | None:
    """Return an English number in words and its last scale ("one hundred forty thousand")."""
    words = [w for w in re.split(r"[\s-]+", raw.lower().strip()) if w and w != "and"]
    if not words or all(w in ("a", "point") for w in words):
        return None
    total, current = 0.0, 0.0
    fraction: list[int] | None = None
    last_scale = 1
    for i, word in enumerate(words):
        if word == "a":
            if i + 1 < len(words) and words[i + 1] in ("hundred", *_WORD_SCALES):
                current = 1.0
                continue
            return None
        if word == "point":
            if fraction is not None:
                return None
            fraction = []
            continue
        if fraction is not None and word in _WORD_UNITS and _WORD_UNITS[word] < 10:
            fraction.append(_WORD_UNITS[word])
            continue
        if fraction is not None and word not in _WORD_SCALES:
            return None
        if fraction is not None:
            current += float("0." + "".join(map(str, fraction))) if fraction else 0.0
            fraction = None
        if word in _WORD_UNITS:
            value = _WORD_UNITS[word]
            tail = current % 100
            # "one two" is two numbers; "forty two" is one (only a unit may follow a ten).
            if tail and not (tail % 10 == 0 and tail >= 20 and value < 10):
                return None
            current += value
        elif word == "hundred":
            current = (current or 1.0) * 100
        elif word in _WORD_SCALES:
            scale = _WORD_SCALES[word]
            total += (current or 1.0) * scale
            current = 0.0
            last_scale = scale
        else:
            return None
    if fraction:
        current += float("0." + "".join(map(str, fraction)))
    return total + current, last_scale


def _currency_marked(text: str, start: int, end: int, marks: Marks) -> bool:
    """Tell whether a currency symbol or code sits right before a number, or one of those or
    the currency's name right after it ("$140k", "USD 140,000", "140,000 dollars")."""
    before = text[max(0, start - 4) : start].rstrip().lower()
    after = text[end : end + 24].lstrip().lower()
    if any(before.endswith(mark) for mark in marks.before):
        return True
    for mark in marks.after:
        if after.startswith(mark):
            rest = after[len(mark) : len(mark) + 1]
            if not rest or not (rest.isascii() and rest.isalpha()):
                return True
    return False


@dataclass(frozen=True, slots=True)
class Marks:
    """What marks a number as money: symbols and codes before it, those or names after it."""

    before: tuple[str, ...]
    after: tuple[str, ...]


def marks_of(currency: Currency) -> Marks:
    """Return the marks of ``currency`` plus every known currency symbol."""
    symbols = {s.lower() for c in _all_currencies() for s in c.symbols}
    symbols |= {currency.code.lower(), *(s.lower() for s in currency.symbols)}
    before = tuple(sorted(symbols, key=len, reverse=True))
    after = tuple(sorted({*symbols, *(n.lower() for n in currency.names)}, key=len, reverse=True))
    return Marks(before, after)


def _all_currencies() -> list[Currency]:
    table = default_currencies()
    return [table.get(code) for code in table.codes]


def _raw_mentions(text: str, marks: Marks) -> Iterator[Mention]:
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    for m in _NUMBER.finditer(text):
        start, end = m.span()
        if start > 0 and (text[start - 1].isalpha() and text[start - 1].isascii()):
            continue  # part of a name such as "S3" or "v2"
        if m.group("ko"):
            value = korean_number(m.group(0))
            multiplier = 10_000
            cut = _TRAILING_DIGITS.search(m.group(0))
            if value is None and cut is not None:
                # "1억 2년" is 1억 and then something else, not an unreadable amount.
                value = korean_number(m.group(0)[: cut.start()])
                end = start + cut.start()
        else:
            value = _plain_number(m.group("num"))
            mult = (m.group("mult") or "").lower()
            multiplier = _ENGLISH_MULT.get(mult, 1)
            if value is not None:
                value *= multiplier
        if value is None:
            continue
        percent = _PERCENT_AFTER.match(text, end)
        if percent is not None:
            taken.append((start, percent.end()))
            yield Mention(value, start, percent.end(), percent=True)
            continue
        marked = bool(m.group("ko")) or multiplier > 1 or _currency_marked(text, start, end, marks)
        taken.append((start, end))
        yield Mention(value, start, end, marked=marked, multiplier=multiplier)
    for m in _KO_WORDS.finditer(text):
        start, end = m.span()
        if not free(start, end) or not any(ch in "만억" for ch in m.group(0)):
            continue
        after = text[end : end + 6].lstrip()
        if not after.startswith(("원", "달러", "유로", "엔", "만원")):
            continue
        value = korean_number(m.group(0))
        if value is not None:
            taken.append((start, end))
            yield Mention(value, start, end, marked=True, multiplier=10_000)
    for m in _WORD_NUMBER.finditer(text):
        start, end = m.span()
        phrase = m.group(0).rstrip(" -")
        end = start + len(phrase)
        # Trailing "and"/"a" belong to the sentence, not to the number.
        while True:
            cut = re.search(r"[\s-]+(?:and|a|point)$", phrase, re.IGNORECASE)
            if cut is None:
                break
            phrase = phrase[: cut.start()]
            end = start + len(phrase)
        lead = re.match(r"(?:(?:and|point)[\s-]+)+", phrase, re.IGNORECASE)
        if lead is not None:
            start += lead.end()
            phrase = phrase[lead.end() :]
        if not free(start, end):
            continue
        parsed = word_number(phrase)
        if parsed is None:
            continue
        value, scale = parsed
        tail = re.match(r"\s?(k)\b", text[end:], re.IGNORECASE)
        if tail is not None:
            value *= 1000
            scale = 1000
            end += tail.end()
        percent = _PERCENT_AFTER.match(text, end)
        if percent is not None:
            taken.append((start, percent.end()))
            yield Mention(value, start, percent.end(), percent=True)
            continue
        marked = scale > 1 or _currency_marked(text, start, end, marks)
        taken.append((start, end))
        yield Mention(value, start, end, marked=marked, multiplier=scale)


def _spread_ranges(text: str, found: list[Mention]) -> list[Mention]:
    """Give the first end of "130 to 150k" the multiplier said only after the second."""
    out = list(found)
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        if a.percent or b.percent or a.multiplier != 1 or b.multiplier == 1:
            continue
        if not _RANGE_LINK.match(text[a.end : b.start]):
            continue
        scaled = a.value * b.multiplier
        if b.value / 3 <= scaled <= b.value * 1.5:
            out[i] = Mention(scaled, a.start, a.end, True, False, b.multiplier)
    return out


def find_mentions(text: str, currency: Currency, reference: int) -> list[Mention]:
    """Return the amounts (in ``currency``) and percentages said in ``text``, in order.

    ``reference`` is the offer: a bare number becomes money when it is a plausible salary, or
    when a shorthand of the currency puts it between half and three times the reference.
    Four-digit years (1950-2099) said bare are not money.
    """
    raw = sorted(_raw_mentions(text, marks_of(currency)), key=lambda m: m.start)
    found: list[Mention] = []
    for m in _spread_ranges(text, raw):
        if m.percent:
            if 0 < m.value <= 300:
                found.append(m)
            continue
        if m.value <= 0:
            continue
        if currency.plausible(m.value):
            bare_year = not m.marked and 1950 <= m.value <= 2099 and m.value.is_integer()
            if not bare_year:
                found.append(m)
            continue
        scaled = _shorthand(m.value, currency, reference)
        if scaled is not None:
            found.append(Mention(scaled, m.start, m.end, m.marked, False, m.multiplier))
        elif m.marked:
            found.append(m)
    return found


def _shorthand(value: float, currency: Currency, reference: int) -> float | None:
    """Return ``value`` times the currency shorthand that puts it near ``reference``."""
    for factor in currency.shorthand:
        scaled = value * factor
        if SHORTHAND_LOW * reference <= scaled <= SHORTHAND_HIGH * reference:
            return scaled
    return None


def parse_amount(typed: str, currency: Currency) -> int | None:
    """Return the amount an option holds ("120k", "$120,000", "9천만 원"), or None.

    The whole value must be one amount (a currency mark may come with it); a bare number is
    taken as it is, so "120" stays 120 and the caller can say it is not a salary. Korean
    salary shorthand reads as it is meant ("1억 2천" is 1억 2천만; in won, "9천5백" is
    9,500만). Raise ``AmountError`` for Korean units that could mean two things ("1억 2")
    and for a mark of another currency ("$100k" typed for EUR).
    """
    text = typed.strip()
    if not text or len(text) > 40:
        return None
    _refuse_other_currency(text, currency)
    marks = marks_of(currency)
    bare = text
    for mark in marks.before:
        if bare.lower().startswith(mark):
            bare = bare[len(mark) :].strip()
            break
    for mark in marks.after:
        if bare.lower().endswith(mark) and len(bare) > len(mark):
            bare = bare[: -len(mark)].strip()
            break
    if not bare:
        return None
    if re.fullmatch(r"[\d,.\s일이삼사오육칠팔구십백천만억조]+", bare) and re.search(
        r"[십백천만억조]", bare
    ):
        value = korean_amount(bare)
        if value and not re.search(r"[만억조]", bare) and currency.ko_format == "manwon":
            value *= _BIG_UNITS["만"]  # "9천5백" in won talk is 9천5백만
        return round(value) if value else None
    mentions = [m for m in _raw_mentions(bare, marks) if not m.percent]
    if len(mentions) != 1:
        return None
    m = mentions[0]
    leftover = (bare[: m.start] + bare[m.end :]).strip(" .")
    if leftover:
        return None
    value = round(m.value)
    return value if value > 0 else None


def _refuse_other_currency(text: str, currency: Currency) -> None:
    """Raise ``AmountError`` when ``text`` carries another currency's symbol, code or name."""
    own = {currency.code.lower(), *(s.lower() for s in currency.symbols)}
    own |= {n.lower() for n in currency.names}
    lowered = text.lower()
    marks = sorted(
        ((mark.lower(), c) for c in _all_currencies() for mark in (c.code, *c.symbols, *c.names)),
        key=lambda pair: len(pair[0]),
        reverse=True,
    )
    for mark, owner in marks:
        if owner.code == currency.code:
            continue
        at_start = lowered.startswith(mark)
        at_end = lowered.endswith(mark) and len(lowered) > len(mark)
        if not (at_start or at_end):
            continue
        if any(mark in o or o.endswith(mark) for o in own if len(o) > len(mark)):
            continue  # "ca$" is this currency's own mark, not "$"
        if at_end and mark.isascii() and mark[:1].isalpha():
            before = lowered[-len(mark) - 1 : -len(mark)]
            if before.isascii() and before.isalpha():
                continue  # the end of a longer word, not a currency name
        if mark == "$" and any(s.endswith("$") for s in currency.symbols):
            return  # a Canadian or an Australian writing "$" means their own dollar
        raise AmountError(OTHER_CURRENCY, text, owner.code)
