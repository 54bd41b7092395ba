"""Grade a reply to a follow-up as a reply to that probe, not as a fresh answer.

The reply is read together with what was already said for the question: the combined
answer is graded against the question. The probe counts as answered only when the reply
supplies what it asked for: the gap it probed is no longer there, or, for a probe aimed at no
one gap (a generic or model-written follow-up), at least one gap of the earlier answer is now
filled by content rather than by length alone. The question's grade rises only when the probe
was answered, and never falls. The reply's own feedback quotes only the reply.

A reply plainly written in another language than what came before it cannot be read by one
rubric together with it: it is graded alone, by its own language's rubric (and noted like any
answer in another language), and only the gaps the earlier answer already had are reported as
still missing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from bot.catalog import Language
from bot.coaching.answer import Answer
from bot.coaching.language import detect_language
from bot.coaching.models import Evaluation, Evidence, Finding, Probe, ProbeResult
from bot.coaching.timing import WordAligner

log = logging.getLogger(__name__)

REPLY_SEPARATOR = "\n\n"
# Gaps that more words alone close: saying more is not what a follow-up asks for.
_LENGTH_RULES = frozenset({"depth.shallow"})
_LANGUAGE_NOTE = "communication.language_mismatch"


def reply_in_other_language(earlier: Sequence[str], reply: Answer, session: Language) -> bool:
    """Tell whether the reply is plainly written in another language than what preceded it."""
    written = detect_language(reply.text)
    if written is None:
        return False
    before = detect_language(" ".join(earlier)) or session
    return written is not before


def combined_answer(earlier: Sequence[str], reply: Answer) -> tuple[Answer, int]:
    """Return what was said for the question plus the reply, and where the reply starts."""
    before = REPLY_SEPARATOR.join(t.strip() for t in earlier if t and t.strip())
    start = len(before) + len(REPLY_SEPARATOR) if before else 0
    text = f"{before}{REPLY_SEPARATOR}{reply.text}" if before else reply.text
    # Word timings belong to the reply alone; they are re-attached to its own findings.
    return Answer(text, (), reply.spoken, reply_start=start if before else None), start


def _in_reply(finding: Finding, start: int) -> bool:
    evidence = finding.evidence
    return evidence.absent or (evidence.start is not None and evidence.start >= start)


def _rebased(finding: Finding, start: int, aligner: WordAligner | None) -> Finding:
    """Return a finding whose evidence offsets count from the start of the reply."""
    evidence = finding.evidence
    if evidence.absent or evidence.start is None or evidence.end is None:
        return finding
    moved = evidence.shifted(-start)
    times = aligner.times(moved.start or 0, moved.end or 0) if aligner else None
    if times is not None:
        moved = replace(moved, start_ms=times[0], end_ms=times[1])
    return replace(finding, evidence=moved)


def _fires(evaluation: Evaluation, rule_id: str) -> bool:
    return any(f.rule_id == rule_id and not f.positive for f in evaluation.findings)


def _gaps(evaluation: Evaluation) -> set[str]:
    """Return the rules that name something missing (not a quoted slip) in an answer."""
    return {
        f.rule_id
        for f in evaluation.findings
        if not f.positive and f.evidence.absent and f.rule_id not in _LENGTH_RULES
    }


def probe_answered(
    before: Evaluation, after: Evaluation, probe: Probe, *, alone: bool = False
) -> bool:
    """Tell whether ``after`` supplies what ``probe`` asked of the answer graded ``before``.

    A probe aimed at a rule is answered when that rule fired before and no longer does. A
    probe aimed at no rule, or at a too-short answer ("tell me more"), is answered when a gap
    of the earlier answer is filled: more words alone fill none, so a filler reply answers
    nothing. ``after`` graded the reply by itself when ``alone``, where its length says
    nothing about the answer as a whole.
    """
    rule = probe.rule_id
    if rule is not None and rule not in _LENGTH_RULES:
        return _fires(before, rule) and not _fires(after, rule)
    filled = bool(_gaps(before) - {f.rule_id for f in after.findings if not f.positive})
    if rule is None or alone:
        return filled
    return filled and not _fires(after, rule)


def reply_evaluation(
    combined: Evaluation,
    reply_start: int,
    reply: Answer,
    before: Evaluation,
    probe: Probe,
    *,
    alone: bool = False,
) -> Evaluation:
    """Return the grade of a follow-up reply: the question's grade after it, with the result.

    ``combined`` graded everything said for the question, or the reply by itself when
    ``alone`` (a reply in another language); ``before`` is the question's grade before it.
    """
    aligner = WordAligner(reply.text, reply.words) if reply.words else None
    if alone:
        # Graded without the earlier answer: report as missing only what was missing before.
        still = {f.rule_id for f in before.findings if not f.positive} | {_LANGUAGE_NOTE}
        reply_findings = [
            _rebased(f, 0, aligner)
            for f in combined.findings
            if f.rule_id not in _LENGTH_RULES and (not f.evidence.absent or f.rule_id in still)
        ]
    else:
        reply_findings = [
            _rebased(f, reply_start, aligner)
            for f in combined.findings
            if _in_reply(f, reply_start)
        ]
    answered = probe_answered(before, combined, probe, alone=alone)
    praise = [f for f in reply_findings if f.positive and not f.evidence.absent]
    evidence = praise[0].evidence if answered and praise else Evidence.missing()
    result = ProbeResult(probe.rule_id, answered, before.score, evidence)
    # Only a reply that supplies what was asked raises the grade; none ever drags it down.
    graded = combined if answered and combined.score > before.score else before
    return replace(
        graded,
        findings=tuple(reply_findings),
        coaching=combined.coaching,
        word_count=len(reply.text.split()),
        probe=result,
        fallback=combined.fallback,
        source=combined.source,
        provenance=combined.provenance,
        rewrites=combined.rewrites,
        answer_language=combined.answer_language,
    )
