"""Drive a tiny demo cog through py-cord against the spec-checked fake."""

from __future__ import annotations

import logging
from typing import Any

import discord
import pytest
from discord.ext import commands
from discord.http import Route

from discord_harness import FakeDiscord, Harness, harness

log = logging.getLogger(__name__)


class NextView(discord.ui.View):
    """One button that posts the next question."""

    def __init__(self, seen: list[str]) -> None:
        """Remember clicks in `seen`."""
        super().__init__(timeout=None)
        self.seen = seen

    @discord.ui.button(label="Next", custom_id="demo:next", style=discord.ButtonStyle.primary)
    async def next_question(self, button: discord.ui.Button[Any], interaction: Any) -> None:
        """Acknowledge by editing the message, then post a follow-up."""
        self.seen.append(f"click:{interaction.user.id}")
        await interaction.response.edit_message(content="Question 2 of 3")


class DemoCog(commands.Cog):
    """A slash group with one subcommand, a button and an on_message listener."""

    interview = discord.SlashCommandGroup("interview", "Practice interviews")

    def __init__(self, bot: discord.Bot) -> None:
        """Keep state the tests inspect."""
        self.bot = bot
        self.seen: list[str] = []
        self.outcome: list[str] = []

    @interview.command(name="start", description="Start a mock interview")
    @discord.option("kind", str, choices=["behavioral", "system-design"])  # type: ignore[untyped-decorator,no-untyped-call]
    @discord.option("level", str, choices=["junior", "mid", "senior"], default="mid")  # type: ignore[untyped-decorator,no-untyped-call]
    @discord.option("count", int, min_value=1, max_value=10, default=3)  # type: ignore[untyped-decorator,no-untyped-call]
    async def start(
        self, ctx: discord.ApplicationContext, kind: str, level: str, count: int
    ) -> None:
        """Defer, open a private thread, post the first question there."""
        await ctx.defer(ephemeral=True)
        self.seen.append(f"start:{kind}:{level}:{count}")
        channel = ctx.channel
        assert isinstance(channel, discord.TextChannel)
        try:
            thread = await channel.create_thread(
                name=f"interview-{ctx.author.name}", type=discord.ChannelType.private_thread
            )
        except discord.Forbidden:
            self.outcome.append("forbidden")
            await ctx.followup.send("I can't create private threads here.", ephemeral=True)
            return
        except discord.NotFound:
            self.outcome.append("not-found")
            return
        await thread.add_user(ctx.author)
        embed = discord.Embed(title="Question 1 of 3", description="Tell me about a conflict.")
        await thread.send(embed=embed, view=NextView(self.seen))
        await ctx.followup.send(f"Your interview is in {thread.mention}", ephemeral=True)
        self.outcome.append(f"thread:{thread.id}")

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Reply to answers posted in threads."""
        if message.author.bot or not isinstance(message.channel, discord.Thread):
            return
        self.seen.append(f"answer:{message.content}")
        await message.reply(f"Got it ({len(message.content.split())} words).")


def make_bot() -> tuple[discord.Bot, DemoCog]:
    """Build a bot with the demo cog."""
    bot = discord.Bot(intents=discord.Intents.default())  # type: ignore[no-untyped-call]
    cog = DemoCog(bot)
    bot.add_cog(cog)
    return bot, cog


async def start_interview(h: Harness) -> None:
    """Run `/interview start kind:behavioral level:senior count:5` as alice."""
    await h.slash(
        "interview",
        "start",
        options={"kind": "behavioral", "level": "senior", "count": 5},
    )


async def test_happy_path_records_expected_requests(discord_fake: FakeDiscord) -> None:
    bot, cog = make_bot()
    async with harness(bot, discord_fake) as h:
        registered = discord_fake.command("interview")
        assert registered["options"][0]["name"] == "start"
        await start_interview(h)

        assert cog.seen == ["start:behavioral:senior:5"]
        (callback,) = discord_fake.bodies_to(
            "POST", "/interactions/{interaction_id}/{interaction_token}/callback"
        )
        assert callback == {"type": 5, "data": {"flags": 64}}

        (thread_req,) = discord_fake.requests_to("POST", "/channels/{id}/threads")
        assert thread_req.params["channel_id"] == str(h.channel_id)
        assert thread_req.json["type"] == 12
        (thread,) = h.threads()
        thread_id = int(thread["id"])
        assert discord_fake.thread_members[thread_id] == {
            discord_fake.application_id,
            int(h.alice["id"]),
        }
        # THREAD_CREATE was echoed, so py-cord caches the thread.
        assert h.guild.get_thread(thread_id) is not None

        (question,) = discord_fake.messages_in(thread_id)
        assert question["embeds"][0]["title"] == "Question 1 of 3"
        assert question["components"][0]["components"][0]["custom_id"] == "demo:next"

        # The follow-up replaced the deferred "thinking" message, ephemerally.
        original = discord_fake.original_response(
            discord_fake.requests_to("POST", "/interactions/{a}/{b}/callback")[0].params[
                "interaction_token"
            ]
        )
        assert original is not None
        assert f"<#{thread_id}>" in original["content"]
        assert original["flags"] & 64
        assert not original["flags"] & 128

        await h.click(question, label="Next", user=h.alice)
        assert cog.seen[-1] == f"click:{h.alice['id']}"
        assert discord_fake.messages_in(thread_id)[0]["content"] == "Question 2 of 3"

        await h.message("I resolved it by listening first", channel_id=thread_id)
        assert cog.seen[-1] == "answer:I resolved it by listening first"
        replies = discord_fake.messages_in(thread_id)
        assert replies[-1]["content"] == "Got it (6 words)."
        assert replies[-1]["message_reference"]["message_id"] == replies[-2]["id"]

        # A message outside a thread is ignored by the listener.
        before = len(discord_fake.requests)
        await h.message("hello", channel_id=h.channel_id)
        assert len(discord_fake.requests) == before

        assert h.command_errors == []
    assert discord_fake.violations == []
    assert discord_fake.response_errors == []
    assert discord_fake.unhandled == []
    assert Route.API_BASE_URL.startswith("https://discord.com")


async def test_invalid_body_is_a_violation(discord_fake: FakeDiscord) -> None:
    bot, _ = make_bot()
    async with harness(bot, discord_fake) as h:
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=h.channel_id)
        with pytest.raises(discord.HTTPException) as info:
            await bot.http.request(route, json={"content": 12345, "tts": "yes"})
        assert info.value.status == 400
        assert info.value.code == 50035
    assert len(discord_fake.violations) == 1
    message = str(discord_fake.violations[0])
    assert "$.content" in message and "$.tts" in message
    assert "/channels/{channel_id}/messages" in message
    assert discord_fake.messages_in(h.channel_id) == []
    discord_fake.violations.clear()


async def test_path_not_in_spec_is_a_violation(discord_fake: FakeDiscord) -> None:
    bot, _ = make_bot()
    async with harness(bot, discord_fake) as h:
        route = Route("POST", "/channels/{channel_id}/summon-interviewer", channel_id=h.channel_id)
        with pytest.raises(discord.NotFound):
            await bot.http.request(route, json={})
    assert [v.path for v in discord_fake.violations] == [
        f"/channels/{h.channel_id}/summon-interviewer"
    ]
    assert "not in the Discord OpenAPI spec" in discord_fake.violations[0].message
    discord_fake.violations.clear()


async def test_wrong_method_is_a_violation(discord_fake: FakeDiscord) -> None:
    bot, _ = make_bot()
    async with harness(bot, discord_fake) as h:
        route = Route("PUT", "/channels/{channel_id}/typing", channel_id=h.channel_id)
        with pytest.raises(discord.HTTPException) as info:
            await bot.http.request(route)
        assert info.value.status == 405
    assert len(discord_fake.violations) == 1
    discord_fake.violations.clear()


async def test_forbidden_private_thread_reaches_the_bot(discord_fake: FakeDiscord) -> None:
    bot, cog = make_bot()
    async with harness(bot, discord_fake) as h:
        discord_fake.forbid("POST", "/channels/{id}/threads", channel_id=h.channel_id)
        await start_interview(h)
        assert cog.outcome == ["forbidden"]
        assert h.threads() == []
        (req,) = discord_fake.requests_to("POST", "/channels/{channel_id}/threads")
        assert req.status == 403
        sent = discord_fake.bodies_to("POST", "/webhooks/{id}/{token}")
        assert sent[0]["content"] == "I can't create private threads here."
        assert h.command_errors == []


async def test_deleted_channel_gives_not_found(discord_fake: FakeDiscord) -> None:
    bot, cog = make_bot()
    async with harness(bot, discord_fake) as h:
        discord_fake.delete_channel(h.channel_id)
        await start_interview(h)
        assert cog.outcome == ["not-found"]
        assert h.command_errors == []
        with pytest.raises(discord.NotFound) as info:
            await bot.fetch_channel(h.channel_id)
        assert info.value.code == 10003


async def test_thread_delete_removes_thread_from_cache(discord_fake: FakeDiscord) -> None:
    bot, _ = make_bot()
    deleted: list[int] = []

    @bot.listen("on_thread_delete")
    async def record(thread: discord.Thread) -> None:
        deleted.append(thread.id)

    async with harness(bot, discord_fake) as h:
        await start_interview(h)
        thread_id = int(h.threads()[0]["id"])
        await h.delete_thread(thread_id)
        assert deleted == [thread_id]
        assert h.guild.get_thread(thread_id) is None
        with pytest.raises(discord.NotFound):
            await bot.http.send_message(thread_id, "late")


async def test_listener_errors_fail_the_block(discord_fake: FakeDiscord) -> None:
    bot, _ = make_bot()

    @bot.listen("on_message")
    async def broken(message: discord.Message) -> None:
        raise RuntimeError("boom")

    with pytest.raises(AssertionError, match="boom"):
        async with harness(bot, discord_fake) as h:
            await h.message("hi")


async def test_voice_message_attachment_is_downloadable(discord_fake: FakeDiscord) -> None:
    bot, _ = make_bot()
    got: list[bytes] = []

    @bot.listen("on_message")
    async def download(message: discord.Message) -> None:
        if message.flags.value & 8192 and message.attachments:
            got.append(await message.attachments[0].read())

    async with harness(bot, discord_fake) as h:
        await h.voice_message(b"OggS-fake-opus", duration_secs=1.5)
    assert got == [b"OggS-fake-opus"]


async def test_file_upload_goes_through_payload_json(discord_fake: FakeDiscord) -> None:
    bot, _ = make_bot()
    async with harness(bot, discord_fake) as h:
        import io

        await h.channel.send("report", file=discord.File(io.BytesIO(b"%PDF-1.4"), "report.pdf"))
        (req,) = discord_fake.requests_to("POST", "/channels/{id}/messages")
        assert req.json["content"] == "report"
        assert [(f.filename, f.data) for f in req.files] == [("report.pdf", b"%PDF-1.4")]
        (message,) = discord_fake.messages_in(h.channel_id)
        assert message["attachments"][0]["filename"] == "report.pdf"
    assert discord_fake.response_errors == []


async def test_respond_edit_and_dm(discord_fake: FakeDiscord) -> None:
    bot = discord.Bot()  # type: ignore[no-untyped-call]

    @bot.slash_command(name="ping", description="Ping")
    async def ping(ctx: discord.ApplicationContext) -> None:
        await ctx.respond("pong")
        await ctx.edit(content="pong!")
        await ctx.author.send("a private hello")

    async with harness(bot, discord_fake) as h:
        payload = await h.slash("ping", user=h.bob)
        assert h.command_errors == []
        original = discord_fake.original_response(payload["token"])
        assert original is not None and original["content"] == "pong!"
        assert original["edited_timestamp"] is not None
        dm_id = discord_fake.dm_channels[int(h.bob["id"])]
        assert [m["content"] for m in discord_fake.messages_in(dm_id)] == ["a private hello"]
    assert discord_fake.response_errors == []
