"""Property tests of the satisfaction survey's decider: opened once, during its term; answers
counted only to its questions, never more to one than the batch's respondents; closed once, with
at least one batch, its satisfaction the satisfied answers over all answers; nothing counted after.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import strategies as st

from services.canteen.committee import term_facts
from services.canteen.events import CANTEEN_EVENTS, Audience, SurveyAnswersCounted, SurveyClosed, SurveyOpened
from services.canteen.survey import (
    CloseSurvey,
    CountSurveyAnswers,
    OpenSurvey,
    Survey,
    SurveyCountLine,
    SurveyQuestionLine,
    survey_id,
)
from services.eventkit.days import CHINA, local_day
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent, TenantPath
from tests.properties import QUIET, DeciderMachine, machine, machine_ids, refused_only_when, run_machine, step

pytestmark = QUIET

SCHOOL = TenantPath(district_id="xinbei", school_id="xuexiao")
TERM_STARTS, TERM_ENDS = date(2020, 9, 1), date(2020, 10, 31)
TERM = term_facts(TERM_STARTS, TERM_ENDS)  # what opening's lookup hands the decider
# Instants from before the term to after it (the school's evenings and mornings, near midnight too).
AT = st.builds(
    lambda d, minute: (
        datetime.combine(TERM_STARTS + timedelta(days=d), datetime.min.time(), CHINA) + timedelta(minutes=minute)
    ),
    st.integers(-5, 65),
    st.sampled_from([0, 5, 8 * 60, 23 * 60 + 59]),
)
CODES = ["taste", "hygiene", "variety"]


def round_half_up(value: Fraction) -> int:
    return int(value + Fraction(1, 2))


def honest_survey(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    cmd = rc.command
    (event,) = events
    for code, tally in after.tallies.items():
        assert code in after.questions and sum(tally) <= after.respondents, "more answers than respondents"
    if isinstance(event, SurveyOpened):
        assert not before.opened and TERM_STARTS <= local_day(rc.at) <= TERM_ENDS, "opened outside its term"
        assert event.survey_id == rc.entity_id and event.opened_by == rc.actor
        assert after.questions == tuple(q.code for q in cmd.questions) and after.respondents == 0
        return
    assert before.opened and not before.closed, "counted or closed when not open"
    if isinstance(event, SurveyAnswersCounted):
        assert after.respondents == before.respondents + cmd.respondents
        lines = {line.code: line for line in cmd.counts}
        for code in set(after.tallies) | set(before.tallies):
            old = before.tallies.get(code, (0, 0, 0))
            line = lines.get(code)
            added = (line.satisfied, line.neutral, line.dissatisfied) if line else (0, 0, 0)
            assert after.tallies[code] == tuple(o + a for o, a in zip(old, added, strict=True)), "a count lost"
    if isinstance(event, SurveyClosed):
        assert before.respondents > 0 and event.respondents == before.respondents and after.closed
        answers = sum(sum(t) for t in before.tallies.values())
        satisfied = sum(t[0] for t in before.tallies.values())
        expected = round_half_up(Fraction(1000 * satisfied, answers)) if answers else 0
        assert event.satisfaction_permille == expected and 0 <= expected <= 1000


def survey_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    if isinstance(cmd, OpenSurvey):
        return not state.opened and TERM_STARTS <= local_day(rc.at) <= TERM_ENDS
    if not state.opened or state.closed:
        return False
    if isinstance(cmd, CountSurveyAnswers):
        return all(line.code in state.questions for line in cmd.counts)
    return bool(state.respondents > 0)


OPEN = step(
    st.builds(
        OpenSurvey,
        school_id=st.just("xuexiao"),
        term_id=st.just("2020-2021-1"),
        audience=st.just(Audience.PARENTS),
        title=st.just("食堂满意度调查（家长）"),
        questions=st.lists(
            st.sampled_from(CODES[:2]).map(lambda c: SurveyQuestionLine(code=c, text=f"{c}是否满意")),
            min_size=1,
            unique_by=lambda q: q.code,
        ),
        at=st.none() | AT,
    ),
    TERM,
)


@st.composite
def batches(draw: st.DrawFn) -> CountSurveyAnswers:
    respondents = draw(st.integers(1, 40))
    lines = []
    for code in draw(st.lists(st.sampled_from(CODES), min_size=1, unique=True)):
        satisfied = draw(st.integers(0, respondents))
        neutral = draw(st.integers(0, respondents - satisfied))
        dissatisfied = draw(st.integers(0, respondents - satisfied - neutral))
        lines.append(SurveyCountLine(code=code, satisfied=satisfied, neutral=neutral, dissatisfied=dissatisfied))
    return CountSurveyAnswers(respondents=respondents, counts=lines, at=draw(st.none() | AT))


SURVEY = machine(
    "SurveyMachine",
    Survey,
    CANTEEN_EVENTS,
    survey_id("xuexiao", "2020-2021-1", "parents"),
    st.one_of(
        step(batches()),
        step(st.builds(CloseSurvey, summary=st.just("总体满意"), at=st.none() | AT)),
        OPEN,
    ),
    ["zhou", "gu"],
    check=honest_survey,
    tenant=SCHOOL,
    create=OPEN,
    on_refusal=refused_only_when(survey_allowed),
)


MACHINES = [SURVEY]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
