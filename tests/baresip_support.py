"""A baresip softphone as the calling party: real RTP from a WAV file, key presses through its console."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.ports_support import free_port, wait_for

BARESIP = shutil.which("baresip")


def baresip_call(workdir: Path, target: str, *, caller: str, wav: Path, keys: list[tuple[float, str]],
                 seconds: float) -> str:
    """Dial `target` with baresip, its microphone fed from `wav` (aufile); press `keys` (delay after the
    previous one, RFC 2833) through its UDP console; quit after `seconds`. Returns baresip's output."""
    conf = workdir / "baresip"
    conf.mkdir(parents=True, exist_ok=True)
    sip, console, rtp = free_port(), free_port(), free_port(100)
    (conf / "config").write_text(
        f"poll_method epoll\nsip_listen 127.0.0.1:{sip}\naudio_player aubridge,nil\naudio_alert aubridge,nil\n"
        f"audio_source aufile,{wav}\naudio_srate 8000\naudio_channels 1\nrtp_ports {rtp}-{rtp + 99}\n"
        "module_path /usr/lib/baresip/modules\nmodule stdio.so\nmodule cons.so\nmodule g711.so\n"
        "module aufile.so\nmodule aubridge.so\nmodule_app account.so\nmodule_app menu.so\n"
        f"cons_listen 127.0.0.1:{console}\n")
    (conf / "accounts").write_text(f"<sip:{caller}@127.0.0.1>;regint=0\n")
    (conf / "contacts").write_text("")
    out = workdir / "baresip.log"
    with out.open("wb") as log:
        proc = subprocess.Popen([BARESIP, "-f", str(conf), "-e", f"/dial sip:12345@{target}", "-t", str(int(seconds))],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: "Call established" in out.read_text(errors="replace"), 10)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            for delay, key in keys:
                time.sleep(delay)
                udp.sendto(key.encode(), ("127.0.0.1", console))
        proc.wait(timeout=seconds + 10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
            proc.wait(5)
    return out.read_text(errors="replace")
