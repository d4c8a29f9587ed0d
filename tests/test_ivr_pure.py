"""The IVR engine and the survey dialogue import with nothing but the standard library and ivr's own pure modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = {"sqlalchemy", "fastapi", "pydantic", "pydantic_core", "starlette", "celery", "hotline", "ticketing",
         "telephony", "asr", "callbacks", "abuse", "acd", "agent_console", "wiring"}


def loaded_by(statement: str) -> set[str]:
    """Top-level names of every module `python -X importtime -c statement` imports (fresh interpreter)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", statement], cwd=ROOT,
                          capture_output=True, text=True, check=True, timeout=60)
    return {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in done.stderr.splitlines() if "|" in line}


@pytest.mark.parametrize("module", ["ivr.engine", "ivr.survey"])
def test_module_imports_alone(module):
    loaded = loaded_by(f"import {module}")
    assert "ivr" in loaded
    assert loaded & HEAVY == set()


def test_the_probe_sees_heavy_imports():
    assert {"pydantic", "hotline"} <= loaded_by("import ivr.flow")
