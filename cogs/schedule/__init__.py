"""`/schedule`: recurring rounds with a Discord event series, RSVPs and reminders."""

from cogs.schedule._calendar import DiscordCalendar
from cogs.schedule._launch import DiscordAnnouncer, DiscordRoundStarter
from cogs.schedule.cog import ScheduleCog

__all__ = ["DiscordAnnouncer", "DiscordCalendar", "DiscordRoundStarter", "ScheduleCog"]
