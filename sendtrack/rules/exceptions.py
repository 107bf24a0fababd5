"""Statutory exceptions (regs 5(4), 8(2), 10(4), 13(3)): which deadlines a recorded one disapplies."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sendtrack.domain import Case, Deadline, Event
from sendtrack.kinds import LIMBS
from sendtrack.rules.catalogue import EXCEPTABLE, RULES

#: What limbs a-d cover without --rule (spec 8.4 and 4.3); order-* rules only ever by name
DEFAULT_COVER = ("assessment-decision", "issue-decision", "final-plan", "reassessment-final")


def open_on(item: Deadline, day: date) -> bool:
    """Not completed, not ended and not yet due on `day`: only then can a circumstance excuse it."""
    return (
        day <= item.due
        and (item.completed_on is None or item.completed_on > day)
        and (item.ended_on is None or item.ended_on > day)
        and item.visible_on(day)
    )


def covered(exception: Event, items: list[Deadline], received: date) -> list[int]:
    """Indexes of the deadlines a recorded exception disapplies (spec 3 and 8.4).

    A circumstance that began before the request was received (a family already abroad) applies
    "during the period" from its first day: it is judged on the day the request arrived (spec 8.4)."""
    start = max(exception.date, received)
    rule, subject = exception.get("rule"), exception.get("subject")
    rules = (rule,) if rule else DEFAULT_COVER
    return [
        index for index, item in enumerate(items)
        if item.rule in rules
        and (subject is None or (item.subject or "").casefold() == subject.casefold())
        and open_on(item, start)
    ]


def apply_exceptions(case: Case, items: list[Deadline]) -> list[Deadline]:
    """Mark the deadlines each exception covers; a date never moves (the time limit is disapplied)."""
    items = list(items)
    for exception in case.of_kind("exception"):
        for index in covered(exception, items, case.received):
            item = items[index]
            if item.excepted_from is None or exception.date < item.excepted_from:
                items[index] = replace(item, excepted_from=exception.date,
                                       exception_limb=exception.get("limb"))
    return items


def exception_problem(exception: Event, items: list[Deadline], received: date) -> str | None:
    """Why a new exception must be refused, or None (spec 3, 8.4, 8.5)."""
    limb, rule = exception.get("limb"), exception.get("rule")
    start, end = exception.date, exception.get_date("end")
    if limb not in LIMBS:
        return f"unknown exception limb {limb!r}: use one of {', '.join(LIMBS)}"
    if end is not None and end < start:
        return f"the exception ends ({end}) before it starts ({start})"
    # the end is the last day away (spec 8.5): 1-28 March is 28 days, exactly 4 weeks
    if limb == "d" and end is not None and (end - start).days + 1 < 28:
        return "limb d needs an absence of at least 4 weeks: from start to end (both days counted) is " \
               "less than 28 days"
    if limb == "d2" and end is not None and (end - start).days + 1 < 14:
        return "limb d2 needs an absence of at least 2 weeks: from start to end (both days counted) is " \
               "less than 14 days"
    if limb == "d2" and rule is None:
        return "limb d2 (reg 44(3)) excuses only a Tribunal order's steps: give --rule order-..."
    if rule is not None and rule not in RULES:
        return f"unknown rule id {rule!r}: an exception may name {', '.join(sorted(EXCEPTABLE))}"
    if rule is not None and rule not in EXCEPTABLE:
        return f"no statutory exception applies to {rule} (regs 15, 18-22, 25 and 33-39 have none)"
    if rule is not None and limb not in RULES[rule].exception_limbs:
        allowed = ", ".join(sorted(RULES[rule].exception_limbs))
        return f"limb {limb} does not apply to {rule} (its limbs: {allowed})"
    if rule is None and limb == "missed-appointment":
        return "a missed appointment excuses only advice: give --rule advice (and --subject)"
    targets = covered(exception, items, received)
    if not targets:
        scope = rule or "assessment-decision, issue-decision, final-plan or reassessment-final"
        return f"no {scope} deadline is open on {max(start, received)} for this exception to cover"
    if rule == "advice" and exception.get("subject") is None and len(targets) > 1:
        return "several advice requests are open: name one with --subject"
    return None
