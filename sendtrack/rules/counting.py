"""The counting conventions C1-C6 of the spec: calendar arithmetic only, no working days but C5."""

from __future__ import annotations

from datetime import date, timedelta

_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def add_months(day: date, months: int) -> date:
    """Calendar months, the day clipped to the month's end: what `dateutil.relativedelta(months=N)`
    gives, without its cost (~6 us a call, and the engine makes several per case)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _MONTH_DAYS[month] + (month == 1 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0))
    return date(year, month + 1, min(day.day, last))


#: timedelta(days=N) for the spans the rules add (built once: making one costs more than adding it)
_DAYS = {n: timedelta(days=n) for n in range(-400, 401)}


def _span(days: int) -> timedelta:
    found = _DAYS.get(days)
    return found if found is not None else timedelta(days=days)


def weeks_after(event: date, weeks: int) -> date:
    """C1 "within N weeks of": event + 7N days; acting on the day itself is in time."""
    return event + _span(7 * weeks)


def days_after(event: date, days: int) -> date:
    """Plain calendar days after an event (school consultation, reg 25, mediation)."""
    return event + _span(days)


def days_beginning_with(first: date, days: int) -> date:
    """C2 "at least N days beginning with": the last day is first + N - 1."""
    return first + _span(days - 1)


def months_starting(start: date, months: int) -> date:
    """C3 "the period of N months starting with": the last day is the day before the corresponding
    date N months on; when that month has no corresponding date (29 Feb + 12 months, 30 Nov + 3
    months) the period ends on the month's last day, not the day before (Dodds v Walker: the
    corresponding-date rule; SI 2018/1082 r.1.4(2) words it the same way)."""
    end = add_months(start, months)
    return end if end.day != start.day else end - timedelta(days=1)


def twelve_months_starting(start: date) -> date:
    """C3 "the period of 12 months starting with": 26 May 2025 -> 25 May 2026; 29 Feb 2024 -> 28 Feb 2025
    (clipped, so not pulled back a day)."""
    return months_starting(start, 12)


def months_after(event: date, months: int) -> date:
    """C4 "within N months after": calendar months, clipped to the month's end (31 Dec + 2 = 28/29 Feb)."""
    return add_months(event, months)


def months_before(event: date, months: int) -> date:
    """C4 counted backwards (reg 18(2): at least 5 months before a post-16 move)."""
    return add_months(event, -months)


def day_before(year: int, month: int, day: int) -> date:
    """C6 "before 15 February in the calendar year": the last day on which it is still before."""
    return date(year, month, day) - timedelta(days=1)
