"""`/schedule` through py-cord and the spec-checked fake: events, RSVPs, reminders, runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from discord_harness import payloads

from tests.cogs.moderation_envs import Env, Json, make_env

# Sunday 1 March 2026, noon UTC. Sundays 19:00 in New York: 00:00 UTC on Monday 2 March,
# then 23:00 UTC on Sunday 8 March (summer time began that morning).
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FIRST = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
SECOND = datetime(2026, 3, 8, 23, 0, tzinfo=UTC)
EVENTS = "/guilds/{guild_id}/scheduled-events"
EVENT = "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}"
MANAGE_EVENTS, CREATE_EVENTS = 1 << 33, 1 << 44
ALL = (1 << 51) - 1


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    async for e in make_env(tmp_path, now=NOW):
        yield e


def channel(env: Env, channel_id: int) -> Json:
    return env.fake.channels[channel_id]


async def create(env: Env, user: Json | None = None, **options: Any) -> None:
    wanted = {
        "weekday": 6,
        "time": "19:00",
        "timezone": "America/New_York",
        "channel": channel(env, env.voice_id),
        **options,
    }
    await env.h.slash("schedule", "create", user=user or env.h.bob, options=wanted)


def event_id(env: Env) -> int:
    (found,) = env.fake.events
    return found


async def rsvp(env: Env, user: Json, added: bool = True) -> None:
    """Press (or unpress) Interested: Discord's list changes and the gateway says so."""
    kind = "ADD" if added else "REMOVE"
    interested = env.fake.interested.setdefault(event_id(env), [])
    if added:
        interested.append(int(user["id"]))
    else:
        interested.remove(int(user["id"]))
    await env.h.dispatch(
        f"GUILD_SCHEDULED_EVENT_USER_{kind}",
        {
            "guild_scheduled_event_id": str(event_id(env)),
            "user_id": user["id"],
            "guild_id": str(env.h.guild_id),
        },
    )


async def test_create_sends_a_recurring_voice_event_the_spec_accepts(env: Env) -> None:
    await create(env, every=2, reminder=30)
    assert "Scheduled." in env.last_reply() and "<t:1772409600:F>" in env.last_reply()
    (body,) = env.fake.bodies_to("POST", EVENTS)
    assert body["entity_type"] == 2 and body["privacy_level"] == 2
    assert body["channel_id"] == str(env.voice_id)
    assert body["scheduled_start_time"] == FIRST.isoformat()
    # py-cord's own create_scheduled_event would drop this key: it went out raw.
    assert body["recurrence_rule"] == {
        "start": FIRST.isoformat(),
        "frequency": 2,
        "interval": 2,
        "by_weekday": [0],
    }
    await env.h.slash("schedule", "list", user=env.h.alice)
    field = env.last_embed()["fields"][0]
    assert "every 2 weeks" in field["value"] and "Interested: 0" in field["value"]


async def test_a_text_schedule_is_an_external_event_naming_its_channel(env: Env) -> None:
    await create(env, channel=channel(env, env.h.channel_id), language="ko")
    (body,) = env.fake.bodies_to("POST", EVENTS)
    assert body["entity_type"] == 3 and body["channel_id"] is None
    assert body["entity_metadata"] == {"location": "#practice의 텍스트 라운드"}
    assert body["scheduled_end_time"] == (FIRST + timedelta(hours=1)).isoformat()
    assert "예약했습니다" in env.last_reply()


async def test_only_manage_server_or_the_moderator_role_may_schedule(env: Env) -> None:
    await create(env, user=env.h.alice)
    assert "Manage Server" in env.last_reply()
    role = env.fake.add_role(env.h.guild_id, "Study lead")
    await env.h.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(env.h.guild_id), "role": role})
    for member in env.fake.guilds[env.h.guild_id]["members"]:
        if member["user"]["id"] == env.carol["id"]:
            member["roles"].append(role["id"])
    await env.h.slash("settings", "moderator-role", user=env.h.alice, options={"role": role})
    assert "Manage Server" in env.last_reply()  # alice cannot change settings either
    await env.h.slash("settings", "moderator-role", user=env.h.bob, options={"role": role})
    await create(env, user=env.h.alice)
    assert f"<@&{role['id']}>" in env.last_reply()
    await create(env, user=env.carol)
    assert "Scheduled." in env.last_reply()


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"timezone": "Mars/Olympus"}, "I don't know the time zone `Mars/Olympus`"),
        ({"time": "25:61"}, "is not a time of day"),
        ({"start_date": "2026-02-22"}, "already in the past"),
        ({"start_date": "2026-03-03"}, "not on the weekday"),
    ],
)
async def test_bad_input_is_explained_and_changes_nothing(
    env: Env, options: dict[str, Any], needle: str
) -> None:
    await create(env)
    before = dict(env.fake.events)
    await create(env, **options)
    assert needle in env.last_reply()
    assert env.fake.events == before and len(await env.schedules.store.active()) == 1


async def test_two_schedules_at_the_same_time_in_one_channel_collide(env: Env) -> None:
    await create(env)
    await create(env, time="19:30")
    assert "overlap schedule #1" in env.last_reply()
    assert len(env.fake.events) == 1


async def test_a_bot_without_manage_events_or_a_hidden_channel_is_told(env: Env) -> None:
    await env.h.slash(
        "schedule",
        "create",
        user=env.h.bob,
        options={
            "weekday": 6,
            "time": "19:00",
            "timezone": "UTC",
            "channel": channel(env, env.voice_id),
        },
        app_permissions=ALL & ~MANAGE_EVENTS & ~CREATE_EVENTS,
    )
    assert "**Manage Events**" in env.last_reply()
    guild = env.fake.guilds[env.h.guild_id]
    bot_role = next(r for r in guild["roles"] if r["name"] == "Mockingbird")
    bot_role["permissions"] = str(ALL & ~0x8)
    guild["owner_id"] = env.h.alice["id"]
    await env.h.dispatch("GUILD_UPDATE", payloads.guild_create(guild))
    hidden = await env.h.add_voice_channel(
        "Staff room",
        permission_overwrites=[
            {"id": bot_role["id"], "type": 0, "allow": "0", "deny": str(1 << 10)}
        ],
    )
    await create(env, channel=channel(env, hidden))
    assert f"I can't use <#{hidden}>" in env.last_reply()
    assert env.fake.events == {}
    # Discord itself refusing (a permission changed meanwhile) is explained the same way.
    env.fake.forbid("POST", EVENTS)
    await create(env)
    assert "**Manage Events**" in env.last_reply()
    assert await env.schedules.store.active() == []


async def test_rsvps_come_from_raw_events_and_only_they_are_mentioned(env: Env) -> None:
    await create(env)
    await rsvp(env, env.h.alice)
    await rsvp(env, env.carol)
    await rsvp(env, env.carol, added=False)
    await env.tick(FIRST - timedelta(minutes=59))
    (reminder,) = [m for m in env.bot_messages(env.h.channel_id) if "⏰" in m["content"]]
    assert f"<@{env.h.alice['id']}>" in reminder["content"]
    assert f"<@{env.carol['id']}>" not in reminder["content"]
    (sent,) = [
        b
        for b in env.fake.bodies_to("POST", "/channels/{channel_id}/messages")
        if "⏰" in (b.get("content") or "")
    ]
    assert [str(u) for u in sent["allowed_mentions"]["users"]] == [env.h.alice["id"]]
    assert sent["allowed_mentions"]["parse"] == []
    await env.tick(FIRST - timedelta(minutes=50))
    assert len([m for m in env.bot_messages(env.h.channel_id) if "⏰" in m["content"]]) == 1


async def test_interest_pressed_while_the_bot_was_offline_is_read_from_discord(env: Env) -> None:
    await create(env)
    await rsvp(env, env.h.alice)
    # Carol pressed Interested while the bot was down: no gateway event ever came.
    env.fake.interested[event_id(env)].append(int(env.carol["id"]))
    await env.tick(FIRST - timedelta(minutes=30))
    (reminder,) = [m for m in env.bot_messages(env.h.channel_id) if "⏰" in m["content"]]
    assert f"<@{env.carol['id']}>" in reminder["content"]
    assert env.fake.requests_to("GET", EVENT + "/users")[0].query == {
        "limit": "100",
        "with_member": "false",
    }


async def test_a_scheduled_text_round_starts_active_and_completes(env: Env) -> None:
    await create(env, channel=channel(env, env.h.channel_id), questions=1)
    eid = event_id(env)
    await rsvp(env, env.h.alice)
    await env.tick(FIRST + timedelta(seconds=30))
    assert env.fake.events[eid]["status"] == 2
    (thread,) = env.fake.threads_of(env.h.channel_id)
    posted = env.bot_messages(int(thread["id"]))
    called = next(m for m in posted if m.get("components"))
    assert called["content"].startswith(f"<@{env.h.alice['id']}>")
    await env.h.click(called, label="Join", user=env.carol)
    await env.h.click(called, label="Join", user=env.h.alice)
    await env.quiesce()
    # Alice RSVP'd: she goes first although Carol joined before her.
    posted = env.bot_messages(int(thread["id"]))
    turns = [m["content"] for m in posted if m["content"].endswith(", your turn.")]
    assert turns == [f"<@{env.h.alice['id']}>, your turn."]
    await env.h.message("great answer", channel_id=int(thread["id"]))
    await env.quiesce()
    await env.h.message("weak answer", user=env.carol, channel_id=int(thread["id"]))
    await env.quiesce()
    await env.schedules.wait_idle()
    statuses = [b.get("status") for b in env.fake.bodies_to("PATCH", EVENT) if "status" in b]
    assert statuses == [2, 3]
    # Discord brought the series back for next week; we moved it to 19:00 summer time.
    assert env.fake.events[eid]["status"] == 1
    assert env.fake.events[eid]["scheduled_start_time"] == SECOND.isoformat()
    assert env.fake.events[eid]["recurrence_rule"]["by_weekday"] == [6]


async def test_skip_next_posts_an_exception_and_cancel_deletes_the_series(env: Env) -> None:
    await create(env)
    await env.h.slash("schedule", "skip-next", user=env.h.bob, options={"number": 1})
    assert "skips its round" in env.last_reply()
    (body,) = env.fake.bodies_to("POST", EVENT + "/exceptions")
    assert body == {"original_scheduled_start_time": FIRST.isoformat(), "is_canceled": True}
    await env.tick(FIRST + timedelta(minutes=1))
    assert env.coach.rounds.live_runs() == []
    await env.h.slash("schedule", "cancel", user=env.h.alice, options={"number": 1})
    assert "Manage Server" in env.last_reply()
    await env.h.slash("schedule", "cancel", user=env.h.bob, options={"number": 1})
    assert "cancelled" in env.last_reply() and env.fake.events == {}
    await env.h.slash("schedule", "cancel", user=env.h.bob, options={"number": 1})
    assert "There is no schedule #1" in env.last_reply()


async def test_a_deleted_event_or_channel_is_said_and_the_schedule_kept(env: Env) -> None:
    await create(env)
    eid = event_id(env)
    event = dict(env.fake.events.pop(eid))
    await env.h.dispatch("GUILD_SCHEDULED_EVENT_DELETE", event)
    await env.h.slash("schedule", "skip-next", user=env.h.bob, options={"number": 1})
    assert "Discord event was deleted" in env.last_reply()
    await env.h.slash("schedule", "list", user=env.h.bob)
    assert "was deleted" in env.last_embed()["fields"][0]["value"]
    await env.h.slash("schedule", "edit", user=env.h.bob, options={"number": 1})
    assert "Updated." in env.last_reply() and len(env.fake.events) == 1
    # The voice channel goes away: the start fails with a note, the schedule stays.
    env.fake.delete_channel(env.voice_id)
    guild = env.h.guild
    removed = guild.get_channel(env.voice_id)
    assert removed is not None
    guild._remove_channel(removed)
    await env.tick(FIRST)
    note = env.bot_messages(env.h.channel_id)[-1]["content"]
    assert "could not start" in note and f"<#{env.voice_id}>" in note
    assert len(await env.schedules.store.active()) == 1


async def test_a_late_start_after_a_restart_says_so(env: Env) -> None:
    await create(env, channel=channel(env, env.h.channel_id))
    await env.tick(FIRST + timedelta(minutes=9))
    note = next(
        m["content"] for m in env.bot_messages(env.h.channel_id) if "min late" in m["content"]
    )
    assert "9 min late" in note
    await env.coach.rounds.shutdown()
    await env.schedules.wait_idle()


async def test_a_start_missed_past_the_grace_period_is_skipped_and_said(env: Env) -> None:
    await create(env)
    await env.tick(FIRST + timedelta(hours=2))
    assert env.coach.rounds.live_runs() == []
    note = env.bot_messages(env.h.channel_id)[-1]["content"]
    assert "was missed" in note and "next one runs as planned" in note


async def test_a_scheduled_voice_round_joins_its_channel_and_calls_those_who_rsvpd(
    env: Env,
) -> None:
    await create(env)
    eid = event_id(env)
    await rsvp(env, env.h.alice)
    await env.h.join_voice(env.h.alice, env.voice_id)
    await env.tick(FIRST)
    assert env.fake.events[eid]["status"] == 2
    (run,) = env.coach.rounds.live_runs()
    assert run.round.voice_channel_id == env.voice_id
    assert run.round.priority == (int(env.h.alice["id"]),)
    (thread,) = env.fake.threads_of(env.h.channel_id)
    called = env.bot_messages(int(thread["id"]))[0]["content"]
    assert called.startswith(f"<@{env.h.alice['id']}>: the scheduled round is starting")
    assert f"<#{env.voice_id}>" in called
    await env.h.slash("round", "stop", user=env.h.bob)
    await env.quiesce()
    await env.schedules.wait_idle()
    statuses = [b.get("status") for b in env.fake.bodies_to("PATCH", EVENT) if "status" in b]
    assert statuses == [2, 3]
    assert env.coach.rounds.live_runs() == []


async def test_a_channel_the_bot_can_no_longer_see_is_said_at_start(env: Env) -> None:
    await create(env)
    guild = env.fake.guilds[env.h.guild_id]
    bot_role = next(r for r in guild["roles"] if r["name"] == "Mockingbird")
    bot_role["permissions"] = str(ALL & ~0x8)
    guild["owner_id"] = env.h.alice["id"]
    await env.h.dispatch("GUILD_UPDATE", payloads.guild_create(guild))
    voice = channel(env, env.voice_id)
    voice["permission_overwrites"] = [
        {"id": bot_role["id"], "type": 0, "allow": "0", "deny": str(1 << 10)}
    ]
    await env.h.dispatch("CHANNEL_UPDATE", voice)
    await env.tick(FIRST)
    note = env.bot_messages(env.h.channel_id)[-1]["content"]
    assert "could not start" in note and f"I can't use <#{env.voice_id}>" in note
    assert env.coach.rounds.live_runs() == []
    # The event was not left active, and the schedule stays for next week.
    assert env.fake.events[event_id(env)]["status"] == 1
    assert len(await env.schedules.store.active()) == 1


async def test_edit_moves_a_schedule_to_another_channel_and_kind(env: Env) -> None:
    await create(env)
    await env.h.slash(
        "schedule",
        "edit",
        user=env.h.bob,
        options={"number": 1, "channel": channel(env, env.h.channel_id), "kind": "technical"},
    )
    assert "Updated." in env.last_reply()
    (body,) = env.fake.bodies_to("PATCH", EVENT)
    assert body["entity_type"] == 3 and body["channel_id"] is None
    assert "· technical ·" in body["name"]
    (schedule,) = await env.schedules.store.active()
    assert schedule.channel_id == env.h.channel_id and schedule.medium.value == "text"
    # The time did not move: the same first occurrence stays.
    assert body["scheduled_start_time"] == FIRST.isoformat()
