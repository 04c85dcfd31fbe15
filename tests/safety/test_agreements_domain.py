"""Responsibility agreements: given events, when a command, then events or a refusal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from services.eventkit.acts import OutOfOrder
from services.eventkit.envelope import TenantPath
from services.safety.agreements import (
    AgreementCampaign,
    CampaignState,
    IssueAgreements,
    IssueAgreementsTo,
    LaunchCampaign,
    RefuseAgreement,
    SignAgreement,
)
from services.safety.common import term_facts
from services.safety.events import (
    AgreementCampaignLaunched,
    AgreementRefused,
    AgreementSigned,
    AgreementsIssued,
    IssuedAgreement,
    PartyKind,
)
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
AT = datetime(2020, 9, 2, 8, 0, tzinfo=UTC)
STAFF, PARENT = PartyKind.STAFF, PartyKind.PARENT

LAUNCHED = AgreementCampaignLaunched(
    campaign_id="term1",
    campus_id="main",
    term_id="2020-2021-1",
    title="安全责任书",
    document_ref="docs/agreement.pdf",
    parties=[STAFF, PARENT],
)
HUANG = IssuedAgreement(party_kind=STAFF, party_id="huang", name="黄金萍")
SUN = IssuedAgreement(party_kind=STAFF, party_id="sun", name="孙老师")
YAO_MUM = IssuedAgreement(party_kind=PARENT, party_id="yao-mum", name="姚妈妈", class_id="g6-1")
ISSUED = AgreementsIssued(campaign_id="term1", agreements=[HUANG, YAO_MUM], issued_at=AT)
TERM = term_facts("2020-2021-1", date(2020, 9, 1), date(2021, 1, 31))


campaign = Stream(AgreementCampaign, MAIN, "term1", actor="zhou", at=AT, facts=TERM)


def launch(**overrides: object) -> LaunchCampaign:
    body: dict[str, object] = {
        "campaign_id": "term1",
        "campus_id": "main",
        "term_id": "2020-2021-1",
        "title": "安全责任书",
        "document_ref": "docs/agreement.pdf",
        "parties": ["staff", "parent"],
    }
    return LaunchCampaign.model_validate(body | overrides)


# -- launch ------------------------------------------------------------------------------


def test_a_campaign_is_launched() -> None:
    assert campaign.when(launch()) == [LAUNCHED]


def test_a_campaign_is_launched_once() -> None:
    campaign.refused(launch(), given=[LAUNCHED], field="campaign_id")


def test_a_campaign_is_for_at_least_one_kind_of_party_each_once() -> None:
    with pytest.raises(ValidationError):
        launch(parties=[])
    with pytest.raises(ValidationError):
        launch(parties=["staff", "staff"])
    with pytest.raises(ValidationError):
        launch(parties=["pupils"])


# -- issue -------------------------------------------------------------------------------


def test_agreements_are_issued_to_the_parties_listed() -> None:
    events = campaign.when(IssueAgreementsTo(candidates=[HUANG, YAO_MUM]), given=[LAUNCHED])
    assert events == [ISSUED]


def test_issuing_again_issues_only_to_parties_without_one() -> None:
    events = campaign.when(IssueAgreementsTo(candidates=[HUANG, SUN, YAO_MUM]), given=[LAUNCHED, ISSUED])
    assert events == [AgreementsIssued(campaign_id="term1", agreements=[SUN], issued_at=AT)]


def test_issuing_with_nothing_new_is_refused() -> None:
    campaign.refused(IssueAgreementsTo(candidates=[HUANG, YAO_MUM]), given=[LAUNCHED, ISSUED])


def test_issuing_can_be_limited_to_a_kind_of_party() -> None:
    events = campaign.when(IssueAgreementsTo(parties=[PARENT], candidates=[HUANG, YAO_MUM]), given=[LAUNCHED])
    assert events == [AgreementsIssued(campaign_id="term1", agreements=[YAO_MUM], issued_at=AT)]


def test_only_the_kinds_of_the_campaign_are_issued() -> None:
    staff_only = LAUNCHED.model_copy(update={"parties": [STAFF]})
    events = campaign.when(IssueAgreementsTo(candidates=[HUANG, YAO_MUM]), given=[staff_only])
    assert events == [AgreementsIssued(campaign_id="term1", agreements=[HUANG], issued_at=AT)]
    campaign.refused(IssueAgreementsTo(parties=[PARENT], candidates=[YAO_MUM]), given=[staff_only], field="parties")


def test_a_party_listed_twice_is_issued_once() -> None:
    events = campaign.when(IssueAgreementsTo(candidates=[HUANG, HUANG]), given=[LAUNCHED])
    assert events == [AgreementsIssued(campaign_id="term1", agreements=[HUANG], issued_at=AT)]


def test_nothing_is_issued_before_the_launch() -> None:
    campaign.refused(IssueAgreementsTo(candidates=[HUANG]))


def test_the_issue_filter_lists_each_kind_once() -> None:
    with pytest.raises(ValidationError):
        IssueAgreements(parties=[STAFF, STAFF])


# -- sign and refuse ---------------------------------------------------------------------


def test_a_party_signs_their_own() -> None:
    events = campaign.when(SignAgreement(party_id="yao-mum"), given=[LAUNCHED, ISSUED], actor="yao-mum")
    assert events == [
        AgreementSigned(campaign_id="term1", party_id="yao-mum", signed_by="yao-mum", signed_at=AT, on_paper=False)
    ]


def test_a_manager_records_a_paper_signature() -> None:
    events = campaign.when(SignAgreement(party_id="yao-mum", on_paper=True), given=[LAUNCHED, ISSUED], actor="zhou")
    assert events == [
        AgreementSigned(campaign_id="term1", party_id="yao-mum", signed_by="zhou", signed_at=AT, on_paper=True)
    ]


def test_signing_for_someone_else_online_is_refused() -> None:
    campaign.refused(SignAgreement(party_id="yao-mum"), given=[LAUNCHED, ISSUED], actor="zhou", field="on_paper")


def test_signing_twice_is_refused() -> None:
    signed = AgreementSigned(campaign_id="term1", party_id="huang", signed_by="huang", signed_at=AT)
    campaign.refused(SignAgreement(party_id="huang"), given=[LAUNCHED, ISSUED, signed], actor="huang", field="party_id")


def test_signing_an_agreement_never_issued_is_refused() -> None:
    campaign.refused(SignAgreement(party_id="sun"), given=[LAUNCHED, ISSUED], actor="sun", field="party_id")
    campaign.refused(SignAgreement(party_id="huang"), given=[LAUNCHED], actor="huang")


def test_a_party_refuses_saying_why() -> None:
    events = campaign.when(
        RefuseAgreement(party_id="yao-mum", reason="有异议"), given=[LAUNCHED, ISSUED], actor="yao-mum"
    )
    assert events == [AgreementRefused(campaign_id="term1", party_id="yao-mum", reason="有异议")]
    with pytest.raises(ValidationError):
        RefuseAgreement(party_id="yao-mum", reason=" ")


def test_refusing_twice_is_refused() -> None:
    no = AgreementRefused(campaign_id="term1", party_id="yao-mum", reason="有异议")
    campaign.refused(
        RefuseAgreement(party_id="yao-mum", reason="还是不同意"), given=[LAUNCHED, ISSUED, no], actor="yao-mum"
    )


def test_a_party_who_refused_may_still_sign() -> None:
    no = AgreementRefused(campaign_id="term1", party_id="yao-mum", reason="有异议")
    events = campaign.when(SignAgreement(party_id="yao-mum"), given=[LAUNCHED, ISSUED, no], actor="yao-mum")
    assert [type(e) for e in events] == [AgreementSigned]


def test_a_signed_agreement_cannot_be_refused() -> None:
    signed = AgreementSigned(campaign_id="term1", party_id="huang", signed_by="huang", signed_at=AT)
    campaign.refused(
        RefuseAgreement(party_id="huang", reason="改主意了"), given=[LAUNCHED, ISSUED, signed], actor="huang"
    )


def test_refusing_an_agreement_never_issued_is_refused() -> None:
    campaign.refused(RefuseAgreement(party_id="ma-dad", reason="不是本校区"), given=[LAUNCHED, ISSUED], actor="ma-dad")


# -- state -------------------------------------------------------------------------------


def test_campaign_state_and_stream() -> None:
    no = AgreementRefused(campaign_id="term1", party_id="yao-mum", reason="有异议")
    signed = AgreementSigned(campaign_id="term1", party_id="yao-mum", signed_by="yao-mum", signed_at=AT)
    state = campaign.given(LAUNCHED, ISSUED, no, signed)
    assert state == CampaignState(
        launched=True,
        campus_id="main",
        term_id="2020-2021-1",
        parties=(STAFF, PARENT),
        issued=frozenset({"huang", "yao-mum"}),
        signed=frozenset({"yao-mum"}),
        refused=frozenset(),
        issued_at={"huang": AT, "yao-mum": AT},
    )
    assert AgreementCampaign.stream_id("term1") == "agreement-campaign-term1"


# -- the time of each act ----------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        SignAgreement(party_id="yao-mum", at=AT - timedelta(minutes=1)),
        RefuseAgreement(party_id="yao-mum", reason="有异议", at=AT - timedelta(days=1)),
    ],
)
def test_no_party_answers_before_their_agreement_was_issued(command: SignAgreement | RefuseAgreement) -> None:
    refusal = campaign.refused(command, given=[LAUNCHED, ISSUED], actor="yao-mum", field="at", raises=OutOfOrder)
    assert isinstance(refusal, OutOfOrder) and refusal.step == "issued" and refusal.step_time == AT


def test_a_signature_is_dated_by_its_own_time() -> None:
    evening = AT + timedelta(hours=9)
    (signed,) = campaign.when(
        SignAgreement(party_id="yao-mum", at=evening),
        given=[LAUNCHED, ISSUED],
        actor="yao-mum",
        at=evening + timedelta(days=3),
    )
    assert isinstance(signed, AgreementSigned) and signed.signed_at == evening


@pytest.mark.parametrize(
    ("command", "given", "at", "step"),
    [
        (launch(), [], datetime(2020, 8, 25, 9, 0, tzinfo=UTC), "term began"),
        (IssueAgreementsTo(candidates=[HUANG]), [LAUNCHED], datetime(2021, 2, 3, 9, 0, tzinfo=UTC), "term ended"),
        (SignAgreement(party_id="yao-mum"), [LAUNCHED, ISSUED], datetime(2021, 2, 3, 9, 0, tzinfo=UTC), "term ended"),
    ],
)
def test_every_act_of_a_campaign_falls_in_its_term(
    command: object, given: list[AgreementCampaignLaunched | AgreementsIssued], at: datetime, step: str
) -> None:
    refusal = campaign.refused(command, given=given, actor="yao-mum", at=at, field="at", raises=OutOfOrder)
    assert isinstance(refusal, OutOfOrder) and refusal.step == step


def test_a_calendar_without_terms_has_no_day_for_a_campaign() -> None:
    refusal = campaign.refused(launch(), facts={}, field="at", raises=OutOfOrder)
    assert "no term" in refusal.reason
