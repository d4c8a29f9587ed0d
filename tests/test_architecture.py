"""Rules of the code base that a reviewer would otherwise have to remember."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENDOR_FREE = ["ivr", "ticketing", "callbacks", "abuse", "acd"]
VENDORS = {"pjsua2", "vosk", "twilio"}
PACKAGES = ["hotline", "ticketing", "telephony", "asr", "ivr", "callbacks", "abuse", "acd", "agent_console", "wiring"]
MAX_LINES = 400


def python_files(*packages: str):
    for package in packages:
        yield from sorted((ROOT / package).rglob("*.py"))


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__" and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                roots.add(arg.value.split(".")[0])
    return roots


@pytest.mark.parametrize("package", VENDOR_FREE)
def test_domain_packages_import_no_vendor_sdk(package):
    files = list(python_files(package))
    assert files, f"{package}/ has no modules to check"
    offenders = {str(p.relative_to(ROOT)): sorted(imported_roots(p) & VENDORS) for p in files}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_import_scanner_sees_every_import_form(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import vosk.model\nfrom twilio.rest import Client\n__import__('pjsua2')\n")
    assert imported_roots(sample) >= VENDORS


def test_modules_stay_small():
    big = {
        str(p.relative_to(ROOT)): n
        for p in python_files(*PACKAGES)
        if "migrations" not in p.parts and (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert big == {}, f"split these modules (limit {MAX_LINES} lines)"
