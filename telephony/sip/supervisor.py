"""`hotline telephony run`: the SIP service as a supervisor of pjsua2 worker processes.

The wheel carries at most 4 calls per process, so capacity is more processes. With one worker, it binds
settings.sip_port itself. With several (and Kamailio installed and not disabled), Kamailio is the front
door on sip_port and workers listen on sip_port+1, sip_port+2, ...; each worker gets its own RTP range
of 1000 ports from rtp_port_start. A worker that exits is restarted with back-off (hotline.supervisor's
Supervisor) and the calls it was carrying are closed as lost right away.
"""

from __future__ import annotations

import logging
from pathlib import Path

from hotline.settings import Settings
from hotline.supervisor import ProcessSpec, Supervisor, cli_argv
from telephony.sip.kamailio import kamailio_external, kamailio_wanted, worker_address, write_config

log = logging.getLogger(__name__)

RTP_RANGE = 1000


def worker_name(index: int) -> str:
    return f"sip-w{index + 1}"


def telephony_specs(settings: Settings) -> list[ProcessSpec]:
    """The processes of the SIP service: workers, plus Kamailio in front of several."""
    py = cli_argv("telephony", "worker")
    run_front, external = kamailio_wanted(settings), kamailio_external(settings)
    front = run_front or external
    count = settings.telephony_workers if front else 1
    if settings.telephony_workers > 1 and not front:
        log.warning("%d SIP workers configured but no Kamailio front door (installed: see "
                    "HOTLINE_TELEPHONY_KAMAILIO); running one worker on port %d",
                    settings.telephony_workers, settings.sip_port)
    specs, addresses = [], []
    for i in range(count):
        port = settings.sip_port + 1 + i if front else settings.sip_port
        addresses.append((worker_address(settings), port))
        specs.append(ProcessSpec(worker_name(i), [*py, "--port", str(port), "--rtp-port",
                                                  str(settings.rtp_port_start + i * RTP_RANGE),
                                                  "--name", worker_name(i)]))
    if front:
        directory = (settings.data_dir / "kamailio").resolve()
        cfg = write_config(settings, addresses, directory)
    if run_front:
        # after the workers: its first health pings then find them up
        specs.append(ProcessSpec("kamailio", [settings.kamailio_binary, "-DD", "-E", "-f", str(cfg),
                                                 "-Y", str(directory), "-P", str(directory / "kamailio.pid"),
                                                 "-m", "64", "-M", "8"]))
    return specs


class TelephonySupervisor(Supervisor):
    """hotline.supervisor's Supervisor, plus: a worker that exits has its in-flight calls closed as lost."""

    def __init__(self, specs: list[ProcessSpec], *, ctx=None, **kwargs) -> None:
        super().__init__(specs, **kwargs)
        self.ctx = ctx

    def check(self) -> None:
        for child in self.children:
            popen = child.popen
            if popen is not None and child.spec.name.startswith("sip-w") and popen.poll() is not None:
                self._calls_lost(child.spec.name, popen.returncode)
        super().check()

    def _calls_lost(self, worker: str, code: int | None) -> None:
        if self.ctx is None:
            return
        from telephony.sip.recovery import mark_worker_calls_lost

        try:
            lost = mark_worker_calls_lost(self.ctx, worker=worker, reason=f"SIP worker exited with code {code}")
        except Exception:
            log.exception("cannot close the calls of %s", worker)
            return
        if lost:
            log.error("%s exited with code %s: %d call(s) in flight closed as lost", worker, code, lost)


def run_telephony(settings: Settings) -> int:
    from hotline.context import AppContext

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    Path(settings.data_dir, "recordings").mkdir(exist_ok=True)
    specs = telephony_specs(settings)
    supervisor = TelephonySupervisor(specs, ctx=AppContext.from_settings(settings),
                                     stop_timeout=settings.runner_stop_timeout,
                                     backoff_max=settings.runner_restart_backoff_max)
    print(f"telephony: SIP on {settings.sip_host}:{settings.sip_port} (udp, tcp); processes: "
          f"{', '.join(s.name for s in specs)}", flush=True)
    return supervisor.run()


def telephony_processes(settings: Settings) -> list[ProcessSpec]:
    """Process spec for `hotline up` (wiring.runner.PROCESS_SPEC_FACTORIES)."""
    if not settings.telephony_enabled:
        return []
    return [ProcessSpec("telephony", cli_argv("telephony", "run"))]
