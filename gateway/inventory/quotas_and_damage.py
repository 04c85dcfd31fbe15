"""The inventory's quotas per term and department, and damage to assets by class per month, in
GraphQL: their types, the service calls that load them, their fields of the root ``Query`` and
their part of ``Campus`` (composed in ``gateway.campus``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import strawberry
from strawberry.types import Info

from gateway.common.campuses import CampusRef, campus_at_once, load_campus
from gateway.common.pages import AsOf, Connection, day, page
from gateway.common.scalars import BigInt
from gateway.context import GatewayContext

Ctx = Info[GatewayContext, None]


# -- types ----------------------------------------------------------------------------------


@strawberry.type(description="A department's quota (定额) of an item for a term: set, overridden, used and left")
class Quota:
    campus_id: strawberry.ID = strawberry.field(description="The campus")
    department_id: strawberry.ID = strawberry.field(description="The department (teaching group, office)")
    item_id: strawberry.ID = strawberry.field(description="The catalogue item")
    term_id: strawberry.ID = strawberry.field(description="The term of the school calendar")
    term_name: str | None = strawberry.field(description="The term's name (null: not in the school calendar)")
    current: bool = strawberry.field(description="Whether it is the quota of the term of the day asked about")
    quota: BigInt | None = strawberry.field(
        description="How many the department may be issued in the term (null: no quota set)"
    )
    overrides: BigInt = strawberry.field(description="How many more were approved beyond it (overridden)")
    used: BigInt = strawberry.field(description="How many were issued against it (old for new uses none)")
    left: BigInt | None = strawberry.field(description="Quota plus overridden minus used (null: no quota set)")

    @strawberry.field(description="The campus")
    @campus_at_once
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))


@strawberry.type(
    description="Damage to assets by one class (or its students) in one month, for the class evaluation "
    "(善真中队评比): how many, and what was charged for them"
)
class ClassDamage:
    campus_id: strawberry.ID = strawberry.field(description="The campus")
    class_id: strawberry.ID = strawberry.field(description="The class")
    class_name: str | None = strawberry.field(description="The class's name")
    month: str = strawberry.field(description="The month of the damages, YYYY-MM")
    damages: int = strawberry.field(description="Damages recorded against the class or its students")
    assets: int = strawberry.field(description="How many assets they damaged")
    charged_fen: BigInt = strawberry.field(description="What was charged for them, in fen (照价赔偿)")
    paid_fen: BigInt = strawberry.field(description="What of it was paid, in fen")
    waived_fen: BigInt = strawberry.field(description="What of it was waived, in fen")

    @strawberry.field(description="The campus")
    @campus_at_once
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))


# -- service calls ----------------------------------------------------------------------------


async def quotas_page(
    info: Ctx,
    campus_id: str | None,
    term_id: str | None,
    department_id: str | None,
    item_id: str | None,
    current_term: bool,
    as_of: dt.date | None,
    first: int,
    after: str | None,
) -> Connection[Quota] | None:
    return await page(
        info, "inventory", "/quotas", Quota,
        lambda q: f"{q['campus_id']}/{q['department_id']}/{q['item_id']}/{q['term_id']}", first, after,
        campus_id=campus_id, term_id=term_id, department_id=department_id, item_id=item_id,
        current_term=current_term or None, as_of=day(as_of),
    )  # fmt: skip


async def class_damage_page(
    info: Ctx, campus_id: str | None, month: str | None, class_id: str | None, first: int, after: str | None
) -> Connection[ClassDamage] | None:
    return await page(
        info, "inventory", "/damages/by-class", ClassDamage,
        lambda d: f"{d['campus_id']}/{d['class_id']}/{d['month']}", first, after,
        campus_id=campus_id, month=month, class_id=class_id,
    )  # fmt: skip


# -- fields -----------------------------------------------------------------------------------


@strawberry.type
class QuotasAndDamageQuery:
    @strawberry.field(
        description="Quotas per campus, department, item and term: set, overridden, used and left "
        "(currentTerm: only those of the term of asOf)"
    )
    async def quotas(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        term_id: strawberry.ID | None = None,
        department_id: strawberry.ID | None = None,
        item_id: strawberry.ID | None = None,
        current_term: bool = False,
        first: int = 100,
        after: str | None = None,
        as_of: AsOf = None,
    ) -> Connection[Quota] | None:
        return await quotas_page(info, campus_id, term_id, department_id, item_id, current_term, as_of, first, after)

    @strawberry.field(description="Damage to assets by class per month, with what was charged, paid and waived")
    async def class_damage(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        month: str | None = None,
        class_id: strawberry.ID | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[ClassDamage] | None:
        return await class_damage_page(info, campus_id, month, class_id, first, after)


@strawberry.type
class QuotasAndDamageOnCampus:
    if TYPE_CHECKING:
        campus_id: strawberry.ID  # the directory's part of the campus has it

    @strawberry.field(
        description="The quotas of this campus by term and department: set, overridden, used and left "
        "(currentTerm: only those of the term of asOf)"
    )
    async def quotas(
        self,
        info: Ctx,
        term_id: strawberry.ID | None = None,
        department_id: strawberry.ID | None = None,
        item_id: strawberry.ID | None = None,
        current_term: bool = False,
        first: int = 100,
        after: str | None = None,
        as_of: AsOf = None,
    ) -> Connection[Quota] | None:
        return await quotas_page(
            info, str(self.campus_id), term_id, department_id, item_id, current_term, as_of, first, after
        )

    @strawberry.field(description="Damage to assets on this campus by class per month (善真中队评比)")
    async def class_damage(
        self,
        info: Ctx,
        month: str | None = None,
        class_id: strawberry.ID | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[ClassDamage] | None:
        return await class_damage_page(info, str(self.campus_id), month, class_id, first, after)
