"""Proposals from other services, given / when / then: received once, then confirmed into the
worker's appraisal of the month or dismissed, never both, never before what they are about."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from services.eventkit.acts import OutOfOrder
from services.eventkit.envelope import TenantPath, new_envelope
from services.hr_eval.events import ItemSource, ProposalConfirmed, ProposalDismissed, ProposalReceived
from services.hr_eval.proposals import (
    ConfirmProposal,
    DismissProposal,
    Proposal,
    ProposalStatus,
    ReceiveProposal,
    month_of_act,
    proposal_id_of_award,
    proposal_id_of_event,
)
from services.hr_eval.reactions import PROPOSING_EVENTS, ProposalsFromServices, proposal_of
from services.safety.events import AppraisalItemProposed
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
FOUND = datetime(2020, 10, 15, 7, 40, tzinfo=UTC)  # 15:40 at the school
LATER = datetime(2020, 10, 16, 1, 0, tzinfo=UTC)
EVENT_ID = "8d1c7c9e-59a4-4d0b-9b0c-4f2c3a1b2d3e"


def receive(**changes: object) -> ReceiveProposal:
    fields: dict[str, object] = {
        "from_event_id": EVENT_ID,
        "from_event_type": "safety.AppraisalItemProposed",
        "staff_id": "li-guard",
        "campus_id": "main",
        "occurred_at": FOUND,
        "source": ItemSource.PATROL,
        "source_ref": "patrol-1015",
        "rule_code": "D-3",
        "place": "本部 大门",
        "note": "来访人员未登记",
        "raised_by": "zhou",
    }
    return ReceiveProposal(**(fields | changes))  # type: ignore[arg-type]


RECEIVED = ProposalReceived(
    proposal_id=EVENT_ID,
    from_event_id=EVENT_ID,
    from_event_type="safety.AppraisalItemProposed",
    staff_id="li-guard",
    campus_id="main",
    month="2020-10",
    occurred_at=FOUND,
    source=ItemSource.PATROL,
    source_ref="patrol-1015",
    rule_code="D-3",
    place="本部 大门",
    note="来访人员未登记",
    raised_by="zhou",
)

proposal = Stream(Proposal, MAIN, EVENT_ID, actor="zhou", at=LATER)


def test_a_proposal_is_received_for_the_month_it_happened_in() -> None:
    assert proposal.when(receive(), at=FOUND, actor="houqin-hr-eval") == [RECEIVED]
    state = proposal.given(RECEIVED)
    assert state.status is ProposalStatus.RECEIVED and state.appraisal_id == "li-guard-2020-10"


@pytest.mark.parametrize(
    ("at", "month"),
    [
        (datetime(2020, 10, 31, 15, 59, tzinfo=UTC), "2020-10"),  # 23:59 on 31 October at the school
        (datetime(2020, 10, 31, 16, 0, tzinfo=UTC), "2020-11"),  # already 1 November at the school
    ],
)
def test_the_month_is_the_school_day_s_month(at: datetime, month: str) -> None:
    assert month_of_act(at) == month
    (received,) = proposal.when(receive(occurred_at=at), at=at)
    assert isinstance(received, ProposalReceived) and received.month == month


def test_the_same_proposal_is_never_received_twice() -> None:
    proposal.refused(receive(), given=[RECEIVED], at=FOUND, match="already received")


def test_one_event_makes_one_proposal_id_and_an_award_one_per_worker() -> None:
    assert proposal_id_of_event(EVENT_ID) == proposal_id_of_event(EVENT_ID.upper()) == EVENT_ID
    assert proposal_id_of_award("skip-2020", "li-guard") == proposal_id_of_award("skip-2020", "li-guard")
    assert proposal_id_of_award("skip-2020", "li-guard") != proposal_id_of_award("skip-2020", "chen-clean")
    assert proposal_id_of_award("skip-2020", "li-guard") != proposal_id_of_award("skip-2021", "li-guard")


def test_confirmed_under_the_rule_it_suggests_into_the_worker_s_appraisal_of_its_month() -> None:
    assert proposal.when(ConfirmProposal(item_id="gate-1015"), given=[RECEIVED]) == [
        ProposalConfirmed(
            proposal_id=EVENT_ID,
            appraisal_id="li-guard-2020-10",
            item_id="gate-1015",
            rule_code="D-3",
            confirmed_by="zhou",
            confirmed_at=LATER,
        )
    ]
    assert proposal.given(RECEIVED, *proposal.when(ConfirmProposal(item_id="x1"), given=[RECEIVED])).status is (
        ProposalStatus.CONFIRMED
    )


def test_confirmed_under_another_rule_the_appraiser_names() -> None:
    (confirmed,) = proposal.when(ConfirmProposal(item_id="gate-1015", rule_code="D-4"), given=[RECEIVED])
    assert isinstance(confirmed, ProposalConfirmed) and confirmed.rule_code == "D-4"


def test_a_proposal_that_suggests_no_rule_is_confirmed_only_under_one_named() -> None:
    without = RECEIVED.model_copy(update={"rule_code": ""})
    proposal.refused(ConfirmProposal(item_id="gate-1015"), given=[without], field="rule_code")
    (confirmed,) = proposal.when(ConfirmProposal(item_id="gate-1015", rule_code="R-2"), given=[without])
    assert isinstance(confirmed, ProposalConfirmed) and confirmed.rule_code == "R-2"


def test_dismissed_with_its_reason() -> None:
    assert proposal.when(DismissProposal(reason="当日由代班人员值守"), given=[RECEIVED]) == [
        ProposalDismissed(proposal_id=EVENT_ID, reason="当日由代班人员值守", dismissed_by="zhou", dismissed_at=LATER)
    ]


def test_confirmed_or_dismissed_once_and_never_both() -> None:
    confirmed = ProposalConfirmed(
        proposal_id=EVENT_ID,
        appraisal_id="li-guard-2020-10",
        item_id="gate-1015",
        rule_code="D-3",
        confirmed_by="zhou",
        confirmed_at=LATER,
    )
    dismissed = ProposalDismissed(proposal_id=EVENT_ID, reason="无关", dismissed_by="zhou", dismissed_at=LATER)
    for done in (confirmed, dismissed):
        proposal.refused(ConfirmProposal(item_id="again"), given=[RECEIVED, done], match="already")
        proposal.refused(DismissProposal(reason="again"), given=[RECEIVED, done], match="already")


def test_nothing_is_decided_of_a_proposal_never_received() -> None:
    proposal.refused(DismissProposal(reason="无关"), match="never received")
    proposal.refused(ConfirmProposal(item_id="x1"), match="never received")


def test_neither_confirmed_nor_dismissed_before_what_it_is_about() -> None:
    before = datetime(2020, 10, 15, 7, 0, tzinfo=UTC)
    for command in (ConfirmProposal(item_id="x1", at=before), DismissProposal(reason="无关", at=before)):
        proposal.refused(command, given=[RECEIVED], raises=OutOfOrder, field="at")


def test_the_reaction_reads_the_contract_of_any_proposing_event_and_no_more() -> None:
    assert ProposalsFromServices.event_types == frozenset(PROPOSING_EVENTS)
    assert "safety.AppraisalItemProposed" in PROPOSING_EVENTS
    raised = AppraisalItemProposed(
        staff_id="li-guard",
        campus_id="main",
        occurred_at=FOUND,
        source=ItemSource.PATROL,
        source_ref="patrol-1015",
        rule_code="D-3",
        place="本部 大门",
    )
    envelope = new_envelope(raised, stream_id="inspection-patrol-1015", version=2, tenant=MAIN, event_id=uuid4())
    # a field the raising service adds later is not read
    newer = envelope.model_copy(update={"data": envelope.data | {"shift": "早班"}})
    read = proposal_of(newer)
    assert read.staff_id == "li-guard" and read.rule_code == "D-3" and read.occurred_at == FOUND
    assert read.model_dump() == raised.model_dump()
