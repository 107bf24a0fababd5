"""The engine: runs every rule over a case, applies exceptions, and judges new events before they land."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sendtrack.calendar import Calendar
from sendtrack.domain import Case, Check, Deadline, Event, Settings, Status
from sendtrack.rules import assessment, reviews, transfers
from sendtrack.rules.checks import CHECKS
from sendtrack.rules.exceptions import apply_exceptions, exception_problem
from sendtrack.rules.paths import ceased_on, first_date, plan_issued_on, refused_on, withdrawn_on

Rule = Callable[[Case, Calendar, Settings], list[Deadline]]

#: Every rule of spec 4.1, 4.2 and 5. Adding a rule is adding a function here and a table of tests.
RULE_FUNCTIONS: tuple[Rule, ...] = (
    assessment.assessment_decision,
    assessment.advice,
    assessment.issue_decision,
    assessment.draft_representations,
    assessment.school_consultation,
    assessment.final_plan,
    assessment.draft_by_week_14,
    assessment.advice_chase,
    assessment.contact,
    reviews.annual_review,
    reviews.review_scheduled,
    reviews.review_notice,
    reviews.review_report,
    reviews.review_decision,
    reviews.amendment_representations,
    reviews.amended_plan,
    reviews.under5,
    transfers.phase_transfer,
    transfers.phase_transfer_meeting,
)


def compute(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """Every deadline of a case from all its events, exceptions applied, in order of due date."""
    items = [item for rule in RULE_FUNCTIONS for item in rule(case, calendar, settings)]
    items = apply_exceptions(case, items)
    items.sort(key=lambda d: (d.due, d.rule, d.subject or "", d.trigger))
    return items


def checks(case: Case, items: list[Deadline], settings: Settings) -> list[Check]:
    return [found for check in CHECKS for found in check(case, items, settings)]


@dataclass(frozen=True, slots=True)
class Judged:
    """A deadline as it stands on the as-of date."""

    deadline: Deadline
    status: Status
    completed_on: date | None


def judge(items: list[Deadline], as_of: date) -> list[Judged]:
    """The deadlines that exist on `as_of`, each with its status that day."""
    return [
        Judged(item, item.status_on(as_of), item.completed_on_as_of(as_of))
        for item in items
        if item.visible_on(as_of)
    ]


@dataclass(frozen=True, slots=True)
class Timeline:
    case: Case
    as_of: date
    deadlines: list[Judged]
    checks: list[Check]


def timeline(case: Case, as_of: date, calendar: Calendar, settings: Settings) -> Timeline:
    """The case as known on `as_of` (later events ignored, spec 8.2), judged on that day."""
    known = case.as_of(as_of)
    items = compute(known, calendar, settings)
    return Timeline(known, as_of, judge(items, as_of), checks(known, items, settings))


ASSESSMENT_KINDS = {"decision", "advice-requested", "advice-received", "draft", "representations",
                    "consultation-sent", "consultation-reply", "no-plan", "final", "withdrawn"}
PLAN_KINDS = {"review-scheduled", "invitations-sent", "review-meeting", "review-report",
              "review-decision", "amendment-notice", "amended-plan", "no-amendment", "cease"}


def refusal(case: Case, event: Event, *, today: date, calendar: Calendar,
            settings: Settings) -> str | None:
    """Why `event` cannot be added to `case`, in one line, or None. The case is left untouched."""
    day = event.date
    if day > today:
        return f"{event.kind} date {day} is in the future (today is {today})"
    if day < case.dob:
        return f"{event.kind} date {day} is before the date of birth"
    if day < case.received and event.kind not in {"assign", "transfer"}:
        return f"{event.kind} date {day} is before the request was received ({case.received})"
    earlier = case.as_of(day)
    # a back-dated entry is judged by what had happened by its own date (late data entry is routine)
    withdrawn, ceased = withdrawn_on(earlier), ceased_on(earlier)
    final = plan_issued_on(case)
    decision = first_date(case, "decision")
    assessed = first_date(earlier, "decision") is not None and refused_on(earlier) is None
    if event.kind in ASSESSMENT_KINDS and withdrawn is not None:
        return f"the request was withdrawn on {withdrawn}"
    if event.kind == "decision":
        if decision is not None:
            return f"a decision is already recorded on {decision} (void it to correct it)"
        if event.get("outcome") not in {"assess", "refuse"}:
            return "the decision outcome must be assess or refuse"
    if event.kind in {"draft", "no-plan", "final", "consultation-sent"} and not assessed:
        return f"no decision to assess on or before {day}"
    if event.kind in {"final", "no-plan"} and final is not None:
        return f"a final plan was already issued on {final}"
    if event.kind == "final" and first_date(case, "no-plan") is not None:
        return f"a notice that no plan will be issued was given on {first_date(case, 'no-plan')}"
    if event.kind == "withdrawn" and final is not None:
        return f"a plan was issued on {final}: cease it instead of withdrawing the request"
    if event.kind == "withdrawn" and withdrawn_on(case) is not None:
        return f"the request was already withdrawn on {withdrawn_on(case)}"
    if event.kind == "cease" and ceased_on(case) is not None:
        return f"the plan already ceased on {ceased_on(case)}"
    if event.kind in PLAN_KINDS:
        if final is None or final > day:
            return f"no final plan was issued on or before {day}"
        if ceased is not None:
            return f"the plan ceased on {ceased}"
    if event.kind == "review-scheduled":
        meeting = event.get_date("meeting")
        if meeting is None or meeting < day:
            return "the scheduled meeting date must be on or after the day it was scheduled"
    if event.kind == "review-decision" and event.get("outcome") not in {"maintain", "amend", "cease"}:
        return "the review outcome must be maintain, amend or cease"
    if event.kind == "advice-received":
        party, institution = event.get("from"), event.get("institution")
        asked = [e for e in earlier.of_kind("advice-requested") if e.get("from") == party
                 and (institution is None or (e.get("institution") or "").casefold()
                      == institution.casefold())]
        if not asked:
            return f"no advice was requested from {institution or party} on or before {day}"
    if event.kind == "consultation-reply":
        institution = event.get("institution") or ""
        if not any((e.get("institution") or "").casefold() == institution.casefold()
                   for e in earlier.of_kind("consultation-sent")):
            return f"{institution} was not consulted on or before {day}"
    if event.kind == "exception":
        return exception_problem(event, compute(case, calendar, settings))
    return None
