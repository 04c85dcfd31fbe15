"""Property tests of the term report's decider: drafts count on one by one and keep the office's
work; an edit changes exactly its paragraph; versions count on one by one, and issuing is refused
only when nothing changed since the last version; a removed paragraph stays out of every draft.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from services.campus.term_report import InjuryFigures, KeyFigures
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent, TenantPath
from services.eventkit.errors import InvalidInput, Rejected
from services.report.events import REPORT_EVENTS, EditAction, Origin, ReportDrafted, ReportIssued, ReportParagraphEdited
from services.report.term_report import (
    AddReportParagraph,
    DraftReport,
    EditReportParagraph,
    IssueReport,
    RemoveReportParagraph,
    TermReport,
)
from tests.properties import QUIET, DeciderMachine, machine, machine_ids, run_machine, step
from tests.report.seed_figures import SEED_FIGURES

pytestmark = QUIET

SCHOOL = TenantPath(district_id="xinbei", school_id="xuexiao")
PARAGRAPHS = [
    "closing",
    "safety.hazards",
    "resources.problems",
    "safety.problems.injuries",
    "team.activities",
    "office-1",
]
TEXTS = ["新学期再出发。", "隐患整改到位。", "钥匙全部收回。"]
FIGURES = [
    SEED_FIGURES,
    SEED_FIGURES.model_copy(update={"safety": SEED_FIGURES.safety.model_copy(update={"injuries": InjuryFigures()})}),
    SEED_FIGURES.model_copy(
        update={"inventory": SEED_FIGURES.inventory.model_copy(update={"keys": KeyFigures(issued=3, returned=3)})}
    ),
]


def _paragraphs(state: Any) -> dict[str, Any]:
    return {p.paragraph_id: p for s in state.sections for p in s.paragraphs}


def report_rules_hold(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    if isinstance(event, ReportDrafted):
        assert event.draft == before.drafts + 1
        kept = {k: p for k, p in _paragraphs(before).items() if p.origin != Origin.DRAFTED}
        now = _paragraphs(after)
        assert all(now.get(k) == p for k, p in kept.items()), "a redraft lost the office's work"
    elif isinstance(event, ReportParagraphEdited):
        old, new = _paragraphs(before), _paragraphs(after)
        changed = {k for k in new.keys() | old.keys() if old.get(k) != new.get(k)}
        assert changed == {event.paragraph_id}
        if event.action == EditAction.REPLACED:
            assert new[event.paragraph_id].text == event.text
        elif event.action == EditAction.REMOVED:
            assert new[event.paragraph_id].origin == Origin.REMOVED
    elif isinstance(event, ReportIssued):
        assert event.version == len(before.issued) + 1 and event.digest == before.digest
        assert not after.changed_since_issue


def refused_only_by_the_rules(rc: Resolved[Any], state: Any, refusal: Any) -> None:
    cmd = rc.command
    if isinstance(cmd, DraftReport):
        raise AssertionError(f"a draft of the right school and term was refused: {refusal}")
    if not state.exists:
        return
    if isinstance(cmd, IssueReport):
        assert not state.changed_since_issue, refusal
    elif isinstance(cmd, AddReportParagraph):
        section = next(s for s in state.sections if s.key == cmd.section_key)
        assert cmd.after_paragraph_id not in {p.paragraph_id for p in section.paragraphs}, refusal
    else:
        paragraph = _paragraphs(state).get(cmd.paragraph_id)
        text = getattr(cmd, "text", None)
        assert paragraph is None or paragraph.origin == Origin.REMOVED or paragraph.text == text, refusal


DRAFT = st.sampled_from(FIGURES).map(
    lambda f: DraftReport(school_id="xuexiao", term_id="2020-2021-1", school_name="薛家实验小学", figures=f)
)
STEPS = step(
    st.one_of(
        DRAFT,
        st.builds(EditReportParagraph, paragraph_id=st.sampled_from(PARAGRAPHS), text=st.sampled_from(TEXTS)),
        st.builds(
            AddReportParagraph,
            section_key=st.sampled_from(["team", "resources"]),
            after_paragraph_id=st.sampled_from([None, "team.activities", "resources.stock"]),
            text=st.sampled_from(TEXTS),
        ),
        st.builds(RemoveReportParagraph, paragraph_id=st.sampled_from(PARAGRAPHS)),
        st.builds(IssueReport),
    )
)
TERM_REPORT = machine(
    "TermReportMachine",
    TermReport,
    REPORT_EVENTS,
    "xuexiao-2020-2021-1",
    STEPS,
    ["zhou", "gu"],
    check=report_rules_hold,
    tenant=SCHOOL,
    create=step(DRAFT),
    refusals=(Rejected, InvalidInput),
    on_refusal=refused_only_by_the_rules,
)
MACHINES: list[type[DeciderMachine]] = [TERM_REPORT]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_the_term_report_s_rules_hold_for_any_commands(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
