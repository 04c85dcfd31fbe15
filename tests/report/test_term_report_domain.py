"""The term report, given / when / then: drafted by rules, edited by the office, issued in
versions; a redraft keeps the office's work."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from services.campus.term_report import InjuryFigures, KeyFigures
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import InvalidInput
from services.report.events import EditAction, Origin, ReportDrafted, ReportIssued, ReportParagraphEdited
from services.report.narrative import draft
from services.report.term_report import (
    AddReportParagraph,
    DraftReport,
    EditReportParagraph,
    IssueReport,
    RemoveReportParagraph,
    TermReport,
    as_issued,
    report_id_of,
)
from tests.deciders import Stream
from tests.report.seed_figures import SCOPE, SEED_FIGURES

SCHOOL = TenantPath(district_id="xinbei", school_id="xuexiao")
JAN_29 = datetime(2021, 1, 29, 2, 0, tzinfo=UTC)
REPORT_ID = "xuexiao-2020-2021-1"
report = Stream(TermReport, SCHOOL, REPORT_ID, actor="zhou", at=JAN_29)
DRAFT = DraftReport(school_id="xuexiao", term_id="2020-2021-1", school_name="薛家实验小学", figures=SEED_FIGURES)


def drafted() -> ReportDrafted:
    (event,) = report.when(DRAFT)
    assert isinstance(event, ReportDrafted)
    return event


def text_of(state: Any) -> str:
    return "\n".join(p.text for s in state.sections for p in s.paragraphs if p.origin != Origin.REMOVED)


def test_a_draft_holds_the_figures_and_the_seed_s_shape() -> None:
    event = drafted()
    assert event.draft == 1 and event.report_id == REPORT_ID and event.whole_school
    assert event.title == "薛家实验小学后勤工作总结" and event.subtitle == "——2020-2021 第一学期后勤条线总结"
    assert [s.key for s in event.sections] == [
        "goals",
        "achievements",
        "safety",
        "service",
        "resources",
        "team",
        "closing",
    ]
    assert event.figures["safety"]["injuries"]["total"] == 4
    text = text_of(event)
    assert "发生了4起学生受伤事故，1起发生在体育课" in text
    assert "仍有2把钥匙未归还" in text
    assert "尚有12件未登记" in text
    assert "常州市园林式单位" in text


def test_rules_write_a_problem_only_where_the_figures_show_one() -> None:
    calm = SEED_FIGURES.model_copy(
        update={
            "safety": SEED_FIGURES.safety.model_copy(update={"injuries": InjuryFigures()}),
            "inventory": SEED_FIGURES.inventory.model_copy(update={"keys": KeyFigures(issued=3, returned=3)}),
        }
    )
    ids = {p.paragraph_id for s in draft(calm).sections for p in s.paragraphs}
    assert "safety.problems.injuries" not in ids
    text = "".join(p.text for s in draft(calm).sections for p in s.paragraphs)
    assert "钥匙未归还" not in text and "未登记" in text


def test_the_office_edits_adds_and_removes_paragraphs() -> None:
    first = drafted()
    (edit,) = report.when(EditReportParagraph(paragraph_id="safety.hazards", text="隐患整改到位。"), given=[first])
    assert isinstance(edit, ReportParagraphEdited) and edit.action == EditAction.REPLACED
    (add,) = report.when(
        AddReportParagraph(section_key="team", after_paragraph_id="team.activities", text="精心策划期末级组团队展示。"),
        given=[first],
    )
    assert isinstance(add, ReportParagraphEdited) and add.paragraph_id == "office-1"
    (remove,) = report.when(RemoveReportParagraph(paragraph_id="safety.outreach"), given=[first])
    state = report.given(first, edit, add, remove)
    text = text_of(state)
    assert "隐患整改到位。" in text and "精心策划期末级组团队展示。" in text
    assert "告家长书" not in text
    team = next(s for s in state.sections if s.key == "team")
    assert [p.paragraph_id for p in team.paragraphs] == ["team.activities", "office-1"]


def test_a_redraft_rewrites_the_rules_paragraphs_and_keeps_the_office_s() -> None:
    first = drafted()
    edit = report.when(EditReportParagraph(paragraph_id="safety.hazards", text="隐患整改到位。"), given=[first])[0]
    add = report.when(AddReportParagraph(section_key="goals", text="补充目标。"), given=[first])[0]
    remove = report.when(RemoveReportParagraph(paragraph_id="safety.outreach"), given=[first, edit, add])[0]
    fewer_keys = SEED_FIGURES.model_copy(
        update={
            "inventory": SEED_FIGURES.inventory.model_copy(
                update={"keys": KeyFigures(issued=10, returned=9, outstanding=1)}
            )
        }
    )
    (second,) = report.when(DRAFT.model_copy(update={"figures": fewer_keys}), given=[first, edit, add, remove])
    assert isinstance(second, ReportDrafted) and second.draft == 2
    state = report.given(first, edit, add, remove, second)
    text = text_of(state)
    assert "仍有1把钥匙未归还" in text and "仍有2把" not in text
    assert "隐患整改到位。" in text and "告家长书" not in text
    assert state.sections[0].paragraphs[0].text == "补充目标。"


def test_issuing_freezes_a_version_and_refuses_an_unchanged_reissue() -> None:
    first = drafted()
    (issued,) = report.when(IssueReport(note="期末定稿"), given=[first])
    assert isinstance(issued, ReportIssued) and issued.version == 1
    report.refused(IssueReport(), given=[first, issued], match="nothing changed since version 1")
    edit = report.when(EditReportParagraph(paragraph_id="closing", text="新学期再出发。"), given=[first, issued])[0]
    (again,) = report.when(IssueReport(), given=[first, issued, edit])
    assert isinstance(again, ReportIssued) and again.version == 2 and again.digest != issued.digest
    v1 = as_issued([first, issued, edit, again], 1)
    assert v1 is not None and "新学期再出发。" not in text_of(v1)
    assert as_issued([first, issued], 3) is None


def test_refusals_name_their_field_and_need_a_draft() -> None:
    first = drafted()
    report.refused(IssueReport(), match="no draft yet")
    report.refused(
        EditReportParagraph(paragraph_id="nope", text="x"), given=[first], field="paragraph_id", raises=InvalidInput
    )
    report.refused(
        AddReportParagraph(section_key="canteen", text="x"), given=[first], field="section_key", raises=InvalidInput
    )
    report.refused(
        AddReportParagraph(section_key="team", after_paragraph_id="nope", text="x"),
        given=[first],
        field="after_paragraph_id",
        raises=InvalidInput,
    )
    same = next(p for s in first.sections for p in s.paragraphs if p.paragraph_id == "closing").text
    report.refused(EditReportParagraph(paragraph_id="closing", text=same), given=[first], field="text")
    other_term = DRAFT.model_copy(update={"term_id": "2021-2022-1"})
    report.refused(other_term, field="figures.scope", raises=InvalidInput)
    with pytest.raises(ValidationError):
        EditReportParagraph(paragraph_id="closing", text="长" * 4001)


def test_a_partial_reader_s_report_has_its_own_id() -> None:
    assert report_id_of(SCOPE) == REPORT_ID
    campus = SCOPE.model_copy(update={"campus_ids": ("aoyuan",), "whole_school": False})
    assert report_id_of(campus) == "xuexiao-2020-2021-1-aoyuan"
