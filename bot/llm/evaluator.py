"""The Evaluator port served by a model, grounded in and bounded by the offline rubric.

The rubric always runs first. The model's reply streams section by section (each finished
section can be shown at once through ``on_section``), is validated, and is merged with the
rubric so every quote is a real slice of the answer and the score stays near the rubric's.
If no provider answers, the stream breaks, the reply is malformed or the server's token
budget is spent, the offline evaluation is returned with a note saying why.

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
from typing import Any, Protocol

from bot.coaching.answer import Answer
from bot.coaching.model_feedback import merge
from bot.coaching.models import Evaluation
from bot.coaching.rubric import Rubric
from bot.interview.models import Language, Level, Question, Turn, TurnStatus
from bot.llm.feedback_parse import parse_feedback
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
        "rubric's feedback. The budget resets tomorrow (UTC).",
        Language.KO: "이 서버의 오늘 AI 코칭 사용량이 모두 소진되어 오프라인 채점 결과를 "
        "보여 드립니다. 사용량은 내일(UTC) 초기화됩니다.",
    },
}


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
) -> Iterator[LLMScope]:
    """Set the guild, A/B key, section callback and asked text for calls inside the block."""
    scope = LLMScope(guild_id=guild_id, key=key, on_section=on_section, prompt_text=prompt_text)
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


def current_scope() -> LLMScope:
    """Return the scope set by the innermost ``llm_scope`` (an empty one outside any)."""
    return _scope.get() or LLMScope()


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


def _usage_label(guild_id: int | None) -> str | None:
    """Return the label recorded with each call (never a secret)."""
    return f"guild:{guild_id}" if guild_id is not None else None


class LLMEvaluator:
    """Grade with the rubric, then with a model; merge the two or degrade to the rubric."""

    def __init__(
        self,
        router: LLMRouter,
        registry: PromptRegistry,
        rubric: Rubric,
        *,
        on_section: SectionCallback | None = None,
        budget: BudgetPort | None = None,
        temperature: float = 0.2,
        follow_up_temperature: float = 0.7,
    ) -> None:
        self._router = router
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
        if not await self._allowed(guild):
            return self._degraded(offline, language, "budget")
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
        call = self._router.stream(request, key=_usage_label(guild))
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
            log.warning("evaluation fell back to the rubric: %s", exc)
            return self._degraded(offline, language, "unavailable", "all_providers_failed")
        except StreamInterrupted as exc:
            log.warning("evaluation stream from %s broke; using the rubric", exc.provider)
            return self._degraded(offline, language, "unavailable", "stream_interrupted")
        except LLMError as exc:
            # Malformed JSON or a reply of the wrong shape; the provider did answer.
            log.warning("evaluation reply unusable (%s); using the rubric", type(exc).__name__)
            log.debug("evaluation reply problem: %s", exc)
            return self._degraded(offline, language, "unavailable", "malformed")
        finally:
            if result is not None:
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
        if not await self._allowed(guild):
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
            result = await self._router.complete(request, key=_usage_label(guild))
            sections = parse_sections(result.text, ("follow_up",))
        except LLMError as exc:
            log.warning("model follow-up unavailable (%s)", type(exc).__name__)
            return None
        finally:
            if result is not None:
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
        if self._budget is None:
            return
        try:
            await self._budget.spend(guild_id, result.input_tokens + result.output_tokens)
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

    @staticmethod
    def _degraded(
        offline: Evaluation, language: Language, reason: str, error: str | None = None
    ) -> Evaluation:
        """Return the rubric's evaluation annotated with why the model was not used."""
        extra = dict(offline.extra)
        notes = _NOTES[reason]
        extra["note"] = notes.get(language, notes[Language.EN])
        if reason == "budget":
            extra["llm_budget_exhausted"] = True
        else:
            extra["llm_failed"] = True
            extra["llm_error"] = error or reason
        return replace(offline, extra=extra)
