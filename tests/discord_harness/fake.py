"""FakeDiscord: a loopback REST server that checks every request against Discord's spec."""

from __future__ import annotations

import copy
import itertools
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from .spec import API_PREFIX, Match, OpenAPISpec, Operation, load_spec
from .world import (
    ALL_PERMISSIONS,
    GUILD_TEXT,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    InteractionRecord,
    Json,
    Snowflakes,
    UploadedFile,
    components_response,
    dm_channel_object,
    embed_response,
    member_object,
    now_iso,
    role_object,
    text_channel_object,
    thread_object,
    user_object,
    voice_channel_object,
    voice_state_object,
)

log = logging.getLogger(__name__)

_PLACEHOLDER = re.compile(r"\{[^}]*\}")
CDN_PREFIX = "/cdn"
FLAG_EPHEMERAL = 64
FLAG_LOADING = 128
FLAG_VOICE_MESSAGE = 8192

GatewaySink = Callable[[str, Json], None]


def normalize_template(template: str) -> str:
    """Drop placeholder names so `/channels/{id}` and `/channels/{channel_id}` compare equal."""
    return _PLACEHOLDER.sub("{}", template.rstrip("/"))


@dataclass
class RecordedRequest:
    """One request the bot sent, as the fake understood it."""

    method: str
    path: str
    template: str | None
    operation_id: str | None
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: list[UploadedFile]
    headers: dict[str, str]
    status: int = 0


@dataclass
class Violation:
    """A request the spec rejects."""

    method: str
    path: str
    template: str | None
    message: str

    def __str__(self) -> str:
        """Render as `METHOD path (template): message`."""
        where = f" ({self.template})" if self.template and self.template != self.path else ""
        return f"{self.method} {self.path}{where}: {self.message}"


@dataclass
class _Fault:
    method: str
    template: str
    status: int
    code: int
    message: str
    params: dict[str, str]
    remaining: int | None


@dataclass
class _Call:
    match: Match
    record: RecordedRequest
    body: Any
    files: list[UploadedFile]
    query: dict[str, str]

    def param(self, name: str) -> str:
        return self.match.params[name]

    def int_param(self, name: str) -> int:
        return int(self.match.params[name])

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() in ("true", "1")


class DiscordError(Exception):
    """Raised inside handlers to answer with Discord's JSON error body."""

    def __init__(self, status: int, code: int, message: str) -> None:
        """Remember the HTTP status and Discord's error code and message."""
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _unknown_channel() -> DiscordError:
    return DiscordError(404, 10003, "Unknown Channel")


def _unknown_message() -> DiscordError:
    return DiscordError(404, 10008, "Unknown Message")


def _unknown_webhook() -> DiscordError:
    return DiscordError(404, 10015, "Unknown Webhook")


Handler = Callable[[_Call], Awaitable[tuple[int, Any]]]


class FakeDiscord:
    """Loopback Discord REST API with a small in-memory world and a spec check on every call."""

    def __init__(
        self,
        *,
        spec: OpenAPISpec | None = None,
        bot_name: str = "Mockingbird",
        check_responses: bool = True,
    ) -> None:
        """Create the world (bot user only); call `start()` to listen."""
        self.spec = spec or load_spec()
        self.ids = Snowflakes()
        self.check_responses = check_responses
        self.requests: list[RecordedRequest] = []
        self.violations: list[Violation] = []
        self.response_errors: list[str] = []
        self.unhandled: list[str] = []
        self.on_gateway_event: GatewaySink | None = None
        self.token: str | None = None

        self.application_id = self.ids.next()
        self.bot_user: Json = user_object(self.application_id, bot_name, bot=True)
        self.users: dict[int, Json] = {self.application_id: self.bot_user}
        self.guilds: dict[int, Json] = {}
        self.channels: dict[int, Json] = {}
        self.deleted_channels: set[int] = set()
        self.messages: dict[int, Json] = {}
        self.channel_messages: dict[int, list[int]] = {}
        self.thread_members: dict[int, set[int]] = {}
        self.dm_channels: dict[int, int] = {}
        self.commands: dict[int | None, dict[int, Json]] = {}
        self.interactions: dict[str, InteractionRecord] = {}
        self.component_targets: dict[str, int] = {}
        self.attachments: dict[str, tuple[str, bytes]] = {}
        self._faults: list[_Fault] = []
        self._component_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self.port = 0
        self._handlers: dict[tuple[str, str], Handler] = {}
        self._overrides: dict[tuple[str, str], tuple[int, Any]] = {}
        self._register_handlers()

    # ---------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        """Return the server's origin, e.g. http://127.0.0.1:PORT."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base_template(self) -> str:
        """Return a value for py-cord's `Route.API_BASE_URL` pointing at this server."""
        return self.url + "/api/v{API_VERSION}"

    async def start(self) -> None:
        """Listen on 127.0.0.1 at a random free port."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._entry)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await self._site.start()
        server = self._site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = int(sockets[0].getsockname()[1])
        log.debug("FakeDiscord listening on %s", self.url)

    async def close(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        """Start the server."""
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Stop the server."""
        await self.close()

    # ---------------------------------------------------------------- world setup

    def add_user(self, username: str, *, bot: bool = False, user_id: int | None = None) -> Json:
        """Create a user and return its raw object."""
        uid = user_id or self.ids.next()
        user = user_object(uid, username, bot=bot)
        self.users[uid] = user
        return user

    def add_guild(self, name: str = "Mock Guild", *, owner_id: int | None = None) -> Json:
        """Create a guild with an @everyone role and the bot as member; return its record."""
        guild_id = self.ids.next()
        everyone = role_object(guild_id, "@everyone", permissions=0x0000_0006_4CE4_0E41, position=0)
        guild: Json = {
            "id": str(guild_id),
            "name": name,
            "owner_id": str(owner_id or self.application_id),
            "roles": [everyone],
            "members": [],
            "channels": [],
            "threads": [],
        }
        self.guilds[guild_id] = guild
        bot_role = self.add_role(guild_id, "Mockingbird", permissions=ALL_PERMISSIONS)
        self.add_member(guild_id, self.bot_user, roles=[int(bot_role["id"])])
        return guild

    def add_role(self, guild_id: int, name: str, *, permissions: int = 0) -> Json:
        """Add a role to a guild and return it."""
        guild = self.guilds[guild_id]
        role = role_object(
            self.ids.next(), name, permissions=permissions, position=len(guild["roles"])
        )
        guild["roles"].append(role)
        return role

    def add_member(self, guild_id: int, user: Json, *, roles: list[int] | None = None) -> Json:
        """Make a user a guild member and return the member object."""
        member = member_object(user, roles=roles or [], joined_at=now_iso())
        self.guilds[guild_id]["members"].append(member)
        return member

    def member(self, guild_id: int, user_id: int) -> Json:
        """Return a guild member object, raising KeyError when absent."""
        for member in self.guilds[guild_id]["members"]:
            if int(member["user"]["id"]) == user_id:
                return dict(member)
        raise KeyError(user_id)

    def add_text_channel(self, guild_id: int, name: str) -> Json:
        """Create a text channel in a guild and return it."""
        guild = self.guilds[guild_id]
        channel = text_channel_object(
            self.ids.next(), guild_id, name, position=len(guild["channels"])
        )
        self.channels[int(channel["id"])] = channel
        self.channel_messages[int(channel["id"])] = []
        guild["channels"].append(channel)
        return channel

    def add_voice_channel(
        self, guild_id: int, name: str, *, permission_overwrites: list[Json] | None = None
    ) -> Json:
        """Create a voice channel in a guild and return it."""
        guild = self.guilds[guild_id]
        channel = voice_channel_object(
            self.ids.next(),
            guild_id,
            name,
            position=len(guild["channels"]),
            permission_overwrites=permission_overwrites,
        )
        self.channels[int(channel["id"])] = channel
        self.channel_messages[int(channel["id"])] = []
        guild["channels"].append(channel)
        return channel

    def set_voice_state(self, guild_id: int, user: Json, channel_id: int | None) -> Json:
        """Move a member into a voice channel (None: out of voice); return the dispatch payload."""
        guild = self.guilds[guild_id]
        states: list[Json] = guild.setdefault("voice_states", [])
        states[:] = [v for v in states if v["user_id"] != user["id"]]
        state = voice_state_object(
            guild_id,
            channel_id,
            self.member(guild_id, int(user["id"])),
            session_id=f"voice-session-{user['id']}",
        )
        if channel_id is not None:
            states.append(state)
        return state

    def add_thread(
        self,
        parent_id: int,
        name: str,
        *,
        owner_id: int | None = None,
        private: bool = True,
        members: list[int] | None = None,
    ) -> Json:
        """Create a thread directly in the world (not through the API) and return it."""
        parent = self._channel(parent_id)
        thread = thread_object(
            self.ids.next(),
            guild_id=int(parent["guild_id"]),
            parent_id=parent_id,
            owner_id=owner_id or self.application_id,
            name=name,
            kind=PRIVATE_THREAD if private else PUBLIC_THREAD,
            auto_archive_duration=1440,
            invitable=False,
        )
        thread_id = int(thread["id"])
        self.channels[thread_id] = thread
        self.channel_messages[thread_id] = []
        self.thread_members[thread_id] = {int(thread["owner_id"]), *(members or [])}
        self.guilds[int(parent["guild_id"])]["threads"].append(thread)
        return thread

    def add_attachment(
        self,
        filename: str,
        data: bytes,
        *,
        content_type: str = "application/octet-stream",
        duration_secs: float | None = None,
        waveform: str | None = None,
    ) -> Json:
        """Host bytes at a CDN URL on this server and return an attachment object for them."""
        attachment_id = self.ids.next()
        url = f"{self.url}{CDN_PREFIX}/attachments/{attachment_id}/{filename}"
        self.attachments[f"/attachments/{attachment_id}/{filename}"] = (content_type, data)
        attachment: Json = {
            "id": str(attachment_id),
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }
        if duration_secs is not None:
            attachment["duration_secs"] = duration_secs
            attachment["waveform"] = waveform or "AAAA"
        return attachment

    def register_interaction(self, payload: Json) -> InteractionRecord:
        """Remember an interaction payload so its callback and webhook token are valid."""
        record = InteractionRecord(
            interaction_id=int(payload["id"]),
            token=str(payload["token"]),
            application_id=int(payload["application_id"]),
            channel_id=int(payload["channel_id"]) if payload.get("channel_id") else None,
            guild_id=int(payload["guild_id"]) if payload.get("guild_id") else None,
            interaction_type=int(payload["type"]),
        )
        self.interactions[record.token] = record
        return record

    # ---------------------------------------------------------------- faults

    def delete_channel(self, channel_id: int) -> None:
        """Mark a channel or thread deleted: every later request to it answers 404 10003."""
        self.deleted_channels.add(channel_id)

    def forbid(
        self,
        method: str,
        template: str,
        *,
        times: int | None = None,
        code: int = 50013,
        message: str = "Missing Permissions",
        **params: int | str,
    ) -> None:
        """Answer 403 Missing Permissions, e.g. forbid("POST", "/channels/{id}/threads")."""
        self.fail(method, template, status=403, code=code, message=message, times=times, **params)

    def fail(
        self,
        method: str,
        template: str,
        *,
        status: int,
        code: int,
        message: str,
        times: int | None = None,
        **params: int | str,
    ) -> None:
        """Answer matching requests with a Discord error body (`times=None`: forever)."""
        self._faults.append(
            _Fault(
                method=method.upper(),
                template=normalize_template(template),
                status=status,
                code=code,
                message=message,
                params={k: str(v) for k, v in params.items()},
                remaining=times,
            )
        )

    def set_response(self, method: str, template: str, body: Any, *, status: int = 200) -> None:
        """Answer a spec'd operation the fake does not model with a fixed body."""
        self._overrides[(method.upper(), normalize_template(template))] = (status, body)

    # ---------------------------------------------------------------- assertions

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        """Return requests by method and template (`/channels/{id}/messages`) or concrete path."""
        method = method.upper()
        if "{" in path:
            wanted = normalize_template(path)
            return [
                r
                for r in self.requests
                if r.method == method and r.template and normalize_template(r.template) == wanted
            ]
        concrete = path.rstrip("/")
        return [r for r in self.requests if r.method == method and r.path == concrete]

    def bodies_to(self, method: str, path: str) -> list[Any]:
        """Return the JSON bodies of `requests_to(method, path)`."""
        return [r.json for r in self.requests_to(method, path)]

    def messages_in(self, channel_id: int, *, include_ephemeral: bool = True) -> list[Json]:
        """Return the current raw message objects in a channel, oldest first (edits applied)."""
        found: list[Json] = []
        for message_id in self.channel_messages.get(channel_id, []):
            message = self.messages.get(message_id)
            if message is None:
                continue
            if not include_ephemeral and message["flags"] & FLAG_EPHEMERAL:
                continue
            found.append(message)
        return found

    def threads_of(self, parent_id: int) -> list[Json]:
        """Return the threads created under a channel."""
        return [
            c
            for c in self.channels.values()
            if c["type"] in (PUBLIC_THREAD, PRIVATE_THREAD) and c.get("parent_id") == str(parent_id)
        ]

    def original_response(self, token: str) -> Json | None:
        """Return the original response message of an interaction, if any."""
        record = self.interactions.get(token)
        if record is None or record.original_message_id is None:
            return None
        return self.messages.get(record.original_message_id)

    def assert_no_violations(self) -> None:
        """Raise AssertionError listing every spec violation."""
        if self.violations:
            listed = "\n  ".join(str(v) for v in self.violations)
            raise AssertionError(
                f"{len(self.violations)} Discord API spec violation(s):\n  {listed}"
            )

    # ---------------------------------------------------------------- HTTP entry

    async def _entry(self, request: web.Request) -> web.StreamResponse:
        if request.path.startswith(CDN_PREFIX + "/"):
            return self._serve_cdn(request)
        method = request.method.upper()
        path = request.path
        files: list[UploadedFile] = []
        record = RecordedRequest(
            method=method,
            path=path[len(API_PREFIX) :] if path.startswith(API_PREFIX) else path,
            template=None,
            operation_id=None,
            params={},
            query=dict(request.query),
            json=None,
            files=files,
            headers={k: v for k, v in request.headers.items() if k.lower() != "authorization"},
        )
        self.requests.append(record)
        problems: list[str] = []
        try:
            body, body_problems = await self._read_body(request, files)
        except ValueError as exc:
            body, body_problems = None, [str(exc)]
        record.json = body
        if not path.startswith(API_PREFIX + "/"):
            return self._reject(record, 404, f"path is not under {API_PREFIX}")

        match = self.spec.match(method, path)
        if match is None:
            if self.spec.path_exists(path):
                return self._reject(record, 405, f"method {method} is not in the spec for path")
            return self._reject(record, 404, "path is not in the Discord OpenAPI spec")
        op = match.operation
        record.template = op.template
        record.operation_id = op.operation_id
        record.params = dict(match.params)

        problems.extend(self.spec.validate_params(match))
        problems.extend(self.spec.validate_query(op, request.query.items()))
        problems.extend(body_problems)
        problems.extend(self._check_auth(op, request))
        problems.extend(self._check_body(op, request, body))
        if problems:
            return self._reject(record, 400, "; ".join(problems), invalid_form=True)

        call = _Call(match=match, record=record, body=body, files=files, query=dict(request.query))
        try:
            self._apply_faults(call)
            status, payload = await self._handle(call)
        except DiscordError as exc:
            record.status = exc.status
            return _json_response(exc.status, {"code": exc.code, "message": exc.message})
        record.status = status
        if self.check_responses:
            for err in self.spec.validate_response(op, status, payload):
                text = f"fake answered {method} {op.template} off-spec: {err}"
                self.response_errors.append(text)
                log.warning("%s", text)
        if status == 204:
            return web.Response(status=204)
        return _json_response(status, payload)

    async def _read_body(
        self, request: web.Request, files: list[UploadedFile]
    ) -> tuple[Any, list[str]]:
        if not request.can_read_body:
            return None, []
        ctype = request.content_type
        if ctype == "application/json":
            text = await request.text()
            try:
                return json.loads(text), []
            except json.JSONDecodeError as exc:
                return None, [f"body is not valid JSON: {exc}"]
        if ctype == "multipart/form-data":
            reader = await request.multipart()
            payload: Any = None
            problems: list[str] = []
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, BodyPartReader):
                    problems.append("nested multipart is not supported by Discord")
                    continue
                name = part.name or ""
                data = await part.read(decode=True)
                if name == "payload_json":
                    try:
                        payload = json.loads(data.decode("utf-8"))
                    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                        problems.append(f"payload_json is not valid JSON: {exc}")
                elif name.startswith("files["):
                    files.append(
                        UploadedFile(
                            field=name,
                            filename=part.filename or "",
                            content_type=part.headers.get("Content-Type", ""),
                            data=bytes(data),
                        )
                    )
                else:
                    problems.append(f"unexpected multipart field {name!r}")
            return payload, problems
        if ctype == "application/x-www-form-urlencoded":
            # aiohttp's FormData without files (py-cord's payload_json-only forms) ends up here.
            form = await request.post()
            extra = sorted(k for k in form if k != "payload_json")
            problems = [f"unexpected form field {k!r}" for k in extra]
            field_value = form.get("payload_json")
            if not isinstance(field_value, str):
                return None, [*problems, "form body has no payload_json field"]
            try:
                return json.loads(field_value), problems
            except json.JSONDecodeError as exc:
                return None, [*problems, f"payload_json is not valid JSON: {exc}"]
        raw = await request.read()
        if raw:
            return None, [f"unsupported Content-Type {ctype!r}"]
        return None, []

    def _check_auth(self, op: Operation, request: web.Request) -> list[str]:
        if not op.needs_bot_token:
            return []
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bot ") or (self.token and auth != f"Bot {self.token}"):
            return [f"{op.operation_id} needs a bot token (Authorization: Bot <token>)"]
        return []

    def _check_body(self, op: Operation, request: web.Request, body: Any) -> list[str]:
        has_payload = body is not None
        if not op.has_body:
            return [f"{op.operation_id} takes no request body"] if has_payload else []
        if not has_payload:
            return [f"{op.operation_id} requires a request body"] if op.body_required else []
        return [f"body {e}" for e in self.spec.validate_body(op, request.content_type, body)]

    def _reject(
        self, record: RecordedRequest, status: int, message: str, *, invalid_form: bool = False
    ) -> web.Response:
        violation = Violation(record.method, record.path, record.template, message)
        self.violations.append(violation)
        log.warning("Discord spec violation: %s", violation)
        record.status = status
        if invalid_form:
            body: Json = {
                "code": 50035,
                "message": "Invalid Form Body",
                "errors": {"_errors": [{"code": "SPEC_VIOLATION", "message": message}]},
            }
        else:
            body = {"code": 0, "message": f"{status}: {message}"}
        return _json_response(status, body)

    def _serve_cdn(self, request: web.Request) -> web.Response:
        entry = self.attachments.get(request.path[len(CDN_PREFIX) :])
        if entry is None:
            return web.Response(status=404)
        content_type, data = entry
        return web.Response(body=data, headers={"Content-Type": content_type})

    def _apply_faults(self, call: _Call) -> None:
        template = normalize_template(call.match.operation.template)
        for key in ("channel_id", "thread_id"):
            if key in call.match.params and call.int_param(key) in self.deleted_channels:
                raise _unknown_channel()
        for fault in self._faults:
            if fault.method != call.match.operation.method or fault.template != template:
                continue
            if any(call.match.params.get(k) != v for k, v in fault.params.items()):
                continue
            if fault.remaining is not None:
                if fault.remaining <= 0:
                    continue
                fault.remaining -= 1
            raise DiscordError(fault.status, fault.code, fault.message)

    async def _handle(self, call: _Call) -> tuple[int, Any]:
        op = call.match.operation
        key = (op.method, normalize_template(op.template))
        if key in self._overrides:
            status, body = self._overrides[key]
            return status, copy.deepcopy(body)
        handler = self._handlers.get(key)
        if handler is None:
            self.unhandled.append(f"{op.method} {op.template}")
            if "204" in self.spec.declared_statuses(op):
                return 204, None
            raise DiscordError(501, 0, f"FakeDiscord does not model {op.operation_id}")
        return await handler(call)

    # ---------------------------------------------------------------- handlers

    def _register_handlers(self) -> None:
        table: dict[tuple[str, str], Handler] = {
            ("GET", "/users/@me"): self._get_me,
            ("GET", "/users/{user_id}"): self._get_user,
            ("POST", "/users/@me/channels"): self._create_dm,
            ("GET", "/applications/{application_id}/commands"): self._list_commands,
            ("PUT", "/applications/{application_id}/commands"): self._put_commands,
            ("POST", "/applications/{application_id}/commands"): self._post_command,
            ("GET", "/applications/{application_id}/guilds/{guild_id}/commands"): (
                self._list_commands
            ),
            ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands"): (
                self._put_commands
            ),
            ("POST", "/applications/{application_id}/guilds/{guild_id}/commands"): (
                self._post_command
            ),
            ("GET", "/guilds/{guild_id}/members/{user_id}"): self._get_member,
            ("GET", "/channels/{channel_id}"): self._get_channel,
            ("PATCH", "/channels/{channel_id}"): self._edit_channel,
            ("DELETE", "/channels/{channel_id}"): self._delete_channel,
            ("GET", "/channels/{channel_id}/messages"): self._list_messages,
            ("POST", "/channels/{channel_id}/messages"): self._post_message,
            ("GET", "/channels/{channel_id}/messages/{message_id}"): self._get_message,
            ("PATCH", "/channels/{channel_id}/messages/{message_id}"): self._edit_message,
            ("DELETE", "/channels/{channel_id}/messages/{message_id}"): self._delete_message,
            ("POST", "/channels/{channel_id}/threads"): self._create_thread,
            ("POST", "/channels/{channel_id}/messages/{message_id}/threads"): (
                self._create_thread_from_message
            ),
            ("PUT", "/channels/{channel_id}/thread-members/{user_id}"): self._add_thread_member,
            ("PUT", "/channels/{channel_id}/thread-members/@me"): self._join_thread,
            ("DELETE", "/channels/{channel_id}/thread-members/{user_id}"): (
                self._remove_thread_member
            ),
            ("POST", "/channels/{channel_id}/typing"): self._typing,
            ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me"): (
                self._react
            ),
            ("POST", "/interactions/{interaction_id}/{interaction_token}/callback"): (
                self._interaction_callback
            ),
            ("POST", "/webhooks/{webhook_id}/{webhook_token}"): self._webhook_execute,
            ("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"): (
                self._webhook_get_message
            ),
            ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"): (
                self._webhook_edit_message
            ),
            ("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"): (
                self._webhook_delete_message
            ),
            ("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"): (
                self._webhook_get_message
            ),
            ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"): (
                self._webhook_edit_message
            ),
            ("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"): (
                self._webhook_delete_message
            ),
        }
        for (method, template), handler in table.items():
            self.spec.operation(method, template)  # fail fast if the spec renamed a route
            self._handlers[(method, normalize_template(template))] = handler

    # users --------------------------------------------------------------

    async def _get_me(self, call: _Call) -> tuple[int, Any]:
        me = dict(self.bot_user)
        me.update(mfa_enabled=False, locale="en-US", premium_type=0)
        return 200, me

    async def _get_user(self, call: _Call) -> tuple[int, Any]:
        user = self.users.get(call.int_param("user_id"))
        if user is None:
            raise DiscordError(404, 10013, "Unknown User")
        return 200, user

    async def _create_dm(self, call: _Call) -> tuple[int, Any]:
        recipient_id = int(call.body["recipient_id"])
        if recipient_id not in self.users:
            raise DiscordError(400, 50035, "Invalid Form Body")
        return 200, self._create_dm_for(recipient_id)

    def _create_dm_for(self, user_id: int) -> Json:
        """Return the DM channel with a user, creating it on first use."""
        channel_id = self.dm_channels.get(user_id)
        if channel_id is None:
            channel = dm_channel_object(self.ids.next(), self.users[user_id])
            channel_id = int(channel["id"])
            self.channels[channel_id] = channel
            self.channel_messages[channel_id] = []
            self.dm_channels[user_id] = channel_id
        return self.channels[channel_id]

    async def _get_member(self, call: _Call) -> tuple[int, Any]:
        guild_id = call.int_param("guild_id")
        if guild_id not in self.guilds:
            raise DiscordError(404, 10004, "Unknown Guild")
        try:
            return 200, self.member(guild_id, call.int_param("user_id"))
        except KeyError:
            raise DiscordError(404, 10007, "Unknown Member") from None

    # commands -----------------------------------------------------------

    def _command_scope(self, call: _Call) -> dict[int, Json]:
        if call.int_param("application_id") != self.application_id:
            raise DiscordError(403, 50001, "Missing Access")
        guild_id = call.int_param("guild_id") if "guild_id" in call.match.params else None
        return self.commands.setdefault(guild_id, {})

    def _command_object(self, call: _Call, body: Json, existing: Json | None) -> Json:
        command = {k: v for k, v in body.items() if v is not None}
        command["id"] = existing["id"] if existing else str(self.ids.next())
        command["application_id"] = str(self.application_id)
        command["version"] = str(self.ids.next())
        command.setdefault("type", 1)
        command.setdefault("description", "")
        command["default_member_permissions"] = body.get("default_member_permissions")
        if "guild_id" in call.match.params:
            command["guild_id"] = call.param("guild_id")
        return command

    async def _list_commands(self, call: _Call) -> tuple[int, Any]:
        return 200, list(self._command_scope(call).values())

    async def _put_commands(self, call: _Call) -> tuple[int, Any]:
        scope = self._command_scope(call)
        by_name = {(c["name"], c["type"]): c for c in scope.values()}
        fresh: dict[int, Json] = {}
        for body in call.body:
            existing = by_name.get((body["name"], body.get("type", 1)))
            command = self._command_object(call, body, existing)
            fresh[int(command["id"])] = command
        scope.clear()
        scope.update(fresh)
        return 200, list(fresh.values())

    async def _post_command(self, call: _Call) -> tuple[int, Any]:
        scope = self._command_scope(call)
        existing = next(
            (
                c
                for c in scope.values()
                if c["name"] == call.body["name"] and c["type"] == call.body.get("type", 1)
            ),
            None,
        )
        command = self._command_object(call, call.body, existing)
        scope[int(command["id"])] = command
        return (200 if existing else 201), command

    def command(self, name: str, *, guild_id: int | None = None) -> Json:
        """Return a registered command (chat input first) by name."""
        for command in self.commands.get(guild_id, {}).values():
            if command["name"] == name:
                return command
        raise KeyError(f"command {name!r} is not registered (guild {guild_id})")

    # channels ------------------------------------------------------------

    def _channel(self, channel_id: int) -> Json:
        if channel_id in self.deleted_channels:
            raise _unknown_channel()
        channel = self.channels.get(channel_id)
        if channel is None:
            raise _unknown_channel()
        return channel

    async def _get_channel(self, call: _Call) -> tuple[int, Any]:
        return 200, self._channel(call.int_param("channel_id"))

    async def _edit_channel(self, call: _Call) -> tuple[int, Any]:
        channel = self._channel(call.int_param("channel_id"))
        body: Json = call.body or {}
        for key in ("name", "topic", "rate_limit_per_user", "nsfw"):
            if key in body:
                channel[key] = body[key]
        metadata = channel.get("thread_metadata")
        if metadata is not None:
            for key in ("archived", "locked", "auto_archive_duration", "invitable"):
                if key in body:
                    metadata[key] = body[key]
        return 200, channel

    async def _delete_channel(self, call: _Call) -> tuple[int, Any]:
        channel = self._channel(call.int_param("channel_id"))
        self.deleted_channels.add(int(channel["id"]))
        return 200, channel

    async def _list_messages(self, call: _Call) -> tuple[int, Any]:
        channel_id = call.int_param("channel_id")
        self._channel(channel_id)
        limit = int(call.query.get("limit", "50"))
        newest_first = list(reversed(self.messages_in(channel_id)))
        return 200, newest_first[:limit]

    def _message(self, channel_id: int, message_id: int) -> Json:
        self._channel(channel_id)
        message = self.messages.get(message_id)
        if message is None or message["channel_id"] != str(channel_id):
            raise _unknown_message()
        return message

    async def _get_message(self, call: _Call) -> tuple[int, Any]:
        return 200, self._message(call.int_param("channel_id"), call.int_param("message_id"))

    async def _post_message(self, call: _Call) -> tuple[int, Any]:
        channel_id = call.int_param("channel_id")
        channel = self._channel(channel_id)
        if channel["type"] in (PUBLIC_THREAD, PRIVATE_THREAD) and channel["thread_metadata"].get(
            "locked"
        ):
            raise DiscordError(403, 50083, "Thread is archived")
        message = self.create_message(channel_id, self.bot_user, call.body or {}, call.files)
        return 200, message

    async def _edit_message(self, call: _Call) -> tuple[int, Any]:
        message = self._message(call.int_param("channel_id"), call.int_param("message_id"))
        if message["author"]["id"] != self.bot_user["id"]:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        self._apply_edit(message, call.body or {}, call.files)
        return 200, message

    async def _delete_message(self, call: _Call) -> tuple[int, Any]:
        message = self._message(call.int_param("channel_id"), call.int_param("message_id"))
        del self.messages[int(message["id"])]
        return 204, None

    async def _create_thread(self, call: _Call) -> tuple[int, Any]:
        parent = self._channel(call.int_param("channel_id"))
        if parent["type"] != GUILD_TEXT:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        body: Json = call.body or {}
        kind = int(body.get("type") or PRIVATE_THREAD)
        return 201, self._new_thread(parent, body, kind)

    async def _create_thread_from_message(self, call: _Call) -> tuple[int, Any]:
        parent_id = call.int_param("channel_id")
        message = self._message(parent_id, call.int_param("message_id"))
        thread = self._new_thread(self._channel(parent_id), call.body or {}, PUBLIC_THREAD)
        thread_id = int(thread["id"])
        # Discord gives a thread started from a message the message's id.
        del self.channels[thread_id]
        self.thread_members[int(message["id"])] = self.thread_members.pop(thread_id)
        self.channel_messages[int(message["id"])] = self.channel_messages.pop(thread_id)
        thread["id"] = message["id"]
        self.channels[int(message["id"])] = thread
        message["thread"] = thread
        return 201, thread

    def _new_thread(self, parent: Json, body: Json, kind: int) -> Json:
        thread = thread_object(
            self.ids.next(),
            guild_id=int(parent["guild_id"]),
            parent_id=int(parent["id"]),
            owner_id=self.application_id,
            name=str(body.get("name", "thread")),
            kind=kind,
            auto_archive_duration=int(body.get("auto_archive_duration") or 4320),
            invitable=bool(body.get("invitable", True)),
        )
        thread_id = int(thread["id"])
        self.channels[thread_id] = thread
        self.channel_messages[thread_id] = []
        self.thread_members[thread_id] = {self.application_id}
        self.guilds[int(parent["guild_id"])]["threads"].append(thread)
        event = dict(thread, newly_created=True)
        self._emit("THREAD_CREATE", event)
        return thread

    def _thread(self, channel_id: int) -> Json:
        channel = self._channel(channel_id)
        if channel["type"] not in (PUBLIC_THREAD, PRIVATE_THREAD):
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        return channel

    async def _add_thread_member(self, call: _Call) -> tuple[int, Any]:
        thread = self._thread(call.int_param("channel_id"))
        user_id = call.int_param("user_id")
        if user_id not in self.users:
            raise DiscordError(404, 10013, "Unknown User")
        members = self.thread_members.setdefault(int(thread["id"]), set())
        members.add(user_id)
        thread["member_count"] = len(members)
        return 204, None

    async def _join_thread(self, call: _Call) -> tuple[int, Any]:
        thread = self._thread(call.int_param("channel_id"))
        self.thread_members.setdefault(int(thread["id"]), set()).add(self.application_id)
        return 204, None

    async def _remove_thread_member(self, call: _Call) -> tuple[int, Any]:
        thread = self._thread(call.int_param("channel_id"))
        self.thread_members.setdefault(int(thread["id"]), set()).discard(call.int_param("user_id"))
        return 204, None

    async def _typing(self, call: _Call) -> tuple[int, Any]:
        self._channel(call.int_param("channel_id"))
        return 204, None

    async def _react(self, call: _Call) -> tuple[int, Any]:
        message = self._message(call.int_param("channel_id"), call.int_param("message_id"))
        reactions = message.setdefault("reactions", [])
        reactions.append({"emoji": {"id": None, "name": call.param("emoji_name")}, "me": True})
        return 204, None

    # messages ------------------------------------------------------------

    def create_message(
        self,
        channel_id: int,
        author: Json,
        body: Json,
        files: list[UploadedFile] | None = None,
        *,
        webhook_id: int | None = None,
        interaction: InteractionRecord | None = None,
        emit: bool = True,
    ) -> Json:
        """Store a message as Discord would after a send, and return its MessageResponse."""
        message_id = self.ids.next()
        message: Json = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "author": author,
            "type": 0,
            "content": "",
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "attachments": [],
            "embeds": [],
            "components": [],
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "flags": 0,
            "pinned": False,
            "tts": bool(body.get("tts") or False),
        }
        if webhook_id is not None:
            message["webhook_id"] = str(webhook_id)
            message["application_id"] = str(self.application_id)
        if interaction is not None:
            message["type"] = 20 if interaction.interaction_type == 2 else 0
            message["interaction_metadata"] = {
                "id": str(interaction.interaction_id),
                "type": interaction.interaction_type,
                "user": author,
                "authorizing_integration_owners": {},
            }
        if body.get("message_reference"):
            ref = body["message_reference"]
            message["type"] = 19
            message["message_reference"] = {
                "type": 0,
                "channel_id": str(ref.get("channel_id") or channel_id),
                "message_id": str(ref["message_id"]),
            }
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        self._apply_edit(message, body, files or [], edited=False)
        self.messages[message_id] = message
        self.channel_messages.setdefault(channel_id, []).append(message_id)
        channel = self.channels.get(channel_id)
        if channel is not None:
            channel["last_message_id"] = str(message_id)
            if "message_count" in channel:
                channel["message_count"] += 1
                channel["total_message_sent"] += 1
        if emit and not message["flags"] & FLAG_EPHEMERAL:
            self._emit_message(message)
        return message

    def record_user_message(self, event: Json) -> Json:
        """Store a user's MESSAGE_CREATE payload so the bot can fetch or reply to it."""
        message = {k: v for k, v in event.items() if k not in ("guild_id", "member")}
        message_id = int(message["id"])
        channel_id = int(message["channel_id"])
        self.messages[message_id] = message
        self.channel_messages.setdefault(channel_id, []).append(message_id)
        channel = self.channels.get(channel_id)
        if channel is not None:
            channel["last_message_id"] = message["id"]
            if "message_count" in channel:
                channel["message_count"] += 1
                channel["total_message_sent"] += 1
        return message

    def _apply_edit(
        self, message: Json, body: Json, files: list[UploadedFile], *, edited: bool = True
    ) -> None:
        if "content" in body:
            message["content"] = body["content"] or ""
        if "embeds" in body:
            message["embeds"] = [embed_response(e) for e in body["embeds"] or []]
        if "components" in body:
            message["components"] = components_response(
                body["components"] or [], self._component_ids
            )
        if "flags" in body and body["flags"] is not None:
            # Only EPHEMERAL, SUPPRESS_EMBEDS, SUPPRESS_NOTIFICATIONS, IS_COMPONENTS_V2 stick.
            keep = message["flags"] & (FLAG_EPHEMERAL | FLAG_LOADING)
            message["flags"] = keep | (int(body["flags"]) & (4 | 64 | 4096 | 8192 | 32768))
        if "attachments" in body or files:
            message["attachments"] = self._attachments(message, body, files)
        if edited:
            message["edited_timestamp"] = now_iso()

    def _attachments(self, message: Json, body: Json, files: list[UploadedFile]) -> list[Json]:
        by_field = {f.field: f for f in files}
        kept = {a["id"]: a for a in message["attachments"]}
        result: list[Json] = []
        for entry in body.get("attachments") or []:
            ref = str(entry.get("id"))
            if ref in kept:
                result.append(kept[ref])
                continue
            upload = by_field.get(f"files[{ref}]")
            if upload is None:
                continue
            attachment = self.add_attachment(
                entry.get("filename") or upload.filename,
                upload.data,
                content_type=upload.content_type or "application/octet-stream",
                duration_secs=entry.get("duration_secs"),
                waveform=entry.get("waveform"),
            )
            if entry.get("description"):
                attachment["description"] = entry["description"]
            result.append(attachment)
        listed = {f"files[{entry.get('id')}]" for entry in body.get("attachments") or []}
        for upload in files:
            if upload.field not in listed:
                result.append(
                    self.add_attachment(upload.filename, upload.data, content_type="text/plain")
                )
        return result

    def _emit(self, event: str, data: Json) -> None:
        if self.on_gateway_event is not None:
            self.on_gateway_event(event, copy.deepcopy(data))

    def _emit_message(self, message: Json) -> None:
        event = dict(message)
        channel = self.channels.get(int(message["channel_id"]))
        if channel is not None and channel.get("guild_id"):
            guild_id = int(channel["guild_id"])
            event["guild_id"] = str(guild_id)
            try:
                member = self.member(guild_id, int(message["author"]["id"]))
            except KeyError:
                pass
            else:
                member.pop("user", None)
                event["member"] = member
        self._emit("MESSAGE_CREATE", event)

    # interactions --------------------------------------------------------

    def _interaction(self, call: _Call) -> InteractionRecord:
        record = self.interactions.get(call.param("interaction_token"))
        if record is None or record.interaction_id != call.int_param("interaction_id"):
            raise DiscordError(404, 10062, "Unknown interaction")
        return record

    def _webhook_interaction(self, call: _Call) -> InteractionRecord:
        record = self.interactions.get(call.param("webhook_token"))
        if record is None or call.int_param("webhook_id") != record.application_id:
            raise _unknown_webhook()
        return record

    async def _interaction_callback(self, call: _Call) -> tuple[int, Any]:
        record = self._interaction(call)
        if record.responded:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        record.responded = True
        body: Json = call.body
        kind = int(body["type"])
        data: Json = body.get("data") or {}
        ephemeral = bool(int(data.get("flags") or 0) & FLAG_EPHEMERAL)
        interaction: Json = {"id": str(record.interaction_id), "type": record.interaction_type}
        resource: Json | None = None
        if kind in (4, 5):
            if record.channel_id is None:
                raise DiscordError(400, 50035, "Invalid Form Body")
            message = self.create_message(
                record.channel_id,
                self.bot_user,
                data,
                call.files,
                webhook_id=record.application_id,
                interaction=record,
                emit=kind == 4,
            )
            if ephemeral:
                message["flags"] |= FLAG_EPHEMERAL
            if kind == 5:
                message["flags"] |= FLAG_LOADING
            record.original_message_id = int(message["id"])
            interaction.update(
                response_message_id=message["id"],
                response_message_loading=kind == 5,
                response_message_ephemeral=ephemeral,
            )
            if kind == 4:
                resource = {"type": 4, "message": message}
        elif kind == 7:
            target = self._component_message(record)
            self._apply_edit(target, data, call.files)
            record.original_message_id = int(target["id"])
            interaction.update(response_message_id=target["id"])
            resource = {"type": 7, "message": target}
        elif kind == 6:
            target = self._component_message(record)
            record.original_message_id = int(target["id"])
        # 9 (modal) and 8 (autocomplete) leave no message behind.
        out: Json = {"interaction": interaction}
        if resource is not None:
            out["resource"] = resource
        if call.flag("with_response"):
            return 200, out
        return 204, None

    def _component_message(self, record: InteractionRecord) -> Json:
        message_id = self.component_targets.get(record.token)
        if message_id is None or message_id not in self.messages:
            raise _unknown_message()
        return self.messages[message_id]

    def link_component_message(self, token: str, message_id: int) -> None:
        """Tell the fake which message a component interaction was clicked on."""
        self.component_targets[token] = message_id

    def _webhook_target(self, call: _Call, record: InteractionRecord) -> Json:
        if "message_id" in call.match.params:
            message_id = call.int_param("message_id")
        else:
            if record.original_message_id is None:
                raise _unknown_message()
            message_id = record.original_message_id
        message = self.messages.get(message_id)
        if message is None:
            raise _unknown_message()
        return message

    async def _webhook_execute(self, call: _Call) -> tuple[int, Any]:
        record = self._webhook_interaction(call)
        if not record.responded:
            raise DiscordError(404, 10015, "Unknown Webhook")
        if record.channel_id is None:
            raise _unknown_channel()
        if record.channel_id in self.deleted_channels:
            raise _unknown_channel()
        body: Json = call.body or {}
        original = (
            self.messages.get(record.original_message_id) if record.original_message_id else None
        )
        if original is not None and original["flags"] & FLAG_LOADING:
            # The first follow-up after a defer replaces the "is thinking" message.
            original["flags"] &= ~FLAG_LOADING
            self._apply_edit(original, body, call.files, edited=False)
            if not original["flags"] & FLAG_EPHEMERAL:
                self._emit_message(original)
            message = original
        else:
            message = self.create_message(
                record.channel_id,
                self.bot_user,
                body,
                call.files,
                webhook_id=record.application_id,
                interaction=record,
            )
            if int(body.get("flags") or 0) & FLAG_EPHEMERAL:
                message["flags"] |= FLAG_EPHEMERAL
            record.followups.append(int(message["id"]))
        if call.flag("wait"):
            return 200, message
        return 204, None

    async def _webhook_get_message(self, call: _Call) -> tuple[int, Any]:
        record = self._webhook_interaction(call)
        return 200, self._webhook_target(call, record)

    async def _webhook_edit_message(self, call: _Call) -> tuple[int, Any]:
        record = self._webhook_interaction(call)
        message = self._webhook_target(call, record)
        was_loading = bool(message["flags"] & FLAG_LOADING)
        message["flags"] &= ~FLAG_LOADING
        self._apply_edit(message, call.body or {}, call.files, edited=not was_loading)
        if was_loading and not message["flags"] & FLAG_EPHEMERAL:
            self._emit_message(message)
        return 200, message

    async def _webhook_delete_message(self, call: _Call) -> tuple[int, Any]:
        record = self._webhook_interaction(call)
        message = self._webhook_target(call, record)
        del self.messages[int(message["id"])]
        return 204, None


def _json_response(status: int, body: Any) -> web.Response:
    # py-cord's webhook adapter compares Content-Type to exactly "application/json".
    return web.Response(
        status=status,
        body=json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json"},
    )
