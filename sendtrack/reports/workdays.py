"""Working days around a date, read from the materialised act-by dates (bank holidays only as a fallback).

Every deadline row carries `act_by`, the last working day on or before its due date, computed from
England's bank holidays when the case was written. So any weekday that is some deadline's due date
answers "is this a working day?" for free: it is one exactly when its act-by is itself. A council's
table has due dates on nearly every day, so the digest finds the previous working day and the next five
without reading the bank-holiday table. Only when a weekday near
the as-of day is nobody's due date (a small or new database) does it build the bank-holiday calendar,
for the few years it needs. Both give the same answer; the table's is also the one the act-by dates the
digest prints were computed with.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from sendtrack.storage.db import Database
from sendtrack.storage.values import as_date

if TYPE_CHECKING:
    from sendtrack.calendar import Calendar

#: How far around the as-of day the table is read: wide enough for the next 5 working days and the
#: previous one across Christmas, New Year and Easter together.
SPAN_DAYS = 21


class WorkingDays:
    """Monday to Friday except England's bank holidays (C5), as the stored act-by dates record them."""

    def __init__(self, db: Database, around: date) -> None:
        # each due date in the span once (from the due-date index alone) and one row's act-by for it:
        # ~43 index lookups, where reading every deadline due in the span for its act-by (13,259 rows
        # at 13,000 cases) cost 12 ms. Every row due on a day carries the same act-by (the calendar's
        # answer for that day) unless the bank-holiday table changed between writes without a
        # `recompute`: then one row's answer is taken (before, the last distinct pair read).
        rows = db.all("SELECT u.due, (SELECT x.act_by FROM deadlines x WHERE x.due = u.due LIMIT 1) "
                      "FROM (SELECT DISTINCT d.due FROM deadlines d WHERE d.due >= ? AND d.due <= ?) u",
                      (around - timedelta(days=SPAN_DAYS), around + timedelta(days=SPAN_DAYS)))
        self.known: dict[date, bool] = {}
        for due, act_by in rows:
            due, act_by = as_date(due), as_date(act_by)
            assert due is not None and act_by is not None, "NOT NULL columns"
            self.known[due] = due == act_by
            self.known[act_by] = True
        self.around = around
        self.calendar: Calendar | None = None  # built only if the table cannot answer

    def is_working(self, day: date) -> bool:
        if day.weekday() >= 5:
            return False
        if day in self.known:
            return self.known[day]
        if self.calendar is None:
            from sendtrack.calendar import england

            self.calendar = england(range(self.around.year - 1, self.around.year + 2))
        return self.calendar.is_working_day(day)

    def previous(self, day: date) -> date:
        """The last working day before `day`."""
        day -= timedelta(days=1)
        while not self.is_working(day):
            day -= timedelta(days=1)
        return day

    def after(self, day: date, n: int) -> date:
        """The n-th working day after `day` (`day` itself not counted)."""
        count = 0
        while count < n:
            day += timedelta(days=1)
            count += self.is_working(day)
        return day
