"""A question about motivation or goals is answered only by a reason, a wish, a goal or a plan.

"Why this role?" or "what do you hope to learn?" answered with a good story about something
else used to pass as on topic: the open "motivation" topic is engaged by any work word. These
answers were written for this test (none comes from a trial or a calibration set); each story
below could answer some other behavioral question well, and does, when that question is asked.
"""

from __future__ import annotations

import logging

import pytest

from bot.catalog import Kind, Language, Level, Question
from bot.coaching.answer import Answer
from bot.coaching.models import Evaluation
from bot.coaching.rubric import Rubric
from bot.coaching.topics import Verdict

log = logging.getLogger(__name__)

MOTIVATION_EN = (
    "Why are you interested in this position?",
    "What attracts you to our company, and why now?",
    "Where do you see yourself in five years?",
    "What do you hope to achieve in your first year with us?",
    "Why would you want to join a small team like ours rather than a big company?",
)
MOTIVATION_KO = (
    "저희 회사에 지원하신 동기가 무엇인가요?",
    "입사 후 1년 동안 무엇을 배우고 싶으신가요?",
    "왜 이 직무를 선택하셨나요? 5년 후에는 어떤 모습이고 싶으신가요?",
)

# Stories from work with no reason, wish, goal or plan of the candidate in them.
STORIES_EN = {
    "migration": (
        "Two years ago I moved our billing data from a self-hosted MySQL box to a managed "
        "Postgres cluster. I wrote a dual-write layer, compared row counts every night for three "
        "weeks, and switched reads over one customer segment at a time. We finished with eleven "
        "minutes of read-only time instead of the planned two hours, and nobody lost an invoice."
    ),
    "outage": (
        "During a Friday release our checkout error rate jumped to nine percent. I rolled the "
        "deploy back within six minutes, then bisected the change with a colleague and found a "
        "missing database index on the new coupon table. I added the index, wrote a check that "
        "fails the build when a query scans a whole table, and the release went out on Monday."
    ),
    "mentoring": (
        "A junior developer on my team kept getting stuck on code reviews that dragged on for "
        "days. I paired with him twice a week, showed him how to split a change into small "
        "commits, and we agreed a checklist before he asked for review. After a month his "
        "reviews closed in under a day and he was reviewing other people's changes himself."
    ),
    "conflict": (
        "Our designer and our backend lead disagreed about whether search results should load "
        "all at once or page by page. I set up a half-hour meeting, asked each of them to list "
        "what they were afraid of, and proposed a test with real users. Paging won on speed "
        "with no drop in clicks, so we shipped it, and both of them signed off on the result."
    ),
}
STORIES_KO = {
    "장애": (
        "작년 연말 이벤트 때 주문 서버의 응답 시간이 3초까지 늘어났습니다. 저는 먼저 트래픽을 "
        "보조 서버로 나누고, 느린 쿼리를 찾아 인덱스를 추가했습니다. 그 뒤로 응답 시간은 "
        "300밀리초 안으로 돌아왔고, 같은 문제가 다시 생기지 않도록 부하 테스트를 배포 절차에 "
        "넣었습니다."
    ),
    "갈등": (
        "디자이너와 프런트엔드 개발자가 화면 전환 방식을 두고 일주일 넘게 의견이 갈렸습니다. "
        "저는 두 사람과 따로 이야기를 나눈 뒤 사용자 다섯 명에게 두 가지 시안을 보여 주는 "
        "간단한 테스트를 제안했습니다. 결과가 분명하게 나와서 한쪽 안으로 정리했고, 일정도 지킬 "
        "수 있었습니다."
    ),
}

# Real answers to motivation questions, in several styles: reasons, wishes, goals, plans.
GENUINE_EN = {
    "Why are you interested in this position?": (
        "Mostly because of the people who will use it. I've spent three years on internal "
        "dashboards for a logistics firm, and the part I enjoyed was sitting with dispatchers and "
        "watching where they lost time. This position puts me closer to customers, and that is "
        "the kind of work I want to do more of."
    ),
    "What attracts you to our company, and why now?": (
        "Your product solved a real problem for my last team: we replaced three spreadsheets "
        "with it in a week. I read your post on how you run incident reviews without blame, and "
        "that is the culture I'm looking for. The timing works because my current project "
        "ships in March and I can hand it over cleanly."
    ),
    "Where do you see yourself in five years?": (
        "Leading the technical side of a product area, not managing people full time. I'd like "
        "to be the engineer others ask when a design crosses several services, and to have "
        "helped two or three newer engineers grow into that too. Ideally here, on systems I "
        "helped shape from the start."
    ),
    "What do you hope to achieve in your first year with us?": (
        "Three things. Ship something customers notice within the first quarter, even if it is "
        "small. By the middle of the year, own one service end to end, including its on-call. And "
        "by the end of the year, leave the onboarding docs better than I found them, because I "
        "will have just lived through them."
    ),
}
GENUINE_KO = {
    "저희 회사에 지원하신 동기가 무엇인가요?": (
        "3년 동안 이 서비스를 직접 써 오면서 정산 화면이 정말 편하다고 느꼈습니다. 지금 "
        "회사에서 정산 시스템을 맡고 있어서, 이렇게 큰 규모에서 같은 문제를 어떻게 푸는지 "
        "가까이에서 배우고 싶었습니다. 제 경험으로 정산 쪽 안정성을 높이는 데 기여하고 "
        "싶습니다."
    ),
    "입사 후 1년 동안 무엇을 배우고 싶으신가요?": (
        "처음 석 달은 코드베이스와 배포 과정을 익히면서 작은 수정부터 맡고 싶습니다. 그다음에는 "
        "장애 대응 방식과 설계 리뷰 문화를 배워서, 1년 안에 서비스 하나를 처음부터 끝까지 "
        "책임지는 것이 목표입니다."
    ),
}


def ask(text: str, language: Language = Language.EN) -> Question:
    return Question("adhoc", Kind.BEHAVIORAL, language, (Level.MID,), (), text, "")


@pytest.fixture(scope="module")
def grade(rubric: Rubric):  # type: ignore[no-untyped-def]
    def run(question: str, answer: str, language: Language = Language.EN) -> Evaluation:
        return rubric.evaluate(Answer(answer), ask(question, language), Level.MID, language)

    return run


def _unanswered(evaluation: Evaluation) -> bool:
    """Tell whether the answer is marked as not answering (another subject also counts)."""
    return (
        not evaluation.on_topic
        and evaluation.topic in {Verdict.NO_MOTIVATION.value, Verdict.DIFFERENT_SUBJECT.value}
        and evaluation.problems[0].rule_id == "communication.off_topic"
    )


@pytest.mark.parametrize("question", MOTIVATION_EN)
@pytest.mark.parametrize("story", sorted(STORIES_EN))
def test_a_story_without_motivation_does_not_answer_a_motivation_question(
    grade, question: str, story: str
) -> None:  # type: ignore[no-untyped-def]
    evaluation = grade(question, STORIES_EN[story])
    assert _unanswered(evaluation), (evaluation.topic, [f.rule_id for f in evaluation.problems])
    if evaluation.topic == Verdict.NO_MOTIVATION.value:
        assert "why you want this" in evaluation.problems[0].message
    assert evaluation.score < 40


@pytest.mark.parametrize("question", MOTIVATION_KO)
@pytest.mark.parametrize("story", sorted(STORIES_KO))
def test_a_korean_story_without_motivation_does_not_answer_either(
    grade, question: str, story: str
) -> None:  # type: ignore[no-untyped-def]
    evaluation = grade(question, STORIES_KO[story], Language.KO)
    assert _unanswered(evaluation), (evaluation.topic, [f.rule_id for f in evaluation.problems])
    if evaluation.topic == Verdict.NO_MOTIVATION.value:
        assert "배우거나 이루고 싶은지" in evaluation.problems[0].message


def test_most_such_stories_are_told_exactly_what_is_missing(grade) -> None:  # type: ignore[no-untyped-def]
    verdicts = [grade(q, a).topic for q in MOTIVATION_EN for a in STORIES_EN.values()]
    verdicts += [grade(q, a, Language.KO).topic for q in MOTIVATION_KO for a in STORIES_KO.values()]
    assert verdicts.count(Verdict.NO_MOTIVATION.value) >= 0.8 * len(verdicts)


@pytest.mark.parametrize("question", sorted(GENUINE_EN))
def test_real_motivation_answers_stay_on_topic(grade, question: str) -> None:  # type: ignore[no-untyped-def]
    evaluation = grade(question, GENUINE_EN[question])
    assert evaluation.on_topic, evaluation.topic
    assert evaluation.score >= 55


@pytest.mark.parametrize("question", sorted(GENUINE_KO))
def test_real_korean_motivation_answers_stay_on_topic(grade, question: str) -> None:  # type: ignore[no-untyped-def]
    evaluation = grade(question, GENUINE_KO[question], Language.KO)
    assert evaluation.on_topic, evaluation.topic


def test_a_genuine_answer_to_one_motivation_question_fits_the_others(grade) -> None:  # type: ignore[no-untyped-def]
    # A reason or a goal answers any of them; only its absence is judged, not its wording.
    for question in MOTIVATION_EN:
        for answer in GENUINE_EN.values():
            assert grade(question, answer).on_topic, (question, answer[:40])


@pytest.mark.parametrize(
    ("question", "story"),
    [
        ("Tell me about a time you moved a system to a new database.", "migration"),
        ("Describe a production incident you handled.", "outage"),
        ("Tell me about a time you helped a colleague improve.", "mentoring"),
        ("Give me an example of a disagreement you helped resolve.", "conflict"),
        ("Why did you leave your last job?", "outage"),
        ("Why should we hire you?", "mentoring"),
    ],
)
def test_the_same_stories_answer_questions_that_do_not_ask_for_motivation(
    grade, question: str, story: str
) -> None:  # type: ignore[no-untyped-def]
    evaluation = grade(question, STORIES_EN[story])
    assert evaluation.topic != Verdict.NO_MOTIVATION.value


def test_a_short_answer_is_left_to_the_length_rules(grade) -> None:  # type: ignore[no-untyped-def]
    evaluation = grade(MOTIVATION_EN[0], "Good pay and a short commute.")
    assert evaluation.topic != Verdict.NO_MOTIVATION.value


def test_a_korean_question_answered_in_english_is_judged_by_the_answer_words(grade) -> None:  # type: ignore[no-untyped-def]
    story = grade(MOTIVATION_KO[0], STORIES_EN["migration"], Language.KO)
    assert story.topic == Verdict.NO_MOTIVATION.value
    genuine = grade(
        MOTIVATION_KO[0], GENUINE_EN["Why are you interested in this position?"], Language.KO
    )
    assert genuine.topic != Verdict.NO_MOTIVATION.value
