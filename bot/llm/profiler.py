"""The profile's ``ProfileModel`` served by a model: resume and job reading, question writing.

Each call renders a versioned prompt (``prompts/llm/profile_*/<version>.<language>.yaml``),
runs it on the server's (or the bot's) route, and validates the JSON reply against a schema
(pydantic, extra keys ignored, lengths bounded). Any failure (no key, budget spent, provider
down, a reply that does not fit the schema) returns None: the domain then uses its offline
heuristics. Resume and job text travel inside their data tags only.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, Final, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.catalog import Kind, Language, Level
from bot.llm.evaluator import BudgetPort
from bot.llm.guild_routing import Route, RouteResolver
from bot.llm.json_stream import parse_sections
from bot.llm.prompts import PromptRegistry
from bot.llm.types import LLMError, LLMResult
from bot.profile.models import JobFacts, Project, ResumeFacts, Role
from bot.profile.ports import QuestionBrief, WrittenQuestion
from bot.progress.catalogue import SkillCatalogue

log = logging.getLogger(__name__)

RESUME_PROMPT: Final = "profile_resume"
JOB_PROMPT: Final = "profile_job"
QUESTIONS_PROMPT: Final = "profile_questions"
MAX_INPUT_CHARS: Final = 12_000

_Short = Field(default="", max_length=200)


class _Schema(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Role(_Schema):
    title: str = Field(min_length=1, max_length=120)
    company: str = _Short
    period: str = _Short


class _Project(_Schema):
    name: str = Field(min_length=2, max_length=120)
    action: str = _Short
    company: str = _Short
    line: str = Field(default="", max_length=400)


class _Resume(_Schema):
    roles: list[_Role] = Field(default_factory=list, max_length=12)
    projects: list[_Project] = Field(default_factory=list, max_length=12)
    skills: list[str] = Field(default_factory=list, max_length=40)
    results: list[str] = Field(default_factory=list, max_length=12)


class _Job(_Schema):
    kinds: list[Kind] = Field(default_factory=list, max_length=4)
    focus: list[str] = Field(default_factory=list, max_length=10)
    tags: list[str] = Field(default_factory=list, max_length=12)
    seniority: Level | None = None
    context: list[str] = Field(default_factory=list, max_length=5)


class _Question(_Schema):
    text: str = Field(min_length=10, max_length=500)
    tags: list[str] = Field(default_factory=list, max_length=5)
    hint: str = Field(default="", max_length=400)


class _Questions(_Schema):
    questions: list[_Question] = Field(min_length=1, max_length=20)


S = TypeVar("S", bound=_Schema)


class ModelProfileReader:
    """Read resumes and job descriptions and write questions through the model route."""

    def __init__(
        self,
        routes: RouteResolver,
        registry: PromptRegistry,
        catalogue: SkillCatalogue,
        *,
        budget: BudgetPort | None = None,
    ) -> None:
        self._routes = routes
        self._registry = registry
        self._catalogue = catalogue
        self._budget = budget

    async def read_resume(
        self, text: str, language: Language, user_id: int, guild_id: int | None
    ) -> ResumeFacts | None:
        """Return the resume's facts as the model reads them, or None."""
        reply = await self._ask(
            RESUME_PROMPT,
            language,
            guild_id,
            f"user {user_id}, guild {guild_id}",
            resume=text[:MAX_INPUT_CHARS],
        )
        found = _validated(_Resume, reply)
        if found is None:
            return None
        return ResumeFacts(
            roles=tuple(Role(r.title, r.company, r.period) for r in found.roles),
            projects=tuple(Project(p.name, p.action, p.company, p.line) for p in found.projects),
            skills=tuple(s[:60] for s in found.skills if s.strip()),
            results=tuple(r[:300] for r in found.results if r.strip()),
            source="model",
        )

    async def read_job(
        self,
        title: str,
        company: str,
        text: str,
        language: Language,
        user_id: int,
        guild_id: int | None,
    ) -> JobFacts | None:
        """Return the job's facts as the model reads them, or None."""
        skills = "\n".join(f"{s.id}: {s.name(language)}" for s in self._catalogue)
        reply = await self._ask(
            JOB_PROMPT,
            language,
            guild_id,
            f"user {user_id}, guild {guild_id}",
            title=title,
            company=company,
            description=text[:MAX_INPUT_CHARS],
            skills=skills,
            tags=", ".join(sorted(self._catalogue.mapped_tags())),
        )
        found = _validated(_Job, reply)
        if found is None:
            return None
        kinds = [Kind.BEHAVIORAL, *(k for k in found.kinds if k is not Kind.BEHAVIORAL)]
        return JobFacts(
            title=title,
            company=company,
            kinds=tuple(dict.fromkeys(kinds)),
            focus=tuple(found.focus),
            tags=tuple(found.tags),
            seniority=found.seniority,
            context=tuple(c[:240] for c in found.context if c.strip()),
            source="model",
        )

    async def write_questions(self, brief: QuestionBrief) -> list[WrittenQuestion] | None:
        """Return the questions the model writes for the brief, or None."""
        names = [s.name(brief.language) for f in brief.focus if (s := self._catalogue.get(f))]
        reply = await self._ask(
            QUESTIONS_PROMPT,
            brief.language,
            brief.guild_id,
            f"user {brief.user_id}, guild {brief.guild_id}",
            kind=brief.kind.value,
            level=brief.level.value,
            count=str(brief.count),
            role=brief.role,
            focus=", ".join(names),
            tags=", ".join(sorted(self._catalogue.mapped_tags())),
            resume=brief.resume[:MAX_INPUT_CHARS],
            job_description=brief.job[:MAX_INPUT_CHARS],
        )
        found = _validated(_Questions, reply)
        if found is None:
            return None
        return [
            WrittenQuestion(q.text.strip(), tuple(q.tags), q.hint.strip()) for q in found.questions
        ]

    async def _ask(
        self,
        prompt_id: str,
        language: Language,
        guild_id: int | None,
        trace: str,
        **variables: str,
    ) -> dict[str, Any] | None:
        async with self._routes.use(guild_id) as route:
            return await self._ask_on(route, prompt_id, language, trace, variables)

    async def _ask_on(
        self,
        route: Route,
        prompt_id: str,
        language: Language,
        trace: str,
        variables: dict[str, str],
    ) -> dict[str, Any] | None:
        if route.router is None:
            return None
        if route.metered and self._budget is not None:
            try:
                if not await self._budget.allow(route.guild_id):
                    log.info("%s skipped: the day's model budget is spent (%s)", prompt_id, trace)
                    return None
            except Exception:
                log.exception("budget check failed (%s); reading offline", trace)
                return None
        template = self._registry.choose(prompt_id, language.value, trace)
        result: LLMResult | None = None
        try:
            request = replace(template.render(**variables), trace=trace)
            result = await route.router.complete(request, key=route.usage_label)
            return parse_sections(result.text, template.sections)
        except LLMError as exc:
            log.warning("%s unavailable (%s, %s)", prompt_id, type(exc).__name__, trace)
            return None
        finally:
            if result is not None and route.metered and self._budget is not None:
                try:
                    await self._budget.spend(
                        route.guild_id, result.input_tokens + result.output_tokens
                    )
                except Exception:
                    log.exception("budget spend failed (%s)", trace)


def _validated(schema: type[S], reply: dict[str, Any] | None) -> S | None:
    """Return the reply checked against its schema, or None (logged) when it does not fit."""
    if reply is None:
        return None
    try:
        return schema.model_validate(reply)
    except ValidationError as exc:
        log.warning("A %s reply failed its schema: %d errors", schema.__name__, exc.error_count())
        return None
