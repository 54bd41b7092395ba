"""Everything a rule needs about one answer, computed once per evaluation."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from bot.catalog import Kind, Level, Question
from bot.coaching.answer import Answer
from bot.coaching.delivery import filler_spans
from bot.coaching.lexicon import Lexicon
from bot.coaching.matcher import Match, MatchMode, PhraseMatcher
from bot.coaching.models import Dimension, Evidence, Finding, Severity
from bot.coaching.signals import Signals, measure
from bot.coaching.text import (
    Sentence,
    Token,
    complexity_spans,
    identity,
    is_year,
    sentences,
    stem_en,
    tokenize,
    widen_number,
)
from bot.coaching.timing import WordAligner
from bot.coaching.topics import Form, TopicJudgement, Verdict

log = logging.getLogger(__name__)

_FILLERS = "fillers"


def _inside(token: Token, spans: list[tuple[int, int]]) -> bool:
    """Tell whether a token lies within one of the spans."""
    return any(start <= token.start and token.end <= end for start, end in spans)


class _SafeFormat(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(template: str, **params: Any) -> str:
    """Fill ``{name}`` placeholders, leaving unknown ones visible rather than failing."""
    return template.format_map(_SafeFormat(params))


class CompiledLexicon:
    """A lexicon with its phrase matchers built, shared by every evaluation."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.stemmed = lexicon.matching is MatchMode.STEM
        self.stem = stem_en if self.stemmed else identity
        markers = {k: v for k, v in lexicon.markers.items() if k != _FILLERS}
        fillers = {_FILLERS: lexicon.markers[_FILLERS]}
        self.fillers = PhraseMatcher(fillers, lexicon.matching, self.stem)
        self.matcher = PhraseMatcher(markers, lexicon.matching, self.stem)
        self.stopwords = frozenset(self.stem(w.casefold()) for w in lexicon.stopwords)
        # Longest first, so "에서" is stripped before "서".
        self.suffixes = tuple(sorted(lexicon.suffixes, key=len, reverse=True))


_CLAUSE_STOPS = ".!?;,\n。、，"
# A clause of fewer words reads as a fragment; one of more is cut around the praised words.
_CLAUSE_MIN_WORDS = 3
_CLAUSE_MAX_WORDS = 16
_CLAUSE_SIDE_WORDS = 6


def _bounds(text: str, start: int, end: int, stops: str) -> tuple[int, int]:
    left = max((text.rfind(ch, 0, start) for ch in stops), default=-1) + 1
    found = [i for i in (text.find(ch, end) for ch in stops) if i >= 0]
    right = min(found) if found else len(text)
    # A decimal point or thousands comma inside a figure ("1.5", "9,000") ends no clause.
    while (
        0 < left < start and text[left - 2 : left - 1].isdigit() and text[left : left + 1].isdigit()
    ):
        left = max((text.rfind(ch, 0, left - 1) for ch in stops), default=-1) + 1
    while (
        right < len(text)
        and right > 0
        and text[right - 1].isdigit()
        and text[right + 1 : right + 2].isdigit()
    ):
        nxt = [i for i in (text.find(ch, right + 1) for ch in stops) if i >= 0]
        right = min(nxt) if nxt else len(text)
    return left, right


def clause_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a span to the clause it stands in, trimmed to a readable length."""
    left, right = _bounds(text, start, end, _CLAUSE_STOPS)
    if len(text[left:right].split()) < _CLAUSE_MIN_WORDS:
        # "p95 latency fell 40%" after a comma is whole; "40%" alone is not: take the sentence.
        left, right = _bounds(text, start, end, ".!?\n。")
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text[left:right])]
    if len(words) > _CLAUSE_MAX_WORDS:
        inside = [i for i, (a, b) in enumerate(words) if left + b > start and left + a < end]
        first = max(0, (inside[0] if inside else 0) - _CLAUSE_SIDE_WORDS)
        last = min(len(words), (inside[-1] if inside else 0) + 1 + _CLAUSE_SIDE_WORDS)
        left, right = left + words[first][0], left + words[last - 1][1]
    while left < right and not text[left].isalnum() and text[left] not in "$₩€£":
        left += 1
    while right > left and not text[right - 1].isalnum() and text[right - 1] not in "%)":
        right -= 1
    return (left, right) if left < right else (start, end)


def _is_label(word: str) -> bool:
    """Tell whether a word is a name with digits in it ("p95", "s3", "ec2"), not a figure."""
    # Figures lead with the digits ("40ms", "3x", "5년"); names lead with a latin letter.
    return word[:1].isascii() and word[:1].isalpha() and any(ch.isdigit() for ch in word)


@dataclass
class Context:
    """One answer, tokenised and scanned, plus the question it answers."""

    answer: Answer
    question: Question
    level: Level
    compiled: CompiledLexicon
    text: str
    tokens: list[Token]
    sentences: list[Sentence]
    matches: Mapping[str, list[Match]]
    fillers: int
    aligner: WordAligner | None = field(default=None)
    # Set by the rubric once the question's subject has been compared with the answer.
    topic: TopicJudgement = field(default_factory=lambda: TopicJudgement(Verdict.ON_TOPIC, (), ()))
    topic_matches: Mapping[str, list[Match]] = field(default_factory=dict)
    # The lexicon whose text the candidate reads (the session's language), when the answer
    # was given in another language and is analysed with that language's markers.
    text_lexicon: Lexicon | None = None

    @classmethod
    def build(
        cls, answer: Answer, question: Question, level: Level, compiled: CompiledLexicon
    ) -> Context:
        """Tokenise the answer, drop fillers and scan every marker category once."""
        text = answer.text
        raw = tokenize(text, compiled.stemmed)
        # Fillers are speech-recognition noise: removing them keeps them out of every rule.
        # For grading, removing too many is harmless ("I'd like to" loses a "like") while
        # keeping one could read as a hedge, so the lexicon's list is applied everywhere and
        # the delivery module's context rules add the spellings it knows ("hmmm", "Er,").
        spans = filler_spans(text, compiled.lexicon.language.value)
        drop = {i for i, t in enumerate(raw) if _inside(t, spans)}
        for hit in compiled.fillers.scan(raw).get(_FILLERS, []):
            drop.update(range(hit.first, hit.last))
        tokens = [t for i, t in enumerate(raw) if i not in drop] if drop else raw
        aligner = WordAligner(text, answer.words) if answer.words else None
        return cls(
            answer=answer,
            question=question,
            level=level,
            compiled=compiled,
            text=text,
            tokens=tokens,
            sentences=sentences(tokens),
            matches=compiled.matcher.scan(tokens),
            fillers=len(drop),
            aligner=aligner,
        )

    @property
    def lexicon(self) -> Lexicon:
        """Return the language data the answer is analysed with."""
        return self.compiled.lexicon

    @property
    def korean(self) -> bool:
        """Tell whether the answer is analysed as Korean (words counted by spaces)."""
        return not self.compiled.stemmed

    @cached_property
    def signals(self) -> Signals:
        """Return everything the grader counts in this answer."""
        return measure(
            self.text,
            self.tokens,
            self.sentences,
            self.matches,
            self.compiled.stopwords,
            self.numbers,
            self.topic_matches,
            self.korean,
        )

    @property
    def form(self) -> Form:
        """Return what a behavioral question asks for: the candidate, a story, an approach."""
        return self.topic.form

    @property
    def kind(self) -> Kind:
        """Return the question's kind."""
        return self.question.kind

    @property
    def word_count(self) -> int:
        """Return the number of words, fillers excluded."""
        return len(self.tokens)

    def found(self, category: str) -> list[Match]:
        """Return the matches of one marker category."""
        return list(self.matches.get(category, ()))

    @cached_property
    def complexity(self) -> list[tuple[int, int]]:
        """Return big-O expressions plus complexity phrases, in text order."""
        spans = complexity_spans(self.text)
        spans += [(m.start, m.end) for m in self.found("complexity")]
        return sorted(spans)

    @cached_property
    def numbers(self) -> list[tuple[int, int, int]]:
        """Return (start, end, sentence) of every measurement, digits first, in text order.

        A measurement is a run of number words and units ("two million customers",
        "40 %", "$3k"); a bare year such as 2019 is not one.
        """
        numeric: set[int] = set()
        units: set[int] = set()
        for m in self.found("metric_words"):
            numeric.update(range(m.first, m.last))
        for m in self.found("metric_units"):
            units.update(range(m.first, m.last))
        for i, token in enumerate(self.tokens):
            if token.has_digit and not (is_year(token) and i + 1 not in units):
                numeric.add(i)
        runs: list[tuple[int, int, int, int]] = []
        i = 0
        count = len(self.tokens)
        while i < count:
            if i not in numeric:
                i += 1
                continue
            first = i
            while i + 1 < count and (i + 1 in numeric or i + 1 in units):
                i += 1
            run = range(first, i + 1)
            digits = [self.tokens[k] for k in run if self.tokens[k].has_digit]
            start, end = widen_number(self.text, self.tokens[first].start, self.tokens[i].end)
            widened = (start, end) != (self.tokens[first].start, self.tokens[i].end)
            # A figure with a unit, percent or currency ("40%", "$3k", "two million users")
            # is a result; a name with a digit in it ("p95", "S3") only labels one.
            measured = widened or any(k in units for k in run)
            if not digits:
                rank = 2
            elif all(_is_label(t.norm) for t in digits) and not measured:
                rank = 3
            else:
                rank = 0 if measured else 1
            runs.append((rank, start, end, self.tokens[first].sentence))
            i += 1
        # Digits with a unit convince most, then bare digits, number words, digit-bearing names.
        runs.sort()
        return [(start, end, sentence) for _, start, end, sentence in runs]

    def evidence(self, start: int, end: int) -> Evidence:
        """Return evidence for a character span, with timings when the answer was spoken."""
        times = self.aligner.times(start, end) if self.aligner else None
        return Evidence(
            quote=self.text[start:end],
            start=start,
            end=end,
            start_ms=times[0] if times else None,
            end_ms=times[1] if times else None,
        )

    def clause_evidence(self, start: int, end: int) -> Evidence:
        """Return evidence for the clause around a span: a few words, never a lone one."""
        left, right = clause_span(self.text, start, end)
        return self.evidence(left, right)

    def evidence_of(self, match: Match) -> Evidence:
        """Return evidence for a phrase match."""
        return self.evidence(match.start, match.end)

    def evidence_of_tokens(self, first: int, last: int, cap: int | None = None) -> Evidence:
        """Return evidence for tokens [first, last), cut to at most ``cap`` tokens."""
        if cap is not None:
            last = min(last, first + cap)
        return self.evidence(self.tokens[first].start, self.tokens[last - 1].end)

    def finding(
        self,
        rule_id: str,
        dimension: Dimension,
        severity: Severity,
        evidence: Evidence,
        positive: bool = False,
        **params: Any,
    ) -> Finding:
        """Return a finding with its message and fix taken from the language data."""
        text = (self.text_lexicon or self.lexicon).rules[rule_id]
        if evidence.quote is not None:
            params.setdefault("quote", evidence.quote)
        return Finding(
            rule_id=rule_id,
            dimension=dimension,
            severity=severity,
            message=render(text.message, **params),
            fix=render(text.fix, **params),
            evidence=evidence,
            positive=positive,
        )
