"""The engine: runs every rule over a case, applies exceptions, and judges new events before they land."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sendtrack import kinds
from sendtrack.calendar import Calendar
from sendtrack.domain import Case, Check, Deadline, Event, Settings, Status
from sendtrack.rules import assessment, guards, journey, reviews, transfers
from sendtrack.rules.checks import CHECKS
from sendtrack.rules.exceptions import apply_exceptions

Rule = Callable[[Case, Calendar, Settings], list[Deadline]]

#: Every rule of spec 4.1, 4.2, 4.3 and 5. Adding a rule is adding a function here and a table of tests.
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
    # spec "4.3 in detail"
    journey.reassessment_decision,
    journey.reassessment_final,
    journey.transfer_out,
    journey.transfer_in_notice,
    reviews.transfer_in_review,
    journey.appeal_deadline,
    journey.mediation_held,
    journey.mediation_certificate,
    journey.tribunal_orders,
    journey.cease_effective_rule,
)


#: Each rule with the kinds of event it starts from (`paths.needs`), or None when it runs for every case.
_RULES: tuple[tuple[Rule, frozenset[str] | None], ...] = tuple(
    (rule, getattr(rule, "needs", None)) for rule in RULE_FUNCTIONS)


def compute(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """Every deadline of a case from all its events, exceptions applied, in order of due date (none
    once its request is voided: a case recorded by mistake counts nowhere)."""
    if case.void:
        return []
    present = case.kinds()
    items: list[Deadline] = []
    for rule, needed in _RULES:
        # a rule that starts from events the case does not have would make nothing: not run
        if needed is None or not present.isdisjoint(needed):
            items += rule(case, calendar, settings)
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


def refusal(case: Case, event: Event, *, today: date, calendar: Calendar,
            settings: Settings) -> str | None:
    """Why `event` cannot be added to `case`, in one line, or None. The case is left untouched.

    The guards every event has run first, then the kind's phase guard, then its own guards, in the
    order the event-kind registry gives."""
    run = _GUARDS.get(event.kind)
    if run is None:
        if event.kind not in kinds.BY_NAME:
            return f"unknown event kind {event.kind!r}"
        run = _GUARDS[event.kind] = _guards(event.kind)
    facts = guards.Facts(case, event, today, lambda: compute(case, calendar, settings))
    for guard in run:
        problem = guard(facts)
        if problem:
            return problem
    return None


#: kind -> its guards, as `_guards` gives them, filled as asked (a dict lookup per event replayed)
_GUARDS: dict[str, tuple[guards.Guard, ...]] = {}


def _guards(kind: str) -> tuple[guards.Guard, ...]:
    """The guards an event of `kind` runs, in order (worked out once per kind, not once per event)."""
    entry = kinds.BY_NAME[kind]
    common = (guards.not_in_future, guards.not_before_birth,
              *(() if entry.before_request else (guards.not_before_request,)))
    phase = guards.PHASE_GUARDS[entry.phase]
    return (*common, *((phase,) if phase else ()), *(guards.GUARDS[name] for name in entry.guards))
