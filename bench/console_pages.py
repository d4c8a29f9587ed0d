"""Server time of the console's busiest pages on the 1,000,000-ticket PostgreSQL database of
bench/seed_tickets.py: the agent queue (several filters), a department's workbench and the ticket page.
Target (issue 4): p95 < 100 ms.

    .venv/bin/python bench/console_pages.py [--url URL] [--runs 100] [--warmup 10]

Requests go through the real app over HTTP on loopback (uvicorn in this process, like `hotline up`), logged
in with a console session cookie; the figure is the whole request as the browser would wait for it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from sqlalchemy import select, text

from agent_console.session import COOKIE
from bench.console_live import serve
from hotline.context import AppContext
from hotline.database import upgrade
from hotline.settings import Settings
from ticketing.org.auth import hash_password, issue_token
from ticketing.org.models import User
from wiring.app import create_app

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench"


def session_cookie(ctx: AppContext, *, role: str, department_id: int | None = None) -> str:
    with ctx.sessions() as s:
        user = User(username=f"bench-{role}-{time.time_ns()}", display_name="压测用户", role=role,
                    department_id=department_id, password_hash=hash_password("bench-pass-1"))
        s.add(user)
        s.flush()
        token = issue_token(s, user=user, ttl_hours=1)
        s.commit()
        return token


def measure(client: httpx.Client, path: str, *, runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        client.get(path).raise_for_status()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
    return times


def report(name: str, times: list[float], target: float = 100.0) -> None:
    times = sorted(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    verdict = "ok  " if p95 < target else "MISS"
    print(f"  {verdict} {name:<44} p50 {statistics.median(times):7.1f}  p95 {p95:7.1f}  max {times[-1]:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    upgrade(args.url)
    settings = Settings(database_url=args.url, _env_file=None)
    ctx = AppContext.from_settings(settings)
    with ctx.reader() as s:
        count = s.execute(text("SELECT count(*) FROM tickets")).scalar_one()
        busiest = s.execute(text("SELECT lead_department_id FROM tickets WHERE lead_department_id IS NOT NULL "
                                 "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")).scalar_one()
        numbers = s.scalars(select(text("number")).select_from(text("tickets"))
                            .where(text("status = 'accepted'")).limit(20)).all()
    print(f"{count:,} tickets; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} at start")
    server, base = serve(create_app(settings, context=ctx))
    try:
        agent = httpx.Client(base_url=base, cookies={COOKIE: session_cookie(ctx, role="agent")}, timeout=30)
        department = httpx.Client(base_url=base, timeout=30, cookies={
            COOKIE: session_cookie(ctx, role="department", department_id=busiest)})
        for name, path in [
            ("queue: default (open cases, urgent first)", "/console/queue"),
            ("queue: red lights", "/console/queue?light=red"),
            ("queue: complaints, urgent", "/console/queue?type=complaint&urgency=urgent"),
            ("queue: text search 噪音", "/console/queue?q=噪音"),
        ]:
            report(name, measure(agent, path, runs=args.runs, warmup=args.warmup))
        report("workbench: busiest department", measure(department, "/console/workbench",
                                                        runs=args.runs, warmup=args.warmup))
        times: list[float] = []
        for number in numbers:
            times += measure(agent, f"/console/tickets/{number}", runs=max(1, args.runs // len(numbers)), warmup=1)
        report("ticket page (20 different cases)", times)
    finally:
        server.should_exit = True
    print(f"load average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
