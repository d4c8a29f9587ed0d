"""Finding a caller's cases from the console search box on a big PostgreSQL database (target: < 200 ms).

    .venv/bin/python bench/seed_tickets.py --url postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench
    .venv/bin/python bench/phone_search.py [--url …/hotline_bench] [--runs 200] [--explain]

For callers picked at random from the database, times what the agent queue does for a search (the words
interpreted by ticketing.flows.find, then the queue page's list flow, urgent first then newest, 30 rows, all
statuses): a full number (as typed, "+86 139 …"), its last four digits, a caller name (张先生) and a case
number. Prints p50/p95/p99/max in ms per kind and, as the baseline measured in the same run, the last-four
search written without migration 0017's expression index (caller_phone LIKE '%5678', a scan).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text

from hotline.context import AppContext
from hotline.database import make_engine, make_session_factory
from hotline.settings import Settings
from ticketing.flows import find, queries
from ticketing.models import Ticket
from ticketing.org.auth import Actor
from ticketing.org.models import User
from ticketing.service import TicketFilter

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench"
TARGET_MS = 200.0
PAGE = 30


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return {"p50": at(0.5), "p95": at(0.95), "p99": at(0.99), "max": ordered[-1], "mean": statistics.fmean(ordered)}


def dialled(phone: str) -> str:
    """The way an agent might type the number: +86 139 1234 5678."""
    return f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}" if len(phone) == 11 else phone


def sample(ctx: AppContext, rng: random.Random, runs: int) -> dict[str, list[str]]:
    with ctx.reader() as s:
        top = s.scalar(select(func.max(Ticket.id)))
        ids = [rng.randint(1, top) for _ in range(runs * 3)]
        rows = s.execute(select(Ticket.number, Ticket.caller_phone, Ticket.caller_name)
                         .where(Ticket.id.in_(ids))).all()
    phones = [p for _, p, _ in rows if p and len(p) >= 7][:runs]
    return {
        "full number": [dialled(p) for p in phones],
        "last four digits": [p[-4:] for p in phones],
        "caller name": [n for _, _, n in rows if n][:runs],
        "case number": [n for n, _, _ in rows][:runs],
    }


def search_once(ctx: AppContext, actor: Actor, q: str) -> tuple[float, int, str]:
    started = time.perf_counter()
    search = find.interpret(ctx, q=q, actor=actor)
    page = queries.list_tickets(ctx, flt=TicketFilter(**search.fields), actor=actor, order="queue", limit=PAGE,
                                offset=0)
    return (time.perf_counter() - started) * 1000, len(page.items), search.kind


def explain(ctx: AppContext, actor: Actor, q: str) -> None:
    from sqlalchemy import event

    seen: list[tuple[str, object]] = []

    def record(_c, _cur, statement, params, _ctx, _many):
        if statement.lstrip().upper().startswith("SELECT TICKETS.ID"):
            seen.append((statement, params))

    event.listen(ctx.engine, "before_cursor_execute", record)
    search_once(ctx, actor, q)
    event.remove(ctx.engine, "before_cursor_execute", record)
    with ctx.engine.connect() as conn:
        for statement, params in seen[:1]:
            plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params).scalars().all()
            print("    " + "\n    ".join(plan))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--baseline", type=int, default=5, help="searches timed without the tail index")
    parser.add_argument("--explain", action="store_true", help="print one EXPLAIN ANALYZE per kind")
    args = parser.parse_args()

    settings = Settings(database_url=args.url, _env_file=None)
    engine = make_engine(args.url, pool_size=2)
    ctx = AppContext(settings=settings, engine=engine, sessions=make_session_factory(engine))
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM tickets")).scalar_one()
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        has_tail = conn.execute(text("SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_tickets_caller_tail_expr'"
                                     )).scalar_one()
    print(f"{total:,} tickets; schema {revision}; tail index {'present' if has_tail else 'MISSING'}; "
          f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    with ctx.reader() as s:
        agent = s.scalars(select(User).where(User.role == "agent").order_by(User.id)).first()
    if agent is None:
        raise SystemExit("no agent in the database: run bench/seed_tickets.py first")
    actor = Actor.of(agent)
    rng = random.Random(args.seed)
    kinds = sample(ctx, rng, args.runs)
    for q in kinds["full number"][: args.warmup]:
        search_once(ctx, actor, q)
    worst = 0.0
    for name, values in kinds.items():
        samples, rows, seen = [], [], set()
        for q in values:
            ms, n, kind = search_once(ctx, actor, q)
            samples.append(ms)
            rows.append(n)
            seen.add(kind)
        p = percentiles(samples)
        worst = max(worst, p["p99"])
        flag = "ok  " if p["p99"] < TARGET_MS else "MISS"
        print(f"  {flag} {name:<17} read as {'/'.join(sorted(seen)):<12} n={len(samples):<4} p50 {p['p50']:6.1f}  "
              f"p95 {p['p95']:6.1f}  p99 {p['p99']:6.1f}  max {p['max']:6.1f} ms  rows/search "
              f"{statistics.fmean(rows):.1f}", flush=True)
        if args.explain and values:
            explain(ctx, actor, values[0])
    baseline = []
    for tail in kinds["last four digits"][: args.baseline]:
        started = time.perf_counter()
        with ctx.reader() as s:
            s.execute(select(Ticket.id).where(Ticket.caller_phone.like(f"%{tail}"))
                      .order_by(Ticket.urgency.desc(), Ticket.created_at.desc(), Ticket.id.desc()).limit(PAGE)).all()
        baseline.append((time.perf_counter() - started) * 1000)
    if baseline:
        tail_p50 = percentiles([search_once(ctx, actor, t)[0] for t in kinds["last four digits"][: args.baseline]])
        b = percentiles(baseline)
        print(f"  baseline: last four digits without the index (LIKE '%dddd') n={len(baseline)} p50 {b['p50']:.1f} ms; "
              f"with it {tail_p50['p50']:.1f} ms ({b['p50'] / max(tail_p50['p50'], 0.001):.0f}x faster)")
    print(f"worst p99 {worst:.1f} ms vs target {TARGET_MS:.0f} ms: {'met' if worst < TARGET_MS else 'NOT met'}")


if __name__ == "__main__":
    main()
