"""The buttons under interview messages: Skip, Hint, Finish, Resume, Stop, Cancel retry and
Show rewrites. Their ids carry what they act on, so clicks work after a restart."""

from __future__ import annotations

import logging

import discord

from bot.copy import text
from bot.interview.engine import InterviewEngine
from bot.interview.inbox import AnswerInbox
from bot.interview.models import Session, SessionStatus
from cogs._buttons import ButtonRouter, owner_only
from cogs.interview._channels import session_channel
from cogs.interview._controls import PROMPT_ACTIONS, parse_custom_id, parse_rewrites_id
from cogs.interview._poster import EventPoster
from cogs.interview._render import rewrites_messages

log = logging.getLogger(__name__)


class InterviewButtons:
    """Handle clicks on interview buttons through the engine; only the candidate may click."""

    def __init__(
        self, bot: discord.Bot, engine: InterviewEngine, inbox: AnswerInbox, poster: EventPoster
    ) -> None:
        self.bot = bot
        self.engine = engine
        self.inbox = inbox
        self.poster = poster
        self.router = ButtonRouter()
        self.router.route(parse_rewrites_id, self._show_rewrites)
        self.router.route(parse_custom_id, self._click)

    async def dispatch(self, interaction: discord.Interaction) -> bool:
        """Handle the click if it is on one of our buttons; return whether it was."""
        return await self.router.dispatch(interaction)

    async def _click(
        self, interaction: discord.Interaction, parsed: tuple[str, int, int | None]
    ) -> None:
        """Handle Skip / Hint / Finish / Resume / Stop / Cancel retry."""
        action, session_id, prompt = parsed
        session = await self.engine.session(session_id)
        lang = session.language
        refusal = text("interview.not_your_buttons", lang)
        if not await owner_only(interaction, session.user_id, refusal):
            return
        if action in PROMPT_ACTIONS and not _is_current(session, prompt):
            # A button under an earlier prompt: acting would skip (or hint) the newer one.
            outdated = text("interview.button_outdated", lang)
            await interaction.response.send_message(outdated, ephemeral=True)
            return
        if action == "hint":
            hint = text("interview.hint", lang, hint=self.engine.hint(session))
            await interaction.response.send_message(hint, ephemeral=True)
            return
        if action == "unrewind":
            dropped = await self.engine.cancel_rewind(session_id)
            key = "interview.retry_cancelled" if dropped else "interview.no_retry"
            await interaction.response.send_message(text(key, lang), ephemeral=True)
            return
        if action == "skip" and self.inbox.busy(session_id):
            busy = text("interview.still_grading_skip", lang)
            await interaction.response.send_message(busy, ephemeral=True)
            return
        await interaction.response.defer()
        channel = await session_channel(self.bot, session)
        if action == "skip":
            events = await self.inbox.skip(session_id, prompt)
            if not events:  # another prompt became current meanwhile: nothing was skipped
                outdated = text("interview.button_outdated", lang)
                await interaction.followup.send(outdated, ephemeral=True)
                return
        elif action in ("finish", "stop"):
            events = await self.engine.finish(session_id, stopped=action == "stop")
        elif channel is None:
            gone = text("interview.thread_gone", lang)
            await interaction.followup.send(gone, ephemeral=True)
            return
        else:
            events = await self.engine.resume(session_id)
        if channel is None:
            log.warning("Session %s has no reachable channel; events not posted", session_id)
            return
        await self.poster.post(channel, session_id, events, lang)

    async def _show_rewrites(
        self, interaction: discord.Interaction, parsed: tuple[int, int]
    ) -> None:
        """Post a feedback's rewrites privately to the candidate who owns it."""
        turn_id, attempt = parsed
        session, turn = await self.engine.turn(turn_id)
        lang = session.language
        refusal = text("interview.not_your_rewrites", lang)
        if not await owner_only(interaction, session.user_id, refusal):
            return
        evaluation = await self.engine.attempt_evaluation(turn, attempt)
        if evaluation is None:
            gone = text("interview.feedback_gone", lang)
            await interaction.response.send_message(gone, ephemeral=True)
            return
        first, *rest = rewrites_messages(evaluation, lang)
        await interaction.response.send_message(first, ephemeral=True)
        for chunk in rest:
            await interaction.followup.send(chunk, ephemeral=True)


def _is_current(session: Session, prompt: int | None) -> bool:
    """Tell whether prompt number ``prompt`` is the one the active session waits on."""
    turn = session.current_turn
    return (
        prompt is not None
        and session.status is SessionStatus.ACTIVE
        and turn is not None
        and turn.index + 1 == prompt
    )
