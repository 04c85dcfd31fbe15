"""The console's projection cell, rendered from a service's answer: the position against the
head with when it was measured, and, while a first measure of millions of events is still being
made, "measuring" (polled until it is there)."""

from __future__ import annotations

from typing import Any

from gateway.console.routes import templates


def cell(**projection: Any) -> str:
    p = {"name": "roster", "rebuilding": False, "rebuild": None} | projection
    return templates.env.get_template("projection_cell.html").render(svc={"service": "directory"}, p=p)


def test_a_measured_projection_shows_its_position_when_it_was_measured_and_stays_still() -> None:
    html = cell(position=40, head=42, behind=2, measured_at="2026-12-05T03:40:01.5+00:00")
    assert "40 / 42 events" in html and "2 behind" in html
    assert 'title="measured at 2026-12-05 03:40:01 UTC"' in html
    assert "hx-trigger" not in html and "measuring" not in html
    assert "up to date" in cell(position=42, head=42, behind=0, measured_at="2026-12-05T03:40:01+00:00")


def test_a_projection_not_measured_yet_says_so_and_is_polled_until_it_is() -> None:
    html = cell(position=None, head=None, behind=None, measured_at=None)
    assert "measuring the position" in html
    assert 'hx-get="/console/projections/directory/roster/status"' in html and 'hx-trigger="every 1s"' in html
    assert "None" not in html and "behind" not in html and "up to date" not in html
