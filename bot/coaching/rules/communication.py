"""Communication rules: rambling, hedging, "we" without "I", and staying on topic."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.catalog import Kind
from bot.coaching.context import Context
from bot.coaching.models import Dimension, Finding, Severity
from bot.coaching.rules.base import Rule

log = logging.getLogger(__name__)

# Below this many words neither sentence length nor repetition is worth flagging.
_RAMBLING_MIN_WORDS = 120
_NGRAM = 4
_QUOTE_TOKENS = 40
_MAX_HEDGE_QUOTES = 12
_WE_MIN = 3
_WE_PER_I = 4


def repetition(ctx: Context) -> tuple[float, int | None]:
    """Return the share of word 4-grams said before, and the first repeat's token index."""
    stems = [t.stem for t in ctx.tokens]
    total = len(stems) - _NGRAM + 1
    if total <= 0:
        return 0.0, None
    seen: set[tuple[str, ...]] = set()
    repeats = 0
    first: int | None = None
    for i in range(total):
        gram = tuple(stems[i : i + _NGRAM])
        if gram in seen:
            repeats += 1
            if first is None:
                first = i
        else:
            seen.add(gram)
    return repeats / total, first


@dataclass(frozen=True)
class Rambling(Rule):
    """Very long, run-on sentences, or the same words over and over."""

    def check(self, ctx: Context) -> list[Finding]:
        """Fire on any rambling signal and quote where it shows."""
        limits = ctx.lexicon.limits
        limit = limits.rambling_words[ctx.level]
        words = ctx.word_count
        if words < _RAMBLING_MIN_WORDS and words <= limit:
            return []
        evidence = None
        signals = 0
        if words > limit:
            signals += 1
            crossing = ctx.tokens[limit].sentence
            sentence = next(s for s in ctx.sentences if ctx.tokens[s.first].sentence == crossing)
            evidence = ctx.evidence_of_tokens(sentence.first, sentence.last, _QUOTE_TOKENS)
        # Speech transcripts often lack punctuation, so sentence length means nothing there.
        if not ctx.answer.spoken and ctx.sentences:
            longest = max(ctx.sentences, key=lambda s: s.size)
            if longest.size > limits.long_sentence_words:
                signals += 1
                if evidence is None:
                    evidence = ctx.evidence_of_tokens(longest.first, longest.last, _QUOTE_TOKENS)
        ratio, first = repetition(ctx)
        if ratio >= limits.repetition_ratio and first is not None:
            signals += 1
            if evidence is None:
                evidence = ctx.evidence_of_tokens(first, first + _NGRAM)
        if evidence is None:
            return []
        major = signals >= 2 or words > 2 * limit
        return [
            ctx.finding(
                self.id,
                self.dimension,
                Severity.MAJOR if major else Severity.MINOR,
                evidence,
                words=words,
                limit=limit,
            )
        ]


@dataclass(frozen=True)
class Hedging(Rule):
    """Quote each hedge; it only costs points when hedges are dense."""

    def check(self, ctx: Context) -> list[Finding]:
        """Return one finding per hedge, quoting it where it was said."""
        hedges = ctx.found("hedges")
        if not hedges:
            return []
        density = 100 * len(hedges) / max(1, ctx.word_count)
        dense = len(hedges) >= 2 and density >= ctx.lexicon.limits.hedge_density
        severity = Severity.MINOR if dense else Severity.INFO
        return [
            ctx.finding(self.id, self.dimension, severity, ctx.evidence_of(m), count=len(hedges))
            for m in hedges[:_MAX_HEDGE_QUOTES]
        ]


def pronouns(ctx: Context) -> tuple[int, int]:
    """Return how often the candidate spoke as "I" (forms and own actions) and as "we"."""
    # "I set up, invited and wrote" is one "I" but three of the candidate's own actions.
    i = max(len(ctx.found("singular")), ctx.signals.actions)
    return i, len(ctx.found("plural"))


def we_without_i(ctx: Context) -> bool:
    """Tell whether "we" dominates so much that the candidate's own role is hidden."""
    i, we = pronouns(ctx)
    return we >= _WE_MIN and (i == 0 or we >= _WE_PER_I * i)


@dataclass(frozen=True)
class WeWithoutI(Rule):
    """The team is everywhere and the candidate nowhere."""

    def check(self, ctx: Context) -> list[Finding]:
        """Quote the first "we" when "we" far outnumbers "I"."""
        if not we_without_i(ctx):
            return []
        i, we = pronouns(ctx)
        evidence = ctx.evidence_of(ctx.found("plural")[0])
        # "My last job" alone does not show a role, so a lone "I" among many "we"s is no better.
        major = i == 0 or we >= 2 * _WE_PER_I * i
        severity = Severity.MAJOR if major else Severity.MINOR
        return [ctx.finding(self.id, self.dimension, severity, evidence, we=we, i=i)]


@dataclass(frozen=True)
class OffTopic(Rule):
    """The answer does not answer the question: another subject, a non-answer, noise, a joke."""

    def check(self, ctx: Context) -> list[Finding]:
        """Report the topic judgement, quoting the refusal or joke when one decided it."""
        judgement = ctx.topic
        if judgement.on_topic:
            return []
        reasons = (ctx.text_lexicon or ctx.lexicon).off_topic_reasons
        reason = reasons.get(judgement.verdict.value, "")
        if judgement.span is not None:
            evidence = ctx.evidence(*judgement.span)
            return [ctx.finding(self.id, self.dimension, Severity.MAJOR, evidence, reason=reason)]
        return [self.absent(ctx, Severity.MAJOR, reason=reason)]


@dataclass(frozen=True)
class Quoted(Rule):
    """Quote the first phrase of a marker category, when the answer has one."""

    category: str = ""
    severity: Severity = Severity.MINOR
    minimum: int = 1

    def check(self, ctx: Context) -> list[Finding]:
        """Return one finding quoting the first occurrence, if there are enough."""
        found = ctx.found(self.category)
        if len(found) < self.minimum:
            return []
        return [
            ctx.finding(
                self.id, self.dimension, self.severity, ctx.evidence_of(found[0]), count=len(found)
            )
        ]


@dataclass(frozen=True)
class InstructsGrader(Rule):
    """The answer tries to tell the grader what score to give."""

    def check(self, ctx: Context) -> list[Finding]:
        """Quote the instruction."""
        if ctx.topic.injection is None:
            return []
        evidence = ctx.evidence(*ctx.topic.injection)
        return [ctx.finding(self.id, self.dimension, Severity.MAJOR, evidence)]


OFF_TOPIC = OffTopic("communication.off_topic", Dimension.COMMUNICATION)
INSTRUCTS_GRADER = InstructsGrader("communication.instructs_grader", Dimension.COMMUNICATION)

RULES: tuple[Rule, ...] = (
    OFF_TOPIC,
    INSTRUCTS_GRADER,
    Quoted(
        "communication.blame",
        Dimension.COMMUNICATION,
        category="blame",
        severity=Severity.MAJOR,
    ),
    Quoted(
        "communication.dismissive",
        Dimension.COMMUNICATION,
        category="dismissive",
        severity=Severity.MAJOR,
    ),
    Quoted(
        "communication.uncertain",
        Dimension.COMMUNICATION,
        kinds=frozenset({Kind.TECHNICAL, Kind.CODING, Kind.SYSTEM_DESIGN}),
        category="confusion",
        severity=Severity.MINOR,
        minimum=2,
    ),
    Rambling("communication.rambling", Dimension.COMMUNICATION),
    WeWithoutI(
        "communication.we_without_i",
        Dimension.COMMUNICATION,
        kinds=frozenset({Kind.BEHAVIORAL, Kind.TECHNICAL}),
    ),
    Hedging("communication.hedging", Dimension.COMMUNICATION),
)
