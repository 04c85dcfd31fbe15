"""The demo district: the seed's school and a term of its logistics, written through the real APIs.

新北区 holds 薛家实验小学 with its main campus (本部) and the Aoyuan campus (奥园校区), and a
second school (``demo.school`` holds them, and the directory's commands that write them). The
term reproduces the seed's facts: agreements signed by staff and, for the first time, parents;
health records and a special condition the class teachers acknowledge; monthly fire
inspections by two directors; the Aoyuan wall tiles and the playground manhole cover
escalated and resolved; a school bus file; six kinds of drill; Friday safety sessions, flag
ceremonies and the traffic-safety day "six ones"; four injuries (one in PE, three at breaks
or activities); purchases accepted by the vice principal or the acceptance team;
requisitions, stock-takes, room assets with scratched desks, and keys never collected back;
the canteen's term (``demo.canteen``): the new meal committee, a parent's visit each week on each
campus with the reflections posted to the parents' group, the leaders' lunches, three November
weeks of deliveries, pesticide tests, samples, morning checks and temperatures, the serving
audits, violations and the serving-skill contest, self-inspections and the satisfaction survey;
the logistics staff's monthly appraisals from September to December — the canteen's findings and
the contest's prizes among them — the district's prizes and the city's honour (``demo.appraisals``).

Every command goes through the services' HTTP APIs with the token of the person who would
do it, so the demo exercises the same rules as real use.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx

from demo import appraisals, cameras_comms, canteen, safety_regime, stock_and_damage, term_purchases, watch_duty
from demo import repairs_and_equipment as equipment
from demo.school import DISTRICT, SCHOOL, SEED, TERM
from services.eventkit.auth import Principal, Role, mint_token
from services.eventkit.settings import Settings

AGREEMENTS_ISSUED_AT = "2020-09-03T09:00:00+08:00"  # the term's agreements went out in its first week
NOT_YET_KNOWN = ("does not exist", "is not enrolled", "knows", "not catalogued")
WAIT_ROUNDS = 120  # x 0.25 s: how long a command waits for another service to catch up with the directory

DRILLS = [
    ("epidemic", "新冠疫情防控演练", "2020-09-16"),
    ("infectious_disease", "学校传染病应急演练", "2020-10-14"),
    ("food_poisoning", "群体性食物中毒应急演练", "2020-11-11"),
    ("school_bus", "校车安全演练", "2020-11-20"),
    ("fire", "119消防演练", "2020-12-09"),
    ("gas_leak", "燃气泄漏应急演练", "2021-01-06"),
]
# What the monthly fire inspections found wrong: (month, campus, checklist item) -> the finding
PROBLEMS: dict[tuple[str, str, str], dict[str, str]] = {
    ("2020-10", "main", "消防栓门板完好"): {
        "note": "学生课间打闹致门板损坏",
        "severity": "medium",
        "hazard_id": "main-hydrant-door",
    },
    ("2020-11", "aoyuan", "安全出口畅通"): {
        "note": "一楼安全出口堆放清洁工具",
        "severity": "low",
        "hazard_id": "aoyuan-exit-blocked",
        "responsible_staff_id": "pan-clean",  # proposed for her November appraisal
        "rule_code": "S-2",
    },
}
INJURIES = [
    ("inj-1", "lin", "pe", "2020-09-24T10:20:00+08:00", "体育课跳远扭伤脚踝"),
    ("inj-2", "yao", "break", "2020-10-19T09:40:00+08:00", "课间追逐撞到门框, 额头擦伤"),
    ("inj-3", "ma", "activity", "2020-11-05T15:10:00+08:00", "大课间跳绳绊倒, 膝盖擦伤"),
    ("inj-4", "he", "break", "2020-12-02T10:05:00+08:00", "课间在楼梯打闹, 手腕挫伤"),
]


class DemoLoader:
    """Writes the demo district; ``clients`` maps a service name to an HTTP client on it."""

    def __init__(self, clients: dict[str, httpx.AsyncClient], settings: Settings) -> None:
        self.clients = clients
        self.settings = settings
        self.tokens: dict[str, dict[str, str]] = {}
        self.done = 0

    def token(self, who: str) -> dict[str, str]:
        if who not in self.tokens:
            self.tokens[who] = {"Authorization": f"Bearer {mint_token(self.settings, self._principal(who))}"}
        return self.tokens[who]

    @staticmethod
    def _principal(who: str) -> Principal:
        if who == "platform":
            return Principal(subject="platform-admin", roles=frozenset([Role.PLATFORM_ADMIN]))
        if who == "admin":
            return Principal(
                subject="demo-admin", roles=frozenset([Role.DISTRICT_ADMIN]), districts=frozenset([DISTRICT])
            )
        return SEED.principal(who)

    async def post(
        self, service: str, path: str, body: dict[str, Any], as_: str, *, awaits: bool = False
    ) -> dict[str, Any]:
        """Sends a command; waits a little while another service has not yet learned of the
        directory's latest changes (they arrive through Kafka), or (``awaits``) while what the
        command acts on has not yet arrived (not found)."""
        for _ in range(WAIT_ROUNDS):
            response = await self.clients[service].post(path, json=body, headers=self.token(as_))
            if response.status_code == 200:
                self.done += 1
                result: dict[str, Any] = response.json()
                return result
            lagging = (
                response.status_code in (403, 409)
                or (response.status_code == 404 and awaits)
                or (response.status_code == 422 and any(w in response.text for w in NOT_YET_KNOWN))
            )
            if service == "directory" or not lagging:
                break
            await asyncio.sleep(0.25)
        raise RuntimeError(f"{service} POST {path} as {as_}: {response.status_code} {response.text}")

    async def sign(self, campaign_id: str, who: str, manager: str, at: str) -> None:
        """``who`` signs their agreement ``at``. A campaign issued before this service learned of
        every parent (the directory's changes arrive through Kafka) missed some: the manager issues
        it again, to those it missed (dated as the first issue), until the party has one."""
        path = f"/agreement-campaigns/{campaign_id}"
        for _ in range(WAIT_ROUNDS):
            response = await self.clients["safety"].post(
                f"{path}/sign", json={"party_id": who, "at": at}, headers=self.token(who)
            )
            if response.status_code == 200:
                self.done += 1
                return
            # A parent the issue missed is no party of it yet: to them the campaign does not exist (404).
            missed = ("has no agreement", "no agreement was issued", "does not exist")
            if not any(w in response.text for w in missed):
                break
            reissued = await self.clients["safety"].post(
                f"{path}/issue", json={"at": AGREEMENTS_ISSUED_AT}, headers=self.token(manager)
            )
            if reissued.status_code == 200:
                self.done += 1
            await asyncio.sleep(0.25)
        raise RuntimeError(f"safety POST {path}/sign as {who}: {response.status_code} {response.text}")

    async def issued_to_every_party(self, campaign_id: str, manager: str, parties: int) -> None:
        """Waits until the campaign's ``parties`` have their agreements before anyone signs. An issue
        made before this service learned of every party (the directory's changes arrive through
        Kafka) missed some: it is issued again to those, dated as the first issue, now rather than
        after the first signatures (an issue recorded after a signature it precedes in time). If
        the count is never reached, :meth:`sign` still issues to a party it finds without one."""
        path = f"/agreement-campaigns/{campaign_id}"
        for _ in range(WAIT_ROUNDS):
            counts = await self.clients["safety"].get(f"{path}/signing", headers=self.token(manager))
            if counts.status_code == 200 and counts.json()["issued"] >= parties:
                return
            reissued = await self.clients["safety"].post(
                f"{path}/issue", json={"at": AGREEMENTS_ISSUED_AT}, headers=self.token(manager)
            )
            if reissued.status_code == 200:
                self.done += 1  # the issue missed some: issued to them now
            await asyncio.sleep(0.25)

    async def stock_received(self, campus_id: str, received: dict[str, int], as_: str) -> None:
        """Waits until the inventory counts show each item received at least so many (what an
        accepted purchase brings in through the inventory's own reaction)."""
        for _ in range(WAIT_ROUNDS):
            response = await self.clients["inventory"].get(
                "/stock", params={"campus_id": campus_id, "limit": 200}, headers=self.token(as_)
            )
            if response.status_code == 200:
                have = {row["item_id"]: row["received"] or 0 for row in response.json()["items"]}
                if all(have.get(item, 0) >= qty for item, qty in received.items()):
                    return
            await asyncio.sleep(0.25)
        raise RuntimeError(f"the accepted goods never came into stock on {campus_id}: {received}; is inventory up?")

    async def already_loaded(self) -> bool:
        response = await self.clients["directory"].get("/districts", headers=self.token("platform"))
        return response.status_code == 200 and any(d["district_id"] == DISTRICT for d in response.json()["items"])

    async def load_directory(self) -> None:
        for command in SEED.commands():
            await self.post("directory", command.path, command.body, command.as_)

    async def load(self, progress: Callable[[str], None] = lambda _: None) -> int:
        """Writes the whole demo; returns how many commands it sent."""
        progress("directory: district, schools, campuses, staff, classes, students, parents")
        await self.load_directory()
        progress("safety: agreements, health records, inspections, hazards, bus, drills, education, injuries")
        await self.load_safety()
        await watch_duty.load(self)
        await cameras_comms.load(self)
        progress("inventory: catalogue, purchases, quotas, requisitions, stock-take, assets, keys, repairs")
        await self.load_inventory()
        await equipment.load_repairs_and_equipment(
            self
        )  # the hydrant door's repair; the new classrooms' desks registered
        await stock_and_damage.load_stock_and_damage(
            self
        )  # quotas of the term, desks scratched per class, old for new, a stock-take
        await term_purchases.load_term_purchases(self)  # the term's own purchases; the cleaners' repairs
        progress(
            "canteen and hr_eval: meal committee, parent visits, kitchen records, serving audits, violations, "
            "serving-skill contest; rule book, monthly appraisals, awards, honour"
        )
        await self.load_canteen()
        return self.done

    async def load_canteen(self) -> None:
        """The term's canteen and staff appraisal together, each command when it happened: what
        the canteen proposes (a serving audit's uneven portions, a violation, the contest's prizes)
        reaches the appraisal through Kafka, where a director confirms it into the worker's month
        before that month is finalised; and the rule book is there before the contest's results
        ask it for their bonus rules. The canteen's acts: ``demo.canteen``; the appraisal's (the
        rule book studied and acknowledged, four months opened, noted, told, answered, finalised
        and published on both campuses, the district's prizes, the honour): ``demo.appraisals``."""
        tagged = [(act.at, 1, n, "hr_eval", act) for n, act in enumerate(appraisals.acts())]
        tagged += [(act.at, 0, n, "canteen", act) for n, act in enumerate(canteen.acts())]
        for _, _, _, service, act in sorted(tagged, key=lambda t: t[:3]):
            path = act.path
            if act.proposal is not None:
                path = path.format(proposal_id=await self.proposal(act.proposal, act.as_))
            await self.post(service, path, act.body, act.as_, awaits=act.awaits)

    async def proposal(self, wanted: dict[str, str], as_: str) -> str:
        """The id of the proposal another service raised (it arrives through Kafka) for a worker's
        month, by its ``source_ref`` (or, for a prize's bonus, its ``source``), still waiting to be
        confirmed."""
        params = {k: wanted[k] for k in ("campus_id", "month", "staff_id")} | {"state": "received"}
        key = "source_ref" if "source_ref" in wanted else "source"
        for _ in range(WAIT_ROUNDS):
            response = await self.clients["hr_eval"].get("/proposals", params=params, headers=self.token(as_))
            if response.status_code == 200:
                for row in response.json()["items"]:
                    if row[key] == wanted[key]:
                        return str(row["proposal_id"])
            await asyncio.sleep(0.25)
        raise RuntimeError(f"hr_eval: no proposal {wanted} arrived ({response.status_code} {response.text})")

    async def load_safety(self) -> None:
        s = "safety"
        await cameras_comms.map_areas(self)  # first: the injuries name the camera areas they happened in
        for campus, manager in [("main", "zhou"), ("aoyuan", "shen")]:
            cid = f"{campus}-{TERM}"
            await self.post(
                s,
                "/agreement-campaigns",
                {
                    "campaign_id": cid,
                    "campus_id": campus,
                    "term_id": TERM,
                    "title": "2020-2021 第一学期 安全责任书",
                    "document_ref": "docs/agreements/2020-2021-1.pdf",
                    "parties": ["staff", "parent"],
                    "at": "2020-09-02T09:00:00+08:00",
                },
                manager,
            )
            await self.post(s, f"/agreement-campaigns/{cid}/issue", {"at": AGREEMENTS_ISSUED_AT}, manager)
            await self.issued_to_every_party(cid, manager, len(safety_regime.signatures(campus)))
        await safety_regime.sign_all(self)  # every member of staff and every parent
        await self.post(
            s,
            "/health-records/yao/special-conditions",
            {
                "condition_id": "peanut-allergy",
                "description": "花生过敏",
                "care_instructions": "避免含花生食物; 随身携带肾上腺素笔",
                "at": "2020-09-02T10:00:00+08:00",
            },
            "doctor-he",
        )
        await self.post(
            s,
            "/health-records/yao/acknowledge",
            {"condition_id": "peanut-allergy", "at": "2020-09-02T14:00:00+08:00"},
            "huang",
        )
        await self.post(  # the class's subject teacher is told too
            s,
            "/health-records/yao/acknowledge",
            {"condition_id": "peanut-allergy", "at": "2020-09-02T14:30:00+08:00"},
            "sun",
        )
        await self.post(s, "/health-records/yao/review", {"notes": "插班生体检表齐全", "on": "2020-09-03"}, "doctor-he")
        checklist = ["灭火器在有效期内", "安全出口畅通", "消防栓门板完好"]
        for month in ["2020-09", "2020-10", "2020-11", "2020-12", "2021-01"]:  # each month of the term
            for campus, first, second in [("main", "zhou", "gu"), ("aoyuan", "shen", "gu")]:
                iid = f"fire-{month}-{campus}"
                await self.post(
                    s,
                    "/inspections",
                    {
                        "inspection_id": iid,
                        "campus_id": campus,
                        "kind": "fire",
                        "areas": ["教学楼"],
                        "checklist": checklist,
                        "at": f"{month}-28T14:00:00+08:00",
                    },
                    first,
                )
                for item in checklist:
                    problem = PROBLEMS.get((month, campus, item))
                    await self.post(
                        s,
                        f"/inspections/{iid}/findings",
                        {
                            "item": item,
                            "area": "教学楼",
                            "ok": problem is None,
                            "at": f"{month}-28T14:30:00+08:00",
                            **(problem or {}),
                        },
                        first,
                    )
                await self.post(s, f"/inspections/{iid}/sign-off", {"at": f"{month}-28T15:30:00+08:00"}, first)
                await self.post(s, f"/inspections/{iid}/sign-off", {"at": f"{month}-28T15:40:00+08:00"}, second)
                await self.post(
                    s,
                    f"/inspections/{iid}/complete",
                    {"at": f"{month}-28T16:00:00+08:00", "summary": "两位主任亲自把关, 逐一检查"},
                    first,
                )
        await safety_regime.keep_the_regime(self)  # the daily patrols, monthly checks and special checks
        await self.post(
            s,
            "/hazards/main-hydrant-door/assign",
            {"assignee_id": "wang-tech", "at": "2020-10-28T16:30:00+08:00"},
            "zhou",
        )
        # the blocked exit is put down to the cleaner (a proposed deduction in her appraisal); she clears it
        steps: list[tuple[str, dict[str, Any], str]] = [
            ("assign", {"assignee_id": "pan-clean", "at": "2020-11-28T16:30:00+08:00"}, "shen"),
            ("rectify", {"at": "2020-11-28T17:00:00+08:00", "note": "清洁工具已移回工具间"}, "pan-clean"),
            ("verify", {"passed": True, "note": "安全出口畅通", "at": "2020-11-30T08:00:00+08:00"}, "shen"),
        ]
        for step, body, who in steps:
            await self.post(s, f"/hazards/aoyuan-exit-blocked/{step}", body, who)
        for hid, campus, area, text, by, fixer in [
            ("aoyuan-wall-tiles", "aoyuan", "奥园校区 教学楼外墙", "外墙墙砖脱落", "shen", "shen"),
            ("main-playground-manhole", "main", "本部 操场", "操场窨井盖下沉", "zhou", "zhou"),
        ]:
            await self.post(
                s,
                "/hazards",
                {
                    "hazard_id": hid,
                    "campus_id": campus,
                    "area": area,
                    "description": text,
                    "severity": "high",
                    "at": "2020-10-12T08:30:00+08:00",
                },
                by,
            )
            # high: resolved within its three days
            await self.post(
                s,
                f"/hazards/{hid}/escalate",
                {"authority": "新北区教育局 (上级部门)", "at": "2020-10-12T10:00:00+08:00"},
                by,
            )
            await self.post(
                s,
                f"/hazards/{hid}/rectify",
                {"at": "2020-10-14T10:00:00+08:00", "note": "上级部门安排施工, 已修复"},
                fixer,
            )
            await self.post(
                s,
                f"/hazards/{hid}/verify",
                {"passed": True, "note": "复查合格", "at": "2020-10-14T16:00:00+08:00"},
                "gu",
            )
        await self.post(
            s,
            "/buses",
            {
                "bus_id": "main-bus-1",
                "campus_id": "main",
                "file": {
                    "vehicle": "苏D·X1234 宇通ZK6609DX",
                    "driver": "张师傅",
                    "route": "薛家镇—本部",
                    "stops": ["顺园小区", "薛家镇政府", "本部东门"],
                    "times": "07:10-07:50, 16:00-16:40",
                    "escort": "刘老师",
                },
                "on": "2020-09-01",
            },
            "zhou",
        )
        await self.post(
            s,
            "/buses/main-bus-1/route-checks",
            {
                "check_id": "bus-1-2020-10",
                "on": "2020-10-09",
                "results": [{"point": p, "ok": True} for p in ["signs", "warning_boards", "guardrails", "speed_humps"]],
            },
            "zhou",
        )
        await self.post(
            s,
            "/buses/main-bus-1/violations",
            {"violation_id": "bus-1-v1", "on": "2020-10-10", "description": "超员行驶"},
            "zhou",
        )
        await self.post(
            s,
            "/buses/main-bus-1/violations/rectify",
            {"violation_id": "bus-1-v1", "on": "2020-10-11", "measures": "驾驶员培训, 按核定人数乘车"},
            "zhou",
        )
        for kind, title, day in DRILLS:
            did = f"main-{kind.replace('_', '-')}"
            await self.post(
                s,
                "/drills",
                {
                    "drill_id": did,
                    "campus_id": "main",
                    "kind": kind,
                    "title": title,
                    "planned_on": day,
                    "plan_ref": f"drills/{kind}-plan.pdf",
                    "at": f"{day}T08:00:00+08:00",  # planned that morning at the latest
                },
                "zhou",
            )
            await self.post(
                s,
                f"/drills/{did}/conduct",
                {"on": day, "participants": 1260, "evacuation_seconds": 185 if kind == "fire" else None},
                "zhou",
            )
            await self.post(
                s,
                f"/drills/{did}/summarise",
                {"summary": f"{title}顺利完成, 已推送报道", "at": f"{day}T17:00:00+08:00"},
                "zhou",
            )
        await safety_regime.give_sessions(self)  # a session each school Friday on each campus
        for day, theme in [
            ("2020-09-07", "开学第一课 安全教育"),
            ("2020-10-12", "珍爱生命 预防溺水"),
            ("2020-11-09", "消防安全"),
            ("2020-12-07", "交通安全"),
            ("2021-01-04", "平安寒假 安全过年"),
        ]:
            await self.post(s, "/flag-ceremonies", {"campus_id": "main", "on": day, "theme": theme}, "zhou")
        six = [
            "一次国旗下讲话",
            "一节班队活动课",
            "一次校车事故演练",
            "一次交通安全黑板报评比",
            "一个宣传橱窗",
            "一支志愿者队伍",
        ]
        await self.post(
            s,
            "/safety-campaigns",
            {
                "campaign_id": "main-traffic-day-2020",
                "campus_id": "main",
                "title": '交通安全日 "六个一"',
                "activities": six,
                "starts_on": "2020-11-02",
                "at": "2020-10-28T09:00:00+08:00",
            },
            "zhou",
        )
        for activity in six:
            await self.post(
                s,
                "/safety-campaigns/main-traffic-day-2020/activities",
                {"activity": activity, "on": "2020-11-20"},
                "zhou",
            )
        await self.post(
            s,
            "/safety-campaigns/main-traffic-day-2020/summarise",
            {"summary": "六项活动全部完成", "at": "2020-11-27T16:00:00+08:00"},
            "zhou",
        )
        for iid, student, setting, at, injury in INJURIES:
            manager = "shen" if student == "ma" else "zhou"
            cause = "体育课组织不当" if setting == "pe" else "课间文明活动的意识与习惯不足"
            await self.post(
                s,
                "/injuries",
                {
                    "injury_id": iid,
                    "student_id": student,
                    "setting": setting,
                    "at": at,
                    "injury": injury,
                    "first_aid": "医务室处理",
                    **cameras_comms.injury_place(iid),
                }
                | watch_duty.INJURY_PLACES.get(iid, {}),
                "doctor-he",
            )
            await self.post(s, f"/injuries/{iid}/notify-parent", {"at": at, "how": "电话"}, "doctor-he")
            await self.post(
                s,
                f"/injuries/{iid}/close",
                {"on": at[:10], "cause": cause, "measures": "班主任加强指导, 楼层值日及时到位"},
                manager,
            )

    async def load_inventory(self) -> None:
        i = "inventory"
        for item_id, name, unit, consumable, price, reorder in [
            ("broom", "笤帚", "把", True, 1500, 10),
            ("gloves", "手套", "副", True, 600, 20),
            ("pen", "签字笔", "支", True, 200, 100),
            ("desk", "课桌椅", "套", False, 45000, 0),
            ("projector", "投影仪", "台", False, 350000, 0),
        ]:
            await self.post(
                i,
                "/items",
                {
                    "item_id": item_id,
                    "school_id": SCHOOL,
                    "name": name,
                    "unit": unit,
                    "category": "日常用品" if consumable else "固定资产",
                    "consumable": consumable,
                    "unit_price_fen": price,
                    "reorder_point": reorder,
                    "at": "2020-08-17T09:00:00+08:00",
                },
                "zhou",
            )
        await self.post(
            i,
            "/purchases",
            {
                "purchase_id": "p-2020-09-cleaning",
                "campus_id": "main",
                "category": "everyday",
                "reason": "期初保洁用品补充",
                "at": "2020-08-28T10:00:00+08:00",
                "lines": [
                    {"description": "笤帚", "quantity": 30, "estimated_unit_price_fen": 1500, "item_id": "broom"},
                    {"description": "手套", "quantity": 60, "estimated_unit_price_fen": 600, "item_id": "gloves"},
                    {"description": "签字笔", "quantity": 500, "estimated_unit_price_fen": 200, "item_id": "pen"},
                ],
            },
            "zhou",
        )
        await self.post(
            i, "/purchases/p-2020-09-cleaning/approve", {"note": "同意", "at": "2020-08-31T09:00:00+08:00"}, "xu-vp"
        )
        await self.post(
            i,
            "/purchases/p-2020-09-cleaning/bought",
            {
                "supplier": "新北区某某商贸",
                "on": "2020-09-03",
                "bought": [
                    {"line": 0, "quantity": 30, "unit_price_fen": 1400},
                    {"line": 1, "quantity": 60, "unit_price_fen": 550},
                    {"line": 2, "quantity": 500, "unit_price_fen": 180},
                ],
            },
            "zhou",
        )
        await self.post(
            i,
            "/purchases/p-2020-09-cleaning/acceptance",
            {"note": "亲自验收签字", "at": "2020-09-04T15:00:00+08:00"},
            "xu-vp",
        )
        # the accepted goods come into stock by a reaction: the term's issues wait for them, so that
        # each item's stock is received before it is given out, as it was
        await self.stock_received("main", {"broom": 30, "gloves": 60, "pen": 500}, "zhou")
        await self.post(
            i,
            "/purchases/p-2020-09-cleaning/settle",
            {"invoice_ref": "发票 No. 03217788", "amount_fen": 165000, "on": "2020-09-10"},
            "zhou",
        )
        await self.post(
            i,
            "/purchases",
            {
                "purchase_id": "p-2020-09-classrooms",
                "campus_id": "main",
                "category": "major",
                "reason": "新增三个教室的课桌椅和投影仪",
                "at": "2020-08-20T10:00:00+08:00",
                # forty sets of desks and chairs for each new classroom, three projectors
                "lines": [
                    *(
                        {
                            "description": "课桌椅",
                            "quantity": equipment.DESKS_PER_ROOM,
                            "estimated_unit_price_fen": 45000,
                            "item_id": "desk",
                            "room": room,
                        }
                        for room in equipment.ROOMS
                    ),
                    {
                        "description": "投影仪",
                        "quantity": 3,
                        "estimated_unit_price_fen": 350000,
                        "item_id": "projector",
                    },
                ],
            },
            "zhou",
        )
        await self.post(
            i,
            "/purchases/p-2020-09-classrooms/approve",
            {"note": "共同讨论通过", "at": "2020-08-21T15:00:00+08:00"},
            "xu-vp",
        )
        await self.post(
            i,
            "/purchases/p-2020-09-classrooms/bought",
            {
                "supplier": "常州某教学设备公司",
                "on": "2020-08-25",
                "bought": [
                    *(
                        {
                            "line": n,
                            "quantity": equipment.DESKS_PER_ROOM,
                            "unit_price_fen": equipment.DESK_FEN,
                        }
                        for n in range(len(equipment.ROOMS))
                    ),
                    {"line": equipment.PROJECTORS_LINE, "quantity": 3, "unit_price_fen": 340000},
                ],
            },
            "zhou",
        )
        for member, at in [("team-a", "2020-08-26T10:00:00+08:00"), ("team-b", "2020-08-26T10:30:00+08:00")]:
            await self.post(i, "/purchases/p-2020-09-classrooms/acceptance", {"note": "一一过目", "at": at}, member)
        await self.post(
            i,
            "/quotas",
            {
                "campus_id": "main",
                "department_id": "office-teachers",
                "item_id": "pen",
                "term_id": TERM,
                "quantity": 200,
                "at": "2020-09-01T09:00:00+08:00",
            },
            "zhou",
        )
        # pens received from the district, then given out three days later
        for n, (who, qty, received, issued) in enumerate(
            [
                ("huang", 20, "2020-10-09T10:00:00+08:00", "2020-10-12T14:00:00+08:00"),
                ("sun", 20, "2020-10-16T10:00:00+08:00", "2020-10-19T14:00:00+08:00"),
            ]
        ):
            await self.post(
                i,
                "/stock/receipts",
                {"campus_id": "main", "item_id": "pen", "quantity": qty, "reason": "区里调拨", "at": received},
                "zhou",
            )
            await self.post(
                i,
                "/requisitions",
                {
                    "requisition_id": f"req-2020-10-{n}",
                    "campus_id": "main",
                    "department_id": "office-teachers",
                    "recipient_kind": "person",
                    "recipient_id": who,
                    "term_id": TERM,
                    "lines": [{"item_id": "pen", "quantity": qty // 2}],
                    "at": issued,
                },
                "zhou",
            )
        await self.post(
            i,
            "/stocktakes",
            {"stocktake_id": "st-main-2020-10", "campus_id": "main", "period": "monthly", "on": "2020-10-30"},
            "zhou",
        )
        await self.post(
            i,
            "/stocktakes/st-main-2020-10/counts",
            {"item_id": "pen", "counted": 18, "at": "2020-10-30T15:00:00+08:00"},
            "li-guard",
        )
        await self.post(i, "/stocktakes/st-main-2020-10/close", {"on": "2020-10-31"}, "zhou")
        for key_id, door, holder in [
            ("main-office-301", "本部 行政楼 301", "huang"),
            ("main-office-302", "本部 行政楼 302", "sun"),
        ]:
            await self.post(
                i,
                "/keys",
                {
                    "key_id": key_id,
                    "campus_id": "main",
                    "door": door,
                    "holder_id": holder,
                    "on": "2020-09-01",
                    "due_on": "2021-01-22",
                },
                "zhou",
            )
        await self.post(
            i,
            "/repairs",
            {
                "repair_id": "main-301-door-lock",
                "campus_id": "main",
                "place": "本部 行政楼 301",
                "description": "门锁损坏, 关不上",
                "at": "2020-10-12T07:50:00+08:00",
            },
            "li-guard",
        )
        await self.post(
            i,
            "/repairs/main-301-door-lock/assign",
            {"assignee_id": "wang-tech", "at": "2020-10-12T08:30:00+08:00"},
            "zhou",
        )
        await self.post(
            i,
            "/repairs/main-301-door-lock/done",
            {"at": "2020-10-12T15:30:00+08:00", "note": "更换门锁"},
            "wang-tech",
        )
        await self.post(i, "/repairs/main-301-door-lock/verify", {"at": "2020-10-13T09:00:00+08:00"}, "zhou")
