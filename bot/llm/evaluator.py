"""The Evaluator port served by a model, grounded in and bounded by the offline rubric.

The rubric always runs first. The model's reply streams section by section (each finished
section can be shown at once through ``on_section``), is validated, and is merged with the
rubric so every quote is a real slice of the answer and the score stays near the rubric's.
If no provider answers, the stream breaks, the reply is malformed or the server's token
budget is spent, the offline evaluation is returned with a note saying why. When no key
serves the server at all (no bot key, no key of its own), the offline evaluation is
returned as it is: that is the normal offline mode, not a failure.

The router comes from a ``RouteResolver`` (``bot.llm.guild_routing``): a server's own keys,
else the bot's. The daily token budget is checked and charged only on the bot's keys.

Per-call details the Evaluator port has no room for (guild, A/B key, a section callback for
this one reply) travel in a context variable: ``with llm_scope(guild_id=..., key=...):``.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from bot.catalog import Language, Level, Question
from bot.coaching.answer import Answer
from bot.coaching.model_feedback import merge
from bot.coaching.models import Evaluation
from bot.coaching.rubric import Rubric
from bot.interview.models import Turn, TurnStatus
from bot.llm.feedback_parse import parse_feedback
from bot.llm.guild_routing import Route, RouteResolver, StaticRoutes
from bot.llm.json_stream import MalformedReply, Section, SectionStreamParser, parse_sections
from bot.llm.prompts import PromptRegistry, PromptTemplate
from bot.llm.router import LLMRouter
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

SectionCallback = Callable[[str, Any], Awaitable[None]]

_NOTES: dict[str, dict[Language, str]] = {
    "unavailable": {
        Language.EN: "The AI coach was unavailable, so this is the offline rubric's feedback. "
        "Your answer is saved and can be re-graded later.",
        Language.KO: "AI 코치를 사용할 수 없어 오프라인 채점 결과를 보여 드립니다. "
        "답변은 저장되었으며 나중에 다시 채점할 수 있습니다.",
    },
    "budget": {
        Language.EN: "This server has used today's AI coaching budget, so this is the offline "
        "coach's feedback (your answer is saved). The budget resets at midnight UTC, "
        "in {wait}; then `/interview reevaluate` re-grades it with the AI coach.",
        Language.KO: "이 서버의 오늘 AI 코칭 사용량이 모두 소진되어 오프라인 코치의 피드백을 "
        "보여 드립니다(답변은 저장되었습니다). 사용량은 UTC 자정, {wait} 후에 초기화되며, "
        "그 뒤 `/interview reevaluate`로 AI 코치에게 다시 채점받을 수 있습니다.",
    },
}

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
    if language is Language.KO:
        parts = ([f"{hours}시간"] if hours else []) + ([f"{mins}분"] if mins else [])
    else:
        parts = ([f"{hours} h"] if hours else []) + ([f"{mins} min"] if mins else [])
    return " ".join(parts)


class BudgetPort(Protocol):
    """A per-server token allowance checked before and charged after each model call."""

    async def allow(self, guild_id: int | None) -> bool:
        """Tell whether the server may make another model call now."""
        ...

    async def spend(self, guild_id: int | None, tokens: int) -> None:
        """Charge ``tokens`` to the server's allowance."""
        ...


@dataclass(frozen=True, slots=True)
class LLMScope:
    """Per-call details the Evaluator port has no parameters for."""

    guild_id: int | None = None
    key: str | None = None
    on_section: SectionCallback | None = None
    # The text actually asked (a follow-up's wording rather than the bank question).
    prompt_text: str | None = None
    # Ids for log lines only (a failed reply is traced to its session, never by its text).
    session_id: int | None = None
    user_id: int | None = None


_scope: contextvars.ContextVar[LLMScope | None] = contextvars.ContextVar(
    "mockingbird_llm_scope", default=None
)


@contextlib.contextmanager
def llm_scope(
    *,
    guild_id: int | None = None,
    key: str | None = None,
    on_section: SectionCallback | None = None,
    prompt_text: str | None = None,
    session_id: int | None = None,
    user_id: int | None = None,
) -> Iterator[LLMScope]:
    """Set the guild, A/B key, section callback, asked text and log ids inside the block."""
    scope = LLMScope(
        guild_id=guild_id,
        key=key,
        on_section=on_section,
        prompt_text=prompt_text,
        session_id=session_id,
        user_id=user_id,
    )
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


def current_scope() -> LLMScope:
    """Return the scope set by the innermost ``llm_scope`` (an empty one outside any)."""
    return _scope.get() or LLMScope()


def _ids(scope: LLMScope, guild_id: int | None) -> str:
    """Return the ids that trace a model call in the logs (never any answer text)."""
    return f"session {scope.session_id}, user {scope.user_id}, guild {guild_id}"


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


def format_context(turns: Sequence[Turn]) -> str:
    """Render earlier turns: the last three verbatim, older ones one line each."""
    shown = [t for t in turns if t.status is not TurnStatus.ASKED or t.answer]
    if not shown:
        return ""
    cut = max(0, len(shown) - VERBATIM_TURNS)
    lines: list[str] = []
    for t in shown[:cut]:
        label = "follow-up" if t.is_follow_up else "question"
        if t.evaluation is not None:
            outcome = f"score {t.evaluation.score}"
        elif t.status is TurnStatus.SKIPPED:
            outcome = "skipped"
        else:
            outcome = "answered"
        lines.append(
            f"- Turn {t.index + 1} ({label}, {outcome}): {_one_line(t.prompt, MAX_SUMMARY_CHARS)}"
        )
    for t in shown[cut:]:
        label = "Follow-up" if t.is_follow_up else "Question"
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


def _ab_key(scope: LLMScope, question: Question, answer_text: str) -> str:
    """Return the key that picks the prompt version (stable for a session when one is given)."""
    if scope.key:
        return scope.key
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
        on_section: SectionCallback | None = None,
        budget: BudgetPort | None = None,
        temperature: float = 0.2,
        follow_up_temperature: float = 0.7,
        now: Now = _utc_now,
    ) -> None:
        # A bare router (or None) serves every server alike.
        self._routes: RouteResolver = (
            StaticRoutes(router) if router is None or isinstance(router, LLMRouter) else router
        )
        self._now = now
        self._registry = registry
        self._rubric = rubric
        self._on_section = on_section
        self._budget = budget
        self._temperature = temperature
        self._follow_up_temperature = follow_up_temperature

    async def evaluate(
        self,
        answer: Answer,
        question: Question,
        level: Level,
        language: Language,
        context: Sequence[Turn],
        *,
        guild_id: int | None = None,
        on_section: SectionCallback | None = None,
    ) -> Evaluation:
        """Return the model's evaluation merged with the rubric's, or the rubric's alone."""
        offline = self._rubric.evaluate(answer, question, level, language)
        if offline.word_count == 0:
            # Nothing was said: there is nothing for a model to add.
            return offline
        scope = current_scope()
        guild = guild_id if guild_id is not None else scope.guild_id
        callback = on_section or scope.on_section or self._on_section
        async with self._routes.use(guild) as route:
            return await self._evaluate_on(
                route, offline, answer, question, level, language, context, scope, callback
            )

    async def _evaluate_on(
        self,
        route: Route,
        offline: Evaluation,
        answer: Answer,
        question: Question,
        level: Level,
        language: Language,
        context: Sequence[Turn],
        scope: LLMScope,
        callback: SectionCallback | None,
    ) -> Evaluation:
        """Grade on one route; degrade to ``offline`` when the model cannot be used."""
        if route.router is None:
            return offline
        guild = route.guild_id
        if route.metered and not await self._allowed(guild):
            return self._budget_exhausted(offline, language)
        try:
            template = self._registry.choose(
                EVALUATE_PROMPT, language.value, _ab_key(scope, question, answer.text)
            )
            request = template.render(
                kind=question.kind.value,
                level=level.value,
                question=scope.prompt_text or question.text,
                answer=answer.text,
                rubric_findings=format_rubric_findings(offline),
                context=format_context(context),
            )
        except LLMError:
            log.exception("evaluation prompt could not be rendered; using the rubric")
            return self._degraded(offline, language, "unavailable", "prompt")
        request = replace(request, temperature=self._temperature)
        parser = SectionStreamParser(template.sections)
        call = route.router.stream(request, key=route.usage_label)
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
                    await self._emit(callback, section)
            result = call.result
            if broken is not None:
                raise broken
            sections = parser.finish()
            feedback = parse_feedback(sections, provider=result.provider, model=result.model)
        except AllProvidersFailed as exc:
            log.warning("evaluation fell back to the rubric (%s): %s", _ids(scope, guild), exc)
            return self._degraded(offline, language, "unavailable", "all_providers_failed")
        except StreamInterrupted as exc:
            log.warning(
                "evaluation stream from %s broke (%s); using the rubric",
                exc.provider,
                _ids(scope, guild),
            )
            if route.metered:
                # The provider reports no usage for a broken stream, but it did bill it.
                await self._spend_tokens(guild, estimate_tokens(request, exc.partial_text))
            return self._degraded(offline, language, "unavailable", "stream_interrupted")
        except LLMError as exc:
            # Malformed JSON or a reply of the wrong shape; the provider did answer. The
            # reply may quote the answer, so its text is for DEBUG only.
            log.warning(
                "evaluation reply unusable (%s, %s); using the rubric",
                type(exc).__name__,
                _ids(scope, guild),
            )
            log.debug("evaluation reply problem: %s", exc)
            return self._degraded(offline, language, "unavailable", "malformed")
        finally:
            if result is not None and route.metered:
                await self._spend(guild, result)
        merged = merge(answer.text, offline, feedback)
        extra = dict(merged.evaluation.extra)
        extra.update(self._call_extra(template, result))
        log.debug(
            "llm evaluation via %s/%s %s: score %d (rubric %d), %d quote(s) dropped",
            result.provider,
            result.model,
            template.version,
            merged.evaluation.score,
            offline.score,
            merged.dropped_quotes,
        )
        return replace(merged.evaluation, extra=extra)

    async def follow_up(
        self,
        answer: Answer,
        question: Question,
        level: Level,
        language: Language,
        context: Sequence[Turn] = (),
        *,
        guild_id: int | None = None,
    ) -> str | None:
        """Return one probing follow-up question from the model, or None if it cannot."""
        if not answer.text.strip():
            return None
        scope = current_scope()
        guild = guild_id if guild_id is not None else scope.guild_id
        async with self._routes.use(guild) as route:
            return await self._follow_up_on(
                route, answer, question, level, language, context, scope
            )

    async def _follow_up_on(
        self,
        route: Route,
        answer: Answer,
        question: Question,
        level: Level,
        language: Language,
        context: Sequence[Turn],
        scope: LLMScope,
    ) -> str | None:
        """Ask one route for a follow-up; None when there is no model or it fails."""
        if route.router is None:
            return None
        guild = route.guild_id
        if route.metered and not await self._allowed(guild):
            return None
        previous = [
            t.prompt.strip() for t in context if t.is_follow_up and t.question_id == question.id
        ]
        result: LLMResult | None = None
        try:
            template = self._registry.choose(
                FOLLOW_UP_PROMPT, language.value, _ab_key(scope, question, answer.text)
            )
            request: LLMRequest = template.render(
                kind=question.kind.value,
                level=level.value,
                question=scope.prompt_text or question.text,
                answer=answer.text,
                previous_follow_ups="\n".join(previous),
            )
            request = replace(request, temperature=self._follow_up_temperature)
            result = await route.router.complete(request, key=route.usage_label)
            sections = parse_sections(result.text, ("follow_up",))
        except LLMError as exc:
            log.warning("model follow-up unavailable (%s)", type(exc).__name__)
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
    async def _emit(callback: SectionCallback | None, section: Section) -> None:
        """Hand one finished section to the UI; its failures are logged, not raised."""
        if callback is None:
            return
        try:
            await callback(section.key, section.value)
        except Exception:
            log.exception("on_section callback failed for section %r", section.key)

    @staticmethod
    def _call_extra(template: PromptTemplate, result: LLMResult) -> dict[str, Any]:
        """Return the provenance fields stored with a model evaluation."""
        return {
            "provider": result.provider,
            "model": result.model,
            "prompt_id": template.id,
            "prompt_version": template.version,
            "prompt_language": template.language,
            "input_tokens": result.input_tokens,
            "output_tokens": result.output_tokens,
            "llm_failed": False,
        }

    def _budget_exhausted(self, offline: Evaluation, language: Language) -> Evaluation:
        """Return the rubric's evaluation with a note saying when the budget resets."""
        now = self._now()
        reset = next_reset(now)
        notes = _NOTES["budget"]
        note = notes.get(language, notes[Language.EN])
        extra = dict(offline.extra)
        extra["note"] = note.format(wait=format_wait(reset - now, language))
        extra["budget_exhausted"] = True
        # Kept for readers written before the cog learnt "budget_exhausted".
        extra["llm_budget_exhausted"] = True
        # The model was wanted and not used: /interview reevaluate re-grades such answers
        # once the budget resets (it looks for "llm_failed").
        extra["llm_failed"] = True
        extra["llm_error"] = "budget"
        # The cog can render this as a Discord timestamp in the reader's own time zone.
        extra["budget_resets_at"] = reset.isoformat()
        return replace(offline, extra=extra)

    @staticmethod
    def _degraded(
        offline: Evaluation, language: Language, reason: str, error: str | None = None
    ) -> Evaluation:
        """Return the rubric's evaluation annotated with why the model failed."""
        extra = dict(offline.extra)
        notes = _NOTES[reason]
        extra["note"] = notes.get(language, notes[Language.EN])
        extra["llm_failed"] = True
        extra["llm_error"] = error or reason
        return replace(offline, extra=extra)
