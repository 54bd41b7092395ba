"""Raw gateway payloads shaped as Discord sends them (INTERACTION_CREATE, MESSAGE_CREATE...)."""

from __future__ import annotations

import copy
import logging
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from .world import ALL_PERMISSIONS, Json, now_iso

log = logging.getLogger(__name__)

# Application command option types.
SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING = 3
INTEGER = 4
BOOLEAN = 5
USER = 6
CHANNEL = 7
ROLE = 8
MENTIONABLE = 9
NUMBER = 10
ATTACHMENT = 11

# Interaction types.
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
MODAL_SUBMIT = 5

BUTTON = 2
TEXT_INPUT = 4
LABEL = 18


def interaction_token() -> str:
    """Return a fresh interaction token (Discord's are long opaque strings)."""
    return "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)


def _partial_channel(channel: Json, app_permissions: int) -> Json:
    """Return the partial channel object an interaction carries."""
    keep = (
        "id",
        "type",
        "name",
        "guild_id",
        "parent_id",
        "flags",
        "topic",
        "nsfw",
        "position",
        "last_message_id",
        "rate_limit_per_user",
        "thread_metadata",
        "owner_id",
        "message_count",
        "member_count",
        "total_message_sent",
        "recipients",
    )
    partial = {k: copy.deepcopy(v) for k, v in channel.items() if k in keep}
    partial["permissions"] = str(app_permissions)
    return partial


def interaction_base(
    *,
    interaction_type: int,
    interaction_id: int,
    application_id: int,
    channel: Json,
    user: Json,
    member: Json | None = None,
    guild_id: int | None = None,
    data: Json | None = None,
    token: str | None = None,
    app_permissions: int = ALL_PERMISSIONS,
    member_permissions: int = ALL_PERMISSIONS,
    locale: str = "en-US",
    message: Json | None = None,
) -> Json:
    """Build the common fields of an INTERACTION_CREATE payload in a guild channel or a DM."""
    payload: Json = {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": interaction_type,
        "token": token or interaction_token(),
        "version": 1,
        "channel_id": channel["id"],
        "channel": _partial_channel(channel, app_permissions),
        "app_permissions": str(app_permissions),
        "locale": locale,
        "entitlements": [],
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if data is not None:
        payload["data"] = data
    if guild_id is not None:
        member_data: Json = copy.deepcopy(member) if member else {"user": user, "roles": []}
        member_data["user"] = copy.deepcopy(user)
        member_data["permissions"] = str(member_permissions)
        member_data.setdefault("roles", [])
        member_data.setdefault("joined_at", now_iso())
        member_data.setdefault("deaf", False)
        member_data.setdefault("mute", False)
        member_data.setdefault("flags", 0)
        payload.update(
            guild_id=str(guild_id),
            guild={"id": str(guild_id), "locale": "en-US", "features": []},
            guild_locale="en-US",
            member=member_data,
            authorizing_integration_owners={"0": str(guild_id)},
            context=0,
        )
    else:
        payload.update(
            user=copy.deepcopy(user),
            authorizing_integration_owners={"1": user["id"]},
            context=1,
        )
    if message is not None:
        payload["message"] = copy.deepcopy(message)
    return payload


def _infer_type(value: Any) -> int:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    if isinstance(value, dict) and "filename" in value:
        return ATTACHMENT
    if isinstance(value, dict) and "username" in value:
        return USER
    return STRING


def _find_option(definitions: Sequence[Json], name: str) -> Json | None:
    return next((d for d in definitions if d.get("name") == name), None)


def command_options(
    definition: Json | None,
    values: Mapping[str, Any],
    resolved: Json,
    *,
    members: Mapping[str, Json] | None = None,
) -> list[Json]:
    """Turn {name: value} into interaction options typed from the registered definition."""
    declared: Sequence[Json] = (definition or {}).get("options") or []
    options: list[Json] = []
    for name, value in values.items():
        spec = _find_option(declared, name)
        kind = int(spec["type"]) if spec else _infer_type(value)
        option: Json = {"type": kind, "name": name}
        if kind == USER:
            user = value if isinstance(value, dict) else {"id": str(value)}
            resolved.setdefault("users", {})[user["id"]] = user
            if members and user["id"] in members:
                member = {k: v for k, v in members[user["id"]].items() if k != "user"}
                member["permissions"] = "0"
                resolved.setdefault("members", {})[user["id"]] = member
            option["value"] = user["id"]
        elif kind in (CHANNEL, ROLE):
            obj = value if isinstance(value, dict) else {"id": str(value)}
            bucket = "channels" if kind == CHANNEL else "roles"
            resolved.setdefault(bucket, {})[obj["id"]] = obj
            option["value"] = obj["id"]
        elif kind == ATTACHMENT:
            resolved.setdefault("attachments", {})[value["id"]] = value
            option["value"] = value["id"]
        else:
            option["value"] = value
        options.append(option)
    return options


def slash_command_data(
    command: Json,
    *,
    subcommand: str | None = None,
    group: str | None = None,
    options: Mapping[str, Any] | None = None,
    guild_id: int | None = None,
    members: Mapping[str, Json] | None = None,
) -> Json:
    """Build `data` for a chat-input command, nesting group/subcommand options as Discord does."""
    resolved: Json = {}
    values = dict(options or {})
    if subcommand is None:
        nested = command_options(command, values, resolved, members=members)
    else:
        top: Sequence[Json] = command.get("options") or []
        parent: Json | None = command
        wrapper_group: Json | None = None
        if group is not None:
            parent = _find_option(top, group)
            wrapper_group = {"type": SUB_COMMAND_GROUP, "name": group, "options": []}
        sub_def = _find_option((parent or {}).get("options") or [], subcommand)
        sub: Json = {
            "type": SUB_COMMAND,
            "name": subcommand,
            "options": command_options(sub_def, values, resolved, members=members),
        }
        if wrapper_group is not None:
            wrapper_group["options"] = [sub]
            nested = [wrapper_group]
        else:
            nested = [sub]
    data: Json = {
        "id": str(command["id"]),
        "name": command["name"],
        "type": int(command.get("type", 1)),
        "options": nested,
    }
    if resolved:
        data["resolved"] = resolved
    if guild_id is not None and command.get("guild_id"):
        data["guild_id"] = str(guild_id)
    return data


def component_data(
    custom_id: str, *, component_type: int = BUTTON, values: Sequence[str] = ()
) -> Json:
    """Build `data` for a component interaction (button by default, select with values)."""
    data: Json = {"custom_id": custom_id, "component_type": component_type}
    if component_type != BUTTON:
        data["values"] = list(values)
    return data


def modal_submit_data(custom_id: str, values: Mapping[str, str], *, labels: bool = False) -> Json:
    """Build `data` for a modal submit; `labels=True` uses Label (type 18) wrappers."""
    components: list[Json] = []
    for field_id, value in values.items():
        text = {"type": TEXT_INPUT, "custom_id": field_id, "value": value}
        if labels:
            components.append({"type": LABEL, "component": text})
        else:
            components.append({"type": 1, "components": [text]})
    return {"custom_id": custom_id, "components": components}


def message_create(
    *,
    message_id: int,
    channel_id: int,
    author: Json,
    content: str,
    guild_id: int | None = None,
    member: Json | None = None,
    attachments: Sequence[Json] = (),
    flags: int = 0,
    mentions: Sequence[Json] = (),
    reference_message_id: int | None = None,
) -> Json:
    """Build a MESSAGE_CREATE dispatch payload from a user."""
    payload: Json = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "author": copy.deepcopy(author),
        "type": 0,
        "content": content,
        "mentions": [copy.deepcopy(m) for m in mentions],
        "mention_roles": [],
        "mention_everyone": False,
        "attachments": [copy.deepcopy(a) for a in attachments],
        "embeds": [],
        "components": [],
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "flags": flags,
        "pinned": False,
        "tts": False,
        "nonce": str(message_id),
    }
    if reference_message_id is not None:
        payload["type"] = 19
        payload["message_reference"] = {
            "type": 0,
            "channel_id": str(channel_id),
            "message_id": str(reference_message_id),
        }
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
        if member is not None:
            payload["member"] = {k: copy.deepcopy(v) for k, v in member.items() if k != "user"}
    return payload


def thread_delete(thread: Json) -> Json:
    """Build a THREAD_DELETE dispatch payload for a thread object."""
    return {
        "id": thread["id"],
        "guild_id": thread["guild_id"],
        "parent_id": thread["parent_id"],
        "type": thread["type"],
    }


def guild_create(guild: Json, *, member_count: int | None = None) -> Json:
    """Build a GUILD_CREATE dispatch payload from a world guild record."""
    members = guild["members"]
    return {
        "id": guild["id"],
        "name": guild["name"],
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": guild["owner_id"],
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": copy.deepcopy(guild["roles"]),
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": None,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "joined_at": now_iso(),
        "large": False,
        "unavailable": False,
        "member_count": member_count or len(members),
        "voice_states": [
            {k: v for k, v in copy.deepcopy(vs).items() if k != "guild_id"}
            for vs in guild.get("voice_states", [])
        ],
        "members": copy.deepcopy(members),
        "channels": copy.deepcopy(guild["channels"]),
        "threads": copy.deepcopy(guild["threads"]),
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }
