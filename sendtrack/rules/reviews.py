"""Reviews and amendments of a plan (spec 4.2): annual cycle, notices, decisions, amended plans."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from sendtrack.calendar import Calendar
from sendtrack.domain import Case, Deadline, Settings
from sendtrack.rules.catalogue import deadline
from sendtrack.rules.counting import (
    add_months,
    days_beginning_with,
    months_after,
    months_starting,
    twelve_months_starting,
    weeks_after,
)
from sendtrack.rules.paths import (
    earliest,
    first_date,
    needs,
    per_case,
    plan_ceases_on,
    plan_ends_on,
    plan_issued_on,
    settle,
)
from sendtrack.rules.words import day, minus, plus
from sendtrack.rules.words import months_starting as months_in_words


@dataclass(frozen=True, slots=True)
class Cycle:
    """One annual-review period: what started it, when its review was due, and the meeting held.

    When a plan was transferred in (reg 15) while this cycle ran, `transfer_in` is that day and `due`
    is the `transfer-in-review` due date that takes the place of the annual review (`annual_due`)."""

    start: date
    due: date
    meeting: date | None
    transfer_in: date | None = None
    annual_due: date | None = None


@per_case
def meetings(case: Case) -> tuple[date, ...]:
    """The days review meetings were held after the plan was issued, in order, each once."""
    issued = plan_issued_on(case)
    if issued is None:
        return ()
    return tuple(sorted({e.date for e in case.of_kind("review-meeting") if e.date > issued}))


def cycles(case: Case, settings: Settings) -> tuple[Cycle, ...]:
    """The annual cycles (`annual_cycles`), worked out once per case and way of counting: four rules
    ask for them (as `paths.per_case` keeps an answer, in the case's memo, keyed by the setting too)."""
    # not a function's name, as per_case's keys are
    key = "cycles from " + settings.annual_review_from
    memo = case._memo
    try:
        return memo[key]  # type: ignore[return-value]  # stored just below: a tuple of cycles
    except KeyError:
        found = memo[key] = tuple(annual_cycles(case, settings))
        return found


def annual_cycles(case: Case, settings: Settings) -> Iterator[Cycle]:
    """The annual cycle: from the plan's issue, then from each review (meeting or decision date)."""
    start = plan_issued_on(case)
    ceased = plan_ends_on(case)
    held = meetings(case)
    moved_in = first_date(case, "transfer-in")
    while start is not None and (ceased is None or start < ceased):
        meeting = next((m for m in held if m > start), None)
        due = twelve_months_starting(start)
        if moved_in is not None and start <= moved_in and (meeting is None or meeting > moved_in):
            # reg 15(5): the later of the review carried over and the 3 months beginning with the transfer
            yield Cycle(start, max(due, months_starting(moved_in, 3)), meeting, moved_in, due)
        else:
            yield Cycle(start, due, meeting)
        if meeting is None:
            return
        if settings.annual_review_from == "decision":
            start = first_date(case, "review-decision", on_or_after=meeting)
        else:
            start = meeting


@needs("final")
def annual_review(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """A review meeting within each 12 months starting with the plan or the last review: CFA s.44(1)."""
    ceased = plan_ends_on(case)
    out = []
    issued = plan_issued_on(case)
    for cycle in cycles(case, settings):
        completed, ended = settle(cycle.meeting, ceased)
        what = "plan issued" if cycle.start == issued else (
            "review decision" if settings.annual_review_from == "decision" else "review meeting")
        annual = cycle.annual_due or cycle.due
        basis = months_in_words(what, cycle.start, 12, annual) + "; CFA s.44(1)"
        if cycle.transfer_in is not None:
            # replaced by transfer-in-review from the day the plan came to us (spec 4.3)
            completed, ended = settle(cycle.meeting, earliest(cycle.transfer_in, ceased))
            basis += f"; replaced by transfer-in-review from {day(cycle.transfer_in)}"
        out.append(deadline("annual-review", trigger=cycle.start, due=annual, calendar=calendar,
                            completed_on=completed, ended_on=ended, basis=basis))
    return out


@needs("transfer-in")
def transfer_in_review(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """The new LA reviews a transferred plan by the later of the review due under the old LA (the plan
    treated as made on its original date, reg 15(3)) and 3 months beginning with the transfer: reg 15(5)."""
    ceased = plan_ends_on(case)
    out = []
    for cycle in cycles(case, settings):
        if cycle.transfer_in is None or cycle.annual_due is None:
            continue
        three = months_starting(cycle.transfer_in, 3)
        basis = months_in_words("transferred in", cycle.transfer_in, 3, three)
        if cycle.annual_due > three:
            basis += f", but the review carried over is due {day(cycle.annual_due)}, later (reg 15(5))"
        else:
            basis += f", later than the review carried over, due {day(cycle.annual_due)} (reg 15(5))"
        completed, ended = settle(cycle.meeting, ceased)
        out.append(deadline("transfer-in-review", trigger=cycle.transfer_in, due=cycle.due,
                            calendar=calendar, completed_on=completed, ended_on=ended, basis=basis))
    return out


def _scheduled_after(case: Case, start: date) -> date | None:
    """The first scheduling of a meeting after `start` (recorded on that day or later) or meeting held."""
    scheduled = next((e.date for e in case.of_kind("review-scheduled")
                      if e.date >= start and (e.get_date("meeting") or e.date) > start), None)
    held = first_date(case, "review-meeting", on_or_after=start + timedelta(days=1))
    return min((d for d in (scheduled, held) if d is not None), default=None)


@needs("final")
def review_scheduled(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """Local milestone: a review meeting scheduled by some weeks (default 8) before the review is due."""
    ceased = plan_ends_on(case)
    out = []
    weeks = settings.review_scheduled_weeks
    before, amount = timedelta(weeks=weeks), f"{weeks} weeks"
    for cycle in cycles(case, settings):
        scheduled = _scheduled_after(case, cycle.start)
        completed, ended = settle(scheduled, ceased)
        # a transfer in replaces the review's due date from its day: the signal moves with it
        stages = [(cycle.start, cycle.due, None)] if cycle.transfer_in is None or cycle.annual_due is None \
            else [(cycle.start, cycle.annual_due, cycle.transfer_in), (cycle.transfer_in, cycle.due, None)]
        for known, review_due, until in stages:
            signal = review_due - before
            due = max(cycle.start, signal)
            what = "annual review due" if until is not None or cycle.transfer_in is None \
                else "transfer-in review due"
            basis = minus(what, review_due, amount, signal)
            if due != signal:
                basis += f", but not before the cycle began on {day(cycle.start)}"
            out.append(deadline("review-scheduled", trigger=cycle.start, due=due, calendar=calendar,
                                completed_on=completed, ended_on=ended, known_from=known, known_until=until,
                                basis=basis + " (local milestone)"))
    return out


@needs("final")
def review_notice(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """Invitations out and advice circulated 2 weeks before the meeting: reg 20(3)-(4), 21(3)-(4).

    Exists only once a meeting date M is scheduled; a re-scheduling replaces the earlier row from the
    day it is recorded (spec 8.8), so the table still answers "what was due on day T".
    """
    issued = plan_issued_on(case)
    if issued is None:
        return []
    ceased = plan_ends_on(case)
    bounds = [issued, *meetings(case)]
    out = []
    def cycle_of(event) -> int:
        """The cycle a scheduling belongs to: the first meeting held on or after the day it was
        recorded, unless it was recorded on a meeting's day for a later date (the next review)."""
        meeting = event.get_date("meeting") or event.date
        for index, held in enumerate(bounds[1:]):
            if event.date < held or (event.date == held and meeting <= held):
                return index
        return len(bounds) - 1

    schedulings = case.of_kind("review-scheduled")
    for number, lower in enumerate(bounds):
        group = [e for e in schedulings if e.date >= lower and cycle_of(e) == number]
        invited = first_date(case, "invitations-sent", on_or_after=lower + timedelta(days=1))
        completed, ended = settle(invited, ceased)
        for index, scheduled in enumerate(group):
            meeting = scheduled.get_date("meeting")
            if meeting is None:
                continue
            replaced = group[index + 1].date if index + 1 < len(group) else None
            if replaced == scheduled.date:
                continue  # two schedulings on one day: the later one counts
            if completed is not None and replaced is not None and completed < replaced:
                # The invitations went out before the re-scheduling was recorded: the notice duty was
                # done for this meeting and stays `met`; a later re-scheduling does not reopen it
                # (issue 13; regression: final 2019-01-07, invitations 01-08, scheduled 01-22 for 01-22,
                # re-scheduled 01-23 for 01-24).
                replaced = None
            due = meeting - timedelta(days=14)
            out.append(deadline("review-notice", trigger=scheduled.date, due=due, calendar=calendar,
                                completed_on=completed, ended_on=ended, known_until=replaced,
                                basis=minus("meeting scheduled for", meeting, "2 weeks", due)
                                + " (reg 20(3)-(4))"))
            if replaced is None:
                break
    return out


@needs("final")
def review_report(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """The review report within 2 weeks of the meeting: reg 20(7), 21(7)."""
    ceased = plan_ends_on(case)
    out = []
    for meeting in meetings(case):
        completed, ended = settle(first_date(case, "review-report", on_or_after=meeting), ceased)
        due = weeks_after(meeting, 2)
        out.append(deadline("review-report", trigger=meeting, due=due,
                            calendar=calendar, completed_on=completed, ended_on=ended,
                            basis=plus("meeting", meeting, "2 weeks", due) + " (reg 20(7))"))
    return out


@needs("final")
def review_decision(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """Decision within 4 weeks of the meeting and inside the 12 months: reg 20(10), CoP 9.169, Devon."""
    ceased = plan_ends_on(case)
    out = []
    for cycle in cycles(case, settings):
        if cycle.meeting is None:
            continue
        four_weeks = weeks_after(cycle.meeting, 4)
        due = min(four_weeks, cycle.due)
        basis = plus("meeting", cycle.meeting, "4 weeks", four_weeks)
        if cycle.due < four_weeks:
            basis += f", but the 12 months end {day(cycle.due)} (CoP 9.169)"
        else:
            basis += f" (reg 20(10)), inside the 12 months ending {day(cycle.due)}"
        decided = first_date(case, "review-decision", on_or_after=cycle.meeting)
        completed, ended = settle(decided, ceased)
        out.append(deadline("review-decision", trigger=cycle.meeting, due=due, calendar=calendar,
                            completed_on=completed, ended_on=ended, basis=basis))
    return out


@needs("amendment-notice")
def amendment_representations(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """The family's 15 days beginning with the amendment notice: reg 22(2)(c) (C2)."""
    return [
        deadline("amendment-representations", trigger=notice.date,
                 due=(due := days_beginning_with(notice.date, 15)), calendar=calendar,
                 ended_on=plan_ceases_on(case),
                 basis=f"amendment notice {day(notice.date)}: the family's 15 days beginning with it end "
                       f"{day(due)} (C2; reg 22(2)(c))")
        for notice in case.of_kind("amendment-notice")
    ]


@needs("amendment-notice")
def amended_plan(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """Amended plan (or notice of no amendment) by notice + 8 weeks and meeting + 12 weeks: reg 22."""
    ceased = plan_ends_on(case)
    held = [e.date for e in case.of_kind("review-meeting")]
    out = []
    for notice in case.of_kind("amendment-notice"):
        due = weeks_after(notice.date, 8)
        basis = plus("amendment notice", notice.date, "8 weeks", due)
        meeting = max((m for m in held if m <= notice.date), default=None)
        # Devon: the 12 weeks run from the review the amendments come from. A notice sent more than 12
        # weeks after the last meeting starts a mid-year amendment: only its own 8 weeks apply
        # (reading spec 8.9 this way avoids a due date before the notice itself).
        if meeting is not None and notice.date <= weeks_after(meeting, 12):
            twelve = weeks_after(meeting, 12)
            if twelve < due:
                basis += f", but meeting {day(meeting)} + 12 weeks = {day(twelve)} comes first (Devon)"
            else:
                basis += f" (reg 22(3)), inside meeting {day(meeting)} + 12 weeks = {day(twelve)}"
            due = min(due, twelve)
        else:
            basis += " (reg 22(3))"
        done = first_date(case, "amended-plan", "no-amendment", on_or_after=notice.date)
        completed, ended = settle(done, ceased)
        out.append(deadline("amended-plan", trigger=notice.date, due=due, calendar=calendar,
                            completed_on=completed, ended_on=ended, basis=basis))
    return out


def under5_review(case: Case, dob: date, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """Reviews every 3-6 months (default 6) while the child is under 5: CoP 9.178 (guidance)."""
    start = plan_issued_on(case)
    ceased = plan_ends_on(case)
    fifth_birthday = add_months(dob, 60)
    held = meetings(case)
    out = []
    while start is not None and (ceased is None or start < ceased):
        due = months_after(start, settings.under5_review_months)
        if due >= fifth_birthday:
            break
        meeting = next((m for m in held if m > start), None)
        completed, ended = settle(meeting, ceased)
        what = "plan issued" if start == plan_issued_on(case) else "review meeting"
        months = settings.under5_review_months
        out.append(deadline("under5-review", trigger=start, due=due, calendar=calendar,
                            completed_on=completed, ended_on=ended,
                            basis=plus(what, start, f"{months} months", due) + " (C4; CoP 9.178, guidance)"))
        start = meeting
    return out


@needs("final")
def under5(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    return under5_review(case, case.dob, calendar, settings)
