"""Keyset pagination and scope filtering for query endpoints."""

from __future__ import annotations

import functools
import os
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import asyncpg
from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict

from services.eventkit.auth import Principal, Role
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

    def scoped(self, principal: Principal, prefix: str = "", roles: tuple[Role, ...] | None = None) -> Query:
        """Keeps the rows in the caller's scope (with ``roles``: where one of them is held)."""
        clause, values = principal.scope_sql(len(self.params) + 1, prefix, roles)
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


PageEndpoint = TypeVar("PageEndpoint", bound=Callable[..., Awaitable[Page]])

VALIDATE_READS = "HOUQIN_VALIDATE_READS"
"""Set (the tests set it), each page a read answers is validated against its documented rows."""


def page_route(
    router: APIRouter, path: str, row: type[BaseModel], **kwargs: Any
) -> Callable[[PageEndpoint], PageEndpoint]:
    """``@page_route(router, "/assets", Asset, summary="Assets")`` — a GET answering a page of rows.

    OpenAPI documents the answer as ``PageOf[row]`` (a client generated from it has the row's
    types); the page the query read is encoded by its own serializer. FastAPI's response-model
    path (dump, validate each row against the model, encode) cost three times the encoding of a
    page of 100 assets; with ``HOUQIN_VALIDATE_READS`` set, as in the tests, each page is validated."""
    model = PageOf[row]  # type: ignore[valid-type]
    get = router.get(path, response_model=model, **kwargs)

    def register(endpoint: PageEndpoint) -> PageEndpoint:
        @functools.wraps(endpoint)  # FastAPI reads the parameters of the endpoint it wraps
        async def answered(*args: Any, **kw: Any) -> Response:
            page = await endpoint(*args, **kw)
            if os.environ.get(VALIDATE_READS):
                model.model_validate(page.model_dump())
            return Response(page.__pydantic_serializer__.to_json(page), media_type="application/json")

        get(answered)
        return endpoint

    return register
