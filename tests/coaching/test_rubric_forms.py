"""What a behavioral question asks for decides what is graded; the coach never cries "off topic"
at an answer that describes the asked-for thing in its own words."""

from __future__ import annotations

import logging

import pytest

from bot.catalog import Kind, Language, Level, Question
from bot.coaching.answer import Answer
from bot.coaching.models import Evaluation
from bot.coaching.rubric import Rubric
from bot.coaching.scoring import RED_FLAGS, penalties
from bot.coaching.topics import Form

log = logging.getLogger(__name__)

STAR_RULES = {
    "structure.situation_missing",
    "structure.task_missing",
    "structure.action_missing",
    "structure.result_missing",
    "structure.no_example",
}


def ask(text: str, language: Language = Language.EN) -> Question:
    return Question("adhoc", Kind.BEHAVIORAL, language, (Level.MID,), (), text, "")


def fired(evaluation: Evaluation) -> set[str]:
    return {f.rule_id for f in evaluation.findings if not f.positive}


@pytest.mark.parametrize(
    ("question", "language", "form"),
    [
        ("Tell me about yourself.", Language.EN, Form.SELF),
        ("What is your greatest weakness?", Language.EN, Form.SELF),
        ("Why do you want to work here?", Language.EN, Form.SELF),
        ("Tell me about a time you missed a deadline.", Language.EN, Form.STORY),
        ("Describe a failure and what you learned from it.", Language.EN, Form.STORY),
        ("What is your greatest accomplishment?", Language.EN, Form.STORY),
        ("How do you prioritise competing requests?", Language.EN, Form.APPROACH),
        ("간단하게 자기소개 부탁드립니다.", Language.KO, Form.SELF),
        ("본인의 단점은 무엇인가요?", Language.KO, Form.SELF),
        ("팀원과 갈등이 있었던 경험을 말씀해 주세요.", Language.KO, Form.STORY),
        ("가장 어려웠던 기술적 문제는 무엇이었나요?", Language.KO, Form.STORY),
    ],
)
def test_the_question_form_is_recognised(
    rubric: Rubric, question: str, language: Language, form: Form
) -> None:
    lexicon = rubric._topics[language]

    assert lexicon.form(lexicon.tokens(question)) is form


PROFESSIONAL_SUMMARY = (
    "I'm a backend engineer with six years in payments. At my current company I own the "
    "settlement service, which moves about two million transactions a day, and last year I "
    "cut its failure rate by a third by redesigning the retry logic. Before that I spent two "
    "years at an agency shipping web apps for clients, which taught me to talk to "
    "non-engineers. I'm looking for a team where I can own a larger system end to end, and "
    "your move into real-time payouts is exactly that."
)
LIFE_STORY = (
    "I was born in Leeds and grew up there with my parents and two sisters. I went to the "
    "local high school, where I liked maths and played football at the weekends. These days "
    "I am married with two kids, and in my free time I love hiking and cooking with my "
    "family. I also did a computer science degree and I have been working as a developer for "
    "a few years now at different places."
)


def test_a_self_presentation_is_not_graded_as_a_star_story(rubric: Rubric) -> None:
    evaluation = rubric.evaluate(
        Answer(PROFESSIONAL_SUMMARY), ask("Tell me about yourself."), Level.MID
    )

    assert evaluation.on_topic
    assert not fired(evaluation) & STAR_RULES
    assert "structure.too_personal" not in fired(evaluation)


def test_a_life_story_loses_to_a_professional_summary_of_the_same_length(rubric: Rubric) -> None:
    question = ask("Tell me about yourself.")
    summary = rubric.evaluate(Answer(PROFESSIONAL_SUMMARY), question, Level.MID)
    life = rubric.evaluate(Answer(LIFE_STORY), question, Level.MID)

    finding = next(f for f in life.findings if f.rule_id == "structure.too_personal")
    assert finding.evidence.quote == "born in"
    assert life.score < summary.score


def test_the_same_life_story_is_no_problem_where_a_story_was_asked(rubric: Rubric) -> None:
    evaluation = rubric.evaluate(
        Answer(LIFE_STORY), ask("Tell me about a time you learned something quickly."), Level.MID
    )

    assert "structure.too_personal" not in fired(evaluation)


def test_an_approach_question_does_not_demand_a_story(rubric: Rubric) -> None:
    answer = (
        "I start from the goal of the quarter and rank requests by impact and cost, because a "
        "cheap fix for many users usually beats a big feature for one. I write the list down, "
        "share it with my manager every Monday so the trade-offs are visible, and when two "
        "requests clash I ask the requesters together which one matters more this week."
    )
    evaluation = rubric.evaluate(
        Answer(answer), ask("How do you prioritise competing requests?"), Level.MID
    )

    assert evaluation.on_topic
    assert not fired(evaluation) & STAR_RULES


def test_habits_still_fail_a_question_that_asks_for_a_story(
    rubric: Rubric, answers: dict[str, str]
) -> None:
    evaluation = rubric.evaluate(
        Answer(answers["habits"]),
        ask("Tell me about a time you disagreed with a teammate."),
        Level.MID,
    )

    assert "structure.no_example" in fired(evaluation)


def test_a_story_in_other_words_is_not_a_different_subject(rubric: Rubric) -> None:
    # Published strong answers say "headed a push" where the question says "led a project",
    # and mention customers and one rollout in passing: none of that is another subject.
    answer = (
        "From March to June I headed a three-month push to shorten customer onboarding. I "
        "set the plan, ran the weekly reviews, and we went from nine days to four."
    )
    evaluation = rubric.evaluate(Answer(answer), ask("Tell me about a project you led."), Level.MID)

    assert evaluation.on_topic


def test_an_answer_to_another_question_is_still_a_different_subject(
    rubric: Rubric, answers: dict[str, str]
) -> None:
    evaluation = rubric.evaluate(
        Answer(answers["strong_star"]),
        Question(
            "adhoc",
            Kind.TECHNICAL,
            Language.EN,
            (Level.MID,),
            (),
            "How does TCP congestion control work?",
            "",
        ),
        Level.MID,
    )

    assert not evaluation.on_topic
    assert evaluation.topic == "different_subject"


def test_talking_about_the_boss_is_on_topic_even_when_it_is_a_complaint(rubric: Rubric) -> None:
    answer = (
        "We didn't really get along; he kept making impossible demands on us and he was always "
        "on the phone when we needed a decision."
    )
    evaluation = rubric.evaluate(
        Answer(answer), ask("What did you think of your previous boss?"), Level.MID
    )

    assert evaluation.on_topic
    assert "communication.blame" in fired(evaluation)


def test_a_red_flag_costs_every_dimension_and_a_short_answer_pays_in_full(
    rubric: Rubric,
) -> None:
    question = ask("What did you think of your previous boss?")
    fair = rubric.evaluate(
        Answer("He led well and kept the team focused and on track every week."),
        question,
        Level.MID,
    )
    blaming = rubric.evaluate(
        Answer(
            "He was useless and never listened, so it was his fault the team kept missing dates."
        ),
        question,
        Level.MID,
    )

    assert "communication.blame" in fired(blaming)
    assert blaming.score < fair.score
    lost = penalties(blaming.findings, Level.MID)
    assert RED_FLAGS & fired(blaming)
    assert all(points > 0 for points in lost.values())


@pytest.mark.parametrize(
    ("question", "answer", "kind", "language"),
    [
        (
            "What would you say is your greatest weakness?",
            "Talking to people comes easily to me, but statistics always took me real effort, "
            "so this year I signed up for an evening course to firm up the basics.",
            Kind.BEHAVIORAL,
            Language.EN,
        ),
        (
            "How would you explain recursion to a child?",
            "It's like Russian dolls: to open the biggest one you open the next one inside, "
            "and you keep going until you reach the tiny doll that doesn't open. Then you put "
            "them back together in reverse order.",
            Kind.TECHNICAL,
            Language.EN,
        ),
        (
            "Design Twitter.",
            "Alright, so we'll have Redis for caching hot timelines, PostgreSQL as the main "
            "database for accounts and follows, and Kafka as the message queue that fans new "
            "posts out to followers' cached timelines.",
            Kind.SYSTEM_DESIGN,
            Language.EN,
        ),
        (
            "본인의 약점은 무엇인가요?",
            "저는 말로 설명하는 건 편한데 숫자를 다루는 건 늘 시간이 걸렸습니다. "
            "그래서 올해 통계 수업을 들으면서 기초를 다지고 있습니다.",
            Kind.BEHAVIORAL,
            Language.KO,
        ),
    ],
)
def test_answers_in_their_own_words_are_on_topic(
    rubric: Rubric, question: str, answer: str, kind: Kind, language: Language
) -> None:
    asked = Question("adhoc", kind, language, (Level.MID,), (), question, "")

    evaluation = rubric.evaluate(Answer(answer), asked, Level.MID, language)

    assert evaluation.on_topic, evaluation.topic


def test_small_talk_is_still_unrelated_to_a_technical_question(rubric: Rubric) -> None:
    answer = (
        "My dog learned to open the fridge last month. She puts her paw on the handle, pulls, "
        "and then runs off with whatever is on the front shelf, which is usually cheese. We "
        "had to put a child lock on it in the end."
    )
    asked = Question(
        "adhoc", Kind.TECHNICAL, Language.EN, (Level.MID,), (), "What is dependency injection?", ""
    )

    evaluation = rubric.evaluate(Answer(answer), asked, Level.MID)

    assert not evaluation.on_topic
    assert evaluation.topic == "unrelated"
