"""What one gateway process remembers between requests: campus rows, per caller's token.

A page of hazards with each item's campus asked the directory for those campuses on
every request: a call, the directory's query and its row conversion, about one
millisecond of CPU for a page, for rows that change a few times a term. They are kept
for ``campus_cache_ttl_s`` (2 s, as the services keep theirs), per bearer token: the
same token is the same principal, so it gets the answer the directory gave it, and
never another caller's. What the directory did not return (unknown, or outside the
caller's scope) is not kept, nor is anything after a failed call.
"""

from __future__ import annotations

import time
from typing import Any

MAX_ENTRIES = 50_000


class CampusMemo:
    def __init__(self, ttl_s: float, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._rows: dict[tuple[str, str], tuple[float, Any]] = {}

    @property
    def enabled(self) -> bool:
        return self.ttl_s > 0

    def get(self, token: str | None, campus_id: str) -> Any | None:
        """The campus this token was answered within the last ``ttl_s``, or None."""
        if not self.enabled or token is None:
            return None
        kept = self._rows.get((token, campus_id))
        if kept is None:
            return None
        if kept[0] < time.monotonic():
            del self._rows[(token, campus_id)]
            return None
        return kept[1]

    def put(self, token: str | None, campus_id: str, campus: Any) -> None:
        if not self.enabled or token is None or campus is None:
            return
        if len(self._rows) >= self.max_entries:
            self._evict()
        self._rows[(token, campus_id)] = (time.monotonic() + self.ttl_s, campus)

    def _evict(self) -> None:
        now = time.monotonic()
        for key in [k for k, (expires, _) in self._rows.items() if expires < now]:
            del self._rows[key]
        while len(self._rows) >= self.max_entries:  # all still fresh: the oldest go first
            del self._rows[next(iter(self._rows))]

    def __len__(self) -> int:
        return len(self._rows)
