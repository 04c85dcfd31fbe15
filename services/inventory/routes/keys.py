"""Keys: the commands of the table (issue, return, report lost), and the reads (all keys, the
outstanding ones, the overdue ones, one)."""

from __future__ import annotations

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, AsOf, Limit
from services.inventory.commands import COMMANDS
from services.inventory.common import STAFF
from services.inventory.keys import KeyStatus
from services.inventory.queries.keys import key, key_list, outstanding_key_list, overdue_key_list
from services.inventory.queries.models import Key, KeyFile, KeyOnDay

router = COMMANDS.router("keys")


@page_route(router, "/keys", Key, summary="Keys: who holds which, issued, returned or lost")
async def list_keys(
    inventory: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    holder_id: str | None = None,
    state: KeyStatus | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF)
    return await key_list(principal, campus_id, holder_id, state).page(inventory.pool, after, limit)


@page_route(router, "/keys/outstanding", KeyOnDay, summary="Keys issued and not returned on a day")
async def outstanding_keys(
    inventory: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    holder_id: str | None = None,
    after: After = None,
    limit: Limit = 100,
    as_of: AsOf = None,
) -> Page:
    principal.require_role(*STAFF)
    return await outstanding_key_list(principal, campus_id, holder_id, as_of).page(inventory.pool, after, limit)


@page_route(router, "/keys/overdue", KeyOnDay, summary="Outstanding keys past their due date, and by how many days")
async def overdue_keys(
    inventory: CampusCommandsDep,
    principal: CurrentPrincipal,
    as_of: AsOf = None,
    campus_id: str | None = None,
    holder_id: str | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF)
    return await overdue_key_list(principal, as_of, campus_id, holder_id).page(inventory.pool, after, limit)


@router.get("/keys/{key_id}", summary="One key, with every time it was issued")
async def get_key(key_id: str, inventory: CampusCommandsDep, principal: CurrentPrincipal) -> KeyFile:
    principal.require_role(*STAFF)
    return KeyFile.model_validate(await key(inventory.pool, principal, key_id))
