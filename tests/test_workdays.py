"""The working-day calendar against the real 2026 State Council holiday notice and the fallback calendar.

Expected values are worked out by hand from the notice (2026): 中秋 Fri 09-25 .. Sun 09-27 off; 国庆 Thu 10-01 ..
Wed 10-07 off; make-up workdays Sun 09-20 and Sat 10-10. Times are Asia/Shanghai (+08:00).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from hotline.errors import ValidationFailed
from ticketing.deadlines import workdays
from ticketing.deadlines.workdays import WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
CST = timezone(timedelta(hours=8))


def local(y, m, d, hh=10, mm=0, ss=0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=CST)


def eod(y, m, d) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=CST)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar(SHANGHAI)


def test_library_knows_the_2026_notice(cal):
    assert cal.is_workday(date(2026, 9, 20))  # Sunday, 调休 make-up day
    assert cal.is_workday(date(2026, 10, 10))  # Saturday, 调休 make-up day
    assert not cal.is_workday(date(2026, 9, 19))  # ordinary Saturday
    assert not cal.is_workday(date(2026, 9, 25))  # 中秋, a Friday
    assert all(not cal.is_workday(date(2026, 10, d)) for d in range(1, 8))
    assert cal.is_workday(date(2026, 10, 8)) and cal.is_workday(date(2026, 10, 9))
    assert cal.source(date(2026, 9, 20)) == "library"


def test_accepted_on_a_holiday_friday_counts_from_the_next_working_day(cal):
    # 09-25 is itself a holiday; working days after it: Mon 28, Tue 29, Wed 30.
    due = cal.end_of_nth_workday_after(local(2026, 9, 25), 3)
    assert due == eod(2026, 9, 30)
    assert due.tzinfo is not None and due.utcoffset() == timedelta(0)
    assert due == datetime(2026, 9, 30, 15, 59, 59, tzinfo=UTC)


def test_national_day_is_skipped_and_make_up_saturday_counts(cal):
    # Wed 09-30 -> Thu 10-08, Fri 10-09, Sat 10-10 (调休).
    assert cal.end_of_nth_workday_after(local(2026, 9, 30), 3) == eod(2026, 10, 10)


def test_make_up_sunday_counts(cal):
    # Thu 09-17 -> Fri 18, Sun 20 (调休), Mon 21.
    assert cal.end_of_nth_workday_after(local(2026, 9, 17), 3) == eod(2026, 9, 21)


def test_acceptance_day_never_counts_whatever_the_hour(cal):
    assert cal.end_of_nth_workday_after(local(2026, 9, 29, 0, 0, 1), 1) == eod(2026, 9, 30)
    assert cal.end_of_nth_workday_after(local(2026, 9, 29, 23, 59, 59), 1) == eod(2026, 9, 30)


def test_local_day_is_taken_in_the_calendar_time_zone(cal):
    # 15:30 UTC is still 09-29 in Shanghai; 16:30 UTC is already 09-30 there.
    assert cal.end_of_nth_workday_after(datetime(2026, 9, 29, 15, 30, tzinfo=UTC), 3) == eod(2026, 10, 9)
    assert cal.end_of_nth_workday_after(datetime(2026, 9, 29, 16, 30, tzinfo=UTC), 3) == eod(2026, 10, 10)


def test_zero_working_days_is_end_of_the_same_local_day(cal):
    assert cal.end_of_nth_workday_after(local(2026, 10, 3), 0) == eod(2026, 10, 3)


def test_negative_count_and_naive_datetime_are_rejected(cal):
    with pytest.raises(ValidationFailed):
        cal.end_of_nth_workday_after(local(2026, 9, 1), -1)
    with pytest.raises(ValidationFailed):
        cal.end_of_nth_workday_after(datetime(2026, 9, 1, 10), 3)


def test_override_turns_a_workday_off():
    cal = WorkCalendar(SHANGHAI, {date(2026, 9, 28): False})
    assert not cal.is_workday(date(2026, 9, 28))
    assert cal.source(date(2026, 9, 28)) == "override"
    # 09-25 -> Tue 29, Wed 30, (holiday week), Thu 10-08.
    assert cal.end_of_nth_workday_after(local(2026, 9, 25), 3) == eod(2026, 10, 8)


def test_override_turns_a_holiday_on():
    cal = WorkCalendar(SHANGHAI, {date(2026, 10, 3): True})
    # 09-30 -> Sat 10-03 (override), Thu 10-08, Fri 10-09.
    assert cal.end_of_nth_workday_after(local(2026, 9, 30), 3) == eod(2026, 10, 9)


def test_working_days_between(cal):
    assert cal.working_days_between(date(2026, 9, 25), date(2026, 9, 30)) == 3
    assert cal.working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3
    assert cal.working_days_between(date(2026, 10, 10), date(2026, 9, 30)) == -3
    assert cal.working_days_between(date(2026, 10, 1), date(2026, 10, 7)) == 0
    # 2026 has 365 days; the notice gives 104 weekend days + make-ups - holidays on weekdays.
    assert cal.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == sum(
        1 for d, flag, _ in cal.year_days(2026) if flag)


def test_unknown_year_falls_back_to_weekends_and_fixed_holidays(cal):
    # 2031 is beyond the library's data. Thu 01-02 -> Fri 03, Mon 06, Tue 07 (weekend skipped).
    assert cal.end_of_nth_workday_after(local(2031, 1, 2), 3) == eod(2031, 1, 7)
    # Tue 2030-12-31 -> 元旦 Wed 01-01 off -> Thu 02, Fri 03, Mon 06.
    assert cal.end_of_nth_workday_after(local(2030, 12, 31), 3) == eod(2031, 1, 6)
    # Wed 04-30 -> 劳动节 Thu 05-01 and Fri 05-02 off, weekend -> Mon 05, Tue 06, Wed 07.
    assert cal.end_of_nth_workday_after(local(2031, 4, 30), 3) == eod(2031, 5, 7)
    # Tue 09-30 -> 国庆 Wed 10-01 .. Fri 10-03 off, weekend -> Mon 06, Tue 07, Wed 08.
    assert cal.end_of_nth_workday_after(local(2031, 9, 30), 3) == eod(2031, 10, 8)
    assert cal.source(date(2031, 3, 3)) == "fallback"


def test_fallback_warns_once_per_year(caplog):
    workdays.base_year.cache_clear()
    caplog.set_level(logging.WARNING, logger=workdays.__name__)
    for _ in range(3):
        WorkCalendar(SHANGHAI).end_of_nth_workday_after(local(2032, 6, 1), 3)
    messages = [r.getMessage() for r in caplog.records if "2032" in r.getMessage()]
    assert len(messages) == 1
    assert "calendar for 2032 unknown, using fallback" in messages[0]


def test_calendar_grows_backwards_and_across_many_years(cal):
    # Mon 2010-05-03 was a 劳动节 holiday (library data); 1 working day after Fri 2010-04-30 is Tue 05-04.
    assert cal.end_of_nth_workday_after(local(2010, 4, 30), 1) == eod(2010, 5, 4)
    # 1,000 working days cross several years; the result is consistent with working_days_between.
    due = cal.end_of_nth_workday_after(local(2026, 1, 5), 1000)
    assert cal.working_days_between(date(2026, 1, 5), due.astimezone(SHANGHAI).date()) == 1000
    assert cal.is_workday(due.astimezone(SHANGHAI).date())


def test_other_time_zone():
    # Urumqi local time (+06:00): 2026-09-29T17:30Z is already 09-29 23:30 there, not 09-30.
    cal = WorkCalendar(ZoneInfo("Asia/Urumqi"))
    due = cal.end_of_nth_workday_after(datetime(2026, 9, 29, 17, 30, tzinfo=UTC), 1)
    assert due == datetime(2026, 9, 30, 23, 59, 59, tzinfo=timezone(timedelta(hours=6)))
