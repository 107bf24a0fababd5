"""Retention and erasure (UK GDPR): the closed cases past their retention period, and erasing a case's
personal values behind a tombstone, itself an audited event that keeps the audit chain verifiable.

README "Retention and erasure" says what is erased, what is kept and why; the choices are there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from sendtrack.app.context import Context, materialising
from sendtrack.app.record import Change, _materialise, now
from sendtrack.domain import Case
from sendtrack.errors import RefusedError
from sendtrack.kinds import clean_text
from sendtrack.rules.counting import add_months
from sendtrack.rules.engine import compute, judge
from sendtrack.rules.paths import closure
from sendtrack.storage import audit
from sendtrack.storage import cases as store
from sendtrack.storage import privacy as stored
from sendtrack.storage.db import Database

ERASED_NAME = stored.ERASED_NAME
#: The event kind an erasure writes (the audit chain's ERASE_KINDS).
ERASE = "erase"
assert ERASE in audit.ERASE_KINDS


def erased_dob(dob: date) -> date:
    """The date of birth an erasure leaves: 1 September of the school year the child was born in. The
    year group, and with it the default phase and post-16 transfers and the Year 9 team split, stay
    exactly as they were (rules/transfers.reception_year reads only the school year of birth); the day
    and month are gone."""
    return date(dob.year if dob.month >= 9 else dob.year - 1, 9, 1)


#: The events rules.paths.closure reads (and the voids that can cancel them).
CLOSING_KINDS = ("decision", "withdrawn", "no-plan", "cease", "void")


def retain_until(dob: date, years: int) -> date:
    """The day the retention period of a child born on `dob` ends: the birthday `years` on (a 29
    February birthday on 28 February in a common year, as every age in sendtrack is counted)."""
    return add_months(dob, 12 * years)


# --- retention ----------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Expired:
    """A closed case past its retention period on the day asked about."""

    ref: str
    name: str
    team: str
    coordinator: str | None
    dob: date
    closed: str  # one of rules.paths.CLOSINGS
    closed_on: date
    retain_until: date


def past_retention(db: Database, *, day: date, years: int, team: str | None = None,
                   coordinator: str | None = None) -> list[Expired]:
    """Closed cases (rules.paths.closure, counting events dated on or before `day`) whose retention
    period (date of birth + `years`) ended on or before `day`; erased cases are not listed. By
    reference."""
    # every child whose `years`th birthday is on or before `day` was born on or before this day
    latest = date(day.year - years, 12, 31)
    out = []
    with db.read():
        candidates = [c for c in stored.born_by(db, min(latest, day), team=team, coordinator=coordinator)
                      if retain_until(c.dob, years) <= day]
        events = stored.events_of(db, [c.id for c in candidates], CLOSING_KINDS)
        for case_row in candidates:
            until = retain_until(case_row.dob, years)
            case = store.to_case(case_row, events.get(case_row.id, []))
            closed = closure(_as_on(case, day))
            if closed is None:
                continue
            out.append(Expired(case_row.ref, case_row.name, case_row.team, case_row.coordinator,
                               case_row.dob, closed[0], closed[1], until))
    return out


def _as_on(case: Case, day: date) -> Case:
    return replace(case, events=tuple(e for e in case.events if e.date <= day))


# --- erasure ------------------------------------------------------------------------------------------

def erase(db: Database, *, ref: str, reason: str, by: str, today: date, context: Context,
          force: bool = False) -> Change:
    """Replace the case's name and date of birth with the tombstone (ERASED_NAME, `erased_dob`), and
    record it as an `erase` event (who, when, why) whose details commit the audit chain to the
    request's hash over the values as erased (storage/audit.verify). Refused: an unknown case, a case
    erased already, an open case unless `force`, a reason that is empty, unsafe text or holds the
    child's name or date of birth, and a case whose audit chain is already broken."""
    reason = clean_text(reason, "reason")
    with materialising(db, context):
        case_row = store.find_case(db, ref)
        rows = store.event_rows(db, case_row.id)
        done = next((r for r in rows if r.kind in audit.ERASE_KINDS), None)
        if done is not None:
            raise RefusedError(f"{ref} was erased already (event {done.id})")
        _refuse_personal(reason, case_row)
        case = store.to_case(case_row, rows)
        if closure(_as_on(case, today)) is None and not force:
            raise RefusedError(f"{ref} is open (not refused, withdrawn, no-plan or ceased): erase it "
                               "only once it is closed, or give --force")
        broken = audit.find_breaks(db, case_row.id, case_row.id)
        if broken:
            raise RefusedError(f"{ref}: the case's audit chain is broken ({broken[0].message()}): "
                               "restore the last backup before erasing")
        before = judge(compute(case, context.calendar, context.settings), today)
        stored.tombstone(db, case_row.id, name=ERASED_NAME, dob=erased_dob(case_row.dob))
        # the request's hash over the identity as the tombstone leaves it, read back as `check` reads it
        chain = stored.chain_rows(db, case_row.id)
        at = next(i for i, row in enumerate(chain) if row[1] in audit.IDENTITY_KINDS)
        commitment = audit.erase_commitment(chain[at - 1][-1] if at else audit.GENESIS, case_row.id,
                                            chain[at][:-1], stored.identity(db, case_row.id))
        event_id = store.insert_event(db, case_id=case_row.id, kind=ERASE, when=today,
                                      details={"reason": reason, "request": commitment}, recorded_by=by,
                                      now=now())
        after = _materialise(db, store.find_case(db, ref), context=context, today=today)
    return Change(ref, event_id, before, after)


def _refuse_personal(reason: str, case: store.StoredCase) -> None:
    """The reason is kept in the record for good: refuse one that holds the child's name (or any part
    of it of three letters or more) or date of birth. Says which, never the value."""
    folded = reason.casefold()
    words = set(re.findall(r"\w+", folded))
    parts = [p for p in re.findall(r"\w+", case.name.casefold()) if len(p) >= 3]
    if case.name.casefold() in folded or any(p in words for p in parts):
        raise RefusedError("the reason holds the child's name: say why without personal data")
    dob = case.dob
    forms = {dob.isoformat(), f"{dob.day}/{dob.month}/{dob.year}",
             *(f"{dob.day:02d}{sep}{dob.month:02d}{sep}{dob.year}" for sep in "/.-")}
    if any(form in reason for form in forms):
        raise RefusedError("the reason holds the child's date of birth: say why without personal data")
