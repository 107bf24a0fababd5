"""England's working days (bank holidays) and school closures: built once by the CLI, passed to the rules."""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sendtrack.domain import Closure

#: Years for which bank holidays are generated; wide enough for every date of birth and review we hold.
DEFAULT_YEARS = range(1995, 2061)


@dataclass(frozen=True, slots=True)
class Calendar:
    """Working days in England: Monday to Friday, not a bank holiday (observed days included, C5)."""

    bank_holidays: frozenset[date]
    first_year: int
    last_year: int
    #: due -> act-by, filled as asked: a council's deadlines fall on a few thousand distinct days
    _act_by: dict[date, date] = field(default_factory=dict, init=False, repr=False, compare=False,
                                      hash=False)

    def is_working_day(self, day: date) -> bool:
        if not self.first_year <= day.year <= self.last_year:
            raise ValueError(f"{day.isoformat()} is outside the bank-holiday calendar")
        return day.weekday() < 5 and day not in self.bank_holidays

    def act_by(self, due: date) -> date:
        """The last working day on or before `due` (the statutory date itself never moves)."""
        found = self._act_by.get(due)
        if found is None:
            day = due
            while not self.is_working_day(day):
                day -= timedelta(days=1)
            self._act_by[due] = found = day
        return found

    def working_day(self, first: date, n: int) -> date:
        """The n-th working day of a period beginning with `first` (C5: `first` counts if working)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        day, count = first, 0
        while True:
            if self.is_working_day(day):
                count += 1
                if count == n:
                    return day
            day += timedelta(days=1)


#: England's bank holidays, generated from `holidays` by tools/bank_holidays.py (checked against it by
#: tests/test_bank_holidays.py): reading it costs ~0.3 ms, importing `holidays` ~230 ms.
BANK_HOLIDAYS = Path(__file__).with_name("data") / "bank-holidays-england.csv"


@functools.cache
def bank_holidays() -> tuple[frozenset[date], int, int]:
    """Every date of the shipped table, and the first and last year it covers."""
    days: set[date] = set()
    first = last = 0
    with BANK_HOLIDAYS.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("# years: "):
                first, last = (int(year) for year in line[len("# years: "):].split("-"))
            elif line[:1].isdigit():
                days.add(date.fromisoformat(line[:10]))
    return frozenset(days), first, last


def england(years: Iterable[int] = DEFAULT_YEARS) -> Calendar:
    """England's bank holidays (observed days included) for `years`, from the shipped table."""
    days, first, last = bank_holidays()
    years = list(years)
    if not years or min(years) < first or max(years) > last:
        raise ValueError(f"the bank-holiday table covers {first}-{last} only")
    lo, hi = min(years), max(years)
    return Calendar(frozenset(day for day in days if lo <= day.year <= hi), lo, hi)


DEFAULT_CLOSURES = Path(__file__).with_name("data") / "school-closures.csv"


def load_closures(path: Path | None = None) -> tuple[Closure, ...]:
    """School closures from a CSV file: institution, closed_from, reopens, estimated, note."""
    path = path or DEFAULT_CLOSURES
    closures = []
    with path.open(newline="", encoding="utf-8") as handle:
        rows = (row for row in handle if not row.startswith("#"))
        for number, row in enumerate(csv.DictReader(rows), start=2):
            where = f"{path.name}: row {number}"
            for column in ("institution", "closed_from", "reopens"):
                if column not in row:
                    raise ValueError(f"{path.name}: no {column} column (institution, closed_from, reopens, "
                                     "estimated, note)")
            closures.append(
                Closure(
                    institution=(row["institution"] or "").strip() or "*",
                    closed_from=_closure_day(row["closed_from"], f"{where}: closed_from"),
                    reopens=_closure_day(row["reopens"], f"{where}: reopens"),
                    estimated=(row.get("estimated") or "").strip().lower() in {"yes", "true", "1"},
                )
            )
    return tuple(closures)


def _closure_day(value: str | None, what: str) -> date:
    """A closure's date: `YYYY-MM-DD` (spaces around it trimmed), as every other way in takes a date."""
    from sendtrack.codes import iso_date

    try:
        return iso_date((value or "").strip())
    except ValueError:
        raise ValueError(f"{what} is not a real date in the form YYYY-MM-DD") from None
