"""Every command of the staff appraisal service: which aggregate it goes to, where it belongs,
who may send it, what else is looked up. The routes are made from this table (see
``services.eventkit.command_table``); the gateway makes a mutation of each row."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

from pydantic import Field, ValidationError

from services.campus.mirror import staff_member
from services.campus.scoped import CampusCommands, CampusCommandsDep, campus_command_table, school_in_body
from services.eventkit.app import Context
from services.eventkit.bounds import FEW_ITEMS, REF_LENGTH, SHORT_TEXT_LENGTH, TEXT_LENGTH
from services.eventkit.command_table import Facts, Target
from services.eventkit.commands import CommandContext, CommandResult
from services.eventkit.db import Connection
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import ConcurrencyConflict, Forbidden, InvalidInput, Rejected
from services.eventkit.store import AppendResult
from services.hr_eval.acknowledgements import (
    AcknowledgeRuleBook,
    RuleBookAcknowledgement,
    acknowledgement_id,
    publication_facts,
)
from services.hr_eval.appraisal import (
    AcknowledgeDeduction,
    Appraisal,
    AppraisalMonth,
    AppraisalMonthState,
    AppraisalState,
    AppraisalStatus,
    CloseAppraisal,
    CommunicateDeduction,
    CorrectAppraisal,
    DisputeDeduction,
    FinaliseAppraisal,
    OpenAppraisal,
    OpenAppraisals,
    ProposeItem,
    PublishAppraisal,
    PublishAppraisalMonth,
    ResolveDispute,
    WithdrawItem,
    month_id,
)
from services.hr_eval.awards import BONUS_FACT, CONTEST_FACT, Award, ContestFacts, GrantAward, Honour, RecordHonour
from services.hr_eval.common import APPRAISERS, MANAGERS, STAFF, WORKER_ROLES, appraisal_id
from services.hr_eval.contests import (
    CONTEST_KEEPERS,
    AnnounceContest,
    Contest,
    ContestState,
    RankContest,
    RecordContestScore,
)
from services.hr_eval.proposals import ConfirmProposal, DismissProposal, Proposal, ProposalState
from services.hr_eval.roster import (
    appraisals_of_month,
    home_campus,
    on_roster,
    opening,
    proposals_waiting,
    roster,
    rule_book,
)
from services.hr_eval.rulebook import PublishRuleBook, RuleBook, RuleBookState

COMMANDS = campus_command_table("hr_eval")


# -- the rule book ----------------------------------------------------------------------------

COMMANDS.new(
    "rule-book",
    "/rule-books",
    "Publish the next version of the school's rule book",
    PublishRuleBook,
    RuleBook,
    id="school_id",
    roles=MANAGERS,
    tenant=school_in_body,
)


# Custom: the stream is the caller's own (school, version and the caller), which no field of the
# body names, and the version's publication is read from the school's rule book.
@COMMANDS.custom(
    "rule-book", "/rule-books/acknowledgements", "Acknowledge the version of the school's rule book one works under"
)
async def acknowledge_rule_book(cmd: AcknowledgeRuleBook, ctx: Context, hr_eval: CampusCommandsDep) -> CommandResult:
    tenant = await hr_eval.school(cmd.school_id)
    await hr_eval.authorise(ctx.principal, tenant, STAFF)
    staff_id = ctx.principal.subject
    member = await hr_eval.pool.fetchval(
        "SELECT true FROM directory_staff WHERE staff_id = $1 AND school_id = $2 AND active", staff_id, cmd.school_id
    )
    if not member:
        raise Forbidden(f"{staff_id} is not on the staff of {cmd.school_id}: only its staff acknowledge its rule book")
    book: RuleBookState
    book, _ = await hr_eval.bus.load(RuleBook, RuleBook.stream_id(cmd.school_id))
    published = book.version(cmd.version)
    facts = publication_facts(published.published_at if published else None)
    entity_id = acknowledgement_id(cmd.school_id, cmd.version, staff_id)
    return await hr_eval.run(RuleBookAcknowledgement, entity_id, cmd, ctx, tenant, STAFF, facts=facts)


# -- appraisals -------------------------------------------------------------------------------


class OpenedAppraisals(CommandResult):
    """What opening a campus's month answers: the events appended, and the appraisals opened."""

    appraisal_ids: list[str] = Field(default_factory=list, description="The appraisals opened (none: all were open)")


async def _month_lock(conn: Connection, campus_id: str, month: str) -> None:
    """Opening and publishing a campus's month wait for each other: one sees what the other wrote."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"hr_eval-month-{campus_id}-{month}")


async def _month_state(
    hr: CampusCommands, campus_id: str, month: str, conn: Connection | None = None
) -> tuple[AppraisalMonthState, int]:
    state: AppraisalMonthState
    state, version = await hr.bus.load(AppraisalMonth, AppraisalMonth.stream_id(month_id(campus_id, month)), conn=conn)
    return state, version


def _not_published(state: AppraisalMonthState, campus_id: str, month: str) -> None:
    if state.published:
        raise Rejected(f"the appraisals of {month} on campus {campus_id} are published: none is opened", field="month")


async def _appraisal(hr: CampusCommands, appraisal_id: str, conn: Connection | None = None) -> AppraisalState:
    state: AppraisalState
    state, _ = await hr.bus.load(Appraisal, Appraisal.stream_id(appraisal_id), conn=conn)
    return state


@COMMANDS.custom("appraisals", "/appraisal-months", "Open the month's appraisal of every worker on a campus's roster")
async def open_appraisals(cmd: OpenAppraisals, ctx: Context, hr: CampusCommandsDep) -> OpenedAppraisals:
    # Custom: one appraisal per worker on the roster, in one transaction.
    tenant = await hr.campus(cmd.campus_id)
    await hr.authorise(ctx.principal, tenant, APPRAISERS)
    school_id = tenant.school_id or ""
    stream_id = AppraisalMonth.stream_id(month_id(cmd.campus_id, cmd.month))
    events: list[str] = []
    event_ids: list[str] = []
    opened: list[str] = []
    key = ctx.command_key(cmd, stream_id)
    async with hr.pool.acquire() as conn, conn.transaction():
        await _month_lock(conn, cmd.campus_id, cmd.month)
        if key is not None and (first := await hr.bus.store.command_result(key, conn=conn)) is not None:
            return await _opened_before(conn, stream_id, first)
        month_state, version = await _month_state(hr, cmd.campus_id, cmd.month, conn)
        if cmd.expected_version is not None and cmd.expected_version != version:
            raise ConcurrencyConflict(stream_id, cmd.expected_version, version)
        _not_published(month_state, cmd.campus_id, cmd.month)
        book = await rule_book(hr.bus, school_id, conn=conn)
        inner = replace(ctx, command_id=None, expected_version=None)
        for worker in await roster(conn, school_id, cmd.campus_id, cmd.month):
            aid = appraisal_id(worker["staff_id"], cmd.month)
            if (await _appraisal(hr, aid, conn)).status is not None:
                continue
            one = OpenAppraisal(staff_id=worker["staff_id"], month=cmd.month, at=cmd.at)
            facts = opening(worker, book, cmd.month)
            result = await hr.run(Appraisal, aid, one, inner, tenant, APPRAISERS, facts=facts, conn=conn)
            events += result.events
            event_ids += result.event_ids
            opened.append(aid)
        if key is not None:  # the key answers a retry with this first answer (the month's stream has no event)
            first = AppendResult(stream_id, version, [UUID(e) for e in event_ids])
            await conn.execute(
                "INSERT INTO commands (command_id, caller, route, request_hash, stream_id, result) "
                "VALUES ($1, $2, $3, $4, $5, $6)",
                key.key,
                key.caller,
                key.route,
                key.request_hash,
                stream_id,
                first.to_json(),
            )
    return OpenedAppraisals(
        stream_id=stream_id, version=version, events=events, event_ids=event_ids, appraisal_ids=opened
    )


async def _opened_before(conn: Connection, stream_id: str, first: AppendResult) -> OpenedAppraisals:
    """A retried opening (the same key, caller and request): the first answer, marked duplicate."""
    rows = await conn.fetch(
        "SELECT event_id::text AS event_id, type, data->>'appraisal_id' AS appraisal_id FROM events "
        "WHERE event_id = ANY($1::uuid[]) ORDER BY position",
        [str(e) for e in first.event_ids],
    )
    return OpenedAppraisals(
        stream_id=stream_id,
        version=first.version,
        events=[r["type"] for r in rows],
        event_ids=[r["event_id"] for r in rows],
        appraisal_ids=[r["appraisal_id"] for r in rows],
        duplicate=True,
    )


async def _home_campus(hr: CampusCommands, cmd: OpenAppraisal) -> TenantPath:
    return await hr.campus(await home_campus(hr.pool, cmd.staff_id), field="staff_id")


async def _on_roster(hr: CampusCommands, cmd: OpenAppraisal, ctx: CommandContext, at: Target) -> Facts:
    """The worker is on the campus's roster for the month, which is not published; the rule book in force."""
    school_id, campus_id = at.tenant.school_id or "", at.tenant.campus_id or ""
    month_state, _ = await _month_state(hr, campus_id, cmd.month)
    _not_published(month_state, campus_id, cmd.month)
    worker = await on_roster(hr.pool, cmd.staff_id, school_id, campus_id, cmd.month)
    return opening(worker, await rule_book(hr.bus, school_id), cmd.month)


COMMANDS.new(
    "appraisals",
    "/appraisals",
    "Open one worker's appraisal of a month (on their home campus's roster)",
    OpenAppraisal,
    Appraisal,
    id=lambda cmd: appraisal_id(cmd.staff_id, cmd.month),
    roles=APPRAISERS,
    tenant=_home_campus,
    lookup=_on_roster,
)


async def _rule_of_version(hr: CampusCommands, appraisal: str, rule_code: str) -> Facts:
    """The rule in the version the appraisal is pinned to (its category, points, text), or a 422."""
    state = await _appraisal(hr, appraisal)
    book = await rule_book(hr.bus, state.school_id)
    version = book.version(state.rule_book_version)
    rule = version.rule(rule_code) if version else None
    if rule is None:
        raise InvalidInput(
            f"rule {rule_code} is not in version {state.rule_book_version} of the rule book", field="rule_code"
        )
    return {"category": rule.category, "points": str(rule.points), "rule_text": rule.text}


async def _rule_of_item(hr: CampusCommands, cmd: ProposeItem, ctx: CommandContext, at: Target) -> Facts:
    return await _rule_of_version(hr, at.entity_id, cmd.rule_code)


async def _rule_of_new_item(hr: CampusCommands, cmd: CorrectAppraisal, ctx: CommandContext, at: Target) -> Facts:
    """A correction adding an item: its rule in the pinned version (an existing item keeps its own)."""
    if cmd.rule_code is None or cmd.item_id in (await _appraisal(hr, at.entity_id)).items:
        return {}
    return await _rule_of_version(hr, at.entity_id, cmd.rule_code)


COMMANDS.existing(
    "appraisals",
    "/appraisals/{appraisal_id}/items",
    "Propose an item (a deduction or a bonus) under a rule of the appraisal's rule book",
    ProposeItem,
    Appraisal,
    what="appraisal",
    roles=APPRAISERS,
    lookup=_rule_of_item,
)
COMMANDS.existing(
    "appraisals",
    "/appraisals/{appraisal_id}/items/withdraw",
    "Withdraw an item before the appraisal is finalised",
    WithdrawItem,
    Appraisal,
    what="appraisal",
    roles=APPRAISERS,
)
COMMANDS.existing(
    "appraisals",
    "/appraisals/{appraisal_id}/communications",
    "Record that a deduction was told to the worker (who, when, how)",
    CommunicateDeduction,
    Appraisal,
    what="appraisal",
    roles=APPRAISERS,
)


async def _the_workers_own(
    hr: CampusCommands, appraisal_id: str, cmd: AcknowledgeDeduction | DisputeDeduction, ctx: Context
) -> CommandResult:
    # Only the worker appraised answers: read from the appraisal's state.
    tenant = await hr.tenant_of(Appraisal, appraisal_id, "appraisal", principal=ctx.principal)
    state = await _appraisal(hr, appraisal_id)
    if ctx.principal.subject != state.staff_id:
        raise Forbidden("only the worker appraised answers for a deduction of their appraisal")
    return await hr.run(Appraisal, appraisal_id, cmd, ctx, tenant, WORKER_ROLES)


@COMMANDS.custom("appraisals", "/appraisals/{appraisal_id}/acknowledgements", "Acknowledge a deduction (the worker)")
async def acknowledge_deduction(
    appraisal_id: str, cmd: AcknowledgeDeduction, ctx: Context, hr: CampusCommandsDep
) -> CommandResult:
    return await _the_workers_own(hr, appraisal_id, cmd, ctx)


@COMMANDS.custom(
    "appraisals", "/appraisals/{appraisal_id}/disputes", "Dispute a deduction within its window (the worker)"
)
async def dispute_deduction(
    appraisal_id: str, cmd: DisputeDeduction, ctx: Context, hr: CampusCommandsDep
) -> CommandResult:
    return await _the_workers_own(hr, appraisal_id, cmd, ctx)


COMMANDS.existing(
    "appraisals",
    "/appraisals/{appraisal_id}/disputes/resolution",
    "Resolve a dispute (an appraiser other than the item's proposer)",
    ResolveDispute,
    Appraisal,
    what="appraisal",
    roles=APPRAISERS,
)
COMMANDS.existing(
    "appraisals",
    "/appraisals/{appraisal_id}/finalise",
    "Finalise the appraisal's score (every deduction told, no dispute open, every window closed or answered)",
    FinaliseAppraisal,
    Appraisal,
    what="appraisal",
    roles=APPRAISERS,
)


@COMMANDS.custom(
    "appraisals", "/appraisal-months/publish", "Publish a campus's appraisals of a month together (all or none)"
)
async def publish_appraisal_month(cmd: PublishAppraisalMonth, ctx: Context, hr: CampusCommandsDep) -> CommandResult:
    # Custom: the month's stream and each of its appraisals in one transaction.
    tenant = await hr.campus(cmd.campus_id)
    await hr.authorise(ctx.principal, tenant, APPRAISERS)
    async with hr.pool.acquire() as conn, conn.transaction():
        await _month_lock(conn, cmd.campus_id, cmd.month)
        _, version = await _month_state(hr, cmd.campus_id, cmd.month, conn)
        if cmd.expected_version is not None and cmd.expected_version != version:
            raise ConcurrencyConflict(
                AppraisalMonth.stream_id(month_id(cmd.campus_id, cmd.month)), cmd.expected_version, version
            )
        ids = await appraisals_of_month(conn, cmd.campus_id, cmd.month)
        publish: list[str] = []
        unfinished: list[str] = []
        for aid in ids:
            status = (await _appraisal(hr, aid, conn)).status
            if status is AppraisalStatus.CLOSED:
                continue
            publish.append(aid)
            if status is not AppraisalStatus.FINALISED and status is not AppraisalStatus.PUBLISHED:
                unfinished.append(aid)
        if unfinished:
            more = f" and {len(unfinished) - 5} more" if len(unfinished) > 5 else ""
            raise Rejected(
                f"{len(unfinished)} appraisal(s) of the month are not finalised: {', '.join(unfinished[:5])}{more}",
                field="month",
            )
        waiting = await proposals_waiting(conn, cmd.campus_id, cmd.month)
        if waiting:
            more = f" and {len(waiting) - 5} more" if len(waiting) > 5 else ""
            raise Rejected(
                f"{len(waiting)} proposal(s) of other services for the month wait to be confirmed or dismissed: "
                f"{', '.join(waiting[:5])}{more}",
                field="month",
            )
        facts = {"appraisal_ids": ",".join(publish)}
        mid = month_id(cmd.campus_id, cmd.month)
        result = await hr.run(AppraisalMonth, mid, cmd, ctx, tenant, APPRAISERS, facts=facts, conn=conn)
        if result.duplicate:
            return result
        inner = replace(ctx, command_id=None, expected_version=None)
        at = await conn.fetchval("SELECT occurred_at FROM events WHERE event_id = $1::uuid", result.event_ids[0])
        for aid in publish:
            await hr.run(Appraisal, aid, PublishAppraisal(at=at), inner, tenant, APPRAISERS, conn=conn)
    return result


COMMANDS.existing(
    "appraisals",
    "/appraisals/{appraisal_id}/corrections",
    "Correct a published appraisal (approved by a manager: the caller)",
    CorrectAppraisal,
    Appraisal,
    what="appraisal",
    roles=MANAGERS,
    lookup=_rule_of_new_item,
)
COMMANDS.existing(
    "appraisals",
    "/appraisals/{appraisal_id}/close",
    "Close an unpublished appraisal without a score",
    CloseAppraisal,
    Appraisal,
    what="appraisal",
    roles=APPRAISERS,
)


# -- proposals from other services ------------------------------------------------------------

COMMANDS.existing(
    "proposals",
    "/proposals/{proposal_id}/dismiss",
    "Dismiss an item another service proposed for a worker's appraisal, with the reason",
    DismissProposal,
    Proposal,
    what="proposal",
    roles=APPRAISERS,
)


def _item_of(proposal_id: str, proposal: ProposalState, cmd: ConfirmProposal, rule_code: str) -> ProposeItem:
    """The item a confirmed proposal becomes: what the other service said, within an item's bounds."""
    try:
        return ProposeItem(
            item_id=cmd.item_id,
            rule_code=rule_code,
            occurred_at=proposal.occurred_at,
            place=proposal.place[:SHORT_TEXT_LENGTH],
            note=proposal.note[:TEXT_LENGTH],
            evidence_refs=[ref[:REF_LENGTH] for ref in proposal.evidence_refs[:FEW_ITEMS]],
            source=proposal.source,
            source_ref=proposal.source_ref[:SHORT_TEXT_LENGTH],
            proposal_id=proposal_id,
        )
    except ValidationError as invalid:  # a rule the other service suggested that is no code of a rule book
        raise InvalidInput(
            f"the proposal's {invalid.errors()[0]['loc'][0]} cannot be an item's", field="rule_code"
        ) from None


@COMMANDS.custom(
    "proposals",
    "/proposals/{proposal_id}/confirm",
    "Confirm a proposal into the worker's appraisal of its month, as an item (under its rule or another)",
)
async def confirm_proposal(
    proposal_id: str, cmd: ConfirmProposal, ctx: Context, hr: CampusCommandsDep
) -> CommandResult:
    # Custom: the proposal confirmed and its item proposed in the worker's appraisal, in one transaction.
    tenant = await hr.tenant_of(Proposal, proposal_id, "proposal", principal=ctx.principal)
    await hr.authorise(ctx.principal, tenant, APPRAISERS)
    proposal: ProposalState
    proposal, _ = await hr.bus.load(Proposal, Proposal.stream_id(proposal_id))
    rule_code = cmd.rule_code or proposal.rule_code
    if not rule_code:
        raise InvalidInput("the proposal suggests no rule: name the rule applied", field="rule_code")
    aid = proposal.appraisal_id
    appraisal_tenant = await hr.first_tenant(Appraisal, aid)
    if appraisal_tenant is None:
        raise InvalidInput(
            f"{proposal.staff_id}'s appraisal of {proposal.month} is not opened: open the month first",
            field="proposal_id",
        )
    item = _item_of(proposal_id, proposal, cmd, rule_code)
    facts = await _rule_of_version(hr, aid, rule_code)
    async with hr.pool.acquire() as conn, conn.transaction():
        result = await hr.run(Proposal, proposal_id, cmd, ctx, tenant, APPRAISERS, conn=conn)
        if result.duplicate:
            return result
        # the item is proposed when the proposal was confirmed
        confirmed_at = await conn.fetchval(
            "SELECT occurred_at FROM events WHERE event_id = $1::uuid", result.event_ids[0]
        )
        inner = replace(ctx, command_id=None, expected_version=None, acted_at=confirmed_at)
        await hr.run(Appraisal, aid, item, inner, appraisal_tenant, APPRAISERS, facts=facts, conn=conn)
    return result


# -- contests, awards, honours ----------------------------------------------------------------

# A contest, an award or an honour of one campus belongs to that campus; one of the whole school
# (campus_id omitted) to the school, kept by whoever keeps them on any of its campuses.


async def campus_or_school_in_body(commands: CampusCommands, command: Any) -> TenantPath:
    """``tenant=`` of a contest, an award or an honour: the campus it names (of the school it
    names), else the school."""
    school = await commands.school(command.school_id)
    if command.campus_id is None:
        return school
    tenant = await commands.campus(command.campus_id)
    if tenant.school_id != command.school_id:
        raise InvalidInput(f"campus {command.campus_id} is not a campus of {command.school_id}", field="campus_id")
    return tenant


async def _staff_of_school(commands: CampusCommands, staff_id: str, school_id: str | None, field: str) -> None:
    member = await staff_member(commands.pool, staff_id, field=field)
    if member["school_id"] != school_id:
        raise InvalidInput(f"{member['name']} does not work at this school", field=field)


async def entrants_of_school(commands: CampusCommands, cmd: AnnounceContest, ctx: CommandContext, at: Target) -> Facts:
    """Every staff member an entrant names works at the contest's school."""
    for i, entrant in enumerate(cmd.entrants):
        for j, staff_id in enumerate(entrant.staff_ids):
            await _staff_of_school(commands, staff_id, at.tenant.school_id, f"entrants.{i}.staff_ids.{j}")
    return {}


COMMANDS.new(
    "contests",
    "/contests",
    "Announce a contest of the school (or of one campus): its rounds, criteria, judges and entrants",
    AnnounceContest,
    Contest,
    id="contest_id",
    roles=CONTEST_KEEPERS,
    tenant=campus_or_school_in_body,
    lookup=entrants_of_school,
)
COMMANDS.existing(
    "contests",
    "/contests/{contest_id}/scores",
    "Record one judge's score sheet of one entrant in one round (once)",
    RecordContestScore,
    Contest,
    what="contest",
    roles=CONTEST_KEEPERS,
)
COMMANDS.existing(
    "contests",
    "/contests/{contest_id}/rank",
    "Rank a contest from its judges' sheets: its results then stand",
    RankContest,
    Contest,
    what="contest",
    roles=CONTEST_KEEPERS,
)


async def award_facts(commands: CampusCommands, cmd: GrantAward, ctx: CommandContext, at: Target) -> Facts:
    """The contest the award names, the points of its bonus rule in the rule book in force on its
    day, and each staff member it names working at the school."""
    for i, staff_id in enumerate(cmd.staff_ids):
        await _staff_of_school(commands, staff_id, at.tenant.school_id, f"staff_ids.{i}")
    facts: Facts = {}
    if cmd.contest_id is not None:
        contest: ContestState
        contest, version = await commands.bus.load(Contest, Contest.stream_id(cmd.contest_id))
        facts[CONTEST_FACT] = ContestFacts.of(contest).model_dump_json() if version else ""
    if cmd.bonus_rule_code is not None:
        book: RuleBookState
        book, _ = await commands.bus.load(RuleBook, RuleBook.stream_id(cmd.school_id))
        in_force = book.in_force(cmd.on)
        rule = in_force.rule(cmd.bonus_rule_code) if in_force else None
        facts[BONUS_FACT] = str(rule.points) if rule else ""
    return facts


COMMANDS.new(
    "contests",
    "/awards",
    "Grant an award: a prize of a ranked contest of the school, or one given outside a contest",
    GrantAward,
    Award,
    id="award_id",
    roles=CONTEST_KEEPERS,
    tenant=campus_or_school_in_body,
    lookup=award_facts,
)
COMMANDS.new(
    "contests",
    "/honours",
    "Record an honour of the school itself (e.g. the city's garden-style unit)",
    RecordHonour,
    Honour,
    id="honour_id",
    roles=CONTEST_KEEPERS,
    tenant=campus_or_school_in_body,
)
