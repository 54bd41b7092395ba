"""Shared vocabulary: kinds, levels, languages, questions and the bank. Imports nothing of ours."""

from bot.catalog.vocabulary import Kind, Language, Level, Question

__all__ = ["Kind", "Language", "Level", "Question"]
