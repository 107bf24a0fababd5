"""What a case's events break besides deadlines (spec 4.1 and 4.2 checks): problems as values."""

from __future__ import annotations

from datetime import timedelta

from sendtrack import kinds
from sendtrack.domain import Case, Check, Deadline, Settings
from sendtrack.rules.counting import days_beginning_with, months_after
from sendtrack.rules.exceptions import DEFAULT_COVER, open_on
from sendtrack.rules.paths import basis_orders, first_date, plan_issued_on


def out_of_order(case: Case, items: list[Deadline], settings: Settings) -> list[Check]:
    """Events before the request or before birth, and a final plan with no draft before it."""
    out = []
    for event in case.events:
        if event.kind == "request":
            continue
        if event.date < case.dob:
            out.append(Check("event-before-birth",
                             f"{event.kind} on {event.date} is before the date of birth", event.date))
        elif event.date < case.received and not kinds.kind(event.kind).before_request:
            out.append(Check("event-before-request",
                             f"{event.kind} on {event.date} is before the request ({case.received})",
                             event.date))
    final = plan_issued_on(case)
    if final is not None and first_date(case, "decision") is None:
        out.append(Check("final-without-decision",
                         f"final plan on {final} but no decision to assess is recorded", final))
    drafted = first_date(case, "draft")
    if final is not None and (drafted is None or drafted > final):
        out.append(Check("final-before-draft",
                         f"final plan on {final} without a draft plan before it (reg 13)", final))
    return out


def draft_window(case: Case, items: list[Deadline], settings: Settings) -> list[Check]:
    """A final plan inside the family's 15 days with no representations recorded (reg 13(1))."""
    drafted, final = first_date(case, "draft"), plan_issued_on(case)
    if drafted is None or final is None or final < drafted:
        return []
    closes = days_beginning_with(drafted, 15)
    if final <= closes and first_date(case, "representations", on_or_after=drafted) is None:
        return [Check("final-before-draft-window",
                      f"final plan on {final} before the draft window closed on {closes} "
                      "with no representations recorded (reg 13(1))", final)]
    return []


def amend_without_proposals(case: Case, items: list[Deadline], settings: Settings) -> list[Check]:
    """An amend decision must come with the proposed amendments by the decision deadline (Devon)."""
    out = []
    for decision in case.of_kind("review-decision"):
        if decision.get("outcome") != "amend":
            continue
        due = next((d.due for d in items if d.rule == "review-decision"
                    and d.completed_on == decision.date), decision.date)
        notice = first_date(case, "amendment-notice", on_or_after=decision.date - timedelta(weeks=4))
        if notice is None or notice > due:
            out.append(Check("amend-without-proposals",
                             f"review decision to amend on {decision.date} without an amendment "
                             f"notice by {due} (reg 22(2); R (L, M and P) v Devon [2022])",
                             decision.date))
    return out


def closure_window(case: Case, items: list[Deadline], settings: Settings) -> list[Check]:
    """Advice asked of a school in the week before a 4+ week closure: exception (a) may apply."""
    if any(e.get("limb") in {"a", "b"} for e in case.of_kind("exception")):
        return []
    limits = [d for d in items if d.rule in DEFAULT_COVER]
    out = []
    for request in case.of_kind("advice-requested"):
        # only while a limit is still open: a closure after a deadline passed cannot excuse it
        if request.get("from") != "education" or not any(open_on(d, request.date) for d in limits):
            continue
        school = request.get("institution") or case.setting or ""
        own = [c for c in settings.closures if c.institution.casefold() == school.casefold()]
        calendar = own or [c for c in settings.closures if c.institution == "*"]
        covered_until = max((c.reopens - timedelta(7) for c in calendar), default=None)
        if covered_until is not None and request.date > covered_until:
            out.append(Check(
                "closure-calendar-ends",
                f"exception (a) cannot be detected for the advice asked of {school or 'the school'} on "
                f"{request.date}: the school closure calendar has no closure after "
                f"{max(c.reopens for c in calendar)} (add the next year's closures)", request.date))
            continue
        for closure in calendar:
            first, last = closure.closed_from - timedelta(7), closure.reopens - timedelta(7)
            if closure.days >= 28 and first <= request.date <= last:
                estimated = " (closure dates estimated)" if closure.estimated else ""
                out.append(Check(
                    "exception-a-may-apply",
                    f"exception (a) may apply: advice asked of {school or 'the school'} on "
                    f"{request.date}, within the window of its closure {closure.closed_from} to "
                    f"{closure.reopens}{estimated} (reg 10(4)(a)); record it with "
                    f"`sendtrack record exception {case.ref} --limb a --start {request.date} "
                    "--reason TEXT` if the closure made the deadline impractical", request.date))
                break
    return out


def reassessment_within_six_months(case: Case, items: list[Deadline], settings: Settings) -> list[Check]:
    """A re-assessment asked within 6 months of the last assessment may be refused (reg 24(2)(a)): a
    note for the coordinator, nothing is forced."""
    out = []
    assessed = [e.date for e in case.of_kind("final")] + [
        e.date for e in case.of_kind("reassessment-decision") if e.get("outcome") == "assess"]
    for request in case.of_kind("reassessment-request"):
        last = max((d for d in assessed if d <= request.date), default=None)
        if last is not None and request.date < months_after(last, 6):
            out.append(Check("reassessment-within-6-months",
                             f"re-assessment requested on {request.date}, within 6 months of the last "
                             f"assessment ({last}): the LA may refuse it (reg 24(2)(a))", request.date))
    return out


def order_final_without_plan(case: Case, items: list[Deadline], settings: Settings) -> list[Check]:
    """An order's final step recorded with no final plan: the plan issued under a Tribunal order to
    assess or to make a plan is an EHC plan like any other (spec 4.3), recorded as `final`, and its
    annual review and transfers count from that event only (README "Where we read the spec")."""
    if plan_issued_on(case) is not None:
        return []
    orders = basis_orders(case)
    done = next((e for e in case.of_kind("order-complied") if e.get("step") == "final"
                 and any(o.date <= e.date for o in orders)), None)
    if done is None:
        return []
    return [Check("order-final-without-plan",
                  f"the Tribunal order's final step was recorded on {done.date} but no final plan is: record "
                  f"`sendtrack record final {case.ref} --date {done.date}` so the plan's annual review and "
                  "transfers are tracked (it completes the order's final step too)", done.date)]


CHECKS = (out_of_order, draft_window, amend_without_proposals, closure_window, reassessment_within_six_months,
          order_final_without_plan)
