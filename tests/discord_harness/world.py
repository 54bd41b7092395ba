"""In-memory Discord world: snowflakes and raw objects shaped like Discord's REST responses."""

from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)

DISCORD_EPOCH_MS = 1_420_070_400_000
ALL_PERMISSIONS = (1 << 51) - 1

# Channel types used by the harness.
GUILD_TEXT = 0
DM = 1
GUILD_VOICE = 2
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12

Json = dict[str, Any]


class Snowflakes:
    """Generate increasing snowflakes from the wall clock, as Discord does."""

    def __init__(self) -> None:
        """Start a per-process increment counter."""
        self._counter = itertools.count()
        self._last = 0

    def next(self) -> int:
        """Return a new snowflake strictly greater than every previous one."""
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        value = (ms << 22) | (next(self._counter) & 0xFFF)
        if value <= self._last:
            value = self._last + 1
        self._last = value
        return value


def now_iso() -> str:
    """Return the current time as Discord's ISO-8601 timestamp."""
    return datetime.now(UTC).isoformat()


def user_object(user_id: int, username: str, *, bot: bool = False) -> Json:
    """Build a UserResponse."""
    data: Json = {
        "id": str(user_id),
        "username": username,
        "avatar": None,
        "discriminator": "0",
        "public_flags": 0,
        "flags": 0,
        "global_name": None if bot else username.title(),
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "collectibles": None,
        "primary_guild": None,
    }
    if bot:
        data["bot"] = True
    return data


def role_object(role_id: int, name: str, *, permissions: int, position: int) -> Json:
    """Build a GuildRoleResponse."""
    return {
        "id": str(role_id),
        "name": name,
        "description": None,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }


def member_object(user: Json, *, roles: list[int], joined_at: str) -> Json:
    """Build a GuildMemberResponse."""
    return {
        "user": user,
        "nick": None,
        "avatar": None,
        "banner": None,
        "roles": [str(r) for r in roles],
        "joined_at": joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
    }


def text_channel_object(channel_id: int, guild_id: int, name: str, *, position: int) -> Json:
    """Build a GuildChannelResponse for a text channel."""
    return {
        "id": str(channel_id),
        "type": GUILD_TEXT,
        "last_message_id": None,
        "flags": 0,
        "guild_id": str(guild_id),
        "name": name,
        "parent_id": None,
        "rate_limit_per_user": 0,
        "topic": None,
        "position": position,
        "permission_overwrites": [],
        "nsfw": False,
        "default_auto_archive_duration": None,
        "default_thread_rate_limit_per_user": 0,
    }


def voice_channel_object(
    channel_id: int,
    guild_id: int,
    name: str,
    *,
    position: int,
    permission_overwrites: list[Json] | None = None,
) -> Json:
    """Build a GuildChannelResponse for a voice channel."""
    return {
        "id": str(channel_id),
        "type": GUILD_VOICE,
        "last_message_id": None,
        "flags": 0,
        "guild_id": str(guild_id),
        "name": name,
        "parent_id": None,
        "rate_limit_per_user": 0,
        "bitrate": 64000,
        "user_limit": 0,
        "rtc_region": None,
        "video_quality_mode": 1,
        "position": position,
        "permission_overwrites": permission_overwrites or [],
        "nsfw": False,
    }


def voice_state_object(
    guild_id: int, channel_id: int | None, member: Json, *, session_id: str
) -> Json:
    """Build a VOICE_STATE_UPDATE payload (also the shape of GUILD_CREATE voice_states)."""
    return {
        "guild_id": str(guild_id),
        "channel_id": str(channel_id) if channel_id is not None else None,
        "user_id": member["user"]["id"],
        "member": member,
        "session_id": session_id,
        "deaf": False,
        "mute": False,
        "self_deaf": False,
        "self_mute": False,
        "self_video": False,
        "suppress": False,
        "request_to_speak_timestamp": None,
    }


def thread_object(
    thread_id: int,
    *,
    guild_id: int,
    parent_id: int,
    owner_id: int,
    name: str,
    kind: int,
    auto_archive_duration: int,
    invitable: bool,
) -> Json:
    """Build a ThreadResponse."""
    created = now_iso()
    metadata: Json = {
        "archived": False,
        "archive_timestamp": created,
        "auto_archive_duration": auto_archive_duration,
        "locked": False,
        "create_timestamp": created,
    }
    if kind == PRIVATE_THREAD:
        metadata["invitable"] = invitable
    return {
        "id": str(thread_id),
        "type": kind,
        "last_message_id": None,
        "flags": 0,
        "guild_id": str(guild_id),
        "name": name,
        "parent_id": str(parent_id),
        "rate_limit_per_user": 0,
        "owner_id": str(owner_id),
        "thread_metadata": metadata,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
    }


def dm_channel_object(channel_id: int, recipient: Json) -> Json:
    """Build a PrivateChannelResponse."""
    return {
        "id": str(channel_id),
        "type": DM,
        "last_message_id": None,
        "flags": 0,
        "recipients": [recipient],
    }


def _strip_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_nulls(v) for v in value]
    return value


def embed_response(embed: Json) -> Json:
    """Turn an embed from a request into the MessageEmbedResponse Discord echoes back."""
    out = _strip_nulls(embed)
    out.setdefault("type", "rich")
    out.setdefault("content_scan_version", 0)
    return dict(out)


def components_response(components: list[Json], ids: itertools.count[int]) -> list[Json]:
    """Give request components the numeric ids Discord assigns in responses."""
    result: list[Json] = []
    for component in components:
        out = _strip_nulls(component)
        out.setdefault("id", next(ids))
        if isinstance(out.get("components"), list):
            out["components"] = components_response(out["components"], ids)
        result.append(out)
    return result


@dataclass
class UploadedFile:
    """A file part of a multipart request."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class InteractionRecord:
    """What the fake knows about an interaction it was told about."""

    interaction_id: int
    token: str
    application_id: int
    channel_id: int | None
    guild_id: int | None
    interaction_type: int
    responded: bool = False
    original_message_id: int | None = None
    followups: list[int] = field(default_factory=list)
