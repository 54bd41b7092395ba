"""The rubric's rules, in priority order: the first problem listed is the first to fix."""

from __future__ import annotations

import logging

from bot.coaching.rules import communication, depth, positive, seniority, structure
from bot.coaching.rules.base import Rule

log = logging.getLogger(__name__)

# Off-topic and far-too-short answers make every other finding moot, so they lead.
_FIRST = (communication.OFF_TOPIC, depth.SHALLOW)

ALL_RULES: tuple[Rule, ...] = (
    *_FIRST,
    *structure.RULES,
    *(r for r in depth.RULES if r not in _FIRST),
    *(r for r in communication.RULES if r not in _FIRST),
    *seniority.RULES,
    *positive.RULES,
)

RULE_IDS: tuple[str, ...] = tuple(rule.id for rule in ALL_RULES)
# The rules that criticise: each has follow-up probes and a coaching fix.
PROBLEM_RULE_IDS: tuple[str, ...] = tuple(
    rule.id for rule in ALL_RULES if rule not in positive.RULES
)
# Notes the rubric adds itself (not rules): they cost nothing and need text like a rule.
NOTE_IDS: tuple[str, ...] = ("communication.language_mismatch", "delivery.filler_spike")
# Every id a lexicon must have text for.
TEXT_IDS: tuple[str, ...] = (*RULE_IDS, *NOTE_IDS)

__all__ = ["ALL_RULES", "NOTE_IDS", "PROBLEM_RULE_IDS", "RULE_IDS", "TEXT_IDS", "Rule"]
