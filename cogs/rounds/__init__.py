"""Text rounds in threads and the round history (the `/round` group's text side)."""

# isort: off
# The commands first: ``cogs.voice.cog`` imports them while this package may still be loading.
from cogs.rounds.commands import RoundCommands
from cogs.rounds._desk import RoundDesk
from cogs.rounds.cog import TextRoundsCog

# isort: on

__all__ = ["RoundCommands", "RoundDesk", "TextRoundsCog"]
