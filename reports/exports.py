"""Report files: XLSX (one sheet per table, frozen Chinese header), CSV (one file per table, zipped when
there are several) and, in reports/pdf.py, PDF. Cells keep numbers as numbers; a missing rate is empty."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from reports.bulletins import Report, Table

MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf",
         "csv": "text/csv; charset=utf-8", "zip": "application/zip"}


def write_xlsx(report: Report, out: BinaryIO) -> None:
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for table in report.tables:
        sheet = book.create_sheet(title=table.title[:31])
        sheet.freeze_panes = "A2"
        header = []
        for name in table.columns:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in table.rows:
            sheet.append(row)
    book.save(out)


def csv_text(columns: list[str], rows: Iterable[list[Any]]) -> Iterable[str]:
    """CSV lines with a BOM first, so spreadsheet programs read the Chinese header as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(columns)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(["" if v is None else v for v in row])
        yield buffer.getvalue()


def table_csv(table: Table) -> bytes:
    return "".join(csv_text(table.columns, table.rows)).encode("utf-8")


def write_csv(report: Report, out: BinaryIO) -> str:
    """All tables as CSV files in one ZIP (one file per table); returns the suffix written ('zip')."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for position, table in enumerate(report.tables, start=1):
            archive.writestr(f"{position:02d}_{table.title}.csv", table_csv(table))
    return "zip"


def write(report: Report, fmt: str, out: BinaryIO) -> None:
    if fmt == "xlsx":
        write_xlsx(report, out)
    elif fmt == "csv":
        write_csv(report, out)
    else:
        from reports.pdf import write_pdf

        write_pdf(report, out)
