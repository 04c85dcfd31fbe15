"""The query parameter of the inventory's batch lookups: several ids in one read."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

Ids = Annotated[str | None, Query(description="Only these ids, comma-separated (for batch lookups)")]


def split_ids(ids: str | None) -> list[str] | None:
    """The ids of an ``Ids`` parameter (None: not asked for)."""
    return [i for i in ids.split(",") if i] if ids else None
