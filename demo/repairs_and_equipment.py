"""The demo's repairs that close the loop with safety, and the new classrooms' assets registered
to their rooms (both through reactions, each act dated when it happened).

- The hydrant's cabinet door on main (消防栓门板, broken by pupils playing at break, found by
  October's fire inspection and assigned in-house to the technician) is fixed by him; the
  logistics director verifies the repair in the inventory, which rectifies the hazard in safety
  (a reaction); a manager who did not fix it verifies the hazard and closes it.
- The three new classrooms' equipment (the major purchase accepted by the acceptance team on
  26 August: forty sets of desks and chairs for each classroom, three projectors) is received
  as assets waiting to be registered to their rooms (a reaction). The projectors are registered
  to the three rooms, and the desks room by room in the first week of term: class 6-1's forty,
  then part of the other two rooms'; the rest still waits (seed: 各室财产登记未完成). The desks
  scratched this term (``demo.stock_and_damage``) are among those registered.
"""

from __future__ import annotations

from typing import Protocol

CLASSROOMS_PURCHASE = "p-2020-09-classrooms"
ROOMS = ["301 六1班教室", "302 六2班教室", "303 新增教室"]  # the purchase's desk lines, one per room, in this order
DESKS_PER_ROOM = 40
DESK_FEN = 44000  # the price paid for a set of desk and chair
PROJECTORS_LINE = len(ROOMS)  # the purchase's line after the desks'
# (room, desks registered, day): class 6-1's all, 6-2's and 303's partly; the others wait
DESKS_REGISTERED = ((ROOMS[0], 40, "2020-09-08"), (ROOMS[1], 20, "2020-09-09"), (ROOMS[2], 10, "2020-09-10"))
DESKS_WAITING = len(ROOMS) * DESKS_PER_ROOM - sum(n for _, n, _ in DESKS_REGISTERED)
HYDRANT_REPAIR = "hazard-main-hydrant-door"


class Poster(Protocol):
    async def post(
        self, service: str, path: str, body: dict[str, object], as_: str, *, awaits: bool = False
    ) -> dict[str, object]: ...


def purchased(line: int, unit: int) -> str:
    """The asset of a unit of the classrooms' purchase (services.inventory.assets.purchased_asset_id)."""
    return f"bought-{CLASSROOMS_PURCHASE}-{line + 1}-{unit + 1}"


def desk(room: str, unit: int) -> str:
    """The ``unit``-th set of desks bought for ``room`` (from 0)."""
    return purchased(ROOMS.index(room), unit)


async def load_repairs_and_equipment(loader: Poster) -> None:
    i = "inventory"
    # the projectors first, then the desks room by room, in the first week of term
    for n, room in enumerate(ROOMS):
        await loader.post(
            i,
            f"/assets/{purchased(PROJECTORS_LINE, n)}/registration",
            {"tag": f"XJ-2020-P{n + 1:03d}", "room": room, "on": "2020-09-07"},
            "zhou",
            awaits=True,  # received from the accepted purchase by a reaction
        )
    for room, registered, day in DESKS_REGISTERED:
        for unit in range(registered):
            await loader.post(
                i,
                f"/assets/{desk(room, unit)}/registration",
                {"tag": f"XJ-2020-D{ROOMS.index(room) + 1}{unit + 1:02d}", "on": day},  # the room it was bought for
                "zhou",
                awaits=True,
            )
    # the hydrant's door: repaired by the technician, the repair verified by the director
    await loader.post(
        i,
        f"/repairs/{HYDRANT_REPAIR}/done",
        {"at": "2020-10-29T10:30:00+08:00", "note": "更换消防栓门板和合页"},
        "wang-tech",
        awaits=True,  # opened in the inventory by a reaction to the hazard's assignment
    )
    await loader.post(i, f"/repairs/{HYDRANT_REPAIR}/verify", {"at": "2020-10-29T16:00:00+08:00"}, "zhou")
    # the hazard is rectified by that verification (a reaction); a manager who did not fix it closes it
    await loader.post(
        "safety",
        "/hazards/main-hydrant-door/verify",
        {"passed": True, "note": "门板完好, 开关顺畅", "at": "2020-10-30T09:00:00+08:00"},
        "gu",
        awaits=True,  # a 409 (not yet rectified) is waited out by the loader, like a 404
    )
