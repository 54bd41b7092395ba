"""Discord test harness: py-cord's own parsing in, a spec-checked loopback REST fake out.

Use it from a test (the `discord_fake` fixture lives in tests/conftest.py)::

    from discord_harness import harness

    async def test_start(discord_fake):
        bot = discord.Bot()
        bot.add_cog(InterviewCog(bot, service=fake_service))
        async with harness(bot, discord_fake) as h:
            await h.slash("interview", "start", options={"kind": "behavioral", "count": 3})
            thread = h.threads()[0]                       # raw thread object the bot created
            (msg,) = discord_fake.messages_in(int(thread["id"]))
            await h.click(msg, label="Next")              # press a button the bot posted
            await h.message("my answer", channel_id=int(thread["id"]))
            assert discord_fake.requests_to("POST", "/channels/{id}/messages")

`harness(bot, fake=None, *, sync_commands=True, echo_events=True, fail_on_listener_errors=True)`
patches `Route.API_BASE_URL` for the block, logs the bot in with a fake token (GET /users/@me),
sets the application id, feeds GUILD_CREATE (guild "Mock Interview Club", text channel
#practice, users `h.alice` and `h.bob` (bob has the Moderator role), roles) through py-cord's
parser, and syncs application commands against the fake (PUT /applications/{id}/commands), so
incoming interactions resolve by command id. With `echo_events` the fake sends THREAD_CREATE and
MESSAGE_CREATE back for what the bot creates, as Discord does (so listeners see the bot's own
messages: check `message.author.bot`).

Harness (`h`): `slash(name, subcommand=None, *, group, options, user, channel_id, dm,
app_permissions, member_permissions)`, `click(message, custom_id=None, *, label, user,
component_type, values)`, `submit_modal(custom_id, values, *, user, labels)`,
`message(content, *, user, channel_id, attachments, flags, reply_to)`,
`voice_message(audio, *, duration_secs, user, channel_id)`, `delete_thread(thread_id)`,
`add_voice_channel(name)`, `join_voice(user, channel_id)`, `leave_voice(user)` (VOICE_STATE_UPDATE),
`dispatch(event, raw)`, `settle()`; each dispatch waits until every task py-cord spawned is done.
`h.guild`, `h.channel` are py-cord objects; `h.guild_id`, `h.channel_id`, `h.alice`, `h.bob`
are raw. `h.errors` (listener exceptions, fail the block unless cleared) and
`h.command_errors` (exceptions passed to on_application_command_error).

FakeDiscord (`fake`): every request is matched to the spec (method + path, path and query
parameters, bot token, JSON body or multipart payload_json); a mismatch is appended to
`fake.violations` and answered 400/404/405, and the fixture fails the test. Queries:
`requests` (RecordedRequest: method, path, template, params, query, json, files, status),
`requests_to(method, "/channels/{id}/messages")` (any placeholder names, or a concrete path),
`bodies_to(...)`, `messages_in(channel_id)` (current raw messages, edits applied),
`threads_of(parent_id)`, `original_response(token)`, `thread_members[thread_id]`.
World: `add_user`, `add_member`, `add_role`, `add_text_channel`, `add_thread`,
`add_attachment(filename, data, content_type=..., duration_secs=...)` (served from the fake's
CDN URL, so `Attachment.read()` works). Faults: `delete_channel(id)` (404 10003 Unknown
Channel), `forbid(method, template, times=None, **params)` (403 50013 Missing Permissions),
`fail(method, template, status=, code=, message=)`, `set_response(method, template, body)` for
spec'd routes the fake does not model (those otherwise answer 204 or 501 and are listed in
`fake.unhandled`). `fake.response_errors` lists answers of the fake itself that the spec rejects.
"""

from __future__ import annotations

import logging

from .fake import DiscordError, FakeDiscord, RecordedRequest, Violation, normalize_template
from .harness import FAKE_TOKEN, Harness, find_custom_id, harness
from .spec import OpenAPISpec, load_spec
from .world import UploadedFile

log = logging.getLogger(__name__)

__all__ = [
    "FAKE_TOKEN",
    "DiscordError",
    "FakeDiscord",
    "Harness",
    "OpenAPISpec",
    "RecordedRequest",
    "UploadedFile",
    "Violation",
    "find_custom_id",
    "harness",
    "load_spec",
    "normalize_template",
]
