"""Issue-15 part of bench/reports.py: bulletin files, ledger pages and export, spike scan, with targets.

Targets (at 1,000,000 cases): weekly XLSX < 10 s, monthly PDF < 20 s, ledger page p95 < 200 ms, spike
detection over a day's cases < 1 s. The export streams a period of the ledger and reports peak memory growth.
"""

from __future__ import annotations

import io
import resource
import statistics
import time
from datetime import datetime, timedelta

from sqlalchemy import func, select

from hotline.context import AppContext
from reports import bulletins, exports, ledger, streams, warnings
from ticketing.models import Ticket
from ticketing.org.auth import Actor


def _timed(call) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = call()
    return time.perf_counter() - t0, result


def _verdict(value: float, target: float) -> str:
    return f"target < {target:g}: {'OK' if value < target else 'MISSED'}"


def run(ctx: AppContext, actor: Actor, newest: datetime, *, runs: int, export_days: int) -> None:
    tz = ctx.settings.tz
    day = newest.astimezone(tz).date()
    whole_day = day - timedelta(days=1)  # the newest day is only partly seeded
    week_day = day - timedelta(days=7)  # the last whole week before the newest case
    month_day = day.replace(day=1) - timedelta(days=1)

    def file(kind: str, fmt: str, when) -> tuple[float, float, int, int]:
        build_s, report = _timed(lambda: bulletins.build(ctx, kind=kind, day=when, actor=actor, now=newest))
        out = io.BytesIO()
        write_s, _ = _timed(lambda: exports.write(report, fmt, out))
        cases = report.table("channel").rows[-1][1]
        return build_s, write_s, len(out.getvalue()), cases

    for kind, fmt, when, target in (("weekly", "xlsx", week_day, 10.0), ("monthly", "pdf", month_day, 20.0),
                                    ("monthly", "xlsx", month_day, 20.0), ("daily", "pdf", whole_day, 10.0)):
        build_s, write_s, size, cases = file(kind, fmt, when)
        total = build_s + write_s
        print(f"{kind:>7} {fmt:<4} {total:6.2f} s (build {build_s:.2f} s, write {write_s:.2f} s, {size/1024:.0f} kB, "
              f"{cases} cases in period)  {_verdict(total, target)}")

    with ctx.reader() as s:
        departments = [d for d, in s.execute(select(Ticket.lead_department_id).where(
            Ticket.lead_department_id.is_not(None)).group_by(Ticket.lead_department_id)
            .order_by(func.count().desc()).limit(3))]
    filters = {
        "no filter": ledger.LedgerFilter(),
        "30 days": ledger.LedgerFilter(first=day - timedelta(days=29), last=day),
        "busiest dept": ledger.LedgerFilter(department_id=departments[0]),
        "channel web": ledger.LedgerFilter(channel="web"),
        "stage closed": ledger.LedgerFilter(stage="closed"),
        "overdue": ledger.LedgerFilter(overdue=True),
        "dept+overdue": ledger.LedgerFilter(department_id=departments[-1], overdue=True),
    }
    every: list[float] = []
    for name, f in filters.items():
        times = []
        cursor = None
        for i in range(runs):
            took, page = _timed(lambda f=f, at=cursor if i % 2 else None: ledger.page(
                ctx, f=f, actor=actor, cursor=at, now=newest))
            cursor = page.next_cursor
            times.append(took * 1000)
        every += times
        p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)]
        print(f"ledger page {name:<13} p50 {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms")
    p95 = sorted(every)[max(0, int(len(every) * 0.95) - 1)]
    print(f"ledger page all filters p95 {p95:.1f} ms  {_verdict(p95, 200)}")

    rss0 = _rss_mb()
    f = ledger.LedgerFilter(first=day - timedelta(days=export_days - 1), last=day)
    sink = _Counter()
    took, count = _timed(lambda: streams.write("csv", ledger.COLUMNS, ledger.stream(ctx, f=f, actor=actor, now=newest),
                                               sink, title="诉求台账"))
    print(f"ledger export csv {count} rows ({export_days} days) in {took:.1f} s = {count / took:,.0f} rows/s, "
          f"{sink.bytes / 1e6:.0f} MB written; resident memory {rss0:.0f} MB before, at most {sink.peak:.0f} MB "
          f"during (sampled every 64 kB chunk)")

    end = datetime.combine(day, datetime.min.time(), tzinfo=tz)  # the window is whole_day
    with ctx.reader() as s:
        in_day = s.scalar(select(func.count()).where(Ticket.created_at >= end - timedelta(days=1),
                                                     Ticket.created_at < end))
    times = []
    for _ in range(5):
        took, counts = _timed(lambda: warnings.scan(ctx, end=end))
        times.append(took)
    best = statistics.median(times)
    print(f"spike scan over a day ({in_day} cases, {ctx.settings.warning_baseline_weeks} baseline weeks) "
          f"p50 {best:.3f} s, raised {counts}  {_verdict(best, 1.0)}")


class _Counter(io.RawIOBase):
    """A file that only counts the bytes written to it."""

    def __init__(self) -> None:
        self.bytes = 0
        self.peak = _rss_mb()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.bytes += len(data)
        self.peak = max(self.peak, _rss_mb())
        return len(data)


def _rss_mb() -> float:
    """Resident memory of this process now (Linux /proc), in MB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 1e6
