"""How fast a new case shows on an open agent queue: the time from the start of `flows.create_ticket` (which
commits) until an SSE client connected to /console/queue/stream — the same stream the browser's EventSource
reads — receives the case's event. Target: p95 < 1 s with the default poll interval.

    .venv/bin/python bench/console_live.py [--count 40] [--poll 0.5] [--database-url URL]

Without --database-url a fresh SQLite database in a temporary directory is used; with a PostgreSQL URL the
database must exist (it is migrated to head). The app runs under uvicorn in this process, like `hotline up`.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import uvicorn

from agent_console.session import COOKIE
from hotline.context import AppContext
from hotline.database import make_engine, make_session_factory, upgrade
from hotline.settings import Settings
from ticketing import flows
from ticketing.enums import Channel, TicketType
from ticketing.org.auth import Actor, hash_password, issue_token
from ticketing.org.models import User
from ticketing.schemas import TicketCreate
from wiring.app import create_app


def agent_token(ctx: AppContext) -> tuple[Actor, str]:
    with ctx.sessions() as s:
        user = User(username=f"bench-agent-{time.time_ns()}", display_name="压测坐席", role="agent",
                    password_hash=hash_password("bench-pass-1"))
        s.add(user)
        s.flush()
        token = issue_token(s, user=user, ttl_hours=1)
        s.commit()
        return Actor.of(user), token


def serve(app) -> tuple[uvicorn.Server, str]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return server, f"http://127.0.0.1:{port}"


class Listener(threading.Thread):
    """Reads the event stream and notes when each case number arrived."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(daemon=True)
        self.url, self.token = url, token
        self.seen: dict[str, float] = {}
        self.arrived = threading.Condition()
        self.connected = threading.Event()

    def run(self) -> None:
        with httpx.Client(cookies={COOKIE: self.token}, timeout=None) as client, \
                client.stream("GET", self.url) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                self.connected.set()
                if line.startswith("data:") and '"number": "' in line:
                    number = line.split('"number": "', 1)[1].split('"', 1)[0]
                    with self.arrived:
                        self.seen[number] = time.perf_counter()
                        self.arrived.notify_all()

    def wait_for(self, number: str, timeout: float) -> float | None:
        with self.arrived:
            self.arrived.wait_for(lambda: number in self.seen, timeout=timeout)
            return self.seen.get(number)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40, help="cases to create")
    parser.add_argument("--poll", type=float, default=0.5, help="HOTLINE_CONSOLE_POLL_SECONDS for the stream")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    random.seed(args.seed)

    data_dir = Path(tempfile.mkdtemp(prefix="hotline-live-bench-"))
    url = args.database_url or f"sqlite:///{data_dir / 'hotline.db'}"
    upgrade(url)
    settings = Settings(data_dir=data_dir, database_url=url, console_poll_seconds=args.poll,
                        console_stream_max_seconds=3600, _env_file=None)
    engine = make_engine(url)
    ctx = AppContext(settings=settings, engine=engine, sessions=make_session_factory(engine))
    actor, token = agent_token(ctx)
    server, base = serve(create_app(settings, context=ctx))
    with ctx.reader() as s:
        from agent_console.live import newest_id

        after = newest_id(s)
    listener = Listener(f"{base}/console/queue/stream?after={after}", token)
    listener.start()
    if not listener.connected.wait(10):
        sys.exit("the event stream did not answer")

    warm = flows.create_ticket(ctx, actor=actor, data=TicketCreate(  # loads the segmenter's dictionary
        channel=Channel.PHONE, ticket_type=TicketType.HELP, content="预热：路灯不亮"))
    if listener.wait_for(warm, timeout=10) is None:
        sys.exit("the warm-up case was never announced")
    shown, writes, missed = [], [], 0
    for i in range(args.count):
        time.sleep(random.uniform(0.05, 0.4))  # arrivals at random phases of the poll cycle
        start = time.perf_counter()
        number = flows.create_ticket(ctx, actor=actor, data=TicketCreate(
            channel=Channel.PHONE, ticket_type=TicketType.HELP, content=f"压测来电 {i}：小区停水，请尽快处理。",
            caller_phone=f"1380000{i:04d}"))
        writes.append(time.perf_counter() - start)
        arrived = listener.wait_for(number, timeout=10)
        if arrived is None:
            missed += 1
        else:
            shown.append(arrived - start)
    server.should_exit = True

    backend = engine.dialect.name
    print(f"live queue on {backend}, poll {args.poll:.2f} s, {args.count} cases ({missed} never shown)")
    print(f"  create (commit)       p50 {statistics.median(writes) * 1000:7.1f} ms   "
          f"p95 {percentile(writes, 95) * 1000:7.1f} ms   max {max(writes) * 1000:7.1f} ms")
    if shown:
        print(f"  create -> SSE event   p50 {statistics.median(shown) * 1000:7.1f} ms   "
              f"p95 {percentile(shown, 95) * 1000:7.1f} ms   max {max(shown) * 1000:7.1f} ms")
    engine.dispose()


if __name__ == "__main__":
    main()
