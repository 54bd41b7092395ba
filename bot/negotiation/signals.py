"""What a candidate's message does: the numbers it asks for, and the moves it makes.

The phrase lists are data (``prompts/negotiation/signals.<language>.yaml``). Every cue keeps
the span it matched, so the debrief can quote the candidate's own words as evidence.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any, Final

import yaml

from bot.catalog import Language
from bot.negotiation.money import DEFAULT_ROOT, Currency, Mention, find_mentions

log = logging.getLogger(__name__)

# A candidate's number counts as an ask between these multiples of the offer on the table.
ASK_LOW: Final = 0.5
ASK_HIGH: Final = 5.0
_NEGATION_WINDOW: Final = 14
# Korean: how far past a stem its negation may come ("수락할 수 없습니다", "동의하지는 않습니다").
_KO_NEGATION_AFTER: Final = 12
_KO_CLAUSE_END = re.compile(r"[.!?,;\n。…]")
# Korean chat drops spaces and adds commas: a space in a phrase matches any of these or none.
_KO_GAP: Final = r"[\s,.!~]*"
# A Korean yes or no starts a word (eojeol), or follows an object particle typed without a
# space ("제안을수락하겠습니다"); its verb ending may follow ("받아들이겠" + "습니다").
_KO_WORD_START: Final = r"(?:(?<!\w)|(?<=[을를]))"
_SENTENCE_END = re.compile(r"(?<=[.!?。…])\s+|\n+|(?<=[다요죠까])\.\s*")
_RANGE_LINK = re.compile(r"^\s*(?:-|–|—|~|to|and|or|에서|부터)\s*$", re.IGNORECASE)


class Cue(enum.StrEnum):
    """A move a message makes (the keys of the phrase files)."""

    ACCEPT = "accept"
    DECLINE = "decline"
    ASK = "ask"
    ASK_INTENT = "ask_intent"
    IMPACT = "reason_impact"
    MARKET = "reason_market"
    ALTERNATIVE = "reason_alternative"
    SCOPE = "reason_scope"
    BECAUSE = "because"
    TRADE = "trade"
    LEVERS = "levers"
    EXTRACT = "extract"
    INSULT = "insult"
    HEATED = "heated"
    COURTESY = "courtesy"


REASONS: Final = (Cue.IMPACT, Cue.MARKET, Cue.ALTERNATIVE, Cue.SCOPE)


class SignalError(ValueError):
    """A phrase file is missing or malformed."""


@dataclass(frozen=True, slots=True)
class Phrases:
    """One language's phrase lists."""

    language: Language
    cues: Mapping[Cue, tuple[str, ...]]
    negation: tuple[str, ...]
    but: tuple[str, ...]
    # A whole word just before a phrase that turns it around (Korean "못 받아들이겠습니다").
    negating_words: tuple[str, ...] = ()
    # Longer words a phrase may sit inside without meaning its cue ("인상적" is not "인상").
    ignore: tuple[str, ...] = ()

    @classmethod
    def load(cls, language: Language, root: Path = DEFAULT_ROOT) -> Phrases:
        """Read ``signals.<language>.yaml`` under ``root``."""
        path = root / f"signals.{language.value}.yaml"
        try:
            raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
            cues = {cue: tuple(str(p).lower() for p in raw[cue.value]) for cue in Cue}
            negation = tuple(str(p).lower() for p in raw["negation"])
            but = tuple(str(p).lower() for p in raw["but"])
            negating = tuple(str(p).lower() for p in raw.get("negating_words") or ())
            ignore = tuple(str(p).lower() for p in raw.get("ignore") or ())
        except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
            raise SignalError(f"{path}: {exc}") from exc
        empty = [cue.value for cue, phrases in cues.items() if not phrases]
        if empty:
            raise SignalError(f"{path}: no phrases for {empty}")
        return cls(language, cues, negation, but, negating, ignore)


@cache
def default_phrases(language: Language) -> Phrases:
    """Return the phrase lists shipped in ``prompts/negotiation``."""
    return Phrases.load(language)


@dataclass(frozen=True, slots=True)
class Hit:
    """One cue found in a message, with the span it matched."""

    cue: Cue
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Reading:
    """What one candidate message says and does."""

    text: str
    hits: tuple[Hit, ...] = ()
    # The amount asked for (None: no number asked), where it was said, and whether it came
    # as a range (the low end is what a recruiter hears).
    ask: int | None = None
    ask_span: tuple[int, int] | None = None
    ranged: bool = False
    # Amounts said that are not an ask (a current salary, another offer below this one).
    other_amounts: tuple[int, ...] = field(default=())

    def has(self, cue: Cue) -> bool:
        """Tell whether the message makes this move."""
        return any(h.cue is cue for h in self.hits)

    def first(self, *cues: Cue) -> Hit | None:
        """Return the earliest hit of any of ``cues``."""
        found = [h for h in self.hits if h.cue in cues]
        return min(found, key=lambda h: h.start) if found else None

    @property
    def reasons(self) -> frozenset[Cue]:
        """Return the kinds of reason the message gives."""
        return frozenset(h.cue for h in self.hits if h.cue in REASONS)

    @property
    def accepts(self) -> bool:
        """Tell whether the message says yes, and nothing else that would undo it."""
        return self.has(Cue.ACCEPT) and self.ask is None and not self.has(Cue.DECLINE)

    @property
    def vague_ask(self) -> bool:
        """Tell whether the message asks for more without saying how much."""
        return self.ask is None and self.has(Cue.ASK) and not self.accepts

    @property
    def hostile(self) -> bool:
        """Tell whether the message insults the recruiter."""
        return self.has(Cue.INSULT)


def _phrase_spans(
    text: str, phrase: str, language: Language, whole: bool = False
) -> list[tuple[int, int]]:
    """Return where a phrase occurs: at a word start (Korean: anywhere); ``^`` anchors it to
    the start of the message; ``whole`` also wants a word end ("i'm in" is not "i'm into").

    Korean is agglutinative, so ``whole`` there means the phrase starts a word and its verb
    ending may follow ("받아들이겠" matches "받아들이겠습니다" but not "안받아들이겠..."); a
    space in a Korean phrase may be typed as a comma, other punctuation or nothing.
    """
    anchored = phrase.startswith("^")
    phrase = phrase.removeprefix("^")
    if language is Language.KO:
        pattern = _KO_GAP.join(re.escape(part) for part in phrase.split())
        if whole:
            pattern = _KO_WORD_START + pattern
    elif not phrase[:1].isalnum():
        pattern = re.escape(phrase)
    else:
        pattern = r"(?<![\w'])" + re.escape(phrase)
    if whole and language is not Language.KO and phrase[-1:].isalnum():
        pattern += r"(?![\w'])"
    if anchored:
        pattern = r"^\W*" + f"({pattern})"
        return [m.span(1) for m in re.finditer(pattern, text, re.IGNORECASE)]
    return [m.span() for m in re.finditer(pattern, text, re.IGNORECASE)]


def _negated(text: str, start: int, end: int, phrases: Phrases) -> bool:
    """Tell whether the words around a phrase turn it into its opposite."""
    if phrases.negating_words:
        before_word = re.search(r"(\S+)\s+$", text[:start])
        if before_word is not None and before_word.group(1).lower() in phrases.negating_words:
            return True
    if phrases.language is Language.KO:
        # Korean negates after the stem, within the clause: "-지 않다", "-ㄹ 수 없다".
        after = text[end : end + _KO_NEGATION_AFTER]
        cut = _KO_CLAUSE_END.search(after)
        clause = re.sub(r"\s+", "", after[: cut.start()] if cut else after)
        return any(re.sub(r"\s+", "", n) in clause for n in phrases.negation)
    before = text[max(0, start - _NEGATION_WINDOW) : start].lower()
    return any(n in before for n in phrases.negation)


def _ignored_spans(text: str, phrases: Phrases) -> list[tuple[int, int]]:
    lowered = text.lower()
    spans: list[tuple[int, int]] = []
    for word in phrases.ignore:
        spans += [(m.start(), m.end()) for m in re.finditer(re.escape(word), lowered)]
    return spans


def find_hits(text: str, phrases: Phrases) -> list[Hit]:
    """Return every cue in ``text`` (the longest phrase wins where two overlap)."""
    hits: list[Hit] = []
    ignored = _ignored_spans(text, phrases)
    for cue, words in phrases.cues.items():
        spans: list[tuple[int, int]] = []
        for phrase in sorted(words, key=len, reverse=True):
            whole = cue in (Cue.ACCEPT, Cue.DECLINE)
            for start, end in _phrase_spans(text, phrase, phrases.language, whole):
                if any(s <= start < e or s < end <= e for s, e in spans):
                    continue
                if any(s <= start and end <= e for s, e in ignored):
                    continue
                negatable = (Cue.ACCEPT, Cue.DECLINE, Cue.COURTESY)
                if cue in negatable and _negated(text, start, end, phrases):
                    continue
                if cue is Cue.ASK and text[end : end + 5].lower() == " than":
                    continue  # "more than ten people" asks for nothing
                spans.append((start, end))
        hits.extend(Hit(cue, s, e) for s, e in spans)
    hits.sort(key=lambda h: (h.start, h.cue.value))
    if any(h.cue is Cue.ACCEPT for h in hits):
        # "Sounds good, but..." goes on past its yes.
        first_yes = min(h.start for h in hits if h.cue is Cue.ACCEPT)
        tail = text[first_yes:].lower()
        if any(_word_in(tail, b, phrases.language) for b in phrases.but):
            hits = [h for h in hits if h.cue is not Cue.ACCEPT]
    return hits


def _word_in(text: str, word: str, language: Language) -> bool:
    if language is Language.KO:
        return word in text
    return re.search(r"(?<![\w'])" + re.escape(word) + r"(?!\w)", text) is not None


def read_message(
    text: str, language: Language, currency: Currency, on_table: int, phrases: Phrases | None = None
) -> Reading:
    """Return what a candidate's message asks for and does, given the offer on the table."""
    phrases = phrases or default_phrases(language)
    hits = find_hits(text, phrases)
    mentions = find_mentions(text, currency, on_table)
    ask, span, ranged, others = _ask(text, hits, mentions, on_table)
    return Reading(text, tuple(hits), ask, span, ranged, tuple(others))


def _ask(
    text: str, hits: Sequence[Hit], mentions: Sequence[Mention], on_table: int
) -> tuple[int | None, tuple[int, int] | None, bool, list[int]]:
    """Return the amount asked for, its span, whether it was a range, and other amounts."""
    intent = any(h.cue in (Cue.ASK_INTENT, Cue.ASK) for h in hits)
    amounts = [
        m
        for m in mentions
        if not m.percent and ASK_LOW * on_table <= m.value <= ASK_HIGH * on_table
    ]
    percents = [m for m in mentions if m.percent and m.value <= 100]
    alternative = [h for h in hits if h.cue is Cue.ALTERNATIVE]
    others: list[int] = []
    candidates: list[Mention] = []
    for m in amounts:
        # "I currently make 100k" or "another offer at 110k" is information, not an ask,
        # when it is below what is on the table.
        said_as_alternative = any(
            h.end <= m.start and _same_sentence(text, h.end, m.start) for h in alternative
        )
        if m.value < on_table and (said_as_alternative or not intent):
            others.append(m.amount)
            continue
        candidates.append(m)
    if candidates:
        for a, b in pairwise(candidates):
            if _RANGE_LINK.match(text[a.end : b.start]):
                low = min(a, b, key=lambda m: m.value)
                return low.amount, (a.start, b.end), True, others
        chosen = max(candidates, key=lambda m: m.value)
        return chosen.amount, (chosen.start, chosen.end), False, others
    if percents and intent:
        p = percents[0]
        return round(on_table * (1 + p.value / 100)), (p.start, p.end), False, others
    return None, None, False, others


def _same_sentence(text: str, start: int, end: int) -> bool:
    return _SENTENCE_END.search(text[start:end]) is None


def sentence_around(text: str, start: int, end: int, limit: int = 200) -> str:
    """Return the sentence of ``text`` holding ``[start, end)``, an exact slice of ``text``.

    A sentence longer than ``limit`` is cut to a window around the span (still a slice).
    """
    left = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        left = m.end()
    right_match = _SENTENCE_END.search(text, end)
    right = right_match.start() if right_match else len(text)
    if right - left > limit:
        middle = (start + end) // 2
        left = max(left, min(start, middle - limit // 2))
        right = min(right, max(end, left + limit))
    while left < right and text[left].isspace():
        left += 1
    while right > left and text[right - 1].isspace():
        right -= 1
    return text[left:right]
