"""What a grading model hears about the job an interview is for, and several memories as one
(the engine takes one ``Memory``; progress and the job both speak)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from bot.copy import text
from bot.interview.models import Session
from bot.interview.ports import Memory
from bot.profile.models import PersonalPlan
from bot.progress.catalogue import SkillCatalogue

log = logging.getLogger(__name__)

PLAN_CACHE = 4096


class Plans(Protocol):
    """Where personal plans are kept (``ProfileStore``)."""

    async def plan(self, session_id: int) -> PersonalPlan | None:
        """Return how an interview was personalised, or None."""
        ...


class JobMemory:
    """For an interview personalised with a job description: the job and what it weighs."""

    def __init__(self, plans: Plans, catalogue: SkillCatalogue) -> None:
        self._plans = plans
        self._catalogue = catalogue
        self._known: dict[int, PersonalPlan | None] = {}

    def remember(self, session_id: int, plan: PersonalPlan | None) -> None:
        """Remember an interview's plan (saves a read on its every answer)."""
        if len(self._known) >= PLAN_CACHE:
            self._known.pop(next(iter(self._known)))
        self._known[session_id] = plan

    async def recall(self, session: Session) -> tuple[str, ...]:
        """Return one line on the job this interview prepares for (none when not personalised)."""
        if session.id is None:
            return ()
        if session.id not in self._known:
            self.remember(session.id, await self._plans.plan(session.id))
        plan = self._known[session.id]
        if plan is None or not plan.job_title:
            return ()
        lang = session.language
        names = [s.name(lang) for f in plan.focus if (s := self._catalogue.get(f)) is not None]
        job = (
            text("profile.model.job_at", lang, title=plan.job_title, company=plan.company)
            if plan.company
            else plan.job_title
        )
        skills = ", ".join(names) or text("profile.model.no_focus", lang)
        return (text("profile.model.focus", lang, job=job, skills=skills),)


class Memories:
    """The lines of every memory, in order; one that fails is left out (and logged)."""

    def __init__(self, memories: Sequence[Memory]) -> None:
        self._memories = tuple(memories)

    async def recall(self, session: Session) -> tuple[str, ...]:
        """Return the lines every memory has for this interview."""
        lines: list[str] = []
        for memory in self._memories:
            try:
                lines += await memory.recall(session)
            except Exception:
                log.exception("Memory %s failed for session %s", memory, session.id)
        return tuple(lines)
