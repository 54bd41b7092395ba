"""Delivery analysis on hand-made word timings: pace, filler context rules, pauses."""

from __future__ import annotations

import ast
import logging
import re
from pathlib import Path

import pytest

from bot.coaching import delivery
from bot.coaching.answer import Word
from bot.coaching.delivery import DeliveryReport, analyze_delivery, filler_spans, find_fillers

log = logging.getLogger(__name__)

_PAUSE = re.compile(r"^<(\d+)>$")


def words(script: str, *, word_ms: int = 300, gap_ms: int = 100) -> list[Word]:
    """Turn "so, <2000> the plan" into timed words; <N> inserts N ms of extra silence."""
    result: list[Word] = []
    clock = 0
    for token in script.split():
        pause = _PAUSE.match(token)
        if pause:
            clock += int(pause.group(1))
            continue
        result.append(Word(token, clock, clock + word_ms))
        clock += word_ms + gap_ms
    return result


def fillers(script: str) -> list[str]:
    """Return the filler texts found in a script."""
    return [filler.text for filler in find_fillers(words(script))]


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("Um, I think we should, uh, cache it.", ["um", "uh"]),
        ("Umm so the er plan was erm simple. Hmm.", ["umm", "so", "er", "erm", "hmm"]),
        ("You know, the service, you know, was slow.", ["you know", "you know"]),
        ("I mean, it failed twice.", ["I mean"]),
    ],
)
def test_plain_fillers(script: str, expected: list[str]) -> None:
    assert fillers(script) == expected


@pytest.mark.parametrize(
    "script",
    [
        "I would like to explain the design.",
        "I'd like to start with the data model.",
        "It looks like the cache was cold.",
        "We did it like this because of latency.",
        "Do it like that and it works.",
        "It seems like a good trade-off.",
        "Languages like Go compile fast.",
        "I like Python for scripts.",
        "It felt like the right call.",
    ],
)
def test_grammatical_like_is_not_a_filler(script: str) -> None:
    assert "like" not in fillers(script)


@pytest.mark.parametrize(
    "script",
    [
        "It was, like, really fast.",
        "Like, I think we should shard.",
        "It took like 50 milliseconds.",
        "And like we just shipped it.",
        "It was like like a mess.",
    ],
)
def test_filler_like_is_a_filler(script: str) -> None:
    assert "like" in fillers(script)


@pytest.mark.parametrize(
    "script",
    [
        "We added a queue so that retries never block.",
        "We tried caching, batching and so on.",
        "It took an hour or so to recover.",
        "It was so slow that users left.",
        "So far the results look good.",
        "I think so.",
    ],
)
def test_grammatical_so_is_not_a_filler(script: str) -> None:
    assert "so" not in fillers(script)


@pytest.mark.parametrize(
    "script",
    [
        "So, the main challenge was scale.",
        "So we started with the schema.",
        "We fixed it. So the next step was tests.",
        "And that was the outcome, so.",
        "Um, so I think we could use a queue.",
    ],
)
def test_filler_so_is_a_filler(script: str) -> None:
    assert "so" in fillers(script)


@pytest.mark.parametrize(
    "script",
    [
        "That was the right approach.",
        "We rolled it back right away.",
        "Right now the service is stateless.",
        "You are right about the cost.",
        "That's right.",
    ],
)
def test_grammatical_right_is_not_a_filler(script: str) -> None:
    assert "right" not in fillers(script)


@pytest.mark.parametrize(
    "script",
    ["We cache the token, right?", "Right, so the plan was simple.", "Right. We start."],
)
def test_filler_right_is_a_filler(script: str) -> None:
    assert fillers(script).count("right") == 1


def test_actually_and_basically_only_when_set_off() -> None:
    assert fillers("It actually halved the latency.") == []
    assert fillers("We basically rewrote the parser.") == []
    assert fillers("Actually, I disagree.") == ["actually"]
    assert fillers("Basically, it is a cache.") == ["basically"]
    assert fillers("It is a cache, basically.") == ["basically"]


def test_you_know_and_i_mean_when_grammatical() -> None:
    assert fillers("Do you know the answer?") == []
    assert fillers("You know the answer already.") == []
    assert fillers("What I mean is that it scales.") == []
    assert fillers("I mean it when I say tests matter.") == []


def test_korean_fillers_as_standalone_tokens() -> None:
    script = "음... 그 프로젝트에서 저는 그... 리더였고 뭐, 어 결과가 좋았습니다"
    assert fillers(script) == ["음", "그", "뭐", "어"]


def test_korean_demonstratives_are_not_fillers() -> None:
    assert fillers("그 서비스는 저 서버에서 돌았습니다") == []
    assert fillers("뭐 하셨어요?") == []
    assert fillers("음악 어플을 만들었습니다") == []  # 음/어 inside words do not count


def test_filler_timings_point_at_the_words() -> None:
    timed = words("We, you know, shipped it.")
    found = find_fillers(timed)
    assert len(found) == 1
    assert found[0].start_ms == timed[1].start_ms
    assert found[0].end_ms == timed[2].end_ms


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("Ummm... we, UH, cached it.", ["ummm", "uh"]),
        ("Hmm. Errr, ah, mm, the plan was simple.", ["hmm", "errr", "ah", "mm"]),
        ("Uhm, so, uh, we moved the jobs.", ["uhm", "so", "uh"]),
        ("We sharded it, um, um, by tenant.", ["um", "um"]),
        ("Er... I'm not sure. Uh—", ["er", "uh"]),
    ],
)
def test_hesitations_in_any_spelling_case_or_punctuation(script: str, expected: list[str]) -> None:
    assert fillers(script) == expected


def test_words_that_only_look_like_hesitations_are_not_fillers() -> None:
    assert fillers("The umbrella team, human error, hummus, mmap and ahead-of-time builds.") == []
    assert fillers("Mm-hmm, that's right. Uh-huh.") == []  # backchannels mean yes


@pytest.mark.parametrize(
    "script",
    [
        "It was like really slow.",
        "It took like about a minute.",
        "The build got like 10x faster.",
        "We saw like 5% errors.",
        "It was like kind of a mess.",
    ],
)
def test_like_before_a_hedge_or_a_figure_is_a_filler(script: str) -> None:
    assert fillers(script) == ["like"]


@pytest.mark.parametrize(
    "script",
    [
        "I would like really clear ownership.",
        "It looks like maybe the cache was cold.",
        "It felt like about the right size.",
        "Like I said, we sharded it.",
        "It failed. Like I said, the cache was cold.",
    ],
)
def test_like_stays_grammatical_beside_hedges_and_in_like_i_said(script: str) -> None:
    assert "like" not in fillers(script)


@pytest.mark.parametrize(
    "script",
    [
        "We shipped it in like a week.",
        "It ran for like two hours.",
        "I would like probably add an index.",
        "I'd like definitely split the table.",
    ],
)
def test_like_after_a_preposition_or_between_modal_and_adverb_is_a_filler(script: str) -> None:
    assert fillers(script) == ["like"]


@pytest.mark.parametrize(
    "script",
    [
        "I would like maybe two more engineers.",
        "We'd like just one queue.",
        "I'd like to probably start with the schema.",
        "It is kind of like a queue.",
    ],
)
def test_like_stays_grammatical_after_modals_and_kind_of(script: str) -> None:
    assert "like" not in fillers(script)


def test_like_set_off_by_a_comma_is_a_filler_even_before_i_said() -> None:
    assert fillers("Like, I said no to the rewrite.") == ["like"]


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("It was <300> like <300> slow", ["like"]),
        ("I would <300> like <300> probably add an index", ["like"]),
        ("We shipped it <300> you know <300> on a Friday", ["you know"]),
        ("It <300> basically <300> worked", ["basically"]),
        ("The queue filled up <300> so <300> we retried", ["so"]),
        ("It was slow <300> I mean <300> really slow", ["I mean"]),
    ],
)
def test_pauses_on_both_sides_set_a_word_off_like_commas(script: str, expected: list[str]) -> None:
    assert fillers(script) == expected


@pytest.mark.parametrize(
    "script",
    [
        "It looks <300> like the cache was cold",  # a pause on one side only
        "I would <300> like <300> to explain the design",
        "We did it <300> like <300> this",
        "We added a queue <300> so <300> that retries never block",
        "Do you know <300> the answer",
    ],
)
def test_pauses_do_not_outweigh_grammar(script: str) -> None:
    assert fillers(script) == []


def test_a_pause_sets_a_word_off_only_when_it_is_long_enough() -> None:
    assert fillers("It <100> basically <100> worked") == []  # 200 ms gaps
    assert fillers("It <150> basically <150> worked") == ["basically"]  # 250 ms gaps


def test_filler_timings_follow_the_words_for_hesitations_and_phrases() -> None:
    timed = words("So, um, it <300> you know <300> worked.")
    found = find_fillers(timed)
    assert [f.text for f in found] == ["so", "um", "you know"]
    assert [(f.start_ms, f.end_ms) for f in found] == [
        (timed[0].start_ms, timed[0].end_ms),
        (timed[1].start_ms, timed[1].end_ms),
        (timed[3].start_ms, timed[4].end_ms),
    ]


def _spanned(text: str, language: str = "en") -> list[str]:
    """Return the substrings that filler_spans marks."""
    return [text[start:end] for start, end in filler_spans(text, language)]


def test_filler_spans_mark_filler_words_without_their_punctuation() -> None:
    text = "Um, I think, like, you know, we shipped it. Hmm."
    assert _spanned(text) == ["Um", "like", "you know", "Hmm"]
    spans = filler_spans(text, "en")
    assert spans == sorted(spans)
    assert all(0 <= start < end <= len(text) for start, end in spans)


@pytest.mark.parametrize(
    "text",
    [
        "I would like to talk about the migration.",
        "It looks like the cache was cold.",
        "We could do something like this.",
        "Do you know the answer? You know the answer already.",
        "We added a queue so that retries never block, and so on.",
        "I think the right approach is to measure first.",
        "I mean it when I say tests matter.",
    ],
)
def test_filler_spans_leave_grammatical_uses_alone(text: str) -> None:
    assert filler_spans(text, "en") == []


def test_filler_spans_agree_with_find_fillers_on_typed_text() -> None:
    text = "So, um, the idea was, like, fifty milliseconds, basically, yeah. Right, you know?"
    assert [part.lower() for part in _spanned(text)] == fillers(text)


def test_filler_spans_by_language() -> None:
    korean = "음... 그 프로젝트에서 저는 그... 리더였고 뭐, 어 결과가 좋았습니다"
    assert _spanned(korean, "ko") == ["음", "그", "뭐", "어"]
    # English context rules are for English: in Korean text only filled pauses count.
    assert _spanned("음, like, 캐시를 um 붙였습니다", "ko") == ["음", "um"]
    assert _spanned("Um, like, it was slow.", "en-US") == ["Um", "like"]
    assert _spanned("Ähm, also, um, like, es war langsam.", "de") == ["um"]
    assert filler_spans("", "en") == []


def test_pace_against_the_band() -> None:
    # 30 words, one every 400 ms: the span is 29*400+300 = 11.9 s, about 151 wpm.
    report = analyze_delivery(words(" ".join(["word"] * 30)))
    assert report.word_count == 30
    assert report.speaking_ms == 11_900
    assert report.wpm == pytest.approx(30 * 60_000 / 11_900)
    assert report.pace == "in band"
    slow = analyze_delivery(words(" ".join(["word"] * 30), gap_ms=400))
    assert slow.pace == "slow"
    fast = analyze_delivery(words(" ".join(["word"] * 30), word_ms=200, gap_ms=50))
    assert fast.pace == "fast"
    assert analyze_delivery(words("a b c"), band=None).pace is None


def test_pauses_and_long_pauses_with_location() -> None:
    report = analyze_delivery(
        words("First we measured. <1500> Then we <3500> fixed it <1000> quickly.")
    )
    # Gaps: 100 ms between words plus the inserted silence.
    assert [(p.after, p.before) for p in report.pauses] == [
        ("measured", "then"),
        ("we", "fixed"),
    ]
    assert [p.duration_ms for p in report.pauses] == [1600, 3600]
    assert [p.long for p in report.pauses] == [False, True]
    assert report.long_pauses == (report.pauses[1],)
    assert report.pauses[1].index == 5


def test_a_pause_of_exactly_the_threshold_counts() -> None:
    report = analyze_delivery(words("one <1400> two"))
    assert [p.duration_ms for p in report.pauses] == [1500]
    assert analyze_delivery(words("one <1399> two")).pauses == ()


def test_summary_line() -> None:
    script = " ".join(["word"] * 20) + " um, like, <1600> so, um, " + " ".join(["word"] * 10)
    script += " <3200> done"
    report = analyze_delivery(words(script))
    line = report.summary()
    assert re.fullmatch(
        r"\d+ wpm \((in band|below 120-160|above 120-160)\) · 4 fillers "
        r"\(um x2, like x1, so x1\) · 2 pauses ≥1\.5 s, 1 ≥3 s · 0:\d\d speaking",
        line,
    ), line


def test_summary_without_fillers_or_pauses() -> None:
    line = analyze_delivery(words("We sharded the table by tenant.")).summary()
    assert "0 fillers" in line
    assert "0 pauses ≥1.5 s" in line
    assert "≥3 s" not in line


def test_to_dict_keys_and_values() -> None:
    report = analyze_delivery(words("Um, we <2000> shipped."))
    data = report.to_dict()
    assert set(data) == {"wpm", "fillers", "pauses", "speaking_ms"}
    assert data["fillers"] == [{"text": "um", "start_ms": 0, "end_ms": 300}]
    assert data["pauses"][0]["duration_ms"] == 2100
    assert data["pauses"][0]["after"] == "we"
    assert data["speaking_ms"] == report.speaking_ms


def test_empty_answer() -> None:
    report = analyze_delivery([])
    assert report == DeliveryReport(wpm=0.0, word_count=0, speaking_ms=0)
    assert report.pace is None
    assert report.summary().startswith("0 wpm · 0 fillers")


def test_unsorted_words_are_ordered_by_time() -> None:
    timed = words("we <2000> shipped")
    report = analyze_delivery(list(reversed(timed)))
    assert [(p.after, p.before) for p in report.pauses] == [("we", "shipped")]


def test_invalid_thresholds_are_refused() -> None:
    with pytest.raises(ValueError):
        analyze_delivery(words("a b"), pause_ms=3000, long_pause_ms=1000)


def test_delivery_is_pure_domain_code() -> None:
    tree = ast.parse(Path(delivery.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert imported <= {
        "__future__",
        "logging",
        "re",
        "unicodedata",
        "collections",
        "dataclasses",
        "typing",
        "bot",
    }
