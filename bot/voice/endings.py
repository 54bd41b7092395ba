"""Read the words so far of a turn: do they end a thought, or trail off into more?

Turn-taking uses this on the transcript of everything said up to a pause: a complete sentence
("...and it cut our deploy time in half.") lets the turn end after a short silence, while a
trailing connective ("...and", "because"), a filler ("um") or an open list ("first,") means
the speaker is thinking, so the turn waits longer. Anything else keeps the length-based pause.
"""

from __future__ import annotations

import enum
import logging
import re
from typing import Final

log = logging.getLogger(__name__)


class Ending(enum.Enum):
    """How the words so far end."""

    COMPLETE = "complete"
    TRAILING = "trailing"
    NEUTRAL = "neutral"


# Words after which an English sentence cannot be over: connectives, fillers, articles,
# prepositions and list openers.
_EN_TRAILING_WORDS: Final = """
    and so because but or then also plus nor yet
    um umm uh uhh er erm hmm mm ah eh like
    which who whom whose where when while whereas if although though since until unless
    whether as than
    the a an my our your their his her its every each
    to of for with from by about into onto toward towards via per against between during
    first firstly second secondly third thirdly including namely especially mainly basically
"""
_EN_TRAILING: Final = frozenset(_EN_TRAILING_WORDS.split())
# Common sentence ends whose last word is also a connective ("I think so.", "not yet.").
_EN_COMPLETE_PHRASES: Final = frozenset(
    {
        ("think", "so"),
        ("hope", "so"),
        ("believe", "so"),
        ("guess", "so"),
        ("said", "so"),
        ("do", "so"),
        ("not", "yet"),
        ("since", "then"),
        ("back", "then"),
        ("by", "then"),
        ("until", "then"),
        ("just", "then"),
        ("and", "so", "on"),
    }
)
# Multi-word openings that promise more ("for example", "such as", "you know").
_EN_TRAILING_PHRASES: Final = (
    ("for", "example"),
    ("for", "instance"),
    ("such", "as"),
    ("you", "know"),
    ("i", "mean"),
    ("kind", "of"),
    ("sort", "of"),
    ("as", "well", "as"),
    ("in", "order", "to"),
    ("so", "that"),
    ("rather", "than"),
)
# Korean connectives and fillers said as a word of their own.
_KO_TRAILING_WORDS: Final = """
    그리고 그래서 그러니까 왜냐하면 그런데 근데 하지만 그러나 그럼 또 또한 그리고요 그래서요
    음 어 저 그 뭐 이제 약간 좀 일단 먼저 첫째 둘째 예를
"""
_KO_TRAILING: Final = frozenset(_KO_TRAILING_WORDS.split())
# Korean clause endings that join to a next clause (…하고, …해서, …는데, …지만, …면서, …니까).
_KO_JOINING_SUFFIXES: Final = (
    "고",
    "서",
    "는데",
    "은데",
    "인데",
    "지만",
    "면서",
    "니까",
    "려고",
    "거나",
    "면",
    "며",
    "든지",
    "라서",
    "해서",
    "때문에",
)
# Korean sentence endings (…다, …요, …죠, …까).
_KO_FINAL_SUFFIXES: Final = ("다", "요", "죠", "까", "니다", "습니다", "어요", "에요", "예요")

_SENTENCE_END: Final = re.compile(r"[.!?。？！]['\")\]]*$")
_OPEN_END: Final = re.compile(r"(,|;|:|…|\.\.\.|--|—|-)['\")\]]*$")
_WORD: Final = re.compile(r"[\w']+", re.UNICODE)


def judge_ending(text: str, language: str = "en") -> Ending:
    """Return whether ``text`` (the words so far) ends a thought, trails off, or can't tell."""
    stripped = text.strip()
    if not stripped:
        return Ending.NEUTRAL
    words = [word.lower() for word in _WORD.findall(stripped)]
    if not words:
        return Ending.NEUTRAL
    if _OPEN_END.search(stripped):
        return Ending.TRAILING
    if language == "ko":
        return _judge_korean(stripped, words)
    if tuple(words[-2:]) in _EN_COMPLETE_PHRASES or tuple(words[-3:]) in _EN_COMPLETE_PHRASES:
        return Ending.COMPLETE if _SENTENCE_END.search(stripped) else Ending.NEUTRAL
    if words[-1] in _EN_TRAILING or any(
        tuple(words[-len(phrase) :]) == phrase for phrase in _EN_TRAILING_PHRASES
    ):
        return Ending.TRAILING
    if _SENTENCE_END.search(stripped):
        return Ending.COMPLETE
    return Ending.NEUTRAL


def _judge_korean(stripped: str, words: list[str]) -> Ending:
    """Judge a Korean ending from its last word's connective or sentence-final suffix."""
    last = words[-1]
    if last in _KO_TRAILING:
        return Ending.TRAILING
    if last.endswith(_KO_FINAL_SUFFIXES):
        return Ending.COMPLETE
    if last.endswith(_KO_JOINING_SUFFIXES):
        return Ending.TRAILING
    if _SENTENCE_END.search(stripped):
        return Ending.COMPLETE
    return Ending.NEUTRAL
