"""The demo's camera coverage, parent communications for safety education and the bus whose
items changed during the term.

The seed says that 3 of the term's 4 injuries happened at breaks or during activities, and that
the campus cameras are to be moved to cover as much as they can (校园监控要调整位置, 尽可能全覆盖):
main campus's teaching building has a camera on its east stairs and none in its second-floor
east corridor, where 姚同学 ran into the door frame at a break; the stairs' camera saw the
December break injury, the playground's the PE one. The corridor's blind spot is what the
incidents read counts. The seed teaches drowning, bullying, fire and mental health to parents
by letters (告家长书), expert talks (专家讲座) and WeChat posts (微信推送); the reach figures
are the demo's own (the seed gives none). The bus's stop at 薛家镇政府 is withdrawn from
2020-11-02, so the bus's file reads differently before and after that day.
"""

from __future__ import annotations

from typing import Any, Protocol

AREAS = [  # (area_id, building, place, camera installed on 2020-09-01 or None)
    ("main-stairs-east", "教学楼", "东楼梯", "cam-stairs-east-1"),
    ("main-2f-east", "教学楼", "二楼东走廊", None),
    ("main-playground", "操场", "跑道", "cam-playground-1"),
]
INJURY_PLACES = {"inj-1": "main-playground", "inj-2": "main-2f-east", "inj-4": "main-stairs-east"}
COMMUNICATIONS: list[dict[str, Any]] = [
    {
        "communication_id": "main-letter-drowning-2020",
        "kind": "letter",
        "themes": ["drowning"],
        "on": "2020-10-12",
        "title": "致家长的一封信: 珍爱生命 预防溺水",
        "reference": "docs/letters/2020-10-12-drowning.pdf",
        "reached": 1180,
        "acknowledged": 1126,
    },
    {
        "communication_id": "main-wechat-fire-2020",
        "kind": "wechat_post",
        "themes": ["fire"],
        "on": "2020-11-09",
        "title": "11·9 消防安全日: 家庭消防安全提示",
        "reference": "https://mp.weixin.qq.com/s/xuexiao-2020-11-09-fire",
        "reached": 1032,
        "acknowledged": 0,
    },
    {
        "communication_id": "main-talk-bullying-2020",
        "kind": "expert_talk",
        "themes": ["bullying", "mental_health"],
        "on": "2020-11-18",
        "title": "防校园欺凌 关注心理健康 家长讲座",
        "reference": "records/talks/2020-11-18.docx",
        "speaker": "新北区法治副校长",
        "reached": 236,
        "acknowledged": 236,
        "audience": {"scope": "grades", "grades": [5, 6]},
    },
    {
        "communication_id": "main-wechat-mental-health-2020",
        "kind": "wechat_post",
        "themes": ["mental_health"],
        "on": "2020-12-18",
        "title": "期末将至: 关注孩子的心理健康",
        "reference": "https://mp.weixin.qq.com/s/xuexiao-2020-12-18-mind",
        "reached": 1010,
        "acknowledged": 0,
    },
]
BUS_CHANGE = {
    "item": "stops",
    "value": ["顺园小区", "本部东门"],
    "reason": "撤销薛家镇政府站",
    "effective_on": "2020-11-02",
    "at": "2020-10-28T10:00:00+08:00",
}


class Poster(Protocol):
    async def post(
        self, service: str, path: str, body: dict[str, Any], as_: str, *, awaits: bool = False
    ) -> dict[str, Any]: ...


def injury_place(injury_id: str) -> dict[str, str]:
    """The camera area an injury of the demo is reported in (none for the Aoyuan one)."""
    area = INJURY_PLACES.get(injury_id)
    return {"camera_area_id": area} if area else {}


async def map_areas(loader: Poster) -> None:
    """The main campus's camera areas, as they were at the start of the term."""
    for area_id, building, place, camera in AREAS:
        body = {"area_id": area_id, "campus_id": "main", "building": building, "place": place, "on": "2020-09-01"}
        await loader.post("safety", "/camera-areas", body, "zhou")
        if camera is not None:
            install = {"camera_id": camera, "on": "2020-09-01"}
            await loader.post("safety", f"/camera-areas/{area_id}/cameras/install", install, "zhou")


async def load(loader: Poster) -> None:
    """The term's parent communications and the bus's changed stops."""
    for communication in COMMUNICATIONS:
        body = {"campus_id": "main", "audience": {"scope": "campus"}} | communication
        await loader.post("safety", "/parent-communications", body, "zhou")
    await loader.post(
        "safety",
        "/parent-communications/main-letter-drowning-2020/reach",
        {"reached": 1180, "acknowledged": 1172, "on": "2020-10-16"},  # the receipts back by Friday
        "zhou",
    )
    await loader.post("safety", "/buses/main-bus-1/items", BUS_CHANGE, "zhou")
