"""The report as a document: a web page, a PDF (the page printed by WeasyPrint) and a Word
file (python-docx, with the East Asian font set on every style so Chinese never falls back).

All three are made from one :class:`ReportDocument`: the report's title, its sections as the
office left them (or as the rules drafted them), and the figures its charts are drawn from."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from html import escape

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.styles.style import BaseStyle

from gateway.report.charts import Chart, charts
from services.campus.term_report import TermFigures
from services.report.events import Origin, Section

# TrueType CJK fonts from Debian (fonts-arphic-uming, fonts-wqy-microhei): a Ming face (明体, as
# 宋体 in print) for the text and a Hei face (黑体) for headings. Their glyphs subset in a second
# where the CFF outlines of fonts-noto-cjk take ten: the PDF embeds only the glyphs it uses.
SERIF = "AR PL UMing CN"
SANS = "WenQuanYi Micro Hei"
# Word on the office's machines has 宋体 and 黑体: the East Asian fonts of the .docx styles.
WORD_SERIF, WORD_SANS = "宋体", "黑体"
FORMATS = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass(frozen=True)
class ReportDocument:
    report_id: str
    title: str
    subtitle: str
    sections: tuple[Section, ...]
    figures: TermFigures
    state: str  # what the reader holds: a live draft, the office's draft, an issued version
    made_at: datetime

    def paragraphs(self, section: Section) -> list[str]:
        return [p.text for p in section.paragraphs if p.origin != Origin.REMOVED]

    def text(self) -> str:
        """The report's words, in order (what each format must show)."""
        lines = [self.title, self.subtitle]
        for s in self.sections:
            lines += [s.heading, *self.paragraphs(s)]
        return "\n".join(line for line in lines if line)


CSS = f"""
@page {{ size: A4; margin: 2.2cm 2.2cm 2.4cm;
  @bottom-center {{ content: counter(page) " / " counter(pages); font: 9pt "{SANS}"; color: #666; }} }}
body {{ font-family: "{SERIF}", "{SANS}", serif; font-size: 12pt; line-height: 1.75; color: #111; max-width: 46em;
  margin: 0 auto; }}
h1 {{ font-family: "{SANS}", sans-serif; font-size: 20pt; text-align: center; margin: 0 0 .2em; }}
p.subtitle {{ text-align: right; margin: 0 0 1.2em; font-size: 13pt; }}
p.state {{ text-align: center; color: #777; font-size: 9pt; margin: 0 0 1.5em; }}
h2 {{ font-family: "{SANS}", sans-serif; font-size: 13pt; margin: 1.1em 0 .3em; }}
p {{ text-indent: 2em; margin: 0 0 .4em; text-align: justify; }}
p.office {{ border-left: 2px solid #9bb; padding-left: .4em; }}
section.charts {{ break-before: page; }}
section.charts h2 {{ text-align: center; }}
figure {{ margin: .6em 0 1em; text-align: center; break-inside: avoid; }}
figure svg {{ width: 100%; height: auto; }}
figcaption {{ font-size: 10pt; color: #444; }}
"""


def html(doc: ReportDocument, drawn: list[Chart] | None = None) -> str:
    drawn = charts(doc.figures) if drawn is None else drawn
    body = [f"<h1>{escape(doc.title)}</h1>", f'<p class="subtitle">{escape(doc.subtitle)}</p>']
    body.append(f'<p class="state">{escape(doc.state)} · {doc.made_at:%Y-%m-%d %H:%M} 生成</p>')
    for section in doc.sections:
        if section.heading:
            body.append(f"<h2>{escape(section.heading)}</h2>")
        for p in section.paragraphs:
            if p.origin == Origin.REMOVED:
                continue
            css = ' class="office"' if p.origin in (Origin.ADDED, Origin.EDITED) else ""
            body.append(f'<p id="{escape(p.paragraph_id)}"{css}>{escape(p.text)}</p>')
    body.append('<section class="charts"><h2>附：本学期数据图表</h2>')
    for chart in drawn:
        body.append(
            f'<figure id="chart-{chart.key}">{chart.svg}<figcaption>{escape(chart.title)}</figcaption></figure>'
        )
    body.append("</section>")
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(doc.title)}</title><style>{CSS}</style></head><body>" + "\n".join(body) + "</body></html>"
    )


def pdf(doc: ReportDocument) -> bytes:
    from weasyprint import HTML  # imported on first use: it loads Pango

    result: bytes = HTML(string=html(doc)).write_pdf()
    return result


def _east_asian(style: BaseStyle, font: str, size: float | None = None) -> None:
    """The style's Latin and East Asian fonts: Word takes Chinese from ``w:eastAsia``."""
    style.font.name = font  # type: ignore[attr-defined]
    if size is not None:
        style.font.size = Pt(size)  # type: ignore[attr-defined]
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), font)


def docx(doc: ReportDocument, drawn: list[Chart] | None = None) -> bytes:
    drawn = charts(doc.figures) if drawn is None else drawn
    document = Document()
    for page in document.sections:
        page.left_margin = page.right_margin = Cm(2.2)
    styles = document.styles
    _east_asian(styles["Normal"], WORD_SERIF, 12)
    _east_asian(styles["Title"], WORD_SANS, 20)
    _east_asian(styles["Heading 2"], WORD_SANS, 13)
    _east_asian(styles["Caption"], WORD_SANS, 9)
    title = document.add_paragraph(doc.title, style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle = document.add_paragraph(doc.subtitle)
    subtitle.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    state = document.add_paragraph(f"{doc.state} · {doc.made_at:%Y-%m-%d %H:%M} 生成", style="Caption")
    state.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for section in doc.sections:
        if section.heading:
            document.add_paragraph(section.heading, style="Heading 2")
        for text in doc.paragraphs(section):
            paragraph = document.add_paragraph(text)
            paragraph.paragraph_format.first_line_indent = Pt(24)
    document.add_page_break()  # type: ignore[no-untyped-call]
    document.add_paragraph("附：本学期数据图表", style="Heading 2")
    for chart in drawn:
        document.add_picture(io.BytesIO(chart.png), width=Cm(15))
        document.add_paragraph(chart.title, style="Caption").alignment = WD_ALIGN_PARAGRAPH.CENTER
    out = io.BytesIO()
    document.core_properties.title = doc.title
    document.save(out)
    return out.getvalue()


def render(doc: ReportDocument, fmt: str) -> bytes:
    if fmt == "pdf":
        return pdf(doc)
    if fmt == "docx":
        return docx(doc)
    return html(doc).encode()
