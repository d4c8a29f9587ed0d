"""Choose the recognizer from settings. Nothing is loaded here: models load on first use, once per process."""

from __future__ import annotations

from pathlib import Path

from asr.install import read_marker
from asr.paths import vosk_path, whisper_path
from asr.port import Recognizer
from hotline.errors import AsrUnavailable, ConfigurationError
from hotline.settings import Settings


def make_recognizer(settings: Settings) -> Recognizer:
    engine = settings.asr_engine
    if engine == "auto":
        engine = "vosk" if chinese_vosk_installed(vosk_path(settings)) else "whisper"
    if engine == "vosk":
        from asr.vosk_engine import VoskRecognizer

        return VoskRecognizer(vosk_path(settings), phrases=settings.asr_phrases, max_rtf=settings.asr_max_rtf,
                              max_audio_seconds=settings.asr_max_audio_seconds)
    if engine == "whisper":
        from asr.whisper_engine import WhisperRecognizer

        return WhisperRecognizer(whisper_path(settings), threads=settings.asr_threads,
                                 max_rtf=settings.asr_max_rtf, max_audio_seconds=settings.asr_max_audio_seconds,
                                 beam_size=settings.asr_whisper_beam_size,
                                 vad_min_silence_ms=settings.asr_vad_min_silence_ms,
                                 chunk_seconds=settings.asr_chunk_seconds,
                                 overlap_seconds=settings.asr_chunk_overlap_seconds)
    raise ConfigurationError(f"unknown ASR engine {settings.asr_engine!r} (auto, vosk or whisper)")


def chinese_vosk_installed(path: Path) -> bool:
    """A Vosk model is at `path` and is Chinese: its install marker says so, or (a model the operator
    unpacked by hand) its folder name says cn/zh."""
    from asr.vosk_engine import model_installed

    if not model_installed(path):
        return False
    marker = read_marker(path)
    if marker:
        return marker.get("language") == "zh"
    name = Path(path).resolve().name.lower()
    return any(tag in name.replace("_", "-").split("-") for tag in ("cn", "zh"))


def describe(settings: Settings) -> dict[str, object]:
    """What `hotline asr status` shows: the engine auto picks and where each model is expected."""
    from asr.vosk_engine import model_installed as vosk_ok
    from asr.whisper_engine import model_installed as whisper_ok

    try:
        chosen = make_recognizer(settings).name
    except AsrUnavailable as exc:  # pragma: no cover - make_recognizer loads nothing
        chosen = f"unavailable: {exc}"
    return {
        "engine_setting": settings.asr_engine,
        "engine": chosen,
        "vosk_model_path": str(vosk_path(settings)),
        "vosk_installed": vosk_ok(vosk_path(settings)),
        "vosk_chinese": chinese_vosk_installed(vosk_path(settings)),
        "whisper_model_path": str(whisper_path(settings)),
        "whisper_installed": whisper_ok(whisper_path(settings)),
    }
