"""The README documents every setting and the commands it promises exist."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from hotline.settings import Settings
from wiring.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    missing = [f"HOTLINE_{name.upper()}" for name in Settings.model_fields if f"`HOTLINE_{name.upper()}`" not in README]
    assert missing == []


def test_documented_commands_exist():
    for args in (["up"], ["db", "upgrade"], ["user", "create"], ["demo", "seed"], ["sla", "due"],
                 ["ticket", "list"], ["ticket", "sweep"], ["worker"], ["beat"]):
        assert f"hotline {' '.join(args)}" in README
        result = CliRunner().invoke(main, [*args, "--help"])
        assert result.exit_code == 0, (args, result.output)
