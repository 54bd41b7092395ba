"""An evaluation with every field set, for store round-trip tests."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from bot.coaching.models import (
    Coaching,
    Dimension,
    Evaluation,
    Evidence,
    Fallback,
    Finding,
    ModelGap,
    ProbeResult,
    Provenance,
    Rewrite,
    Severity,
)

log = logging.getLogger(__name__)


def rich_evaluation() -> Evaluation:
    """Return an evaluation that uses every field, non-ASCII text and a dated fallback."""
    return Evaluation(
        score=71,
        dimensions={Dimension.STRUCTURE: 80, Dimension.DEPTH: 60},
        findings=(
            Finding(
                "communication.hedging",
                Dimension.COMMUNICATION,
                Severity.MINOR,
                "Hedge",
                "Commit.",
                Evidence("kind of", 10, 17, 1200, 1500),
            ),
            Finding(
                "structure.result_missing",
                Dimension.STRUCTURE,
                Severity.MAJOR,
                "No result",
                "Say how it ended.",
                Evidence.missing(),
            ),
            Finding(
                "positive.metrics", Dimension.DEPTH, Severity.INFO, "Numbers", "", Evidence(), True
            ),
        ),
        coaching=Coaching("praise ✓", "fix", "tip"),
        on_topic=False,
        source="llm",
        word_count=42,
        assessed=(Dimension.STRUCTURE, Dimension.DEPTH),
        topic="on_topic",
        rubric_score=55,
        dropped_quotes=1,
        model_follow_up="And then?",
        rewrites=(Rewrite("minimal", "t", ("structure.result_missing",), 70),),
        provenance=Provenance(provider="openai", model="gpt-x", input_tokens=3, output_tokens=4),
        fallback=Fallback(ModelGap.BUDGET, "note ✓", "budget", datetime(2026, 11, 27, tzinfo=UTC)),
        probe=ProbeResult("structure.result_missing", True, 40, Evidence("q", 0, 1)),
    )
