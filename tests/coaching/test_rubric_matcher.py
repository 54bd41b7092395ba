"""Tokens, stems and phrase matching."""

from __future__ import annotations

import logging

import pytest

from bot.coaching.matcher import MatchMode, PhraseMatcher
from bot.coaching.text import complexity_spans, identity, sentences, stem_en, tokenize

log = logging.getLogger(__name__)


@pytest.mark.parametrize(
    ("forms", "same"),
    [
        (("decide", "decided", "decides", "deciding"), True),
        (("measure", "measured", "measuring", "measures"), True),
        (("latency", "latencies"), True),
        (("stop", "stopped", "stopping"), True),
        (("tradeoff", "tradeoffs"), True),
        (("mentor", "mentored", "mentoring"), True),
        (("this", "thi"), False),
    ],
)
def test_stems_agree_across_inflections(forms: tuple[str, ...], same: bool) -> None:
    assert (len({stem_en(f) for f in forms}) == 1) is same


def test_tokens_keep_offsets_and_sentences() -> None:
    text = "I shipped it. It's 3.5x faster!\nNext line"
    tokens = tokenize(text, stem=True)

    assert [text[t.start : t.end] for t in tokens] == [
        "I",
        "shipped",
        "it",
        "It's",
        "3",
        "5x",
        "faster",
        "Next",
        "line",
    ]
    assert [t.sentence for t in tokens] == [0, 0, 0, 1, 1, 1, 1, 2, 2]
    assert [s.size for s in sentences(tokens)] == [3, 4, 2]


def test_big_o_expressions_are_found() -> None:
    text = "It is O(n log n) time, O(1) space, not NO(thing) or O(" + "x" * 100 + ")."
    assert [text[a:b] for a, b in complexity_spans(text)] == ["O(n log n)", "O(1)"]


def _scan(phrases: list[str], text: str, mode: MatchMode = MatchMode.STEM) -> list[str]:
    stem = stem_en if mode is MatchMode.STEM else identity
    matcher = PhraseMatcher({"c": phrases}, mode, stem)
    tokens = tokenize(text, stem=mode is MatchMode.STEM)
    return [text[m.start : m.end] for m in matcher.scan(tokens).get("c", [])]


def test_stem_exact_and_prefix_words() -> None:
    assert _scan(["decide"], "I decided, then decides.") == ["decided", "decides"]
    assert _scan(["=us"], "Use us, not user.") == ["us"]
    assert _scan(["optimi*"], "optimise or optimization, not optimal") == [
        "optimise",
        "optimization",
    ]


def test_longest_match_wins_and_matches_do_not_overlap() -> None:
    assert _scan(["maybe", "i think maybe"], "I think maybe, maybe.") == ["I think maybe", "maybe"]
    assert _scan(["trade off", "trade-off"], "a trade-off") == ["trade-off"]


def test_substring_mode_matches_inside_words() -> None:
    text = "그 결과 결과적으로 저희는 저희가 제가"
    assert _scan(["결과"], text, MatchMode.SUBSTRING) == ["결과", "결과적으로"]
    assert _scan(["저희*"], text, MatchMode.SUBSTRING) == ["저희는", "저희가"]
    assert _scan(["=제가"], text, MatchMode.SUBSTRING) == ["제가"]
    assert _scan(["것 같"], "좋은 것 같습니다", MatchMode.SUBSTRING) == ["것 같습니다"]
