"""What the staff appraisal's reads answer: the OpenAPI of each read route names its model here
(the columns of the queries beside it, with their types and which may be null)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from services.eventkit.queries import Row

# -- proposals -------------------------------------------------------------------------------


class ProposalRow(Row):
    """An item another service (or an award) proposed for a worker's appraisal, and what an
    appraiser made of it: confirmed into the appraisal as an item, or dismissed with a reason."""

    proposal_id: str
    district_id: str | None
    school_id: str | None
    campus_id: str
    staff_id: str = Field(description="The worker the proposal is for")
    month: str = Field(description="The month appraised, YYYY-MM", examples=["2020-10"])
    state: str = Field(description="received, confirmed or dismissed")
    from_event_type: str = Field(description="The event that raised it, e.g. safety.AppraisalItemProposed")
    from_event_id: str
    raised_by: str = Field(description="Who raised it in the other service (the inspector, whoever granted the award)")
    occurred_at: datetime = Field(description="When what it is about happened")
    source: str = Field(description="patrol, inspection, canteen_audit, complaint, contest or other")
    source_ref: str = Field(description="The inspection, audit, complaint or award it comes from")
    rule_code: str = Field(description="The rule the other service suggests (empty: none)")
    place: str
    note: str
    evidence_refs: list[str]
    appraisal_id: str | None = Field(description="Confirmed: the appraisal it became an item of")
    item_id: str | None = Field(description="Confirmed: the item's id in that appraisal")
    confirmed_rule_code: str | None = Field(description="Confirmed: the rule it was confirmed under")
    confirmed_by: str | None
    confirmed_at: datetime | None
    dismissed_reason: str | None
    dismissed_by: str | None
    dismissed_at: datetime | None
