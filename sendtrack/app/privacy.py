"""Retention and erasure (UK GDPR): the closed cases past their retention period, and erasing a case's
personal values behind a tombstone, itself an audited event that keeps the audit chain verifiable.

README "Retention and erasure" says what is erased, what is kept and why; the choices are there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date

from sendtrack.app.context import Context, materialising
from sendtrack.app.record import Change, _materialise, ever_held, now, refuse_personal
from sendtrack.codes import RETURN_FIELDS
from sendtrack.domain import Case, Status
from sendtrack.errors import RefusedError
from sendtrack.kinds import clean_text
from sendtrack.rules.counting import add_months
from sendtrack.rules.engine import compute, judge
from sendtrack.rules.paths import closure
from sendtrack.storage import audit, checked
from sendtrack.storage import cases as store
from sendtrack.storage import privacy as stored
from sendtrack.storage.db import Database
from sendtrack.storage.returns import case_return_values, clear_case_values

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


#: The statuses of a deadline still to be met: an open case holding one is not erased, even with
#: --force (its deadlines would stay live for good: overdue, in every report, in digest's exit code).
OUTSTANDING = (Status.OPEN, Status.OVERDUE)

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
    """Replace the case's name and date of birth with the tombstone (ERASED_NAME, `erased_dob`) and
    clear its UPN, ULN and postcode (ERASED_RETURNS), in the
    case row and in every `edit` event's `changes` (TOMBSTONES; the one rewrite of events, with the
    update trigger lifted for it), and record it as an `erase` event (who, when, why) whose details
    commit the audit chain to the request's and each rewritten edit's hash as they read after it
    (storage/audit.verify); then clear SQLite's write-ahead log. Refused: an unknown case, a case
    erased already, an open case unless `force`, and even then one with an outstanding deadline (OUTSTANDING;
    README "Retention and erasure"), a reason that is empty, unsafe text or holds the
    child's name or date of birth, and a case whose audit chain is already broken."""
    reason = clean_text(reason, "reason")
    with materialising(db, context):
        case_row = store.find_case(db, ref)
        rows = store.event_rows(db, case_row.id)
        done = next((r for r in rows if r.kind in audit.ERASE_KINDS), None)
        if done is not None:
            raise RefusedError(f"{ref} was erased already (event {done.id})")
        held, _ = case_return_values(db, case_row.id)
        children, identifiers = ever_held(case_row, rows, held)
        refuse_personal(reason, children, identifiers=identifiers)
        case = store.to_case(case_row, rows)
        still_open = closure(_as_on(case, today)) is None
        if still_open and not force:
            if case.void:  # README "Retention and erasure": a voided request is erased with --force
                raise RefusedError(f"{ref}'s request is voided, which leaves nothing owed but is not one of "
                                   "the closings (refused, withdrawn, no-plan or ceased): give --force to "
                                   "erase it")
            raise RefusedError(f"{ref} is open (not refused, withdrawn, no-plan or ceased): erase it "
                               "only once it is closed, or give --force")
        broken = audit.find_breaks(db, case_row.id, case_row.id)
        if broken:
            raise RefusedError(f"{ref}: the case's audit chain is broken ({broken[0].message()}): "
                               "restore the last backup before erasing")
        before = judge(compute(case, context.calendar, context.settings), today)
        if still_open and any(j.status in OUTSTANDING for j in before):
            raise RefusedError(f"{ref} has outstanding statutory deadlines (open or overdue), which an "
                               "erasure would leave live for good: close it first (`record withdrawn`, or "
                               "`record void` of its request if it was made for the wrong child), then "
                               "erase it")
        stored.tombstone(db, case_row.id, name=ERASED_NAME, dob=erased_dob(case_row.dob))
        clear_case_values(db, case_row.id, ERASED_RETURNS)
        checked.forget(db, case_row.id)
        stored.rewrite_details(db, {row[0]: text for row in stored.chain_rows(db, case_row.id)
                                    if row[1] == "edit" and (text := erased_edit(row[3])) is not None})
        request, edits = _commitments(db, case_row.id)
        event_id = store.insert_event(db, case_id=case_row.id, kind=ERASE, when=today,
                                      details={"reason": reason, "request": request, "edits": edits or None},
                                      recorded_by=by, now=now())
        after = _materialise(db, store.find_case(db, ref), context=context, today=today)
    stored.clear_log(db)
    return Change(ref, event_id, before, after)


#: The return fields an erasure clears (to null): those that identify a child on their own (UPN, ULN,
#: postcode: codes.ReturnField.identifying). Sex, ethnicity, needs, the UPN-unknown reason and the
#: placements stay: special-category but not identifying alone, and past returns count them (README
#: "Retention and erasure").
ERASED_RETURNS = tuple(f.key for f in RETURN_FIELDS if f.identifying)
#: The case values an erasure replaces, and with what: in the cases row and in every `edit` event's
#: `changes` (old and new alike). The other values of audit.IDENTITY are kept (README "Retention and
#: erasure" says why).
TOMBSTONES = {"name": lambda value: ERASED_NAME,
              "dob": lambda value: None if value is None else erased_dob(date.fromisoformat(str(value)[:10]))
              .isoformat(),
              **dict.fromkeys(ERASED_RETURNS, lambda value: None)}


def erased_edit(text: str | dict) -> str | None:
    """An edit's details JSON with every personal value of its `changes` replaced by its tombstone, in
    the form store.insert_event writes; None when it holds none to replace (an import's erased case
    must hold none: app/exchange, whose rows' details are dicts)."""
    details = json.loads(text) if isinstance(text, str) else text
    changes = details.get("changes") if isinstance(details, dict) else None
    if not isinstance(changes, dict):
        return None
    erased = {key: [blank(value) for value in pair]
              if (blank := TOMBSTONES.get(key)) and isinstance(pair, list) else pair
              for key, pair in changes.items()}
    return None if erased == changes else store.details_json({**details, "changes": erased})


def _commitments(db: Database, case_id: int) -> tuple[str, dict[str, str]]:
    """What the erase event records, read back as `check` reads the case after the tombstone and the
    rewrite: the request's recomputed hash, and each edit's whose recomputed hash changed (by id). Any
    other event's hash still matches: the rewrite touched only identity-bearing events."""
    chain = stored.chain_rows(db, case_id)
    request, edits = "", {}
    for row, digest in audit.digests(case_id, stored.identity_values(db, case_id), chain):
        event_id, kind, stored_hash = row[0], row[1], row[-1]
        if kind == "request" and not request:
            request = digest
        elif digest != stored_hash:
            assert kind in audit.IDENTITY_KINDS, f"event {event_id}: only identity-bearing events change"
            edits[str(event_id)] = digest
    return request, edits
