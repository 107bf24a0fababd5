"""Deadlines' arithmetic in words (spec 8.11 `basis`): one way of writing a date and a sum."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from sendtrack.rules.counting import add_months


@lru_cache(maxsize=1 << 15)  # a few thousand distinct days; strftime was a tenth of the engine's time
def day(d: date) -> str:
    """`6 Jan 2025`: unambiguous in every locale, short enough for a table cell."""
    return f"{d.day} {d:%b %Y}"


def plus(what: str, start: date, amount: str, due: date) -> str:
    """`request received 6 Jan 2025 + 6 weeks = 17 Feb 2025`."""
    return f"{what} {day(start)} + {amount} = {day(due)}"


def minus(what: str, start: date, amount: str, due: date) -> str:
    return f"{what} {day(start)} - {amount} = {day(due)}"


def months_starting(what: str, start: date, months: int, due: date) -> str:
    """C3 in words, saying when the anniversary did not exist (29 Feb) and the month's end was used."""
    period = f"{what} {day(start)}: the {months} months starting with it end {day(due)}"
    if add_months(start, months).day != start.day:
        return period + f" (there is no {start.day} {due:%b %Y}: the period ends on the month's last day, C3)"
    return period + " (C3)"
