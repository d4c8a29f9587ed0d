"""Deadline computations per second on one core, for normal (working-day) and urgent (hours) cases.

    .venv/bin/python bench/deadlines.py [--count 200000] [--seed 1]

Acceptance times are spread over two years (including 国庆/春节 and a fallback year), so the bisect path,
the year-range extension and the end-of-day cache are all exercised. The target is >= 100,000/s.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotline.settings import Settings
from ticketing.deadlines.sla import DeadlinePolicy, light_for
from ticketing.deadlines.workdays import WorkCalendar

TICKET_TYPES = [None, "consult", "help", "complaint", "report", "suggestion"]


def run(label: str, fn, items) -> float:
    start = time.perf_counter()
    for item in items:
        fn(item)
    elapsed = time.perf_counter() - start
    rate = len(items) / elapsed
    print(f"{label:<34} {len(items):>9,} in {elapsed:7.3f} s  = {rate:>12,.0f} /s")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    settings = Settings(_env_file=None)
    start_build = time.perf_counter()
    calendar = WorkCalendar(settings.tz, {datetime(2026, 11, 2).date(): False})
    policy = DeadlinePolicy.from_settings(settings, calendar=calendar)
    policy.due(datetime(2027, 12, 30, tzinfo=UTC), urgency="normal", ticket_type=None)  # build 2025-2028
    print(f"calendar build (4 years)             {time.perf_counter() - start_build:7.3f} s")

    rng = random.Random(args.seed)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    span = int(timedelta(days=730).total_seconds())
    moments = [base + timedelta(seconds=rng.randrange(span)) for _ in range(args.count)]
    types = [rng.choice(TICKET_TYPES) for _ in range(args.count)]
    items = list(zip(moments, types, strict=True))

    def normal(item):
        return policy.due(item[0], urgency="normal", ticket_type=item[1])

    def urgent(item):
        return policy.due(item[0], urgency="urgent", ticket_type=item[1])

    def first_contact(item):
        return policy.due(item[0], urgency="normal", ticket_type=item[1], kind="first_contact")

    now = datetime(2027, 1, 1, tzinfo=UTC)

    def light(item):
        return light_for(item[0], now, yellow_hours=24)

    rates = [
        run("normal (3 working days)", normal, items),
        run("urgent (24 h wall clock)", urgent, items),
        run("first contact (1 working day)", first_contact, items),
    ]
    run("light_for", light, items)
    print(f"slowest deadline kind: {min(rates):,.0f} computations/s "
          f"({'meets' if min(rates) >= 100_000 else 'BELOW'} the 100,000/s target)")


if __name__ == "__main__":
    main()
