"""The `/voice` and `/round` command groups: live voice interviews and study-group rounds."""

from cogs.voice.cog import VoiceCog

__all__ = ["VoiceCog"]
