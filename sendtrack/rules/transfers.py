"""Phase transfers (spec 4.2, reg 18): school year from date of birth, and the amendment deadlines."""

from __future__ import annotations

import functools
from datetime import date

from sendtrack.calendar import Calendar
from sendtrack.domain import Case, Deadline, Settings, Transfer
from sendtrack.rules.catalogue import deadline
from sendtrack.rules.counting import add_months, day_before, months_before, weeks_after
from sendtrack.rules.paths import (
    earliest,
    first_date,
    needs,
    per_case,
    plan_ends_on,
    plan_issued_on,
    settle,
)
from sendtrack.rules.words import day, minus

#: The plan events that can name the next placement (spec 8.7).
PLAN_EVENTS = ("final", "amended-plan", "no-amendment")

TRANSFER_KINDS = {"phase": "phase-transfer", "post16": "post16-transfer", "post16-move": "post16-move"}


def reception_year(dob: date) -> int:
    """A child born 1 Sept Y to 31 Aug Y+1 enters Reception (NCY 0) in September Y+5."""
    return (dob.year if dob.month >= 9 else dob.year - 1) + 5


def curriculum_year(dob: date, on: date) -> int:
    """National curriculum year on a date (NCY 0 = Reception; negative before school)."""
    school_year = on.year if on.month >= 9 else on.year - 1
    return school_year - reception_year(dob)


def default_transfers(dob: date) -> list[Transfer]:
    """Reception entry, Year 6 -> 7 and Year 11 -> 12 (spec 4.2 notes)."""
    return list(_default_transfers(reception_year(dob)))


@functools.lru_cache(maxsize=64)  # one entry per school year of entry: a few dozen at most
def _default_transfers(reception: int) -> tuple[Transfer, ...]:
    return (
        Transfer("phase-transfer", date(reception, 9, 1), "early years to Reception"),
        Transfer("phase-transfer", date(reception + 7, 9, 1), "primary to secondary (Year 6 to 7)"),
        Transfer("post16-transfer", date(reception + 12, 9, 1), "secondary to post-16 (Year 11 to 12)"),
    )


def transfers(case: Case) -> list[tuple[Transfer, date, date | None]]:
    """The case's transfers with the days each is known from and until.

    Recorded `transfer` events replace the defaults entirely, from the day the first one is recorded:
    an authority with first and middle schools (or a child held back a year) records every transfer
    of that child explicitly. Before that day the defaults stand, so `--as-of` still shows them.
    """
    recorded = case.of_kind("transfer")
    replaced = recorded[0].date if recorded else None
    out = [(t, case.received, replaced) for t in default_transfers(case.dob)]
    for event in recorded:
        rule = TRANSFER_KINDS[event.get("transfer", "phase")]
        on = event.get_date("on") or event.date
        out.append((Transfer(rule, on, event.get("description") or ""), event.date, None))
    return [item for item in out if item[2] is None or item[1] < item[2]]


def transfer_basis(transfer: Transfer, due: date) -> str:
    """The transfer deadline's arithmetic in words."""
    if transfer.rule == "phase-transfer":
        return f"transfer on {day(transfer.on)}: before 15 February {transfer.on.year} = {day(due)} " \
               "(C6; reg 18(1)(b))"
    if transfer.rule == "post16-transfer":
        return f"transfer on {day(transfer.on)}: before 31 March {transfer.on.year} = {day(due)} " \
               "(C6; reg 18(1)(a))"
    return minus("move on", transfer.on, "5 months", due) + " (C4; reg 18(2))"


def transfer_due(transfer: Transfer) -> date:
    if transfer.rule == "phase-transfer":
        return day_before(transfer.on.year, 2, 15)  # C6: before 15 February
    if transfer.rule == "post16-transfer":
        return day_before(transfer.on.year, 3, 31)  # C6: before 31 March
    return months_before(transfer.on, 5)  # reg 18(2): at least 5 months before the move


def default_transfer_deadlines(dob: date) -> list[tuple[Transfer, date, date]]:
    """The default transfers with the day amendments for each count from and its deadline, as
    `phase_transfer` computes them: (transfer, window start, due), in date order."""
    return [(t, _window_start(t), transfer_due(t)) for t in default_transfers(dob)]


def _window_start(transfer: Transfer) -> date:
    """Plans count from 12 months before the transfer date (spec 8.7): 1 September of the year before
    for the default transfers, the recorded date less 12 months otherwise."""
    return add_months(transfer.on, -12)


def _subject(transfer: Transfer) -> str:
    """Names the move and its date, so two transfers of one child are told apart."""
    what = transfer.description or transfer.rule
    return f"{what} on {transfer.on.isoformat()}"


@per_case
def _live_transfers(case: Case) -> tuple[tuple[Transfer, date, date, date | None, date | None], ...]:
    """The transfers a plan has a deadline for: (transfer, due, known from, known until, the day a plan
    was amended for it or None), worked out once for the two rules that ask."""
    issued = plan_issued_on(case)
    if issued is None:
        return ()
    out = []
    flagged = _flagged(case)
    for transfer, known, until in transfers(case):
        due = transfer_due(transfer)
        start = max(issued, known)
        if issued < due and (until is None or start < until):  # spec 8.7: a plan before the deadline
            out.append((transfer, due, start, until, _amended_for(flagged, transfer)))
    return tuple(out)


def _flagged(case: Case) -> list[date]:
    """The days of the plan events recorded --for-transfer."""
    return [e.date for e in case.of_kind(*PLAN_EVENTS) if e.flag("for_transfer")]


def _amended_for(flagged: list[date], transfer: Transfer) -> date | None:
    """The first plan event recorded --for-transfer (it names the next placement, reg 18(1)) in the 12
    months before the move (spec 8.7); none after it, from the case's `_flagged` days. A plan without
    the flag keeps the current placement and does not complete the transfer."""
    if not flagged:
        return None
    start = _window_start(transfer)
    return min((day for day in flagged if start <= day < transfer.on), default=None)


@needs("final")
def phase_transfer(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """The plan amended to name the next placement: reg 18(1)(b) 15 Feb, 18(1)(a) 31 Mar, 18(2)."""
    ceased = plan_ends_on(case)
    out = []
    for transfer, due, known, until, amended in _live_transfers(case):
        completed, ended = settle(amended, ceased)
        out.append(deadline(transfer.rule, trigger=known, due=due, calendar=calendar,
                            subject=_subject(transfer), completed_on=completed, ended_on=ended,
                            known_until=until,
                            basis=transfer_basis(transfer, due) + "; completed by a plan recorded "
                            f"--for-transfer from {day(_window_start(transfer))}"))
    return out


@needs("final")
def phase_transfer_meeting(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """Local milestone: no review held in the transfer year some weeks (default 12) before the deadline."""
    ceased = plan_ends_on(case)
    out = []
    for transfer, due, known, until, amended in _live_transfers(case):
        held = first_date(case, "review-meeting", on_or_after=_window_start(transfer))
        # the signal is moot once the plan is amended for the move, or the move has happened
        completed, ended = settle(held, earliest(ceased, amended, transfer.on))
        weeks = settings.phase_transfer_meeting_weeks
        signal = max(known, weeks_after(due, -weeks))
        basis = minus("transfer deadline", due, f"{weeks} weeks", weeks_after(due, -weeks))
        if signal != weeks_after(due, -weeks):
            basis += f", but not before {day(known)}"
        out.append(deadline("phase-transfer-meeting", trigger=known, due=signal, calendar=calendar,
                            subject=_subject(transfer), completed_on=completed, ended_on=ended,
                            known_until=until, basis=basis + " (local milestone)"))
    return out
