"""The working-day calendar: which local days are working days, and "end of the Nth working day after".

Base data comes from the `chinese-calendar` package (statutory holidays and 调休 make-up workdays). Years the
package does not know fall back to weekends plus fixed-date statutory holidays, with one warning per year and
process. Admin overrides (HolidayOverride rows) win over both.

For speed, a `WorkCalendar` keeps a sorted list of working-day ordinals for a contiguous range of years and
answers every question with `bisect`; the range grows on demand. No call reaches the library or the database
once a year is built.
"""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from threading import Lock
from zoneinfo import ZoneInfo

import chinese_calendar

from hotline.errors import ValidationFailed

log = logging.getLogger(__name__)

SOURCE_LIBRARY = "library"
SOURCE_FALLBACK = "fallback"
SOURCE_OVERRIDE = "override"

# (month, day) of statutory holidays that fall on a fixed Gregorian date: 元旦, 劳动节 (2 days since 2025),
# 国庆 (3 days). Lunar holidays (春节, 端午, 中秋) and 清明 need the library or admin overrides.
FALLBACK_HOLIDAYS: frozenset[tuple[int, int]] = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})

END_OF_DAY = time(23, 59, 59)
MIN_YEAR, MAX_YEAR = 1901, 9998


@cache
def base_year(year: int) -> tuple[tuple[bool, ...], str]:
    """Workday flag of every day of `year` (index 0 = Jan 1) and where it came from (library or fallback)."""
    first = date(year, 1, 1)
    days = [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]
    try:
        return tuple(bool(chinese_calendar.is_workday(d)) for d in days), SOURCE_LIBRARY
    except NotImplementedError:
        log.warning("calendar for %s unknown, using fallback (weekends and fixed-date holidays only)", year)
        return tuple(d.weekday() < 5 and (d.month, d.day) not in FALLBACK_HOLIDAYS for d in days), SOURCE_FALLBACK


class WorkCalendar:
    """Working days in one time zone, with optional overrides {day: is_workday} that win over the library."""

    def __init__(self, tz: ZoneInfo, overrides: Mapping[date, bool] | None = None) -> None:
        self.tz = tz
        self._overrides: dict[int, bool] = {d.toordinal(): bool(v) for d, v in (overrides or {}).items()}
        self._lock = Lock()
        self._eod: dict[int, datetime] = {}
        # (first covered ordinal, last covered ordinal, sorted working-day ordinals), swapped atomically.
        self._state: tuple[int, int, list[int]] = (0, -1, [])
        self._first_year = self._last_year = 0
        this_year = datetime.now(tz).year
        self._cover(this_year - 1, this_year)

    # --- building -----------------------------------------------------------------------------------
    def _year_ordinals(self, year: int) -> list[int]:
        flags, _source = base_year(year)
        start = date(year, 1, 1).toordinal()
        overrides = self._overrides
        return [start + i for i, flag in enumerate(flags) if overrides.get(start + i, flag)]

    def _cover(self, first_year: int, last_year: int) -> None:
        """Make the state cover at least [first_year, last_year] (rebuilds the array; rare)."""
        with self._lock:
            lo, hi, _ = self._state
            if hi >= lo and self._first_year <= first_year and last_year <= self._last_year:
                return
            if hi >= lo:
                first_year, last_year = min(first_year, self._first_year), max(last_year, self._last_year)
            if first_year < MIN_YEAR or last_year > MAX_YEAR:
                raise ValidationFailed(f"date outside the supported calendar years {MIN_YEAR}-{MAX_YEAR}")
            ordinals: list[int] = []
            for year in range(first_year, last_year + 1):
                ordinals.extend(self._year_ordinals(year))
            self._first_year, self._last_year = first_year, last_year
            self._state = (date(first_year, 1, 1).toordinal(), date(last_year, 12, 31).toordinal(), ordinals)

    def _ensure(self, ordinal: int) -> None:
        lo, hi, _ = self._state
        if not lo <= ordinal <= hi:
            year = date.fromordinal(ordinal).year
            self._cover(year, year)

    def _end_of_day(self, ordinal: int) -> datetime:
        cached = self._eod.get(ordinal)
        if cached is None:
            local = datetime.combine(date.fromordinal(ordinal), END_OF_DAY, tzinfo=self.tz)
            cached = self._eod[ordinal] = local.astimezone(UTC)
        return cached

    # --- questions ----------------------------------------------------------------------------------
    def local_day(self, moment: datetime) -> date:
        if moment.tzinfo is None:
            raise ValidationFailed("datetime must be timezone-aware", value=moment.isoformat())
        return moment.astimezone(self.tz).date()

    def is_workday(self, day: date) -> bool:
        ordinal = day.toordinal()
        self._ensure(ordinal)
        ords = self._state[2]
        i = bisect_left(ords, ordinal)
        return i < len(ords) and ords[i] == ordinal

    def source(self, day: date) -> str:
        """Where the day's status comes from: "override", "library" or "fallback"."""
        if day.toordinal() in self._overrides:
            return SOURCE_OVERRIDE
        return base_year(day.year)[1]

    def year_days(self, year: int) -> list[tuple[date, bool, str]]:
        """Every day of `year` as (day, is_workday, source)."""
        first = date(year, 1, 1)
        days = [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]
        return [(d, self.is_workday(d), self.source(d)) for d in days]

    def nth_workday_after(self, day: date, n: int) -> date:
        """The Nth working day strictly after `day` (n = 0 gives `day` itself)."""
        return date.fromordinal(self._nth_ordinal(day.toordinal(), n))

    def _nth_ordinal(self, ordinal: int, n: int) -> int:
        if n <= 0:
            if n < 0:
                raise ValidationFailed("number of working days must not be negative", n=n)
            return ordinal
        lo, hi, ords = self._state
        if lo <= ordinal <= hi:
            i = bisect_right(ords, ordinal) + n - 1
            if i < len(ords):
                return ords[i]
        # Outside the built range: extend year by year until the answer is inside.
        year = date.fromordinal(ordinal).year
        self._cover(year, year)
        while True:
            lo, hi, ords = self._state
            i = bisect_right(ords, ordinal) + n - 1
            if i < len(ords):
                return ords[i]
            self._cover(self._last_year + 1, self._last_year + 1)

    def end_of_nth_workday_after(self, moment: datetime, n: int) -> datetime:
        """23:59:59 local of the Nth working day after the local day of `moment` (that day never counts,
        whatever the hour), returned in UTC. n = 0 gives the end of the local day of `moment`."""
        if moment.tzinfo is None:
            raise ValidationFailed("datetime must be timezone-aware", value=moment.isoformat())
        return self._end_of_day(self._nth_ordinal(moment.astimezone(self.tz).toordinal(), n))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days d with start < d <= end (so `nth_workday_after(start, n)` is n days after start);
        negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        self._ensure(start.toordinal())
        self._ensure(end.toordinal())
        ords = self._state[2]
        return bisect_right(ords, end.toordinal()) - bisect_right(ords, start.toordinal())

    def end_of_nth_day_after(self, moment: datetime, n: int) -> datetime:
        """23:59:59 local of the Nth calendar day after the local day of `moment` (n = 0: that day), UTC."""
        if moment.tzinfo is None:
            raise ValidationFailed("datetime must be timezone-aware", value=moment.isoformat())
        if n < 0:
            raise ValidationFailed("number of days must not be negative", n=n)
        return self._end_of_day(moment.astimezone(self.tz).toordinal() + n)

    def fallback_years(self, first: date, last: date) -> list[int]:
        """Years in [first, last] whose holidays are not published (counted as weekends + fixed dates)."""
        return [y for y in range(min(first, last).year, max(first, last).year + 1)
                if base_year(y)[1] == SOURCE_FALLBACK]
