"""The term report: drafted from the figures, edited by the office, issued in versions.

One stream per report: a school's term (``<school>-<term>``), or the campuses one reader
covers (``<school>-<term>-<campus>``). A redraft rewrites the paragraphs the rules wrote
and keeps what the office did (a rewritten paragraph, one added, one removed), so that new
figures never cost the office its edits. Issuing freezes the report as it stands as the
next version; issuing twice without a change between is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from pydantic import Field

from services.campus.term_report import TermFigures, TermScope
from services.eventkit.bounds import NO_NUL, EntityId, Name, ShortText
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import InvalidInput, Rejected
from services.report.events import (
    EditAction,
    Origin,
    Paragraph,
    ReportDrafted,
    ReportIssued,
    ReportParagraphEdited,
    Section,
)
from services.report.narrative import draft

ParagraphText = Field(min_length=1, max_length=4000, pattern=NO_NUL, description="The paragraph's text")
ParagraphId = Field(
    min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9._-]*$", description="The paragraph (its id in the report)"
)


def report_id_of(scope: TermScope) -> str:
    """``<school>-<term>``, or with the campuses a partial reader covers."""
    base = f"{scope.school_id}-{scope.term_id}"
    if scope.whole_school:
        return base
    suffix = "-".join(scope.campus_ids)
    full = f"{base}-{suffix}"
    if len(full) <= 63:
        return full
    return f"{base}-c{hashlib.sha256(suffix.encode()).hexdigest()[:10]}"[:63]


# -- commands ---------------------------------------------------------------------------------


class DraftReport(Command):
    """Draft (or redraft) the report of a term from the services' figures."""

    model_config = examples(
        {
            "school_id": "xuexiao",
            "term_id": "2020-2021-1",
            "school_name": "薛家实验小学",
            "figures": {
                "scope": {
                    "school_id": "xuexiao",
                    "district_id": "xinbei",
                    "term_id": "2020-2021-1",
                    "term_name": "2020-2021 第一学期",
                    "starts_on": "2020-09-01",
                    "ends_on": "2021-01-31",
                    "campus_ids": ["aoyuan", "main"],
                    "whole_school": True,
                },
                "safety": {"injuries": {"total": 4, "by_setting": [{"label": "pe", "count": 1}]}},
            },
        }
    )

    school_id: EntityId
    term_id: EntityId
    campus_id: EntityId | None = Field(None, description="Only this campus (default: every campus one reads)")
    school_name: Name | None = Field(None, description="The school's name, for the title")
    figures: TermFigures


class EditReportParagraph(Command):
    """Rewrite one paragraph of the draft."""

    model_config = examples({"paragraph_id": "safety.hazards", "text": "本学期……", "reason": "补充说明"})

    paragraph_id: str = ParagraphId
    text: str = ParagraphText
    reason: ShortText = ""


class AddReportParagraph(Command):
    """Add a paragraph of the office's own to a section."""

    model_config = examples({"section_key": "team", "after_paragraph_id": "team.activities", "text": "精心策划……"})

    section_key: str = Field(
        min_length=1, max_length=40, pattern=r"^[a-z]+$", description="The section: goals, safety, service, ..."
    )
    after_paragraph_id: str | None = Field(
        None, min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9._-]*$", description="Omit: first of the section"
    )
    text: str = ParagraphText
    reason: ShortText = ""


class RemoveReportParagraph(Command):
    """Take a paragraph out of the report (a redraft keeps it out)."""

    model_config = examples({"paragraph_id": "safety.outreach", "reason": "与德育处总结重复"})

    paragraph_id: str = ParagraphId
    reason: ShortText = ""


class IssueReport(Command):
    """Issue the report as it stands as its next version."""

    model_config = examples({"note": "期末定稿，报区教育局"})

    note: ShortText = ""


ReportCommand = Resolved[DraftReport | EditReportParagraph | AddReportParagraph | RemoveReportParagraph | IssueReport]


# -- state ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedVersion:
    version: int
    digest: str
    issued_by: str
    issued_at: datetime
    note: str = ""


@dataclass(frozen=True)
class TermReportState:
    report_id: str = ""
    school_id: str = ""
    term_id: str = ""
    campus_ids: tuple[str, ...] = ()
    whole_school: bool = True
    drafts: int = 0
    figures: dict[str, Any] = field(default_factory=dict)
    title: str = ""
    subtitle: str = ""
    sections: tuple[Section, ...] = ()
    edits: int = 0
    added: int = 0  # paragraphs the office added (their ids: office-<n>)
    issued: tuple[IssuedVersion, ...] = ()

    @property
    def exists(self) -> bool:
        return self.drafts > 0

    @property
    def digest(self) -> str:
        return digest_of(self.title, self.subtitle, self.sections)

    @property
    def changed_since_issue(self) -> bool:
        return not self.issued or self.issued[-1].digest != self.digest

    def paragraph(self, paragraph_id: str) -> tuple[Section, Paragraph] | None:
        for section in self.sections:
            for p in section.paragraphs:
                if p.paragraph_id == paragraph_id:
                    return section, p
        return None


def digest_of(title: str, subtitle: str, sections: Sequence[Section]) -> str:
    text = "\n".join(
        [title, subtitle]
        + [
            f"{s.key}|{s.heading}|{p.paragraph_id}|{p.origin}|{p.text}"
            for s in sections
            for p in s.paragraphs
            if p.origin != Origin.REMOVED
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()


# -- decide -----------------------------------------------------------------------------------


def decide(rc: ReportCommand, state: TermReportState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, DraftReport):
        return [_draft(rc, cmd, state)]
    if not state.exists:
        raise Rejected(f"report {rc.entity_id} has no draft yet: draft it first")
    if isinstance(cmd, IssueReport):
        if not state.changed_since_issue:
            raise Rejected(f"nothing changed since version {state.issued[-1].version} was issued")
        return [
            ReportIssued(
                report_id=state.report_id,
                version=len(state.issued) + 1,
                digest=state.digest,
                issued_by=rc.actor,
                issued_at=rc.at,
                note=cmd.note,
            )
        ]
    if isinstance(cmd, AddReportParagraph):
        section = next((s for s in state.sections if s.key == cmd.section_key), None)
        if section is None:
            keys = ", ".join(s.key for s in state.sections)
            raise InvalidInput(f"the report has no section {cmd.section_key} (it has {keys})", field="section_key")
        if cmd.after_paragraph_id is not None and all(
            p.paragraph_id != cmd.after_paragraph_id for p in section.paragraphs
        ):
            raise InvalidInput(
                f"section {cmd.section_key} has no paragraph {cmd.after_paragraph_id}", field="after_paragraph_id"
            )
        return [
            ReportParagraphEdited(
                report_id=state.report_id,
                action=EditAction.ADDED,
                section_key=section.key,
                paragraph_id=f"office-{state.added + 1}",
                text=cmd.text,
                after_paragraph_id=cmd.after_paragraph_id,
                reason=cmd.reason,
                edited_by=rc.actor,
                edited_at=rc.at,
            )
        ]
    found = state.paragraph(cmd.paragraph_id)
    if found is None or found[1].origin == Origin.REMOVED:
        raise InvalidInput(f"the report has no paragraph {cmd.paragraph_id}", field="paragraph_id")
    section, paragraph = found
    if isinstance(cmd, EditReportParagraph):
        if cmd.text == paragraph.text:
            raise Rejected(f"paragraph {cmd.paragraph_id} already says this", field="text")
        action, text = EditAction.REPLACED, cmd.text
    else:
        action, text = EditAction.REMOVED, ""
    return [
        ReportParagraphEdited(
            report_id=state.report_id,
            action=action,
            section_key=section.key,
            paragraph_id=paragraph.paragraph_id,
            text=text,
            reason=cmd.reason,
            edited_by=rc.actor,
            edited_at=rc.at,
        )
    ]


def _draft(rc: ReportCommand, cmd: DraftReport, state: TermReportState) -> ReportDrafted:
    figures = cmd.figures
    scope = figures.scope
    if (scope.school_id, scope.term_id) != (cmd.school_id, cmd.term_id):
        raise InvalidInput("the figures are of another school or term", field="figures.scope")
    drafted = draft(figures, cmd.school_name or "")
    sections = keep_office_work(drafted.sections, state.sections) if state.exists else list(drafted.sections)
    return ReportDrafted(
        report_id=rc.entity_id,
        school_id=scope.school_id,
        term_id=scope.term_id,
        campus_ids=list(scope.campus_ids),
        whole_school=scope.whole_school,
        draft=state.drafts + 1,
        figures=figures.model_dump(mode="json"),
        title=drafted.title,
        subtitle=drafted.subtitle,
        sections=sections,
        drafted_by=rc.actor,
        drafted_at=rc.at,
    )


def keep_office_work(drafted: Sequence[Section], previous: Sequence[Section]) -> list[Section]:
    """The new draft's sections with the office's work of ``previous`` kept: an edited or
    removed paragraph keeps its text (or stays out) where the rules still write it, or stays
    at its place if they no longer do; an added one stays after the paragraph it followed."""
    kept = {p.paragraph_id: p for s in previous for p in s.paragraphs if p.origin != Origin.DRAFTED}
    out: list[Section] = []
    for section in drafted:
        new_ids = {p.paragraph_id for p in section.paragraphs}
        paragraphs = [kept.get(p.paragraph_id, p) for p in section.paragraphs]
        old = next((s for s in previous if s.key == section.key), None)
        if old is not None:  # the office's paragraphs the rules do not write: after their predecessor
            for i, p in enumerate(old.paragraphs):
                if p.origin == Origin.DRAFTED or p.paragraph_id in new_ids:
                    continue
                before = old.paragraphs[i - 1].paragraph_id if i else None
                at = next((j + 1 for j, q in enumerate(paragraphs) if q.paragraph_id == before), 0 if i == 0 else None)
                paragraphs.insert(len(paragraphs) if at is None else at, p)
        out.append(Section(key=section.key, heading=section.heading, paragraphs=paragraphs))
    return out


# -- evolve -----------------------------------------------------------------------------------


def evolve(state: TermReportState, event: DomainEvent) -> TermReportState:
    if isinstance(event, ReportDrafted):
        return replace(
            state,
            report_id=event.report_id,
            school_id=event.school_id,
            term_id=event.term_id,
            campus_ids=tuple(event.campus_ids),
            whole_school=event.whole_school,
            drafts=event.draft,
            figures=event.figures,
            title=event.title,
            subtitle=event.subtitle,
            sections=tuple(event.sections),
        )
    if isinstance(event, ReportParagraphEdited):
        return replace(
            state,
            sections=tuple(_edited(s, event) for s in state.sections),
            edits=state.edits + 1,
            added=state.added + (event.action == EditAction.ADDED),
        )
    if isinstance(event, ReportIssued):
        version = IssuedVersion(event.version, event.digest, event.issued_by, event.issued_at, event.note)
        return replace(state, issued=(*state.issued, version))
    return state


def _edited(section: Section, e: ReportParagraphEdited) -> Section:
    if section.key != e.section_key:
        return section
    paragraphs = list(section.paragraphs)
    if e.action == EditAction.ADDED:
        new = Paragraph(paragraph_id=e.paragraph_id, text=e.text, origin=Origin.ADDED)
        at = next((i + 1 for i, p in enumerate(paragraphs) if p.paragraph_id == e.after_paragraph_id), 0)
        paragraphs.insert(at, new)
    else:
        for i, p in enumerate(paragraphs):
            if p.paragraph_id == e.paragraph_id:
                if e.action == EditAction.REMOVED:
                    paragraphs[i] = p.model_copy(update={"origin": Origin.REMOVED})
                else:
                    origin = Origin.ADDED if p.origin == Origin.ADDED else Origin.EDITED
                    paragraphs[i] = Paragraph(paragraph_id=p.paragraph_id, text=e.text, origin=origin)
    return section.model_copy(update={"paragraphs": paragraphs})


TermReport: Decider[ReportCommand, TermReportState, DomainEvent] = Decider(
    "TermReport", TermReportState(), decide, evolve, "termreport"
)


def as_issued(events: Sequence[DomainEvent], version: int) -> TermReportState | None:
    """The report as version ``version`` was issued: the events up to its ``ReportIssued``."""
    state = TermReport.initial_state
    for e in events:
        state = evolve(state, e)
        if isinstance(e, ReportIssued) and e.version == version:
            return state
    return None
