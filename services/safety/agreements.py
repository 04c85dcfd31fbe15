"""Responsibility agreements (安全责任书): a campaign per campus and term.

A campaign is launched for some kinds of parties (staff, parents), then issued to
each of them: the handler lists who they are from the directory, and the campaign
issues only to those who have none yet. Each party signs their own (or a manager
records a signature from a paper copy), or refuses. A refusal is not final: the
party may still sign later. A signature is final.

Every act of a campaign is dated (``at``, default now) and falls in the campaign's term,
whose dates the handler looks up (``facts``); a party signs or refuses no earlier than
their agreement was issued.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from pydantic import Field, field_validator

from services.eventkit.acts import ActAtOrNow, not_before
from services.eventkit.bounds import EntityId, Few, Name, Ref, Text
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected
from services.safety.common import in_term
from services.safety.events import (
    AgreementCampaignLaunched,
    AgreementRefused,
    AgreementSigned,
    AgreementsIssued,
    IssuedAgreement,
    PartyKind,
)

# -- commands ----------------------------------------------------------------------------


def _distinct_kinds(kinds: list[PartyKind] | None) -> list[PartyKind] | None:
    if kinds is not None and len(set(kinds)) != len(kinds):
        raise ValueError("each kind of party is listed once")
    return kinds


class LaunchCampaign(Command):
    model_config = examples(
        {
            "campaign_id": "main-2020-2021-1",
            "campus_id": "main",
            "term_id": "2020-2021-1",
            "title": "2020-2021 第一学期 安全责任书",
            "document_ref": "docs/agreements/2020-2021-1.pdf",
            "parties": ["staff", "parent"],
            "at": "2020-09-07T09:00:00+08:00",
        }
    )
    campaign_id: EntityId
    campus_id: EntityId
    term_id: EntityId = Field(examples=["2020-2021-1"])
    title: Name = Field(examples=["2020-2021 第一学期 安全责任书"])
    document_ref: Ref = Field(min_length=1, examples=["docs/agreements/2020-2021-1.pdf"])
    parties: Few[PartyKind] = Field(min_length=1, examples=[["staff", "parent"]])
    at: ActAtOrNow = None

    _distinct = field_validator("parties")(_distinct_kinds)


class IssueAgreements(Command):
    """Issue the agreement to every party the directory knows on the campus (who has none yet)."""

    model_config = examples({}, {"parties": ["parent"], "expected_version": 1, "at": "2020-09-08T09:00:00+08:00"})

    parties: Few[PartyKind] | None = Field(
        default=None, min_length=1, description="Only these kinds of party (default: every kind of the campaign)"
    )
    at: ActAtOrNow = None

    _distinct = field_validator("parties")(_distinct_kinds)


class IssueAgreementsTo(Command):
    """What the handler resolved from ``IssueAgreements``: the parties the directory lists now."""

    parties: list[PartyKind] | None = None
    candidates: list[IssuedAgreement]
    at: ActAtOrNow = None


class SignAgreement(Command):
    model_config = examples(
        {"party_id": "yao-mum"}, {"party_id": "sun", "on_paper": True, "at": "2020-09-10T16:30:00+08:00"}
    )
    party_id: EntityId = Field(examples=["yao-mum"])
    on_paper: bool = Field(default=False, description="A manager records a signature from a paper copy")
    at: ActAtOrNow = None


class RefuseAgreement(Command):
    model_config = examples({"party_id": "yao-mum", "reason": "对第五条有异议"})
    party_id: EntityId
    reason: Text = Field(min_length=1, examples=["对第五条有异议"])
    at: ActAtOrNow = None


# -- state -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignState:
    launched: bool = False
    campus_id: str = ""
    term_id: str = ""
    parties: tuple[PartyKind, ...] = ()
    issued: frozenset[str] = frozenset()
    signed: frozenset[str] = frozenset()
    refused: frozenset[str] = frozenset()
    issued_at: Mapping[str, datetime] = field(default_factory=dict)  # when each party's agreement was issued


CampaignCommand = (
    Resolved[LaunchCampaign] | Resolved[IssueAgreementsTo] | Resolved[SignAgreement] | Resolved[RefuseAgreement]
)


def decide(rc: CampaignCommand, state: CampaignState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, LaunchCampaign):
        if state.launched:
            raise Rejected(f"agreement campaign {cmd.campaign_id} is already launched", field="campaign_id")
        in_term(rc.at, rc.facts, field="at")
        return [
            AgreementCampaignLaunched(
                campaign_id=cmd.campaign_id,
                campus_id=cmd.campus_id,
                term_id=cmd.term_id,
                title=cmd.title,
                document_ref=cmd.document_ref,
                parties=list(cmd.parties),
            )
        ]
    if not state.launched:
        raise Rejected("the agreement campaign was never launched")
    campaign_id = rc.entity_id
    in_term(rc.at, rc.facts, field="at")
    if isinstance(cmd, IssueAgreementsTo):
        kinds = set(state.parties)
        if cmd.parties is not None:
            outside = [k.value for k in cmd.parties if k not in kinds]
            if outside:
                raise Rejected(f"this campaign is not for: {', '.join(outside)}", field="parties")
            kinds = set(cmd.parties)
        new: list[IssuedAgreement] = []
        seen = set(state.issued)
        for candidate in cmd.candidates:
            if candidate.party_kind in kinds and candidate.party_id not in seen:
                seen.add(candidate.party_id)
                new.append(candidate)
        if not new:
            raise Rejected("every party the directory lists already has this agreement")
        return [AgreementsIssued(campaign_id=campaign_id, agreements=new, issued_at=rc.at)]
    if cmd.party_id not in state.issued:
        raise Rejected(f"no agreement was issued to {cmd.party_id}", field="party_id")
    if cmd.party_id in state.signed:
        raise Rejected(f"{cmd.party_id} has already signed", field="party_id")
    not_before(rc.at, state.issued_at.get(cmd.party_id), field="at", step="issued", what="agreement")
    if isinstance(cmd, SignAgreement):
        if not cmd.on_paper and rc.actor != cmd.party_id:
            raise Rejected("a party signs their own agreement; record a paper copy with on_paper", field="on_paper")
        return [
            AgreementSigned(
                campaign_id=campaign_id,
                party_id=cmd.party_id,
                signed_by=rc.actor,
                signed_at=rc.at,
                on_paper=cmd.on_paper,
            )
        ]
    assert isinstance(cmd, RefuseAgreement)
    if cmd.party_id in state.refused:
        raise Rejected(f"{cmd.party_id} has already refused", field="party_id")
    return [AgreementRefused(campaign_id=campaign_id, party_id=cmd.party_id, reason=cmd.reason)]


def evolve(state: CampaignState, event: DomainEvent) -> CampaignState:
    match event:
        case AgreementCampaignLaunched():
            return CampaignState(
                launched=True, campus_id=event.campus_id, term_id=event.term_id, parties=tuple(event.parties)
            )
        case AgreementsIssued():
            issued = {a.party_id: event.issued_at for a in event.agreements}
            return replace(
                state,
                issued=state.issued | frozenset(issued),
                issued_at={**state.issued_at, **issued},
            )
        case AgreementSigned():
            return replace(state, signed=state.signed | {event.party_id}, refused=state.refused - {event.party_id})
        case AgreementRefused():
            return replace(state, refused=state.refused | {event.party_id})
    return state


AgreementCampaign: Decider[CampaignCommand, CampaignState, DomainEvent] = Decider(
    "AgreementCampaign", CampaignState(), decide, evolve, "agreement-campaign"
)
