"""Stream the model's coaching into the thread while it grades, then hand over to the final."""

from __future__ import annotations

import logging
from typing import Any

from discord.abc import Messageable

from bot.catalog import Language
from bot.stream_editor import MessageHandle, StreamingMessageEditor
from cogs._stream_target import stream_to
from cogs.interview._render import CHECKING_SECTIONS, preview_section, preview_text

log = logging.getLogger(__name__)


class LivePreview:
    """Collect ``on_section`` calls into one streamed message; nothing is sent offline."""

    def __init__(
        self,
        channel: Messageable,
        answer: str,
        *,
        min_interval: float = 1.0,
        language: Language = Language.EN,
    ) -> None:
        self._channel = channel
        self._answer = answer
        self._language = language
        self._min_interval = min_interval
        self._editor: StreamingMessageEditor | None = None
        self._checking = False
        self._closed = False
        # Set once Discord refused the preview for good; grading never waits on it again.
        self._failed = False

    @property
    def started(self) -> bool:
        """Tell whether any preview message was sent."""
        return self._editor is not None

    async def on_section(self, key: str, value: Any) -> None:
        """Show one finished section of the model's reply (prose only; quotes checked)."""
        if self._closed or self._failed:
            return
        try:
            await self._show(key, value)
        except Exception:
            # Each further try would cost two edits and a wait while the candidate waits
            # for the grade; the final feedback is posted whatever happens here.
            self._failed = True
            log.warning("the live preview failed; grading continues without it", exc_info=True)

    async def _show(self, key: str, value: Any) -> None:
        """Append one section (or the "checking" line) to the preview."""
        text = preview_section(key, value, self._answer, self._language)
        if text is None:
            if key in CHECKING_SECTIONS and self._editor is not None and not self._checking:
                self._checking = True
                await self._editor.append("\n" + preview_text("checking", self._language))
            return
        if self._editor is None:
            self._editor = stream_to(self._channel, min_interval=self._min_interval)
            await self._editor.append(preview_text("header", self._language))
        self._checking = False
        await self._editor.append("\n" + text)

    async def close(self) -> list[MessageHandle]:
        """Land the last preview edit and return the preview messages to reuse."""
        self._closed = True
        if self._editor is None:
            return []
        if self._failed:
            await self._editor.abort()
            return self._editor.handles
        try:
            await self._editor.aclose()
        except Exception:
            # The preview was deleted or cannot be edited; the feedback must still be posted,
            # so the caller gets the handles and falls back to new messages if edits fail.
            log.warning("the live preview's last edit failed", exc_info=True)
        return self._editor.handles

    async def abandon(self) -> None:
        """Mark the preview as stopped after grading failed (best effort)."""
        try:
            for handle in await self.close():
                await handle.edit(preview_text("abandoned", self._language))
        except Exception:
            log.warning("could not mark the live preview as stopped", exc_info=True)
