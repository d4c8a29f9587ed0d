"""Row streams to files: CSV written line by line, XLSX through openpyxl's write-only workbook (rows go to a
temporary file, not memory). For exports of any size, e.g. a 1,000,000-row ledger."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from reports.exports import csv_text

CHUNK = 64 * 1024


def csv_chunks(columns: list[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """UTF-8 CSV (with BOM) in chunks of about CHUNK bytes, for a streamed HTTP response."""
    parts: list[str] = []
    size = 0
    for line in csv_text(columns, rows):
        parts.append(line)
        size += len(line)
        if size >= CHUNK // 3:  # ≤ 3 bytes per character in UTF-8
            yield "".join(parts).encode("utf-8")
            parts, size = [], 0
    if parts:
        yield "".join(parts).encode("utf-8")


def write(fmt: str, columns: list[str], rows: Iterable[list[Any]], out: BinaryIO, *, title: str) -> int:
    """Write every row; returns how many were written."""
    count = 0
    if fmt == "csv":
        def counted() -> Iterator[list[Any]]:
            nonlocal count
            for row in rows:
                count += 1
                yield row

        out.writelines(csv_chunks(columns, counted()))
        return count
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
        count += 1
    book.save(out)
    return count
