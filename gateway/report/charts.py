"""The report's charts, drawn from its figures: drills by month and kind, hazards by age,
injuries by setting, appraisal averages by month.

Drawn with matplotlib (Agg) with a CJK font from Debian's ``fonts-wqy-microhei``, so the Chinese
labels render. SVG for the web page and the PDF (glyphs as paths: the document needs no font
to show them), PNG for Word."""

from __future__ import annotations

import io
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib import pyplot as plt
from matplotlib.figure import Figure

from services.campus.term_report import TermFigures
from services.report.narrative import DRILL_NAMES, DRILL_ORDER, SETTING_NAMES, month_name, name_of

CJK_FONT_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",)  # Debian's fonts-wqy-microhei
CJK_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans CJK JP")
_lock = threading.Lock()  # pyplot's state is global: one chart at a time
_font_ready = False


def cjk_font() -> str | None:
    """The CJK family matplotlib draws with, registering Debian's Noto CJK file if the font
    cache was built before it was installed (None: not installed; ``./houqin`` installs it)."""
    global _font_ready
    if not _font_ready:
        for path in CJK_FONT_FILES:
            if Path(path).exists():
                font_manager.fontManager.addfont(path)
        _font_ready = True
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in CJK_FAMILIES if n in names), None)


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    svg: str
    png: bytes


def _figure() -> Figure:
    family = cjk_font()
    plt.rcParams["font.family"] = [family] if family else ["sans-serif"]
    plt.rcParams["svg.fonttype"] = "path"
    plt.rcParams["axes.unicode_minus"] = False
    fig = plt.figure(figsize=(6.4, 3.0), dpi=100)
    return fig


def _render(key: str, title: str, fig: Figure) -> Chart:
    fig.tight_layout()
    svg, png = io.StringIO(), io.BytesIO()
    fig.savefig(svg, format="svg")
    fig.savefig(png, format="png", dpi=150)
    plt.close(fig)
    return Chart(key, title, svg.getvalue().split("?>", 1)[-1].strip(), png.getvalue())


def charts(figures: TermFigures) -> list[Chart]:
    with _lock:
        return [_drills(figures), _hazards(figures), _injuries(figures), _appraisals(figures)]


def _drills(f: TermFigures) -> Chart:
    title = "各月演练（按类别）"
    months = sorted({d.held_on.strftime("%Y-%m") for d in f.safety.drills if d.held_on})
    fig = _figure()
    ax = fig.add_subplot()
    bottoms = [0] * len(months)
    for kind in DRILL_ORDER:
        per = Counter(d.held_on.strftime("%Y-%m") for d in f.safety.drills if d.held_on and d.kind == kind)
        if not per:
            continue
        heights = [per.get(m, 0) for m in months]
        ax.bar([month_name(m) for m in months], heights, bottom=bottoms, label=name_of(DRILL_NAMES, kind))
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    ax.set_title(title)
    ax.set_ylabel("次数")
    if months:
        ax.legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    else:
        ax.text(0.5, 0.5, "本学期无演练记录", ha="center", va="center", transform=ax.transAxes)
    return _render("drills", title, fig)


def _hazards(f: TermFigures) -> Chart:
    title = "安全隐患整改时长"
    buckets = f.safety.hazards.by_age
    fig = _figure()
    ax = fig.add_subplot()
    ax.bar([b.label for b in buckets], [b.count for b in buckets], color="#c0504d")
    ax.set_title(title)
    ax.set_ylabel("处")
    return _render("hazards", title, fig)


def _injuries(f: TermFigures) -> Chart:
    title = "学生受伤事故（按场合）"
    settings = [c for c in f.safety.injuries.by_setting if c.count]
    fig = _figure()
    ax = fig.add_subplot()
    ax.bar([name_of(SETTING_NAMES, c.label) for c in settings], [c.count for c in settings], color="#4f81bd")
    if not settings:
        ax.text(0.5, 0.5, "本学期无受伤事故", ha="center", va="center", transform=ax.transAxes)
    ax.set_title(title)
    ax.set_ylabel("起")
    return _render("injuries", title, fig)


def _appraisals(f: TermFigures) -> Chart:
    title = "后勤月考核平均分（按月、校区）"
    fig = _figure()
    ax = fig.add_subplot()
    campuses = sorted({m.campus_id for m in f.appraisals.months})
    names = dict(zip(f.scope.campus_ids, f.scope.campus_names or f.scope.campus_ids, strict=False))
    for campus in campuses:
        rows = sorted(
            (m for m in f.appraisals.months if m.campus_id == campus and m.average is not None), key=lambda m: m.month
        )
        averages = [float(m.average or 0) for m in rows]
        ax.plot([month_name(m.month) for m in rows], averages, marker="o", label=names.get(campus, campus))
    if campuses:
        ax.legend(fontsize=8)
    else:
        ax.text(0.5, 0.5, "本学期无考核记录", ha="center", va="center", transform=ax.transAxes)
    ax.set_title(title)
    ax.set_ylabel("分")
    return _render("appraisals", title, fig)
