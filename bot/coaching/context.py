"""Everything a rule needs about one answer, computed once per evaluation."""

from __future__ import annotations

import logging
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
        runs: list[tuple[bool, int, int, int]] = []
        i = 0
        count = len(self.tokens)
        while i < count:
            if i not in numeric:
                i += 1
                continue
            first = i
            while i + 1 < count and (i + 1 in numeric or i + 1 in units):
                i += 1
            digits = any(self.tokens[k].has_digit for k in range(first, i + 1))
            start, end = widen_number(self.text, self.tokens[first].start, self.tokens[i].end)
            runs.append((not digits, start, end, self.tokens[first].sentence))
            i += 1
        # Digits are the most convincing evidence, so they are quoted before number words.
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
