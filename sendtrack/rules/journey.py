"""The rest of the statutory journey (spec "4.3 in detail"): re-assessment, moves between authorities,
mediation, appeal windows, Tribunal orders and the day a ceased plan may end."""

from __future__ import annotations

from datetime import date, timedelta

from sendtrack.calendar import Calendar
from sendtrack.domain import Case, Deadline, Event, Settings
from sendtrack.rules.catalogue import RULES, deadline
from sendtrack.rules.counting import days_after, months_after, weeks_after
from sendtrack.rules.paths import (
    APPEALABLE,
    appeal_window,
    appealable,
    cease_effective,
    earliest,
    needs,
    plan_ends_on,
    settle,
)
from sendtrack.rules.words import day, plus


def _first_on_or_after(case: Case, kind: str, start: date) -> date | None:
    return min((e.date for e in case.of_kind(kind) if e.date >= start), default=None)


# --- re-assessment (regs 24-27) -------------------------------------------------------------------------

@needs("reassessment-request")
def reassessment_decision(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """Decide whether to re-assess within 15 days of the request: reg 25(1)."""
    ended = plan_ends_on(case)
    out = []
    for request in case.of_kind("reassessment-request"):
        due = days_after(request.date, 15)
        completed, gone = settle(_first_on_or_after(case, "reassessment-decision", request.date), ended)
        out.append(deadline("reassessment-decision", trigger=request.date, due=due, calendar=calendar,
                            completed_on=completed, ended_on=gone,
                            basis=plus("re-assessment requested", request.date, "15 days", due)
                            + " (reg 25(1))"))
    return out


@needs("reassessment-decision")
def reassessment_final(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """The plan finalised (or amended) within 14 weeks of a decision to re-assess: reg 27(2)-(3)."""
    ended = plan_ends_on(case)
    out = []
    for decision in case.of_kind("reassessment-decision"):
        if decision.get("outcome") != "assess":
            continue
        due = weeks_after(decision.date, 14)
        done = min((d for d in (_first_on_or_after(case, "final", decision.date),
                                _first_on_or_after(case, "amended-plan", decision.date)) if d), default=None)
        completed, gone = settle(done, ended)
        out.append(deadline("reassessment-final", trigger=decision.date, due=due, calendar=calendar,
                            completed_on=completed, ended_on=gone,
                            basis=plus("decision to re-assess", decision.date, "14 weeks", due)
                            + " (reg 27(2))"))
    return out


# --- moves between authorities (reg 15) ------------------------------------------------------------------

@needs("move-out")
def transfer_out(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """The old LA sends the plan to the new one on the day of the move, or within 15 working days of
    becoming aware when it learnt too late: reg 15(2)."""
    out = []
    for notice in case.of_kind("move-out"):
        moving = notice.get_date("on") or notice.date
        fifteenth = calendar.working_day(notice.date, 15)
        if fifteenth < moving:
            due = moving
            basis = (f"aware {day(notice.date)}: the 15th working day beginning with it ({day(fifteenth)}) "
                     f"is before the move on {day(moving)}, so the plan goes by the move (reg 15(2))")
        else:
            due = fifteenth
            basis = (f"aware {day(notice.date)}: the 15th working day beginning with it is {day(due)}, not "
                     f"before the move on {day(moving)}, so that day applies (C5; reg 15(2))")
        done = _first_on_or_after(case, "transferred-out", notice.date)
        out.append(deadline("transfer-out", trigger=notice.date, due=due, calendar=calendar,
                            subject=notice.get("to_la"), completed_on=done, basis=basis))
    return out


@needs("transfer-in")
def transfer_in_notice(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """The new LA tells the family within 6 weeks whether it will re-assess or review: reg 15(4)."""
    ended = plan_ends_on(case)
    out = []
    for moved in case.of_kind("transfer-in"):
        due = weeks_after(moved.date, 6)
        completed, gone = settle(_first_on_or_after(case, "transfer-in-notice", moved.date), ended)
        out.append(deadline("transfer-in-notice", trigger=moved.date, due=due, calendar=calendar,
                            subject=moved.get("from_la"), completed_on=completed, ended_on=gone,
                            basis=plus("transferred in", moved.date, "6 weeks", due) + " (reg 15(4))"))
    return out


# --- mediation and appeals (regs 33-39; Tribunal rules r.20) ---------------------------------------------

#: Each appealable decision (paths.APPEALABLE) as the window's basis names it: "refusal to assess 10 Oct
#: 2022 + 2 months", not "decision (decision)".
APPEALED_WORDS = {
    "decision": "refusal to assess",
    "no-plan": "notice of no plan",
    "final": "final plan",
    "amended-plan": "amended plan",
    "no-amendment": "decision not to amend",
    "cease": "decision to cease",
    "reassessment-decision": "refusal to reassess",
}


@needs(*(kind for kind, _, _ in APPEALABLE))
def appeal_deadline(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """The family's window to appeal a decision: the later of decision + 2 months and mediation
    certificate + 1 month (Tribunal rules r.20(1)(c); reg 33). A window, never a breach."""
    out = []
    for decision, against in appealable(case):
        stages = appeal_window(case, decision)
        for index, (known, due) in enumerate(stages):
            until = stages[index + 1][0] if index + 1 < len(stages) else None
            two = months_after(decision.date, 2)
            basis = plus(APPEALED_WORDS[decision.kind], decision.date, "2 months", two)
            if index:
                basis += f", but the mediation certificate of {day(known)} + 1 month = {day(due)} is later"
            out.append(deadline("appeal-deadline", trigger=decision.date, due=due, calendar=calendar,
                                subject=against, known_from=known, known_until=until,
                                basis=basis + " (C4; Tribunal rules r.20(1)(c))"))
    return out


@needs("mediation-contact")
def mediation_held(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """Mediation arranged and held within 30 days of the family saying they want it: regs 36-37. A
    certificate that it could not be arranged completes it too."""
    out = []
    for contact in case.of_kind("mediation-contact"):
        if contact.get("wants") != "yes":
            continue
        due = days_after(contact.date, 30)
        not_arranged = min((e.date for e in case.of_kind("mediation-certificate")
                            if e.date >= contact.date and e.flag("not_arranged")), default=None)
        done = earliest(_first_on_or_after(case, "mediation-held", contact.date), not_arranged)
        out.append(deadline("mediation-held", trigger=contact.date, due=due, calendar=calendar,
                            completed_on=done,
                            basis=plus("mediation wanted", contact.date, "30 days", due) + " (reg 37)"))
    return out


@needs("mediation-contact", "mediation-held")
def mediation_certificate(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """The certificate within 3 working days beginning with the day after the family said no, or after
    the mediation: regs 34, 39 (C5)."""
    triggers: list[tuple[Event, str]] = [
        (e, "mediation not wanted") for e in case.of_kind("mediation-contact") if e.get("wants") == "no"]
    triggers += [(e, "mediation held") for e in case.of_kind("mediation-held")]
    out = []
    for event, what in sorted(triggers, key=lambda pair: (pair[0].date, pair[0].id)):
        first = event.date + timedelta(days=1)
        due = calendar.working_day(first, 3)
        done = _first_on_or_after(case, "mediation-certificate", event.date)
        out.append(deadline("mediation-certificate", trigger=event.date, due=due, calendar=calendar,
                            completed_on=done,
                            basis=f"{what} {day(event.date)}: the 3rd working day beginning with the day "
                                  f"after is {day(due)} (C5; regs 34, 39)"))
    return out


# --- Tribunal orders (regs 44-45) ------------------------------------------------------------------------

#: order -> [(rule, weeks, steps that complete it)], reg 44(2)(a)-(g)
ORDER_RULES: dict[str, tuple[tuple[str, int, frozenset[str]], ...]] = {
    "assess": (("order-notify", 2, frozenset({"notify"})),
               ("order-no-plan", 10, frozenset({"no-plan", "final"})),
               ("order-final", 14, frozenset({"final", "no-plan"}))),
    "reassess": (("order-notify", 2, frozenset({"notify"})),
                 ("order-no-plan", 10, frozenset({"no-plan", "final"})),
                 ("order-final", 14, frozenset({"final", "no-plan"}))),
    "make-plan": (("order-draft", 5, frozenset({"draft"})),
                  ("order-final", 11, frozenset({"final"}))),
    "amend": (("order-amended", 5, frozenset({"amended"})),),
    "school-only": (("order-school", 2, frozenset({"amended"})),),
}


#: The events that are a step's act itself (README "Where we read the spec"): the plan issued under an
#: order is recorded as `final` (an EHC plan like any other, spec 4.3), so it completes the order's
#: final step as `order-complied --step final` does; likewise a draft, a notice of no plan and an
#: amended plan. After an order to re-assess the plan already exists, so its new version is an amended
#: plan (as for `reassessment-final`).
STEP_EVENTS: dict[str, tuple[str, ...]] = {
    "draft": ("draft",), "final": ("final",), "no-plan": ("no-plan",), "amended": ("amended-plan",)}
REASSESS_STEP_EVENTS = {**STEP_EVENTS, "final": ("final", "amended-plan")}


def _step_done(case: Case, order: Event, steps: frozenset[str]) -> date | None:
    """The first day on or after the order that one of `steps` was done: recorded as `order-complied`
    or as the event that is the step itself."""
    events = REASSESS_STEP_EVENTS if order.get("order") == "reassess" else STEP_EVENTS
    kinds = {kind for step in steps for kind in events.get(step, ())}
    days = [e.date for e in case.of_kind("order-complied") if e.date >= order.date and e.get("step") in steps]
    days += [e.date for e in case.of_kind(*kinds) if e.date >= order.date] if kinds else []
    return min(days, default=None)


@needs("tribunal-order")
def tribunal_orders(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """Each step of a Tribunal order within its weeks of the order (reg 44(2)), or of the day the LA
    told the Tribunal it would not oppose the appeal (`--unopposed`, reg 45)."""
    out = []
    for order in case.of_kind("tribunal-order"):
        what = "LA did not oppose (reg 45)" if order.flag("unopposed") else "Tribunal order"
        for rule, weeks, steps in ORDER_RULES.get(order.get("order") or "", ()):
            due = weeks_after(order.date, weeks)
            done = _step_done(case, order, steps)
            out.append(deadline(rule, trigger=order.date, due=due, calendar=calendar,
                                subject=order.get("order"), completed_on=done,
                                basis=plus(f"{what} ({order.get('order')})", order.date,
                                           f"{weeks} weeks", due) + f" ({RULES[rule].source})"))
    return out


# --- ceasing a plan (CFA s.45; reg 31) -------------------------------------------------------------------

@needs("cease")
def cease_effective_rule(case: Case, calendar: Calendar, settings: Settings) -> list[Deadline]:
    """The day a plan the LA decided to cease may end: not before the family's appeal window passes, or
    after an appeal against the cease, not before the Tribunal dismisses it (CFA s.45; reg 31). Shown
    as a date: `open` until it passes, `met` after; a Tribunal order to continue ends it."""
    out = []
    for cease in case.of_kind("cease"):
        out += _cease_effective(case, cease, calendar)
    return out


def _cease_effective(case: Case, cease: Event, calendar: Calendar) -> list[Deadline]:
    stages = cease_effective(case, cease)
    out = []
    for index, (known, due, ended, why) in enumerate(stages):
        until = stages[index + 1][0] if index + 1 < len(stages) else None
        if why == "appealed":
            basis = f"cease {day(cease.date)} appealed {day(known)}: the plan is maintained until the " \
                    "Tribunal decides (CFA s.45; reg 31)"
        elif why == "dismissed":
            basis = f"cease {day(cease.date)}: appeal dismissed by the Tribunal on {day(due)} (reg 31)"
        elif why == "extended":
            basis = f"cease {day(cease.date)}: the family's appeal window, extended by the mediation " \
                    f"certificate of {day(known)}, ends {day(due)}; the plan may end the next day (CFA s.45)"
        else:
            basis = f"cease {day(cease.date)} + 2 months: the family's appeal window ends {day(due)}; the " \
                    "plan may end the next day (C4; CFA s.45)"
        if ended is not None:
            basis += f"; the Tribunal ordered the plan to continue on {day(ended)}"
        out.append(deadline("cease-effective", trigger=cease.date, due=due, calendar=calendar,
                            ended_on=ended, known_from=known, known_until=until, basis=basis))
    return out
