"""Recognise a STAR story in a behavioral answer, and what tells it apart from other stories.

Recognition reuses what the coaching domain already established about the answer rather
than re-reading it: the rubric's (or the model's) structure findings say which STAR parts
are missing, its topic verdict says whether it answers the question, and the topic lexicon's
question forms say whether the question asks for a story at all. An answer tells a story
when it answers a behavioral question that is not about the candidate themselves ("tell me
about yourself"), is on topic, has at least ``MIN_WORDS`` words, gives one real example with
the candidate's own actions, and misses at most one of situation, task and result.

What identifies a story (to match a retelling) are its distinctive words: the answer's
stems without stopwords, with names, numbers and acronyms marked strong.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from bot.catalog import Kind, Language, Question
from bot.coaching.lexicon import Lexicon
from bot.coaching.models import Evaluation
from bot.coaching.rubric import rubric_dir
from bot.coaching.text import Token, sentences, stem_en, tokenize
from bot.coaching.topics import Form, TopicLexicon, load_topics
from bot.stories.competencies import CompetencySet
from bot.stories.models import StoryDraft

log = logging.getLogger(__name__)

MIN_WORDS = 40
# Findings that say the answer is no story at all.
NOT_A_STORY = frozenset(
    {"structure.no_example", "structure.too_personal", "structure.action_missing"}
)
STAR_GAPS = frozenset(
    {"structure.situation_missing", "structure.task_missing", "structure.result_missing"}
)
MAX_TERMS = 40
TITLE_CHARS = 60
EXCERPT_CHARS = 200
COMPETENCIES_PER_STORY = 3
CUE_HITS = 2
_CAPITALISED = re.compile(r"^[A-Z][A-Za-z0-9]*[A-Z0-9]|^[A-Z][a-z]+")


class StoryReader:
    """Read stories out of graded behavioral answers."""

    def __init__(
        self,
        competencies: CompetencySet,
        forms: Mapping[Language, TopicLexicon],
        lexicons: Mapping[Language, Lexicon],
    ) -> None:
        self.competencies = competencies
        self._forms = dict(forms)
        self._stopwords = {
            lang: frozenset(
                stem_en(w.casefold()) if lex.matching.value == "stem" else w for w in lex.stopwords
            )
            for lang, lex in lexicons.items()
        }
        self._stemmed = {lang: lex.matching.value == "stem" for lang, lex in lexicons.items()}
        self._suffixes = {
            lang: tuple(sorted(lex.suffixes, key=len, reverse=True))
            for lang, lex in lexicons.items()
        }

    @classmethod
    def load(cls, prompts_root: Path, competencies: CompetencySet) -> StoryReader:
        """Load the rubric's topic forms and word lists from ``prompts_root``."""
        folder = rubric_dir(Path(prompts_root))
        lexicons = {
            lang: Lexicon.load(folder / f"{lang.value}.yaml")
            for lang in Language
            if (folder / f"{lang.value}.yaml").exists()
        }
        return cls(competencies, load_topics(folder), lexicons)

    def asks_for_the_candidate(self, question: Question) -> bool:
        """Tell whether a behavioral question asks about the candidate, not for a story."""
        lexicon = self._forms.get(question.language)
        if lexicon is None:
            return False
        return lexicon.form(lexicon.tokens(question.text)) is Form.SELF

    def read(
        self, question: Question, text: str, evaluation: Evaluation, language: Language
    ) -> StoryDraft | None:
        """Return the story the answer tells, or None when it tells none."""
        if question.kind is not Kind.BEHAVIORAL or not evaluation.on_topic:
            return None
        if evaluation.word_count < MIN_WORDS or self.asks_for_the_candidate(question):
            return None
        fired = {f.rule_id for f in evaluation.problems}
        if fired & NOT_A_STORY or len(fired & STAR_GAPS) > 1:
            return None
        lang = Language(evaluation.answer_language or language)
        terms, strong = self.terms(text, lang)
        if not terms:
            return None
        return StoryDraft(
            title=_title(text),
            terms=terms,
            strong=strong,
            competencies=self._competencies(question, text, lang),
            excerpt=_clip(" ".join(text.split()), EXCERPT_CHARS),
        )

    def terms(self, text: str, language: Language) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Return a story's distinctive words, most frequent first, and the strong ones."""
        stemmed = self._stemmed.get(language, language is Language.EN)
        stop = self._stopwords.get(language, frozenset())
        suffixes = self._suffixes.get(language, ())
        counts: Counter[str] = Counter()
        strong: set[str] = set()
        for i, token in enumerate(tokenize(text, stemmed)):
            term = token.stem if stemmed else _strip(token.norm, suffixes)
            if term in stop or len(term) < (3 if stemmed else 2):
                continue
            counts[term] += 1
            if _is_strong(text, token, i):
                strong.add(term)
        ranked = sorted(counts, key=lambda t: (t not in strong, -counts[t], t))[:MAX_TERMS]
        return tuple(ranked), tuple(t for t in ranked if t in strong)

    def _competencies(self, question: Question, text: str, language: Language) -> tuple[str, ...]:
        """Return up to three competencies: those the question asks for, then the answer's."""
        asked = [c for tag in question.skills for c in self.competencies.for_tag(tag)]
        lowered = " ".join(text.casefold().split())
        words = [t.norm for t in tokenize(text, False)]
        hits: Counter[str] = Counter()
        for competency in self.competencies:
            for cue in competency.cues.get(language, ()):
                if " " in cue or language is not Language.EN:
                    hits[competency.id] += lowered.count(cue)
                else:
                    hits[competency.id] += sum(1 for w in words if w.startswith(cue))
        shown = [c for c, n in hits.most_common() if n >= CUE_HITS]
        return tuple(dict.fromkeys([*asked, *shown]))[:COMPETENCIES_PER_STORY]


def _strip(word: str, suffixes: tuple[str, ...]) -> str:
    """Strip the longest particle or ending (Korean words carry them)."""
    for suffix in suffixes:
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            return word[: -len(suffix)]
    return word


def _is_strong(text: str, token: Token, index: int) -> bool:
    """Tell whether a token names something: a number, an acronym, a name mid-sentence."""
    raw = text[token.start : token.end]
    if token.has_digit:
        return True
    if raw.isupper() and len(raw) >= 2:
        return True
    # A capital at the start of a sentence says nothing; elsewhere it names something.
    before = text[: token.start].rstrip()
    return index > 0 and bool(_CAPITALISED.match(raw)) and not before.endswith((".", "!", "?"))


def _clip(text: str, limit: int) -> str:
    """Cut ``text`` at a word boundary to ``limit`` characters, marking the cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _title(text: str) -> str:
    """Return a short title: the answer's first sentence that names something, clipped."""
    tokens = tokenize(text, False)
    spans = sentences(tokens)[:3]
    chosen = spans[0] if spans else None
    for span in spans:
        if any(_is_strong(text, tokens[i], i) for i in range(span.first, span.last)):
            chosen = span
            break
    sentence = text[chosen.start : chosen.end] if chosen is not None else text
    return _clip(" ".join(sentence.split()), TITLE_CHARS)
