"""Render IVR prompts to phone-band WAV files: settings.data_dir/"prompts"/<key>.wav, 8 kHz mono 16-bit.

Texts: the admin-editable prompts (`ivr.prompts.get_prompts`, defaults when there is no database) plus the
generated digit/status words (`ivr.words`). A manifest remembers the text, engine and checksum of every
rendered file: unchanged prompts are not rendered again, and a file whose checksum no longer matches was
replaced by hand (a recorded prompt) and is kept unless `force` is given.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hotline.errors import ConfigurationError, NotFound, TtsFailed
from ivr.prompts import DEFAULT_PROMPTS
from ivr.survey import PROMPT_KEYS as SURVEY_PROMPTS
from ivr.tts import Tts
from ivr.words import BEEP_KEY, generated_prompts

SAMPLE_RATE = 8000
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Rendered:
    key: str
    path: Path
    action: str  # "rendered", "unchanged", "kept" (replaced by hand)


def prompt_dir(settings) -> Path:
    return Path(settings.data_dir) / "prompts"


def prompt_path(settings, key: str) -> Path:
    """Where the telephony workers find the WAV of prompt `key`."""
    return prompt_dir(settings) / f"{key}.wav"


def prompt_texts(settings, session=None) -> dict[str, str]:
    """Every speakable key -> text: generated words, then defaults, then the admins' saved texts."""
    texts = {**generated_prompts(emergency_key=settings.ivr_emergency_key), **DEFAULT_PROMPTS}
    if session is not None:
        from ivr.prompts import get_prompts

        texts.update(get_prompts(session))
    return texts


def sox(*args: str) -> None:
    if shutil.which("sox") is None:
        raise ConfigurationError("sox is not installed (apt-get install sox)")
    proc = subprocess.run(["sox", *args], capture_output=True, timeout=120, check=False)
    if proc.returncode != 0:
        raise TtsFailed(f"sox {' '.join(args[:2])} failed: {proc.stderr.decode(errors='replace')[:300]}")


def to_phone_wav(source: Path, target: Path) -> None:
    """Resample any WAV to 8 kHz mono 16-bit, peak-normalised to -3 dBFS."""
    sox(str(source), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", "-e", "signed-integer", str(target),
        "gain", "-n", "-3")


def make_beep(target: Path, *, seconds: float = 0.4, hz: int = 1000) -> None:
    sox("-n", "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", "-e", "signed-integer", str(target),
        "synth", str(seconds), "sine", str(hz), "gain", "-6")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def render_prompts(settings, tts: Tts, *, session=None, keys: Iterable[str] | None = None,
                   force: bool = False, texts: dict[str, str] | None = None) -> list[Rendered]:
    """Render the prompts `keys` (default: all) with `tts`; returns what happened to each key."""
    texts = texts if texts is not None else prompt_texts(settings, session)
    wanted = list(keys) if keys is not None else [*texts, BEEP_KEY]
    unknown = [k for k in wanted if k not in texts and k != BEEP_KEY]
    if unknown:
        raise NotFound(f"unknown prompt key(s): {', '.join(unknown)}", keys=unknown)
    folder = prompt_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = _read_manifest(folder)
    results: list[Rendered] = []
    todo: list[str] = []
    for key in wanted:
        path, entry = folder / f"{key}.wav", manifest.get(key)
        text = texts.get(key, "<beep>")
        if path.exists() and not force:
            if entry is None or entry.get("sha256") != _sha(path):
                results.append(Rendered(key, path, "kept"))
                continue
            if entry.get("text") == text and entry.get("engine") in (tts.name, "sox"):
                results.append(Rendered(key, path, "unchanged"))
                continue
        todo.append(key)
    with tempfile.TemporaryDirectory(prefix="prompts-", dir=folder) as tmp:
        spoken = [k for k in todo if k != BEEP_KEY]
        tts.synthesize([(texts[k], Path(tmp) / f"{k}.raw.wav") for k in spoken])
        for key in todo:
            staged = Path(tmp) / f"{key}.wav"
            if key == BEEP_KEY:
                make_beep(staged)
            else:
                to_phone_wav(Path(tmp) / f"{key}.raw.wav", staged)
            path = folder / f"{key}.wav"
            os.replace(staged, path)
            manifest[key] = {"text": texts.get(key, "<beep>"), "sha256": _sha(path),
                             "engine": "sox" if key == BEEP_KEY else tts.name}
            results.append(Rendered(key, path, "rendered"))
    staged_manifest = folder / f".{MANIFEST}.tmp"
    staged_manifest.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(staged_manifest, folder / MANIFEST)
    return results


def missing_prompts(settings, flow) -> list[str]:
    """Prompt keys the flow (or the lookup answers) may play that have no WAV file yet."""
    keys = {BEEP_KEY, *generated_prompts(), *(k for n in flow.nodes.values() for k in n.prompts)}
    for node in flow.nodes.values():
        keys.update(getattr(node, "retry_prompts", None) or ())
    keys.update({"invalid", "timeout", *SURVEY_PROMPTS})  # the return-visit survey call plays these too
    return sorted(k for k in keys if not prompt_path(settings, k).exists())
