"""Is the answer about what was asked? Topics a question raises and an answer engages.

The judgement is deliberately one-sided: it says "off topic" only when it is sure (a
non-answer, noise, a joke, nothing about work at all, or a question whose subject we
recognise and an answer that never touches it). An answer that engages the question's
subject in its own words must never be called off topic, so unknown question subjects are
given the benefit of the doubt. The phrase lists live in ``prompts/rubric/topics/<lang>.yaml``.
"""

from __future__ import annotations

import enum
import logging
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

from bot.catalog import Language
from bot.coaching.matcher import Match, MatchMode, PhraseMatcher
from bot.coaching.text import Token, identity, stem_en, tokenize

log = logging.getLogger(__name__)

SCHEMA_VERSION: Final = 1
MARKER_LISTS: Final = (
    "non_answer",
    "non_answer_alone",
    "joke",
    "injection",
    "work",
    "self_reference",
    "analogy",
)

# A non-answer or a joke is only that when there is little else in the answer.
NON_ANSWER_MAX_WORDS: Final = 25
# So short that a refusal or a joke in it decides, whatever topic words it echoes.
MARKERS_DECIDE_WORDS: Final = 20
NON_ANSWER_ALONE_MAX_WORDS: Final = 4
JOKE_MAX_WORDS: Final = 45
# Below these lengths a missing subject says more about brevity than about topic: the
# answer is left to the too-short rule instead of being called off topic.
DIFFERENT_SUBJECT_MIN_WORDS: Final = 12
# "A different subject" needs that subject in the answer, raised again and again: one
# passing word ("push", "customers") is how people describe the asked-for thing too.
OTHER_SUBJECT_MIN_MATCHES: Final = 3
# ... in different words: "open" three times is an analogy about dolls, not about brackets.
# Another system or problem shows in a few of its own words; a theme or domain (failure,
# networking) needs many, because good answers touch neighbouring themes all the time.
OTHER_SPECIFIC_MIN_WORDS: Final = 3
OTHER_THEME_MIN_WORDS: Final = 5
# Distinct work words that make an answer about work beyond doubt; fewer can be chance
# ("the team", "my manager" in a story about football).
SOLID_WORK_WORDS: Final = 3
# Or this many technical domains, each shown by this many different words.
SOLID_TECHNICAL_DOMAINS: Final = 2
SOLID_TECHNICAL_WORDS: Final = 2
# A question about the candidate is answered by talking about oneself: this many first-person
# words make an answer about the candidate, whatever words it uses for the subject.
# Korean drops the pronoun most of the time, so one "저는" says as much.
SELF_REFERENCES: Final[Mapping[Language, int]] = {Language.EN: 2, Language.KO: 1}
UNRELATED_MIN_WORDS: Final = 15
WORD_LIST_MIN_WORDS: Final = 8
# Words of the question an on-topic answer may echo; these say nothing about its subject.
_GENERIC_STEMS: Final = frozenset(
    {
        "team", "project", "work", "job", "company", "time", "person", "people", "someone",
        "colleague", "manager", "situation", "example", "experience", "problem", "issue",
        "challenge", "thing", "way", "day", "year", "handl", "deal", "happen", "result",
        "learn", "outcome", "resolv", "approach", "decid",
    }
)  # fmt: skip
_LOREM: Final = frozenset(
    {"lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed"}
)
_KEYBOARD_ROWS: Final = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")
_VOWELS: Final = frozenset("aeiouy")
# Endings and particles one of which nearly every Korean sentence carries.
KOREAN_ENDINGS: Final = (
    "다", "요", "죠", "까", "고", "서", "며", "는", "은", "을", "를", "이", "가", "에", "의", "로",
    "와", "과", "도", "니", "면", "데", "지", "게", "해", "한", "할", "된", "던",
)  # fmt: skip


class TopicError(ValueError):
    """A topic file is missing or malformed."""


class Tier(enum.StrEnum):
    """How much a raised topic says about the question's subject."""

    SPECIFIC = "specific"  # one system or one problem: a URL shortener, two-sum
    STRONG = "strong"  # a behavioral theme or a technical domain: conflict, networking
    WEAK = "weak"  # raised in passing by many questions: teamwork, learning
    OPEN = "open"  # any story from work answers it: an achievement, a strength, yourself


class Form(enum.StrEnum):
    """What a behavioral question asks the candidate for."""

    SELF = "self"  # the candidate: yourself, a strength, motivation
    STORY = "story"  # one past episode: "Tell me about a time ..."
    APPROACH = "approach"  # how they work: "How do you prioritise?"


class Verdict(enum.StrEnum):
    """Why an answer is (or is not) about the question."""

    ON_TOPIC = "on_topic"
    DIFFERENT_SUBJECT = "different_subject"
    UNRELATED = "unrelated"
    NON_ANSWER = "non_answer"
    JOKE = "joke"
    NOISE = "noise"
    # A question about the candidate's motivation or goals, answered without any reason,
    # wish, goal or plan: a good story, but an answer to another question.
    NO_MOTIVATION = "no_motivation"


@dataclass(frozen=True, slots=True)
class Topic:
    """One subject: the phrases that raise it in a question and show it in an answer."""

    id: str
    tier: Tier
    question: tuple[str, ...]
    answer: tuple[str, ...]
    # Technical topics' words are domain vocabulary that shows depth in an explanation.
    technical: bool = False


@dataclass(frozen=True, slots=True)
class TopicJudgement:
    """The verdict, the topics on each side, and the span that decided it (if one did)."""

    verdict: Verdict
    raised: tuple[str, ...]
    engaged: tuple[str, ...]
    span: tuple[int, int] | None = None
    injection: tuple[int, int] | None = None
    # Where each technical topic shows in the answer (domain vocabulary).
    terms: Mapping[str, Sequence[Match]] = field(default_factory=dict)
    # What a behavioral question asks for; a story when nothing says otherwise.
    form: Form = Form.STORY

    @property
    def on_topic(self) -> bool:
        """Tell whether the answer is about the question."""
        return self.verdict is Verdict.ON_TOPIC


class TopicLexicon:
    """One language's topics and whole-answer markers, with their matchers built."""

    def __init__(
        self,
        language: Language,
        matching: MatchMode,
        topics: Sequence[Topic],
        markers: Mapping[str, Sequence[str]],
        forms: Mapping[str, Sequence[str]] | None = None,
        motivation: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.language = language
        self.matching = matching
        self.stemmed = matching is MatchMode.STEM
        stem = stem_en if self.stemmed else identity
        self.topics = {t.id: t for t in topics}
        self._question = PhraseMatcher({t.id: t.question for t in topics}, matching, stem)
        self._answer = PhraseMatcher(
            {t.id: (*t.question, *t.answer) for t in topics}, matching, stem
        )
        self._markers = PhraseMatcher(markers, matching, stem)
        self._forms = PhraseMatcher(forms or {}, matching, stem)
        motivation = motivation or {}
        self._asks_motivation = PhraseMatcher(
            {"asks": motivation.get("question", ())}, matching, stem
        )
        self._shows_motivation = PhraseMatcher(
            {"shows": motivation.get("answer", ())}, matching, stem
        )

    @classmethod
    def load(cls, path: Path) -> TopicLexicon:
        """Read and validate one topics file."""
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise TopicError(f"{path}: cannot read: {exc}") from exc
        try:
            return cls.from_mapping(raw)
        except (TopicError, ValueError, KeyError, TypeError) as exc:
            raise TopicError(f"{path}: {exc}") from exc

    @classmethod
    def from_mapping(cls, raw: Any) -> TopicLexicon:
        """Build from parsed YAML, rejecting anything malformed."""
        if not isinstance(raw, dict) or raw.get("schema_version") != SCHEMA_VERSION:
            raise TopicError(f"schema_version must be {SCHEMA_VERSION}")
        topics = []
        for topic_id, body in _mapping(raw.get("topics"), "topics").items():
            body = _mapping(body, f"topics.{topic_id}")
            topics.append(
                Topic(
                    id=str(topic_id),
                    tier=Tier(body.get("tier", Tier.STRONG.value)),
                    question=_strings(body.get("question"), f"topics.{topic_id}.question"),
                    answer=_strings(body.get("answer", []), f"topics.{topic_id}.answer"),
                    technical=body.get("domain") == "technical",
                )
            )
        markers = {
            name: _strings(raw.get(name, []), name) for name in MARKER_LISTS if raw.get(name)
        }
        forms = _mapping(raw.get("forms", {}), "forms")
        unknown = set(forms) - {Form.SELF.value, Form.STORY.value}
        if unknown:
            raise TopicError(f"forms: unknown form(s) {sorted(unknown)}")
        form_phrases = {str(k): _strings(v, f"forms.{k}") for k, v in forms.items()}
        asks = _mapping(raw.get("asks_motivation", {}), "asks_motivation")
        motivation = {
            side: _strings(asks[side], f"asks_motivation.{side}")
            for side in ("question", "answer")
            if side in asks
        }
        return cls(
            Language(raw["language"]),
            MatchMode(raw["matching"]),
            topics,
            markers,
            form_phrases,
            motivation,
        )

    def tokens(self, text: str) -> list[Token]:
        """Tokenise text the way this lexicon matches it."""
        return tokenize(text, self.stemmed)

    def raised(self, tokens: Sequence[Token]) -> dict[str, list[Match]]:
        """Return the topics a question raises."""
        return self._question.scan(tokens)

    def engaged(self, tokens: Sequence[Token]) -> dict[str, list[Match]]:
        """Return the topics an answer engages, with where."""
        return self._answer.scan(tokens)

    def form(self, tokens: Sequence[Token]) -> Form:
        """Return what the question asks for; "about yourself" wins over "a time when"."""
        found = self._forms.scan(tokens)
        if Form.SELF.value in found:
            return Form.SELF
        if Form.STORY.value in found:
            return Form.STORY
        return Form.APPROACH

    def asks_motivation(self, tokens: Sequence[Token]) -> bool:
        """Tell whether a question asks why the candidate wants the job or what they hope for."""
        return bool(self._asks_motivation.scan(tokens))

    def shows_motivation(self, tokens: Sequence[Token]) -> bool:
        """Tell whether an answer gives a reason, a wish, a goal or a plan of the candidate's."""
        return bool(self._shows_motivation.scan(tokens))

    def markers(self, tokens: Sequence[Token]) -> dict[str, list[Match]]:
        """Return the whole-answer markers (non-answer, joke, injection, work words)."""
        return self._markers.scan(tokens)


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise TopicError(f"{where} must be a mapping")
    return value


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise TopicError(f"{where} must be a list of non-empty strings")
    return tuple(value)


TOPICS_DIR: Final = "topics"


def load_topics(rubric_folder: Path) -> dict[Language, TopicLexicon]:
    """Load ``topics/<language>.yaml`` under the rubric folder for every language that has one."""
    found: dict[Language, TopicLexicon] = {}
    for language in Language:
        path = rubric_folder / TOPICS_DIR / f"{language.value}.yaml"
        if path.exists():
            lexicon = TopicLexicon.load(path)
            if lexicon.language is not language:
                raise TopicError(f"{path}: says language {lexicon.language.value}")
            found[language] = lexicon
    return found


def relevant_topics(raised: Mapping[str, Any], lexicon: TopicLexicon) -> set[str]:
    """Return the raised topics that define the question: the most specific tier present."""
    for tier in (Tier.SPECIFIC, Tier.STRONG, Tier.WEAK, Tier.OPEN):
        chosen = {t for t in raised if t in lexicon.topics and lexicon.topics[t].tier is tier}
        if chosen:
            return chosen
    return set()


def distinctive_stems(
    tokens: Sequence[Token], stopwords: frozenset[str], suffixes: Sequence[str] = ()
) -> set[str]:
    """Return the question's content stems that name its subject (not generic work words)."""
    stems = set()
    for token in tokens:
        stem = token.stem
        for suffix in suffixes:
            # Korean particles and endings attach to the word: compare what is left.
            if stem.endswith(suffix) and len(stem) - len(suffix) >= 2:
                stem = stem[: -len(suffix)]
                break
        if len(stem) < 3 or stem in stopwords or stem in _GENERIC_STEMS or token.has_digit:
            continue
        stems.add(stem)
    return stems


def shared_stems(question: set[str], answer_tokens: Sequence[Token], stemmed: bool) -> int:
    """Return how many of the question's distinctive stems the answer uses."""
    if not question:
        return 0
    if stemmed:
        stems = {t.stem for t in answer_tokens}
        prefixes = {s[:5] for s in stems if len(s) >= 5}
        return sum(1 for w in question if w in stems or (len(w) >= 5 and w[:5] in prefixes))
    text = " ".join(t.norm for t in answer_tokens)
    return sum(1 for w in question if w in text)


def is_noise(
    text: str,
    tokens: Sequence[Token],
    function_words: frozenset[str] = frozenset(),
    endings: Sequence[str] = (),
) -> bool:
    """Tell whether the answer is keyboard mash, emoji, lorem ipsum or words without grammar."""
    letters = [ch for ch in text if ch.isalpha()]
    if not tokens or not letters:
        return True
    # Every real sentence has grammar words (English) or particles and endings (Korean).
    grammar = sum(
        1
        for t in tokens
        if t.norm in function_words or (endings and t.norm.endswith(tuple(endings)))
    )
    if len(tokens) >= 2 and grammar == 0:
        return True
    symbols = sum(1 for ch in text if unicodedata.category(ch).startswith("S"))
    if symbols > len(letters):
        return True
    # Bare Korean letters (jamo) are keyboard mash, except laughter like "ㅋㅋ" (a joke).
    jamo = sum(1 for ch in letters if "\u3131" <= ch <= "\u318e")
    if jamo >= 0.5 * len(letters) and not re.fullmatch(r"[ㅋㅎ\s.!~]+", text.strip()):
        return True
    words = [t.norm for t in tokens]
    if sum(1 for w in words if w in _LOREM) >= max(2, len(words) // 3):
        return True
    latin = [w for w in words if w.isascii() and w.isalpha()]
    mash = sum(1 for w in latin if _looks_mashed(w))
    return bool(latin) and mash >= max(1, 0.5 * len(latin))


_CODE_LINE = re.compile(
    r"[(){}\[\];=]|^\s*(def|return|for|if|elif|else|while|class|function|const|let|var|"
    r"import|public|private|static|int|void)\b"
)
# Code is mostly symbols and keywords; prose with a formula in it is not.
_CODE_LINE_SHARE = 0.6
_CODE_SYMBOL_SHARE = 0.08


def looks_like_code(text: str) -> bool:
    """Tell whether the answer is a block of source code rather than spoken words."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return False
    coded = sum(1 for line in lines if _CODE_LINE.search(line))
    symbols = sum(text.count(ch) for ch in "(){}[]=;:<>")
    letters = sum(1 for ch in text if ch.isalpha())
    return coded >= _CODE_LINE_SHARE * len(lines) and symbols >= _CODE_SYMBOL_SHARE * letters


def echoes_question(tokens: Sequence[Token], question_tokens: Sequence[Token]) -> bool:
    """Tell whether the answer only repeats the question back."""
    if not question_tokens or not tokens or len(tokens) > len(question_tokens) + 3:
        return False
    asked = {t.norm for t in question_tokens}
    return sum(1 for t in tokens if t.norm in asked) >= 0.9 * len(tokens)


def _looks_mashed(word: str) -> bool:
    """Tell whether a latin word looks like keys hit at random."""
    if len(word) < 5:
        return False
    if not any(ch in _VOWELS for ch in word):
        return True
    if len(set(word)) <= 2 and len(word) >= 6:
        return True
    return any(word[:5] in row or word[-5:] in row for row in _KEYBOARD_ROWS)


def judge(
    question_text: str,
    answer_text: str,
    answer_tokens: Sequence[Token],
    question_lexicon: TopicLexicon,
    answer_lexicon: TopicLexicon,
    stopwords: frozenset[str],
    suffixes: Sequence[str] = (),
    function_words: frozenset[str] = frozenset(),
    keywords: Sequence[str] = (),
    code_answers: bool = True,
) -> TopicJudgement:
    """Decide whether an answer is about its question, and why not when it is not.

    ``code_answers`` says whether source code can answer the question (coding and technical
    questions); pasted code answers a story or a design about something else.
    """
    q_tokens = question_lexicon.tokens(question_text)
    k_tokens = question_lexicon.tokens(" ".join(keywords)) if keywords else []
    raised = question_lexicon.raised(q_tokens)
    relevant = relevant_topics(raised, question_lexicon)
    engaged_matches = answer_lexicon.engaged(answer_tokens)
    markers = answer_lexicon.markers(answer_tokens)
    engaged = tuple(sorted(engaged_matches))
    injection = _first_span(markers.get("injection"))
    terms = {
        t: found
        for t, found in engaged_matches.items()
        if t in answer_lexicon.topics and answer_lexicon.topics[t].technical
    }

    form = question_lexicon.form(q_tokens)
    # Asked "why this role?", a story from work touches the open "motivation" topic through
    # its work words; it answers the question only if it says why, or what the candidate
    # hopes for. Fillers are kept: "like" in "I'd like to" is one.
    missed_motivation = (
        len(answer_tokens) >= DIFFERENT_SUBJECT_MIN_WORDS
        and question_lexicon.asks_motivation(q_tokens)
        and not answer_lexicon.shows_motivation(answer_lexicon.tokens(answer_text))
    )

    def verdict(kind: Verdict, span: tuple[int, int] | None = None) -> TopicJudgement:
        if kind is Verdict.ON_TOPIC and missed_motivation:
            kind = Verdict.NO_MOTIVATION
        return TopicJudgement(kind, tuple(sorted(raised)), engaged, span, injection, terms, form)

    endings = () if answer_lexicon.stemmed else KOREAN_ENDINGS
    noise = is_noise(answer_text, answer_tokens, function_words, endings)
    # A run of words with no grammar at all is a list, not an answer, even if the words are
    # on topic ("synergy, ownership, impact ..."); short ones ("O(n) time") get the doubt.
    if echoes_question(answer_tokens, q_tokens) or (
        noise and (not engaged or len(answer_tokens) >= WORD_LIST_MIN_WORDS)
    ):
        return verdict(Verdict.NOISE)
    if not code_answers and looks_like_code(answer_text):
        return verdict(Verdict.DIFFERENT_SUBJECT)
    words = len(answer_tokens)
    concept = bool(relevant & set(engaged_matches))
    same_language = question_lexicon.language is answer_lexicon.language
    lexical = False
    shared = 0
    if same_language:
        wanted = distinctive_stems([*q_tokens, *k_tokens], stopwords, suffixes)
        shared = shared_stems(wanted, answer_tokens, question_lexicon.stemmed)
        lexical = shared >= min(2, len(wanted)) and shared > 0
    decisive = words <= MARKERS_DECIDE_WORDS
    non_answer = markers.get("non_answer")
    if non_answer and words <= NON_ANSWER_MAX_WORDS and (decisive or not concept):
        return verdict(Verdict.NON_ANSWER, _first_span(non_answer))
    alone = markers.get("non_answer_alone")
    if alone and words <= NON_ANSWER_ALONE_MAX_WORDS:
        return verdict(Verdict.NON_ANSWER, _first_span(alone))
    # Work words, or domain vocabulary (two different technical terms), show an answer is
    # about work at all; a stray "then" or "seconds" does not.
    technical_words = {
        answer_text[m.start : m.end].casefold() for found in terms.values() for m in found
    }
    work_words = {answer_text[m.start : m.end].casefold() for m in markers.get("work", ())}
    working = bool(work_words) or len(technical_words) >= 2
    joke = markers.get("joke")
    if joke and words <= JOKE_MAX_WORDS and (decisive or not concept):
        # An answer with nothing about work is "unrelated", whatever makes it funny.
        if working or words < UNRELATED_MIN_WORDS:
            return verdict(Verdict.JOKE, _first_span(joke))
        return verdict(Verdict.UNRELATED)
    if concept or lexical:
        return verdict(Verdict.ON_TOPIC)
    # "It's like Russian dolls ..." explains recursion without one word of computing. The
    # answer's tokens come without fillers, and "like" is one: look at the words as said.
    if answer_lexicon.markers(answer_lexicon.tokens(answer_text)).get("analogy"):
        return verdict(Verdict.ON_TOPIC)
    specific = any(question_lexicon.topics[t].tier is not Tier.OPEN for t in relevant)
    other = same_language and _engages_other_subject(
        answer_text, engaged_matches, relevant, answer_lexicon
    )
    if specific and other and words >= DIFFERENT_SUBJECT_MIN_WORDS:
        return verdict(Verdict.DIFFERENT_SUBJECT)
    # A recognised subject, never touched, and little about work: everyday small talk
    # catches a few work-like words ("team", "learned") by chance.
    touches = shared > 0 or not same_language
    if specific and not touches and len(work_words) < SOLID_WORK_WORDS:
        working = _solid_technical(answer_text, terms)
    # "Math takes me real effort, so I took a course" answers "your greatest weakness".
    self_references = len(markers.get("self_reference", ()))
    if form is Form.SELF and self_references >= SELF_REFERENCES[answer_lexicon.language]:
        working = True
    if not working:
        if words >= UNRELATED_MIN_WORDS:
            return verdict(Verdict.UNRELATED)
        return verdict(Verdict.ON_TOPIC)
    # Unknown or open subject (an achievement, yourself): any story from work answers it.
    return verdict(Verdict.ON_TOPIC)


def _solid_technical(text: str, terms: Mapping[str, Sequence[Match]]) -> bool:
    """Tell whether several technical domains show, each in more than one word."""
    # "Redis for caching, PostgreSQL as the database" is design talk; "put it in front" is not.
    rich = [
        topic
        for topic, found in terms.items()
        if len({text[m.start : m.end].casefold() for m in found}) >= SOLID_TECHNICAL_WORDS
    ]
    return len(rich) >= SOLID_TECHNICAL_DOMAINS


def _engages_other_subject(
    text: str, engaged: Mapping[str, Sequence[Match]], relevant: set[str], lexicon: TopicLexicon
) -> bool:
    """Tell whether the answer dwells on a recognised subject other than the asked one."""
    # Asked for one system, an answer full of caches and queues is still designing it: only
    # another specific system or problem is a different subject.
    specific = any(lexicon.topics[t].tier is Tier.SPECIFIC for t in relevant if t in lexicon.topics)
    tiers = {Tier.SPECIFIC} if specific else {Tier.SPECIFIC, Tier.STRONG}
    needed = OTHER_SPECIFIC_MIN_WORDS if specific else OTHER_THEME_MIN_WORDS
    return any(
        len(found) >= OTHER_SUBJECT_MIN_MATCHES
        and len({(m.first, m.last) for m in found}) >= OTHER_SUBJECT_MIN_MATCHES
        and len({text[m.start : m.end].casefold() for m in found}) >= needed
        for topic, found in engaged.items()
        if topic not in relevant and topic in lexicon.topics and lexicon.topics[topic].tier in tiers
    )


def _first_span(matches: Sequence[Match] | None) -> tuple[int, int] | None:
    if not matches:
        return None
    first = min(matches, key=lambda m: m.start)
    return first.start, first.end
