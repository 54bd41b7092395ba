"""Post rendered interview events to a channel, replacing the live preview in place."""

from __future__ import annotations

import logging
from collections.abc import Callable

import discord

from bot.catalog import Language
from bot.interview.events import Event
from bot.stream_editor import MessageHandle
from cogs.interview._audio import SpeechServices, spoken
from cogs.interview._controls import (
    question_controls,
    report_controls,
    rewind_controls,
    rewrites_controls,
)
from cogs.interview._live import preview_text
from cogs.interview._render import Outgoing, render

log = logging.getLogger(__name__)


class EventPoster:
    """Send engine events as Discord messages, with buttons and the spoken question."""

    def __init__(
        self,
        speech: SpeechServices | None,
        on_report_offered: Callable[[], None] | None = None,
    ) -> None:
        self.speech = speech
        # Told when a summary with a Download report button is posted (to warm the renderer).
        self.on_report_offered = on_report_offered

    async def post(
        self,
        channel: discord.abc.Messageable,
        session_id: int,
        events: list[Event],
        language: Language,
        preview: list[MessageHandle] | None = None,
    ) -> bool:
        """Post ``events``; feedback replaces the live preview, so nothing is shown twice.

        Return False when the channel disappeared (deleted, or closed to the bot) midway.
        """
        reuse = list(preview or [])
        leftover = preview_text("superseded", language)
        try:
            for item in render(events, language):
                if item.feedback and item.content and reuse:
                    if await _replaced(reuse.pop(0), item.content, session_id):
                        continue
                    # A preview message was deleted or cannot be edited: post the feedback
                    # as new messages, below whatever is left of the preview.
                    leftover = preview_text("moved", language)
                    reuse, stale = [], reuse
                    await self._send(channel, session_id, item, language)
                    await _mark_all(stale, leftover)
                    continue
                await self._send(channel, session_id, item, language)
            await _mark_all(reuse, leftover)
        except (discord.NotFound, discord.Forbidden) as exc:
            log.warning(
                "Channel for session %s is gone or closed (HTTP %s) while posting",
                session_id,
                exc.status,
            )
            return False
        return True

    async def _send(
        self,
        channel: discord.abc.Messageable,
        session_id: int,
        item: Outgoing,
        language: Language,
    ) -> None:
        view: discord.ui.View | None = None
        if item.controls:
            view = question_controls(session_id, language, item.prompt)
        elif item.rewrites is not None:
            view = rewrites_controls(*item.rewrites, language=language)
        elif item.cancel_rewind is not None:
            view = rewind_controls(item.cancel_rewind, language)
        elif item.report is not None:
            view = report_controls(item.report, language)
            if self.on_report_offered is not None:
                self.on_report_offered()
        guild_id = getattr(getattr(channel, "guild", None), "id", None)
        audio = await spoken(self.speech, item.speak, language, guild_id) if item.speak else None
        try:
            if item.embed is not None and view is not None and audio is not None:
                await channel.send(item.content, embed=item.embed, view=view, file=audio)
            elif item.embed is not None and view is not None:
                await channel.send(item.content, embed=item.embed, view=view)
            elif item.embed is not None:
                await channel.send(item.content, embed=item.embed)
            elif view is not None:
                await channel.send(item.content, view=view)
            else:
                await channel.send(item.content)
        finally:
            if view is not None:
                # Clicks are routed by custom_id in on_interaction; stopping the view
                # keeps py-cord's view store from holding every question forever.
                view.stop()


async def _replaced(handle: MessageHandle, content: str, session_id: int) -> bool:
    """Edit a preview message into final text; False when Discord refuses the edit."""
    try:
        await handle.edit(content)
    except discord.HTTPException as exc:
        log.warning(
            "Could not replace the live preview of session %s (HTTP %s); posting anew",
            session_id,
            exc.status,
        )
        return False
    return True


async def _mark_all(handles: list[MessageHandle], content: str) -> None:
    """Replace leftover preview messages with a pointer to the feedback (best effort)."""
    for handle in handles:
        try:
            await handle.edit(content)
        except discord.HTTPException:
            log.debug("a leftover preview message could not be edited", exc_info=True)
