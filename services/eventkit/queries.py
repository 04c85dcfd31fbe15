"""Keyset pagination and scope filtering for query endpoints."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import asyncpg
from pydantic import BaseModel, ConfigDict

from services.eventkit.auth import Principal
from services.eventkit.db import Connection

MAX_PAGE = 500


class Row(BaseModel):
    """What a read answers, as its OpenAPI documents it (a client generated from it has the
    types). A key the query adds beyond the fields named here still reaches the client."""

    model_config = ConfigDict(extra="allow")


RowT = TypeVar("RowT")


class PageOf(BaseModel, Generic[RowT]):
    """A page of rows; pass ``next_cursor`` as ``after`` to get the next one. A route documents
    its rows as ``PageOf[TheRow]`` (``PageOf_TheRow_`` in OpenAPI)."""

    items: list[RowT]
    next_cursor: str | None = None


Page = PageOf[dict[str, Any]]
"""The page a query builds: its rows as read."""


class Query:
    """Builds ``SELECT ... WHERE <scope> AND <filters> AND key > $after ORDER BY key LIMIT n``."""

    def __init__(self, select_from: str, key: str) -> None:
        self.select_from = select_from
        self.key = key
        self.where: list[str] = []
        self.params: list[Any] = []

    def param(self, value: Any) -> str:
        self.params.append(value)
        return f"${len(self.params)}"

    def filter(self, condition: str, value: Any) -> Query:
        """Adds ``condition`` with ``{}`` standing for the parameter, unless ``value`` is None."""
        if value is not None:
            self.where.append(condition.format(self.param(value)))
        return self

    def scoped(self, principal: Principal, prefix: str = "") -> Query:
        clause, values = principal.scope_sql(len(self.params) + 1, prefix)
        self.params.extend(values)
        self.where.append(clause)
        return self

    def page_sql(self, after: str | None, limit: int) -> tuple[str, list[Any]]:
        """The statement of a page (one row more than ``limit``, to know if another follows)."""
        where = list(self.where)
        params = list(self.params)
        if after is not None:
            params.append(after)
            where.append(f"{self.key} > ${len(params)}")
        sql = self.select_from
        if where:
            sql += " WHERE " + " AND ".join(where)
        params.append(limit + 1)
        sql += f" ORDER BY {self.key} LIMIT ${len(params)}"
        return sql, params

    async def page(self, db: asyncpg.Pool | Connection, after: str | None, limit: int) -> Page:
        limit = max(1, min(limit, MAX_PAGE))
        sql, params = self.page_sql(after, limit)
        rows = await db.fetch(sql, *params)
        items = [dict(r) for r in rows[:limit]]
        cursor = str(items[-1][self.key.split(".")[-1]]) if len(rows) > limit and items else None
        return Page(items=items, next_cursor=cursor)

    async def one(self, db: asyncpg.Pool | Connection) -> dict[str, Any] | None:
        sql = self.select_from + (" WHERE " + " AND ".join(self.where) if self.where else "")
        row = await db.fetchrow(sql, *self.params)
        return dict(row) if row else None
