"""Needs assessment and new plans (spec 4.1) and their local milestones (spec 5)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sendtrack.calendar import Calendar
from sendtrack.domain import Case, Deadline, Event, Settings
from sendtrack.rules.catalogue import deadline
from sendtrack.rules.counting import days_after, days_beginning_with, weeks_after
from sendtrack.rules.paths import (
    assessment_ended_for,
    assessment_ends_on,
    earliest,
    first_date,
    needs,
    per_case,
    plan_issued_on,
    refused_on,
    settle,
    withdrawn_on,
)
from sendtrack.rules.words import day, plus


def assessment_decision(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """Decide whether to assess within 6 weeks of the request: reg 5(1), CFA s.36; exceptions reg 5(4)."""
    completed, ended = settle(first_date(case, "decision"), withdrawn_on(case))
    return [
        deadline("assessment-decision", trigger=case.received, due=(due := weeks_after(case.received, 6)),
                 calendar=calendar, completed_on=completed, ended_on=ended,
                 basis=plus("request received", case.received, "6 weeks", due) + " (reg 5(1))")
    ]


def issue_decision(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """Draft plan or notice of no plan within 16 weeks of the request: reg 10(1); exceptions reg 10(4).

    A final plan issued with no draft recorded completes it on the final's date: the decision to issue
    was made by then (the missing draft is a `final-before-draft` check, not an overdue for ever)."""
    completed, ended = settle(
        first_date(case, "draft", "no-plan", "final"), earliest(refused_on(case), withdrawn_on(case))
    )
    return [
        deadline("issue-decision", trigger=case.received, due=(due := weeks_after(case.received, 16)),
                 calendar=calendar, completed_on=completed, ended_on=ended,
                 basis=plus("request received", case.received, "16 weeks", due) + " (reg 10(1))")
    ]


def final_plan(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """Final plan within 20 weeks of the request: reg 13(2); exceptions reg 13(3) -> reg 10(4)."""
    completed, ended = settle(plan_issued_on(case), assessment_ends_on(case))
    return [
        deadline("final-plan", trigger=case.received, due=(due := weeks_after(case.received, 20)),
                 calendar=calendar, completed_on=completed, ended_on=ended,
                 basis=plus("request received", case.received, "20 weeks", due) + " (reg 13(2))")
    ]


@needs("draft")
def draft_representations(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """The family's window of at least 15 days beginning with service of the draft: reg 13(1) (C2)."""
    drafted = first_date(case, "draft")
    if drafted is None:
        return []
    return [
        deadline("draft-representations", trigger=drafted, due=(due := days_beginning_with(drafted, 15)),
                 calendar=calendar, ended_on=assessment_ended_for(case, drafted),
                 basis=f"draft served {day(drafted)}: the family's 15 days beginning with it end {day(due)} "
                       "(C2; reg 13(1))")
    ]


@per_case
def advice_requests(case: Case) -> tuple[tuple[Event, str | None, date | None, date | None], ...]:
    """Each advice request with whom it names, the date its answer came (answers matched to requests in
    order) and the day outstanding advice stopped being needed (`_advice_ends_on`): asked by `advice`
    and `advice_chase` alike, so worked out once per case."""
    return tuple((request, subject, answered, _advice_ends_on(case, request.date))
                 for request, subject, answered in _advice_requests(case))


def _advice_requests(case: Case) -> Iterator[tuple[Event, str | None, date | None]]:
    """Each advice request with the date its answer came (answers matched to requests in order)."""
    answered: set[int] = set()
    replies = [(event, event.get("from") or "", event.get("institution"))
               for event in case.of_kind("advice-received")]
    for request in case.of_kind("advice-requested"):
        party, institution = request.get("from"), request.get("institution")
        wanted = (institution or "").casefold()
        reply = None
        for event, replied_from, replied_for in replies:
            if (event.id not in answered and event.date >= request.date
                    and replied_from == (party or "")
                    and (replied_for is None or replied_for.casefold() == wanted)):
                reply = event
                answered.add(event.id)
                break
        yield request, institution or party, reply.date if reply else None


def _advice_ends_on(case: Case, asked: date) -> date | None:
    """Outstanding advice is no longer needed once the plan is final or the assessment it was asked for
    stopped (advice asked under a Tribunal order belongs to the path the order reopened)."""
    return earliest(plan_issued_on(case), assessment_ended_for(case, asked))


@needs("advice-requested")
def advice(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """Advice within 6 weeks of the body receiving the LA's request: reg 8(1); exceptions reg 8(2)."""
    out = []
    for request, subject, answered, ends in advice_requests(case):
        trigger = request.get_date("received") or request.date
        completed, ended = settle(answered, ends)
        due = weeks_after(trigger, 6)
        what = "request received by the body" if trigger != request.date else "advice requested"
        out.append(deadline("advice", trigger=trigger, due=due, calendar=calendar,
                            subject=subject, completed_on=completed, ended_on=ended,
                            known_from=request.date,
                            basis=plus(what, trigger, "6 weeks", due) + " (reg 8(1))"))
    return out


@needs("advice-requested")
def advice_chase(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """Local milestone: advice still unanswered some weeks (default 5) after it was requested."""
    out = []
    weeks = settings.advice_chase_weeks
    for request, subject, answered, ends in advice_requests(case):
        completed, ended = settle(answered, ends)
        due = weeks_after(request.date, weeks)
        out.append(deadline("advice-chase", trigger=request.date, due=due,
                            calendar=calendar, subject=subject, completed_on=completed,
                            ended_on=ended,
                            basis=plus("advice requested", request.date, f"{weeks} weeks", due)
                            + " (local milestone)"))
    return out


@needs("consultation-sent")
def school_consultation(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """An institution's reply within 15 days of being consulted: CFA s.39-40, CoP 9.80-9.83."""
    out = []
    for sent in case.of_kind("consultation-sent"):
        institution = sent.get("institution")
        reply = first_date(case, "consultation-reply", on_or_after=sent.date, institution=institution)
        completed, ended = settle(reply, _advice_ends_on(case, sent.date))
        due = days_after(sent.date, 15)
        out.append(deadline("school-consultation", trigger=sent.date, due=due,
                            calendar=calendar, subject=institution, completed_on=completed,
                            ended_on=ended,
                            basis=plus("consultation sent", sent.date, "15 days", due)
                            + " (CoP 9.80-9.83, guidance)"))
    return out


def draft_by_week_14(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """Local milestone: no draft at week 14 leaves no room for the 15-day window before week 20."""
    completed, ended = settle(
        first_date(case, "draft", "no-plan"), earliest(refused_on(case), withdrawn_on(case))
    )
    return [
        deadline("draft-by-week-14", trigger=case.received,
                 due=(due := weeks_after(case.received, settings.draft_by_weeks)), calendar=calendar,
                 completed_on=completed, ended_on=ended,
                 basis=plus("request received", case.received, f"{settings.draft_by_weeks} weeks", due)
                 + " (local milestone: the 15-day window and consultation still fit in 20 weeks)")
    ]


def contact(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """Local milestone: contact with the family at least every 6 weeks while the assessment is open."""
    closed = earliest(plan_issued_on(case), assessment_ends_on(case))
    contacts = sorted({e.date for e in case.of_kind("contact") if e.date > case.received})
    out, trigger = [], case.received
    weeks = f"{settings.contact_weeks} weeks"
    for next_contact in [*contacts, None]:
        if closed is not None and trigger >= closed:
            break
        completed, ended = settle(next_contact, closed)
        due = weeks_after(trigger, settings.contact_weeks)
        what = "request received" if trigger == case.received else "last contact"
        out.append(deadline("contact", trigger=trigger, due=due, calendar=calendar,
                            completed_on=completed, ended_on=ended,
                            basis=plus(what, trigger, weeks, due) + " (local milestone)"))
        if next_contact is None:
            break
        trigger = next_contact
    return out
