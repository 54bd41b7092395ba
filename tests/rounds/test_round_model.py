"""Round-robin order, late joiners, skip/next, ending and the summary aggregation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.catalog import Kind, Language, Level
from bot.rounds import (
    AnswerRecord,
    Rating,
    RatingRecord,
    Round,
    RoundError,
    RoundMode,
    RoundStatus,
    summarise,
)

T0 = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
ALICE, BOB, CAROL = 1, 2, 3


def make_round(turns_each: int = 2, mode: RoundMode = RoundMode.GROUP) -> Round:
    return Round(
        guild_id=10,
        voice_channel_id=20,
        host_id=ALICE,
        kind=Kind.BEHAVIORAL,
        level=Level.MID,
        language=Language.EN,
        turns_each=turns_each,
        created_at=T0,
        mode=mode,
    )


def play(round_: Round, answered: bool = True) -> int:
    """Take the next speaker's turn and return who it was."""
    speaker = round_.next_speaker()
    assert speaker is not None
    round_.begin_turn(speaker.user_id)
    round_.end_turn(answered)
    return speaker.user_id


def test_round_robin_follows_consent_order_for_each_cycle() -> None:
    r = make_round(turns_each=2)
    for i, user in enumerate((BOB, ALICE, CAROL)):
        r.join(user, T0 + timedelta(seconds=i))
    order = [play(r) for _ in range(6)]
    assert order == [BOB, ALICE, CAROL, BOB, ALICE, CAROL]
    assert r.next_speaker() is None
    assert all(p.answered == 2 for p in r.participants)


def test_late_joiner_gets_a_turn_in_the_current_cycle() -> None:
    r = make_round(turns_each=2)
    r.join(ALICE, T0)
    r.join(BOB, T0)
    assert [play(r), play(r)] == [ALICE, BOB]
    assert play(r) == ALICE
    r.join(CAROL, T0 + timedelta(minutes=3))
    # Carol has had no turn yet, so she goes before Bob's second one.
    assert [play(r), play(r), play(r)] == [CAROL, BOB, CAROL]
    assert r.next_speaker() is None


def test_joining_twice_keeps_one_place_and_rejoining_after_leaving_restores_it() -> None:
    r = make_round()
    first, new = r.join(ALICE, T0)
    again, new_again = r.join(ALICE, T0 + timedelta(minutes=1))
    assert new and not new_again and first is again and len(r.participants) == 1
    assert r.leave(ALICE)
    assert r.next_speaker() is None
    _, rejoined = r.join(ALICE, T0 + timedelta(minutes=2))
    assert rejoined and r.next_speaker() is first
    assert first.consented_at == T0


def test_skip_current_turn_counts_as_passed_and_moves_on() -> None:
    r = make_round(turns_each=1)
    r.join(ALICE, T0)
    r.join(BOB, T0)
    r.begin_turn(ALICE)
    assert r.skip(ALICE)
    assert r.current is None
    alice = r.participant(ALICE)
    assert alice is not None and alice.skipped == 1 and alice.answered == 0
    assert play(r) == BOB
    assert r.next_speaker() is None


def test_skip_someone_waiting_forfeits_their_next_turn() -> None:
    r = make_round(turns_each=2)
    for user in (ALICE, BOB, CAROL):
        r.join(user, T0)
    assert r.skip(BOB)
    # Cycle one without Bob, then cycle two in consent order.
    assert [play(r) for _ in range(5)] == [ALICE, CAROL, ALICE, BOB, CAROL]
    assert r.next_speaker() is None
    assert not r.skip(BOB)  # no turns left to skip


def test_next_ends_the_turn_without_an_answer() -> None:
    r = make_round(turns_each=1)
    r.join(ALICE, T0)
    r.begin_turn(ALICE)
    done = r.end_turn(answered=False)
    assert done is not None and done.turns == 1 and done.skipped == 1
    assert r.next_speaker() is None


def test_participants_who_left_or_finished_are_not_called() -> None:
    r = make_round(turns_each=3)
    for user in (ALICE, BOB, CAROL):
        r.join(user, T0)
    r.leave(BOB)
    carol = r.participant(CAROL)
    assert carol is not None
    carol.done = True
    assert [play(r) for _ in range(3)] == [ALICE, ALICE, ALICE]
    assert r.next_speaker() is None


def test_end_closes_the_round_and_refuses_new_consent() -> None:
    r = make_round()
    r.join(ALICE, T0)
    r.begin_turn(ALICE)
    r.finish(T0 + timedelta(minutes=9), stopped=True)
    assert r.status is RoundStatus.STOPPED and r.current is None
    assert r.ended_at == T0 + timedelta(minutes=9)
    with pytest.raises(RoundError):
        r.join(BOB, T0)
    with pytest.raises(RoundError):
        r.begin_turn(ALICE)


def test_only_consented_people_take_turns_and_solo_admits_only_the_candidate() -> None:
    r = make_round()
    with pytest.raises(RoundError):
        r.begin_turn(BOB)
    solo = make_round(mode=RoundMode.SOLO)
    with pytest.raises(RoundError):
        solo.join(BOB, T0)
    participant, _ = solo.join(ALICE, T0)
    assert solo.has_consented(ALICE) and participant.position == 0


def test_turns_each_is_clamped() -> None:
    assert make_round(turns_each=0).turns_each == 1
    assert make_round(turns_each=99).turns_each == 10


def test_summary_aggregates_scores_and_peer_ratings_per_participant() -> None:
    r = make_round()
    for user in (ALICE, BOB, CAROL):
        r.join(user, T0)
    answers = [
        AnswerRecord(1, 5, ALICE, 100, 0, 80),
        AnswerRecord(2, 5, BOB, 101, 0, 60),
        AnswerRecord(3, 5, ALICE, 100, 1, 90),
        AnswerRecord(4, 5, CAROL, 102, 0, None),
    ]
    ratings = [
        RatingRecord(1, BOB, Rating.STRONG),
        RatingRecord(1, CAROL, Rating.USEFUL),
        RatingRecord(3, BOB, Rating.STRONG),
        RatingRecord(2, ALICE, Rating.UNCLEAR),
        RatingRecord(2, BOB, Rating.STRONG),  # a self-rating never counts
        RatingRecord(99, CAROL, Rating.USEFUL),  # an unknown answer is ignored
    ]
    summary = summarise(r, answers, ratings)
    by_user = {p.user_id: p for p in summary.participants}
    assert [p.user_id for p in summary.participants] == [ALICE, BOB, CAROL]
    alice, bob, carol = by_user[ALICE], by_user[BOB], by_user[CAROL]
    assert alice.scores == (80, 90) and alice.average_score == 85
    assert alice.ratings == {Rating.USEFUL: 1, Rating.UNCLEAR: 0, Rating.STRONG: 2}
    assert bob.ratings == {Rating.USEFUL: 0, Rating.UNCLEAR: 1, Rating.STRONG: 0}
    assert bob.ratings_given == 2 and alice.ratings_given == 1 and carol.ratings_given == 1
    assert carol.answered == 1 and carol.scores == () and carol.average_score is None
    assert summary.answers == 3
