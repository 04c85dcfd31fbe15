"""What the history of a staff appraisal record shows, and to whom.

An appraisal's history is read as the appraisal is (:mod:`services.hr_eval.queries.appraisals`):
by the appraisers and overseers of its campus, and by its worker; to anyone else it is a record
that does not exist (404). A proposal from another service names a worker before an appraiser
confirmed anything: only the appraisers and overseers read it. The other records (the rule book,
contests, awards, honours) are seen by whoever covers them."""

from __future__ import annotations

from services.campus.history import CampusHistoryPolicy
from services.eventkit.auth import Principal
from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.errors import NotFound
from services.eventkit.history import Summary, clip, note
from services.hr_eval.common import READERS_OF_ALL


def pts(points: int) -> str:
    return f"{points:+d}"


SUMMARIES: dict[str, Summary] = {
    # monthly appraisals
    "hr_eval.AppraisalOpened": lambda e: (
        f"Opened {e.month} for {clip(e.staff_name, 30)} ({e.role}) at {e.base_score} under rule book "
        f"v{e.rule_book_version}"
        + (f"; joined {e.joined_on.isoformat()}" if e.joined_on else "")
        + (f"; left {e.left_on.isoformat()}" if e.left_on else "")
    ),
    "hr_eval.AppraisalItemProposed": lambda e: (
        f"{e.rule_code} {pts(e.points)} ({e.category}, {e.source}): {clip(e.rule_text, 60)}"
        + (f" — from proposal {e.proposal_id}" if e.proposal_id else "")
    ),
    "hr_eval.AppraisalItemWithdrawn": lambda e: f"Item {e.item_id} withdrawn by {e.withdrawn_by}: {clip(e.reason)}",
    "hr_eval.DeductionCommunicated": lambda e: (
        f"Item {e.item_id} told by {e.communicated_by} ({e.channel}), answer by {e.respond_by.isoformat()}"
    ),
    "hr_eval.DeductionAcknowledged": lambda e: f"Item {e.item_id} acknowledged",
    "hr_eval.DeductionDisputed": lambda e: f"Item {e.item_id} disputed: {clip(e.reason)}",
    "hr_eval.DisputeResolved": lambda e: (
        f"Dispute of item {e.item_id} {e.outcome} by {e.resolved_by}, now {pts(e.points)}" + note(e.reason, ": ")
    ),
    "hr_eval.AppraisalFinalised": lambda e: f"Finalised at {e.total} ({e.base_score} - {e.deductions} + {e.bonuses})",
    "hr_eval.AppraisalPublished": lambda e: f"Published at {e.total}",
    "hr_eval.AppraisalMonthPublished": lambda e: f"Published {e.month}: {len(e.appraisal_ids)} appraisal(s)",
    "hr_eval.AppraisalCorrected": lambda e: (
        f"Corrected from {e.total_before} to {e.total_after} ({e.rule_code} now {pts(e.points)}), "
        f"approved by {e.approved_by}: {clip(e.reason)}"
    ),
    "hr_eval.AppraisalClosed": lambda e: f"Closed without a score: {clip(e.reason)}",
}


class AppraisalHistoryPolicy(CampusHistoryPolicy):
    async def details(self, db: Connection, principal: Principal, first: Envelope) -> bool:
        if first.type == "hr_eval.AppraisalOpened":
            if principal.holds(first.tenant, *READERS_OF_ALL) or first.data.get("staff_id") == principal.subject:
                return True
            raise NotFound("no such record")  # another's appraisal, as if there were none
        if first.type == "hr_eval.ProposalReceived" and not principal.holds(first.tenant, *READERS_OF_ALL):
            raise NotFound("no such record")
        return True


HR_EVAL_HISTORY = AppraisalHistoryPolicy(summaries=SUMMARIES)
