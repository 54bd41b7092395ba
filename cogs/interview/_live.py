"""Stream the model's coaching into the thread while it grades, then hand over to the final."""

from __future__ import annotations

import logging
import re
from typing import Any

from discord.abc import Messageable

from bot.catalog import Language
from bot.coaching.model_feedback import locate_quote
from bot.copy import as_language, text
from bot.presenters import feedback_labels
from bot.stream_editor import MessageHandle, StreamingMessageEditor
from cogs._stream_target import stream_to

log = logging.getLogger(__name__)


# Sections of the model's reply shown while it streams: prose only. Findings carry quotes
# that are verified only after the merge, so they appear with the final feedback.
PREVIEW_SECTIONS = frozenset({"praise", "fix", "tip"})
# Sections after which the preview says the rest is being checked.
CHECKING_SECTIONS = frozenset({"findings", "dimensions"})
_QUOTED = re.compile(r"\u201c([^\u201d]{2,300})\u201d|\"([^\"]{2,300})\"")


def preview_text(kind: str, language: Language | str = Language.EN) -> str:
    """Return a live preview's fixed line ("header", "checking", "abandoned") in a language."""
    language = as_language(language)
    return text(f"interview.preview.{kind}", language)


def preview_section(
    key: str, value: Any, answer: str, language: Language | str = Language.EN
) -> str | None:
    """Return a streamed prose section as preview Markdown, or None if it is not shown live."""
    language = as_language(language)
    if key not in PREVIEW_SECTIONS or not isinstance(value, str) or not value.strip():
        return None
    label = feedback_labels(language)[key]
    return f"**{label}:** {unverified_quotes_removed(value.strip(), answer)}"


def unverified_quotes_removed(text: str, answer: str) -> str:
    """Drop the quotation marks around words the answer does not contain."""

    # The model's prose may "quote" the candidate; until the merge has checked it, a quote
    # that is not in the answer must not look like the candidate's own words.
    def check(match: re.Match[str]) -> str:
        inner = match.group(1) if match.group(1) is not None else match.group(2)
        return match.group(0) if locate_quote(answer, inner) is not None else inner

    return _QUOTED.sub(check, text)


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
