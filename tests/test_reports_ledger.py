"""诉求台账 ledger: one row per case of every channel, masked callers, filters, keyset pages, streamed
export; and the 职责边界清单 of disputed owners with how each was settled."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from hotline.errors import PermissionDenied, ValidationFailed
from reports import boundary, ledger, streams
from tests.reports_support import SUPERVISOR, seed_city
from ticketing.enums import Role
from ticketing.org.auth import Actor


@pytest.fixture
def city(context):
    return seed_city(context)


def _numbers(context, **filters) -> list[str]:
    return [r[0] for r in ledger.stream(context, f=ledger.LedgerFilter(**filters), actor=SUPERVISOR)]


def test_every_case_is_a_row_with_the_ledger_columns(context, city):
    rows = list(ledger.stream(context, f=ledger.LedgerFilter(), actor=SUPERVISOR))
    assert sorted(r[0] for r in rows) == sorted(city.numbers.values())
    assert ledger.COLUMNS[:4] == ["工单编号", "受理时间", "渠道", "来电人"]
    row = {r[0]: dict(zip(ledger.COLUMNS, r)) for r in rows}
    late = row[city.numbers["h_late"]]
    assert (late["渠道"], late["主办部门"], late["环节"], late["满意度"], late["是否超期"]) == (
        "网站", "市住建局", "已办结", "不满意", "是")
    assert late["办理结果"] == "已处理完毕"
    assert row[city.numbers["h_ok"]]["来电人"] == "138****5678"
    assert row[city.numbers["h_open_late"]]["是否超期"] == "是"
    assert row[city.numbers["h_open"]]["是否超期"] == "否"
    assert all("13812345678" not in "".join(map(str, r)) for r in rows)


def test_filters(context, city):
    n, org = city.numbers, city.org
    assert set(_numbers(context, channel="web")) == {n["h_late"], n["t_ok"]}
    assert set(_numbers(context, department_id=org.street)) == {n["s_ok"], n["disputed"]}
    assert set(_numbers(context, stage="closed")) == {n["h_ok"], n["h_late"], n["t_ok"], n["s_ok"]}
    assert set(_numbers(context, overdue=True)) == {n["h_late"], n["h_open_late"]}
    assert len(_numbers(context, overdue=False)) == len(n) - 2
    assert set(_numbers(context, first=city.day, last=city.day)) == set(n.values())
    assert _numbers(context, first=city.day + timedelta(days=1), last=city.day + timedelta(days=3)) == []
    with pytest.raises(ValidationFailed):
        _numbers(context, channel="fax")
    with pytest.raises(ValidationFailed):
        _numbers(context, first=city.day, last=city.day - timedelta(days=1))


def test_pages_walk_every_row_once(context, city):
    seen, cursor = [], None
    while True:
        page = ledger.page(context, f=ledger.LedgerFilter(), actor=SUPERVISOR, cursor=cursor, size=3)
        seen += [r[0] for r in page.rows]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == _numbers(context)
    assert len(seen) == len(set(seen)) == len(city.numbers)


def test_stream_reads_in_batches(context, city, monkeypatch):
    monkeypatch.setattr(ledger, "BATCH", 2)
    assert sorted(_numbers(context)) == sorted(city.numbers.values())


def test_exports_csv_and_xlsx(context, city, tmp_path):
    buffer = io.BytesIO()
    count = streams.write("csv", ledger.COLUMNS, ledger.stream(context, f=ledger.LedgerFilter(), actor=SUPERVISOR),
                          buffer, title="诉求台账")
    rows = list(csv.reader(io.StringIO(buffer.getvalue().decode("utf-8-sig"))))
    assert count == len(city.numbers) == len(rows) - 1 and rows[0] == ledger.COLUMNS
    path = tmp_path / "l.xlsx"
    with open(path, "wb") as out:
        streams.write("xlsx", ledger.COLUMNS, ledger.stream(context, f=ledger.LedgerFilter(), actor=SUPERVISOR),
                      out, title="诉求台账")
    sheet = load_workbook(path)["诉求台账"]
    assert sheet.freeze_panes == "A2" and sheet.max_row == len(city.numbers) + 1


def test_only_supervisors_and_admins(context, city):
    agent = Actor(id=None, role=Role.AGENT, name="a")
    with pytest.raises(PermissionDenied):
        ledger.page(context, f=ledger.LedgerFilter(), actor=agent)
    with pytest.raises(PermissionDenied):
        boundary.rows(context, actor=agent)


def test_boundary_list_shows_the_dispute_and_its_settlement(context, city):
    rows = boundary.rows(context, actor=SUPERVISOR)
    assert len(rows) == 1
    row = dict(zip(boundary.COLUMNS, rows[0]))
    assert row["工单编号"] == city.numbers["disputed"]
    assert (row["退单部门"], row["退单理由"], row["建议部门"]) == ("市交通局", "不属于本单位职责", "望京街道")
    assert (row["审核结果"], row["审核意见"], row["改派部门"]) == ("同意退单，已改派", "属地街道负责", "望京街道")
    assert boundary.rows(context, actor=SUPERVISOR, status="pending") == []


def test_cli_exports_the_ledger_and_the_boundary_list(context, city, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from wiring.cli import main
    from hotline.context import AppContext

    monkeypatch.setattr(AppContext, "for_command", classmethod(lambda cls, settings=None: context))
    out = tmp_path / "ledger.csv"
    result = CliRunner().invoke(main, ["report", "ledger", "--out", str(out), "--overdue"])
    assert result.exit_code == 0, result.output
    lines = out.read_text("utf-8-sig").splitlines()
    assert len(lines) == 3 and {line.split(",")[0] for line in lines[1:]} == {city.numbers["h_late"],
                                                                             city.numbers["h_open_late"]}
    out = tmp_path / "boundary.xlsx"
    result = CliRunner().invoke(main, ["report", "boundary", "--out", str(out), "--format", "xlsx"])
    assert result.exit_code == 0, result.output
    assert load_workbook(out)["职责边界清单"]["A2"].value == city.numbers["disputed"]
    result = CliRunner().invoke(main, ["report", "ledger", "--out", str(tmp_path / "x.csv"), "--channel", "fax"])
    assert result.exit_code == 1 and "unknown channel 'fax'" in result.output
