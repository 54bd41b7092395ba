"""The deterministic rubric: grade an answer offline with evidence-backed findings."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bot.catalog import Kind, Language, Level, Question
from bot.coaching.answer import Answer
from bot.coaching.context import CompiledLexicon, Context, render
from bot.coaching.coverage import Facts, coverage
from bot.coaching.delivery import analyze_delivery
from bot.coaching.feedback import compose, compose_empty
from bot.coaching.language import detect_language
from bot.coaching.lexicon import Lexicon, LexiconError
from bot.coaching.models import OFFLINE, Dimension, Evaluation, Evidence, Finding, Severity
from bot.coaching.rules import ALL_RULES, RULE_IDS, TEXT_IDS
from bot.coaching.rules.depth import umpire_missing
from bot.coaching.rules.structure import (
    has_action,
    has_result,
    has_situation,
    has_task,
    result_numbers,
    tells_an_episode,
)
from bot.coaching.scoring import Caps, assessed_dimensions, score
from bot.coaching.text import Token
from bot.coaching.topics import (
    TopicJudgement,
    TopicLexicon,
    Verdict,
    distinctive_stems,
    judge,
    load_topics,
    shared_stems,
)

log = logging.getLogger(__name__)

RUBRIC_DIR = "rubric"
_SEVERITY_ORDER = {Severity.MAJOR: 0, Severity.MINOR: 1, Severity.INFO: 2}
_PRIORITY = {rule_id: i for i, rule_id in enumerate(RULE_IDS)}
_OFF_TOPIC = "communication.off_topic"
_SHALLOW = "depth.shallow"
_LANGUAGE_MISMATCH = "communication.language_mismatch"
_FILLER_SPIKE = "delivery.filler_spike"
_NO_CONTENT = frozenset({Verdict.NON_ANSWER, Verdict.NOISE})
# Requirements clarified within the first third of a design answer come "first".
_EARLY_SHARE = 3


@dataclass(frozen=True, slots=True)
class Assessment:
    """The rubric's evaluation and the hard facts that bound any grade of the answer."""

    evaluation: Evaluation
    caps: Caps


def rubric_dir(root: Path) -> Path:
    """Return the folder of lexicon files under ``root`` (prompts/ or the repository root)."""
    for candidate in (root / RUBRIC_DIR, root / "prompts" / RUBRIC_DIR):
        if candidate.is_dir():
            return candidate
    raise LexiconError(f"{root}: no {RUBRIC_DIR}/ folder of lexicon files")


FILLER_SPIKE_PER_100 = 6.0
FILLER_SPIKE_MIN = 3


def delivery_findings(answer: Answer, lexicon: Lexicon) -> list[Finding]:
    """Return an informational filler-spike finding for a spoken answer, if warranted."""
    if not answer.spoken or not answer.words:
        return []
    report = analyze_delivery(answer.words, band=None)
    if (
        len(report.fillers) < FILLER_SPIKE_MIN
        or report.fillers_per_100_words < FILLER_SPIKE_PER_100
    ):
        return []
    first = report.fillers[0]
    start = answer.text.casefold().find(first.text.casefold())
    evidence = (
        Evidence(
            quote=answer.text[start : start + len(first.text)],
            start=start,
            end=start + len(first.text),
            start_ms=first.start_ms,
            end_ms=first.end_ms,
        )
        if start >= 0
        else Evidence.missing()
    )
    text = lexicon.rules[_FILLER_SPIKE]
    params = {
        "count": len(report.fillers),
        "counts": ", ".join(f"{word} x{n}" for word, n in report.filler_counts.items()),
    }
    return [
        Finding(
            rule_id=_FILLER_SPIKE,
            dimension=Dimension.COMMUNICATION,
            severity=Severity.INFO,
            message=render(text.message, **params),
            fix=render(text.fix, **params),
            evidence=evidence,
        )
    ]


def _order(finding: Finding) -> tuple[int, int, int]:
    return (
        int(finding.positive),
        _SEVERITY_ORDER[finding.severity],
        _PRIORITY.get(finding.rule_id, len(_PRIORITY)),
    )


def _facts(ctx: Context, language: Language) -> Facts:
    """Return the structural facts the coverage tables need."""
    signals = ctx.signals
    first_sentence = ctx.tokens[0].sentence if ctx.tokens else 0
    opening = [m for found in ctx.topic_matches.values() for m in found]
    direct_opening = any(ctx.tokens[m.first].sentence == first_sentence for m in opening) or (
        signals.first_named is not None
        and any(
            t.sentence == first_sentence and t.start == signals.first_named[0] for t in ctx.tokens
        )
    )
    early = max(1, len(ctx.tokens) // _EARLY_SHARE)
    early_requirements = any(
        m.first < early for c in ("assumptions", "clarify") for m in ctx.found(c)
    )
    behavioral = ctx.kind is Kind.BEHAVIORAL
    return Facts(
        signals=signals,
        language=language,
        situation=behavioral and has_situation(ctx),
        task=behavioral and has_task(ctx),
        action=behavioral and has_action(ctx),
        result=has_result(ctx),
        measured_result=bool(result_numbers(ctx)) and has_result(ctx),
        specific_episode=tells_an_episode(ctx),
        direct_opening=direct_opening,
        umpire_steps=6 - len(umpire_missing(ctx)),
        complexity=bool(ctx.complexity),
        early_requirements=early_requirements,
        form=ctx.form,
    )


# A reply sharing this many content words with the earlier answer is still about that story.
_REPLY_SHARED_STEMS = 2


def _follow_up_judgement(
    whole: TopicJudgement,
    ctx: Context,
    start: int,
    judged: Callable[[str, Sequence[Token]], TopicJudgement],
    lexicon: TopicLexicon,
    stopwords: frozenset[str],
    suffixes: Sequence[str],
) -> TopicJudgement:
    """Judge earlier answers plus a reply to a follow-up: the reply continues that story.

    Once the earlier answer was about the question, the follow-up asks for more of that
    story, so more detail of it ("what was going on?": the outage) is no other subject. The
    reply is off topic only when, read by itself, it is off topic and shares no content word
    with the earlier answer: a joke, a non-answer, another story.
    """
    earlier_tokens = [t for t in ctx.tokens if t.end <= start]
    if not earlier_tokens or not judged(ctx.text[:start], earlier_tokens).on_topic:
        # The earlier answer missed the question: only the whole can show it answered now.
        return whole
    reply_tokens = [
        replace(t, start=t.start - start, end=t.end - start) for t in ctx.tokens if t.start >= start
    ]
    reply = judged(ctx.text[start:], reply_tokens) if reply_tokens else whole
    if reply.on_topic or not reply_tokens:
        return replace(whole, verdict=Verdict.ON_TOPIC, span=None)
    engaged = reply.verdict not in _NO_CONTENT and reply.verdict is not Verdict.JOKE
    earlier_stems = distinctive_stems(earlier_tokens, stopwords, suffixes)
    if (
        engaged
        and shared_stems(earlier_stems, reply_tokens, lexicon.stemmed) >= _REPLY_SHARED_STEMS
    ):
        return replace(whole, verdict=Verdict.ON_TOPIC, span=None)
    span = None if reply.span is None else (reply.span[0] + start, reply.span[1] + start)
    return replace(whole, verdict=reply.verdict, span=span)


class Rubric:
    """Grade answers with rules and per-language lexicons; no model, same input same grade."""

    def __init__(
        self,
        lexicons: Mapping[Language, Lexicon],
        topics: Mapping[Language, TopicLexicon] | None = None,
    ) -> None:
        if not lexicons:
            raise LexiconError("the rubric needs at least one lexicon")
        for language, lexicon in lexicons.items():
            missing = [r for r in TEXT_IDS if r not in lexicon.rules]
            if missing:
                raise LexiconError(f"lexicon {language.value} has no text for {missing}")
        self._compiled = {lang: CompiledLexicon(lex) for lang, lex in lexicons.items()}
        self._topics = dict(topics or {})

    @classmethod
    def load(cls, root: Path) -> Rubric:
        """Load every ``<language>.yaml`` lexicon and topic file under the rubric folder."""
        folder = rubric_dir(Path(root))
        lexicons: dict[Language, Lexicon] = {}
        for language in Language:
            path = folder / f"{language.value}.yaml"
            if path.exists():
                lexicon = Lexicon.load(path)
                if lexicon.language is not language:
                    raise LexiconError(f"{path}: says language {lexicon.language.value}")
                lexicons[language] = lexicon
        log.info("loaded rubric lexicons: %s", ", ".join(sorted(lexicons)))
        return cls(lexicons, load_topics(folder))

    @property
    def languages(self) -> frozenset[Language]:
        """Return the languages the rubric can grade."""
        return frozenset(self._compiled)

    def _compiled_for(self, language: Language) -> CompiledLexicon:
        compiled = self._compiled.get(language)
        if compiled is None:
            # Grading with another language's markers beats refusing to grade at all.
            fallback = self._compiled.get(Language.EN) or next(iter(self._compiled.values()))
            log.warning("no rubric lexicon for %s; using %s", language, fallback.lexicon.language)
            return fallback
        return compiled

    def _judge(
        self, ctx: Context, question: Question, language: Language, answer_language: Language
    ) -> TopicJudgement:
        """Compare the question's subject with the answer's (across languages if need be)."""
        question_topics = self._topics.get(language)
        answer_topics = self._topics.get(answer_language)
        if question_topics is None or answer_topics is None:
            # No subject data for this language: give the benefit of the doubt.
            return TopicJudgement(Verdict.ON_TOPIC, (), ())
        stopwords = self._compiled_for(language).stopwords
        suffixes = self._compiled_for(language).suffixes
        function_words = frozenset(w.casefold() for w in ctx.lexicon.stopwords)
        code_answers = question.kind in (Kind.CODING, Kind.TECHNICAL)

        def judged(text: str, tokens: Sequence[Token]) -> TopicJudgement:
            return judge(
                question.text,
                text,
                tokens,
                question_topics,
                answer_topics,
                stopwords,
                suffixes,
                function_words,
                question.keywords,
                code_answers=code_answers,
            )

        whole = judged(ctx.text, ctx.tokens)
        start = ctx.answer.reply_start
        if not start or start >= len(ctx.text):
            return whole
        return _follow_up_judgement(whole, ctx, start, judged, answer_topics, stopwords, suffixes)

    def evaluate(
        self,
        answer: Answer,
        question: Question,
        level: Level,
        language: Language = Language.EN,
    ) -> Evaluation:
        """Grade one answer to ``question`` at ``level`` in a ``language`` interview."""
        return self.assess(answer, question, level, language).evaluation

    def assess(
        self,
        answer: Answer,
        question: Question,
        level: Level,
        language: Language = Language.EN,
    ) -> Assessment:
        """Grade one answer and return the hard facts that bound any grade of it."""
        session = self._compiled_for(language)
        if not answer.text.strip():
            return Assessment(self._empty(session), Caps(no_content=True, length_factor=0.0))
        detected = detect_language(answer.text)
        answer_language = detected if detected in self._compiled else language
        compiled = self._compiled_for(answer_language)
        ctx = Context.build(answer, question, level, compiled)
        if not ctx.tokens:
            # Only fillers or punctuation: nothing was actually said.
            return Assessment(self._empty(session), Caps(no_content=True, length_factor=0.0))
        if answer_language is not language:
            ctx.text_lexicon = session.lexicon
        ctx.topic = self._judge(ctx, question, language, answer_language)
        ctx.topic_matches = {k: list(v) for k, v in ctx.topic.terms.items()}
        rules = [r for r in ALL_RULES if r.applies(question.kind, level)]
        findings: list[Finding] = []
        for rule in rules:
            findings += rule.check(ctx)
        if answer_language is not language:
            findings.append(self._language_note(ctx, session.lexicon, language, answer_language))
        findings.sort(key=_order)
        facts = _facts(ctx, answer_language)
        shallow = compiled.lexicon.limits.shallow_words[level]
        caps = Caps(
            off_topic=not ctx.topic.on_topic,
            no_content=ctx.topic.verdict in _NO_CONTENT,
            injection=ctx.topic.injection is not None,
            length_factor=min(1.0, ctx.word_count / shallow) ** 0.8,
        )
        result = score(coverage(question.kind, facts), findings, question.kind, level, caps)
        problems = [f for f in findings if not f.positive]
        assessed = assessed_dimensions(level)
        coaching = compose(session.lexicon, findings, problems, result.dimensions, assessed)
        # Added after scoring on purpose: delivery is coached but never costs content points.
        findings += delivery_findings(answer, session.lexicon)
        log.debug(
            "rubric %s/%s/%s: score %d, %d findings, topic %s",
            question.kind,
            level,
            compiled.lexicon.language,
            result.overall,
            len(findings),
            ctx.topic.verdict.value,
        )
        evaluation = Evaluation(
            score=result.overall,
            dimensions=result.dimensions,
            findings=tuple(findings),
            coaching=coaching,
            on_topic=ctx.topic.on_topic,
            source=OFFLINE,
            word_count=ctx.word_count,
            assessed=tuple(d for d in Dimension if d in assessed),
            topic=ctx.topic.verdict.value,
            answer_language=answer_language.value if answer_language is not language else None,
        )
        return Assessment(evaluation, caps)

    @staticmethod
    def _language_note(
        ctx: Context, lexicon: Lexicon, language: Language, answer_language: Language
    ) -> Finding:
        """Tell the candidate the answer came in another language and how it was graded."""
        names = lexicon.language_names
        return ctx.finding(
            _LANGUAGE_MISMATCH,
            Dimension.COMMUNICATION,
            Severity.INFO,
            Evidence.missing(),
            answer_language=names.get(answer_language.value, answer_language.value),
            session_language=names.get(language.value, language.value),
        )

    def _empty(self, compiled: CompiledLexicon) -> Evaluation:
        text = compiled.lexicon.coaching
        finding = Finding(
            rule_id=_SHALLOW,
            dimension=Dimension.DEPTH,
            severity=Severity.MAJOR,
            message=text.empty_message,
            fix=text.empty_fix,
            evidence=Evidence.missing(),
        )
        return Evaluation(
            score=0,
            dimensions=dict.fromkeys(Dimension, 0),
            findings=(finding,),
            coaching=compose_empty(compiled.lexicon),
            on_topic=False,
            source=OFFLINE,
            word_count=0,
            assessed=(),
            topic=Verdict.NOISE.value,
        )
