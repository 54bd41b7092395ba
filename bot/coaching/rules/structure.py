"""Structure rules: the STAR parts of a behavioral story, a real example, a concrete result.

Each part is recognised however it is said: by a phrase ("my job was", "the goal I was given"),
or by the shape of the story (a past-tense opening sets the scene; "I" followed by a past
verb is an action; a change or a number near the end is a result).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.catalog import Kind
from bot.coaching.context import Context
from bot.coaching.matcher import Match
from bot.coaching.models import Dimension, Finding, Severity
from bot.coaching.rules.base import Rule
from bot.coaching.topics import Form

log = logging.getLogger(__name__)

BEHAVIORAL = frozenset({Kind.BEHAVIORAL})
RESULT_CATEGORIES = ("result", "vague_result")
# The part of a story where its situation is told, and where its result lands.
_OPENING_SENTENCES = 2
_CLOSING_SENTENCES = 2
# Stories of at least this many sentences tell their result after this share of the words.
_STORY_SENTENCES = 3
_SCENE_VERBS = frozenset({"was", "were", "had", "있었", "있었습니다", "있었는데"})
_RESULT_START = 0.4
# Private details in a self-presentation: two make a pattern, three crowd out the work.
_PERSONAL_MIN = 2
_PERSONAL_MAJOR = 3
# Past-tense verbs that show an approach answer tells a story to back itself up.
_APPROACH_STORY_PAST = 4


def story_asked(ctx: Context) -> bool:
    """Tell whether the question asks for one past episode, or the answer chose to tell one."""
    if ctx.form is Form.STORY:
        return True
    # "I start by ..." describes a habit; a story told to back an approach is in the past.
    signals = ctx.signals
    return ctx.form is Form.APPROACH and signals.past >= _APPROACH_STORY_PAST


def result_matches(ctx: Context, categories: tuple[str, ...] = RESULT_CATEGORIES) -> list[Match]:
    """Return result phrases where a story's result is told: after its opening."""
    found = [m for c in categories for m in ctx.found(c)]
    if len({t.sentence for t in ctx.tokens}) < _STORY_SENTENCES:
        return found
    # "which meant" in the first sentence sets a scene; a result lands later in the story.
    start = int(_RESULT_START * len(ctx.tokens))
    return [m for m in found if m.first >= start]


def result_sentences(ctx: Context) -> set[int]:
    """Return the sentences that state a result, plus the sentence after each one."""
    # A result often lands in one sentence and gets its number in the next.
    found: set[int] = set()
    for m in result_matches(ctx):
        sentence = ctx.tokens[m.first].sentence
        found.update((sentence, sentence + 1))
    return found


def closing_sentences(ctx: Context) -> set[int]:
    """Return the numbers of the last sentences of the answer."""
    numbers = sorted({t.sentence for t in ctx.tokens})
    return set(numbers[-_CLOSING_SENTENCES:])


def result_numbers(ctx: Context) -> list[tuple[int, int]]:
    """Return the spans of measurements inside the result sentences (or the closing ones)."""
    where = result_sentences(ctx) or closing_sentences(ctx)
    return [(start, end) for start, end, sentence in ctx.numbers if sentence in where]


def has_situation(ctx: Context) -> bool:
    """Tell whether the story sets the scene before (or while) acting."""
    if ctx.found("situation") or ctx.found("episode"):
        return True
    # "There was ...", "Our service had ..." in the opening: a scene described, not a result.
    first = ctx.tokens[0].sentence if ctx.tokens else 0
    opening = {t.norm for t in ctx.tokens if t.sentence - first < _OPENING_SENTENCES}
    return len(ctx.sentences) >= 2 and bool(opening & _SCENE_VERBS)


def has_task(ctx: Context) -> bool:
    """Tell whether the candidate's goal or responsibility is stated."""
    return bool(ctx.found("task"))


def has_action(ctx: Context) -> bool:
    """Tell whether the candidate says what they did themselves."""
    return bool(ctx.found("action") or ctx.found("ownership")) or ctx.signals.actions > 0


def has_result(ctx: Context) -> bool:
    """Tell whether the story says how it ended."""
    if result_matches(ctx):
        return True
    closing = closing_sentences(ctx)
    return any(sentence in closing for _, _, sentence in ctx.numbers) and ctx.signals.past > 0


def tells_an_episode(ctx: Context) -> bool:
    """Tell whether the answer recounts one real past situation rather than habits."""
    signals = ctx.signals
    if signals.has("denial") and signals.past < 4:
        return False
    if signals.actions > 0:
        return True
    return signals.past >= 2 and (signals.has("episode") or signals.past >= 4)


@dataclass(frozen=True)
class PartMissing(Rule):
    """One STAR part is nowhere in the story."""

    severity: Severity = Severity.MINOR

    def check(self, ctx: Context) -> list[Finding]:
        """Return one absent-evidence finding when the part is missing."""
        if not story_asked(ctx):
            return []
        present = {
            "structure.situation_missing": has_situation,
            "structure.task_missing": has_task,
            "structure.action_missing": has_action,
            "structure.result_missing": has_result,
        }[self.id](ctx)
        return [] if present else [self.absent(ctx, self.severity)]


@dataclass(frozen=True)
class NoExample(Rule):
    """Habits, opinions or a denial instead of one real example."""

    def check(self, ctx: Context) -> list[Finding]:
        """Quote the denial or the habit when no past episode is told."""
        # "How do you prioritise?" is answered by an approach; only a story question needs one.
        if ctx.form is not Form.STORY or tells_an_episode(ctx):
            return []
        for category in ("denial", "generic"):
            found = ctx.found(category)
            if found:
                severity = Severity.MAJOR
                return [ctx.finding(self.id, self.dimension, severity, ctx.evidence_of(found[0]))]
        if ctx.signals.words < 25:
            # Too short to call: the too-short rule speaks for it.
            return []
        return [self.absent(ctx, Severity.MAJOR)]


@dataclass(frozen=True)
class ResultVague(Rule):
    """A result is stated in vague words and backed by no measurement."""

    def check(self, ctx: Context) -> list[Finding]:
        """Quote the first vague result phrase when no number backs the result."""
        if not story_asked(ctx):
            return []
        vague = result_matches(ctx, ("vague_result",))
        if not vague or result_numbers(ctx):
            return []
        return [ctx.finding(self.id, self.dimension, Severity.MINOR, ctx.evidence_of(vague[0]))]


@dataclass(frozen=True)
class NoMetrics(Rule):
    """A result is stated but carries no number, percentage, time or money."""

    def check(self, ctx: Context) -> list[Finding]:
        """Fire when results exist and none of them is measured."""
        if not story_asked(ctx) or not has_result(ctx) or result_numbers(ctx):
            return []
        return [self.absent(ctx, Severity.MINOR)]


@dataclass(frozen=True)
class TooPersonal(Rule):
    """A self-presentation spent on private life instead of professional fit."""

    def check(self, ctx: Context) -> list[Finding]:
        """Quote the first private detail when several crowd a "tell me about yourself"."""
        if ctx.form is not Form.SELF:
            return []
        found = ctx.found("personal")
        distinct = {ctx.text[m.start : m.end].casefold() for m in found}
        if len(distinct) < _PERSONAL_MIN:
            return []
        severity = Severity.MAJOR if len(distinct) >= _PERSONAL_MAJOR else Severity.MINOR
        first = min(found, key=lambda m: m.start)
        return [ctx.finding(self.id, self.dimension, severity, ctx.evidence_of(first))]


RULES: tuple[Rule, ...] = (
    TooPersonal("structure.too_personal", Dimension.STRUCTURE, kinds=BEHAVIORAL),
    NoExample("structure.no_example", Dimension.STRUCTURE, kinds=BEHAVIORAL),
    PartMissing(
        "structure.situation_missing",
        Dimension.STRUCTURE,
        kinds=BEHAVIORAL,
        severity=Severity.MINOR,
    ),
    PartMissing(
        "structure.task_missing",
        Dimension.STRUCTURE,
        kinds=BEHAVIORAL,
        severity=Severity.MINOR,
    ),
    PartMissing(
        "structure.action_missing",
        Dimension.STRUCTURE,
        kinds=BEHAVIORAL,
        severity=Severity.MAJOR,
    ),
    PartMissing(
        "structure.result_missing",
        Dimension.STRUCTURE,
        kinds=BEHAVIORAL,
        severity=Severity.MAJOR,
    ),
    ResultVague("structure.result_vague", Dimension.STRUCTURE, kinds=BEHAVIORAL),
    NoMetrics("structure.no_metrics", Dimension.STRUCTURE, kinds=BEHAVIORAL),
)
