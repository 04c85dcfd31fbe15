"""What the history of an inventory record shows: a one-line summary of each event (every
record in scope is shown whole)."""

from __future__ import annotations

from services.campus.history import CampusHistoryPolicy
from services.eventkit.history import Summary, clip, note


def yuan(fen: int) -> str:
    return f"¥{fen / 100:,.2f}"


SUMMARIES: dict[str, Summary] = {
    # catalogue and stock
    "inventory.ItemCatalogued": lambda e: (
        f"Catalogued {clip(e.name, 40)} ({e.unit}, {e.category}) at {yuan(e.unit_price_fen)}"
    ),
    "inventory.ItemRepriced": lambda e: f"Repriced at {yuan(e.unit_price_fen)}",
    "inventory.ReorderPointChanged": lambda e: f"Reorder point set to {e.reorder_point}",
    "inventory.StockReceived": lambda e: (
        f"Received {e.quantity} of {e.item_id}"
        + (f" from purchase {e.purchase_id}" if e.purchase_id else note(e.reason, " by hand: "))
    ),
    "inventory.StockIssued": lambda e: (
        f"Issued {e.quantity} of {e.item_id} to {e.recipient_id}"
        + (" (old for new)" if e.exchange and e.returned is None else "")
        + (
            f" (old for new: {clip(e.returned.description, 40)} handed back {e.returned.condition}, "
            f"{e.returned.outcome})"
            if e.returned is not None
            else ""
        )
    ),
    "inventory.StockAdjusted": lambda e: (
        f"Adjusted by {e.delta:+d} after counting {e.counted} (book {e.book}) in stock take {e.stocktake_id}"
    ),
    "inventory.QuotaSet": lambda e: f"Quota of {e.quantity} {e.item_id} for {e.department_id} in {e.term_id}",
    "inventory.QuotaOverrideApproved": lambda e: f"{e.extra} more allowed by {e.approved_by}: {clip(e.reason)}",
    "inventory.QuotaConsumed": lambda e: f"{e.quantity} used by requisition {e.requisition_id}",
    "inventory.RequisitionFulfilled": lambda e: f"Issued {len(e.lines)} line(s) to {e.recipient_id}",
    # procurement
    "inventory.PurchaseRequested": lambda e: (
        f"Requested a {e.category} purchase of {len(e.lines)} line(s), "
        f"estimated {yuan(sum(line.quantity * line.estimated_unit_price_fen for line in e.lines))}: {clip(e.reason)}"
    ),
    "inventory.PurchaseApproved": lambda e: f"Approved by {e.approved_by}" + note(e.note),
    "inventory.PurchaseRejected": lambda e: f"Rejected by {e.rejected_by}: {clip(e.reason)}",
    "inventory.PurchaseMade": lambda e: f"Bought from {clip(e.supplier, 40)} for {yuan(e.total_fen)}",
    "inventory.AcceptanceSigned": lambda e: f"Acceptance signed by {e.signed_by} as {e.as_role}" + note(e.note),
    "inventory.PurchaseAccepted": lambda e: (
        f"Accepted, signed by {', '.join(e.signers)}"
        + (f"; {len(e.into_stock)} line(s) into stock" if e.into_stock else "")
    ),
    "inventory.PurchaseSettled": lambda e: f"Settled {yuan(e.amount_fen)} on invoice {clip(e.invoice_ref, 40)}",
    # compensation
    "inventory.CompensationCharged": lambda e: (
        f"Charged {e.against} {e.against_id} {yuan(e.amount_fen)}: {clip(e.reason)}"
    ),
    "inventory.CompensationPaid": lambda e: f"Paid (receipt {clip(e.receipt_ref, 40)})",
    "inventory.CompensationWaived": lambda e: f"Waived by {e.waived_by}: {clip(e.reason)}",
    # stock taking
    "inventory.StockTakeStarted": lambda e: f"Started the {e.period} stock take",
    "inventory.StockCounted": lambda e: (
        f"Counted {e.counted} of {e.item_id}"
        + (f" against a book of {e.book} ({e.counted - e.book:+d})" if e.book is not None else "")
    ),
    "inventory.StockTakeClosed": lambda e: f"Closed: {e.items} item(s), {e.variances} variance(s)",
    # assets
    "inventory.AssetRegistered": lambda e: (
        f"Registered {e.tag} ({clip(e.description, 40)}) in {clip(e.room, 30)}, worth {yuan(e.value_fen)}"
    ),
    "inventory.AssetMoved": lambda e: f"Moved from {clip(e.from_room, 30)} to {clip(e.to_room, 30)}",
    "inventory.AssetDamaged": lambda e: (
        f"Damaged ({e.cause}): {clip(e.description)}"
        + (f"; {e.by_id} pays {yuan(e.charge_fen)}" if e.by_id and e.charge_fen else "")
    ),
    "inventory.AssetRepaired": lambda e: f"Repaired by {e.repaired_by}" + note(e.note),
    "inventory.AssetDisposalRequested": lambda e: f"Disposal requested: {clip(e.reason)}",
    "inventory.AssetDisposalApproved": lambda e: f"Disposal approved by {e.approved_by}",
    "inventory.AssetDisposed": lambda e: "Disposed of",
    "inventory.AssetDisposalRefused": lambda e: f"Disposal refused by {e.refused_by}: {clip(e.reason)}",
    "inventory.RoomAudited": lambda e: (
        f"Audited {clip(e.room, 30)}: {len(e.found_tags)} found, "
        f"{len(e.missing)} missing, {len(e.unregistered)} unregistered"
    ),
    # keys
    "inventory.KeyIssued": lambda e: (
        f"Issued the key of {clip(e.door, 40)} to {e.holder_id}, due back {e.due_on.isoformat()}"
    ),
    "inventory.KeyReturned": lambda e: f"Returned, received by {e.received_by}",
    "inventory.KeyLost": lambda e: (
        "Reported lost" + ("; the lock was changed" if e.lock_changed else "") + note(e.note, "; ")
    ),
    # repairs
    "inventory.RepairReported": lambda e: (
        f"Reported at {clip(e.place, 40)}: {clip(e.description)}"
        + (f" (from hazard {e.hazard_id})" if e.hazard_id else "")
    ),
    "inventory.RepairAssigned": lambda e: f"Assigned to {e.assignee_id} by {e.assigned_by}",
    "inventory.RepairDone": lambda e: f"Done by {e.done_by}" + note(e.note),
    "inventory.RepairVerified": lambda e: f"Verified by {e.verified_by}",
    "inventory.RepairVerificationFailed": lambda e: (
        f"Failed its verification by {e.verified_by}: {clip(e.reason)}; to be done again"
    ),
    # assets from accepted purchases
    "inventory.AssetReceived": lambda e: (
        f"Received from purchase {e.purchase_id} ({clip(e.description, 40)}), worth {yuan(e.value_fen)}; "
        + (f"waits to be registered in {clip(e.for_room, 30)}" if e.for_room else "waits to be registered to a room")
    ),
}

INVENTORY_HISTORY = CampusHistoryPolicy(summaries=SUMMARIES)  # titles: each type's own words
