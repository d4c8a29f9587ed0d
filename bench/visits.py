"""Return-visit sweep: schedule N due visits for N closed cases, hand them out, kill the worker after
--process visits, and show that the sweep after the lease hands out exactly the unfinished ones (none missed,
none twice).

    .venv/bin/python bench/visits.py [--count 100000] [--url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Uses a fresh database (created and dropped on PostgreSQL; a temporary SQLite file with --url sqlite). Cases
are copies of one case closed through the ticket flows, bulk-inserted. The survey calls are a fake answered
without a key (each visit is rescheduled, no ticket flow runs), run by --threads worker threads.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, insert, select, text, update

from callbacks import flows, schedule
from callbacks.models import ReturnVisit, VisitAttempt
from callbacks.sms import FakeSms
from hotline.context import AppContext
from hotline.database import make_engine, make_session_factory, upgrade, utcnow
from hotline.settings import Settings
from telephony.fake import FakeOutboundCalls
from ticketing.enums import Role
from ticketing.flows import answer, create_ticket
from ticketing.models import Ticket
from ticketing.org.auth import Actor
from ticketing.schemas import TicketCreate


def seed(ctx: AppContext, count: int) -> None:
    agent = Actor(id=None, role=Role.AGENT, name="bench")
    number = create_ticket(ctx, data=TicketCreate(channel="phone", ticket_type="consult", content="公积金怎么提取？",
                                                  caller_phone="13800000000"), actor=agent)
    answer(ctx, number=number, reply="请到公积金中心办理。", actor=agent)
    with ctx.engine.begin() as conn:
        row = dict(conn.execute(select(Ticket.__table__).where(Ticket.number == number)).mappings().one())
        row.pop("id")
        batch = []
        for i in range(1, count):
            batch.append({**row, "number": f"V{i:011d}", "caller_phone": f"139{i:08d}",
                          "closed_at": row["closed_at"] - timedelta(seconds=i * 0.5)})  # spread over hours
            if len(batch) == 5000:
                conn.execute(insert(Ticket.__table__), batch)
                batch = []
        if batch:
            conn.execute(insert(Ticket.__table__), batch)


def timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    print(f"{label:<48} {time.perf_counter() - start:8.2f} s   {result}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--process", type=int, default=5000, help="visits the worker runs before it is killed")
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    admin, name = None, f"hotline_bench_visits_{uuid.uuid4().hex[:8]}"
    if args.url.startswith("sqlite"):
        url = f"sqlite:///{tempfile.mkdtemp()}/visits.db"
    else:
        admin = create_engine(args.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = args.url.rsplit("/", 1)[0] + f"/{name}"
    try:
        run(url, args.count, args.threads, args.process)
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def run(url: str, count: int, threads: int, process: int) -> None:
    upgrade(url)
    settings = Settings(database_url=url, data_dir=Path(tempfile.mkdtemp()), _env_file=None,
                        visit_sweep_batch=1000)
    engine = make_engine(url, pool_size=threads + 2) if url.startswith("postgresql") else make_engine(url)
    sent: list[tuple] = []
    ctx = AppContext(settings=settings, engine=engine, sessions=make_session_factory(engine),
                     enqueue=lambda name, *a, **k: sent.append(a))
    print(f"backend {engine.dialect.name}, {count:,} closed cases")
    timed("seed closed cases", lambda: seed(ctx, count))
    timed("sweep: schedule visits (due-rows)", lambda: schedule.schedule_closed(ctx))
    now = utcnow()
    with ctx.engine.begin() as conn:  # the delay and allowed hours have passed for all of them
        conn.execute(update(ReturnVisit).values(due_at=now - timedelta(minutes=1)))
    handed = timed("sweep: hand out due visits (lease + enqueue)", lambda: schedule.hand_out_due(ctx, now=now))
    outbound, sms = FakeOutboundCalls(), FakeSms()
    first, lost = sent[:process], sent[process:]

    def one(message):
        return flows.run_visit(ctx, visit_id=message[0], token=message[1], outbound=outbound, sms=sms) == "call"

    def work(messages):
        with ThreadPoolExecutor(threads) as pool:
            return sum(pool.map(one, messages, chunksize=64))

    timed(f"worker runs {len(first):,} visits, then is killed", lambda: work(first))
    again = timed("sweep before the lease expires", lambda: schedule.hand_out_due(ctx, now=now))
    sent.clear()
    later = now + timedelta(seconds=settings.visit_lease_seconds + 1)
    retaken = timed("sweep after the lease: hands out", lambda: schedule.hand_out_due(ctx, now=later))
    missed = {v for v, _ in lost} - {v for v, _ in sent}
    twice = {v for v, _ in sent} & {v for v, _ in first}
    stale = timed(f"stale duplicate deliveries ({len(first):,} messages again)", lambda: work(first))
    timed(f"restarted worker runs {min(process, len(sent)):,} of them", lambda: work(sent[:process]))
    with ctx.sessions() as s:
        visits = s.scalar(select(func.count()).select_from(ReturnVisit))
        per_visit = dict(s.execute(select(VisitAttempt.visit_id, func.count()).group_by(VisitAttempt.visit_id)).all())
    print(f"visits {visits:,}; handed out {handed:,}; killed with {len(lost):,} unstarted; before lease {again}; "
          f"after lease {retaken:,}; unfinished not handed out again {len(missed)}; finished handed out again "
          f"{len(twice)}; calls by stale duplicates {stale}; calls placed {len(outbound.placed):,}; visits called "
          f"twice {sum(1 for n in per_visit.values() if n > 1)}")
    engine.dispose()


if __name__ == "__main__":
    main()
