"""A rendered report as a PDF: title, data-as-of date, and per table its chart, figures and notes."""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from locale_da import long_date

from . import charts
from .formats import cell_text
from .render import RenderedReport, ReportTable

PAGE = landscape(A4)
MARGIN = 1.5 * cm
HEADER_BLUE = colors.HexColor("#1f5fa8")


def to_pdf(report: RenderedReport) -> bytes:
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                                 bottomMargin=MARGIN, title=report.name, author="Overblik", lang="da-DK")
    story: list[Flowable] = [
        Paragraph(_escape(report.name), styles["Title"]),
        Paragraph(_escape(f"{report.kind_label} for {report.municipality_name} Kommune, {report.period}. "
                          f"Data pr. {long_date(report.data_as_of)}."), styles["Normal"]),
    ]
    if report.description:
        story.append(Paragraph(_escape(report.description), styles["Italic"]))
    for remark in report.remarks:
        story.append(Paragraph(_escape(f"Bemærk: {remark}"), styles["Normal"]))
    for table in report.tables:
        story += _section(table, report.chart, styles)
    story.append(Spacer(1, 0.5 * cm))
    story.append(Paragraph(_escape(
        "Gruppens og landets værdier er summen af tællerne divideret med summen af nævnerne. Værdier bygget på "
        "for få personer vises ikke for andre kommuner (–). Lavet af Overblik."), styles["Italic"]))
    document.build(story, onFirstPage=_footer(report), onLaterPages=_footer(report))
    return buffer.getvalue()


def _section(table: ReportTable, chart_kind: str, styles) -> list[Flowable]:
    width = PAGE[0] - 2 * MARGIN
    parts: list[Flowable] = [Spacer(1, 0.4 * cm), Paragraph(_escape(table.title), styles["Heading2"])]
    figure = table.chart(chart_kind)
    if figure is not None:
        image = Image(io.BytesIO(charts.png(figure)))
        ratio = min(width * 0.8 / image.imageWidth, 8 * cm / image.imageHeight)
        image.drawWidth, image.drawHeight = image.imageWidth * ratio, image.imageHeight * ratio
        parts.append(image)
    frame = table.frame
    rows = [list(frame.columns)]
    for record in frame.itertuples(index=False):
        rows.append([cell_text(value, table.decimals.get(column, 2)) for column, value in zip(frame.columns, record,
                                                                                             strict=True)])
    grid = Table(rows, repeatRows=1, hAlign="LEFT")
    grid.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8), ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white), ("BACKGROUND", (0, 0), (-1, 0), HEADER_BLUE),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"), ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.whitesmoke]),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.lightgrey),
    ]))
    parts.append(grid)
    if table.notes:
        parts.append(KeepTogether([Paragraph("Noter", styles["Heading4"]),
                                   *[Paragraph(_escape(note), styles["Normal"]) for note in table.notes]]))
    return parts


def _footer(report: RenderedReport):
    def draw(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(MARGIN, 0.8 * cm, f"{report.name} · data pr. {long_date(report.data_as_of)}")
        canvas.drawRightString(PAGE[0] - MARGIN, 0.8 * cm, f"Side {document.page}")
        canvas.restoreState()
    return draw


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
