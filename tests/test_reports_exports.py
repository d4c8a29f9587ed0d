"""周汇总 / 月总结 / 日调度 files: every figure equals the report service's, XLSX/CSV/PDF structure, empty
periods and departments without cases, report runs stored, and the `hotline report` command."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import zipfile
from datetime import timedelta

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from pypdf import PdfReader

from reports import bulletins, exports, runs
from reports.models import ReportRun
from tests.reports_support import SUPERVISOR, seed_city
from ticketing import reports as tr


@pytest.fixture
def city(context):
    return seed_city(context)


def _by_department(table: bulletins.Table) -> dict[str, list]:
    return {row[0]: row for row in table.rows}


def test_weekly_department_figures_equal_the_report_service(context, city):
    report = bulletins.build(context, kind="weekly", day=city.day, actor=SUPERVISOR)
    service = tr.department_report(context, period=report.period, actor=SUPERVISOR)
    table = _by_department(report.table("departments"))
    for f in [*service.departments, service.total]:
        assert table[f.department][1:] == [f.dispatched, f.responded, f.response_rate, f.closed, f.resolved,
                                           f.resolution_rate, f.rated, f.satisfied, f.satisfaction_rate,
                                           f.on_time, f.on_time_rate]
    overview = tr.overview(context, period=report.period, actor=SUPERVISOR)
    assert {r[0]: r[1] for r in report.table("channel").rows} == {
        **{k: v for k, v in zip(["电话", "网站", "微信/扫码"], [overview.intake_by_channel[c] for c in
                                                            ("phone", "web", "wechat")])},
        "合计": overview.intake_total}
    assert overview.intake_total == 8
    for idle in ("市政府", "朝阳区"):  # departments without cases are listed, with nothing to rate
        assert table[idle][1:] == [0, 0, None, 0, 0, None, 0, 0, None, 0, None]


def test_week_has_ranking_flags_repeats_and_overdue(context, city):
    report = bulletins.build(context, kind="weekly", day=city.day, actor=SUPERVISOR)
    ranking = report.table("ranking")
    assert ranking.columns[0] == "排名"
    ranked = [r for r in ranking.rows if r[0] is not None]
    assert [r[0] for r in ranked] == [1, 2, 3]
    assert [r[1] for r in ranked if r[-1] == "约谈"] == [ranked[1][1], ranked[2][1]]  # bottom two
    assert ranked[-1][1] == "市住建局"  # lowest score: late and dissatisfied cases
    assert {r[1]: r[-1] for r in ranking.rows if r[0] is None} == {"市政府": "无案件", "朝阳区": "无案件"}
    repeats = report.table("repeats").rows
    assert [(r[0], r[-1]) for r in repeats] == [(city.numbers["h_ok"], 2)]
    overdue = {r[0]: r[-1] for r in report.table("overdue").rows}
    assert overdue == {city.numbers["h_late"]: "逾期办结", city.numbers["h_open_late"]: "超期未办结"}
    # the cases closed late are exactly the closed ones not closed on time
    total = tr.department_report(context, period=report.period, actor=SUPERVISOR).total
    assert sum(1 for v in overdue.values() if v == "逾期办结") == total.closed - total.on_time


def test_monthly_flags_satisfaction_below_floor_and_average(context, city):
    report = bulletins.build(context, kind="monthly", day=city.day, actor=SUPERVISOR)
    rows = _by_department(report.table("satisfaction"))
    assert rows["市住建局"][3:] == [50.0, "是", "是"]
    assert rows["望京街道"][3:] == [100.0, "", ""]
    assert rows["市交通局"][3:] == [None, "", ""]  # nobody rated: no flag
    assert rows["合计"][3] == tr.department_report(context, period=report.period, actor=SUPERVISOR).total.satisfaction_rate
    lenient = context.settings.model_copy(update={"report_satisfaction_floor": 40.0})
    from dataclasses import replace

    rows = _by_department(bulletins.build(replace(context, settings=lenient), kind="monthly", day=city.day,
                                          actor=SUPERVISOR).table("satisfaction"))
    assert rows["市住建局"][4] == ""  # 50 % is above a 40 % floor, still below the average
    ledger = {r[0]: r[1:] for r in report.table("ledger").rows}
    assert ledger["合计"] == [8, 2]


def test_xlsx_has_one_frozen_sheet_per_table_with_chinese_headers(context, city, tmp_path):
    report = bulletins.build(context, kind="weekly", day=city.day, actor=SUPERVISOR)
    path = tmp_path / "w.xlsx"
    with open(path, "wb") as out:
        exports.write(report, "xlsx", out)
    book = load_workbook(path)
    assert book.sheetnames == [t.title for t in report.tables]
    for table in report.tables:
        sheet = book[table.title]
        assert sheet.freeze_panes == "A2"
        assert [c.value for c in sheet[1]] == table.columns
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in str(c.value)) for c in sheet[1])
        values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
        assert values == [[None if v == "" else v for v in row] for row in table.rows]  # '' is an empty cell
    assert book["部门排名"]["A1"].value == "排名"
    sheet = {row[0].value: [c.value for c in row[1:]] for row in book["部门三率"].iter_rows(min_row=2)}
    service = tr.department_report(context, period=report.period, actor=SUPERVISOR)
    for f in [*service.departments, service.total]:  # the file itself against the report service
        assert sheet[f.department] == [f.dispatched, f.responded, f.response_rate, f.closed, f.resolved,
                                       f.resolution_rate, f.rated, f.satisfied, f.satisfaction_rate, f.on_time,
                                       f.on_time_rate]


def test_csv_zip_holds_every_table(context, city, tmp_path):
    report = bulletins.build(context, kind="monthly", day=city.day, actor=SUPERVISOR)
    buffer = io.BytesIO()
    exports.write(report, "csv", buffer)
    with zipfile.ZipFile(buffer) as archive:
        names = archive.namelist()
        assert len(names) == len(report.tables)
        first = archive.read(names[report.tables.index(report.table("departments"))]).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(first)))
    assert rows[0] == bulletins.DEPT_COLUMNS
    assert rows[1][0] == "市住建局" and rows[1][3] == "40.0"


def test_pdf_renders_pages_with_extractable_chinese(context, city, tmp_path):
    report = bulletins.build(context, kind="monthly", day=city.day, actor=SUPERVISOR)
    path = tmp_path / "m.pdf"
    with open(path, "wb") as out:
        exports.write(report, "pdf", out)
    text = "".join(page.extract_text() for page in PdfReader(path).pages)
    for words in ("月总结", "部门排名", "满意度", "市住建局", city.numbers["h_late"]):
        assert words in text
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "page")], check=True)
        assert len(list(tmp_path.glob("page-*.png"))) >= 1


def test_a_period_without_cases(context, city, tmp_path):
    empty = city.day - timedelta(days=70)
    for kind in ("daily", "weekly", "monthly"):
        report = bulletins.build(context, kind=kind, day=empty, actor=SUPERVISOR)
        assert report.table("channel").rows == [["合计", 0]]
        departments = report.table("departments").rows
        assert departments[-1] == ["合计", 0, 0, None, 0, 0, None, 0, 0, None, 0, None]
        for fmt in ("xlsx", "pdf", "csv"):
            with open(tmp_path / f"{kind}.{fmt}", "wb") as out:
                exports.write(report, fmt, out)
        assert "（本期无数据）" in "".join(p.extract_text() for p in PdfReader(tmp_path / f"{kind}.pdf").pages)


def test_runs_are_stored_with_who_when_period_parameters_file(context, city):
    run_id = runs.generate(context, kind="weekly", day=city.day, fmt="xlsx", actor=SUPERVISOR, trigger="api")
    run, path = runs.run_file(context, run_id=run_id, actor=SUPERVISOR)
    monday = city.day - timedelta(days=city.day.weekday())
    assert (run.kind, run.fmt, run.status, run.trigger, run.requested_by_name) == ("weekly", "xlsx", "done", "api", "boss")
    assert (run.first_day, run.last_day) == (monday.isoformat(), (monday + timedelta(days=6)).isoformat())
    assert run.parameters["flag_bottom"] == 2 and run.finished_at is not None
    assert path.stat().st_size == run.file_size > 0
    listed = runs.runs(context, actor=SUPERVISOR)
    assert [r.id for r in listed] == [run_id]


def test_a_failing_run_is_recorded_as_failed(context, city, monkeypatch):
    def broken(*_a, **_k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "write", broken)
    with pytest.raises(RuntimeError):
        runs.generate(context, kind="daily", day=city.day, fmt="pdf", actor=SUPERVISOR, trigger="api")
    with context.reader() as s:
        run = s.query(ReportRun).one()
    assert run.status == "failed" and "disk full" in run.error


def test_bad_kind_and_format_are_rejected(context):
    from hotline.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        bulletins.period_of(context, "yearly", city_day := __import__("datetime").date(2026, 1, 1))
    with pytest.raises(ValidationFailed):
        runs.generate(context, kind="weekly", day=city_day, fmt="docx", actor=SUPERVISOR, trigger="api")


def test_cli_writes_weekly_xlsx_and_csv_tables(context, city, tmp_path, monkeypatch):
    from wiring.cli import main
    from hotline.context import AppContext

    monkeypatch.setattr(AppContext, "for_command", classmethod(lambda cls, settings=None: context))
    out = tmp_path / "weekly.xlsx"
    result = CliRunner().invoke(main, ["report", "weekly", "--date", city.day.isoformat(), "--format", "xlsx",
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert load_workbook(out)["部门排名"]["A1"].value == "排名"
    result = CliRunner().invoke(main, ["report", "weekly", "--date", city.day.isoformat(), "--format", "csv",
                                       "--out", str(tmp_path / "rank.csv"), "--table", "ranking"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "rank.csv").read_text("utf-8-sig").splitlines()[0].startswith("排名,部门")
    result = CliRunner().invoke(main, ["report", "monthly", "--date", city.day.isoformat(), "--format", "pdf",
                                       "--out", str(tmp_path / "m.pdf")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1])["files"] == [str(tmp_path / "m.pdf")]
    result = CliRunner().invoke(main, ["report", "daily", "--format", "csv", "--out", str(tmp_path / "d.csv"),
                                       "--table", "nope"])
    assert result.exit_code != 0 and "unknown table" in result.output
