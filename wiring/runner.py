"""`hotline up`: migrate, then run and supervise the platform's processes on one machine.

Children (API, Celery worker, Celery beat, the SIP supervisor) come from process specs and run under
hotline.supervisor's Supervisor. Beat runs as its own process rather than `worker -B`: the worker and the
scheduler restart independently, exactly one scheduler runs however many workers there are, and the shape
matches docker-compose (separate `worker` and `beat` services).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from importlib import import_module

from hotline.settings import Settings
from hotline.supervisor import ProcessSpec, Supervisor, cli_argv

log = logging.getLogger(__name__)

SpecFactory = Callable[[Settings], list[ProcessSpec]]

# "module:function" returning list[ProcessSpec]; later packages (telephony) append theirs here.
PROCESS_SPEC_FACTORIES: list[str] = ["wiring.runner:core_processes",
                                     "telephony.sip.supervisor:telephony_processes"]


def core_processes(settings: Settings) -> list[ProcessSpec]:
    py = sys.executable
    return [
        ProcessSpec("api", [py, "-m", "uvicorn", "wiring.app:create_app", "--factory",
                            "--host", settings.api_host, "--port", str(settings.api_port),
                            "--log-level", settings.log_level.lower()]),
        ProcessSpec("worker", cli_argv("worker")),
        ProcessSpec("beat", cli_argv("beat")),
    ]


def process_specs(settings: Settings, factories: list[str] | None = None) -> list[ProcessSpec]:
    specs: list[ProcessSpec] = []
    for ref in PROCESS_SPEC_FACTORIES if factories is None else factories:
        module, _, name = ref.partition(":")
        factory: SpecFactory = getattr(import_module(module), name)
        specs.extend(factory(settings))
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate process names: {names}")
    return specs


def run_up(settings: Settings) -> int:
    """Migrate the database, print where the API is, supervise the processes until stopped."""
    from hotline.database import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    specs = process_specs(settings)
    supervisor = Supervisor(specs, stop_timeout=settings.runner_stop_timeout,
                            backoff_max=settings.runner_restart_backoff_max)
    host = settings.api_host
    shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host
    print(f"hotline: API on http://{shown}:{settings.api_port} (docs /docs, health /healthz); "
          f"processes: {', '.join(s.name for s in specs)}; Ctrl-C stops", flush=True)
    return supervisor.run()
