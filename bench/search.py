"""Chinese full-text search figures: segmentation speed, indexed insert speed and query latency.

    .venv/bin/python bench/search.py [--count 100000] [--backend sqlite|postgres]
        [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--seed 1]

Builds a fresh database (migrated to head), fills `tickets` with synthetic complaints whose
`search_tokens` come from `ticketing.textsearch.segment`, then times `text_filter` (all words) and
`ranked_search` (any word, best 20) queries. The database is removed afterwards.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, insert, select, text

from hotline.database import make_engine, upgrade, utcnow
from ticketing.models import Ticket
from ticketing.textsearch import ranked_search, segment_parts, text_filter, warm_up

PLACES = ["幸福路", "人民广场", "阳光小区", "新华街道", "滨江花园", "火车站", "第一中学", "中心医院", "工业园区", "老城区"]
PROBLEMS = ["占道经营", "噪音扰民", "路灯不亮", "拖欠工资", "物业费乱收费", "井盖缺失", "下水道堵塞", "违章停车",
            "油烟扰民", "垃圾清运不及时", "电梯故障", "停水", "供暖不热", "出租车拒载", "社保卡补办", "预付卡退费"]
DETAILS = ["已经持续一个多月", "晚上十点以后尤其严重", "多次反映没有结果", "影响老人和孩子出行", "希望尽快处理",
           "物业说不归他们管", "相关部门一直推诿", "周边居民意见很大", "存在安全隐患", "要求给个说法"]
QUERIES = {"one word": "占道经营", "two words": "幸福路 噪音扰民", "phrase": "路灯不亮怎么办",
           "rare": "预付卡退费 滨江花园", "none": "公积金提取"}


def ticket_text(rng: random.Random) -> tuple[str, str]:
    problem = rng.choice(PROBLEMS)
    content = f"{rng.choice(PLACES)}{rng.choice(['附近', '门口', '一带'])}{problem}，" + "，".join(
        rng.sample(DETAILS, 3))
    return problem, content


def fresh_database(backend: str, pg_url: str, workdir: Path) -> tuple[str, callable]:
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'search.db'}", lambda: None
    name = f"hotline_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return pg_url.rsplit("/", 1)[0] + f"/{name}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=20, help="runs of each query")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    start = time.perf_counter()
    warm_up()
    print(f"jieba dictionary + word weights loaded in {time.perf_counter() - start:.2f} s")

    texts = [ticket_text(rng) for _ in range(args.count)]
    start = time.perf_counter()
    tokens = [segment_parts(title, content) for title, content in texts]
    elapsed = time.perf_counter() - start
    chars = sum(len(t) + len(c) for t, c in texts)
    print(f"segment: {args.count:,} tickets ({chars / 1e6:.1f} M chars) in {elapsed:.2f} s "
          f"= {args.count / elapsed:,.0f} tickets/s, {chars / elapsed / 1e6:.2f} M chars/s")

    with tempfile.TemporaryDirectory() as tmp:
        url, drop = fresh_database(args.backend, args.pg_url, Path(tmp))
        try:
            upgrade(url)
            engine = make_engine(url)
            now = utcnow()
            fixed = {"channel": "phone", "ticket_type": "complaint", "urgency": "normal", "status": "registered",
                     "accepted_at": now, "due_at": now + timedelta(days=3), "light": "green",
                     "overdue_raised": False, "supervise_count": 0, "reopen_count": 0, "created_at": now,
                     "updated_at": now, "event_count": 0, "version": 1}
            rows = [{**fixed, "number": f"B{i:09d}", "title": title, "content": content, "search_tokens": tok}
                    for i, ((title, content), tok) in enumerate(zip(texts, tokens, strict=True))]
            start = time.perf_counter()
            with engine.begin() as conn:
                for i in range(0, len(rows), 5000):
                    conn.execute(insert(Ticket), rows[i:i + 5000])
            elapsed = time.perf_counter() - start
            print(f"{args.backend}: inserted and indexed {args.count:,} tickets in {elapsed:.1f} s "
                  f"= {args.count / elapsed:,.0f} /s")
            if args.backend == "postgres":
                with engine.begin() as conn:
                    conn.exec_driver_sql("ANALYZE tickets")
            dialect = engine.dialect.name
            print(f"{'query':<10} {'matches':>8} {'count ms':>9} {'top-20 ranked ms':>17}  (median of {args.repeat})")
            for label, query in QUERIES.items():
                count_stmt = text_filter(select(func.count()).select_from(Ticket), table="tickets",
                                         id_column=Ticket.id, query=query, dialect_name=dialect)
                ranked = ranked_search(select(Ticket.id), table="tickets", id_column=Ticket.id, query=query,
                                       dialect_name=dialect, mode="any").limit(20)
                counts, tops = [], []
                with engine.connect() as conn:
                    for _ in range(args.repeat):
                        t0 = time.perf_counter()
                        matches = conn.scalar(count_stmt)
                        t1 = time.perf_counter()
                        conn.execute(ranked).all()
                        t2 = time.perf_counter()
                        counts.append(t1 - t0)
                        tops.append(t2 - t1)
                print(f"{label:<10} {matches:>8,} {statistics.median(counts) * 1e3:>9.1f} "
                      f"{statistics.median(tops) * 1e3:>17.1f}")
            engine.dispose()
        finally:
            drop()


if __name__ == "__main__":
    main()
