"""Feed finished negotiations to the skill graph as practice of the "negotiation" skill."""

from __future__ import annotations

import logging
from typing import Protocol

from bot.negotiation.models import Debrief, Outcome

log = logging.getLogger(__name__)

SKILL_ID = "negotiation"


class SkillPractice(Protocol):
    """The skill graph's intake for practice that is not an interview answer."""

    async def practised(self, user_id: int, skill_id: str, score: int) -> None:
        """Count one piece of practice, scored 0-100, towards one skill."""
        ...


class SkillGraphFeed:
    """The negotiation service's ``SkillFeed``: one negotiation is one observation."""

    def __init__(self, graph: SkillPractice) -> None:
        self._graph = graph

    async def negotiation_practised(self, user_id: int, debrief: Debrief) -> None:
        """Record the overall score, unless the candidate stopped before saying anything."""
        if debrief.outcome is Outcome.STOPPED and not debrief.evidence:
            return
        await self._graph.practised(user_id, SKILL_ID, debrief.overall)
