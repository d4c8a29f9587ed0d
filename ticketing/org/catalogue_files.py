"""Catalogue, department and gazetteer files (CSV / XLSX): read them into checked rows, write them back.

Pure (no database). A file is read whole and checked whole: every problem is reported with the row number
a spreadsheet shows (the header is row 1), and a file with any problem yields no rows at all. References
to rows already in the database (a department code, a parent place) are checked by the importer, which
passes what it knows in `known`."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hotline.errors import ValidationFailed

COLUMNS = {
    "catalogue": ("code", "name", "class_code", "class_name", "responsible", "emergency", "keywords"),
    "departments": ("code", "name", "level", "parent", "district"),
    "gazetteer": ("kind", "code", "name", "parent_code", "aliases"),
}
REQUIRED = {
    "catalogue": ("code", "name", "class_code", "class_name", "responsible"),
    "departments": ("code", "name", "level"),
    "gazetteer": ("kind", "code", "name"),
}
KIND_ZH = {"catalogue": "派单目录", "departments": "单位", "gazetteer": "地名库"}
IMPORT_ORDER = ("departments", "gazetteer", "catalogue")  # later kinds refer to earlier ones
LOCAL = {"local:district": "district", "local:street": "street"}
EMERGENCY = ("110", "119", "120", "122")
LEVELS = ("city", "district", "street", "community", "unit")
PLACE_KINDS = ("district", "street", "community", "road")
PLACE_PARENT = {"district": (), "street": ("district",), "community": ("street",), "road": ("street", "district")}
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
MAX_LEN = {"code": 64, "class_code": 64, "parent": 64, "parent_code": 64, "district": 64, "name": 200,
           "class_name": 200, "keywords": 2000, "aliases": 2000}
MAX_ERRORS = 30  # errors listed for one file (the count says how many more)
MAX_ROWS = 50000


@dataclass
class Known:
    """What the database already holds, for checking references: codes → level / kind."""

    departments: dict[str, str] = field(default_factory=dict)  # code -> level
    places: dict[str, str] = field(default_factory=dict)  # code -> kind


class FileProblems(ValidationFailed):
    """A file that cannot be imported; `problems` lists 「第 N 行：…」 sentences."""

    def __init__(self, source: str, problems: list[str]) -> None:
        shown = problems[:MAX_ERRORS]
        more = f"（另有 {len(problems) - len(shown)} 处）" if len(problems) > len(shown) else ""
        super().__init__(f"{source} 未导入，发现 {len(problems)} 处问题{more}：" + "；".join(shown),
                         problems=shown, total=len(problems))
        self.problems = shown


@dataclass(frozen=True)
class Table:
    kind: str
    rows: list[dict[str, str]]  # column -> stripped text
    lines: list[int]  # spreadsheet row number of each row
    source: str


def detect_kind(header: Iterable[str]) -> str | None:
    names = {h.strip().lower() for h in header if h}
    for kind in ("catalogue", "gazetteer", "departments"):  # most specific first
        if set(REQUIRED[kind]) <= names and (kind != "departments" or "kind" not in names):
            return kind
    return None


def _cell(value: object, column: str, line: int, problems: list[str]) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and column in ("code", "class_code", "parent",
                                                                            "parent_code"):
        problems.append(f"第 {line} 行：{column} 是数字 {value}，编码须为文本（Excel 会去掉开头的 0），"
                        "请把该列设为文本格式")
    return str(value).strip()


def _table(grid: list[list[object]], source: str, kind: str | None) -> Table:
    if not grid or not any(str(c or "").strip() for c in grid[0]):
        raise FileProblems(source, ["第 1 行：没有表头（第一行应是列名）"])
    header = [str(c or "").strip().lower().lstrip("\ufeff") for c in grid[0]]
    found = detect_kind(header)
    kind = kind or found
    if kind is None or kind not in COLUMNS:
        raise FileProblems(source, ["第 1 行：认不出这是哪种表；派单目录须有列 " + ",".join(COLUMNS["catalogue"])
                                    + "，单位须有列 " + ",".join(COLUMNS["departments"])
                                    + "，地名库须有列 " + ",".join(COLUMNS["gazetteer"])])
    missing = [c for c in REQUIRED[kind] if c not in header]
    if missing:
        raise FileProblems(source, [f"第 1 行：{KIND_ZH[kind]}缺少列 {', '.join(missing)}"])
    if len(grid) - 1 > MAX_ROWS:
        raise FileProblems(source, [f"行数 {len(grid) - 1} 超过上限 {MAX_ROWS}"])
    index = {name: i for i, name in enumerate(header) if name in COLUMNS[kind]}
    rows, lines, problems = [], [], []
    for n, raw in enumerate(grid[1:], start=2):
        if not any(str(c or "").strip() for c in raw):
            continue  # blank line
        row = {col: _cell(raw[i] if i < len(raw) else None, col, n, problems) for col, i in index.items()}
        for col in COLUMNS[kind]:
            row.setdefault(col, "")
        rows.append(row)
        lines.append(n)
    if problems:
        raise FileProblems(source, problems)
    if not rows:
        raise FileProblems(source, [f"{KIND_ZH[kind]}没有数据行"])
    return Table(kind, rows, lines, source)


def read(data: bytes, filename: str, *, kind: str | None = None) -> list[Table]:
    """The tables in a CSV (one table) or XLSX file (one per sheet with a known header)."""
    name = Path(filename).name or "上传文件"
    if name.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data, name, kind)
    if not name.lower().endswith((".csv", ".txt")):
        raise FileProblems(name, ["只接受 .csv 或 .xlsx 文件"])
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in zh-CN saves CSV as GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileProblems(name, ["文件不是 UTF-8 或 GBK 编码的文本"])
    if "\x00" in text:
        raise FileProblems(name, ["文件含二进制内容，不是 CSV"])
    try:
        grid = [list(r) for r in csv.reader(io.StringIO(text))]
    except csv.Error as exc:
        raise FileProblems(name, [f"CSV 格式错误：{exc}"]) from exc
    return [_table(grid, name, kind)]


def _read_xlsx(data: bytes, name: str, kind: str | None) -> list[Table]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise FileProblems(name, [f"不是有效的 XLSX 文件（{type(exc).__name__}）"]) from exc
    tables = []
    try:
        for sheet in book.worksheets:
            grid = [list(r) for r in sheet.iter_rows(values_only=True)]
            if not grid:
                continue
            sheet_kind = kind or (sheet.title if sheet.title in COLUMNS else None)
            header = [str(c or "").strip().lower() for c in grid[0]]
            if sheet_kind is None and detect_kind(header) is None:
                continue
            tables.append(_table(grid, f"{name}（工作表 {sheet.title}）", sheet_kind))
    finally:
        book.close()
    if not tables:
        raise FileProblems(name, ["没有可导入的工作表（表头须是派单目录、单位或地名库的列名）"])
    return tables


def check(table: Table, known: Known, *, alongside: Mapping[str, Table] | None = None) -> None:
    """Row-by-row checks; FileProblems listing every problem. `alongside`: other tables of the same import."""
    alongside = alongside or {}
    problems: list[str] = []
    seen: dict[str, int] = {}
    for row, line in zip(table.rows, table.lines, strict=True):
        for col in REQUIRED[table.kind]:
            if not row[col]:
                problems.append(f"第 {line} 行：{col} 不能为空")
        for col, limit in MAX_LEN.items():
            if len(row.get(col, "")) > limit:
                problems.append(f"第 {line} 行：{col} 超过 {limit} 个字符")
        for col in ("code", "class_code"):
            if row.get(col) and not CODE.match(row[col]):
                problems.append(f"第 {line} 行：{col}「{row[col]}」只能由字母、数字和 _ . - 组成")
        code = row["code"]
        if code in seen:
            problems.append(f"第 {line} 行：编码 {code} 与第 {seen[code]} 行重复")
        elif code:
            seen[code] = line
    checker = {"catalogue": _check_catalogue, "departments": _check_departments, "gazetteer": _check_gazetteer}
    problems += checker[table.kind](table, known, alongside)
    if problems:
        raise FileProblems(table.source, sorted(problems, key=_line_of))


def _line_of(problem: str) -> int:
    found = re.match(r"第 (\d+) 行", problem)
    return int(found.group(1)) if found else 0


def _check_catalogue(table: Table, known: Known, alongside: Mapping[str, Table]) -> list[str]:
    problems = []
    depts = set(known.departments)
    if "departments" in alongside:
        depts |= {r["code"] for r in alongside["departments"].rows}
    matters = {r["code"] for r in table.rows}
    class_names: dict[str, tuple[str, int]] = {}
    for row, line in zip(table.rows, table.lines, strict=True):
        resp = row["responsible"]
        if resp and resp not in LOCAL and resp not in depts:
            problems.append(f"第 {line} 行：责任单位 {resp} 不存在（应为单位编码，或 local:district / local:street）")
        if row["emergency"] and row["emergency"] not in EMERGENCY:
            problems.append(f"第 {line} 行：emergency「{row['emergency']}」只能为空或 110/119/120/122")
        cls = row["class_code"]
        if cls in matters:
            problems.append(f"第 {line} 行：大类编码 {cls} 与某个事项编码相同")
        if cls and cls in class_names and class_names[cls][0] != row["class_name"]:
            problems.append(f"第 {line} 行：大类 {cls} 的名称「{row['class_name']}」与第 {class_names[cls][1]} 行"
                            f"「{class_names[cls][0]}」不一致")
        class_names.setdefault(cls, (row["class_name"], line))
    return problems


def _check_departments(table: Table, known: Known, alongside: Mapping[str, Table]) -> list[str]:
    problems = []
    parents = {r["code"]: r["parent"] for r in table.rows}
    codes = set(parents) | set(known.departments)
    for row, line in zip(table.rows, table.lines, strict=True):
        if row["level"] and row["level"] not in LEVELS:
            problems.append(f"第 {line} 行：level「{row['level']}」只能为 {'/'.join(LEVELS)}")
        if row["parent"] and row["parent"] not in codes:
            problems.append(f"第 {line} 行：上级单位 {row['parent']} 不存在")
        if row["level"] == "district" and not row["district"]:
            problems.append(f"第 {line} 行：区级单位须填 district（所辖区域编码）")
        node, steps = row["parent"], 0
        while node and node in parents and steps <= len(parents):
            if node == row["code"]:
                problems.append(f"第 {line} 行：单位 {row['code']} 的上级链回到了自身")
                break
            node, steps = parents[node], steps + 1
    return problems


def _check_gazetteer(table: Table, known: Known, alongside: Mapping[str, Table]) -> list[str]:
    problems = []
    kinds = dict(known.places) | {r["code"]: r["kind"] for r in table.rows}
    for row, line in zip(table.rows, table.lines, strict=True):
        kind = row["kind"]
        if kind and kind not in PLACE_KINDS:
            problems.append(f"第 {line} 行：kind「{kind}」只能为 {'/'.join(PLACE_KINDS)}")
            continue
        parent = row["parent_code"]
        allowed = PLACE_PARENT.get(kind, ())
        if kind == "district" and parent:
            problems.append(f"第 {line} 行：区（district）不应有上级")
        elif kind and kind != "district" and not parent:
            problems.append(f"第 {line} 行：{kind} 须填上级 parent_code")
        elif parent and parent not in kinds:
            problems.append(f"第 {line} 行：上级地名 {parent} 不存在")
        elif parent and kinds[parent] not in allowed:
            problems.append(f"第 {line} 行：{kind} 的上级须是 {'/'.join(allowed)}，{parent} 是 {kinds[parent]}")
    return problems


# --- writing ---------------------------------------------------------------------------------------


def to_csv(kind: str, rows: Iterable[Mapping[str, object]]) -> bytes:
    """UTF-8 with BOM, so Excel opens the Chinese text correctly."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS[kind], extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: ("" if row.get(c) is None else row.get(c)) for c in COLUMNS[kind]})
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(tables: Mapping[str, Iterable[Mapping[str, object]]]) -> bytes:
    """One sheet per kind, named by kind; every cell text (codes keep their leading zeros)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for kind, rows in tables.items():
        sheet = book.create_sheet(kind)
        sheet.append(list(COLUMNS[kind]))
        for row in rows:
            sheet.append(["" if row.get(c) is None else str(row.get(c)) for c in COLUMNS[kind]])
        for column in sheet.iter_cols():
            for cell in column:
                cell.number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
