"""The Evaluator port served by a model, with the offline rubric's hard facts as bounds.

The rubric always runs first. The model's reply streams section by section (each finished
section can be shown at once through the context's ``on_section``), is validated, and is
merged with the rubric's hard facts (see ``bot.coaching.model_feedback``): the model's
scores stand, every quote is a real slice of the answer. If no provider answers, the stream
breaks, the reply is malformed or the server's token budget is spent, the offline evaluation
is returned with a note saying why. When no key serves the server at all (no bot key, no key
of its own), the offline evaluation is returned as it is: that is the normal offline mode.

The router comes from a ``RouteResolver`` (``bot.llm.guild_routing``): the grading context's
server picks its own keys, else the bot's. The daily token budget is checked and charged
only on the bot's keys.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.catalog import Language, Question
from bot.coaching.answer import Answer
from bot.coaching.grading import GradingContext, PriorTurn, SectionCallback
from bot.coaching.model_feedback import merge
from bot.coaching.models import Evaluation, Fallback, ModelGap, Provenance
from bot.coaching.rubric import Assessment, Rubric
from bot.copy import text as copy_text
from bot.llm.feedback_parse import REQUIRED_SECTIONS, parse_feedback
from bot.llm.guild_routing import Route, RouteResolver, StaticRoutes
from bot.llm.json_stream import MalformedReply, Section, SectionStreamParser, parse_sections
from bot.llm.prompts import PromptRegistry, PromptTemplate
from bot.llm.router import DeadlineExceeded, LLMRouter
from bot.llm.types import (
    AllProvidersFailed,
    LLMError,
    LLMRequest,
    LLMResult,
    StreamInterrupted,
)

log = logging.getLogger(__name__)

EVALUATE_PROMPT = "evaluate"
FOLLOW_UP_PROMPT = "follow_up"
VERBATIM_TURNS = 3
# Bounds what one earlier turn can add to the prompt (answers may be 25k characters).
MAX_VERBATIM_CHARS = 3000
MAX_SUMMARY_CHARS = 100
MAX_FOLLOW_UP_CHARS = 300
# One grading waits this long for the model, across retries and failover, before the
# offline coach answers (LLM_GRADING_DEADLINE_SECONDS).
DEFAULT_DEADLINE_S = 45.0
# Past the router's deadline, what the caller's own work between deltas may add.
DEADLINE_GRACE_S = 2.0

_NOTES = {"unavailable": "coaching.model_unavailable", "budget": "coaching.budget_used"}

Now = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def next_reset(now: datetime) -> datetime:
    """Return the next UTC midnight after ``now``, when daily budgets start again."""
    day = now.astimezone(UTC).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def format_wait(delta: timedelta, language: Language) -> str:
    """Render a wait such as "3 h 12 min" (rounded up to the minute, at least 1 min)."""
    minutes = max(1, -(-int(delta.total_seconds()) // 60))
    hours, mins = divmod(minutes, 60)
    parts = [copy_text("coaching.wait_hours", language, hours=hours)] if hours else []
    if mins:
        parts.append(copy_text("coaching.wait_minutes", language, minutes=mins))
    return " ".join(parts)


class BudgetPort(Protocol):
    """A per-server token allowance checked before and charged after each model call."""

    async def allow(self, guild_id: int | None) -> bool:
        """Tell whether the server may make another model call now."""
        ...

    async def spend(self, guild_id: int | None, tokens: int) -> None:
        """Charge ``tokens`` to the server's allowance."""
        ...


def _format_probe(context: GradingContext) -> str:
    """Describe the follow-up a reply answers, for the model (empty for a first answer)."""
    if context.probe is None:
        return ""
    return context.probe.text


def estimate_tokens(request: LLMRequest, reply: str) -> int:
    """Estimate a call's tokens (about four characters each) when the provider gave no count."""
    sent = len(request.system_static) + len(request.system_dynamic)
    sent += sum(len(m.content) for m in request.messages)
    return max(1, (sent + len(reply)) // 4)


def _clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _one_line(text: str, limit: int) -> str:
    """Collapse whitespace and cut to ``limit`` characters."""
    return _clip(" ".join(text.split()), limit)


def format_context(turns: Sequence[PriorTurn]) -> str:
    """Render earlier turns: the last three verbatim, older ones one line each."""
    shown = [t for t in turns if t.answer or t.skipped or t.score is not None]
    if not shown:
        return ""
    cut = max(0, len(shown) - VERBATIM_TURNS)
    lines: list[str] = []
    for t in shown[:cut]:
        label = "follow-up" if t.follow_up else "question"
        if t.score is not None:
            outcome = f"score {t.score}"
        elif t.skipped:
            outcome = "skipped"
        else:
            outcome = "answered"
        lines.append(
            f"- Turn {t.index + 1} ({label}, {outcome}): {_one_line(t.prompt, MAX_SUMMARY_CHARS)}"
        )
    for t in shown[cut:]:
        label = "Follow-up" if t.follow_up else "Question"
        answer = _clip(t.answer, MAX_VERBATIM_CHARS) if t.answer else "(no answer)"
        lines.append(f"Turn {t.index + 1}. {label}: {t.prompt.strip()}\nAnswer: {answer}")
    return "\n\n".join(lines)


def format_rubric_findings(evaluation: Evaluation) -> str:
    """Render the rubric's findings as short lines for the model to build on."""
    lines = []
    for f in evaluation.findings:
        mark = "+" if f.positive else "-"
        where = f' (quote: "{_one_line(f.evidence.quote, 120)}")' if f.evidence.quote else ""
        lines.append(
            f"{mark} {f.rule_id} [{f.dimension.value}, {f.severity.value}]: {f.message}{where}"
        )
    lines.append(f"Rubric score: {evaluation.score}/100; on topic: {evaluation.on_topic}.")
    return "\n".join(lines)


def _ab_key(context: GradingContext, question: Question, answer_text: str) -> str:
    """Return the key that picks the prompt version (stable for a session when one is given)."""
    if context.ab_key:
        return context.ab_key
    digest = hashlib.sha256(answer_text.encode("utf-8")).hexdigest()[:16]
    return f"{question.id}:{digest}"


class LLMEvaluator:
    """Grade with the rubric, then with a model; merge the two or degrade to the rubric."""

    def __init__(
        self,
        router: LLMRouter | RouteResolver | None,
        registry: PromptRegistry,
        rubric: Rubric,
        *,
        budget: BudgetPort | None = None,
        temperature: float = 0.2,
        follow_up_temperature: float = 0.7,
        now: Now = _utc_now,
        deadline_s: float = DEFAULT_DEADLINE_S,
    ) -> None:
        # A bare router (or None) serves every server alike.
        self._routes: RouteResolver = (
            StaticRoutes(router) if router is None or isinstance(router, LLMRouter) else router
        )
        self._now = now
        self._registry = registry
        self._rubric = rubric
        self._budget = budget
        self._temperature = temperature
        self._follow_up_temperature = follow_up_temperature
        self.deadline_s = deadline_s

    async def evaluate(
        self, answer: Answer, question: Question, context: GradingContext
    ) -> Evaluation:
        """Return the model's evaluation bounded by the rubric's hard facts, or the rubric's."""
        assessment = self._rubric.assess(answer, question, context.level, context.language)
        if assessment.evaluation.word_count == 0:
            # Nothing was said: there is nothing for a model to add.
            return assessment.evaluation
        # One deadline for the whole grading: retries, backoff and failover included.
        deadline = asyncio.get_running_loop().time() + self.deadline_s
        async with self._routes.use(context.guild_id) as route:
            try:
                async with asyncio.timeout_at(deadline + DEADLINE_GRACE_S) as limit:
                    return await self._evaluate_on(
                        route, assessment, answer, question, context, deadline
                    )
            except TimeoutError:
                if not limit.expired():
                    raise
                # The router stops at the deadline; this catches a caller's section
                # callback (the live preview) that held the grading past it.
                log.warning("evaluation passed its deadline (%s); using the rubric", context.ids())
                return self._degraded(
                    assessment.evaluation, context.language, "unavailable", "deadline"
                )

    async def _evaluate_on(
        self,
        route: Route,
        assessment: Assessment,
        answer: Answer,
        question: Question,
        context: GradingContext,
        deadline: float | None = None,
    ) -> Evaluation:
        """Grade on one route; degrade to the rubric when the model cannot be used."""
        offline = assessment.evaluation
        if route.router is None:
            return offline
        guild = route.guild_id
        language = context.language
        if route.metered and not await self._allowed(guild):
            return self._budget_exhausted(offline, language)
        try:
            template = self._registry.choose(
                EVALUATE_PROMPT, language.value, _ab_key(context, question, answer.text)
            )
            request = _render(
                template,
                kind=question.kind.value,
                level=context.level.value,
                question=context.asked or question.text,
                answer=answer.text,
                rubric_findings=format_rubric_findings(offline),
                context=format_context(context.history),
                probe=_format_probe(context),
                memory="\n".join(f"- {line}" for line in context.memory),
            )
        except LLMError:
            log.exception("evaluation prompt could not be rendered (%s)", context.ids())
            return self._degraded(offline, language, "unavailable", "prompt")
        request = replace(request, temperature=self._temperature, trace=context.ids())
        # Optional sections (on_topic, follow_up, rewrites) may be missing from a reply.
        parser = SectionStreamParser(k for k in template.sections if k in REQUIRED_SECTIONS)
        call = route.router.stream(request, key=route.usage_label, deadline=deadline)
        result: LLMResult | None = None
        broken: MalformedReply | None = None
        try:
            async for delta in call:
                if broken is not None:
                    continue
                try:
                    sections_done = parser.feed(delta)
                except MalformedReply as exc:
                    # Drain the rest so the call is recorded and charged like any other.
                    broken = exc
                    continue
                for section in sections_done:
                    await self._emit(context.on_section, section, context)
            result = call.result
            if broken is not None:
                raise broken
            sections = parser.finish()
            feedback = parse_feedback(sections, provider=result.provider, model=result.model)
        except AllProvidersFailed as exc:
            log.warning("evaluation fell back to the rubric (%s): %s", context.ids(), exc)
            why = "deadline" if isinstance(exc, DeadlineExceeded) else "all_providers_failed"
            return self._degraded(offline, language, "unavailable", why)
        except StreamInterrupted as exc:
            log.warning(
                "evaluation stream from %s broke (%s); using the rubric",
                exc.provider,
                context.ids(),
            )
            if route.metered:
                # The provider reports no usage for a broken stream, but it did bill it.
                await self._spend_tokens(guild, estimate_tokens(request, exc.partial_text))
            cut = deadline is not None and asyncio.get_running_loop().time() >= deadline
            return self._degraded(
                offline, language, "unavailable", "deadline" if cut else "stream_interrupted"
            )
        except LLMError as exc:
            # Malformed JSON or a reply of the wrong shape; the provider did answer. The
            # reply may quote the answer, so its text is for DEBUG only.
            log.warning(
                "evaluation reply unusable (%s, %s); using the rubric",
                type(exc).__name__,
                context.ids(),
            )
            log.debug("evaluation reply problem: %s", exc)
            return self._degraded(offline, language, "unavailable", "malformed")
        finally:
            if result is not None and route.metered:
                await self._spend(guild, result)
        merged = merge(
            answer.text, offline, feedback, question.kind, context.level, assessment.caps
        )
        evaluation = replace(merged.evaluation, provenance=self._provenance(template, result))
        log.debug(
            "llm evaluation via %s/%s %s (%s): score %d (rubric %d), %d quote(s) dropped",
            result.provider,
            result.model,
            template.version,
            context.ids(),
            evaluation.score,
            offline.score,
            merged.dropped_quotes,
        )
        return evaluation

    async def follow_up(
        self, answer: Answer, question: Question, context: GradingContext
    ) -> str | None:
        """Return one probing follow-up question from the model, or None if it cannot."""
        if not answer.text.strip():
            return None
        async with self._routes.use(context.guild_id) as route:
            return await self._follow_up_on(route, answer, question, context)

    async def _follow_up_on(
        self, route: Route, answer: Answer, question: Question, context: GradingContext
    ) -> str | None:
        """Ask one route for a follow-up; None when there is no model or it fails."""
        if route.router is None:
            return None
        guild = route.guild_id
        if route.metered and not await self._allowed(guild):
            return None
        previous = [t.prompt.strip() for t in context.history if t.follow_up]
        result: LLMResult | None = None
        try:
            template = self._registry.choose(
                FOLLOW_UP_PROMPT, context.language.value, _ab_key(context, question, answer.text)
            )
            request = _render(
                template,
                kind=question.kind.value,
                level=context.level.value,
                question=context.asked or question.text,
                answer=answer.text,
                previous_follow_ups="\n".join(previous),
            )
            request = replace(request, temperature=self._follow_up_temperature, trace=context.ids())
            result = await route.router.complete(request, key=route.usage_label)
            sections = parse_sections(result.text, ("follow_up",))
        except LLMError as exc:
            log.warning("model follow-up unavailable (%s, %s)", type(exc).__name__, context.ids())
            return None
        finally:
            if result is not None and route.metered:
                await self._spend(guild, result)
        value = sections.get("follow_up")
        if not isinstance(value, str):
            return None
        text = _one_line(value, MAX_FOLLOW_UP_CHARS)
        if not text or text in previous:
            return None
        return text

    async def _allowed(self, guild_id: int | None) -> bool:
        """Ask the budget, treating a broken budget store as "no" rather than crashing."""
        if self._budget is None:
            return True
        try:
            return await self._budget.allow(guild_id)
        except Exception:
            log.exception("budget check failed for guild %s; skipping the model", guild_id)
            return False

    async def _spend(self, guild_id: int | None, result: LLMResult) -> None:
        """Charge the call's tokens; a broken budget store never breaks grading."""
        await self._spend_tokens(guild_id, result.input_tokens + result.output_tokens)

    async def _spend_tokens(self, guild_id: int | None, tokens: int) -> None:
        """Charge ``tokens`` to the guild; a broken budget store never breaks grading."""
        if self._budget is None:
            return
        try:
            await self._budget.spend(guild_id, tokens)
        except Exception:
            log.exception("budget spend failed for guild %s", guild_id)

    @staticmethod
    async def _emit(
        callback: SectionCallback | None, section: Section, context: GradingContext
    ) -> None:
        """Hand one finished section to the UI; its failures are logged, not raised."""
        if callback is None:
            return
        try:
            await callback(section.key, section.value)
        except Exception:
            log.exception(
                "on_section callback failed for section %r (%s)", section.key, context.ids()
            )

    @staticmethod
    def _provenance(template: PromptTemplate, result: LLMResult) -> Provenance:
        """Return which model and prompt graded, and the call's tokens."""
        return Provenance(
            provider=result.provider,
            model=result.model,
            prompt_id=template.id,
            prompt_version=template.version,
            prompt_language=template.language,
            input_tokens=result.input_tokens,
            output_tokens=result.output_tokens,
        )

    def _budget_exhausted(self, offline: Evaluation, language: Language) -> Evaluation:
        """Return the rubric's evaluation with a note saying when the budget resets."""
        now = self._now()
        reset = next_reset(now)
        note = copy_text(_NOTES["budget"], language, wait=format_wait(reset - now, language))
        return replace(
            offline,
            fallback=Fallback(
                gap=ModelGap.BUDGET,
                note=note,
                detail="budget",
                resets_at=reset,
            ),
        )

    @staticmethod
    def _degraded(
        offline: Evaluation, language: Language, reason: str, error: str | None = None
    ) -> Evaluation:
        """Return the rubric's evaluation annotated with why the model failed."""
        return replace(
            offline,
            fallback=Fallback(
                gap=ModelGap.UNAVAILABLE,
                note=copy_text(_NOTES[reason], language),
                detail=error or reason,
            ),
        )


def _render(template: PromptTemplate, **values: object) -> LLMRequest:
    """Render a template with the values it declares (older versions know fewer)."""
    return template.render(**{k: v for k, v in values.items() if k in template.variables})
