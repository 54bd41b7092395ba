"""Point a py-cord Bot at FakeDiscord and feed it raw gateway payloads through its own parsers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import types
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import discord
from discord.http import Route

from . import payloads
from .fake import FakeDiscord
from .world import ALL_PERMISSIONS, Json

log = logging.getLogger(__name__)

FAKE_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.fake.harness-token"
TaskFilter = Callable[["asyncio.Task[Any]"], bool]


def _is_background(task: asyncio.Task[Any]) -> bool:
    """Return whether a task never finishes on its own (server loops, view timeouts)."""
    coro = task.get_coro()
    code = getattr(coro, "cr_code", None)
    if code is None:
        return False
    if "/aiohttp/" in code.co_filename:
        return True
    return bool(code.co_name == "_timeout_task_impl")


@dataclass
class Harness:
    """A logged-in bot wired to a FakeDiscord, with a guild, a text channel and two users."""

    bot: discord.Bot
    fake: FakeDiscord
    guild_id: int
    channel_id: int
    moderator_role_id: int
    alice: Json
    bob: Json
    # Generous: real speech recognition on a loaded 2-core machine can take several seconds.
    settle_timeout: float = 30.0
    errors: list[str] = field(default_factory=list)
    command_errors: list[discord.DiscordException] = field(default_factory=list)
    ignore_tasks: list[TaskFilter] = field(default_factory=list)
    _baseline: set[asyncio.Task[Any]] = field(default_factory=set)

    @property
    def state(self) -> Any:
        """Return py-cord's ConnectionState."""
        return self.bot._connection

    @property
    def guild(self) -> discord.Guild:
        """Return the cached guild."""
        guild = self.bot.get_guild(self.guild_id)
        assert guild is not None
        return guild

    @property
    def channel(self) -> discord.TextChannel:
        """Return the cached text channel."""
        channel = self.guild.get_channel(self.channel_id)
        assert isinstance(channel, discord.TextChannel)
        return channel

    # ------------------------------------------------------------ dispatch

    async def dispatch(self, event: str, data: Json) -> None:
        """Feed one raw gateway dispatch (e.g. "MESSAGE_CREATE") to py-cord and wait until idle."""
        self.feed(event, data)
        await self.settle()

    def feed(self, event: str, data: Json) -> None:
        """Feed one raw gateway dispatch without waiting."""
        self.state.parsers[event](data)

    async def settle(self, limit: float | None = None) -> None:
        """Wait until every task the bot spawned has finished; raise TimeoutError otherwise."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (limit if limit is not None else self.settle_timeout)
        current = asyncio.current_task()
        quiet_rounds = 0
        while True:
            await asyncio.sleep(0)
            pending = [
                t
                for t in asyncio.all_tasks()
                if t is not current
                and not t.done()
                and t not in self._baseline
                and not _is_background(t)
                and not any(f(t) for f in self.ignore_tasks)
            ]
            if not pending:
                quiet_rounds += 1
                # Callbacks scheduled with call_soon may still create tasks.
                if quiet_rounds >= 3:
                    return
                continue
            quiet_rounds = 0
            remaining = deadline - loop.time()
            if remaining <= 0:
                names = ", ".join(sorted(t.get_name() for t in pending))
                raise TimeoutError(f"bot still busy after settle timeout: {names}")
            await asyncio.wait(pending, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)

    # ------------------------------------------------------------ users

    def member_of(self, user: Json) -> Json:
        """Return the raw member object of a user in the harness guild."""
        return self.fake.member(self.guild_id, int(user["id"]))

    def _members_by_id(self) -> dict[str, Json]:
        return {m["user"]["id"]: m for m in self.fake.guilds[self.guild_id]["members"]}

    def _interaction(
        self,
        interaction_type: int,
        data: Json,
        *,
        user: Json | None,
        channel_id: int | None,
        dm: bool,
        message: Json | None = None,
        app_permissions: int = ALL_PERMISSIONS,
        member_permissions: int | None = None,
    ) -> Json:
        user = user or self.alice
        if dm:
            channel = self.fake._create_dm_for(int(user["id"]))
            guild_id = None
            member = None
        else:
            channel = self.fake.channels[channel_id or self.channel_id]
            guild_id = int(channel.get("guild_id") or self.guild_id)
            member = self.member_of(user)
        payload = payloads.interaction_base(
            interaction_type=interaction_type,
            interaction_id=self.fake.ids.next(),
            application_id=self.fake.application_id,
            channel=channel,
            user=user,
            member=member,
            guild_id=guild_id,
            data=data,
            app_permissions=app_permissions,
            member_permissions=(
                _member_perms(self, member) if member_permissions is None else member_permissions
            ),
            message=message,
        )
        self.fake.register_interaction(payload)
        return payload

    # ------------------------------------------------------------ interactions

    def command_definition(self, name: str) -> Json:
        """Return the registered command (from the fake) or the bot's local definition."""
        for scope in (None, self.guild_id):
            with contextlib.suppress(KeyError):
                return self.fake.command(name, guild_id=scope)
        for cmd in self.bot.pending_application_commands:
            if cmd.name == name:
                local: Json = cmd.to_dict()
                local["id"] = str(cmd.id or self.fake.ids.next())
                return local
        raise KeyError(f"no application command named {name!r}")

    async def slash(
        self,
        name: str,
        subcommand: str | None = None,
        *,
        group: str | None = None,
        options: Mapping[str, Any] | None = None,
        user: Json | None = None,
        channel_id: int | None = None,
        dm: bool = False,
        app_permissions: int = ALL_PERMISSIONS,
        member_permissions: int | None = None,
    ) -> Json:
        """Invoke `/name [group] [subcommand] options...` as a user; return the raw payload sent."""
        command = self.command_definition(name)
        data = payloads.slash_command_data(
            command,
            subcommand=subcommand,
            group=group,
            options=options,
            guild_id=None if dm else self.guild_id,
            members=self._members_by_id(),
        )
        payload = self._interaction(
            payloads.APPLICATION_COMMAND,
            data,
            user=user,
            channel_id=channel_id,
            dm=dm,
            app_permissions=app_permissions,
            member_permissions=member_permissions,
        )
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def click(
        self,
        message: Json | int,
        custom_id: str | None = None,
        *,
        label: str | None = None,
        user: Json | None = None,
        component_type: int = payloads.BUTTON,
        values: Sequence[str] = (),
    ) -> Json:
        """Click a component on a message the bot sent (by custom_id or by button label)."""
        raw = self.fake.messages[message] if isinstance(message, int) else message
        raw = self.fake.messages.get(int(raw["id"]), raw)
        if custom_id is None:
            custom_id = find_custom_id(raw, label=label)
        channel_id = int(raw["channel_id"])
        payload = self._interaction(
            payloads.MESSAGE_COMPONENT,
            payloads.component_data(custom_id, component_type=component_type, values=values),
            user=user,
            channel_id=channel_id,
            dm=self.fake.channels[channel_id]["type"] == 1,
            message=raw,
        )
        self.fake.link_component_message(payload["token"], int(raw["id"]))
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def submit_modal(
        self,
        custom_id: str,
        values: Mapping[str, str],
        *,
        user: Json | None = None,
        channel_id: int | None = None,
        labels: bool = False,
    ) -> Json:
        """Submit a modal the bot opened for this user."""
        payload = self._interaction(
            payloads.MODAL_SUBMIT,
            payloads.modal_submit_data(custom_id, values, labels=labels),
            user=user,
            channel_id=channel_id,
            dm=False,
        )
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    # ------------------------------------------------------------ messages & threads

    async def message(
        self,
        content: str,
        *,
        user: Json | None = None,
        channel_id: int | None = None,
        attachments: Sequence[Json] = (),
        flags: int = 0,
        reply_to: int | None = None,
    ) -> Json:
        """Post a message as a user (text channel, thread or DM) and wait for the bot to react."""
        user = user or self.alice
        target_id = channel_id or self.channel_id
        channel = self.fake.channels[target_id]
        guild_id = int(channel["guild_id"]) if channel.get("guild_id") else None
        payload = payloads.message_create(
            message_id=self.fake.ids.next(),
            channel_id=target_id,
            author=user,
            content=content,
            guild_id=guild_id,
            member=self.member_of(user) if guild_id else None,
            attachments=attachments,
            flags=flags,
            reference_message_id=reply_to,
        )
        self.fake.record_user_message(payload)
        await self.dispatch("MESSAGE_CREATE", payload)
        return payload

    async def voice_message(
        self,
        audio: bytes,
        *,
        duration_secs: float,
        user: Json | None = None,
        channel_id: int | None = None,
        filename: str = "voice-message.ogg",
    ) -> Json:
        """Post a Discord voice message (IS_VOICE_MESSAGE flag, audio/ogg attachment)."""
        attachment = self.fake.add_attachment(
            filename, audio, content_type="audio/ogg", duration_secs=duration_secs
        )
        return await self.message(
            "",
            user=user,
            channel_id=channel_id,
            attachments=[attachment],
            flags=8192,
        )

    async def add_voice_channel(
        self, name: str, *, permission_overwrites: list[Json] | None = None
    ) -> int:
        """Create a voice channel in the harness guild, tell the bot (CHANNEL_CREATE); return id."""
        channel = self.fake.add_voice_channel(
            self.guild_id, name, permission_overwrites=permission_overwrites
        )
        await self.dispatch("CHANNEL_CREATE", dict(channel))
        return int(channel["id"])

    async def join_voice(self, user: Json, channel_id: int) -> Json:
        """Put a user (or the bot user) in a voice channel and send VOICE_STATE_UPDATE."""
        payload = self.fake.set_voice_state(self.guild_id, user, channel_id)
        await self.dispatch("VOICE_STATE_UPDATE", payload)
        return payload

    async def leave_voice(self, user: Json) -> Json:
        """Take a user (or the bot user) out of voice and send VOICE_STATE_UPDATE."""
        payload = self.fake.set_voice_state(self.guild_id, user, None)
        await self.dispatch("VOICE_STATE_UPDATE", payload)
        return payload

    async def delete_thread(self, thread_id: int) -> None:
        """Delete a thread in the world and send THREAD_DELETE to the bot."""
        thread = self.fake.channels[thread_id]
        self.fake.delete_channel(thread_id)
        await self.dispatch("THREAD_DELETE", payloads.thread_delete(thread))

    def threads(self) -> list[Json]:
        """Return threads created under the harness text channel."""
        return self.fake.threads_of(self.channel_id)


def _member_perms(h: Harness, member: Json | None) -> int:
    """Compute a member's guild permissions from its roles, as Discord does for interactions."""
    if member is None:
        return ALL_PERMISSIONS
    roles = {r["id"]: int(r["permissions"]) for r in h.fake.guilds[h.guild_id]["roles"]}
    value = roles.get(str(h.guild_id), 0)
    for role_id in member.get("roles", []):
        value |= roles.get(role_id, 0)
    return ALL_PERMISSIONS if value & 0x8 else value


def find_custom_id(message: Json, *, label: str | None = None) -> str:
    """Return the custom_id of the (only, or labelled) interactive component on a message."""
    found: list[tuple[str | None, str]] = []

    def walk(nodes: Sequence[Json]) -> None:
        for node in nodes:
            if "custom_id" in node and node.get("type") != payloads.TEXT_INPUT:
                found.append((node.get("label"), node["custom_id"]))
            for key in ("components",):
                if isinstance(node.get(key), list):
                    walk(node[key])
            if isinstance(node.get("accessory"), dict):
                walk([node["accessory"]])

    walk(message.get("components") or [])
    if label is not None:
        found = [f for f in found if f[0] == label]
    if len(found) != 1:
        raise LookupError(f"expected one component (label={label!r}), found {found}")
    return found[0][1]


def _wrap_error_hooks(h: Harness) -> Callable[[], None]:
    """Record listener and command exceptions while keeping py-cord's own handling."""
    bot = h.bot
    original_on_error = bot.on_error
    original_cmd_error = bot.on_application_command_error

    async def on_error(self: Any, event_method: str, *args: Any, **kwargs: Any) -> None:
        import sys

        exc = sys.exc_info()[1]
        h.errors.append(f"{event_method}: {exc!r}")
        await original_on_error(event_method, *args, **kwargs)

    async def on_command_error(self: Any, ctx: Any, exc: discord.DiscordException) -> None:
        h.command_errors.append(exc)
        await original_cmd_error(ctx, exc)

    bot.on_error = types.MethodType(on_error, bot)  # type: ignore[method-assign]
    bot.on_application_command_error = types.MethodType(  # type: ignore[method-assign]
        on_command_error, bot
    )

    def restore() -> None:
        del bot.on_error
        del bot.on_application_command_error

    return restore


@contextlib.asynccontextmanager
async def harness(
    bot: discord.Bot,
    fake: FakeDiscord | None = None,
    *,
    sync_commands: bool = True,
    echo_events: bool = True,
    fail_on_listener_errors: bool = True,
) -> AsyncIterator[Harness]:
    """Log `bot` in against a FakeDiscord, seed a guild, sync commands, and yield a Harness."""
    own_fake = fake is None
    if fake is None:
        fake = FakeDiscord()
    if not fake.port:
        await fake.start()
    baseline = set(asyncio.all_tasks())
    saved_base = Route.API_BASE_URL
    Route.API_BASE_URL = fake.api_base_template
    restore_hooks: Callable[[], None] | None = None
    try:
        guild = fake.add_guild("Mock Interview Club")
        guild_id = int(guild["id"])
        moderator = fake.add_role(guild_id, "Moderator", permissions=0x20 | 0x2000)
        channel = fake.add_text_channel(guild_id, "practice")
        alice = fake.add_user("alice")
        bob = fake.add_user("bob")
        fake.add_member(guild_id, alice)
        fake.add_member(guild_id, bob, roles=[int(moderator["id"])])

        fake.token = FAKE_TOKEN
        await bot.login(FAKE_TOKEN)
        state = bot._connection
        state.application_id = fake.application_id
        if hasattr(state, "_ready_state"):
            # A ready queue would swallow GUILD_CREATE until a READY that never comes.
            del state._ready_state
        state.parsers["GUILD_CREATE"](payloads.guild_create(guild))

        h = Harness(
            bot=bot,
            fake=fake,
            guild_id=guild_id,
            channel_id=int(channel["id"]),
            moderator_role_id=int(moderator["id"]),
            alice=alice,
            bob=bob,
            _baseline=baseline,
        )
        restore_hooks = _wrap_error_hooks(h)
        if echo_events:
            fake.on_gateway_event = h.feed
        if sync_commands:
            await bot.sync_commands()
        await h.settle()
        yield h
        await h.settle()
        if fail_on_listener_errors and h.errors:
            raise AssertionError("exceptions in bot event handlers:\n  " + "\n  ".join(h.errors))
    finally:
        fake.on_gateway_event = None
        if restore_hooks is not None:
            restore_hooks()
        await bot.close()
        Route.API_BASE_URL = saved_base
        if own_fake:
            await fake.close()
            fake.assert_no_violations()
