"""The term report's events: the contract published on ``houqin.report.events``.

A report is one school's term, or the part of it one reader covers (a campus). It is drafted
from the figures the services gave (kept in the draft, so that the report is reproducible),
edited paragraph by paragraph by the office, and issued in numbered versions: version ``n``
is the report as the events up to its ``ReportIssued`` left it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from services.eventkit.envelope import DomainEvent, EventRegistry, Value

REPORT_EVENTS = EventRegistry()
event = REPORT_EVENTS.register


class Origin(StrEnum):
    """Where a paragraph's text comes from."""

    DRAFTED = "drafted"  # written by the rules from the figures; a new draft rewrites it
    EDITED = "edited"  # a drafted paragraph the office rewrote: a new draft keeps it
    ADDED = "added"  # written by the office
    REMOVED = "removed"  # taken out by the office: a new draft keeps it out


class EditAction(StrEnum):
    REPLACED = "replaced"
    ADDED = "added"
    REMOVED = "removed"


class Paragraph(Value):
    paragraph_id: str
    text: str
    origin: Origin = Origin.DRAFTED


class Section(Value):
    """A part of the report in the seed's shape: its key (``goals``, ``safety``...), its
    heading, and its paragraphs in order."""

    key: str
    heading: str
    paragraphs: list[Paragraph] = Field(default_factory=list)


@event("report.ReportDrafted")
class ReportDrafted(DomainEvent):
    """The rules drafted (or redrafted) the report from the services' figures."""

    report_id: str
    school_id: str
    term_id: str
    campus_ids: list[str]
    whole_school: bool
    draft: int = Field(description="1 for the first draft, then one more for each redraft")
    figures: dict[str, Any] = Field(description="The figures it was drafted from (services.campus.term_report)")
    title: str
    subtitle: str
    sections: list[Section]
    drafted_by: str
    drafted_at: datetime


@event("report.ReportParagraphEdited")
class ReportParagraphEdited(DomainEvent):
    """The office replaced, added or removed one paragraph."""

    report_id: str
    action: EditAction
    section_key: str
    paragraph_id: str
    text: str = ""
    after_paragraph_id: str | None = Field(None, description="An added paragraph follows this one (none: first)")
    reason: str = ""
    edited_by: str
    edited_at: datetime


@event("report.ReportIssued")
class ReportIssued(DomainEvent):
    """The report as it stands is issued as ``version``; its digest is of its title and text."""

    report_id: str
    version: int
    digest: str
    issued_by: str
    issued_at: datetime
    note: str = ""
