"""The embedded broker file deleted (issue 16, reliability): no process silently starts a new empty queue;
`hotline worker`, `beat` and `up` stop at start with a message that says what happened and what to do."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from hotline import broker, broker_file
from wiring.cli import main
from hotline.errors import ConfigurationError
from hotline.settings import get_settings


def test_first_start_creates_file_and_marker_then_a_deleted_file_is_refused(tmp_path):
    path = tmp_path / "broker.db"
    broker_file.check_file(path)
    assert path.exists() and (tmp_path / "broker.db.created").exists()
    broker_file.check_file(path)  # an existing file is fine
    path.unlink()
    with pytest.raises(ConfigurationError, match="broker.db is missing") as info:
        broker_file.check_file(path)
    assert "broker.db.created" in info.value.message and not path.exists()
    (tmp_path / "broker.db.created").unlink()  # the documented way to start over
    broker_file.check_file(path)
    assert path.exists()


def test_the_transport_refuses_a_deleted_file(tmp_path):
    path = tmp_path / "b" / "broker.db"
    url = f"sqlite:///{path}"
    broker.engine_for(url)
    path.unlink()
    broker._ENGINES.clear()  # a process started after the deletion
    with pytest.raises(ConfigurationError, match="missing"):
        broker.engine_for(url)


@pytest.mark.parametrize("command", ["worker", "beat", "up"])
def test_commands_stop_with_a_clear_error(tmp_path, monkeypatch, command):
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_BROKER_URL", raising=False)
    get_settings.cache_clear()
    try:
        broker_file.check_settings(get_settings())
        (tmp_path / "broker.db").unlink()
        result = CliRunner().invoke(main, [command])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "embedded broker file" in result.output and "is missing" in result.output
