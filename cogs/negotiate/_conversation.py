"""Messages in a negotiation thread: the candidate's move (typed or a voice message) in, the
recruiter's line (and the debrief when it ends) out."""

from __future__ import annotations

import logging

import discord

from bot.copy import text
from bot.negotiation import Delivery, NegotiationService, Reply
from cogs.interview._audio import SpeechServices, audio_attachment, transcribe_attachment
from cogs.negotiate._render import debrief_embed, recruiter_message
from cogs.negotiate._thread import find_thread

log = logging.getLogger(__name__)

_QUIET = discord.AllowedMentions.none()


class Conversation:
    """Route a thread's messages to the negotiation service and post its answers."""

    def __init__(
        self, bot: discord.Client, service: NegotiationService, speech: SpeechServices | None
    ) -> None:
        self.bot = bot
        self.service = service
        self.speech = speech

    async def on_message(self, message: discord.Message) -> None:
        """Answer the candidate's message in their negotiation thread; ignore other threads."""
        inbound = await self.service.inbound(message.channel.id, message.author.id)
        negotiation = inbound.negotiation
        if inbound.delivery is Delivery.IGNORE or negotiation is None or negotiation.id is None:
            return
        lang = negotiation.language
        if inbound.delivery is Delivery.NOT_OWNER:
            if inbound.warn:
                note = text("negotiation.not_yours", lang, mention=f"<@{negotiation.user_id}>")
                await message.reply(note, allowed_mentions=_QUIET)
            return
        said, spoken = message.content, False
        attachment = audio_attachment(message)
        if attachment is not None and self.speech is not None:
            heard = await transcribe_attachment(message, attachment, self.speech, lang)
            if heard is None:  # the user was told why
                return
            said, spoken = heard[0], True
        await _typing(message.channel)
        reply = await self.service.reply(negotiation.id, said, spoken=spoken)
        await self.post(message.channel, reply)

    async def post(self, channel: discord.abc.Messageable, reply: Reply) -> None:
        """Post the recruiter's line, then the debrief if the negotiation ended."""
        lang = reply.negotiation.language
        await channel.send(recruiter_message(reply.line, lang), allowed_mentions=_QUIET)
        if reply.debrief is not None:
            currency = self.service.currency_of(reply.negotiation)
            await channel.send(embed=debrief_embed(reply.debrief, currency))

    async def recover(self) -> None:
        """Answer messages saved but not answered when the bot last stopped."""
        async for reply in self.service.recover():
            thread = await find_thread(self.bot, reply.negotiation.channel_id)
            if thread is None:
                log.info("Negotiation %s has no thread to answer in", reply.negotiation.id)
                continue
            await thread.send(text("negotiation.recovered", reply.negotiation.language))
            await self.post(thread, reply)


async def _typing(channel: discord.abc.Messageable) -> None:
    """Show "typing..." while the recruiter answers (a refusal changes nothing)."""
    try:
        await channel.trigger_typing()
    except (discord.HTTPException, OSError):
        log.debug("typing indicator refused", exc_info=True)
