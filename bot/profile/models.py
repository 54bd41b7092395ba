"""Value types of the profile domain: resume facts, job facts, a profile, a personal plan.

Everything is text and structure, JSON-ready (``to_dict``/``from_dict``): the resume file
itself is never kept, only what was read from it.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.catalog import Kind, Language, Level

log = logging.getLogger(__name__)


class Personalise(enum.StrEnum):
    """What `/interview start personalise:` draws on."""

    NONE = "none"
    RESUME = "resume"
    JOB = "job"
    BOTH = "both"

    @property
    def uses_resume(self) -> bool:
        """Tell whether the resume is used."""
        return self in (Personalise.RESUME, Personalise.BOTH)

    @property
    def uses_job(self) -> bool:
        """Tell whether the job description is used."""
        return self in (Personalise.JOB, Personalise.BOTH)


@dataclass(frozen=True, slots=True)
class Role:
    """A position held: title, employer and when."""

    title: str
    company: str = ""
    period: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready form."""
        return {"title": self.title, "company": self.company, "period": self.period}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Role:
        """Rebuild a role written by ``to_dict``."""
        return cls(str(data["title"]), str(data.get("company", "")), str(data.get("period", "")))


@dataclass(frozen=True, slots=True)
class Project:
    """Something the candidate did: its name, what they did (the verb) and where."""

    name: str
    action: str = ""
    company: str = ""
    line: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready form."""
        return {
            "name": self.name,
            "action": self.action,
            "company": self.company,
            "line": self.line,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Project:
        """Rebuild a project written by ``to_dict``."""
        return cls(
            str(data["name"]),
            str(data.get("action", "")),
            str(data.get("company", "")),
            str(data.get("line", "")),
        )


@dataclass(frozen=True, slots=True)
class ResumeFacts:
    """What a resume says: roles, projects, skills and measured results (each a line)."""

    roles: tuple[Role, ...] = ()
    projects: tuple[Project, ...] = ()
    skills: tuple[str, ...] = ()
    results: tuple[str, ...] = ()
    source: str = "offline"

    @property
    def empty(self) -> bool:
        """Tell whether nothing was found."""
        return not (self.roles or self.projects or self.skills or self.results)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready form."""
        return {
            "roles": [r.to_dict() for r in self.roles],
            "projects": [p.to_dict() for p in self.projects],
            "skills": list(self.skills),
            "results": list(self.results),
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ResumeFacts:
        """Rebuild facts written by ``to_dict``."""
        return cls(
            roles=tuple(Role.from_dict(r) for r in data.get("roles", ())),
            projects=tuple(Project.from_dict(p) for p in data.get("projects", ())),
            skills=tuple(str(s) for s in data.get("skills", ())),
            results=tuple(str(r) for r in data.get("results", ())),
            source=str(data.get("source", "offline")),
        )


@dataclass(frozen=True, slots=True)
class JobFacts:
    """What a job description asks for.

    ``kinds``: the interview kinds it implies (behavioral always); ``focus``: skill ids of the
    skill catalogue, most important first; ``tags``: question tags it names (``caching``...),
    which rank bank questions; ``seniority``: the level it is written for, when it says;
    ``context``: a few lines about the company; ``rank``: a rank above senior the job asks
    for ("staff", "principal", "lead"), interviewed as ``seniority`` senior.
    """

    title: str
    company: str = ""
    kinds: tuple[Kind, ...] = (Kind.BEHAVIORAL,)
    focus: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    seniority: Level | None = None
    context: tuple[str, ...] = ()
    source: str = "offline"
    rank: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready form."""
        return {
            "title": self.title,
            "company": self.company,
            "kinds": [k.value for k in self.kinds],
            "focus": list(self.focus),
            "tags": list(self.tags),
            "seniority": self.seniority.value if self.seniority else None,
            "context": list(self.context),
            "source": self.source,
            "rank": self.rank,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobFacts:
        """Rebuild facts written by ``to_dict``."""
        seniority = data.get("seniority")
        return cls(
            title=str(data.get("title", "")),
            company=str(data.get("company", "")),
            kinds=tuple(Kind(k) for k in data.get("kinds", ())) or (Kind.BEHAVIORAL,),
            focus=tuple(str(f) for f in data.get("focus", ())),
            tags=tuple(str(t) for t in data.get("tags", ())),
            seniority=Level(seniority) if seniority else None,
            context=tuple(str(c) for c in data.get("context", ())),
            source=str(data.get("source", "offline")),
            rank=str(data.get("rank", "")),
        )


@dataclass(frozen=True, slots=True)
class Resume:
    """A resume as kept: the extracted text, what was read from it, when, in which language."""

    text: str
    facts: ResumeFacts
    pages: int
    language: Language
    updated_at: datetime
    name: str = ""


@dataclass(frozen=True, slots=True)
class JobDescription:
    """A job description as kept: title, company, the pasted text and what was read."""

    title: str
    company: str
    text: str
    facts: JobFacts
    language: Language
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Profile:
    """One user's resume and job description (either may be missing)."""

    user_id: int
    resume: Resume | None = None
    job: JobDescription | None = None

    @property
    def empty(self) -> bool:
        """Tell whether nothing is stored."""
        return self.resume is None and self.job is None


@dataclass(frozen=True, slots=True)
class PlannedQuestion:
    """A question of a personal plan: from the bank, templated, or written by a model."""

    id: str
    text: str
    source: str  # "bank" | "template" | "model"
    skills: tuple[str, ...] = ()
    hint: str = ""
    why: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready form."""
        return {
            "id": self.id,
            "text": self.text,
            "source": self.source,
            "skills": list(self.skills),
            "hint": self.hint,
            "why": self.why,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlannedQuestion:
        """Rebuild a planned question written by ``to_dict``."""
        return cls(
            id=str(data["id"]),
            text=str(data["text"]),
            source=str(data.get("source", "bank")),
            skills=tuple(str(s) for s in data.get("skills", ())),
            hint=str(data.get("hint", "")),
            why=str(data.get("why", "")),
        )


@dataclass(frozen=True, slots=True)
class PersonalPlan:
    """How one interview was personalised: what it drew on and the questions chosen."""

    mode: Personalise
    questions: tuple[PlannedQuestion, ...]
    focus: tuple[str, ...] = ()
    job_title: str = ""
    company: str = ""
    session_id: int | None = None
    created_at: datetime | None = None
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready form (without the session id and time, stored beside it)."""
        return {
            "mode": self.mode.value,
            "questions": [q.to_dict() for q in self.questions],
            "focus": list(self.focus),
            "job_title": self.job_title,
            "company": self.company,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        session_id: int | None = None,
        created_at: datetime | None = None,
    ) -> PersonalPlan:
        """Rebuild a plan written by ``to_dict``."""
        return cls(
            mode=Personalise(data.get("mode", "none")),
            questions=tuple(PlannedQuestion.from_dict(q) for q in data.get("questions", ())),
            focus=tuple(str(f) for f in data.get("focus", ())),
            job_title=str(data.get("job_title", "")),
            company=str(data.get("company", "")),
            session_id=session_id,
            created_at=created_at,
            notes=tuple(str(n) for n in data.get("notes", ())),
        )
