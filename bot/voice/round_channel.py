"""The round's channel port over a live voice link: say lines aloud, hear turns as answers."""

from __future__ import annotations

import logging

from bot.catalog import Language
from bot.coaching.answer import Answer
from bot.copy import text
from bot.rounds.notices import Line, LineKind
from bot.voice.types import VoiceLink

log = logging.getLogger(__name__)


def spoken_words(line: Line, language: Language) -> str:
    """Return what to say aloud for ``line`` in ``language``."""
    if line.kind is LineKind.PROMPT:
        if not line.name:
            return line.prompt
        return text("voice.spoken.prompt_to", language, name=line.name, prompt=line.prompt)
    return text(f"voice.spoken.{line.kind.value}", language, name=line.name)


class VoiceRoundChannel:
    """A RoundChannel that speaks through a VoiceLink and takes its turns as spoken answers."""

    def __init__(self, link: VoiceLink, language: Language) -> None:
        self.link = link
        self.language = language

    async def say(self, line: Line) -> bool:
        """Say the line in the round's language; False if it was cut short."""
        return await self.link.speak(spoken_words(line, self.language), self.language.value)

    def interrupt(self) -> None:
        """Stop any speech now."""
        self.link.stop_speaking()

    def listen_to(self, user_ids: set[int]) -> None:
        """Decode only these people; everyone else is dropped before decoding."""
        self.link.listen_to(user_ids)

    async def next_answer(self, user_id: int, timeout_s: float) -> Answer | None:
        """Return the user's next finished turn as a spoken answer; None after silence."""
        turn = await self.link.next_turn(user_id, timeout_s)
        return None if turn is None else turn.transcript.to_answer()

    def member_ids(self) -> set[int]:
        """Return the humans in the voice channel now."""
        return self.link.member_ids()

    def connected(self) -> bool:
        """Tell whether the voice connection is still up."""
        return self.link.diagnostics().connected

    async def close(self) -> None:
        """Forget buffered audio and leave the channel."""
        await self.link.close()
