"""Report benchmark against the database made by bench/seed_tickets.py (PostgreSQL, ~1,000,000 tickets).

    .venv/bin/python bench/reports.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench]
        [--runs 20] [--explain] [--skip-dashboard] [--export-days 30]

Runs ticketing.reports.department_report and overview (read-only) for today / 7 days / 30 days ending at the
newest ticket's day, prints p50/max in ms, and with --explain the EXPLAIN (ANALYZE, BUFFERS) of each query.
Then the accountability reports (issue 15, bench/reports_issue15.py): weekly bulletin XLSX, monthly PDF,
ledger page p95 under several filters, a streamed ledger export (rows/s and peak memory) and the spike scan
over the newest day, each against its target.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, select, text

from hotline.context import AppContext
from hotline.database import make_engine, make_session_factory
from hotline.settings import Settings
from ticketing import reports
from ticketing.enums import Role
from ticketing.models import Ticket
from ticketing.org.auth import Actor


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--skip-dashboard", action="store_true", help="only the issue-15 reports")
    parser.add_argument("--export-days", type=int, default=30, help="days of ledger the export test streams")
    args = parser.parse_args()
    settings = Settings(database_url=args.url, _env_file=None)
    engine = make_engine(args.url)
    ctx = AppContext(settings=settings, engine=engine, sessions=make_session_factory(engine))
    actor = Actor(id=None, role=Role.SUPERVISOR, name="bench")
    with ctx.reader() as s:
        newest = s.scalar(select(func.max(Ticket.created_at)))
        total = s.scalar(select(func.count()).select_from(Ticket))
    print(f"{total} tickets, newest {newest:%Y-%m-%d}")
    captured: list[tuple[str, dict]] = []

    def captured_listener(conn, cur, stmt, params, ctx_, many):
        captured.append((stmt, params))

    event.listen(engine, "before_cursor_execute", captured_listener)
    for preset in (() if args.skip_dashboard else ("today", "7d", "30d")):
        period = reports.period_for(settings, preset=preset, now=newest)
        for name, call in (("departments", lambda: reports.department_report(ctx, period=period, actor=actor)),
                           ("overview", lambda: reports.overview(ctx, period=period, actor=actor, now=newest))):
            times = []
            for _ in range(args.runs):
                captured.clear()
                t0 = time.perf_counter()
                result = call()
                times.append((time.perf_counter() - t0) * 1000)
            size = len(result.departments) if name == "departments" else result.intake_total
            print(f"{preset:>5} {name:<12} p50 {statistics.median(times):7.1f} ms  max {max(times):7.1f} ms  "
                  f"({size} {'departments' if name == 'departments' else 'cases'})")
            if args.explain:
                with engine.connect() as conn:
                    for stmt, params in list(captured):  # noqa: PERF101 - the EXPLAIN below appends to it
                        if "GROUP BY" in stmt or "sum(CASE" in stmt:
                            plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + stmt, params).all()
                            print("\n".join("    " + row[0] for row in plan))
                    conn.execute(text("ROLLBACK"))
    event.remove(engine, "before_cursor_execute", captured_listener)
    from bench.reports_issue15 import run as issue15

    issue15(ctx, actor, newest, runs=args.runs, export_days=args.export_days)
    engine.dispose()


if __name__ == "__main__":
    main()
