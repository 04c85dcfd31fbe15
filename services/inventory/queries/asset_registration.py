"""Reads of the asset registration (各室财产登记): the assets waiting or registered, and the
figure per room and per campus (registered against waiting), in the caller's scope."""

from __future__ import annotations

from typing import Literal

from services.eventkit.auth import Principal
from services.eventkit.queries import Query
from services.inventory.projections.asset_registration import ASSET_REGISTRATION

S = ASSET_REGISTRATION.schema

RegistrationStatus = Literal["waiting", "registered", "disposed"]

COUNTS = (
    "count(*) FILTER (WHERE status = 'registered') AS registered, "
    "count(*) FILTER (WHERE status = 'waiting') AS waiting, "
    "coalesce(sum(value_fen) FILTER (WHERE status = 'waiting'), 0)::bigint AS waiting_fen"
)


def registration_assets(
    principal: Principal,
    campus_id: str | None,
    room: str | None,
    status: RegistrationStatus | None,
    purchase_id: str | None,
    ids: list[str] | None = None,
) -> Query:
    """The assets of the registration (``room``: where it is, or, waiting, the room it was bought for;
    ``ids``: only those)."""
    q = Query(
        "SELECT asset_id, district_id, school_id, campus_id, status, item_id, description, value_fen, purchase_id, "
        f"line, unit, accepted_on, for_room, room, tag, acquired_on, registered_by FROM {S}.asset_registration",
        "asset_id",
    ).scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("counted_room = {}", room)
    q.filter("status = {}", status).filter("purchase_id = {}", purchase_id)
    return q.filter("asset_id = ANY({}::text[])", ids)


def room_registration(principal: Principal, campus_id: str | None, incomplete: bool | None) -> Query:
    """Each room's registration (registered, and bought for it and waiting), by campus and room."""
    q = Query(
        "SELECT * FROM (SELECT district_id, school_id, campus_id, counted_room AS room, "
        f"campus_id || '/' || counted_room AS room_key, {COUNTS}, "
        "count(*) FILTER (WHERE status = 'waiting') = 0 AS complete "
        f"FROM {S}.asset_registration WHERE status <> 'disposed' "
        "GROUP BY district_id, school_id, campus_id, counted_room) rooms_",
        "room_key",
    ).scoped(principal)
    q.filter("campus_id = {}", campus_id)
    if incomplete is not None:
        q.where.append("NOT complete" if incomplete else "complete")
    return q


def campus_registration(principal: Principal, campus_id: str | None) -> Query:
    """Each campus's registration: rooms, rooms complete, assets registered and waiting."""
    q = Query(
        "SELECT district_id, school_id, campus_id, count(*)::int AS rooms, "
        "count(*) FILTER (WHERE waiting = 0)::int AS rooms_complete, sum(registered)::int AS registered, "
        "sum(waiting)::int AS waiting, sum(waiting_fen)::bigint AS waiting_fen, sum(waiting) = 0 AS complete "
        f"FROM (SELECT district_id, school_id, campus_id, counted_room, {COUNTS} FROM {S}.asset_registration "
        "WHERE status <> 'disposed' GROUP BY district_id, school_id, campus_id, counted_room) rooms_ "
        "GROUP BY district_id, school_id, campus_id",
        "campus_id",
    )
    return (
        Query(f"SELECT * FROM ({q.select_from}) campuses_", "campus_id")
        .scoped(principal)
        .filter("campus_id = {}", campus_id)
    )
