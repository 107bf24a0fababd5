"""The refusals that guard events: pure functions of the case as known and the new event.

Each guard returns why the event cannot be added, in one line, or None. The event-kind registry
(`sendtrack/kinds.py`) names which guards each kind runs; `engine.refusal` runs the guards every event
has, then the kind's phase guard, then the kind's own, in order. Messages carry dates and kinds, never
a child's name, date of birth or free text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Generic, TypeVar

from sendtrack.domain import Case, Deadline, Event
from sendtrack.rules.exceptions import exception_problem
from sendtrack.rules.paths import (
    basis_orders,
    ceased_on,
    first_date,
    path_ends_on,
    plan_ends_on,
    plan_issued_on,
    refused_on,
    reopened_on,
    transferred_out_on,
    withdrawn_on,
)

T = TypeVar("T")


class once(Generic[T]):  # noqa: N801 - used as a decorator, like functools.cached_property
    """functools.cached_property without its lock (Python 3.11 takes one on every first read, a fifth of
    an import's replay): a fact is worked out at its first read and kept in the instance's __dict__."""

    def __init__(self, work: Callable[[Any], T]) -> None:
        self.work, self.name = work, work.__name__
        self.__doc__ = work.__doc__

    def __get__(self, facts: Any, owner: type | None = None) -> T:
        value = facts.__dict__[self.name] = self.work(facts)
        return value


@dataclass
class Facts:
    """What the guards ask about a case and a new event, each worked out once and only when asked."""

    case: Case
    event: Event
    today: date
    #: every deadline of the case (for the exception guard), computed only when that guard runs
    deadlines: Callable[[], list[Deadline]]

    @once
    def earlier(self) -> Case:
        """The case as it stood on the event's own date: a back-dated entry is judged by what had
        happened by then (late data entry is routine)."""
        return self.case.as_of(self.event.date)

    @once
    def final(self) -> date | None:
        return plan_issued_on(self.case)

    @once
    def assessed(self) -> bool:
        """A decision to assess, or a Tribunal order to assess or to make a plan standing where the
        decision would have been (spec 4.3; README "Where we read the spec")."""
        decided = first_date(self.earlier, "decision") is not None and refused_on(self.earlier) is None
        return decided or bool(basis_orders(self.earlier))


Guard = Callable[[Facts], str | None]


# --- every event ---------------------------------------------------------------------------------------

def not_in_future(f: Facts) -> str | None:
    if f.event.date > f.today:
        return f"{f.event.kind} date {f.event.date} is in the future (today is {f.today})"
    return None


def not_before_birth(f: Facts) -> str | None:
    if f.event.date < f.case.dob:
        return f"{f.event.kind} date {f.event.date} is before the date of birth"
    return None


def not_before_request(f: Facts) -> str | None:
    if f.event.date < f.case.received:
        return f"{f.event.kind} date {f.event.date} is before the request was received ({f.case.received})"
    return None


# --- phases --------------------------------------------------------------------------------------------

def request_not_withdrawn(f: Facts) -> str | None:
    withdrawn = withdrawn_on(f.earlier)
    return f"the request was withdrawn on {withdrawn}" if withdrawn is not None else None


def plan_live(f: Facts) -> str | None:
    day = f.event.date
    if f.final is None or f.final > day:
        return f"no final plan was issued on or before {day}"
    ended = plan_ends_on(f.earlier)
    if ended is not None and ended <= day:
        moved = transferred_out_on(f.earlier)
        if moved is not None and moved == ended:
            return f"the plan was sent to another LA on {moved}"
        # said as `cease-effective` says it (spec 4.3): its due date is the last day the plan is
        # maintained, the plan ends from the next day (`ended`)
        return (f"the plan ceased: it was maintained until {ended - timedelta(days=1)} (cease-effective), "
                "not after")
    return None


PHASE_GUARDS: dict[str, Guard | None] = {
    "assessment": request_not_withdrawn,
    "plan": plan_live,
    "any": None,
}


# --- the kinds' own ------------------------------------------------------------------------------------

def one_decision(f: Facts) -> str | None:
    decided = first_date(f.case, "decision")
    return f"a decision is already recorded on {decided} (void it to correct it)" if decided else None


def assessed(f: Facts) -> str | None:
    if f.assessed:
        return None
    return (f"no decision to assess on or before {f.event.date} (nor a Tribunal order to assess or make "
            "a plan)")


def no_final_plan_yet(f: Facts) -> str | None:
    return f"a final plan was already issued on {f.final}" if f.final is not None else None


def no_no_plan_notice(f: Facts) -> str | None:
    """A plan after a notice of no plan only when a Tribunal order reopened the path since (an order to
    make a plan after an appeal against the notice, or to assess again)."""
    notice = first_date(f.case, "no-plan")
    if notice is None:
        return None
    if path_ends_on(f.earlier) is None and reopened_on(f.earlier) is not None:
        return None
    return f"a notice that no plan will be issued was given on {notice}"


def no_plan_to_withdraw(f: Facts) -> str | None:
    if f.final is not None:
        return f"a plan was issued on {f.final}: cease it instead of withdrawing the request"
    return None


def not_withdrawn_yet(f: Facts) -> str | None:
    withdrawn = withdrawn_on(f.case)
    return f"the request was already withdrawn on {withdrawn}" if withdrawn is not None else None


def not_ceased_yet(f: Facts) -> str | None:
    ceased = ceased_on(f.case)
    return f"a decision to cease the plan was already made on {ceased}" if ceased is not None else None


def _earlier_of(f: Facts, kind: str, **match: str) -> bool:
    return any(all(e.get(k) == v for k, v in match.items()) for e in f.earlier.of_kind(kind))


def move_out_recorded(f: Facts) -> str | None:
    return None if _earlier_of(f, "move-out") else f"no move-out is recorded on or before {f.event.date}"


def transferred_in(f: Facts) -> str | None:
    if _earlier_of(f, "transfer-in"):
        return None
    return f"no transfer-in is recorded on or before {f.event.date}"


def mediation_wanted(f: Facts) -> str | None:
    if _earlier_of(f, "mediation-contact", wants="yes"):
        return None
    return f"no mediation-contact --wants yes is recorded on or before {f.event.date}"


def mediation_contacted(f: Facts) -> str | None:
    if _earlier_of(f, "mediation-contact"):
        return None
    return f"no mediation-contact is recorded on or before {f.event.date}"


def order_recorded(f: Facts) -> str | None:
    if _earlier_of(f, "tribunal-order"):
        return None
    return f"no tribunal-order is recorded on or before {f.event.date}"


def meeting_not_before_scheduling(f: Facts) -> str | None:
    meeting = f.event.get_date("meeting")
    if meeting is None or meeting < f.event.date:
        return "the scheduled meeting date must be on or after the day it was scheduled"
    return None


def received_not_before_sent(f: Facts) -> str | None:
    received = f.event.get_date("received")
    if received is not None and received < f.event.date:
        return f"advice cannot be received ({received}) before the request was sent ({f.event.date})"
    return None


def advice_was_requested(f: Facts) -> str | None:
    party, institution = f.event.get("from"), f.event.get("institution")
    asked = [e for e in f.earlier.of_kind("advice-requested") if e.get("from") == party
             and (institution is None or (e.get("institution") or "").casefold() == institution.casefold())]
    if not asked:
        return f"no advice was requested from {'that institution' if institution else party} on or " \
               f"before {f.event.date}"
    return None


def institution_was_consulted(f: Facts) -> str | None:
    institution = (f.event.get("institution") or "").casefold()
    if not any((e.get("institution") or "").casefold() == institution
               for e in f.earlier.of_kind("consultation-sent")):
        return f"that institution was not consulted on or before {f.event.date}"
    return None


def exception_covers(f: Facts) -> str | None:
    return exception_problem(f.event, f.deadlines(), f.case.received)


#: Every guard a kind may name in the registry, by its registry name.
GUARDS: dict[str, Guard] = {
    "one-decision": one_decision,
    "assessed": assessed,
    "no-final-plan-yet": no_final_plan_yet,
    "no-no-plan-notice": no_no_plan_notice,
    "no-plan-to-withdraw": no_plan_to_withdraw,
    "not-withdrawn-yet": not_withdrawn_yet,
    "not-ceased-yet": not_ceased_yet,
    "meeting-not-before-scheduling": meeting_not_before_scheduling,
    "received-not-before-sent": received_not_before_sent,
    "advice-was-requested": advice_was_requested,
    "institution-was-consulted": institution_was_consulted,
    "exception-covers": exception_covers,
    "move-out-recorded": move_out_recorded,
    "transferred-in": transferred_in,
    "mediation-wanted": mediation_wanted,
    "mediation-contacted": mediation_contacted,
    "order-recorded": order_recorded,
}


# --- a request (the case's own values) ------------------------------------------------------------------

#: Part 3 of the Children and Families Act 2014 (EHC needs assessments and plans) began on this day.
EHC_START = date(2014, 9, 1)
#: Nobody this old can ask for an EHC needs assessment (plans run to age 25).
MAX_AGE = 26


def request_refusal(*, dob: date, received: date, today: date) -> str | None:
    """Why a request with this date of birth and received date cannot be recorded, or None. The message
    never repeats the date of birth (it is personal data; cron mails stderr)."""
    from sendtrack.rules.counting import months_after

    if dob > today:
        return f"the date of birth is in the future (today is {today})"
    if received < EHC_START:
        return (f"request date {received} is before {EHC_START}, when EHC needs assessments began "
                "(CFA 2014 Part 3)")
    # a request date in the future is named as such before the age is judged on it: a mistyped year
    # (2052) would otherwise read "26 or older", which sends the user to the date of birth
    if received > today:
        return f"request date {received} is in the future (today is {today})"
    if received >= months_after(dob, 12 * MAX_AGE):
        return f"the date of birth makes the child {MAX_AGE} or older on the request date (EHC plans are " \
               "for ages 0 to 25)"
    if received < dob:
        return f"request date {received} is before the date of birth"
    return None
