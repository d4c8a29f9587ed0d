"""docker-compose.yml is the production shape: it must validate and give every long-running service a
health check."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parent.parent / "docker-compose.yml"
SERVICES = {"postgres", "redis", "migrate", "api", "worker", "beat", "telephony", "kamailio", "asr"}


def test_compose_file_validates():
    tool = ["docker", "compose"] if shutil.which("docker") and subprocess.run(
        ["docker", "compose", "version"], capture_output=True).returncode == 0 else ["docker-compose"]
    assert shutil.which(tool[0]), "docker-compose missing: scripts/install.sh installs it"
    result = subprocess.run([*tool, "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_every_long_running_service_has_a_health_check():
    services = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]
    assert set(services) == SERVICES
    missing = sorted(name for name, spec in services.items() if name != "migrate" and "healthcheck" not in spec)
    assert missing == []
    app = [name for name in ("api", "worker", "beat", "telephony", "kamailio", "asr")]
    assert all("hotlinedata:/var/lib/hotline" in services[name].get("volumes", []) for name in app)


def test_the_asr_tier_is_its_own_scalable_service():
    """`docker compose up --scale asr=N`: an ASR-only worker reading recordings from the shared volume, with
    nothing that pins one instance (no container name, no published port); the general worker leaves
    transcription to it."""
    services = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]
    asr = services["asr"]
    assert asr["command"][:4] == ["hotline", "worker", "--queues", "asr"]
    assert "container_name" not in asr and "ports" not in asr
    assert "hotlinedata:/var/lib/hotline" in asr["volumes"]
    assert services["worker"]["command"] == ["hotline", "worker", "--queues", "default"]
