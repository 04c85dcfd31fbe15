"""Property tests of the responsibility agreements' decider: a signed agreement is final and only its
party signs it (or a paper copy).

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.safety import agreements as ag
from services.safety.events import (
    SAFETY_EVENTS,
    AgreementCampaignLaunched,
    AgreementRefused,
    AgreementSigned,
    AgreementsIssued,
    IssuedAgreement,
    PartyKind,
)
from tests.properties import QUIET, DeciderMachine, machine, machine_ids, refused_only_when, run_machine, step
from tests.safety.terms import TERM_FACTS

pytestmark = QUIET


STAFF_PARTIES = [
    IssuedAgreement(party_kind=PartyKind.STAFF, party_id="huang", name="黄老师"),
    IssuedAgreement(party_kind=PartyKind.STAFF, party_id="sun", name="孙师傅"),
]
PARENT_PARTIES = [
    IssuedAgreement(party_kind=PartyKind.PARENT, party_id="yao-mum", name="姚妈妈", class_id="g6-1"),
    IssuedAgreement(party_kind=PartyKind.PARENT, party_id="lin-dad", name="林爸爸", class_id="g1-1"),
]
TERM = TERM_FACTS  # the machine's clock stays in it
PARTY_IDS = [p.party_id for p in STAFF_PARTIES + PARENT_PARTIES]
PARTY_KINDS = st.lists(st.sampled_from(list(PartyKind)), min_size=1, max_size=2, unique=True)


def a_signature_is_final(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    assert after.signed <= after.issued and after.refused <= after.issued
    assert not (after.signed & after.refused), "a party both signed and refused"
    assert before.signed <= after.signed and before.issued <= after.issued
    if before.launched:
        assert (after.campus_id, after.term_id, after.parties) == (before.campus_id, before.term_id, before.parties)
    (event,) = events
    cmd = rc.command
    match event:
        case AgreementCampaignLaunched():
            assert not before.launched and after.parties == tuple(cmd.parties)
        case AgreementsIssued():
            ids = [a.party_id for a in event.agreements]
            assert ids and len(set(ids)) == len(ids), "an agreement issued twice at once"
            assert not (set(ids) & before.issued), "an agreement issued again"
            kinds = set(cmd.parties) if cmd.parties is not None else set(before.parties)
            assert kinds <= set(before.parties)
            assert all(a in cmd.candidates and a.party_kind in kinds for a in event.agreements)
            # everyone the directory listed, of those kinds, now has one
            assert {c.party_id for c in cmd.candidates if c.party_kind in kinds} <= after.issued
        case AgreementSigned():
            assert event.party_id in before.issued and event.party_id not in before.signed
            assert event.signed_by == rc.actor and event.signed_at == rc.at
            assert event.on_paper or rc.actor == event.party_id, "someone signed another's agreement"
        case AgreementRefused():
            assert event.party_id in before.issued - before.signed - before.refused
        case _:
            raise AssertionError(f"unexpected {event!r}")


def agreement_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    if isinstance(cmd, ag.LaunchCampaign):
        return not state.launched
    if not state.launched:
        return False
    if isinstance(cmd, ag.IssueAgreementsTo):
        kinds = set(cmd.parties or state.parties)
        return kinds <= set(state.parties) and any(
            c.party_kind in kinds and c.party_id not in state.issued for c in cmd.candidates
        )
    if cmd.party_id not in state.issued or cmd.party_id in state.signed:
        return False
    if isinstance(cmd, ag.SignAgreement):  # a refusal is not final: the party may still sign
        return cmd.on_paper or rc.actor == cmd.party_id
    return cmd.party_id not in state.refused


AGREEMENTS_CREATE = step(
    st.builds(
        ag.LaunchCampaign,
        campaign_id=st.just("main-2020-2021-1"),
        campus_id=st.just("main"),
        term_id=st.just("2020-2021-1"),
        title=st.just("2020-2021 第一学期 安全责任书"),
        document_ref=st.just("docs/agreements/2020-2021-1.pdf"),
        parties=PARTY_KINDS,
    ),
    TERM,
)
AGREEMENTS = machine(
    "AgreementCampaignMachine",
    ag.AgreementCampaign,
    SAFETY_EVENTS,
    "main-2020-2021-1",
    st.one_of(
        AGREEMENTS_CREATE,
        step(
            st.builds(
                ag.IssueAgreementsTo,
                parties=st.none() | PARTY_KINDS,
                candidates=st.lists(
                    st.sampled_from(STAFF_PARTIES + PARENT_PARTIES), max_size=4, unique_by=lambda a: a.party_id
                ),
            ),
            TERM,
        ),
        step(st.builds(ag.SignAgreement, party_id=st.sampled_from([*PARTY_IDS, "zhu"]), on_paper=st.booleans()), TERM),
        step(
            st.builds(ag.RefuseAgreement, party_id=st.sampled_from(PARTY_IDS), reason=st.just("对第五条有异议")), TERM
        ),
    ),
    ["zhou", *PARTY_IDS],
    check=a_signature_is_final,
    create=AGREEMENTS_CREATE,
    on_refusal=refused_only_when(agreement_allowed),
)


MACHINES = [AGREEMENTS]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
