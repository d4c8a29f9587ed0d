"""Where models live: settings paths with their defaults under the data directory."""

from __future__ import annotations

from pathlib import Path

from hotline.settings import Settings


def model_dir(settings: Settings) -> Path:
    return Path(settings.asr_model_dir or settings.data_dir / "models")


def vosk_path(settings: Settings) -> Path:
    return Path(settings.vosk_model_path or model_dir(settings) / "vosk-cn")


def whisper_path(settings: Settings) -> Path:
    return Path(settings.whisper_model_path or model_dir(settings) / "whisper-base")
