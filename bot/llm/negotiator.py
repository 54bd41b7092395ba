"""The negotiation's ``RecruiterVoice`` served by a model: the role-play prompt on the router.

The prompt (``prompts/llm/negotiate/<version>.<language>.yaml``) gets the move the offline
policy decided, the offline line that says it, the conversation and the candidate's message;
never the budget. The domain's leak guard checks whatever comes back. Any failure (no key,
budget spent, provider down, malformed reply) returns None, and the offline line is used.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Final

from bot.llm.evaluator import BudgetPort
from bot.llm.guild_routing import Route, RouteResolver
from bot.llm.json_stream import parse_sections
from bot.llm.prompts import PromptRegistry
from bot.llm.types import LLMError, LLMResult
from bot.negotiation.models import Speaker, Turn
from bot.negotiation.ports import VoiceBrief, Voiced

log = logging.getLogger(__name__)

NEGOTIATE_PROMPT: Final = "negotiate"
MAX_HISTORY_TURNS: Final = 12
MAX_TURN_CHARS: Final = 600
MAX_REPLY_CHARS: Final = 600
_CORRECTIONS: Final = {
    "budget": "it named the budget or a number close to it",
    "room": "it named an amount above the offer on the table that the candidate never said",
    "percent": "it named a percentage",
    "missing_offer": "it did not state the base on the table",
}


def format_history(turns: tuple[Turn, ...]) -> str:
    """Render the last turns, one line each, clipped."""
    lines = []
    for turn in turns[-MAX_HISTORY_TURNS:]:
        who = "Recruiter" if turn.speaker is Speaker.RECRUITER else "Candidate"
        said = " ".join(turn.text.split())
        if len(said) > MAX_TURN_CHARS:
            said = said[: MAX_TURN_CHARS - 1] + "…"
        lines.append(f"{who}: {said}")
    return "\n".join(lines)


class ModelRecruiterVoice:
    """Say the recruiter's decided move through the server's (or the bot's) model route."""

    def __init__(
        self,
        routes: RouteResolver,
        registry: PromptRegistry,
        *,
        budget: BudgetPort | None = None,
    ) -> None:
        self._routes = routes
        self._registry = registry
        self._budget = budget

    async def speak(self, brief: VoiceBrief) -> Voiced | None:
        """Return the model's line for the brief, or None when no model can say it."""
        async with self._routes.use(brief.guild_id) as route:
            return await self._speak_on(route, brief)

    async def _speak_on(self, route: Route, brief: VoiceBrief) -> Voiced | None:
        if route.router is None:
            return None
        if route.metered and self._budget is not None:
            try:
                if not await self._budget.allow(route.guild_id):
                    return None
            except Exception:
                log.exception("budget check failed (%s); using the offline line", brief.ids())
                return None
        result: LLMResult | None = None
        try:
            template = self._registry.choose(
                NEGOTIATE_PROMPT, brief.language.value, f"negotiation:{brief.negotiation_id}"
            )
            correction = _CORRECTIONS.get(brief.correction or "", brief.correction or "")
            request = template.render(
                style=brief.style.value,
                offer=brief.offer,
                moves=", ".join(brief.moves) or "reply",
                correction=correction,
                plan=brief.offline_line,
                history=format_history(brief.history),
                message=brief.message,
            )
            request = replace(request, trace=brief.ids())
            result = await route.router.complete(request, key=route.usage_label)
            sections = parse_sections(result.text, ("reply",))
        except LLMError as exc:
            log.warning("recruiter voice unavailable (%s, %s)", type(exc).__name__, brief.ids())
            return None
        finally:
            if result is not None and route.metered and self._budget is not None:
                try:
                    await self._budget.spend(
                        route.guild_id, result.input_tokens + result.output_tokens
                    )
                except Exception:
                    log.exception("budget spend failed (%s)", brief.ids())
        reply = sections.get("reply")
        if not isinstance(reply, str) or not reply.strip():
            return None
        text = " ".join(reply.split())
        if len(text) > MAX_REPLY_CHARS:
            return None
        return Voiced(text, result.provider)
