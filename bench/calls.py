"""Call → ticket pipeline cost without speech recognition (the engines have their own benchmark).

    .venv/bin/python bench/calls.py [--calls 200] [--url postgresql+psycopg://postgres@127.0.0.1:5432/NAME]

Each call runs what a SIP worker and a Celery worker do: call_started, three call_progress reports,
call_ended with a real 10 s WAV under data_dir/recordings, then process_call with a recognizer that answers
instantly (classifier, ticket registration, suggestions, call update). Prints p50/p95/max of the database
work from BYE (call_ended) to the ticket being visible, and calls/s. Default: a fresh SQLite file in a temp
directory; with --url the database must exist (it is migrated to head first; rows stay).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from asr.fake import FakeRecognizer  # noqa: E402
from hotline.context import AppContext  # noqa: E402
from hotline.database import make_engine, make_session_factory, upgrade  # noqa: E402
from hotline.settings import Settings  # noqa: E402
from telephony import flows  # noqa: E402

TEXT = "你好，我要投诉我们小区门口的路灯不亮已经一个星期了，晚上走路很危险，希望尽快修理"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-calls-"))
    url = args.url or f"sqlite:///{data_dir / 'hotline.db'}"
    upgrade(url)
    settings = Settings(data_dir=data_dir, database_url=url, _env_file=None)
    engine = make_engine(url)
    ctx = AppContext(settings=settings, engine=engine, sessions=make_session_factory(engine),
                     enqueue=lambda *a, **k: None)
    rec_dir = data_dir / "recordings" / "bench"
    rec_dir.mkdir(parents=True, exist_ok=True)
    with wave.open(str(rec_dir / "utterance.wav"), "wb") as wav:
        wav.setnchannels(1), wav.setsampwidth(2), wav.setframerate(8000)
        wav.writeframes(b"\x00\x01" * 80000)
    recognizer = FakeRecognizer({"utterance.wav": TEXT})
    stamp = time.time_ns()
    latencies: list[float] = []
    started = time.perf_counter()
    for i in range(args.calls):
        call_id = flows.call_started(ctx, sip_call_id=f"bench-{stamp}-{i}", caller_raw=f"1381234{i % 10000:04d}",
                                     callee="12345", worker="bench")
        flows.call_progress(ctx, call_id=call_id, ivr_node="greeting")
        flows.call_progress(ctx, call_id=call_id, ivr_node="menu", digits="1", mark={"menu_choice": "1"})
        flows.call_progress(ctx, call_id=call_id, ivr_node="record")
        bye = time.perf_counter()
        flows.call_ended(ctx, call_id=call_id, outcome="hangup", recording_path="bench/utterance.wav",
                         recording_seconds=10.0)
        status = flows.process_call(ctx, call_id=call_id, recognizer=recognizer)
        latencies.append((time.perf_counter() - bye) * 1000)
        assert status == "ticketed", status
    total = time.perf_counter() - started
    latencies.sort()
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    print(f"backend {engine.dialect.name}, {args.calls} calls")
    print(f"BYE -> ticket (no ASR): p50 {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms, "
          f"max {latencies[-1]:.1f} ms")
    print(f"whole call lifecycle: {args.calls / total:.1f} calls/s on one thread")


if __name__ == "__main__":
    main()
