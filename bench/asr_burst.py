"""A burst of recorded calls through ASR-only workers (`hotline worker --queues asr`), as in production
minus SIP: a fresh database and broker, N workers, each call ~30 s of hotline speech handed over at hang-up;
returns hang-up → ticket-with-transcript latencies. Used by bench/asr.py (--only burst)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SENTENCES_PER_CALL = 5


def _env(work: Path) -> dict[str, str]:
    from asr.paths import whisper_path
    from hotline.settings import Settings

    model = whisper_path(Settings()).resolve()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update({"HOTLINE_DATA_DIR": str(work / "data"), "HOTLINE_DATABASE_URL": f"sqlite:///{work / 'hotline.db'}",
                "HOTLINE_WHISPER_MODEL_PATH": str(model), "HOTLINE_ASR_ENGINE": "whisper",
                "HOTLINE_ASR_THREADS": "1", "HOTLINE_WORKER_CONCURRENCY": "1", "HOTLINE_LOG_LEVEL": "WARNING",
                "HOTLINE_BROKER_POLLING_INTERVAL": "0.1", "PYTHONPATH": str(ROOT)})
    if os.environ.get("HOTLINE_BROKER_URL"):
        env["HOTLINE_BROKER_URL"] = os.environ["HOTLINE_BROKER_URL"]
    return env


def _calls_audio(work: Path, count: int) -> list[Path]:
    from bench.asr import load

    items = load("testset") + load("domainset")
    out = []
    for n in range(count):
        chosen = [items[(n * SENTENCES_PER_CALL + k) % len(items)]["path"] for k in range(SENTENCES_PER_CALL)]
        target = work / "audio" / f"call{n}.wav"
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["sox", *map(str, chosen), str(target)], check=True)
        out.append(target)
    return out


def burst(count: int, workers: int, work: Path) -> tuple[list[float], float]:
    env = _env(work)
    subprocess.run([sys.executable, "-m", "wiring.cli", "db", "upgrade"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    os.environ.update({k: v for k, v in env.items() if k.startswith("HOTLINE_")})
    from hotline.settings import get_settings

    get_settings.cache_clear()
    from hotline.context import AppContext
    from telephony import flows, service
    from ticketing.models import Ticket

    ctx = AppContext.from_settings(get_settings())
    audio = _calls_audio(work, count + workers)
    procs = [subprocess.Popen([sys.executable, "-m", "wiring.cli", "worker", "--queues", "asr", "-n",
                               f"asr{i}@%h"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True) for i in range(workers)]

    def place(n: int) -> int:
        rel = Path("bench") / audio[n].name
        dest = Path(env["HOTLINE_DATA_DIR"]) / "recordings" / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(audio[n], dest)
        call_id = flows.call_started(ctx, sip_call_id=f"burst{n}@bench", caller_raw=f"1380013{n:04d}",
                                     callee="12345", worker="bench")
        flows.call_progress(ctx, call_id=call_id, ivr_node="record", digits="1", mark={"menu_choice": "1"})
        flows.call_ended(ctx, call_id=call_id, outcome="hangup", recording_path=str(rel), recording_seconds=30.0)
        return call_id

    def wait(ids: list[int], timeout: float) -> dict[int, float]:
        deadline, done = time.monotonic() + timeout, {}
        while time.monotonic() < deadline and len(done) < len(ids):
            with ctx.reader() as session:
                for call_id in ids:
                    call = service.get_call(session, call_id=call_id)
                    if call.status == "ticketed" and call.transcript_status == "done" and call_id not in done:
                        ticket = session.query(Ticket).filter(Ticket.number == call.ticket_number).one()
                        done[call_id] = (ticket.created_at - call.ended_at).total_seconds()
            time.sleep(0.5)
        return done

    try:
        wait([place(count + i) for i in range(workers)], 300)  # warm up: every worker loads its model
        started = time.monotonic()
        ids = [place(n) for n in range(count)]
        done = wait(ids, 900)
        return sorted(done.values()), time.monotonic() - started
    finally:
        for p in procs:
            os.kill(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
