"""A flow file without a `warning` notice node is valid but never plays the abuse warning (issue 6): whoever
loads it at start-up says so — the SIP worker in its log, `hotline ivr check` on the console."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotline.settings import get_settings
from ivr.flow import DEFAULT_FLOW_PATH, load_flow, missing_warning_notice
from telephony.port import AllowAll
from wiring.cli import main


def _flow_without_warning(tmp_path: Path) -> Path:
    data = json.loads(DEFAULT_FLOW_PATH.read_text(encoding="utf-8"))
    del data["nodes"][data.pop("warning")]
    path = tmp_path / "local_flow.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_flow_without_warning_loads_and_is_reported(tmp_path):
    path = _flow_without_warning(tmp_path)
    flow = load_flow(path)
    assert flow.warning is None
    text = missing_warning_notice(flow, path)
    assert text is not None and str(path) in text
    assert "abuse warning" in text and "unwarned" in text and "'warning'" in text


def test_the_default_flow_has_its_warning():
    flow = load_flow()
    assert flow.warning is not None and missing_warning_notice(flow, DEFAULT_FLOW_PATH) is None


def _worker(settings):
    pytest.importorskip("pjsua2")
    from telephony.sip.worker import Worker

    return Worker(settings, port=0, rtp_port=0, name="w-flow", screen=AllowAll(), ctx=object())


def _worker_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "telephony.sip.worker" and r.levelno == logging.WARNING]


def test_worker_logs_once_at_start_up_that_its_flow_never_warns(settings, tmp_path, caplog):
    path = _flow_without_warning(tmp_path)
    with caplog.at_level(logging.WARNING, logger="telephony.sip.worker"):
        worker = _worker(settings.model_copy(update={"ivr_flow_path": path}))
    assert worker.flow.warning is None
    messages = _worker_warnings(caplog)
    assert len(messages) == 1
    assert "w-flow" in messages[0] and str(path) in messages[0] and "unwarned" in messages[0]


def test_worker_with_the_default_flow_logs_nothing_about_it(settings, caplog):
    with caplog.at_level(logging.WARNING, logger="telephony.sip.worker"):
        worker = _worker(settings)
    assert worker.flow.warning is not None and _worker_warnings(caplog) == []


def _check(settings, **env: str):
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(main, ["ivr", "check"], catch_exceptions=False, env={
            "HOTLINE_DATABASE_URL": settings.database_url, "HOTLINE_DATA_DIR": str(settings.data_dir), **env})
    finally:
        get_settings.cache_clear()


def test_ivr_check_reports_a_flow_without_warning(settings, context, tmp_path):
    path = _flow_without_warning(tmp_path)
    result = _check(settings, HOTLINE_IVR_FLOW_PATH=str(path))
    assert result.exit_code == 0 and "flow ok" in result.stdout
    assert "warning: IVR flow" in result.stderr and str(path) in result.stderr and "unwarned" in result.stderr
    assert "unwarned" not in _check(settings).output
