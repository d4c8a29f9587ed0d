"""Report pages in the console (supervisors and admins, zh-CN) and the report API: runs made and downloaded,
the ledger page and export, warnings banner and hand-off, boundary list, disclosure review."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from reports import warnings
from tests.reports_support import SUPERVISOR, seed_city
from tests.test_console_admin import console_login


def test_supervisor_makes_and_downloads_a_report(client, context, users):
    city = seed_city(context)
    user, _ = users("supervisor")
    csrf = console_login(client, user.username)
    page = client.get("/console/reports")
    assert page.status_code == 200 and "生成记录" in page.text and "暂无报表" in page.text
    made = client.post("/console/reports", data={"kind": "weekly", "day": city.day.isoformat(), "fmt": "xlsx",
                                                 "csrf_token": csrf}, follow_redirects=False)
    assert made.status_code == 303
    page = client.get("/console/reports").text
    assert "周汇总" in page and "已完成" in page
    link = re.search(r'href="(/console/reports/runs/\d+/file)"', page)[1]
    file = client.get(link)
    assert file.status_code == 200
    assert load_workbook(io.BytesIO(file.content))["部门排名"]["A1"].value == "排名"
    table = client.get(f"/console/reports/table.csv?kind=weekly&day={city.day}&table=ranking")
    assert table.text.lstrip("\ufeff").startswith("排名,部门")
    bad = client.post("/console/reports", data={"kind": "weekly", "fmt": "docx", "csrf_token": csrf})
    assert bad.status_code == 422 and "输入有误" in bad.text


def test_ledger_boundary_alerts_and_disclosure_pages(client, context, users):
    city = seed_city(context)
    user, _ = users("admin")
    csrf = console_login(client, user.username)
    ledger = client.get("/console/ledger", params={"channel": "web"})
    assert ledger.status_code == 200 and city.numbers["t_ok"] in ledger.text and city.numbers["h_ok"] not in ledger.text
    assert "13812345678" not in ledger.text
    export = client.get("/console/ledger/export", params={"overdue": "yes", "format": "csv"})
    lines = export.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("工单编号,受理时间") and len(lines) == 3
    assert client.get("/console/ledger", params={"stage": "bogus"}).status_code == 422
    boundary = client.get("/console/boundary")
    assert city.numbers["disputed"] in boundary.text and "同意退单，已改派" in boundary.text
    assert client.get("/console/boundary", params={"format": "xlsx"}).status_code == 200
    assert client.get("/console/alerts/banner").text.strip() == ""
    with context.sessions() as s:
        from datetime import timedelta

        from hotline.database import utcnow
        from reports.models import Alert

        s.add(Alert(kind="group", matter="噪音扰民", district="chaoyang", window_start=utcnow() - timedelta(hours=1),
                    window_end=utcnow(), observed=9, expected="", callers=9, case_numbers=[city.numbers["s_ok"]]))
        s.commit()
    assert "1 条未处理" in client.get("/console/alerts/banner").text
    alerts = client.get("/console/alerts").text
    assert "群体性诉求：噪音扰民" in alerts and "热点诉求" in alerts
    alert_id = warnings.alerts(context, actor=SUPERVISOR)[0]["id"]
    sent = client.post(f"/console/alerts/{alert_id}/handoff", data={"unit": "信访局", "note": "请关注",
                                                                    "csrf_token": csrf}, follow_redirects=False)
    assert sent.status_code == 303
    assert "已移交 信访局" in client.get("/console/alerts?status=handed_off").text
    month = city.day.strftime("%Y-%m")
    client.post("/console/disclosure/draft", data={"month": month, "csrf_token": csrf})
    assert "草稿待审核" in client.get("/console/disclosure").text
    client.post(f"/console/disclosure/{month}/publish", data={"csrf_token": csrf})
    assert month in client.get("/public/monthly.json").text


def test_agents_see_no_report_pages(client, context, users):
    seed_city(context)
    user, headers = users("agent")
    console_login(client, user.username)
    for path in ("/console/reports", "/console/ledger", "/console/alerts", "/console/boundary", "/console/disclosure"):
        assert client.get(path).status_code == 403, path
    assert client.get("/api/v1/ledger", headers=headers).status_code == 403


def test_report_api(client, context, users):
    city = seed_city(context)
    _, headers = users("supervisor")
    weekly = client.get("/api/v1/reports/bulletins/weekly", params={"date": city.day.isoformat()}, headers=headers)
    assert weekly.status_code == 200
    ranking = next(t for t in weekly.json()["tables"] if t["key"] == "ranking")
    assert ranking["columns"][0] == "排名"
    made = client.post("/api/v1/reports/runs", json={"kind": "monthly", "date": city.day.isoformat(), "format": "pdf"},
                       headers=headers)
    assert made.status_code == 201
    runs = client.get("/api/v1/reports/runs", headers=headers).json()
    assert runs[0]["id"] == made.json()["id"] and runs[0]["status"] == "done" and runs[0]["from"].endswith("-01")
    pdf = client.get(f"/api/v1/reports/runs/{runs[0]['id']}/file", headers=headers)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    page = client.get("/api/v1/ledger", params={"size": 3}, headers=headers).json()
    assert len(page["rows"]) == 3 and page["next_cursor"]
    rest = client.get("/api/v1/ledger", params={"size": 50, "cursor": page["next_cursor"]}, headers=headers).json()
    assert len(rest["rows"]) == len(city.numbers) - 3 and rest["next_cursor"] is None
    export = client.get("/api/v1/ledger/export", params={"format": "xlsx"}, headers=headers)
    assert load_workbook(io.BytesIO(export.content))["诉求台账"].max_row == len(city.numbers) + 1
    assert client.get("/api/v1/ledger", params={"channel": "fax"}, headers=headers).status_code == 422
    assert client.get("/api/v1/boundary", headers=headers).json()["rows"][0][0] == city.numbers["disputed"]
    assert client.get("/api/v1/alerts", headers=headers).json() == []


def test_console_table_names_match_the_bulletins(context):
    """Every table a bulletin holds has a CSV link with its Chinese title on the runs page."""
    from agent_console import views_reports as console
    from reports import bulletins

    city = seed_city(context)
    for kind in ("daily", "weekly", "monthly"):
        report = bulletins.build(context, kind=kind, day=city.day, actor=SUPERVISOR)
        assert console.TABLES[kind] == [t.key for t in report.tables]
        assert [console.TABLE_ZH[k] for k in console.TABLES[kind]] == [t.title for t in report.tables]
