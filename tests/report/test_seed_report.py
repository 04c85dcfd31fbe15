"""The acceptance of the term report: the demo district's term (the seed's school, 薛家实验小学,
2020–2021 term 1) makes a report in which every fact of the seed appears with its number, in
the PDF's text (read with pdftotext) and in the Word file; the PDF's pages render and no glyph
fell back; a campus manager's report covers their campus; a teacher gets none; the office's
edits and issued versions are kept and reproducible."""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import pytest_asyncio
from docx import Document
from fontTools.ttLib import TTCollection
from PIL import Image

from tests.conftest import eventually
from tests.report.conftest import DemoSystem

SCHOOL, TERM = "xuexiao", "2020-2021-1"
DRILL_KINDS = ("新冠疫情", "学校传染病应急", "学校群体性食物中毒应急", "119消防", "校车安全", "学校燃气泄漏应急")
FONT_FILES = ("/usr/share/fonts/truetype/arphic/uming.ttc", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

FIGURES = """
query Report($school: ID!, $term: ID!, $campus: ID) {
  termReport(schoolId: $school, termId: $term, campusId: $campus) {
    reportId drafted title version drafts changedSinceIssue
    scope { campusIds wholeSchool termName }
    sections { key heading paragraphs { paragraphId text origin } }
    issued { version digest issuedBy }
    changes { version kind action paragraphId by }
    pdf: documentUrl(format: PDF)
    figures {
      safety {
        agreements { staffSigned staffTotal parentsSigned parentsTotal parentsFirstTime }
        health { filesOpened newPupils transferPupils specialConditions teachersTold }
        inspections { kind done missed }
        fireChecks { done monthsWithCheck monthsInTerm twoDirectors directors }
        hazards { reported escalated resolved escalatedItems { title campusName status } }
        buses { buses filesComplete routeChecks violations }
        drills { kind heldOn summarised }
        education { fridaySessions flagCeremonies ceremonyMonths }
        campaigns { name activities activitiesDone }
        injuries { total atBreaks bySetting { label count } }
      }
      canteen {
        committee { members meetings firstMeetingOn newThisTerm }
        parentVisits { visits weeksWithVisit reflectionsPublished }
        serving { audits uneven }
        contests { name entrants }
      }
      inventory {
        purchases { declared approved accepted settled dailyGoodsAccepted majorAccepted }
        stock { requisitionLists quotaItems stockTakes exchanges compensationCharges }
        assets { registered unregistered damageByClass { label count } }
        keys { issued returned outstanding }
        repairs { reported byReporterRole { label count } }
      }
      appraisals {
        months { month campusId average }
        deductions deductionsToldBefore
        awards { title prize level }
        honours { title level }
      }
    }
  }
}
"""


def flat(text: str) -> str:
    """The text without white space (a PDF breaks its lines anywhere in Chinese), NFKC-folded."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


async def settled_report(system: DemoSystem, campus: str | None = None, as_: str = "admin") -> dict[str, Any]:
    """The report once the demo's acts are in every read model: two reads a second apart agree,
    and the whole school's holds the seed's numbers (each service's read models catch up on their
    own, some through another's reactions: two reads can agree while one of them still lags)."""
    last: list[Any] = [None]
    whole = [False]

    async def steady() -> dict[str, Any] | None:
        body = await system.gql(FIGURES, as_=as_, school=SCHOOL, term=TERM, campus=campus)
        assert "errors" not in body, body["errors"]
        report: dict[str, Any] = body["data"]["termReport"]
        figures = report["figures"]
        ready = figures["appraisals"]["months"] and figures["inventory"]["assets"]["registered"]
        whole[0] = report["scope"]["wholeSchool"]
        ready = ready and (not whole[0] or seed_numbers_hold(figures))
        same = figures == last[0]
        last[0] = figures
        return report if ready and same else None

    try:
        found: dict[str, Any] = await eventually(steady, timeout=180, interval=1.0)
    except AssertionError:
        if whole[0] and last[0] is not None:
            check_seed_numbers(last[0])  # which number the seed says the figures never reached
        raise
    return found


def seed_facts(f: dict[str, Any]) -> dict[str, list[str]]:
    """Each fact of the seed, and the words (with its numbers) the report must say it in."""
    s, c, inv, a = f["safety"], f["canteen"], f["inventory"], f["appraisals"]
    ag, h, fc, hz, bus, ed = s["agreements"], s["health"], s["fireChecks"], s["hazards"], s["buses"], s["education"]
    kinds = {k["kind"]: k for k in s["inspections"]}
    setting = {x["label"]: x["count"] for x in s["injuries"]["bySetting"]}
    p, st, assets, keys = inv["purchases"], inv["stock"], inv["assets"], inv["keys"]
    roles = {x["label"]: x["count"] for x in inv["repairs"]["byReporterRole"]}
    return {
        "agreements by all staff and, first, by parents": [
            f"签订{ag['staffTotal']}人（共{ag['staffTotal']}人，签订率100%）",
            f"与家长签订安全责任状{ag['parentsTotal']}份（共{ag['parentsTotal']}户，签订率100%）",
            "这是学校首次与家长签订安全责任状",
        ],
        "health files, special conditions, teachers told": [
            f"健康档案{h['filesOpened']}份（新生{h['newPupils']}人、插班生{h['transferPupils']}人）",
            f"特殊体质或特殊情况学生{h['specialConditions']}人",
            f"已告知任课教师{h['teachersTold']}人次",
        ],
        "daily patrol, monthly check, special-issue check": [
            f"日巡视{kinds['daily_patrol']['done']}次",
            f"月检查{kinds['monthly_check']['done']}次",
            f"专项问题集中检查{kinds['special_check']['done']}次",
        ],
        "a fire check every month by two directors": [
            f"共完成消防检查{fc['done']}次，覆盖{fc['monthsInTerm']}个月（本学期{fc['monthsInTerm']}个月）",
            f"其中{fc['done']}次由两位主任",
        ],
        "wall tiles and manhole cover escalated and resolved": [
            "奥园校区外墙墙砖脱落",
            "操场窨井盖下沉",
            f"等{hz['escalated']}处隐患",
            f"已妥善解决{hz['escalated']}处",
        ],
        "one file per bus, six fixed, route checks": [
            f"共{bus['buses']}辆校车，{bus['buses']}辆“六定”",
            f"校车行驶线路检查{bus['routeChecks']}次",
        ],
        "Friday sessions and a monthly flag ceremony": [
            f"每周五夕会进行主题式的安全教育，本学期共开展{ed['fridaySessions']}次",
            f"升旗仪式{ed['flagCeremonies']}次（覆盖{ed['ceremonyMonths']}个月）",
        ],
        "six drill kinds with plan, record and summary": [
            f"共{len(s['drills'])}次、6类：" + "、".join(f"{k}演练" for k in DRILL_KINDS),
            f"{len(s['drills'])}次已完成总结",
        ],
        "the traffic-safety day six ones": ["六个一", "制定6项活动方案，已完成6项"],
        "4 injuries: 1 in PE, 3 at breaks or activities": [
            "发生了4起学生受伤事故",
            "1起发生在体育课",
            f"{setting.get('break', 0)}起发生在课间",
            "发生在课间或活动中的3起",
        ],
        "the new meal committee and its first meeting": [
            f"组建了新一届膳食委员会（委员{c['committee']['members']}人）",
            "第一次会议于",
        ],
        "a parent a week with published reflections": [
            f"本学期家长进校{c['parentVisits']['visits']}人次",
            f"推送心得体会{c['parentVisits']['reflectionsPublished']}篇",
        ],
        "the serving-skill contest after uneven portions": [
            f"发现学生餐盒打菜不均匀{c['serving']['uneven']}次",
            "打菜技能",
        ],
        "procurement declared, approved, accepted, settled": [
            f"申报采购{p['declared']}项、审批{p['approved']}项、验收{p['accepted']}项、结算{p['settled']}项",
            f"一般日常用品{p['dailyGoodsAccepted']}项由两校区副校长",
            f"重大采购及维修{p['majorAccepted']}项由学校验收小组",
        ],
        "requisition lists, term quotas, stock-takes": [
            f"建立物品领用清单{st['requisitionLists']}份",
            f"对{st['quotaItems']}种日常用品核定数量",
            f"盘库{st['stockTakes']}次",
        ],
        "old for new and compensation": [
            f"以旧（坏）换新{st['exchanges']}次",
            f"人为损坏照价赔偿{st['compensationCharges']}起",
        ],
        "asset registration not finished": [f"尚有{assets['unregistered']}件未登记"],
        "desks scratched in three new classrooms": [f"本学期{len(assets['damageByClass'])}个班级出现公物损坏"],
        "keys not returned": [f"仍有{keys['outstanding']}把钥匙未归还"],
        "the repair group of cleaners and guards": [
            "组建了校区保洁与保安的联合群",
            f"保洁{roles['cleaner']}次",
            f"保安{roles['guard']}次",
        ],
        "monthly appraisals with deductions told beforehand": [
            f"本学期考核{len({m['month'] for m in a['months']})}个月",
            f"共扣分{a['deductions']}项，其中{a['deductionsToldBefore']}项在公布前与员工进行了沟通",
        ],
        "the awards and the school's honour": ["常州市园林式单位", "师德演讲", "跳绳", "一等奖"],
    }


def test_the_seed_s_numbers_are_the_demo_s(demo_report: dict[str, Any]) -> None:
    """The figures themselves say what the seed says, where the seed gives a number."""
    check_seed_numbers(demo_report["figures"])


def seed_numbers_hold(f: dict[str, Any]) -> bool:
    """Whether the whole school's figures reached the seed's numbers yet."""
    try:
        check_seed_numbers(f)
    except AssertionError:
        return False
    return True


def check_seed_numbers(f: dict[str, Any]) -> None:
    """Asserts what the seed says by number, of the whole school's figures."""
    s, inv = f["safety"], f["inventory"]
    ag = s["agreements"]
    assert ag["staffSigned"] == ag["staffTotal"] > 0 and ag["parentsSigned"] == ag["parentsTotal"] > 0
    assert ag["parentsFirstTime"]
    assert s["injuries"]["total"] == 4 and s["injuries"]["atBreaks"] == 3
    assert {x["label"]: x["count"] for x in s["injuries"]["bySetting"]}.get("pe") == 1
    assert len({d["kind"] for d in s["drills"]}) == 6 and all(d["summarised"] for d in s["drills"])
    assert s["hazards"]["escalated"] == 2 and all(i["status"] == "closed" for i in s["hazards"]["escalatedItems"])
    assert s["fireChecks"]["monthsWithCheck"] == s["fireChecks"]["monthsInTerm"] == 5
    assert s["fireChecks"]["twoDirectors"] == s["fireChecks"]["done"]
    assert s["buses"]["buses"] == 1 and s["buses"]["filesComplete"] == 1
    assert all(k["missed"] == 0 for k in s["inspections"])
    assert f["canteen"]["committee"]["newThisTerm"] and f["canteen"]["committee"]["meetings"] >= 1
    assert inv["assets"]["unregistered"] > 0 and inv["keys"]["outstanding"] > 0
    assert len(inv["assets"]["damageByClass"]) == 3
    assert inv["purchases"]["majorAccepted"] >= 1 and inv["purchases"]["dailyGoodsAccepted"] >= 1
    assert {h["title"] for h in f["appraisals"]["honours"]} >= {"常州市园林式单位"}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def demo_report(demo_system: DemoSystem) -> dict[str, Any]:
    return await settled_report(demo_system)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def documents(demo_system: DemoSystem, demo_report: dict[str, Any]) -> dict[str, bytes]:
    """The report drafted by the demo's admin, then fetched in every format."""
    drafted = await demo_system.gql(DRAFT, school=SCHOOL, term=TERM)
    assert drafted["data"]["draftTermReport"]["__typename"] == "Accepted", drafted
    out: dict[str, bytes] = {}
    for fmt in ("pdf", "docx", "html"):
        response = await demo_system.client.get(
            f"/reports/{SCHOOL}/{TERM}", params={"format": fmt}, headers=demo_system.token("admin")
        )
        assert response.status_code == 200, response.text
        out[fmt] = response.content
    return out


DRAFT = """
mutation Draft($school: ID!, $term: ID!, $campus: ID) {
  draftTermReport(schoolId: $school, termId: $term, campusId: $campus) {
    __typename
    ... on Accepted { streamId version readAfter }
    ... on Forbidden { message }
    ... on InvalidInput { errors { field reason } }
  }
}
"""


def pdf_text(pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        return subprocess.run(
            ["pdftotext", "-enc", "UTF-8", f.name, "-"], capture_output=True, check=True
        ).stdout.decode()


def docx_text(raw: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(raw)).paragraphs)


def test_every_fact_of_the_seed_is_in_the_pdf_and_the_word_file(
    demo_report: dict[str, Any], documents: dict[str, bytes]
) -> None:
    facts = seed_facts(demo_report["figures"])
    for name, raw in (("pdf", pdf_text(documents["pdf"])), ("docx", docx_text(documents["docx"]))):
        text = flat(raw)
        missing = {fact: [w for w in words if flat(w) not in text] for fact, words in facts.items()}
        missing = {fact: words for fact, words in missing.items() if words}
        assert not missing, f"the {name} lacks: {missing}"
    assert flat("薛家实验小学后勤工作总结") in flat(pdf_text(documents["pdf"]))
    assert "【工作目标回顾】" in documents["html"].decode() and "存在问题" in documents["html"].decode()


def test_the_pdf_s_pages_render_and_no_glyph_fell_back(documents: dict[str, bytes]) -> None:
    pdf = documents["pdf"]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "report.pdf"
        path.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(Path(d) / "page")], check=True)
        pages = sorted(Path(d).glob("page*.png"))
        assert len(pages) >= 3
        for page in pages:
            grey = Image.open(page).convert("L")
            inked = sum(count for value, count in enumerate(grey.histogram()) if value < 160)
            assert inked > 200, f"{page.name} is blank (only its page number, if that)"
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in row for row in rows), fonts  # every font embedded
    assert all(("UMing" in row or "WenQuanYi" in row) for row in rows), fonts  # and only ours: no fallback face
    covered: set[int] = set()
    for file in FONT_FILES:
        for font in TTCollection(file).fonts:
            covered |= set(font.getBestCmap())
    text = pdf_text(pdf)
    uncovered = sorted({ch for ch in text if not ch.isspace() and ord(ch) not in covered})
    assert not uncovered, f"glyphs no embedded font has: {uncovered}"


def test_the_word_file_sets_the_east_asian_font_on_its_styles(documents: dict[str, bytes]) -> None:
    document = Document(io.BytesIO(documents["docx"]))
    for name in ("Normal", "Title", "Heading 2"):
        fonts = document.styles[name].element.rPr.rFonts
        assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") in ("宋体", "黑体")
    assert len(document.inline_shapes) == 4  # the four charts


async def test_a_campus_manager_s_report_covers_their_campus_and_a_teacher_gets_none(
    demo_system: DemoSystem, demo_report: dict[str, Any]
) -> None:
    main = await settled_report(demo_system, as_="zhou")
    assert main["scope"]["campusIds"] == ["main"] and not main["scope"]["wholeSchool"]
    assert main["reportId"] == f"{SCHOOL}-{TERM}-main"
    assert main["figures"]["safety"]["injuries"]["total"] == 3  # the fourth was on Aoyuan
    assert "奥园校区外墙墙砖脱落" not in "".join(p["text"] for s in main["sections"] for p in s["paragraphs"])
    other = await demo_system.gql(FIGURES, as_="zhou", school=SCHOOL, term=TERM, campus="aoyuan")
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    teacher = await demo_system.gql(FIGURES, as_="huang", school=SCHOOL, term=TERM)
    assert teacher["data"] is None and teacher["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    refused = await demo_system.gql(DRAFT, as_="huang", school=SCHOOL, term=TERM)
    assert refused["data"]["draftTermReport"]["__typename"] == "Forbidden"
    page = await demo_system.client.get(
        f"/reports/{SCHOOL}/{TERM}", params={"format": "pdf"}, headers=demo_system.token("huang")
    )
    assert page.status_code == 403
    assert (await demo_system.client.get(f"/reports/{SCHOOL}/{TERM}")).status_code == 401
    unknown = await demo_system.client.get(f"/reports/{SCHOOL}/1999-2000-1", headers=demo_system.token("admin"))
    assert unknown.status_code == 404
    bad = await demo_system.client.get(
        f"/reports/{SCHOOL}/{TERM}", params={"format": "exe"}, headers=demo_system.token("admin")
    )
    assert bad.status_code == 422


EDIT = """
mutation Edit($id: ID!, $paragraph: String!, $text: String!, $expected: Int) {
  editReportParagraph(reportId: $id, input: {paragraphId: $paragraph, text: $text, expectedVersion: $expected}) {
    __typename ... on Accepted { version readAfter } ... on VersionConflict { message field }
    ... on InvalidInput { errors { field reason } }
  }
}
"""
ISSUE = """
mutation Issue($id: ID!, $note: String!) {
  issueReport(reportId: $id, input: {note: $note}) {
    __typename ... on Accepted { version readAfter } ... on Rejected { message }
  }
}
"""
LIST = "query($school: ID!) { termReports(schoolId: $school) { reportId issuedVersion edits drafts } }"


async def test_the_office_edits_and_issues_versions_that_stay_as_issued(
    demo_system: DemoSystem, documents: dict[str, bytes]
) -> None:
    report_id = f"{SCHOOL}-{TERM}"
    before = (await settled_report(demo_system))["version"]
    first_words = "本学期后勤工作有变革、有作为。"
    edited = await demo_system.gql(EDIT, id=report_id, paragraph="closing", text=first_words, expected=before)
    assert edited["data"]["editReportParagraph"]["__typename"] == "Accepted", edited
    stale = await demo_system.gql(EDIT, id=report_id, paragraph="closing", text="又一稿", expected=before)
    assert stale["data"]["editReportParagraph"]["__typename"] == "VersionConflict"
    unknown = await demo_system.gql(EDIT, id=report_id, paragraph="nope", text="x")
    assert unknown["data"]["editReportParagraph"]["errors"][0]["field"] == "paragraphId"
    issued = await demo_system.gql(ISSUE, id=report_id, note="期末定稿")
    assert issued["data"]["issueReport"]["__typename"] == "Accepted", issued
    again = await demo_system.gql(ISSUE, id=report_id, note="再发一次")
    assert again["data"]["issueReport"]["__typename"] == "Rejected"

    async def version_doc(version: int) -> str:
        response = await demo_system.client.get(
            f"/reports/{SCHOOL}/{TERM}",
            params={"format": "docx", "version": version},
            headers=demo_system.token("admin") | {"Houqin-Read-After": issued["data"]["issueReport"]["readAfter"]},
        )
        assert response.status_code == 200, response.text
        return docx_text(response.content)

    v1 = await version_doc(1)
    assert first_words in v1 and "第1版（已发布）" in v1
    await demo_system.gql(EDIT, id=report_id, paragraph="closing", text="新学期，新作为。")
    second = await demo_system.gql(ISSUE, id=report_id, note="补充修改")
    assert second["data"]["issueReport"]["__typename"] == "Accepted"
    assert "新学期，新作为。" in await version_doc(2)
    again_v1 = await version_doc(1)
    assert again_v1.split("\n")[3:] == v1.split("\n")[3:]  # all but the line saying when it was made

    async def listed() -> bool:
        body = await demo_system.gql(LIST, school=SCHOOL)
        rows: dict[str, dict[str, Any]] = {r["reportId"]: r for r in body["data"]["termReports"]}
        return rows.get(report_id, {}).get("issuedVersion") == 2

    await eventually(listed, timeout=30)
    gone = await demo_system.client.get(
        f"/reports/{SCHOOL}/{TERM}", params={"version": 9}, headers=demo_system.token("admin")
    )
    assert gone.status_code == 404
