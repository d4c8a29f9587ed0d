"""`hotline telephony ...`: run the SIP service (supervisor) or one worker (started by the supervisor)."""

from __future__ import annotations

import click

from hotline.settings import get_settings


@click.group()
def telephony() -> None:
    """SIP telephony: pjsua2 workers, optionally behind Kamailio."""


@telephony.command("run")
@click.option("--workers", type=int, default=None, help="Override HOTLINE_TELEPHONY_WORKERS.")
def run(workers: int | None) -> None:
    """Run the SIP service: worker processes (restarted when they crash) and Kamailio when configured."""
    from telephony.sip.supervisor import run_telephony

    settings = get_settings()
    if workers is not None:
        settings = settings.model_copy(update={"telephony_workers": workers})
    raise SystemExit(run_telephony(settings))


@telephony.command("worker")
@click.option("--port", type=int, required=True, help="SIP port (UDP and TCP) of this worker.")
@click.option("--rtp-port", type=int, required=True, help="First RTP port of this worker.")
@click.option("--name", required=True, help="Worker name stored on its calls.")
@click.option("--ring-seconds", type=float, default=None, help="Override HOTLINE_SIP_RING_SECONDS.")
def worker(port: int, rtp_port: int, name: str, ring_seconds: float | None) -> None:
    """Run one pjsua2 SIP worker in the foreground (the supervisor starts these)."""
    from telephony.sip.worker import Worker

    settings = get_settings()
    raise SystemExit(Worker(settings, port=port, rtp_port=rtp_port, name=name,
                           ring_seconds=settings.sip_ring_seconds if ring_seconds is None else ring_seconds).run())


@telephony.command("dial")
@click.argument("number")
@click.option("--case", "case_number", required=True, help="Ticket number the survey names (spoken digit by digit).")
@click.option("--tries", type=click.IntRange(1, 10), default=None, help="Questions asked at most "
              "(default HOTLINE_VISIT_SURVEY_TRIES).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=None,
              help="Seconds to wait for a key (default HOTLINE_VISIT_GATHER_SECONDS).")
def dial(number: str, case_number: str, tries: int | None, timeout: float | None) -> None:
    """Place one return-visit survey call; prints the result as JSON (outcome, digit, invalid_keys, played)."""
    from ivr.survey import SurveySpec
    from telephony.sip.outbound import Dialer

    settings = get_settings()
    if not settings.sip_outbound_uri:
        raise click.UsageError("set HOTLINE_SIP_OUTBOUND_URI, e.g. sip:{number}@trunk.example:5060")
    try:
        spec = SurveySpec(case_number=case_number, tries=tries or settings.visit_survey_tries,
                          timeout_s=timeout or settings.visit_gather_seconds)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--case") from None
    click.echo(Dialer(settings).dial(number, survey=spec).to_json())


@telephony.command("ping")
@click.option("--host", default=None, help="Default: HOTLINE_SIP_HOST (0.0.0.0 means 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Default: HOTLINE_SIP_PORT.")
@click.option("--timeout", type=float, default=2.0, show_default=True)
def ping(host: str | None, port: int | None, timeout: float) -> None:
    """Send SIP OPTIONS and exit 0 when the service answers 2xx (used as the container health check)."""
    from telephony.sip.ping import options_status

    settings = get_settings()
    host = host or settings.sip_host
    host = "127.0.0.1" if host in ("0.0.0.0", "") else host
    status = options_status(port or settings.sip_port, host, timeout=timeout)
    click.echo(f"SIP {host}:{port or settings.sip_port} answered {status}" if status else "no answer")
    raise SystemExit(0 if status is not None and 200 <= status < 300 else 1)
