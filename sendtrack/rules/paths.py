"""When a case's paths end and which events complete what: shared by every rule module."""

from __future__ import annotations

from datetime import date

from sendtrack.domain import Case, Event


def first_date(case: Case, *kinds: str, on_or_after: date | None = None,
               **match: str | None) -> date | None:
    """The date of the first event of `kinds` on or after a day whose details match `match` (None
    matches an event without that detail)."""
    if not match:
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


def refused_on(case: Case) -> date | None:
    event = decision(case)
    return event.date if event is not None and event.get("outcome") == "refuse" else None


def withdrawn_on(case: Case) -> date | None:
    return first_date(case, "withdrawn")


def plan_issued_on(case: Case) -> date | None:
    return first_date(case, "final")


def ceased_on(case: Case) -> date | None:
    return first_date(case, "cease")


def assessment_ends_on(case: Case) -> date | None:
    """The day the assessment stopped without a plan: refused, withdrawn or a no-plan notice."""
    return earliest(refused_on(case), withdrawn_on(case), first_date(case, "no-plan"))


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
    found = [(day, how) for how, day in zip(CLOSINGS, (refused_on(case), withdrawn_on(case),
                                                       first_date(case, "no-plan"), ceased_on(case)),
                                             strict=True) if day is not None]
    if not found:
        return None
    day, how = min(found)
    return how, day
def is_open(case: Case) -> bool:
    """Whether the case is still running: its request not voided, the assessment not ended without a
    plan (refused, withdrawn, no-plan notice) and no plan ceased. A second request for the same child
    is refused while one is open (cli-contract, "Correcting and finding cases")."""
    return not case.void and assessment_ends_on(case) is None and ceased_on(case) is None
