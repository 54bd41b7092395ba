"""Splitting long text for Discord."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.text import split_message


def test_short_text_is_one_chunk() -> None:
    assert split_message("hello") == ["hello"]


def test_splits_on_paragraphs_before_words() -> None:
    text = ("a" * 1500) + "\n\n" + ("b " * 400)
    chunks = split_message(text)
    assert chunks[0] == "a" * 1500
    assert all(len(c) <= 2000 for c in chunks)
    assert "".join(chunks).replace(" ", "") == text.replace(" ", "").replace("\n", "")


def test_unbroken_run_is_cut_hard() -> None:
    chunks = split_message("x" * 4500)
    assert [len(c) for c in chunks] == [2000, 2000, 500]


@given(st.text(alphabet=st.sampled_from("ab .\n"), max_size=9000))
def test_never_exceeds_limit_and_keeps_every_letter(text: str) -> None:
    chunks = split_message(text, 300)
    assert all(0 < len(c) <= 300 for c in chunks)
    letters = "".join(ch for ch in text if ch in "ab")
    assert "".join(ch for c in chunks for ch in c if ch in "ab") == letters
