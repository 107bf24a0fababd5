"""Working days read from the stored act-by dates, and the bank-holiday fallback."""

from __future__ import annotations

from datetime import date

from sendtrack.reports.workdays import WorkingDays


class Rows:
    """Stands in for the database: the (due, act_by) pairs a deadlines table would hold."""

    def __init__(self, pairs):
        self.pairs = pairs

    def all(self, sql, params):
        first, last = params
        return [(due, act_by) for due, act_by in self.pairs if first <= due <= last]


def test_a_bank_holiday_is_read_from_a_due_date_whose_act_by_is_earlier():
    # Mon 26 May 2025 is a bank holiday: a deadline due that day has act-by Fri 23 May
    days = WorkingDays(Rows([(date(2025, 5, 26), date(2025, 5, 23))]), date(2025, 5, 27))
    assert days.previous(date(2025, 5, 27)) == date(2025, 5, 23)
    assert days.calendar is None, "answered from the table without importing holidays"


def test_the_table_is_trusted_over_the_weekday_rule():
    # a made-up closure day: the table says Wed 4 Jun 2025 is not a working day
    pairs = [(date(2025, 6, 4), date(2025, 6, 3))] + [
        (date(2025, 6, d), date(2025, 6, d)) for d in (2, 3, 5, 6, 9, 10)]
    days = WorkingDays(Rows(pairs), date(2025, 6, 3))
    assert days.after(date(2025, 6, 3), 2) == date(2025, 6, 6)  # Thu 5, Fri 6
    assert days.calendar is None


def test_falls_back_to_bank_holidays_when_the_table_is_silent():
    days = WorkingDays(Rows([]), date(2025, 5, 27))
    assert days.previous(date(2025, 5, 27)) == date(2025, 5, 23)  # Mon 26 May: bank holiday
    assert days.calendar is not None
    # Easter 2025: Good Friday 18 Apr and Easter Monday 21 Apr; 5 working days after Thu 17 Apr
    assert days.after(date(2025, 4, 17), 5) == date(2025, 4, 28)
    # Christmas 2026 falls on a Friday: Boxing Day (Sat) is observed on Mon 28 Dec
    late = WorkingDays(Rows([]), date(2026, 12, 29))
    assert late.previous(date(2026, 12, 29)) == date(2026, 12, 24)
