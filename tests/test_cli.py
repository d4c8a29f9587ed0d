"""The command line scripts use: demo seed, ticket list --json, sla due."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from hotline.settings import get_settings
from wiring.cli import main


@pytest.fixture
def run(settings, context):
    env = {"HOTLINE_DATABASE_URL": settings.database_url, "HOTLINE_DATA_DIR": str(settings.data_dir)}

    def invoke(*args: str):
        get_settings.cache_clear()
        try:
            result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
        finally:
            get_settings.cache_clear()
        return result

    return invoke


def test_demo_seed_then_ticket_list_json(run):
    first = run("demo", "seed", "--password", "demo-pass-123")
    assert first.exit_code == 0 and "5 tickets" in first.output
    again = run("demo", "seed")
    assert again.exit_code == 0 and "nothing changed" in again.output
    result = run("ticket", "list", "--json", "--limit", "2")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 2
    for key in ("number", "channel", "type", "urgency", "status", "due_at", "light", "caller_masked",
                "content", "department", "caller", "recording_url"):
        assert key in rows[0]
    assert rows[0]["created_at"] >= rows[1]["created_at"]
    assert all(r["caller_masked"].startswith("138****") for r in rows)
    everything = json.loads(run("ticket", "list", "--json").stdout)
    assert {r["status"] for r in everything} == {"registered", "triaged", "dispatched", "accepted"}
    assert {r["department"] for r in everything if r["status"] == "accepted"} == {"市交通运输局"}


def test_sla_due_prints_iso_with_offset(run):
    result = run("sla", "due", "--accepted-at", "2026-09-25T10:00:00+08:00", "--urgency", "normal")
    assert result.exit_code == 0
    assert result.stdout.strip() == "2026-09-30T23:59:59+08:00"
    urgent = run("sla", "due", "--accepted-at", "2026-10-01T08:00:00+08:00", "--urgency", "urgent")
    assert urgent.stdout.strip() == "2026-10-02T08:00:00+08:00"
