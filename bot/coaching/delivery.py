"""Delivery analysis of a spoken answer: pace, filler words and pauses from word timings.

Pure domain code: it reads `Word` timings and never lowers content scores; its report is
coaching on how the answer sounded, kept apart from what the answer said.

Filler rules (a word counts only when the context shows it is filler, never by default):

- always fillers: um, uh, er, erm, ah, hmm, mm and their stretched spellings ("Ummm",
  "Hmm...", whatever the case or punctuation the recogniser adds); Korean 음 and 어 (and 으음,
  음음, 어어) as standalone tokens;
- "you know" / "I mean": fillers unless the context makes them grammatical ("do you know",
  "you know the answer", "what I mean is", "I mean it");
- "like": a filler when set off by a comma ("it was, like, fast"), at the start of a sentence,
  repeated, before a number ("like 50 ms", "like 10x"), before a hedge or intensifier ("it was
  like really slow"), after a preposition ("in like a week"), between a modal and a sentence
  adverb ("I would like probably add"), or between a conjunction and a subject ("and like we
  shipped");
  grammatical after would/'d/to/do/looks/seems/something/just ... , before this/that/to and in
  "like I said" ("I would like to", "looks like", "like this");
- "so": a filler at the start of a sentence, right after um/uh, or set off by commas; grammatical
  in "so that", "so far", "so much", "and so on", "or so" and mid-sentence;
- "right": a filler as a tag ("we cache it, right?") or opening a sentence ("Right, so");
  grammatical in "the right approach", "right away", "right now", "that's right";
- "actually" / "basically": fillers when set off by commas or opening or closing a sentence;
  grammatical mid-sentence ("it actually halved latency");
- Korean 그, 저, 뭐: fillers when trailed by punctuation or an ellipsis ("그...", "뭐,"),
  repeated, followed by another filler, or last; otherwise they are demonstratives/pronouns.

Spoken answers carry a second kind of comma: a silence of at least 250 ms on both sides of
"like", "so", "you know", "I mean" or "actually"/"basically" sets it off as punctuation would,
because recognisers drop commas; a grammatical neighbour ("like to", "so that") still wins.
Typed text has no timings, so there only punctuation counts (`filler_spans`).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from bot.catalog import Language
from bot.coaching.answer import Word
from bot.copy import text as copy_text

log = logging.getLogger(__name__)

DEFAULT_BAND: Final = (120, 160)
DEFAULT_PAUSE_MS: Final = 1500
DEFAULT_LONG_PAUSE_MS: Final = 3000

# um, uh, uhm, er, erm, ah, hmm, mm in any stretched spelling ("ummm", "errr", "hmmmm").
_HESITATION: Final = re.compile(r"u+h*m+|u+h+|e+r+m*|a+h+|h+m+|m{2,}")
# A silence this long on both sides of a word sets it off as a pair of commas would; inside
# a clause, recognised words of fluent speech abut (gaps under 150 ms).
_SET_OFF_PAUSE_MS: Final = 250
_KO_ALWAYS: Final = frozenset({"음", "어", "으음", "음음", "어어", "음…"})
_KO_CONTEXTUAL: Final = frozenset({"그", "저", "뭐"})

_SENTENCE_END: Final = frozenset(".!?。？！")
_CLAUSE_BREAK: Final = frozenset(",;:—–-…~")

_SUBJECTS: Final = frozenset({"i", "we", "they", "he", "she", "it", "there"})
_CONJUNCTIONS: Final = frozenset({"and", "but", "or", "so", "because", "then", "cause"})
_NUMBER_WORDS: Final = frozenset(
    {
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "twenty", "thirty", "forty", "fifty", "hundred", "thousand", "million", "half",
        "a", "an",
    }
)  # fmt: skip
_LIKE_GRAMMATICAL_BEFORE: Final = frozenset(
    {
        "would", "i'd", "we'd", "you'd", "they'd", "he'd", "she'd", "d", "do", "does", "did",
        "don't", "doesn't", "didn't", "to", "really", "also", "i", "we", "you", "they",
        "might", "may", "will", "won't", "wouldn't", "look", "looks", "looked", "looking",
        "seem", "seems", "seemed", "sound", "sounds", "sounded", "feel", "feels", "felt",
        "something", "anything", "nothing", "everything", "just", "much", "more", "less",
        "exactly", "not", "things", "stuff", "tools", "languages", "what", "people", "who",
    }
)  # fmt: skip
_LIKE_GRAMMATICAL_AFTER: Final = frozenset({"this", "that", "these", "those", "to"})
# "like really slow", "like probably add": comparison "like" takes a noun phrase, not these.
_LIKE_HEDGES_AFTER: Final = frozenset(
    {
        "really", "very", "super", "totally", "pretty", "so", "too", "kind", "sort", "kinda",
        "sorta", "probably", "maybe", "perhaps", "basically", "actually", "literally",
        "honestly", "definitely", "almost", "about", "around", "roughly", "approximately",
    }
)  # fmt: skip
_LIKE_I_SAID: Final = frozenset({"said", "say", "mentioned", "told", "explained", "showed"})
# "would like probably add": after a modal these adverbs mean the "like" was a filler, while
# "I'd like really clear ownership" keeps its verb (so no "really", "just" or "maybe" here).
_LIKE_MODALS: Final = frozenset(
    {"would", "i'd", "we'd", "you'd", "they'd", "he'd", "she'd", "d", "might", "may", "will"}
)
_LIKE_SENTENCE_ADVERBS: Final = frozenset(
    {"probably", "definitely", "actually", "basically", "literally", "honestly"}
)
# "in like a week", "for like two hours": a preposition never takes comparison "like" ("of"
# is left out: "kind of like a queue" compares).
_PREPOSITIONS: Final = frozenset(
    {
        "in", "on", "at", "for", "within", "after", "before", "over", "under", "around",
        "from", "by", "into", "with", "during", "until", "since", "per",
    }
)  # fmt: skip
_SO_GRAMMATICAL_AFTER: Final = frozenset(
    {"that", "far", "much", "many", "long", "on", "forth", "as", "to", "called", "i'm"}
)
_SO_GRAMMATICAL_BEFORE: Final = frozenset({"and", "or", "not", "do", "did", "think", "hope"})
_RIGHT_GRAMMATICAL_AFTER: Final = frozenset(
    {
        "away", "now", "after", "before", "here", "there", "then", "at", "in", "on", "off",
        "from", "up", "down", "when", "next", "back", "side", "hand", "thing", "way", "call",
        "choice", "answer", "approach", "time", "tool", "one", "place", "to", "into",
    }
)  # fmt: skip
_RIGHT_FILLER_AFTER: Final = frozenset({"so", "and", "okay", "ok", "yeah", "um", "uh", "well"})
_YOU_KNOW_GRAMMATICAL_BEFORE: Final = frozenset(
    {
        "do", "did", "does", "don't", "didn't", "doesn't", "if", "as", "whether", "would",
        "could", "will", "so", "let", "what", "how", "that", "may", "might", "should",
    }
)  # fmt: skip
_YOU_KNOW_GRAMMATICAL_AFTER: Final = frozenset(
    {
        "that", "what", "how", "why", "where", "when", "who", "which", "whether", "if",
        "the", "a", "an", "it", "this", "about", "him", "her", "them", "me", "us", "your",
        "my", "his", "their", "our", "more", "everything", "anything", "nothing", "exactly",
    }
)  # fmt: skip
_I_MEAN_GRAMMATICAL_BEFORE: Final = frozenset({"what", "that", "which", "if", "do", "did"})
_I_MEAN_GRAMMATICAL_AFTER: Final = frozenset({"it", "that", "to", "what", "business", "well"})
_ADVERB_FILLERS: Final = frozenset({"actually", "basically", "literally"})
# The only English words `_filler_at` can call a filler (besides filled pauses): a cheap gate.
_ENGLISH_TRIGGERS: Final = frozenset({"you", "i", "like", "so", "right"}) | _ADVERB_FILLERS

_WORD_CHARS = re.compile(r"[^\w'’]+", re.UNICODE)
_INNER = re.compile(r"^[^\w]*(.*?)[^\w'’]*$", re.UNICODE | re.DOTALL)
_PARTS = re.compile(r"^([^\w]*)(.*?)([^\w'’]*)$", re.UNICODE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Filler:
    """A filler word or phrase and when it was said."""

    text: str
    start_ms: int
    end_ms: int
    index: int

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready form."""
        return {"text": self.text, "start_ms": self.start_ms, "end_ms": self.end_ms}


@dataclass(frozen=True, slots=True)
class Pause:
    """A silence between two words, with the words around it."""

    start_ms: int
    end_ms: int
    after: str
    before: str
    index: int
    long: bool

    @property
    def duration_ms(self) -> int:
        """Return how long the silence lasted."""
        return self.end_ms - self.start_ms

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready form."""
        return {
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "duration_ms": self.duration_ms,
            "after": self.after,
            "before": self.before,
            "long": self.long,
        }


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """Pace, fillers and pauses of one spoken answer."""

    wpm: float
    word_count: int
    speaking_ms: int
    fillers: tuple[Filler, ...] = ()
    pauses: tuple[Pause, ...] = ()
    band: tuple[int, int] | None = DEFAULT_BAND
    pause_ms: int = DEFAULT_PAUSE_MS
    long_pause_ms: int = DEFAULT_LONG_PAUSE_MS

    @property
    def pace(self) -> str | None:
        """Return "slow", "in band" or "fast" against the band, or None without a band."""
        if self.band is None or self.word_count == 0:
            return None
        low, high = self.band
        if self.wpm < low:
            return "slow"
        if self.wpm > high:
            return "fast"
        return "in band"

    @property
    def long_pauses(self) -> tuple[Pause, ...]:
        """Return the pauses at or above the long-pause threshold."""
        return tuple(pause for pause in self.pauses if pause.long)

    @property
    def filler_counts(self) -> dict[str, int]:
        """Return how often each filler occurred, most frequent first."""
        counts = Counter(filler.text for filler in self.fillers)
        order = {text: position for position, text in enumerate(f.text for f in self.fillers)}
        ranked = sorted(counts.items(), key=lambda item: (-item[1], order[item[0]]))
        return dict(ranked)

    @property
    def fillers_per_100_words(self) -> float:
        """Return the filler rate per hundred words."""
        return 0.0 if self.word_count == 0 else 100.0 * len(self.fillers) / self.word_count

    def summary(self, language: Language = Language.EN) -> str:
        """Return one compact line such as "142 wpm (in band) · 3 fillers (um x2) · ..."."""
        parts: list[str] = []
        pace = copy_text("delivery.pace", language, wpm=round(self.wpm))
        if self.pace is not None and self.band is not None:
            low, high = self.band
            key = {"in band": "delivery.in_band", "slow": "delivery.slow", "fast": "delivery.fast"}
            pace += copy_text(key[self.pace], language, low=low, high=high)
        parts.append(pace)
        count = len(self.fillers)
        fillers = (
            copy_text("delivery.fillers_one", language)
            if count == 1
            else copy_text("delivery.fillers_many", language, count=count)
        )
        if self.fillers:
            detail = ", ".join(f"{word} x{n}" for word, n in self.filler_counts.items())
            fillers += copy_text("delivery.filler_detail", language, detail=detail)
        parts.append(fillers)
        seconds = _seconds(self.pause_ms)
        pauses = (
            copy_text("delivery.pauses_one", language, seconds=seconds)
            if len(self.pauses) == 1
            else copy_text(
                "delivery.pauses_many", language, count=len(self.pauses), seconds=seconds
            )
        )
        if self.long_pauses:
            pauses += copy_text(
                "delivery.long_pauses",
                language,
                count=len(self.long_pauses),
                seconds=_seconds(self.long_pause_ms),
            )
        parts.append(pauses)
        parts.append(copy_text("delivery.speaking", language, clock=_clock(self.speaking_ms)))
        return " · ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready form with keys wpm, fillers, pauses and speaking_ms."""
        return {
            "wpm": round(self.wpm, 1),
            "fillers": [filler.to_dict() for filler in self.fillers],
            "pauses": [pause.to_dict() for pause in self.pauses],
            "speaking_ms": self.speaking_ms,
        }


def analyze_delivery(
    words: Sequence[Word],
    *,
    band: tuple[int, int] | None = DEFAULT_BAND,
    pause_ms: int = DEFAULT_PAUSE_MS,
    long_pause_ms: int = DEFAULT_LONG_PAUSE_MS,
) -> DeliveryReport:
    """Measure pace, fillers and pauses of a spoken answer from its word timings.

    Pace is words (fillers included) per minute over the span from the first word's start
    to the last word's end; silence before the first word is reaction time, not a pause.
    """
    if long_pause_ms < pause_ms:
        raise ValueError("long_pause_ms must be at least pause_ms")
    ordered = sorted(words, key=lambda word: (word.start_ms, word.end_ms))
    tokens = [_Token.of(word) for word in ordered]
    tokens = [token for token in tokens if token.core or token.trail]
    spoken = [token for token in tokens if token.core]
    if not spoken:
        return DeliveryReport(
            wpm=0.0,
            word_count=0,
            speaking_ms=0,
            band=band,
            pause_ms=pause_ms,
            long_pause_ms=long_pause_ms,
        )
    speaking_ms = max(0, max(t.end_ms for t in spoken) - spoken[0].start_ms)
    wpm = 0.0 if speaking_ms == 0 else len(spoken) * 60_000 / speaking_ms
    return DeliveryReport(
        wpm=wpm,
        word_count=len(spoken),
        speaking_ms=speaking_ms,
        fillers=tuple(_find_fillers_in_tokens(spoken)),
        pauses=tuple(_pauses(spoken, pause_ms, long_pause_ms)),
        band=band,
        pause_ms=pause_ms,
        long_pause_ms=long_pause_ms,
    )


def find_fillers(words: Sequence[Word]) -> list[Filler]:
    """Return the fillers in a word sequence, applying the context rules of this module."""
    tokens = [_Token.of(word) for word in words]
    return _find_fillers_in_tokens([token for token in tokens if token.core])


@dataclass(frozen=True, slots=True)
class _Token:
    """A word normalised for rule matching, keeping the punctuation that surrounded it."""

    core: str
    lead: str
    trail: str
    start_ms: int
    end_ms: int

    @classmethod
    def of(cls, word: Word) -> _Token:
        """Split a recognised word into leading punctuation, core and trailing punctuation."""
        text = unicodedata.normalize("NFC", word.text.strip())
        match = _PARTS.match(text)
        lead, core, trail = match.groups() if match else ("", text, "")
        core = _WORD_CHARS.sub("", core.lower()).replace("’", "'")
        return cls(core, lead, trail, word.start_ms, word.end_ms)

    @property
    def hangul(self) -> bool:
        """Tell whether the token is written in Hangul."""
        return not self.core.isascii() and any(
            "\uac00" <= char <= "\ud7a3" or "\u3131" <= char <= "\u318e" for char in self.core
        )

    @property
    def ends_sentence(self) -> bool:
        """Tell whether sentence-final punctuation follows the token."""
        return any(char in _SENTENCE_END for char in self.trail)

    @property
    def ends_clause(self) -> bool:
        """Tell whether any break (comma, dash, ellipsis or sentence end) follows the token."""
        return self.ends_sentence or any(char in _CLAUSE_BREAK for char in self.trail)


def _find_fillers_in_tokens(tokens: Sequence[_Token], *, english: bool = True) -> list[Filler]:
    """Return the fillers among normalised tokens; `english=False` keeps hesitations only."""
    fillers: list[Filler] = []
    index = 0
    while index < len(tokens):
        span = _filler_at(tokens, index, english=english)
        if span:
            first, last = tokens[index], tokens[index + span - 1]
            text = " ".join(token.core for token in tokens[index : index + span])
            text = "I mean" if text == "i mean" else text
            fillers.append(Filler(text, first.start_ms, last.end_ms, index))
            index += span
        else:
            index += 1
    return fillers


def _is_hesitation(word: str) -> bool:
    """Tell whether a normalised word is a filled pause such as "umm" or "hmm"."""
    return _HESITATION.fullmatch(word) is not None


def _paused_around(tokens: Sequence[_Token], first: int, last: int) -> bool:
    """Tell whether silence sets tokens[first..last] off on both sides (or the answer ends)."""
    if first == 0:
        return False
    before = tokens[first].start_ms - tokens[first - 1].end_ms
    after = (
        tokens[last + 1].start_ms - tokens[last].end_ms
        if last + 1 < len(tokens)
        else _SET_OFF_PAUSE_MS
    )
    return before >= _SET_OFF_PAUSE_MS and after >= _SET_OFF_PAUSE_MS


def _filler_at(tokens: Sequence[_Token], index: int, *, english: bool = True) -> int:
    """Return how many tokens a filler starting at `index` spans, or 0 for none."""
    token = tokens[index]
    previous = tokens[index - 1] if index > 0 else None
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    word = token.core
    if token.hangul:
        return 1 if _korean_filler(token, previous, following) else 0
    if _is_hesitation(word):
        return 1
    if not english or word not in _ENGLISH_TRIGGERS:
        return 0
    opens_sentence = previous is None or previous.ends_sentence
    opens_clause = previous is None or previous.ends_clause
    joined_prev = previous is not None and not previous.ends_clause
    prev_word = previous.core if previous is not None and joined_prev else None
    next_word = following.core if following is not None and not token.ends_clause else None
    paused = _paused_around(tokens, index, index)

    if word == "you" and following is not None and following.core == "know":
        return 2 if _you_know_is_filler(tokens, index, prev_word) else 0
    if word == "i" and following is not None and following.core == "mean":
        return 2 if _i_mean_is_filler(tokens, index, prev_word) else 0
    if word == "like":
        return 1 if _like_is_filler(tokens, index, prev_word, next_word) else 0
    if word == "so":
        if next_word in _SO_GRAMMATICAL_AFTER or prev_word in _SO_GRAMMATICAL_BEFORE:
            return 0
        after_hesitation = previous is not None and _is_hesitation(previous.core)
        if (
            opens_sentence
            or after_hesitation
            or paused
            or (token.ends_clause and (opens_clause or following is None))
        ):
            return 1
        return 0
    if word == "right":
        if prev_word is not None or next_word in _RIGHT_GRAMMATICAL_AFTER:
            return 0
        tag = (
            previous is not None
            and previous.ends_clause
            and (following is None or token.ends_clause)
        )
        opener = opens_sentence and (token.ends_clause or next_word in _RIGHT_FILLER_AFTER)
        return 1 if tag or opener else 0
    if word in _ADVERB_FILLERS:
        set_off = opens_clause or token.ends_clause or following is None or paused
        return 1 if set_off else 0
    return 0


def _like_is_filler(
    tokens: Sequence[_Token], index: int, prev_word: str | None, next_word: str | None
) -> bool:
    """Apply the "like" rules: filler only with positive evidence from the context."""
    token = tokens[index]
    previous = tokens[index - 1] if index > 0 else None
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    after_next = tokens[index + 2].core if index + 2 < len(tokens) else None
    if next_word in _LIKE_GRAMMATICAL_AFTER:
        return False
    if next_word in _SUBJECTS and after_next in _LIKE_I_SAID:
        return False  # "like I said": a conjunction, not a filler
    # Silence on both sides outweighs the word before: "I would <pause> like <pause> probably".
    if _paused_around(tokens, index, index) and not (
        following is not None and following.core in _LIKE_GRAMMATICAL_AFTER
    ):
        return True
    modal = prev_word in _LIKE_MODALS or (prev_word or "").endswith("'d")
    if modal and next_word in _LIKE_SENTENCE_ADVERBS:
        return True
    if prev_word in _LIKE_GRAMMATICAL_BEFORE or modal:
        return False
    if prev_word in _PREPOSITIONS:
        return True
    if previous is not None and previous.core == "like":
        return True
    if following is not None and following.core == "like" and not token.ends_clause:
        return True
    if token.ends_clause or (previous is not None and previous.ends_clause):
        return True
    if previous is None:
        return True
    if next_word is not None and (next_word[0].isdigit() or next_word in _NUMBER_WORDS - {"a"}):
        return True
    if next_word in _LIKE_HEDGES_AFTER:
        return True
    return prev_word in _CONJUNCTIONS and next_word in _SUBJECTS


def _you_know_is_filler(tokens: Sequence[_Token], index: int, prev_word: str | None) -> bool:
    """Apply the "you know" rules."""
    if prev_word in _YOU_KNOW_GRAMMATICAL_BEFORE:
        return False
    know = tokens[index + 1]
    if tokens[index].ends_clause:
        return False
    after = tokens[index + 2] if index + 2 < len(tokens) else None
    if after is None or know.ends_clause or _paused_around(tokens, index, index + 1):
        return True
    return after.core not in _YOU_KNOW_GRAMMATICAL_AFTER


def _i_mean_is_filler(tokens: Sequence[_Token], index: int, prev_word: str | None) -> bool:
    """Apply the "I mean" rules."""
    if prev_word in _I_MEAN_GRAMMATICAL_BEFORE:
        return False
    mean = tokens[index + 1]
    if tokens[index].ends_clause:
        return False
    after = tokens[index + 2] if index + 2 < len(tokens) else None
    if after is None or mean.ends_clause or _paused_around(tokens, index, index + 1):
        return True
    return after.core not in _I_MEAN_GRAMMATICAL_AFTER


def _korean_filler(token: _Token, previous: _Token | None, following: _Token | None) -> bool:
    """Apply the Korean rules: 음/어 always, 그/저/뭐 only when hanging on their own."""
    if token.core in _KO_ALWAYS:
        return True
    if token.core not in _KO_CONTEXTUAL:
        return False
    if token.ends_clause or following is None:
        return True
    if following.core == token.core or (previous is not None and previous.core == token.core):
        return True
    return following.core in _KO_ALWAYS or following.core in _KO_CONTEXTUAL


def _pauses(tokens: Sequence[_Token], pause_ms: int, long_pause_ms: int) -> list[Pause]:
    """Return the silences between consecutive words at or above the pause threshold."""
    pauses: list[Pause] = []
    for index in range(1, len(tokens)):
        before, after = tokens[index - 1], tokens[index]
        gap = after.start_ms - before.end_ms
        if gap >= pause_ms:
            pauses.append(
                Pause(
                    start_ms=before.end_ms,
                    end_ms=after.start_ms,
                    after=before.core,
                    before=after.core,
                    index=index,
                    long=gap >= long_pause_ms,
                )
            )
    return pauses


def _seconds(ms: int) -> str:
    """Format a threshold in seconds without a needless decimal."""
    return f"{ms / 1000:g}"


def _clock(ms: int) -> str:
    """Format a duration as m:ss."""
    minutes, seconds = divmod(round(ms / 1000), 60)
    return f"{minutes}:{seconds:02d}"


def filler_spans(text: str, language: str) -> list[tuple[int, int]]:
    """Return the (start, end) character spans of the filler words in plain typed text.

    Uses the context rules of this module with punctuation as the only break (typed text has
    no pauses). English applies every rule; Korean applies the Korean rules and filled pauses
    (um, uh ...), and any other language filled pauses only. Spans exclude the punctuation
    around a filler, so "Um, you know, it" gives the spans of "Um" and "you know".
    """
    english = language.lower().split("-")[0] == "en"
    places: list[tuple[int, int]] = []
    tokens: list[_Token] = []
    for order, match in enumerate(re.finditer(r"\S+", text)):
        inner = _INNER.match(match.group())
        first = match.start() + (inner.start(1) if inner else 0)
        last = match.start() + (inner.end(1) if inner else len(match.group()))
        # Even made-up timings, well under the set-off pause: text carries no silences.
        token = _Token.of(Word(match.group(), 100 * order, 100 * order + 90))
        if token.core:
            tokens.append(token)
            places.append((first, last))
    spans: list[tuple[int, int]] = []
    for filler in _find_fillers_in_tokens(tokens, english=english):
        size = len(filler.text.split())
        spans.append((places[filler.index][0], places[filler.index + size - 1][1]))
    return spans
