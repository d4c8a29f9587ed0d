"""SIP service load figures: N simultaneous recorded calls through `hotline telephony run` (Kamailio in
front of several pjsua2 workers, or one worker), placed by SIPp with μ-law audio and RFC 2833 keys.

Prints: calls answered/recorded, INVITE→200 response times (SIPp), BYE→call-ended-in-database latency,
CPU used by the workers and Kamailio during the calls (share of one core).

    .venv/bin/python bench/sip_calls.py --calls 12 --workers 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import select

from hotline.context import AppContext
from hotline.database import upgrade
from hotline.settings import Settings
from ivr.words import known_prompt_keys
from telephony.models import Call
from telephony.sip.ping import options_status
from tests.ports_support import free_port, wait_for
from tests.process_support import hotline_env, start_process, stop_process
from tests.rtp_support import call_pcap
from tests.sipp_support import run_sipp, scenario
from tests.wav_support import make_prompts, tone


def cpu_seconds(pid: int) -> float:
    """User+system CPU of `pid` and its descendants (from /proc)."""
    total, todo = 0.0, [pid]
    ticks = 100.0
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, IndexError, ValueError):
            pass
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=12)
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=10.0, help="Length of each caller's recording.")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="sipbench-"))
    settings = Settings(data_dir=root / "data", _env_file=None)
    settings.data_dir.mkdir(parents=True)
    upgrade(settings.resolved_database_url)
    make_prompts(settings.data_dir / "prompts", known_prompt_keys())
    port = free_port(args.workers + 1)
    env = hotline_env(settings, HOTLINE_SIP_PORT=str(port), HOTLINE_TELEPHONY_WORKERS=str(args.workers),
                      HOTLINE_RTP_PORT_START=str(free_port()), HOTLINE_SIP_RING_SECONDS="0.2",
                      HOTLINE_IVR_MAX_RECORD_SECONDS=str(args.seconds + 30), HOTLINE_LOG_LEVEL="WARNING")
    log = root / "telephony.log"
    proc = start_process(["telephony", "run"], env, log)
    ctx = AppContext.from_settings(settings)
    try:
        if not wait_for(lambda: log.read_text(errors="replace").count("READY") >= args.workers, 60):
            raise SystemExit("workers did not start:\n" + log.read_text()[-2000:])
        wait_for(lambda: options_status(port) == 200, 20)
        time.sleep(5)   # Kamailio's health pings see every worker up
        runs = []
        for i in range(args.calls):
            work = root / f"c{i}"
            work.mkdir()
            end = 1.5 + args.seconds
            pcap = call_pcap(work / "a.pcap", seconds=end + 0.5, audio=[(1.5, tone(args.seconds, 300 + 7 * i, 6000))],
                             keys=[(0.3, "1"), (end, "#")])
            sc = scenario(work / "s.xml", caller=f"1390000{i:04d}", steps=[("pcap", pcap), ("wait_bye", 30000)])
            runs.append((work, sc))
        cpu0, t0 = cpu_seconds(proc.pid), time.monotonic()
        with ThreadPoolExecutor(args.calls) as pool:
            results = list(pool.map(lambda r: run_sipp(r[1], f"127.0.0.1:{port}", workdir=r[0], timeout=90,
                                                       extra=["-trace_rtt", "-rtt_freq", "1"]), runs))
        wall, cpu = time.monotonic() - t0, cpu_seconds(proc.pid) - cpu0
        ok = sum(1 for r in results if r.returncode == 0)
        wait_for(lambda: _ended(ctx) >= ok, 20)
        with ctx.sessions() as s:
            rows = list(s.scalars(select(Call).where(Call.caller_raw.like("1390000%"))))
        rtts = []
        for work, _ in runs:
            for f in work.glob("*_rtt.csv"):
                for line in f.read_text().splitlines()[1:]:
                    parts = line.split(";")
                    if len(parts) > 1 and parts[1].strip():
                        rtts.append(float(parts[1]))
        recorded = [r for r in rows if r.status in ("recorded", "processing", "ticketed", "logged") and r.recording_path]
        print(f"calls placed {args.calls}, SIPp successful {ok}, rows {len(rows)}, with recording {len(recorded)}")
        print(f"workers {args.workers}: wall {wall:.1f}s, CPU of workers+Kamailio+supervisor {cpu:.1f}s "
              f"= {100 * cpu / wall:.1f}% of one core")
        if rtts:
            print(f"INVITE→200 response time incl. 200 ms ring (SIPp rtd, ms): median {statistics.median(rtts):.1f}, "
                  f"max {max(rtts):.1f}")
        print("workers:", {w: sum(1 for r in rows if r.worker == w) for w in sorted({r.worker for r in rows})})
        if recorded:
            print(f"recording seconds: min {min(r.recording_seconds for r in recorded):.2f}, "
                  f"max {max(r.recording_seconds for r in recorded):.2f} (expected ≈ {args.seconds:.1f})")
    finally:
        stop_process(proc)


def _ended(ctx) -> int:
    with ctx.sessions() as s:
        return len(list(s.scalars(select(Call.id).where(Call.caller_raw.like("1390000%"),
                                                       Call.ended_at.is_not(None)))))


if __name__ == "__main__":
    main()
