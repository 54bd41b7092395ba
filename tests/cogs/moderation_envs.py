"""The moderators' cogs (schedules, text rounds, settings, questions) on the Discord fake.

``EventsFakeDiscord`` adds Discord's guild scheduled events to the spec-checked fake: every
request is still matched against Discord's OpenAPI spec (the recurrence rule included), and
the event's status moves as Discord moves it (SCHEDULED -> ACTIVE -> COMPLETED, after which
a recurring series comes back SCHEDULED at its next occurrence).
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from discord_harness import DiscordError, FakeDiscord, Harness, harness
from discord_harness.fake import _Call

from bot.discord_app import MockingbirdBot, intents
from bot.guilds import BotDefaults, GuildSettingsService, ServerQuestions
from bot.guilds.questions import load_schema
from bot.interview.engine import InterviewEngine
from bot.rounds.history import RoundHistory
from bot.rounds.scheduling import ScheduleService
from bot.rounds.text import TextRoundChannel
from bot.voice.coach import VoiceCoach
from cogs.interview import InterviewCog
from cogs.interview._audio import SpeechServices
from cogs.rounds import RoundDesk, TextRoundsCog
from cogs.schedule import DiscordAnnouncer, DiscordCalendar, DiscordRoundStarter, ScheduleCog
from cogs.settings import QuestionsCog, SettingsCog
from cogs.voice import VoiceCog
from storage.db import Database
from storage.guild_settings import SqliteGuildSettings
from storage.questions_server import SqliteServerQuestions
from storage.round_history import SqliteRoundHistory
from storage.rounds import SqliteRoundStore
from storage.schedules import SqliteScheduleStore
from storage.sessions import SqliteSessionStore
from tests.fakes.clock import FixedClock
from tests.fakes.evaluator import ScriptedEvaluator, make_bank
from tests.fakes.voice_link import ScriptedConnector

log = logging.getLogger(__name__)

Json = dict[str, Any]
EVENTS = "/guilds/{guild_id}/scheduled-events"
EVENT = "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}"
SCHEDULED, ACTIVE, COMPLETED = 1, 2, 3
FOLLOWUP = "/webhooks/{application_id}/{interaction_token}"
CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
# An interaction answered straight away with a message (not deferred).
MESSAGE_CALLBACK = 4


class EventsFakeDiscord(FakeDiscord):
    """FakeDiscord with guild scheduled events, their exceptions and their Interested list."""

    def __init__(self) -> None:
        self.events: dict[int, Json] = {}
        self.interested: dict[int, list[int]] = {}
        super().__init__()

    def _register_handlers(self) -> None:
        super()._register_handlers()
        self._handlers.update(
            {
                ("POST", "/guilds/{}/scheduled-events"): self._create_event,
                ("PATCH", "/guilds/{}/scheduled-events/{}"): self._edit_event,
                ("DELETE", "/guilds/{}/scheduled-events/{}"): self._delete_event,
                ("POST", "/guilds/{}/scheduled-events/{}/exceptions"): self._add_exception,
                ("GET", "/guilds/{}/scheduled-events/{}/users"): self._event_users,
            }
        )

    def _event(self, call: _Call) -> Json:
        event = self.events.get(call.int_param("guild_scheduled_event_id"))
        if event is None:
            raise DiscordError(404, 10070, "Unknown Guild Scheduled Event")
        return event

    async def _create_event(self, call: _Call) -> tuple[int, Any]:
        body: Json = call.body
        event_id = self.ids.next()
        event: Json = {
            "id": str(event_id),
            "guild_id": call.param("guild_id"),
            "name": body["name"],
            "description": body.get("description"),
            "channel_id": body.get("channel_id"),
            "creator_id": str(self.application_id),
            "image": None,
            "scheduled_start_time": body["scheduled_start_time"],
            "scheduled_end_time": body.get("scheduled_end_time"),
            "status": SCHEDULED,
            "entity_type": body["entity_type"],
            "entity_id": None,
            "recurrence_rule": _rule(body.get("recurrence_rule")),
            "privacy_level": body["privacy_level"],
            "guild_scheduled_event_exceptions": [],
            "entity_metadata": body.get("entity_metadata"),
            "user_count": 0,
        }
        self.events[event_id] = event
        return 200, copy.deepcopy(event)

    async def _edit_event(self, call: _Call) -> tuple[int, Any]:
        event = self._event(call)
        body: Json = call.body
        status = body.get("status")
        if status is not None:
            allowed = {ACTIVE: {SCHEDULED}, COMPLETED: {ACTIVE}}.get(status, set())
            if event["status"] not in allowed:
                raise DiscordError(400, 180000, "Cannot change the status of this event")
            event["status"] = status
            if status == COMPLETED and event["recurrence_rule"]:
                # A recurring series comes back for its next occurrence.
                _next_occurrence(event)
        for key in (
            "name",
            "description",
            "scheduled_start_time",
            "scheduled_end_time",
            "entity_type",
            "channel_id",
            "entity_metadata",
        ):
            if key in body:
                event[key] = body[key]
        if "recurrence_rule" in body:
            event["recurrence_rule"] = _rule(body["recurrence_rule"])
        return 200, copy.deepcopy(event)

    async def _delete_event(self, call: _Call) -> tuple[int, Any]:
        self._event(call)
        del self.events[call.int_param("guild_scheduled_event_id")]
        return 204, None

    async def _add_exception(self, call: _Call) -> tuple[int, Any]:
        event = self._event(call)
        body: Json = call.body
        exception = {
            "event_id": event["id"],
            "event_exception_id": str(self.ids.next()),
            "scheduled_start_time": body.get("scheduled_start_time"),
            "scheduled_end_time": body.get("scheduled_end_time"),
            "is_canceled": bool(body.get("is_canceled")),
        }
        event["guild_scheduled_event_exceptions"].append(
            {**exception, "original_scheduled_start_time": body["original_scheduled_start_time"]}
        )
        return 200, exception

    async def _event_users(self, call: _Call) -> tuple[int, Any]:
        event = self._event(call)
        event_id = int(event["id"])
        return 200, [
            {"guild_scheduled_event_id": str(event_id), "user_id": str(u), "response": 1}
            for u in self.interested.get(event_id, [])
        ]


def _rule(rule: Json | None) -> Json | None:
    if rule is None:
        return None
    return {
        "start": rule["start"],
        "end": None,
        "frequency": rule["frequency"],
        "interval": rule.get("interval") or 1,
        "by_weekday": rule.get("by_weekday"),
        "by_n_weekday": None,
        "by_month": None,
        "by_month_day": None,
        "by_year_day": None,
        "count": None,
    }


def _next_occurrence(event: Json) -> None:
    step = timedelta(weeks=event["recurrence_rule"]["interval"])
    for key in ("scheduled_start_time", "scheduled_end_time"):
        if event.get(key):
            event[key] = (datetime.fromisoformat(event[key]) + step).isoformat()
    event["status"] = SCHEDULED


class Env:
    """The bot with the moderators' cogs, their services and the harness."""

    def __init__(
        self,
        h: Harness,
        fake: EventsFakeDiscord,
        clock: FixedClock,
        schedules: ScheduleService,
        settings: GuildSettingsService,
        questions: ServerQuestions,
        desk: RoundDesk,
        coach: VoiceCoach,
        voice_id: int,
        carol: Json,
    ) -> None:
        self.h = h
        self.fake = fake
        self.clock = clock
        self.schedules = schedules
        self.settings = settings
        self.questions = questions
        self.desk = desk
        self.coach = coach
        self.voice_id = voice_id
        self.carol = carol

    def uid(self, user: Json) -> int:
        return int(user["id"])

    def replies(self) -> list[str]:
        """Return the contents of every follow-up and response the bot sent, in order."""
        followups = {id(r) for r in self.fake.requests_to("POST", FOLLOWUP)}
        callbacks = {id(r) for r in self.fake.requests_to("POST", CALLBACK)}
        found = []
        for request in self.fake.requests:
            body = request.json if isinstance(request.json, dict) else {}
            if id(request) in followups:
                found.append(body.get("content") or "")
            elif id(request) in callbacks and body.get("type") == MESSAGE_CALLBACK:
                found.append((body.get("data") or {}).get("content") or "")
        return found

    def last_reply(self) -> str:
        return self.replies()[-1]

    def last_embed(self) -> Json:
        bodies = self.fake.bodies_to("POST", FOLLOWUP)
        return next(e for b in reversed(bodies) for e in (b or {}).get("embeds") or [])

    def bot_messages(self, channel_id: int) -> list[Json]:
        return [
            m
            for m in self.fake.messages_in(channel_id)
            if int(m["author"]["id"]) == int(self.fake.bot_user["id"])
        ]

    async def quiesce(self) -> None:
        """Wait until every live round waits for a person, or has ended."""
        for _ in range(3000):
            await self.h.settle()
            runs = self.coach.rounds.live_runs()
            if all(_quiet(r) for r in runs):
                await self.h.settle()
                return
            await asyncio.sleep(0.002)
        raise AssertionError("a round never went quiet")

    async def tick(self, at: datetime) -> None:
        """Move the clock and run one poller tick."""
        self.clock.at = at
        await self.schedules.tick()
        await self.quiesce()


def _quiet(run: Any) -> bool:
    if run.wake.is_set():
        return False
    channel = run.channel
    waiting = getattr(channel, "waiting_for", None) is not None
    if isinstance(channel, TextRoundChannel):
        return bool(run.awaiting_consent or waiting)
    link = getattr(channel, "link", None)
    return bool(run.awaiting_consent or getattr(link, "waiting_for", None) is not None)


async def make_env(
    tmp_path: Path,
    *,
    now: datetime,
    defaults: BotDefaults | None = None,
    speech: SpeechServices | None = None,
) -> AsyncIterator[Env]:
    """Yield the bot with every moderator cog on a fresh SQLite file and a fake clock."""
    fake = EventsFakeDiscord()
    await fake.start()
    db = await Database(tmp_path / "moderation.sqlite3").open()
    clock = FixedClock(now)
    bank = make_bank()
    settings = GuildSettingsService(SqliteGuildSettings(db), defaults or BotDefaults())
    questions = ServerQuestions(
        SqliteServerQuestions(db), load_schema(), bank_ids=frozenset(q.id for q in bank)
    )
    if speech is not None and speech.speaks_in is None:
        # As the bot wires it: the server's spoken-questions setting over the bot's.
        speech = dataclasses.replace(speech, speaks_in=settings.speaks_questions)
    engine = InterviewEngine(
        SqliteSessionStore(db), bank, ScriptedEvaluator(), clock, extra=questions
    )
    bot = MockingbirdBot(intents=intents())

    def members_of(channel_id: int) -> set[int]:
        bot_id = int(fake.bot_user["id"])
        return {
            int(v["user_id"])
            for g in fake.guilds.values()
            for v in g.get("voice_states", [])
            if v["channel_id"] == str(channel_id) and int(v["user_id"]) != bot_id
        }

    coach = VoiceCoach(
        engine,
        ScriptedConnector(members_of),
        SqliteRoundStore(db),
        turn_timeout_s=30.0,
        clock=clock,
        reconnect_grace_s=0.2,
    )
    desk = RoundDesk(coach.rounds, RoundHistory(SqliteRoundHistory(db), clock), settings, speech)
    schedules = ScheduleService(
        SqliteScheduleStore(db),
        DiscordCalendar(bot),
        DiscordRoundStarter(bot, coach, desk),
        DiscordAnnouncer(bot),
        clock,
    )
    bot.add_cog(InterviewCog(bot, engine, speech))
    bot.add_cog(VoiceCog(bot, coach, rounds=desk))
    bot.add_cog(TextRoundsCog(bot, desk))
    bot.add_cog(SettingsCog(bot, settings))
    bot.add_cog(QuestionsCog(bot, questions, settings))
    bot.add_cog(ScheduleCog(bot, schedules, settings))
    try:
        async with harness(bot, fake) as h:
            h.ignore_tasks.append(
                lambda t: t.get_name().startswith(("mb-voice", "mb-round", "mb-schedule"))
            )
            voice_id = await h.add_voice_channel("Practice room")
            carol = fake.add_user("carol")
            fake.add_member(h.guild_id, carol)
            yield Env(h, fake, clock, schedules, settings, questions, desk, coach, voice_id, carol)
            await coach.shutdown()
            await schedules.shutdown()
        fake.assert_no_violations()
        # Our scheduled-event answers must match the spec (other routes are the shared fake's).
        mine = [e for e in fake.response_errors if "scheduled-events" in e]
        assert mine == [], mine
    finally:
        await db.close()
        await fake.close()
