"""What an answer shows, counted once: substance, specifics, reasons, ownership, structure.

Every count comes from the answer's own words (a lexicon phrase, a number, a named thing) and
keeps the span of its first occurrence, so any praise or criticism built on it can quote it.
Sentences said twice count once: pasting a paragraph ten times adds nothing.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from bot.coaching.lexicon import MARKERS
from bot.coaching.matcher import Match
from bot.coaching.text import Sentence, Token

log = logging.getLogger(__name__)

# The categories counted from the lexicon: every marker list in prompts/rubric/*.yaml except
# the ones other code reads as building blocks (numbers and units, UMPIRE steps, negation).
_BUILDING_BLOCKS: Final = frozenset({"metric_words", "metric_units", "negation"})
COUNTED: Final = tuple(
    m for m in MARKERS if m not in _BUILDING_BLOCKS and not m.startswith("umpire_")
)

_IRREGULAR_PAST: Final = frozenset(
    {
        "ate", "became", "began", "blew", "bought", "broke", "brought", "built", "came",
        "caught", "chose", "cut", "dealt", "did", "drew", "drove", "fell", "felt", "flew",
        "forgot", "fought", "found", "froze", "gave", "got", "grew", "heard", "held", "hid",
        "hit", "hung", "kept", "knew", "laid", "learnt", "led", "left", "lent", "let", "lit",
        "lost", "made", "meant", "met", "overcame", "oversaw", "paid", "put", "ran", "rang",
        "read", "rebuilt", "rewrote", "rode", "rose", "said", "sat", "saw", "sent", "set",
        "shipped", "shook", "shot", "shut", "slid", "sold", "sought", "sped", "spent", "split",
        "spoke", "spun", "stood", "struck", "stuck", "swept", "swore", "taught", "thought",
        "threw", "told", "took", "tore", "understood", "undertook", "upheld", "went",
        "withdrew", "woke", "won", "wore", "wrote",
    }
)  # fmt: skip
# Verbs of state or thought: "I was", "I thought" tell no action.
_NOT_ACTIONS: Final = frozenset(
    {
        "was", "had", "thought", "felt", "knew", "believed", "wanted", "hoped", "wished",
        "liked", "loved", "hated", "needed", "seemed", "guessed", "assumed", "supposed",
        "wondered", "realized", "realised", "learned", "learnt", "remembered", "forgot",
        "noticed", "used", "tried", "heard", "saw", "meant", "did", "got", "went",
    }
)  # fmt: skip
_ADVERBS: Final = frozenset(
    {
        "then", "also", "quickly", "personally", "immediately", "first", "finally", "next",
        "eventually", "later", "instead", "just", "actually", "carefully", "still", "even",
        "directly", "initially", "soon", "really", "only", "basically", "myself",
    }
)  # fmt: skip
_I_FORMS: Final = frozenset({"i"})
# A new subject ends the list of the candidate's verbs ("it" and "that" are often objects).
_SUBJECTS: Final = frozenset({"we", "they", "he", "she", "you", "everyone", "nobody"})
_KO_PAST: Final = re.compile(r"(했|었|았|였|렸|켰|냈|웠|쳤|뤘|봤|줬|섰|졌|왔|갔|됐)")
_KO_WE: Final = ("저희", "우리")
_ACRONYM: Final = re.compile(r"^[A-Z][A-Z0-9]{1,9}s?$")
_MIXED: Final = re.compile(r"^[A-Za-z]*[a-z][A-Z][A-Za-z0-9]*$")
_SENTENCE_STARTERS: Final = frozenset({"i", "i'm", "i've", "i'd", "i'll"})
# Evidence that a negation right next to it turns around: "without testing" shows no testing.
NEGATABLE: Final = frozenset(
    {
        "testing", "edge_cases", "clarify", "assumptions", "mentoring", "stakeholders",
        "reflection", "examples", "reasoning", "complexity", "failure_modes", "data_model",
    }
)  # fmt: skip
# How many words a negation reaches: before the evidence in English, after it in Korean.
NEGATION_REACH: Final = 8
_CLAUSE_WORDS: Final = frozenset({"but", "so", "then", "because", "although", "though", "하지만"})


@dataclass(frozen=True, slots=True)
class Signals:
    """Counts of what the answer shows, and where each kind of thing first shows."""

    words: int
    distinct: int
    sentences: int
    unique_sentences: int
    counts: Mapping[str, int]
    first: Mapping[str, tuple[int, int]]
    numbers: int
    named: int
    actions: int
    past: int
    questions: int
    topic_terms: int
    average_sentence: float
    first_named: tuple[int, int] | None = None

    def count(self, category: str) -> int:
        """Return how often a category occurs (repeated sentences excluded)."""
        return self.counts.get(category, 0)

    def has(self, category: str) -> bool:
        """Tell whether a category occurs at all."""
        return self.counts.get(category, 0) > 0

    def per_100(self, *categories: str) -> float:
        """Return occurrences of the categories per 100 words."""
        total = sum(self.count(c) for c in categories)
        return 100.0 * total / max(1, self.words)


def saturate(value: float, half: float) -> float:
    """Return 0..1: half way at ``half``, three quarters at twice ``half``; never quite 1."""
    if value <= 0 or half <= 0:
        return 0.0
    return 1.0 - math.pow(0.5, value / half)


def repeated_sentences(tokens: list[Token], sentences: list[Sentence]) -> set[int]:
    """Return the indices of tokens in sentences already said earlier in the answer."""
    seen: set[tuple[str, ...]] = set()
    masked: set[int] = set()
    for sentence in sentences:
        key = tuple(tokens[i].stem for i in range(sentence.first, sentence.last))
        if len(key) >= 3 and key in seen:
            masked.update(range(sentence.first, sentence.last))
        seen.add(key)
    return masked


def negated_tokens(
    text: str, tokens: list[Token], negations: Iterable[Match], korean: bool
) -> set[int]:
    """Return the indices of tokens a negation cue reaches, within the same sentence."""
    reached: set[int] = set()
    for cue in negations:
        sentence = tokens[cue.first].sentence
        if korean:
            # "테스트 없이": the negation follows what it negates.
            span = range(cue.first - 1, max(-1, cue.first - 1 - NEGATION_REACH), -1)
        else:
            span = range(cue.last, min(len(tokens), cue.last + NEGATION_REACH))
        previous = cue.first if korean else cue.last - 1
        for i in span:
            between = text[
                min(tokens[i].end, tokens[previous].end) : max(
                    tokens[i].start, tokens[previous].start
                )
            ]
            # A negation reaches to the end of its clause, not past a comma or a "but".
            if (
                tokens[i].sentence != sentence
                or any(ch in between for ch in ",;:")
                or (tokens[i].norm in _CLAUSE_WORDS)
            ):
                break
            reached.add(i)
            previous = i
    return reached


def measure(
    text: str,
    tokens: list[Token],
    sentences: list[Sentence],
    matches: Mapping[str, list[Match]],
    stopwords: frozenset[str],
    numbers: Iterable[tuple[int, int, int]],
    topic_matches: Mapping[str, list[Match]],
    korean: bool,
) -> Signals:
    """Count everything the grader looks at in one pass over the answer."""
    masked = repeated_sentences(tokens, sentences)
    negated = negated_tokens(text, tokens, matches.get("negation", ()), korean)
    counts: dict[str, int] = {}
    first: dict[str, tuple[int, int]] = {}
    for category in COUNTED:
        kept = [
            m
            for m in matches.get(category, ())
            if m.first not in masked and not (category in NEGATABLE and m.first in negated)
        ]
        counts[category] = len(kept)
        if kept:
            first[category] = (kept[0].start, kept[0].end)
    shortest = 2 if korean else 3
    distinct = {
        t.stem
        for i, t in enumerate(tokens)
        if i not in masked and len(t.stem) >= shortest and t.stem not in stopwords
    }
    number_spans = [n for n in numbers]
    unique_numbers = {text[s:e].casefold() for s, e, _ in number_spans}
    named, first_named = _named_things(text, tokens, masked, korean)
    actions = (
        _korean_actions(text, sentences, tokens, masked)
        if korean
        else _actions(text, tokens, masked)
    )
    past = _past_tense(tokens, masked, korean)
    questions = sum(
        1
        for s in sentences
        if s.first not in masked and text[s.end : s.end + 2].lstrip().startswith("?")
    )
    unique = [s for s in sentences if s.first not in masked]
    terms = {
        text[m.start : m.end].casefold()
        for found in topic_matches.values()
        for m in found
        if m.first not in masked
    }
    kept_words = len(tokens) - len(masked)
    return Signals(
        words=len(tokens),
        distinct=len(distinct),
        sentences=len(sentences),
        unique_sentences=len(unique),
        counts=counts,
        first=first,
        numbers=len(unique_numbers),
        named=len(named),
        actions=actions,
        past=past,
        questions=questions,
        topic_terms=len(terms),
        average_sentence=kept_words / max(1, len(unique)),
        first_named=first_named,
    )


def _named_things(
    text: str, tokens: list[Token], masked: set[int], korean: bool
) -> tuple[set[str], tuple[int, int] | None]:
    """Return distinct named things (acronyms, CamelCase, names mid-sentence) and the first."""
    found: set[str] = set()
    first: tuple[int, int] | None = None
    previous_sentence = -1
    for i, token in enumerate(tokens):
        raw = text[token.start : token.end]
        starts_sentence = token.sentence != previous_sentence
        previous_sentence = token.sentence
        if i in masked or token.norm in _SENTENCE_STARTERS:
            continue
        if korean:
            # Latin words inside Korean text are names of tools, products or standards.
            named = raw.isascii() and any(ch.isalpha() for ch in raw) and len(raw) >= 2
        else:
            named = bool(_ACRONYM.match(raw) or _MIXED.match(raw)) or (
                raw[:1].isupper() and not starts_sentence and len(raw) >= 3
            )
        if named:
            found.add(token.norm)
            if first is None:
                first = (token.start, token.end)
    return found, first


def _is_past_action(word: str) -> bool:
    """Tell whether a word is a past-tense verb of doing (not of being or thinking)."""
    return word not in _NOT_ACTIONS and (
        word in _IRREGULAR_PAST or (word.endswith("ed") and len(word) > 4)
    )


def _actions(text: str, tokens: list[Token], masked: set[int]) -> int:
    """Return the actions with "I" as their subject, verbs listed after one "I" included.

    "I set up a meeting, invited both of them and wrote a summary" is three actions.
    """
    count = 0
    i = 0
    while i < len(tokens):
        if i in masked or tokens[i].norm not in _I_FORMS:
            i += 1
            continue
        j = i + 1
        while j < min(i + 4, len(tokens)) and tokens[j].norm in _ADVERBS:
            j += 1
        if j >= len(tokens) or not _is_past_action(tokens[j].norm):
            i += 1
            continue
        count += 1
        # Further verbs of the same "I", joined by a comma or "and", until a new subject.
        k = j + 1
        while k < len(tokens) and tokens[k].sentence == tokens[i].sentence:
            word = tokens[k].norm
            if word in _SUBJECTS:
                break
            joined = text[tokens[k - 1].end : tokens[k].start]
            if _is_past_action(word) and (
                "," in joined or tokens[k - 1].norm in {"and", "then", "also"}
            ):
                count += 1
            k += 1
        i = k
    return count


def _korean_actions(
    text: str, sentences: list[Sentence], tokens: list[Token], masked: set[int]
) -> int:
    """Return the sentences told in the past tense without a "we" subject (Korean)."""
    count = 0
    for sentence in sentences:
        if sentence.first in masked:
            continue
        words = [tokens[i].norm for i in range(sentence.first, sentence.last)]
        if any(w.startswith(_KO_WE) for w in words):
            continue
        if any(_KO_PAST.search(w) for w in words):
            count += 1
    return count


def _past_tense(tokens: list[Token], masked: set[int], korean: bool) -> int:
    """Return how many verbs are in the past tense: the sign of a story that happened."""
    if korean:
        return sum(1 for i, t in enumerate(tokens) if i not in masked and _KO_PAST.search(t.norm))
    return sum(
        1
        for i, t in enumerate(tokens)
        if i not in masked
        and (
            t.norm in _IRREGULAR_PAST
            or t.norm in {"was", "were", "had", "did"}
            or (t.norm.endswith("ed") and len(t.norm) > 4)
        )
    )
