"""PDF of a report with reportlab: headings, the tables (header repeated on every page) and bar charts.

Chinese text uses the Adobe-standard CID font STSong-Light (UniGB-UCS2-H): readers supply its glyphs (poppler
maps it to an installed CJK font such as Noto CJK) and the text stays extractable. reportlab cannot embed the
CFF-outline Noto CJK collections Debian ships."""

from __future__ import annotations

from typing import Any, BinaryIO

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from reports.bulletins import Report, Table

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
TITLE = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=24, spaceAfter=6)
HEADING = ParagraphStyle("heading", fontName=FONT, fontSize=13, leading=18, spaceBefore=10, spaceAfter=4, keepWithNext=1)
NOTE = ParagraphStyle("note", fontName=FONT, fontSize=8, leading=11, textColor=colors.grey, keepWithNext=1)
SERIES = [colors.HexColor("#2b6cb0"), colors.HexColor("#38a169"), colors.HexColor("#d69e2e"),
          colors.HexColor("#c53030")]
MAX_CELL = 28
CHART_DEPARTMENTS = 12  # more bars than this are unreadable on a page; the table holds them all


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}"
    text = str(value)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _table(table: Table) -> LongTable:
    data = [table.columns] + [[_text(v) for v in row] for row in table.rows]
    if not table.rows:
        data.append(["（本期无数据）"] + [""] * (len(table.columns) - 1))
    result = LongTable(data, repeatRows=1, hAlign="LEFT")
    result.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e2e8f0")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return result


def bar_chart(title: str, labels: list[str], series: list[tuple[str, list[float | None]]],
              *, width: float = 250 * mm, height: float = 70 * mm) -> Drawing:
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 12, title, fontName=FONT, fontSize=10))
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 30, width - 160, height - 55
    chart.data = [[v or 0 for v in values] for _, values in series]
    chart.categoryAxis.categoryNames = [label[:10] for label in labels]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 20 if len(labels) > 6 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(labels) > 6 else "n"
    chart.bars.strokeColor = None
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    for i, _ in enumerate(series):
        chart.bars[i].fillColor = SERIES[i % len(SERIES)]
    drawing.add(chart)
    if len(series) > 1:
        legend = Legend()
        legend.x, legend.y = width - 120, height - 25
        legend.fontName, legend.fontSize, legend.columnMaximum = FONT, 8, len(series)
        legend.colorNamePairs = [(SERIES[i % len(SERIES)], name) for i, (name, _) in enumerate(series)]
        drawing.add(legend)
    return drawing


def charts(report: Report) -> list[Drawing]:
    channel = report.table("channel")
    rows = [r for r in channel.rows if r[0] != "合计"]
    out = [bar_chart("来源渠道（件）", [r[0] for r in rows], [("件数", [r[1] for r in rows])])] if rows else []
    departments = [r for r in report.table("departments").rows if r[0] != "合计" and (r[1] or r[4])]
    departments = sorted(departments, key=lambda r: -(r[1] + r[4]))[:CHART_DEPARTMENTS]
    if departments:
        title = "部门三率与按时办结率（%）"
        if len(departments) == CHART_DEPARTMENTS:
            title += f"：案件最多的 {CHART_DEPARTMENTS} 个部门，全部部门见下表"
        out.append(bar_chart(title, [r[0] for r in departments],
                             [("响应率", [r[3] for r in departments]), ("解决率", [r[6] for r in departments]),
                              ("满意率", [r[9] for r in departments]), ("按时办结率", [r[11] for r in departments])]))
    return out


def write_pdf(report: Report, out: BinaryIO) -> None:
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm, title=report.title, author="12345 热线")
    story: list[Any] = [Paragraph(report.title, TITLE),
                        Paragraph(f"生成时间 {report.generated_at.astimezone(report.period.start.tzinfo):%Y-%m-%d %H:%M}",
                                  NOTE)]
    for drawing in charts(report):
        story += [drawing, Spacer(1, 4 * mm)]
    for table in report.tables:
        story.append(Paragraph(table.title, HEADING))
        if table.note:
            story.append(Paragraph(table.note, NOTE))
        story.append(_table(table))

    def footer(canvas, document) -> None:
        canvas.setFont(FONT, 8)
        canvas.drawRightString(document.pagesize[0] - 12 * mm, 6 * mm, f"第 {document.page} 页")

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
