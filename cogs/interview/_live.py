"""Stream the model's coaching into the thread while it grades, then hand over to the final."""

from __future__ import annotations

import logging
from typing import Any

from discord.abc import Messageable

from bot.stream_editor import MessageHandle, StreamingMessageEditor
from cogs._stream_target import stream_to
from cogs.interview._render import (
    CHECKING_SECTIONS,
    PREVIEW_ABANDONED,
    PREVIEW_CHECKING,
    PREVIEW_HEADER,
    preview_section,
)

log = logging.getLogger(__name__)


class LivePreview:
    """Collect ``on_section`` calls into one streamed message; nothing is sent offline."""

    def __init__(self, channel: Messageable, answer: str, *, min_interval: float = 1.0) -> None:
        self._channel = channel
        self._answer = answer
        self._min_interval = min_interval
        self._editor: StreamingMessageEditor | None = None
        self._checking = False
        self._closed = False

    @property
    def started(self) -> bool:
        """Tell whether any preview message was sent."""
        return self._editor is not None

    async def on_section(self, key: str, value: Any) -> None:
        """Show one finished section of the model's reply (prose only; quotes checked)."""
        if self._closed:
            return
        text = preview_section(key, value, self._answer)
        if text is None:
            if key in CHECKING_SECTIONS and self._editor is not None and not self._checking:
                self._checking = True
                await self._editor.append("\n" + PREVIEW_CHECKING)
            return
        if self._editor is None:
            self._editor = stream_to(self._channel, min_interval=self._min_interval)
            await self._editor.append(PREVIEW_HEADER)
        self._checking = False
        await self._editor.append("\n" + text)

    async def close(self) -> list[MessageHandle]:
        """Land the last preview edit and return the preview messages to reuse."""
        self._closed = True
        if self._editor is None:
            return []
        await self._editor.aclose()
        return self._editor.handles

    async def abandon(self) -> None:
        """Mark the preview as stopped after grading failed (best effort)."""
        try:
            for handle in await self.close():
                await handle.edit(PREVIEW_ABANDONED)
        except Exception:
            log.warning("could not mark the live preview as stopped", exc_info=True)
