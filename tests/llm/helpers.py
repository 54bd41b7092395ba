"""Shared constants, doubles and scripted model replies for the LLM tests."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.catalog import Kind, Language, Level, Question
from bot.llm import AnthropicProvider, OpenAIProvider, PromptRegistry, UsageRecord

log = logging.getLogger(__name__)

OPENAI_KEY = "sk-test-openai-0123456789abcdefghij"
ANTHROPIC_KEY = "sk-ant-test-0123456789abcdefghijkl"

OpenAIFactory = Callable[..., OpenAIProvider]
AnthropicFactory = Callable[..., AnthropicProvider]

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"

STORY = (
    "When we planned the database migration, my teammate wanted a big-bang cutover and I "
    "disagreed. I proposed a phased rollout, we compared the risks together, and we kind of "
    "started the migration with two services. In the end the cutover took three weeks and "
    "had zero downtime."
)
BEHAVIORAL = Question(
    id="beh-disagreement",
    kind=Kind.BEHAVIORAL,
    language=Language.EN,
    levels=(Level.JUNIOR, Level.MID, Level.SENIOR),
    skills=("communication",),
    text="Tell me about a time you disagreed with a teammate. How did you resolve it?",
    hint="",
    keywords=("conflict", "disagreement", "teammate", "compromise", "resolve", "migration"),
)

Sections = dict[str, Any]
REGISTRY = PromptRegistry.load()


def reply(**overrides: Any) -> Sections:
    """Return a well-formed evaluation reply grounded in STORY."""
    body: Sections = {
        "dimensions": {"structure": 72, "depth": 80, "communication": 70, "seniority": 66},
        "findings": [
            {
                "id": "f1",
                "dimension": "communication",
                "severity": "minor",
                "quote": "we kind of started the migration",
                "message": "The hedge hides that you drove the rollout.",
                "fix": "Say what you started and why.",
            },
            {
                "id": "f2",
                "dimension": "seniority",
                "severity": "major",
                "quote": None,
                "message": "No one outside the pair is mentioned.",
                "fix": "Name who else the decision affected.",
            },
        ],
        "praise": 'Naming "zero downtime" makes the result concrete.',
        "fix": "Own the rollout decision in the first person.",
        "tip": "Practise a one-line result statement.",
        "follow_up": "How did you decide which two services went first?",
        "rewrites": [
            {"style": "minimal", "text": "I started the migration.", "fixes": ["f1"]},
            {"style": "medium", "text": "I proposed...", "fixes": ["f1", "f2"]},
            {"style": "ideal", "text": "As [role], I...", "fixes": ["f2"], "estimated_score": 88},
        ],
    }
    body.update(overrides)
    return body


def in_order(sections: Sections, body: dict[str, Any]) -> str:
    """Serialise ``sections`` in the key order of the prompt version the request used."""
    raw = json.dumps(body)
    template = next(
        t
        for t in REGISTRY.templates()
        if t.id == "evaluate" and json.dumps(t.system_static.strip())[1:-1] in raw
    )
    return json.dumps({k: sections[k] for k in template.sections if k in sections})


def scripted(sections: Sections) -> Callable[[dict[str, Any]], str]:
    """Return a fake reply function that answers in the prompt's own section order."""
    return lambda body: in_order(sections, body)


class ListSink:
    """A UsageSink that keeps records in memory."""

    def __init__(self) -> None:
        self.records: list[UsageRecord] = []

    async def record(self, usage: UsageRecord) -> None:
        """Keep the record."""
        self.records.append(usage)
