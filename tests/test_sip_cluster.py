"""`hotline telephony run`: several pjsua2 workers behind a generated Kamailio front door, and the
supervisor's crash handling (restart, in-flight calls closed as lost). Real processes, real SIPp calls."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from ivr.words import known_prompt_keys
from telephony.models import Call
from telephony.sip.kamailio import kamailio_wanted, render_config
from telephony.sip.ping import options_status
from telephony.sip.supervisor import telephony_processes, telephony_specs
from tests.ports_support import free_port, wait_for
from tests.process_support import hotline_env, start_process, stop_process
from tests.rtp_support import call_pcap
from tests.sipp_support import SIPP, run_sipp, scenario
from tests.wav_support import make_prompts, tone

needs_sipp = pytest.mark.skipif(SIPP is None, reason="needs sipp (Debian sip-tester)")
needs_kamailio = pytest.mark.skipif(shutil.which("kamailio") is None, reason="needs kamailio")


def _service(tmp_path: Path, database_url: str, workers: int, **env_extra: str):
    from hotline.settings import Settings

    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, _env_file=None)
    make_prompts(settings.data_dir / "prompts", known_prompt_keys())
    port = free_port(workers + 1)
    env = hotline_env(settings, HOTLINE_SIP_PORT=str(port), HOTLINE_TELEPHONY_WORKERS=str(workers),
                      HOTLINE_RTP_PORT_START=str(free_port()), HOTLINE_IVR_RECORD_SILENCE_SECONDS="3",
                      HOTLINE_IVR_MAX_RECORD_SECONDS="20", HOTLINE_RUNNER_RESTART_BACKOFF_MAX="2",
                      HOTLINE_RUNNER_STOP_TIMEOUT="10", HOTLINE_SIP_RING_SECONDS="0.3", **env_extra)
    log = tmp_path / "telephony.log"
    proc = start_process(["telephony", "run"], env, log)
    ready = wait_for(lambda: proc.poll() is not None or log.read_text(errors="replace").count("READY") >= workers,
                     30)
    assert ready and proc.poll() is None, log.read_text(errors="replace")[-3000:]
    return settings, port, proc, log


def _rows(context, prefix: str) -> list[Call]:
    with context.sessions() as s:
        return list(s.scalars(select(Call).where(Call.caller_raw.like(prefix + "%"))))


def _active_workers(settings) -> int:
    ctl = f"unix:{(settings.data_dir / 'kamailio' / 'kamailio_ctl').resolve()}"
    out = subprocess.run(["kamcmd", "-s", ctl, "dispatcher.list"], capture_output=True, text=True, timeout=10,
                         check=False).stdout
    return out.count("FLAGS: A")


def _worker_pids(supervisor_pid: int) -> dict[str, int]:
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().split(b"\0")
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == supervisor_pid and b"worker" in cmd and b"--name" in cmd:
            found[cmd[cmd.index(b"--name") + 1].decode()] = int(entry.name)
    return found


def test_specs_single_worker_binds_the_sip_port_itself(settings):
    s = settings.model_copy(update={"telephony_workers": 1, "sip_port": 5099})
    (spec,) = telephony_specs(s)
    assert spec.name == "sip-w1" and spec.argv[spec.argv.index("--port") + 1] == "5099"
    assert telephony_processes(s.model_copy(update={"telephony_enabled": False})) == []
    assert [p.name for p in telephony_processes(s)] == ["telephony"]


@needs_kamailio
def test_specs_put_kamailio_in_front_of_several_workers(settings):
    s = settings.model_copy(update={"telephony_workers": 3, "sip_port": 7000, "rtp_port_start": 30000,
                                    "telephony_kamailio": "auto"})
    assert kamailio_wanted(s)
    specs = telephony_specs(s)
    assert [p.name for p in specs] == ["sip-w1", "sip-w2", "sip-w3", "kamailio"]
    assert [p.argv[p.argv.index("--port") + 1] for p in specs[:3]] == ["7001", "7002", "7003"]
    assert [p.argv[p.argv.index("--rtp-port") + 1] for p in specs[:3]] == ["30000", "31000", "32000"]
    listed = (s.data_dir / "kamailio" / "dispatcher.list").read_text()
    assert "1 sip:127.0.0.1:7003 0 0" in listed
    cfg = render_config(s, s.data_dir / "kamailio")
    check = subprocess.run(["kamailio", "-c", "-f", str(s.data_dir / "kamailio" / "kamailio.cfg")],
                           capture_output=True, text=True, timeout=30, check=False)
    assert check.returncode == 0, check.stderr
    assert 'ds_select_dst("1", "4")' in cfg and "486|503|408|480|500" in cfg
    assert not kamailio_wanted(s.model_copy(update={"telephony_kamailio": "false"}))


def test_specs_for_an_external_kamailio_write_its_config_only(settings):
    s = settings.model_copy(update={"telephony_workers": 2, "sip_port": 7100, "sip_host": "0.0.0.0",
                                    "telephony_kamailio": "external"})
    specs = telephony_specs(s)
    assert [p.name for p in specs] == ["sip-w1", "sip-w2"]
    listed = (s.data_dir / "kamailio" / "dispatcher.list").read_text()
    assert "1 sip:127.0.0.1:7101 0 0" in listed and "1 sip:127.0.0.1:7102 0 0" in listed
    assert "listen=udp:0.0.0.0:7100" in (s.data_dir / "kamailio" / "kamailio.cfg").read_text()


@needs_sipp
@needs_kamailio
def test_twelve_simultaneous_calls_over_three_workers_behind_kamailio(tmp_path, database_url, context):
    settings, port, proc, log = _service(tmp_path, database_url, 3, HOTLINE_TELEPHONY_KAMAILIO="true")
    try:
        assert wait_for(lambda: options_status(port) == 200, 20), log.read_text(errors="replace")[-3000:]
        # workers that were still starting when Kamailio first pinged them come back after 2 good pings
        assert wait_for(lambda: _active_workers(settings) == 3, 30), log.read_text(errors="replace")[-3000:]
        runs = []
        for i in range(13):
            work = tmp_path / f"c{i}"
            work.mkdir()
            pcap = call_pcap(work / "a.pcap", seconds=9, audio=[(2.0, tone(5, 300 + 10 * i, 6000))],
                             keys=[(0.5, "1"), (8.0, "#")])
            sc = scenario(work / "s.xml", caller=f"1380000{i:04d}", steps=[("pcap", pcap), ("wait_bye", 20000)])
            transport = "t1" if i % 2 else "u1"
            runs.append((work, sc, transport))
        with ThreadPoolExecutor(13) as pool:
            results = list(pool.map(lambda r: run_sipp(r[1], f"127.0.0.1:{port}", workdir=r[0], transport=r[2],
                                                       timeout=45), runs))
        failed = [i for i, r in enumerate(results) if r.returncode != 0]
        assert len(failed) == 1, [results[i].stdout[-800:] for i in failed]   # the 13th: busy everywhere
        errors = "".join(p.read_text(errors="replace") for p in runs[failed[0]][0].glob("*.err"))
        assert "486" in errors

        def all_ended():
            rows = _rows(context, "1380000")
            return rows if len(rows) == 12 and all(r.ended_at for r in rows) else None
        rows = wait_for(all_ended, 30)
        assert rows, [(r.caller_raw, r.status) for r in _rows(context, "1380000")]
        assert Counter(r.worker for r in rows) == {"sip-w1": 4, "sip-w2": 4, "sip-w3": 4}
        assert {r.status for r in rows} == {"recorded"} and {r.digits for r in rows} == {"1#"}
        for row in rows:
            assert (settings.data_dir / "recordings" / row.recording_path).is_file()
            assert 4.0 <= row.recording_seconds <= 7.5
    finally:
        stop_process(proc)
    assert proc.returncode == 0


@needs_sipp
def test_crashed_worker_is_restarted_and_its_call_closed_as_lost(tmp_path, database_url, context):
    _settings, port, proc, log = _service(tmp_path, database_url, 1)
    caller = None
    try:
        pcap = call_pcap(tmp_path / "long.pcap", seconds=20, keys=[(0.5, "1")])
        sc = scenario(tmp_path / "long.xml", caller="13100131000", steps=[("pcap", pcap), ("pause", 20000), ("bye",)])
        caller = subprocess.Popen([SIPP, f"127.0.0.1:{port}", "-sf", str(sc), "-m", "1", "-i", "127.0.0.1",
                                   "-p", str(free_port()), "-mp", str(free_port(2)), "-s", "12345", "-nostdin",
                                   "-timeout", "40s"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        recording = wait_for(lambda: [r for r in _rows(context, "13100131000") if r.menu_choice == "1"], 20)
        assert recording, log.read_text(errors="replace")[-2000:]
        (pid,) = _worker_pids(proc.pid).values()
        os.kill(pid, signal.SIGKILL)
        lost = wait_for(lambda: [r for r in _rows(context, "13100131000") if r.outcome == "lost"], 20)
        assert lost and lost[0].status == "logged" and "sip-w1" in lost[0].error
        assert wait_for(lambda: log.read_text(errors="replace").count("READY") >= 2, 30)
        assert "closed as lost" in log.read_text(errors="replace")
        # the restarted worker answers again
        quick = scenario(tmp_path / "quick.xml", caller="13100131001", steps=[("bye",)])
        assert wait_for(lambda: run_sipp(quick, f"127.0.0.1:{port}", workdir=tmp_path, timeout=10).returncode == 0,
                        20, interval=0.5)
        assert wait_for(lambda: [r for r in _rows(context, "13100131001") if r.status == "logged"], 20)
    finally:
        if caller is not None and caller.poll() is None:
            os.killpg(caller.pid, signal.SIGKILL)
            caller.wait(5)
        stop_process(proc)
    assert proc.returncode == 0
