"""When a case's paths end and which events complete what: shared by every rule module."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import TypeVar

from sendtrack.domain import Case, Event
from sendtrack.rules.counting import months_after

T = TypeVar("T")
R = TypeVar("R", bound=Callable)


def per_case(question: Callable[[Case], T]) -> Callable[[Case], T]:
    """`question`'s answer worked out once per case value: the rules ask when the plan ends, when the
    assessment ended... a dozen times for each case they compute (a case is immutable, so the answer
    cannot change; the answers kept must be immutable too: dates, events, None)."""
    name = question.__name__

    @wraps(question)
    def asked(case: Case) -> T:
        memo = case._memo
        try:
            return memo[name]  # type: ignore[return-value]  # stored by this function, a T
        except KeyError:
            answer = memo[name] = question(case)
            return answer

    return asked


def needs(*kinds: str) -> Callable[[R], R]:
    """Marks a rule that makes no deadline for a case without an event of one of `kinds` (each rule
    so marked starts from such events): the engine does not run it for such a case, as most cases have
    no move, mediation, appeal or Tribunal order (tests/rules/test_rules_memo.py checks every mark on
    sampled cases with those events taken out)."""
    def mark(rule: R) -> R:
        rule.needs = frozenset(kinds)  # type: ignore[attr-defined]  # read by engine.compute
        return rule
    return mark


def first_date(case: Case, *kinds: str, on_or_after: date | None = None,
               **match: str | None) -> date | None:
    """The date of the first event of `kinds` on or after a day whose details match `match` (None
    matches an event without that detail)."""
    if not match:
        if on_or_after is None and len(kinds) == 1:  # the question most asked: the first X
            positioned = case.positioned(kinds[0])
            return positioned[0][1].date if positioned else None
        found = case.first(*kinds, on_or_after=on_or_after)
        return found.date if found is not None else None
    best: tuple[int, Event] | None = None
    for kind in kinds:
        for position, event in case.positioned(kind):
            if on_or_after is not None and event.date < on_or_after:
                continue
            if all(_same(event.get(key), value) for key, value in match.items()):
                if best is None or position < best[0]:
                    best = (position, event)
                break
    return best[1].date if best is not None else None


def _same(a: str | None, b: str | None) -> bool:
    return (a or "").strip().casefold() == (b or "").strip().casefold()


def earliest(*days: date | None) -> date | None:
    known = [d for d in days if d is not None]
    return min(known) if known else None


def decision(case: Case) -> Event | None:
    return case.first("decision")


@per_case
def refused_on(case: Case) -> date | None:
    event = decision(case)
    return event.date if event is not None and event.get("outcome") == "refuse" else None


@per_case
def withdrawn_on(case: Case) -> date | None:
    return first_date(case, "withdrawn")


@per_case
def plan_issued_on(case: Case) -> date | None:
    return first_date(case, "final")


@per_case
def live_cease(case: Case) -> Event | None:
    """The latest decision to cease that a Tribunal order to continue has not cancelled (spec 4.3)."""
    ceases = case.of_kind("cease")
    if not ceases:
        return None
    latest = ceases[-1]
    continued = any(o.get("order") == "continue" and o.date >= latest.date
                    for o in case.of_kind("tribunal-order"))
    return None if continued else latest


@per_case
def ceased_on(case: Case) -> date | None:
    """The day a decision to cease still standing was notified (not the day the plan ends)."""
    event = live_cease(case)
    return event.date if event is not None else None


#: Appealable decisions (spec 4.3 `appeal-deadline`) as (event kind, its outcome or None, the
#: `appeal --against` value that names it).
APPEALABLE = (
    ("decision", "refuse", "refuse-assess"),
    ("no-plan", None, "no-plan"),
    ("final", None, "plan-contents"),
    ("amended-plan", None, "plan-contents"),
    ("no-amendment", None, "no-amend"),
    ("cease", None, "cease"),
    ("reassessment-decision", "refuse", "refuse-reassess"),
)


#: APPEALABLE by event kind (each kind appears once): (its outcome or None, what the appeal is called)
_APPEALABLE_KINDS = {kind: (outcome, against) for kind, outcome, against in APPEALABLE}


@per_case
def appealable(case: Case) -> tuple[tuple[Event, str], ...]:
    """Every appealable decision with what an appeal against it is called, in date order (then id: the
    order is the sort's alone, so the events are read once, as they come)."""
    found = []
    for e in case.events:
        appeal = _APPEALABLE_KINDS.get(e.kind)
        if appeal is not None and (appeal[0] is None or e.get("outcome") == appeal[0]):
            found.append((e, appeal[1]))
    return tuple(sorted(found, key=lambda pair: (pair[0].date, pair[0].id)))


def appeal_window(case: Case, decision: Event) -> list[tuple[date, date]]:
    """The appeal window's last day as it stood from each day: [(known from, last day), ...].

    The later of decision + 2 months (C4) and certificate + 1 month (C4), for a mediation certificate
    whose latest appealable decision on or before it is this one (spec 4.3). A certificate dated after
    the window had already closed does not reopen it (README: choices written down)."""
    decisions = appealable(case)
    end = months_after(decision.date, 2)
    out = [(decision.date, end)]
    for certificate in case.of_kind("mediation-certificate"):
        latest = max((e for e, _ in decisions if e.date <= certificate.date),
                     key=lambda e: (e.date, e.id), default=None)
        if latest is None or latest.id != decision.id or certificate.date > end:
            continue
        extended = months_after(certificate.date, 1)
        if extended > end:
            end = extended
            out.append((certificate.date, end))
    return out


#: The due date of a cease-effective whose appeal is still to be decided (spec 4.3: "null"): later
#: than any day sendtrack counts in, shown as null.
PENDING = date(9999, 12, 31)


def cease_effective(case: Case, cease: Event | None = None) -> list[tuple[date, date, date | None, str]]:
    """The day a live cease may take effect, as it stood from each day:
    [(known from, due, ended, why), ...], `why` one of window | extended | appealed | dismissed.

    Due is the appeal window's last day; after an `appeal --against cease` made inside it, PENDING until
    a `tribunal-order --order cease` (dismissed: due that day) or `--order continue` (ended that day)."""
    if cease is None:
        ceases = case.of_kind("cease")
        if not ceases:
            return []
        cease = ceases[-1]
    windows = [(known, due, None, "window" if index == 0 else "extended")
               for index, (known, due) in enumerate(appeal_window(case, cease))]
    last = windows[-1][1]
    appeal = next((a for a in case.of_kind("appeal") if a.get("against") == "cease"
                   and cease.date <= a.date <= last), None)
    orders = [o for o in case.of_kind("tribunal-order") if o.date >= cease.date
              and o.get("order") in {"cease", "continue"}]
    if appeal is None:
        cont = next((o for o in orders if o.get("order") == "continue" and o.date <= last), None)
        return [(known, due, cont.date if cont else None, why) for known, due, _, why in windows]
    out: list[tuple[date, date, date | None, str]] = [w for w in windows if w[0] < appeal.date]
    order = next((o for o in orders if o.date >= appeal.date), None)
    if order is None:
        return [*out, (appeal.date, PENDING, None, "appealed")]
    if order.get("order") == "cease":
        return [*out, (appeal.date, PENDING, None, "appealed"), (order.date, order.date, None, "dismissed")]
    return [*out, (appeal.date, PENDING, order.date, "appealed")]


@per_case
def transferred_out_on(case: Case) -> date | None:
    return first_date(case, "transferred-out")


@per_case
def plan_ends_on(case: Case) -> date | None:
    """The first day the plan is no longer this LA's to maintain (spec 8.6, 4.3): the day after
    `cease-effective` (a cease not cancelled, its appeal window passed or its appeal dismissed), or the
    day the plan was sent to a new LA (`transferred-out`)."""
    return earliest(plan_ceases_on(case), transferred_out_on(case))


@per_case
def plan_ceases_on(case: Case) -> date | None:
    """As `plan_ends_on`, for the family's windows: only a cease ends them, not a move out."""
    stages = cease_effective(case)
    if stages:
        _, due, cancelled, _ = stages[-1]
        if cancelled is None and due != PENDING:
            return due + timedelta(days=1)
    return None


@per_case
def assessment_ends_on(case: Case) -> date | None:
    """The day the assessment stopped without a plan: refused, withdrawn or a no-plan notice. This is
    the end of the path the request started (its 16 and 20 weeks); a Tribunal order may open another
    (`assessment_spans`)."""
    return earliest(refused_on(case), withdrawn_on(case), first_date(case, "no-plan"))


#: Tribunal orders that stand where the LA's own decision would have been (spec 4.3 `order-*`; README
#: "Where we read the spec"): an order to assess is the decision to assess a refused request, an order
#: to make and maintain a plan the decision to issue one after a notice of no plan.
BASIS_ORDERS = frozenset({"assess", "make-plan"})


def basis_orders(case: Case) -> list[Event]:
    """The Tribunal orders to assess or to make a plan (reg 44(2)(a)-(e)), in date order."""
    return [o for o in case.of_kind("tribunal-order") if o.get("order") in BASIS_ORDERS]


@per_case
def assessment_spans(case: Case) -> tuple[tuple[date, date | None], ...]:
    """The periods the assessment path was open: [(from, ended or None), ...].

    The first runs from the request to its end (`assessment_ends_on`); an order to assess or to make a
    plan recorded after that end (in the case's order of events: by date, then as recorded) opens the
    path again from the order's date, until a withdrawal or a notice of no plan recorded after the
    order, which a later order may reopen in turn."""
    first_end = assessment_ends_on(case)
    spans: list[tuple[date, date | None]] = [(case.received, first_end)]
    if first_end is None:
        return tuple(spans)
    position = {e.id: index for index, e in enumerate(case.events)}
    endings = [e for e in case.events
               if e.kind in {"withdrawn", "no-plan"}
               or (e.kind == "decision" and e.get("outcome") == "refuse")]
    ended_at = min(position[e.id] for e in endings if e.date == first_end)
    for order in basis_orders(case):
        at = position[order.id]
        if at < ended_at:
            continue  # an order before the path ended opens nothing
        again = next((e for e in endings if position[e.id] > at and e.kind != "decision"), None)
        spans.append((order.date, again.date if again is not None else None))
        if again is None:
            return tuple(spans)
        ended_at = position[again.id]
    return tuple(spans)


def assessment_ended_for(case: Case, trigger: date) -> date | None:
    """When the assessment path that a step dated `trigger` belongs to ended (None while open): a step
    taken under a Tribunal order belongs to the path the order reopened, one before it to the first."""
    ended: date | None = None
    for start, end in assessment_spans(case):
        if start <= trigger:
            ended = end
    return ended


def path_ends_on(case: Case) -> date | None:
    """The day the assessment path finally ended without a plan (None while it is open, or once a
    Tribunal order has reopened it and nothing ended it again)."""
    return assessment_spans(case)[-1][1]


def reopened_on(case: Case) -> date | None:
    """The day the last Tribunal order reopened an ended assessment path, or None."""
    spans = assessment_spans(case)
    return spans[-1][0] if len(spans) > 1 else None


def settle(completed: date | None, ended: date | None) -> tuple[date | None, date | None]:
    """Whichever came first wins: a completion after the path ended does not complete it (spec 8.6)."""
    if completed is not None and ended is not None:
        if completed <= ended:
            return completed, None
        return None, ended
    return completed, ended


#: How a case closes, in the words `retention` and `erase` use: the request refused, withdrawn, a notice
#: that no plan will be issued, or the plan ceased (README "Retention and erasure").
CLOSINGS = ("refused", "withdrawn", "no-plan", "ceased")


def closure(case: Case) -> tuple[str, date] | None:
    """How and when the case closed (the first of CLOSINGS to happen, by date), or None while it is
    open. A refused, withdrawn or no-plan request ends the assessment with no plan; a plan ends when it
    ceases (CFA s.45); a plan's review decision to cease is not the end until the cease itself."""
    reopened = reopened_on(case)
    ends: tuple[date | None, ...]
    if reopened is None:
        ends = (refused_on(case), withdrawn_on(case), first_date(case, "no-plan"))
    else:
        # a Tribunal order reopened the path (spec 4.3): only what ended it again closes the case
        again = path_ends_on(case)
        ends = (None, *(again if again is not None and first_date(case, kind, on_or_after=reopened) == again
                        else None for kind in ("withdrawn", "no-plan")))
    found = [(day, how) for how, day in zip(CLOSINGS, (*ends, ceased_on(case)), strict=True)
             if day is not None]
    if not found:
        return None
    day, how = min(found)
    return how, day
def is_open(case: Case) -> bool:
    """Whether the case is still running: its request not voided, the assessment not ended without a
    plan (refused, withdrawn, no-plan notice, unless a Tribunal order reopened it) and no plan ceased.
    A second request for the same child is refused while one is open (cli-contract, "Correcting and
    finding cases")."""
    return not case.void and path_ends_on(case) is None and ceased_on(case) is None
