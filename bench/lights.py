"""Ticket lists filtered by light on PostgreSQL: the light of the limit next due (ticketing.deadlines.signals)
against the close-deadline-only filter it replaced, measured in the same run on the same data.

    .venv/bin/python bench/lights.py [--tickets 200000] [--open-share 0.035] [--repeat 15]

Creates a scratch database (hotline_bench_lights_<pid>) on HOTLINE_TEST_PG_URL's server, fills it with
generate_series (a share of the cases open, each with first-contact, reply and close limits), prints the
median milliseconds of one 50-row page per filter and order, and drops the database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from hotline.database import upgrade
from ticketing.enums import Light
from ticketing.list_service import OPEN, TicketFilter, list_tickets
from ticketing.models import Ticket

ADMIN_URL = os.environ.get("HOTLINE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

FILL = """
INSERT INTO tickets (number, channel, ticket_type, title, content, urgency, status, accepted_at, due_at,
  first_contact_due_at, first_contact_at, reply_due_at, replied_at, closed_at, light, overdue_raised,
  supervise_count, reopen_count, created_at, updated_at, event_count, version, search_tokens, complexity)
SELECT 'B' || g, 'phone', 'help', 't', 'c', CASE WHEN g % 10 = 0 THEN 'urgent' ELSE 'normal' END,
  CASE WHEN random() < :open THEN 'accepted' ELSE 'closed' END,
  a, a + interval '5 days', a + interval '1 day', CASE WHEN random() < 0.6 THEN a + interval '3 hours' END,
  a + interval '4 days', NULL, NULL, 'green', false, 0, 0, a, a, 0, 1, '', 'general'
FROM (SELECT g, :now - (random() * interval '365 days') AS a FROM generate_series(1, :n) AS g) AS s;
UPDATE tickets SET closed_at = due_at - interval '1 hour', replied_at = due_at - interval '2 hours'
 WHERE status = 'closed';
ANALYZE tickets;
"""


def timed(fn, repeat: int) -> float:
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--open-share", type=float, default=0.035)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    name = f"hotline_bench_lights_{os.getpid()}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = None
    try:
        upgrade(url)
        engine = create_engine(url)
        now = datetime.now(UTC)
        with engine.begin() as conn:
            for statement in FILL.strip().split(";\n"):
                conn.execute(text(statement), {"open": args.open_share, "now": now, "n": args.tickets})
        with Session(engine) as session:
            opened = session.scalar(select(text("count(*)")).select_from(Ticket).where(Ticket.status.in_(OPEN)))
            print(f"{args.tickets:,} tickets, {opened:,} open")
            yellow = timedelta(hours=24)
            for light in (Light.RED, Light.YELLOW, Light.GREEN):
                for order in ("due", "newest", "queue"):
                    def new(light=light, order=order):
                        return list_tickets(session, flt=TicketFilter(light=light), now=now, yellow=yellow,
                                            order=order, limit=50, offset=0)

                    def old(light=light, order=order):
                        cond = {Light.RED: [Ticket.due_at < now],
                                Light.YELLOW: [Ticket.due_at >= now, Ticket.due_at < now + yellow],
                                Light.GREEN: [Ticket.due_at >= now + yellow]}[light]
                        keys = {"due": [Ticket.due_at.asc(), Ticket.id.asc()],
                                "newest": [Ticket.created_at.desc(), Ticket.id.desc()],
                                "queue": [Ticket.urgency.desc(), Ticket.created_at.desc(), Ticket.id.desc()]}[order]
                        stmt = select(Ticket).where(Ticket.status.in_(OPEN), *cond).order_by(*keys).limit(50)
                        return list(session.scalars(stmt))

                    t_new, t_old = timed(new, args.repeat), timed(old, args.repeat)
                    print(f"light={light.value:<6} order={order:<6}  next-due light {t_new:7.1f} ms   "
                          f"close-only light {t_old:7.1f} ms   ratio {t_new / t_old:5.2f}")
    finally:
        if engine is not None:
            engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
