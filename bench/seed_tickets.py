"""Seed a dedicated PostgreSQL database with N realistic tickets for the ticket benchmark.

    .venv/bin/python bench/seed_tickets.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench]
                                           [--count 1000000] [--reset] [--seed 1]

Creates the database if needed, migrates it to head (hotline.database.upgrade) and bulk-loads with COPY:
~200 departments (city bureaus, district governments and bureaus, streets), 100 categories with a dispatch
catalogue, agents/supervisors/department staff, and N tickets spread over the last two years with their
callers, assignments and 1-3 events each. Deadlines come from DeadlinePolicy.from_settings; search_tokens from
ticketing.textsearch.segment (a pool of texts is segmented once and reused). Indexes of the big tables are
dropped during the load and rebuilt afterwards, then the tables are vacuumed and analysed.

Idempotent: a database that already holds tickets is left alone unless --reset (drop and recreate) is given.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from psycopg import sql

from bench import seed_data as data
from hotline.database import upgrade
from hotline.settings import Settings
from ticketing.deadlines.sla import DeadlinePolicy
from ticketing.textsearch import tokens

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench"
BIG_TABLES = ("tickets", "ticket_callers", "ticket_assignments", "ticket_events")
TICKET_COLUMNS = (
    "id", "number", "channel", "caller_phone", "caller_name", "ticket_type", "category_id", "title", "content",
    "address", "district", "urgency", "status", "lead_department_id", "accepted_at", "due_at",
    "first_contact_due_at", "first_contact_at", "light", "overdue_raised", "dispatched_at", "handled_at",
    "replied_at", "closed_at", "reply", "satisfaction", "supervise_count", "reopen_count", "merged_into_id",
    "owner_id", "created_at", "updated_at", "event_count", "version", "search_tokens",
)
EVENT_COLUMNS = ("ticket_id", "seq", "action", "actor_id", "actor_role", "actor_name", "from_status",
                 "to_status", "at", "note", "changes")
ASSIGNMENT_COLUMNS = ("ticket_id", "department_id", "role", "status", "assigned_at", "accepted_at",
                      "replied_at", "reply", "ticket_created_at", "ticket_urgency", "ticket_open")
CALLER_COLUMNS = ("ticket_id", "phone", "name", "source_ticket_id", "added_at")


def libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def prepare_database(url: str, *, reset: bool) -> bool:
    """Create (or with reset: drop and recreate) the database. True if it already holds tickets."""
    base, name = libpq_url(url).rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and reset:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return False
    with psycopg.connect(libpq_url(url)) as conn:
        has_table = conn.execute("SELECT to_regclass('public.tickets')").fetchone()[0]
        return bool(has_table and conn.execute("SELECT EXISTS (SELECT 1 FROM tickets)").fetchone()[0])


class TextPool:
    """Ticket texts and addresses, each segmented once; a ticket's search_tokens are the tokens of its
    title, content and address in that order, deduplicated (what segment(f"{title} {content} {address}")
    gives, since spaces separate the parts)."""

    def __init__(self, rng: random.Random, categories: list[data.CategorySpec], size: int,
                 addresses: int) -> None:
        self.by_category: dict[int, list[tuple[str, str, list[str]]]] = {}
        per_category = max(1, size // len(categories))
        for cat in categories:
            texts = []
            for content in data.contents(rng, cat, per_category):
                title = content[: data.TITLE_CHARS]
                texts.append((title, content, tokens(f"{title} {content}")))
            self.by_category[cat.id] = texts
        self.addresses = [(district, address, tokens(address))
                          for district, address in data.addresses(rng, addresses)]

    @staticmethod
    def search_tokens(text_tokens: list[str], address_tokens: list[str]) -> str:
        seen = dict.fromkeys(text_tokens)
        seen.update(dict.fromkeys(address_tokens))
        return " ".join(seen)


def load(conn: psycopg.Connection, rng: random.Random, *, count: int, settings: Settings, now: datetime,
         chunk: int) -> None:
    org = data.insert_org(conn, rng)
    pool_start = time.perf_counter()
    pool = TextPool(rng, org.categories, size=2000, addresses=3000)
    print(f"  text pool segmented in {time.perf_counter() - pool_start:.1f} s", flush=True)
    policy = DeadlinePolicy.from_settings(settings)
    gen = data.TicketGenerator(rng, org=org, pool=pool, policy=policy, now=now, count=count)

    saved = drop_indexes(conn)
    loaded = 0
    start = time.perf_counter()
    for tickets, callers, assignments, events in gen.chunks(chunk):
        copy_rows(conn, "tickets", TICKET_COLUMNS, tickets)
        copy_rows(conn, "ticket_callers", CALLER_COLUMNS, callers)
        copy_rows(conn, "ticket_assignments", ASSIGNMENT_COLUMNS, assignments)
        copy_rows(conn, "ticket_events", EVENT_COLUMNS, events)
        loaded += len(tickets)
        rate = loaded / (time.perf_counter() - start)
        print(f"  {loaded:>9,} tickets copied ({rate:,.0f}/s)", flush=True)
    copy_rows(conn, "ticket_sequences", ("day", "last"), sorted(gen.day_counts.items()))
    for table in ("tickets", *BIG_TABLES[1:], "departments", "categories", "users", "dispatch_rules"):
        conn.execute(sql.SQL("SELECT setval(pg_get_serial_sequence({t}, 'id'), "
                             "(SELECT coalesce(max(id), 1) FROM {i}))").format(
            t=sql.Literal(table), i=sql.Identifier(table)))
    index_start = time.perf_counter()
    for statement in saved:
        conn.execute(statement)
    print(f"  {len(saved)} indexes rebuilt in {time.perf_counter() - index_start:.1f} s", flush=True)


def drop_indexes(conn: psycopg.Connection) -> list[str]:
    """Drop the big tables' plain indexes (not those behind primary keys or unique constraints); return their
    definitions so they can be rebuilt after the load, exactly as the migrations made them."""
    rows = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY(%s) "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY tablename, indexname",
        (list(BIG_TABLES),),
    ).fetchall()
    for name, _ in rows:
        conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    return [definition for _, definition in rows]


def copy_rows(conn: psycopg.Connection, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    if not rows:
        return
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)))
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def summary(url: str) -> None:
    with psycopg.connect(libpq_url(url)) as conn:
        for table in ("tickets", *BIG_TABLES[1:], "departments", "categories", "users"):
            n = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
            print(f"  {table:<20} {n:>10,}")
        for status, n in conn.execute("SELECT status, count(*) FROM tickets GROUP BY 1 ORDER BY 2 DESC"):
            print(f"  status {status:<13} {n:>10,}")
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
        print(f"  database size        {size:>10}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL, help="SQLAlchemy URL of the benchmark database")
    parser.add_argument("--count", type=int, default=1_000_000, help="tickets to create")
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database first")
    parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
    parser.add_argument("--chunk", type=int, default=50_000, help="tickets per COPY round")
    args = parser.parse_args()

    started = time.perf_counter()
    if prepare_database(args.url, reset=args.reset):
        print(f"{args.url} already holds tickets; nothing to do (use --reset to rebuild).")
        summary(args.url)
        return
    upgrade(args.url)
    print(f"migrated in {time.perf_counter() - started:.1f} s", flush=True)
    settings = Settings(database_url=args.url, _env_file=None)
    now = datetime.now(UTC)
    rng = random.Random(args.seed)
    with psycopg.connect(libpq_url(args.url)) as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute("SET synchronous_commit = off")
        # The generator keeps every reference consistent; skipping per-row foreign-key triggers makes COPY
        # several times faster (needs a superuser, as the default postgres user is).
        conn.execute("SET session_replication_role = replica")
        load(conn, rng, count=args.count, settings=settings, now=now, chunk=args.chunk)
        conn.commit()
    vacuum_start = time.perf_counter()
    with psycopg.connect(libpq_url(args.url), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    print(f"vacuum analyze in {time.perf_counter() - vacuum_start:.1f} s")
    summary(args.url)
    print(f"seeded {args.count:,} tickets in {time.perf_counter() - started:.1f} s "
          f"({json.dumps({'url': args.url, 'seed': args.seed})})")


if __name__ == "__main__":
    main()
