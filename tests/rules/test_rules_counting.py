"""Counting conventions C1-C6 (spec section 1) and England's working days, checked by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sendtrack.calendar import england
from sendtrack.rules.counting import (
    day_before,
    days_after,
    days_beginning_with,
    months_after,
    months_before,
    months_starting,
    twelve_months_starting,
    weeks_after,
)

# The bank holidays of England for 2024-2027, typed from the published lists (not from `holidays`).
BANK_HOLIDAYS = {
    # 2024
    date(2024, 1, 1), date(2024, 3, 29), date(2024, 4, 1), date(2024, 5, 6), date(2024, 5, 27),
    date(2024, 8, 26), date(2024, 12, 25), date(2024, 12, 26),
    # 2025
    date(2025, 1, 1), date(2025, 4, 18), date(2025, 4, 21), date(2025, 5, 5), date(2025, 5, 26),
    date(2025, 8, 25), date(2025, 12, 25), date(2025, 12, 26),
    # 2026: Boxing Day is a Saturday, substitute Mon 28 Dec
    date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4), date(2026, 5, 25),
    date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28),
    # 2027: Christmas and Boxing Day fall at the weekend, substitutes Mon 27 and Tue 28 Dec
    date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 3), date(2027, 5, 31),
    date(2027, 8, 30), date(2027, 12, 27), date(2027, 12, 28),
}


def every_day(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


# --- C1 "within N weeks of": event + 7N days -------------------------------------------------------

@pytest.mark.parametrize(
    ("event", "weeks", "due"),
    [
        # Mon 6 Jan 2025 + 6*7 = Mon 17 Feb 2025 (spec C1 example)
        pytest.param(date(2025, 1, 6), 6, date(2025, 2, 17), id="spec-example-6-weeks"),
        # Mon 6 Jan 2025 + 16*7 = +112 = Mon 28 Apr 2025
        pytest.param(date(2025, 1, 6), 16, date(2025, 4, 28), id="spec-example-16-weeks"),
        # Mon 6 Jan 2025 + 20*7 = +140 = Mon 26 May 2025 (a bank holiday: the date does not move)
        pytest.param(date(2025, 1, 6), 20, date(2025, 5, 26), id="spec-example-20-weeks-bank-holiday"),
        # Sun 2 Mar 2025 + 42 = Sun 13 Apr 2025 (spec 8.1: count from the literal date)
        pytest.param(date(2025, 3, 2), 6, date(2025, 4, 13), id="trigger-on-sunday"),
        # Mon 2 Dec 2024 + 42 = Mon 13 Jan 2025
        pytest.param(date(2024, 12, 2), 6, date(2025, 1, 13), id="crosses-year-end"),
        # Thu 15 Feb 2024 + 14 = Thu 29 Feb 2024
        pytest.param(date(2024, 2, 15), 2, date(2024, 2, 29), id="lands-on-leap-day"),
        # Thu 29 Feb 2024 + 140 = 31 (to 31 Mar) + 30 + 31 + 30 + 18 = Thu 18 Jul 2024
        pytest.param(date(2024, 2, 29), 20, date(2024, 7, 18), id="trigger-on-leap-day"),
        # Sat 25 Jan 2025 + 42 = Sat 8 Mar 2025 (no 29 Feb in 2025)
        pytest.param(date(2025, 1, 25), 6, date(2025, 3, 8), id="across-february-2025"),
        # Thu 25 Jan 2024 + 42 = Thu 7 Mar 2024 (29 Feb counted)
        pytest.param(date(2024, 1, 25), 6, date(2024, 3, 7), id="across-february-2024-leap"),
        # not working weeks: Fri 7 Mar 2025 + 42 = Fri 18 Apr 2025 (Good Friday) even across Easter
        pytest.param(date(2025, 3, 7), 6, date(2025, 4, 18), id="calendar-not-working-weeks"),
    ],
)
def test_c1_weeks_after(event, weeks, due):
    assert weeks_after(event, weeks) == due


# --- C2 "at least N days beginning with": first + N - 1 --------------------------------------------

@pytest.mark.parametrize(
    ("first", "days", "last"),
    [
        # Mon 1 Sep 2025 + 15 - 1 = Mon 15 Sep 2025 (spec C2 example)
        pytest.param(date(2025, 9, 1), 15, date(2025, 9, 15), id="spec-example"),
        # Fri 19 Dec 2025 + 14 = 33 Dec = Fri 2 Jan 2026
        pytest.param(date(2025, 12, 19), 15, date(2026, 1, 2), id="crosses-year-end"),
        # Thu 15 Feb 2024 + 14 = Thu 29 Feb 2024
        pytest.param(date(2024, 2, 15), 15, date(2024, 2, 29), id="ends-on-leap-day"),
        # Sun 15 Feb 2026 + 14 = 29 Feb (no such day) = Sun 1 Mar 2026
        pytest.param(date(2026, 2, 15), 15, date(2026, 3, 1), id="february-non-leap"),
        # one day beginning with a day is that day
        pytest.param(date(2025, 9, 1), 1, date(2025, 9, 1), id="one-day"),
    ],
)
def test_c2_days_beginning_with(first, days, last):
    assert days_beginning_with(first, days) == last


def test_plain_days_after_is_one_more_than_c2():
    # school consultation: sent Mon 1 Sep 2025 + 15 = Tue 16 Sep 2025; C2 would end Mon 15 Sep
    assert days_after(date(2025, 9, 1), 15) == date(2025, 9, 16)


# --- C3 "the period of 12 months starting with": start + 12 months - 1 day, unless clipped -----------

@pytest.mark.parametrize(
    ("start", "last"),
    [
        # 26 May 2025 + 12 months = 26 May 2026, - 1 = Mon 25 May 2026 (spec C3 example)
        pytest.param(date(2025, 5, 26), date(2026, 5, 25), id="spec-example"),
        # 29 Feb 2024 + 12 months: Feb 2025 has no 29th, clipped to Fri 28 Feb 2025, which is the last
        # day itself (no corresponding date: not pulled back a day; spec C3 revised 2026-12-01)
        pytest.param(date(2024, 2, 29), date(2025, 2, 28), id="leap-day-anniversary"),
        # 29 Feb 2028 + 12 months: clipped to Wed 28 Feb 2029, the last day
        pytest.param(date(2028, 2, 29), date(2029, 2, 28), id="leap-day-anniversary-2028"),
        # 28 Feb 2024 + 12 months = 28 Feb 2025 (a corresponding date exists), - 1 = Thu 27 Feb 2025
        pytest.param(date(2024, 2, 28), date(2025, 2, 27), id="28-feb-in-leap-year"),
        # 1 Mar 2023 + 12 months = 1 Mar 2024, - 1 = Thu 29 Feb 2024
        pytest.param(date(2023, 3, 1), date(2024, 2, 29), id="ends-on-leap-day"),
        # 1 Mar 2024 + 12 months = 1 Mar 2025, - 1 = Fri 28 Feb 2025
        pytest.param(date(2024, 3, 1), date(2025, 2, 28), id="ends-28-feb-after-leap-year"),
        # 31 Jan 2025 + 12 months = 31 Jan 2026, - 1 = Fri 30 Jan 2026 (no clip needed)
        pytest.param(date(2025, 1, 31), date(2026, 1, 30), id="month-end-31-jan"),
        # 1 Jan 2025 -> 1 Jan 2026 - 1 = Wed 31 Dec 2025
        pytest.param(date(2025, 1, 1), date(2025, 12, 31), id="calendar-year"),
        # 31 Dec 2024 -> 31 Dec 2025 - 1 = Tue 30 Dec 2025
        pytest.param(date(2024, 12, 31), date(2025, 12, 30), id="new-years-eve"),
    ],
)
def test_c3_twelve_months_starting(start, last):
    assert twelve_months_starting(start) == last


@pytest.mark.parametrize(
    ("start", "months", "last"),
    [
        # 30 Nov 2023 + 3 months: no 30 Feb 2024, clipped to Thu 29 Feb 2024, the last day (spec 4.3)
        pytest.param(date(2023, 11, 30), 3, date(2024, 2, 29), id="transfer-in-clipped"),
        # 15 Jan 2025 + 3 months = 15 Apr 2025, - 1 = Mon 14 Apr 2025
        pytest.param(date(2025, 1, 15), 3, date(2025, 4, 14), id="transfer-in-plain"),
        # 31 Oct 2025 + 3 months = 31 Jan 2026 (exists), - 1 = Fri 30 Jan 2026
        pytest.param(date(2025, 10, 31), 3, date(2026, 1, 30), id="31-to-31"),
        # 31 Aug 2025 + 3 months: no 31 Nov, clipped to Sun 30 Nov 2025, the last day
        pytest.param(date(2025, 8, 31), 3, date(2025, 11, 30), id="31-aug-clipped-to-30-nov"),
    ],
)
def test_c3_months_starting(start, months, last):
    assert months_starting(start, months) == last


# --- C4 "within N months after": calendar months, clipped ------------------------------------------

@pytest.mark.parametrize(
    ("event", "months", "due"),
    [
        # 3 Mar 2025 + 2 months = Sat 3 May 2025 (spec C4 example)
        pytest.param(date(2025, 3, 3), 2, date(2025, 5, 3), id="spec-example"),
        # 31 Dec 2024 + 2 months = 31 Feb -> clipped to Fri 28 Feb 2025
        pytest.param(date(2024, 12, 31), 2, date(2025, 2, 28), id="month-end-clip-31-dec"),
        # 31 Dec 2023 + 2 months = 31 Feb -> clipped to Thu 29 Feb 2024
        pytest.param(date(2023, 12, 31), 2, date(2024, 2, 29), id="month-end-clip-leap-year"),
        # 31 Jan 2025 + 1 month = 31 Feb -> Fri 28 Feb 2025
        pytest.param(date(2025, 1, 31), 1, date(2025, 2, 28), id="month-end-clip-31-jan"),
        # 31 Aug 2025 + 6 months = 31 Feb 2026 -> Sat 28 Feb 2026
        pytest.param(date(2025, 8, 31), 6, date(2026, 2, 28), id="month-end-clip-31-aug"),
        # 30 Apr 2025 + 1 month = Fri 30 May 2025 (a month end is not carried to the next month end)
        pytest.param(date(2025, 4, 30), 1, date(2025, 5, 30), id="30-april-stays-30th"),
        # 15 Nov 2025 + 3 months = Sun 15 Feb 2026
        pytest.param(date(2025, 11, 15), 3, date(2026, 2, 15), id="crosses-year-end"),
    ],
)
def test_c4_months_after(event, months, due):
    assert months_after(event, months) == due


@pytest.mark.parametrize(
    ("event", "months", "due"),
    [
        # 1 Sep 2026 - 5 months = Wed 1 Apr 2026
        pytest.param(date(2026, 9, 1), 5, date(2026, 4, 1), id="september-move"),
        # 31 Jul 2026 - 5 months = 31 Feb -> Sat 28 Feb 2026 (28 Feb + 5 months = 28 Jul <= 31 Jul)
        pytest.param(date(2026, 7, 31), 5, date(2026, 2, 28), id="month-end-clip-31-jul"),
        # 31 Jul 2028 - 5 months = 31 Feb -> Tue 29 Feb 2028
        pytest.param(date(2028, 7, 31), 5, date(2028, 2, 29), id="month-end-clip-leap-year"),
        # 15 Jan 2027 - 5 months = Sat 15 Aug 2026
        pytest.param(date(2027, 1, 15), 5, date(2026, 8, 15), id="crosses-year-start"),
    ],
)
def test_c4_months_before(event, months, due):
    assert months_before(event, months) == due


# --- C6 "before 15 February / 31 March in the calendar year of transfer" ---------------------------

@pytest.mark.parametrize(
    ("year", "month", "day", "due"),
    [
        pytest.param(2026, 2, 15, date(2026, 2, 14), id="before-15-february"),  # Sat 14 Feb 2026
        pytest.param(2026, 3, 31, date(2026, 3, 30), id="before-31-march"),  # Mon 30 Mar 2026
        pytest.param(2028, 3, 1, date(2028, 2, 29), id="before-1-march-leap-year"),
    ],
)
def test_c6_day_before(year, month, day, due):
    assert day_before(year, month, day) == due


# --- C5 working days and act-by --------------------------------------------------------------------

@pytest.mark.parametrize(
    ("first", "n", "nth"),
    [
        # Mon 15 Dec 2025: 15-19 (5), 22-24 (8), 25-26 bank holidays, 29-31 (11), 1 Jan bank holiday,
        # Fri 2 Jan (12), Mon 5-Wed 7 Jan (15) -> Wed 7 Jan 2026 (spec C5 example)
        pytest.param(date(2025, 12, 15), 15, date(2026, 1, 7), id="spec-example-christmas"),
        # the first day counts when it is a working day
        pytest.param(date(2025, 12, 15), 1, date(2025, 12, 15), id="first-day-counts"),
        # Sat 20 Dec 2025 is not a working day: the first is Mon 22 Dec
        pytest.param(date(2025, 12, 20), 1, date(2025, 12, 22), id="first-day-saturday"),
        # Thu 17 Apr 2025 (1), Good Friday 18, weekend, Easter Monday 21, Tue 22 (2), Wed 23 (3)
        pytest.param(date(2025, 4, 17), 3, date(2025, 4, 23), id="easter-2025"),
        # Wed 23 Dec 2026 (1), Thu 24 (2), Fri 25 Christmas, weekend, Mon 28 substitute, Tue 29 (3)
        pytest.param(date(2026, 12, 23), 3, date(2026, 12, 29), id="substitute-boxing-day-2026"),
        # Fri 24 Dec 2027 (1), weekend, Mon 27 + Tue 28 substitutes, Wed 29 (2)
        pytest.param(date(2027, 12, 24), 2, date(2027, 12, 29), id="double-substitute-2027"),
        # Fri 22 Aug 2025 (1), weekend, Mon 25 bank holiday, Tue 26 (2), Wed 27 (3)
        pytest.param(date(2025, 8, 22), 3, date(2025, 8, 27), id="august-bank-holiday"),
        # first day is a bank holiday: Mon 5 May 2025 skipped, Tue 6 (1) .. Fri 9 (4)
        pytest.param(date(2025, 5, 5), 4, date(2025, 5, 9), id="first-day-bank-holiday"),
    ],
)
def test_c5_working_day(cal, first, n, nth):
    assert cal.working_day(first, n) == nth


def test_c5_needs_at_least_one_day(cal):
    with pytest.raises(ValueError):
        cal.working_day(date(2025, 1, 6), 0)


@pytest.mark.parametrize(
    ("due", "act_by"),
    [
        # Mon 26 May 2025 Spring bank holiday -> Fri 23 May 2025 (spec section 1)
        pytest.param(date(2025, 5, 26), date(2025, 5, 23), id="lands-on-bank-holiday"),
        # Thu 25 Dec 2025 -> Wed 24 Dec 2025
        pytest.param(date(2025, 12, 25), date(2025, 12, 24), id="christmas"),
        # Fri 26 Dec 2025 -> Thu 25 bank holiday -> Wed 24 Dec 2025
        pytest.param(date(2025, 12, 26), date(2025, 12, 24), id="boxing-day"),
        # Mon 28 Dec 2026 substitute, Sun 27, Sat 26, Fri 25 Christmas -> Thu 24 Dec 2026
        pytest.param(date(2026, 12, 28), date(2026, 12, 24), id="substitute-boxing-day-2026"),
        # Tue 28 Dec 2027, Mon 27 substitutes, weekend 25-26 -> Fri 24 Dec 2027
        pytest.param(date(2027, 12, 28), date(2027, 12, 24), id="substitutes-christmas-2027"),
        # Wed 1 Jan 2025 -> Tue 31 Dec 2024
        pytest.param(date(2025, 1, 1), date(2024, 12, 31), id="new-year-into-previous-year"),
        # Sun 13 Apr 2025 -> Fri 11 Apr 2025 (spec 8.1 example)
        pytest.param(date(2025, 4, 13), date(2025, 4, 11), id="sunday"),
        # Sat 14 Feb 2026 -> Fri 13 Feb 2026
        pytest.param(date(2026, 2, 14), date(2026, 2, 13), id="saturday"),
        # Mon 21 Apr 2025 Easter Monday, weekend, Fri 18 Good Friday -> Thu 17 Apr 2025
        pytest.param(date(2025, 4, 21), date(2025, 4, 17), id="easter-monday"),
        # Mon 6 Apr 2026 Easter Monday -> Good Friday 3 Apr -> Thu 2 Apr 2026
        pytest.param(date(2026, 4, 6), date(2026, 4, 2), id="easter-2026"),
        # Mon 29 Mar 2027 Easter Monday, Fri 26 Good Friday -> Thu 25 Mar 2027
        pytest.param(date(2027, 3, 29), date(2027, 3, 25), id="easter-2027"),
        # Mon 25 Aug 2025 summer bank holiday -> Fri 22 Aug 2025
        pytest.param(date(2025, 8, 25), date(2025, 8, 22), id="august-bank-holiday"),
        # Mon 5 May 2025 early May bank holiday -> Fri 2 May 2025
        pytest.param(date(2025, 5, 5), date(2025, 5, 2), id="early-may-bank-holiday"),
        # Mon 19 Sep 2022, the Queen's state funeral (one-off bank holiday) -> Fri 16 Sep 2022
        pytest.param(date(2022, 9, 19), date(2022, 9, 16), id="one-off-bank-holiday-2022"),
        # Mon 8 May 2023, the coronation (one-off bank holiday) -> Fri 5 May 2023
        pytest.param(date(2023, 5, 8), date(2023, 5, 5), id="one-off-bank-holiday-2023"),
        # Fri 8 May 2020: early May bank holiday moved for VE day; Mon 4 May 2020 was a working day
        pytest.param(date(2020, 5, 8), date(2020, 5, 7), id="moved-bank-holiday-2020"),
        pytest.param(date(2020, 5, 4), date(2020, 5, 4), id="not-moved-day-2020"),
        # a working day is its own act-by: Wed 7 Jan 2026
        pytest.param(date(2026, 1, 7), date(2026, 1, 7), id="working-day-itself"),
    ],
)
def test_act_by(cal, due, act_by):
    assert cal.act_by(due) == act_by


def test_calendar_refuses_days_outside_its_years():
    short = england(range(2025, 2026))
    with pytest.raises(ValueError):
        short.act_by(date(2024, 12, 31))


def test_working_days_match_the_published_lists_2024_to_2027(cal):
    """Every day of four years against the hand-typed list above (weekend + bank holiday)."""
    wrong = [
        day for day in every_day(date(2024, 1, 1), date(2027, 12, 31))
        if cal.is_working_day(day) != (day.weekday() < 5 and day not in BANK_HOLIDAYS)
    ]
    assert wrong == []


def test_act_by_sweep_2024_to_2027(cal):
    """act-by is a working day, never after due, and no working day lies between it and due."""
    for due in every_day(date(2024, 1, 1), date(2027, 12, 31)):
        act_by = cal.act_by(due)
        assert act_by <= due
        assert cal.is_working_day(act_by)
        assert all(not cal.is_working_day(d) for d in every_day(act_by + timedelta(days=1), due))
        assert (due - act_by).days <= 4  # the longest run is a 4-day Easter or Christmas weekend


def test_working_day_sweep_2025(cal):
    """The n-th working day is a working day, and exactly n working days lie in [first, nth]."""
    for first in every_day(date(2025, 1, 1), date(2025, 12, 31)):
        for n in (1, 3, 15):
            nth = cal.working_day(first, n)
            assert cal.is_working_day(nth)
            assert sum(cal.is_working_day(d) for d in every_day(first, nth)) == n
