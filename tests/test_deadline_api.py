"""Deadline HTTP API (permissions, validation, immediate effect of edits) and the `hotline sla due` command."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from click.testing import CliRunner

from hotline.settings import get_settings
from ticketing.deadlines import service
from ticketing.deadlines.cli import sla
from wiring import app as app_module


@pytest.fixture
def api(context, monkeypatch):
    """The real app factory and error handlers, with only this package's router mounted, so these tests do
    not depend on routers other engineers are still writing."""
    from fastapi.testclient import TestClient

    monkeypatch.setattr(app_module, "ROUTERS", ["ticketing.deadlines.views"])
    with TestClient(app_module.create_app(context.settings, context=context)) as client:
        yield client


@pytest.fixture
def admin(users):
    return users("admin")[1]


@pytest.fixture
def agent(users):
    return users("agent")[1]


RULE = {"kind": "handle", "ticket_type": "complaint", "urgency": "normal", "unit": "working_days", "amount": 1}
PREVIEW = {"accepted_at": "2026-09-25T10:00:00+08:00", "urgency": "normal", "ticket_type": "complaint"}


# --- rules -------------------------------------------------------------------------------------------------
def test_reads_need_a_token(api):
    assert api.get("/api/v1/deadline-rules").status_code == 401
    assert api.post("/api/v1/deadlines/preview", json=PREVIEW).status_code == 401


def test_agent_reads_but_may_not_write_rules(api, agent):
    assert api.get("/api/v1/deadline-rules", headers=agent).json() == []
    response = api.put("/api/v1/deadline-rules", json=RULE, headers=agent)
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"
    assert api.delete("/api/v1/deadline-rules", params={"urgency": "normal"}, headers=agent).status_code == 403


def test_admin_upserts_lists_and_deletes_rules(api, admin, agent):
    created = api.put("/api/v1/deadline-rules", json=RULE, headers=admin)
    assert created.status_code == 200, created.text
    assert created.json()["locality"] == "default" and created.json()["amount"] == 1
    changed = api.put("/api/v1/deadline-rules", json=RULE | {"amount": 2}, headers=admin).json()
    assert changed["id"] == created.json()["id"]
    any_type = api.put("/api/v1/deadline-rules", json=RULE | {"ticket_type": None, "amount": 5}, headers=admin)
    assert any_type.status_code == 200
    listed = api.get("/api/v1/deadline-rules", headers=agent).json()
    assert [(r["ticket_type"], r["amount"]) for r in listed] == [(None, 5), ("complaint", 2)]

    gone = api.delete("/api/v1/deadline-rules", headers=admin,
                      params={"kind": "handle", "ticket_type": "complaint", "urgency": "normal"})
    assert gone.status_code == 204
    again = api.delete("/api/v1/deadline-rules", headers=admin,
                       params={"kind": "handle", "ticket_type": "complaint", "urgency": "normal"})
    assert again.status_code == 404
    assert [r["ticket_type"] for r in api.get("/api/v1/deadline-rules", headers=agent).json()] == [None]


@pytest.mark.parametrize("bad", [
    {"amount": -1}, {"amount": 100000}, {"amount": "three"}, {"unit": "minutes"}, {"kind": "respond"},
    {"urgency": "asap"}, {"ticket_type": "gossip"}, {"locality": ""}, {"colour": "red"},
])
def test_rule_validation(api, admin, bad):
    response = api.put("/api/v1/deadline-rules", json=RULE | bad, headers=admin)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "validation_failed"


# --- holidays and calendar -----------------------------------------------------------------------------------
def test_holiday_overrides_crud_and_permissions(api, admin, agent):
    day = "/api/v1/holidays/2026-09-28"
    assert api.put(day, json={"is_workday": False}, headers=agent).status_code == 403
    put = api.put(day, json={"is_workday": False, "note": "本地假日"}, headers=admin)
    assert put.status_code == 200, put.text
    assert put.json()["day"] == "2026-09-28" and put.json()["is_workday"] is False
    assert api.get(day, headers=agent).json()["note"] == "本地假日"
    assert [h["day"] for h in api.get("/api/v1/holidays", params={"year": 2026}, headers=agent).json()] == [
        "2026-09-28"]
    assert api.get("/api/v1/holidays", params={"year": 2025}, headers=agent).json() == []
    assert api.delete(day, headers=agent).status_code == 403
    assert api.delete(day, headers=admin).status_code == 204
    assert api.get(day, headers=agent).status_code == 404
    assert api.delete(day, headers=admin).status_code == 404


@pytest.mark.parametrize("bad_day", ["2026-13-01", "2026-02-30", "yesterday", "20260928"])
def test_bad_dates_are_422_with_a_clear_message(api, admin, bad_day):
    response = api.put(f"/api/v1/holidays/{bad_day}", json={"is_workday": True}, headers=admin)
    assert response.status_code == 422
    assert "YYYY-MM-DD" in response.json()["message"]
    assert api.get(f"/api/v1/holidays/{bad_day}", headers=admin).status_code == 422


def test_holiday_body_validation(api, admin):
    assert api.put("/api/v1/holidays/2026-09-28", json={}, headers=admin).status_code == 422
    assert api.put("/api/v1/holidays/2026-09-28", json={"is_workday": "maybe"}, headers=admin).status_code == 422
    assert api.put("/api/v1/holidays/2026-09-28", json={"is_workday": False, "note": "x" * 201},
                   headers=admin).status_code == 422
    assert api.get("/api/v1/holidays", params={"year": 0}, headers=admin).status_code == 422


def test_calendar_shows_flags_and_sources(api, admin, agent):
    api.put("/api/v1/holidays/2026-09-28", json={"is_workday": False}, headers=admin)
    body = api.get("/api/v1/calendar/2026", headers=agent).json()
    days = {d["day"]: d for d in body["days"]}
    assert len(days) == 365
    assert days["2026-09-20"] == {"day": "2026-09-20", "weekday": 7, "is_workday": True, "source": "library"}
    assert days["2026-10-01"]["is_workday"] is False
    assert days["2026-09-28"]["is_workday"] is False and days["2026-09-28"]["source"] == "override"
    assert body["working_days"] == sum(d["is_workday"] for d in body["days"])
    fallback = api.get("/api/v1/calendar/2031", headers=agent).json()
    assert {d["source"] for d in fallback["days"]} == {"fallback"}
    assert {d["day"] for d in fallback["days"] if not d["is_workday"] and d["weekday"] < 6} == {
        "2031-01-01", "2031-05-01", "2031-05-02", "2031-10-01", "2031-10-02", "2031-10-03"}
    assert api.get("/api/v1/calendar/0", headers=agent).status_code == 422
    assert api.get("/api/v1/calendar/twenty", headers=agent).status_code == 422


# --- preview ---------------------------------------------------------------------------------------------------
def test_preview_defaults(api, agent):
    body = api.post("/api/v1/deadlines/preview", json=PREVIEW, headers=agent).json()
    assert body["due_at"] == "2026-09-30T23:59:59+08:00"
    assert body["first_contact_due_at"] == "2026-09-28T23:59:59+08:00"
    assert body["working_days_to_due"] == 3
    urgent = api.post("/api/v1/deadlines/preview", headers=agent,
                      json=PREVIEW | {"urgency": "urgent", "accepted_at": "2026-09-30T12:00:00Z"}).json()
    assert urgent["due_at"] == "2026-10-01T20:00:00+08:00"


def test_edits_take_effect_immediately(api, admin, agent):
    before = api.post("/api/v1/deadlines/preview", json=PREVIEW, headers=agent).json()["due_at"]
    api.put("/api/v1/deadline-rules", json=RULE | {"amount": 5}, headers=admin)
    after_rule = api.post("/api/v1/deadlines/preview", json=PREVIEW, headers=agent).json()["due_at"]
    api.put("/api/v1/holidays/2026-10-08", json={"is_workday": False}, headers=admin)
    after_holiday = api.post("/api/v1/deadlines/preview", json=PREVIEW, headers=agent).json()["due_at"]
    # 5 working days after 09-25: 28, 29, 30, 10-08, 10-09; with 10-08 off: ..., 10-09, 10-10.
    assert (before, after_rule, after_holiday) == (
        "2026-09-30T23:59:59+08:00", "2026-10-09T23:59:59+08:00", "2026-10-10T23:59:59+08:00")


@pytest.mark.parametrize("bad", [
    {"accepted_at": "2026-09-25T10:00:00"}, {"accepted_at": "2026-09-31T10:00:00+08:00"},
    {"urgency": "asap"}, {"ticket_type": "gossip"},
])
def test_preview_validation(api, agent, bad):
    response = api.post("/api/v1/deadlines/preview", json=PREVIEW | bad, headers=agent)
    assert response.status_code == 422, response.text


# --- CLI ---------------------------------------------------------------------------------------------------------
@pytest.fixture
def cli_env(monkeypatch, tmp_path):
    """Run the CLI against settings from the environment, as `hotline sla due` would."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "fresh"))
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def run_due(*args: str) -> str:
    result = CliRunner().invoke(sla, ["due", *args])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_cli_on_a_fresh_install_uses_defaults(cli_env, tmp_path):
    assert run_due("--accepted-at", "2026-09-25T10:00") == "2026-09-30T23:59:59+08:00"
    assert run_due("--accepted-at", "2026-09-30T04:00:00Z", "--urgency", "urgent") == "2026-10-01T12:00:00+08:00"
    assert run_due("--accepted-at", "2026-09-25", "--kind", "first_contact") == "2026-09-28T23:59:59+08:00"
    assert not (tmp_path / "fresh" / "hotline.db").exists()  # nothing created


def test_cli_with_an_unmigrated_or_unreachable_database_uses_defaults(cli_env, tmp_path):
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    cli_env.setenv("HOTLINE_DATABASE_URL", f"sqlite:///{empty}")
    assert run_due("--accepted-at", "2026-09-30T10:00:00+08:00") == "2026-10-10T23:59:59+08:00"
    cli_env.setenv("HOTLINE_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    get_settings.cache_clear()
    assert run_due("--accepted-at", "2026-09-30T10:00:00+08:00") == "2026-10-10T23:59:59+08:00"


def test_cli_reads_rules_and_overrides_from_the_database(cli_env, session, settings):
    service.upsert_rule(session, locality=settings.locality, kind="handle", ticket_type="complaint",
                        urgency="normal", unit="working_days", amount=2)
    service.upsert_override(session, day=date(2026, 9, 28), is_workday=False)
    session.commit()
    cli_env.setenv("HOTLINE_DATABASE_URL", settings.resolved_database_url)
    assert run_due("--accepted-at", "2026-09-25T10:00", "--type", "complaint") == "2026-09-30T23:59:59+08:00"
    assert run_due("--accepted-at", "2026-09-25T10:00") == "2026-10-08T23:59:59+08:00"
    cli_env.setenv("HOTLINE_TIMEZONE", "Asia/Urumqi")
    get_settings.cache_clear()
    assert run_due("--accepted-at", "2026-09-25T10:00", "--type", "complaint") == "2026-09-30T23:59:59+06:00"


def test_cli_rejects_bad_input(cli_env):
    result = CliRunner().invoke(sla, ["due", "--accepted-at", "next tuesday"])
    assert result.exit_code == 2 and "ISO 8601" in result.output
    result = CliRunner().invoke(sla, ["due", "--accepted-at", "2026-09-25", "--urgency", "asap"])
    assert result.exit_code == 2
