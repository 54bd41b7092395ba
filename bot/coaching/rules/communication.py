"""Communication rules: rambling, hedging, "we" without "I", and staying on topic."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.catalog import Kind, Question
from bot.coaching.context import CompiledLexicon, Context
from bot.coaching.models import Dimension, Finding, Severity
from bot.coaching.rules.base import Rule
from bot.coaching.text import tokenize

log = logging.getLogger(__name__)

# Below this many words neither sentence length nor repetition is worth flagging.
_RAMBLING_MIN_WORDS = 120
_NGRAM = 4
_QUOTE_TOKENS = 40
_MAX_HEDGE_QUOTES = 12
_WE_MIN = 3
_WE_PER_I = 4
_PREFIX = 5
# Questions with few content words cannot demand more than one of them back.
_SMALL_TOPIC = 4


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
    """Return how often the candidate said "I" (and its forms) and "we"."""
    return len(ctx.found("singular")), len(ctx.found("plural"))


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


def topic_stems(question: Question, compiled: CompiledLexicon) -> set[str]:
    """Return the content stems of the question's text and keywords."""
    source = " ".join((question.text, *question.keywords))
    shortest = compiled.lexicon.limits.min_stem_chars
    stems: set[str] = set()
    for token in tokenize(source, compiled.stemmed):
        stem = token.stem
        for suffix in compiled.suffixes:
            if stem.endswith(suffix) and len(stem) - len(suffix) >= shortest:
                stem = stem[: -len(suffix)]
                break
        if len(stem) < shortest or stem in compiled.stopwords:
            continue
        if any(ch.isdigit() for ch in stem):
            continue
        stems.add(stem)
    return stems


def topic_overlap(ctx: Context) -> tuple[int, int]:
    """Return (question stems found in the answer, how many an on-topic answer needs)."""
    wanted = topic_stems(ctx.question, ctx.compiled)
    if not wanted:
        return 0, 0
    if ctx.compiled.stemmed:
        stems = {t.stem for t in ctx.tokens}
        prefixes = {s[:_PREFIX] for s in stems if len(s) >= _PREFIX}
        hits = sum(
            1 for w in wanted if w in stems or (len(w) >= _PREFIX and w[:_PREFIX] in prefixes)
        )
    else:
        # Particles attach to Korean nouns, so a stem counts wherever it occurs in a word.
        text = ctx.text.casefold()
        hits = sum(1 for w in wanted if w in text)
    needed = min(ctx.lexicon.limits.on_topic_min_hits, len(wanted))
    if len(wanted) <= _SMALL_TOPIC:
        needed = min(needed, 1)
    return hits, needed


@dataclass(frozen=True)
class OffTopic(Rule):
    """The answer shares too little with the question to be about it."""

    def check(self, ctx: Context) -> list[Finding]:
        """Fire when fewer question words come back than an on-topic answer needs."""
        hits, needed = topic_overlap(ctx)
        if hits >= needed:
            return []
        return [self.absent(ctx, Severity.MAJOR, hits=hits, needed=needed)]


OFF_TOPIC = OffTopic("communication.off_topic", Dimension.COMMUNICATION)

RULES: tuple[Rule, ...] = (
    OFF_TOPIC,
    Rambling("communication.rambling", Dimension.COMMUNICATION),
    WeWithoutI(
        "communication.we_without_i",
        Dimension.COMMUNICATION,
        kinds=frozenset({Kind.BEHAVIORAL, Kind.TECHNICAL}),
    ),
    Hedging("communication.hedging", Dimension.COMMUNICATION),
)
