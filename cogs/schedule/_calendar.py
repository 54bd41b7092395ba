"""A schedule's Discord event series: create, move, start, complete, skip one, delete.

py-cord 2.8.1's HTTP layer keeps only the keys it knows and silently drops
``recurrence_rule``, so every call here is a raw ``Route`` request with the JSON Discord's API
takes (checked against Discord's OpenAPI spec in the tests). A voice round is a VOICE event in
its voice channel; a text round is an EXTERNAL event whose location names the text channel.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import discord
from discord.http import Route

from bot.copy import text
from bot.rounds.model import RoundMedium
from bot.rounds.schedule_ports import EventStatus
from bot.rounds.schedules import Schedule, ScheduleError, iso, recurrence
from bot.rounds.scheduling import EventGone

log = logging.getLogger(__name__)

GUILD_ONLY = 2
VOICE_EVENT = 2
EXTERNAL_EVENT = 3
UNKNOWN_EVENT = 10070
UNKNOWN_CHANNEL = 10003
EVENTS = "/guilds/{guild_id}/scheduled-events"
EVENT = EVENTS + "/{event_id}"


class DiscordCalendar:
    """The Calendar port over Discord's guild scheduled events."""

    def __init__(self, bot: discord.Client) -> None:
        self.bot = bot

    async def create(self, schedule: Schedule, start: datetime) -> int:
        """Create the recurring event starting at ``start``; return its id."""
        body = {**self._body(schedule, start), "privacy_level": GUILD_ONLY}
        data = await self._call("POST", EVENTS, schedule, json=body)
        return int(data["id"])

    async def update(self, schedule: Schedule, start: datetime) -> None:
        """Move the series to ``start`` and refresh its name, place and description."""
        await self._call("PATCH", EVENT, schedule, json=self._body(schedule, start))

    async def set_status(self, schedule: Schedule, status: EventStatus) -> None:
        """Mark the current occurrence ACTIVE or COMPLETED (voice events never start alone)."""
        await self._call("PATCH", EVENT, schedule, json={"status": int(status)})

    async def skip(self, schedule: Schedule, occurrence: datetime) -> None:
        """Cancel one occurrence with an event exception."""
        body = {"original_scheduled_start_time": iso(occurrence), "is_canceled": True}
        await self._call("POST", EVENT + "/exceptions", schedule, json=body)

    async def delete(self, schedule: Schedule) -> None:
        """Delete the whole series; an event someone already deleted is fine."""
        try:
            await self._call("DELETE", EVENT, schedule)
        except EventGone:
            log.info("Event of schedule %s was already deleted", schedule.id)

    async def interested(self, schedule: Schedule) -> list[int] | None:
        """Return who pressed Interested (first 100), or None when Discord cannot say."""
        try:
            data = await self._call(
                "GET",
                EVENT + "/users",
                schedule,
                params={"limit": 100, "with_member": "false"},
            )
        except ScheduleError as exc:
            log.info("RSVPs of schedule %s unavailable: %s", schedule.id, exc.reason)
            return None
        found = []
        for entry in data or []:
            user_id = entry.get("user_id") or (entry.get("user") or {}).get("id")
            if user_id is not None:
                found.append(int(user_id))
        return found

    # ---- internals ----------------------------------------------------------------------

    def _body(self, schedule: Schedule, start: datetime) -> dict[str, Any]:
        lang = schedule.language
        kind = text(f"common.kinds.{schedule.kind.value}", lang)
        level = text(f"common.levels.{schedule.level.value}", lang)
        body: dict[str, Any] = {
            "name": text("schedules.event.name", lang, kind=kind, level=level)[:100],
            "description": text(
                f"schedules.event.description_{schedule.medium.value}",
                lang,
                questions=schedule.questions_each,
                channel_id=schedule.post_channel_id,
            )[:1000],
            "scheduled_start_time": iso(start),
            "scheduled_end_time": iso(start + schedule.duration),
            "recurrence_rule": recurrence(schedule, start).as_json(),
        }
        if schedule.medium is RoundMedium.VOICE:
            body.update(entity_type=VOICE_EVENT, channel_id=str(schedule.channel_id))
        else:
            body.update(
                entity_type=EXTERNAL_EVENT,
                channel_id=None,
                entity_metadata={"location": self._location(schedule)[:100]},
            )
        return body

    def _location(self, schedule: Schedule) -> str:
        guild = self.bot.get_guild(schedule.guild_id)
        channel = guild.get_channel(schedule.channel_id) if guild is not None else None
        name = channel.name if channel is not None else str(schedule.channel_id)
        return text("schedules.event.location", schedule.language, channel=name)

    async def _call(
        self,
        method: str,
        path: str,
        schedule: Schedule,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        route = Route(method, path, guild_id=schedule.guild_id, event_id=schedule.event_id)
        extra: dict[str, Any] = {}
        if json is not None:
            extra["json"] = json
        if params is not None:
            extra["params"] = params
        lang = schedule.language
        try:
            return await self.bot.http.request(route, **extra)
        except discord.Forbidden as exc:
            log.info("Discord refused %s %s for schedule %s: %s", method, path, schedule.id, exc)
            raise ScheduleError("missing_event_permission", lang) from exc
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_CHANNEL:
                raise ScheduleError("channel_gone", lang, channel_id=schedule.channel_id) from exc
            raise EventGone(lang) from exc
        except discord.HTTPException as exc:
            # Discord's own text is English and technical: it goes to the log, and the user
            # reads a reason in their language with only the status code.
            log.warning("Discord answered %s to %s %s: %s", exc.status, method, path, exc.text)
            raise ScheduleError("discord_refused", lang, status=exc.status) from exc
