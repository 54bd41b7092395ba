"""The deterministic rubric: grade an answer offline with evidence-backed findings."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from bot.catalog import Language, Level, Question
from bot.coaching.answer import Answer
from bot.coaching.context import CompiledLexicon, Context
from bot.coaching.delivery import analyze_delivery
from bot.coaching.feedback import compose, compose_empty
from bot.coaching.lexicon import Lexicon, LexiconError
from bot.coaching.models import Dimension, Evaluation, Evidence, Finding, Severity
from bot.coaching.rules import ALL_RULES, RULE_IDS
from bot.coaching.scoring import score

log = logging.getLogger(__name__)

RUBRIC_DIR = "rubric"
SOURCE = "offline"
_SEVERITY_ORDER = {Severity.MAJOR: 0, Severity.MINOR: 1, Severity.INFO: 2}
_PRIORITY = {rule_id: i for i, rule_id in enumerate(RULE_IDS)}
_OFF_TOPIC = "communication.off_topic"
_SHALLOW = "depth.shallow"


def rubric_dir(root: Path) -> Path:
    """Return the folder of lexicon files under ``root`` (prompts/ or the repository root)."""
    for candidate in (root / RUBRIC_DIR, root / "prompts" / RUBRIC_DIR):
        if candidate.is_dir():
            return candidate
    raise LexiconError(f"{root}: no {RUBRIC_DIR}/ folder of lexicon files")


FILLER_SPIKE_PER_100 = 6.0
FILLER_SPIKE_MIN = 3


def delivery_findings(answer: Answer) -> list[Finding]:
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
    counts = ", ".join(f"{text} x{n}" for text, n in report.filler_counts.items())
    return [
        Finding(
            rule_id="delivery.filler_spike",
            dimension=Dimension.COMMUNICATION,
            severity=Severity.INFO,
            message=f"{len(report.fillers)} filler words ({counts}); this never lowers your score.",
            fix="Pause silently instead of filling the gap.",
            evidence=evidence,
        )
    ]


def _order(finding: Finding) -> tuple[int, int, int]:
    return (
        int(finding.positive),
        _SEVERITY_ORDER[finding.severity],
        _PRIORITY.get(finding.rule_id, len(_PRIORITY)),
    )


class Rubric:
    """Grade answers with rules and per-language lexicons; no model, same input same grade."""

    def __init__(self, lexicons: Mapping[Language, Lexicon]) -> None:
        if not lexicons:
            raise LexiconError("the rubric needs at least one lexicon")
        for language, lexicon in lexicons.items():
            missing = [r for r in RULE_IDS if r not in lexicon.rules]
            if missing:
                raise LexiconError(f"lexicon {language.value} has no text for {missing}")
        self._compiled = {lang: CompiledLexicon(lex) for lang, lex in lexicons.items()}

    @classmethod
    def load(cls, root: Path) -> Rubric:
        """Load every ``<language>.yaml`` lexicon under ``root``'s rubric folder."""
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
        return cls(lexicons)

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

    def evaluate(
        self,
        answer: Answer,
        question: Question,
        level: Level,
        language: Language = Language.EN,
    ) -> Evaluation:
        """Grade one answer to ``question`` at ``level``."""
        compiled = self._compiled_for(language)
        if not answer.text.strip():
            return self._empty(compiled)
        ctx = Context.build(answer, question, level, compiled)
        if not ctx.tokens:
            # Only fillers or punctuation: nothing was actually said.
            return self._empty(compiled)
        rules = [r for r in ALL_RULES if r.applies(question.kind, level)]
        findings: list[Finding] = []
        for rule in rules:
            findings += rule.check(ctx)
        findings.sort(key=_order)
        on_topic = not any(f.rule_id == _OFF_TOPIC for f in findings)
        result = score(findings, level, on_topic)
        assessed = {r.dimension for r in rules if not r.id.startswith("positive.")}
        problems = [f for f in findings if not f.positive]
        coaching = compose(compiled.lexicon, findings, problems, result.dimensions, assessed)
        # Added after scoring on purpose: delivery is coached but never costs content points.
        findings += delivery_findings(answer)
        log.debug(
            "rubric %s/%s/%s: score %d, %d findings",
            question.kind,
            level,
            compiled.lexicon.language,
            result.overall,
            len(findings),
        )
        return Evaluation(
            score=result.overall,
            dimensions=result.dimensions,
            findings=tuple(findings),
            coaching=coaching,
            on_topic=on_topic,
            source=SOURCE,
            word_count=ctx.word_count,
            extra={"assessed_dimensions": sorted(d.value for d in assessed)},
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
            source=SOURCE,
            word_count=0,
            extra={"assessed_dimensions": []},
        )
