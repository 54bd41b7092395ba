"""The privacy service: `/privacy export` and `/privacy delete` go through here.

A delete never pulls data from under a running service. It first ends the live voice rounds
the user takes part in through the round side (as `/voice stop` would: everyone's interview
is finished by the engine, their answers stay saved, the summary is posted), then stops the
user's running interviews through the engine (``finish(stopped=True)``, which waits for a
grade in flight), and only then erases every registered store in one transaction. If a
live round cannot be ended here (no round side, or a round this process does not run) the
user is asked to leave it first, as before. Other people's saved data is never erased;
rows shared with them keep existing without the user's id (see the stores' declarations).
"""

from __future__ import annotations

import dataclasses
import logging

from bot.catalog import Language
from bot.errors import SessionNotFound
from bot.privacy.language import choose_language
from bot.privacy.models import (
    ActiveInterview,
    DeletePreview,
    Deletion,
    LiveRound,
    UserExport,
    VoiceBlocked,
)
from bot.privacy.ports import Interviews, LiveVoice, PrivacyLookups, PrivacyRegistry

log = logging.getLogger(__name__)

# A new interview may start while others are being stopped; look again this many times.
_STOP_PASSES = 3


class PrivacyService:
    """Export or delete everything stored about one user, in the user's language."""

    def __init__(
        self,
        registry: PrivacyRegistry,
        lookups: PrivacyLookups,
        interviews: Interviews,
        voice: LiveVoice | None = None,
    ) -> None:
        self._registry = registry
        self._lookups = lookups
        self._interviews = interviews
        self._voice = voice

    async def language(self, user_id: int, locale: str | None = None) -> Language:
        """Return the language to answer the user in (see ``bot.privacy.language``)."""
        return choose_language(await self._lookups.latest_language(user_id), locale)

    async def export(self, user_id: int, locale: str | None = None) -> UserExport:
        """Return everything stored about the user, JSON-ready, naming no other person."""
        language = await self.language(user_id, locale)
        found = await self._registry.export(user_id)
        return dataclasses.replace(found, language=language)

    async def preview(self, user_id: int, locale: str | None = None) -> DeletePreview:
        """Return what a delete would remove, stop and end, or what it must wait for."""
        language = await self.language(user_id, locale)
        to_end, waiting = await self._live_rounds(user_id)
        counts = await self._registry.counts(user_id)
        running = len(await self._lookups.active_interviews(user_id))
        return DeletePreview(counts, running, to_end, waiting, language)

    async def delete(self, user_id: int, locale: str | None = None) -> Deletion | VoiceBlocked:
        """End the user's live work through its services, then erase everything of theirs."""
        language = await self.language(user_id, locale)
        to_end, waiting = await self._live_rounds(user_id)
        if waiting:
            log.info("Delete of user %s waits for live voice rounds %s", user_id, waiting)
            return VoiceBlocked(waiting, language)
        ended: tuple[int, ...] = ()
        if to_end and self._voice is not None:
            ended = tuple(await self._voice.end_rounds_of(user_id))
            # A round that did not stop in time is still writing: erase nothing yet.
            still = tuple(await self._lookups.live_voice_rounds(user_id))
            if still:
                log.warning("Voice rounds %s of user %s did not end", still, user_id)
                return VoiceBlocked(still, language)
        stopped = await self._stop_interviews(user_id)
        erasure = await self._registry.erase(user_id)
        log.info(
            "Deleted the data of user %s: %s rows, %s interviews stopped, %s rounds ended",
            user_id,
            erasure.counts.total,
            len(stopped),
            len(ended),
        )
        return Deletion(erasure, stopped, ended, language)

    async def _live_rounds(
        self, user_id: int
    ) -> tuple[tuple[LiveRound, ...], tuple[LiveRound, ...]]:
        """Split the user's live rounds into those the round side can end and the rest."""
        live = await self._lookups.live_voice_rounds(user_id)
        voice = self._voice
        to_end = tuple(
            r for r in live if voice is not None and voice.live_round(r.round_id) is not None
        )
        return to_end, tuple(r for r in live if r not in to_end)

    async def _stop_interviews(self, user_id: int) -> tuple[ActiveInterview, ...]:
        """Stop the user's running interviews through the engine; return those it stopped."""
        stopped: list[ActiveInterview] = []
        seen: set[int] = set()
        for _ in range(_STOP_PASSES):
            fresh = [
                a
                for a in await self._lookups.active_interviews(user_id)
                if a.session_id not in seen
            ]
            if not fresh:
                break
            for active in fresh:
                seen.add(active.session_id)
                try:
                    await self._interviews.finish(active.session_id, stopped=True)
                except SessionNotFound:
                    continue  # it ended on its own meanwhile
                stopped.append(active)
        return tuple(stopped)
