"""Grade a reply to a follow-up as a reply to that probe, not as a fresh answer.

The reply is read together with what was already said for the question: the combined
answer is graded against the question, the probe counts as answered when the gap it asked
about is no longer there, and the question's grade can only improve or stay. The reply's own
feedback quotes only the reply.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from bot.coaching.answer import Answer
from bot.coaching.models import Evaluation, Evidence, Finding, Probe, ProbeResult
from bot.coaching.timing import WordAligner

log = logging.getLogger(__name__)

REPLY_SEPARATOR = "\n\n"


def combined_answer(earlier: Sequence[str], reply: Answer) -> tuple[Answer, int]:
    """Return what was said for the question plus the reply, and where the reply starts."""
    before = REPLY_SEPARATOR.join(t.strip() for t in earlier if t and t.strip())
    start = len(before) + len(REPLY_SEPARATOR) if before else 0
    text = f"{before}{REPLY_SEPARATOR}{reply.text}" if before else reply.text
    # Word timings belong to the reply alone; they are re-attached to its own findings.
    return Answer(text, (), reply.spoken), start


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


def reply_evaluation(
    combined: Evaluation,
    reply_start: int,
    reply: Answer,
    before: Evaluation,
    probe: Probe,
) -> Evaluation:
    """Return the grade of a follow-up reply: the question's grade after it, with the result.

    ``combined`` graded everything said for the question; ``before`` is the question's
    grade before the reply.
    """
    aligner = WordAligner(reply.text, reply.words) if reply.words else None
    reply_findings = [
        _rebased(f, reply_start, aligner) for f in combined.findings if _in_reply(f, reply_start)
    ]
    if probe.rule_id is not None:
        answered = _fires(before, probe.rule_id) and not _fires(combined, probe.rule_id)
    else:
        answered = combined.score > before.score
    praise = [f for f in reply_findings if f.positive and not f.evidence.absent]
    evidence = praise[0].evidence if answered and praise else Evidence.missing()
    result = ProbeResult(probe.rule_id, answered, before.score, evidence)
    # The question's grade only improves or stays: a reply never drags it down.
    graded = combined if combined.score >= before.score else before
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
    )
