"""The satisfaction survey (满意度调查): once a term per school and audience (pupils, parents,
staff) — opened with its questions, its answers counted in batches (paper forms, an online
form's export), closed with its results.

Each batch says how many answered and, per question, how many were satisfied, neutral or
dissatisfied (no more answers to a question than respondents; a question may go unanswered).
A survey is opened during its term. The results are the respondents and the satisfaction in
per mille: satisfied answers over all answers, over every question. One stream per school,
term and audience (``<school>-<term>-<audience>``); once closed, nothing more is counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from pydantic import Field, ValidationInfo, field_validator

from services.canteen.committee import TERM_ENDS, TERM_STARTS
from services.canteen.events import (
    Audience,
    QuestionCount,
    SurveyAnswersCounted,
    SurveyClosed,
    SurveyOpened,
    SurveyQuestion,
)
from services.eventkit.acts import ActAtOrNow, within
from services.eventkit.bounds import Count, EntityId, Few, Name, ShortText, Text
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent, Value
from services.eventkit.errors import Rejected


def survey_id(school_id: str, term_id: str, audience: str) -> str:
    """A school's survey of a term for an audience: ``<school>-<term>-<audience>``."""
    return f"{school_id}-{term_id}-{audience}"


def satisfaction_permille(satisfied: int, answers: int) -> int:
    """Satisfied answers over all answers, in per mille, rounded half up (0 without answers)."""
    if answers <= 0:
        return 0
    return (satisfied * 1000 * 2 + answers) // (answers * 2)


# -- commands ----------------------------------------------------------------------------


class SurveyQuestionLine(Value):
    """A question of the survey, by its code."""

    code: EntityId = Field(description="The question's code, e.g. taste")
    text: ShortText = Field(min_length=1, description="The question as asked, e.g. 饭菜口味是否满意")


class OpenSurvey(Command):
    """A satisfaction survey of the term, for one audience of the school (or of one campus)."""

    model_config = examples(
        {
            "school_id": "xuexiao",
            "term_id": "2020-2021-1",
            "audience": "parents",
            "title": "2020-2021学年第一学期食堂满意度调查（家长）",
            "questions": [
                {"code": "taste", "text": "饭菜口味是否满意"},
                {"code": "hygiene", "text": "食堂卫生是否满意"},
            ],
            "at": "2020-12-14T08:00:00+08:00",
        }
    )

    school_id: EntityId
    term_id: EntityId
    audience: Audience = Field(description="pupils, parents or staff")
    campus_id: EntityId | None = Field(default=None, description="One campus of the school (omit: the whole school)")
    title: Name = Field(description="The survey's title")
    questions: Few[SurveyQuestionLine] = Field(
        min_length=1, description="The questions, each answered satisfied, neutral or not"
    )
    at: ActAtOrNow = None

    @field_validator("questions")
    @classmethod
    def _codes_once(cls, questions: list[SurveyQuestionLine]) -> list[SurveyQuestionLine]:
        codes = [q.code for q in questions]
        if len(set(codes)) != len(codes):
            raise ValueError("each question's code appears once")
        return questions


class SurveyCountLine(Value):
    """One question's answers in a batch."""

    code: EntityId = Field(description="The question's code")
    satisfied: Count = Field(description="Answers satisfied")
    neutral: Count = Field(default=0, description="Answers neither satisfied nor dissatisfied")
    dissatisfied: Count = Field(default=0, description="Answers dissatisfied")


class CountSurveyAnswers(Command):
    """A batch of answers counted: how many answered, and per question how they answered."""

    model_config = examples(
        {
            "respondents": 120,
            "counts": [
                {"code": "taste", "satisfied": 96, "neutral": 18, "dissatisfied": 6},
                {"code": "hygiene", "satisfied": 110, "neutral": 8, "dissatisfied": 2},
            ],
        }
    )

    respondents: Count = Field(gt=0, description="How many answered in this batch")
    counts: Few[SurveyCountLine] = Field(min_length=1, description="Per question, the batch's answers")
    at: ActAtOrNow = None

    @field_validator("counts")
    @classmethod
    def _counted_once_within_respondents(
        cls, counts: list[SurveyCountLine], info: ValidationInfo
    ) -> list[SurveyCountLine]:
        # A field validator (not a model one), so that the error names counts.
        codes = [c.code for c in counts]
        if len(set(codes)) != len(codes):
            raise ValueError("each question is counted once a batch")
        respondents = info.data.get("respondents")
        for line in counts:
            if respondents is not None and line.satisfied + line.neutral + line.dissatisfied > respondents:
                raise ValueError(f"{line.code} has more answers than the batch has respondents ({respondents})")
        return counts


class CloseSurvey(Command):
    """The survey closes: its results are computed from the answers counted."""

    model_config = examples({"summary": "家长对饭菜口味总体满意，建议增加水果品种。"})

    summary: Text = Field(default="", description="What the school makes of the results")
    at: ActAtOrNow = None


# -- state -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyState:
    opened: bool = False
    closed: bool = False
    school_id: str = ""
    term_id: str = ""
    audience: str = ""
    questions: tuple[str, ...] = ()
    respondents: int = 0
    tallies: Mapping[str, tuple[int, int, int]] = field(default_factory=dict)  # code -> satisfied, neutral, dis

    @property
    def satisfied(self) -> int:
        return sum(t[0] for t in self.tallies.values())

    @property
    def answers(self) -> int:
        return sum(sum(t) for t in self.tallies.values())


SurveyCommand = Resolved[OpenSurvey] | Resolved[CountSurveyAnswers] | Resolved[CloseSurvey]


def decide(rc: SurveyCommand, state: SurveyState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, OpenSurvey):
        if state.opened:
            raise Rejected(
                f"{cmd.school_id} already surveyed its {cmd.audience.value} in term {cmd.term_id}", field="audience"
            )
        if TERM_STARTS in rc.facts and TERM_ENDS in rc.facts:  # the lookup's: the term's dates
            starts_on, ends_on = date.fromisoformat(rc.facts[TERM_STARTS]), date.fromisoformat(rc.facts[TERM_ENDS])
            within(rc.at, starts_on, ends_on, field="at", term=cmd.term_id)
        return [
            SurveyOpened(
                survey_id=rc.entity_id,
                school_id=cmd.school_id,
                campus_id=cmd.campus_id,
                term_id=cmd.term_id,
                audience=cmd.audience,
                title=cmd.title,
                questions=[SurveyQuestion(code=q.code, text=q.text) for q in cmd.questions],
                opened_by=rc.actor,
            )
        ]
    if not state.opened:
        raise Rejected(f"survey {rc.entity_id} was never opened")
    if state.closed:
        raise Rejected(f"survey {rc.entity_id} is closed: nothing more is counted")
    if isinstance(cmd, CountSurveyAnswers):
        for i, line in enumerate(cmd.counts):
            if line.code not in state.questions:
                raise Rejected(f"the survey asks no question {line.code}", field=f"counts.{i}.code")
        return [
            SurveyAnswersCounted(
                survey_id=rc.entity_id,
                respondents=cmd.respondents,
                counts=[QuestionCount(**line.model_dump()) for line in cmd.counts],
                counted_by=rc.actor,
            )
        ]
    assert isinstance(cmd, CloseSurvey)
    if state.respondents == 0:
        raise Rejected("no answers were counted: count a batch before closing the survey")
    return [
        SurveyClosed(
            survey_id=rc.entity_id,
            respondents=state.respondents,
            satisfaction_permille=satisfaction_permille(state.satisfied, state.answers),
            summary=cmd.summary,
            closed_by=rc.actor,
        )
    ]


def evolve(state: SurveyState, event: DomainEvent) -> SurveyState:
    match event:
        case SurveyOpened():
            codes = tuple(q.code for q in event.questions)
            return SurveyState(True, False, event.school_id, event.term_id, event.audience.value, codes)
        case SurveyAnswersCounted():
            tallies = dict(state.tallies)
            for c in event.counts:
                s, n, d = tallies.get(c.code, (0, 0, 0))
                tallies[c.code] = (s + c.satisfied, n + c.neutral, d + c.dissatisfied)
            return replace(state, respondents=state.respondents + event.respondents, tallies=tallies)
        case SurveyClosed():
            return replace(state, closed=True)
    return state


Survey: Decider[SurveyCommand, SurveyState, DomainEvent] = Decider("Survey", SurveyState(), decide, evolve, "survey")
"""One stream per school, term and audience (see :func:`survey_id`)."""
