"""Damage to assets by class, per month, for the class evaluation (善真中队评比): damages
recorded against a class, or against a student of it (the class the directory mirror has the
student in), counted per month of the damage's day, with what was charged for them, paid and
waived (the charges raised with each damage)."""

from __future__ import annotations

from services.eventkit.auth import Principal
from services.eventkit.queries import Query
from services.inventory.projections.assets import ASSETS

S = ASSETS.schema

# Each damage caused by a class or one of its students, with its class and month.
DAMAGE_OF_CLASS = (
    "SELECT d.event_id, d.asset_id, d.campus_id, d.damaged_on, to_char(d.damaged_on, 'YYYY-MM') AS month, "
    "CASE WHEN d.by_kind = 'class' THEN d.by_id ELSE st.class_id END AS class_id "
    f"FROM {S}.damages d LEFT JOIN directory_students st ON d.by_kind = 'person' AND st.student_id = d.by_id "
    "WHERE d.cause = 'person' AND (d.by_kind = 'class' OR st.class_id IS NOT NULL)"
)

CLASS_DAMAGE = (
    "SELECT * FROM (SELECT m.campus_id, m.class_id, cl.name AS class_name, m.month, "
    "count(DISTINCT m.event_id)::int AS damages, count(DISTINCT m.asset_id)::int AS assets, "
    "coalesce(sum(ch.amount_fen), 0)::bigint AS charged_fen, "
    "coalesce(sum(ch.amount_fen) FILTER (WHERE ch.status = 'paid'), 0)::bigint AS paid_fen, "
    "coalesce(sum(ch.amount_fen) FILTER (WHERE ch.status = 'waived'), 0)::bigint AS waived_fen, "
    "m.campus_id || '/' || m.class_id || '/' || m.month AS key, c.school_id, c.district_id "
    f"FROM ({DAMAGE_OF_CLASS}) m JOIN directory_campuses c USING (campus_id) "
    "LEFT JOIN directory_classes cl ON cl.class_id = m.class_id "
    f"LEFT JOIN {S}.charges ch ON ch.damage_event_id = m.event_id::text "
    "GROUP BY m.campus_id, m.class_id, cl.name, m.month, c.school_id, c.district_id) x"
)


def class_damage_list(principal: Principal, campus_id: str | None, month: str | None, class_id: str | None) -> Query:
    """Per campus, class and month (``YYYY-MM``): damages to assets and their charges, in the
    caller's scope; ordered by campus, class, month."""
    q = Query(CLASS_DAMAGE, "x.key").scoped(principal, "x.")
    return q.filter("x.campus_id = {}", campus_id).filter("x.month = {}", month).filter("x.class_id = {}", class_id)
