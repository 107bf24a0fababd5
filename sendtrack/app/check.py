"""`sendtrack check`: the database's integrity and consistency, as a list of problems (values, not output).

Each check is a function `(Snapshot, Context, today) -> list[Problem]`, run in turn like beancount's
validations; adding a check is adding one function to CHECKS. A problem names its case by reference,
never by the child's name.

The rules' checks of one case (`event_order`, `deadlines`: nearly all of check's time) are skipped for a
case whose fingerprint matches the one recorded when a check last found it clean (the `checked` table):
see `fingerprint` for what it covers and `_Sorter` for when it is used. Everything else (the audit
chain, SQLite's integrity check, the cross-case checks) runs on every case every time.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from operator import attrgetter

from sendtrack import kinds
from sendtrack.app.context import Context, mismatch
from sendtrack.app.privacy import ERASED_RETURNS, erased_dob
from sendtrack.domain import Case, Deadline, Event
from sendtrack.rules.checks import closure_window, order_final_without_plan, reassessment_within_six_months
from sendtrack.rules.engine import compute, refusal
from sendtrack.rules.paths import closure, transferred_out_on
from sendtrack.storage import audit, checked, meta
from sendtrack.storage import cases as store
from sendtrack.storage import privacy as stored_privacy
from sendtrack.storage.bulk import import_marker
from sendtrack.storage.columns import DEADLINE_FIELDS
from sendtrack.storage.db import Database
from sendtrack.storage.privacy import ERASED_NAME
from sendtrack.storage.returns import placements_out_of_order


@dataclass(frozen=True, slots=True)
class Problem:
    ref: str  # the case reference, or "-" for the database as a whole
    code: str
    message: str
    #: a note is something to act on that is not wrong with the data (a re-assessment the LA may refuse,
    #: a closure calendar to extend): printed, but `check` still exits 0 on notes alone
    note: bool = False

    def line(self) -> str:
        return f"{self.ref}: {'note: ' if self.note else ''}{self.code}: {self.message}"


#: An event as read: storage.audit.CHAIN_EVENTS's columns (case id first), a case's rows by date then id
EventRow = tuple
#: where an EventRow holds its event's id, kind, date, details (JSON text) and voided event
_ID, _KIND, _DATE, _DETAILS, _VOIDS = 1, 2, 3, 4, 5


@lru_cache(maxsize=1 << 16)
def _details(text: str | None) -> tuple[tuple[str, str], ...]:
    """An event's details JSON as Event.make keeps them (StoredEvent.to_event: None values left out,
    the others as text, sorted by key); cached, as most details repeat ({"outcome": "assess"})."""
    if not text or text == "{}":
        return ()
    return tuple(sorted((k, v if type(v) is str else str(v)) for k, v in json.loads(text).items()
                        if v is not None))


def _case(row: store.StoredCase, events: Sequence[EventRow]) -> Case:
    """The domain case from its row and event rows: what storage.cases.to_case makes from StoredEvent
    values (every event that is not a void and not voided, by date then id), without making them
    (tests/test_check_skip.py compares the two)."""
    voided = {e[_VOIDS] for e in events if e[_KIND] == "void" and e[_VOIDS] is not None}
    made = tuple(Event(e[_ID], e[_KIND], _day(e[_DATE]), _details(e[_DETAILS]))
                 for e in events if e[_KIND] != "void" and e[_ID] not in voided)
    return Case(ref=row.ref, dob=row.dob, received=row.received, looked_after=row.looked_after,
                alternative_provision=row.alternative_provision, setting=row.setting, events=made,
                void=any(e[_KIND] == "request" and e[_ID] in voided for e in events))


def _day(value) -> date:
    """A stored date: a date (PostgreSQL) or its ISO text, whole (SQLite), and nothing else that
    Python would read as one (`20230802`, `2023-W31-3`, `2023-08-02T00:00`: never written by
    sendtrack; `_unreadable` reports them)."""
    if isinstance(value, date):
        return value
    if type(value) is not str or len(value) != 10 or value[4] != "-" or value[7] != "-":
        raise ValueError("not an ISO date")
    return _iso_day(value)


@lru_cache(maxsize=1 << 15)
def _iso_day(text: str) -> date:
    return date.fromisoformat(text)


#: what a stored value that sendtrack never writes raises when it is read (a date that is not one,
#: details that are not a JSON object): `_unreadable` turns it into a finding
_UNREADABLE = (ValueError, TypeError, AttributeError)


def _cases(db: Database) -> tuple[list[store.StoredCase], dict[int, str]]:
    """Every case row, by reference, and the (id -> reference) of those that cannot be read as a case
    (a date of birth or received date that is not a date: written outside sendtrack)."""
    cases: list[store.StoredCase] = []
    damaged: dict[int, str] = {}
    for row in store.every_case_row(db):
        try:
            if type(row[_CASE_REF]) is not str or type(row[_CASE_NAME]) is not str:
                raise TypeError  # a BLOB or a number: neither sorts nor folds with the others
            _day(row[_CASE_DOB])
            _day(row[_CASE_RECEIVED])
            cases.append(store.StoredCase.from_row(row))
        except _UNREADABLE:
            ref = row[_CASE_REF]
            damaged[row[_CASE_ID]] = ref if type(ref) is str else f"case id {row[_CASE_ID]}"
    return cases, damaged


_CASE_ID, _CASE_REF, _CASE_NAME, _CASE_DOB, _CASE_RECEIVED = (
    store.CASE_COLUMNS.index(c) for c in ("id", "ref", "name", "dob", "received"))


def _unreadable(rows: dict[int, list[EventRow]]) -> dict[int, int]:
    """(case id -> the first event id) of the cases with an event row whose kind, date or details
    cannot be read as sendtrack writes them (written outside sendtrack). The values read are cached,
    so the cases built later read them again for nothing."""
    found: dict[int, int] = {}
    known = kinds.BY_NAME
    for case_id, events in rows.items():
        for e in events:
            try:
                if e[_KIND] not in known:
                    raise ValueError
                _day(e[_DATE])
                _details(e[_DETAILS])
            except _UNREADABLE:
                found[case_id] = e[_ID]
                break
    return found


@dataclass
class Snapshot:
    """Every case with its events and stored deadlines, read in one transaction."""

    cases: list[store.StoredCase]
    #: each case's events as read (EventRow): StoredEvent values are made only for the cases that need
    #: them (`events`)
    rows: dict[int, list[EventRow]] = field(default_factory=dict)
    #: each case's stored deadline rows as comparison keys (`_key`'s form), not Deadline values: the
    #: comparison is all check does with them
    deadlines: dict[int, list[tuple[str, ...]]] = field(default_factory=dict)
    database: list[Problem] = field(default_factory=list)
    fingerprint: str | None = None  # of the configuration the stored deadlines were computed with
    breaks: list[audit.Break] = field(default_factory=list)  # the first broken link of each case's chain
    missing_triggers: list[str] = field(default_factory=list)  # append-only triggers not in place
    import_marker: dict | None = None  # an import being written, or stopped part-way (storage/bulk.py)
    #: each erased case's (ref, name, dob, *ERASED_RETURNS), as stored: storage/privacy.erased_cases
    erased: list[tuple] = field(default_factory=list)
    #: (case id, rank, entry, leaving) of placements that leave before they start
    placements_out_of_order: list[tuple] = field(default_factory=list)
    #: what the last checks recorded of the cases they found clean (storage/checked.py); None when the
    #: database has no such table (not yet upgraded) or the check is --full
    recorded: dict[int, tuple[str, bool, bool]] | None = None
    #: each case as the rules see it, built once from its row and events (see `case_of`)
    built: dict[int, Case] = field(default_factory=dict, repr=False)
    #: the cases that cannot be read (`_cases`: id -> reference) and those with an event that cannot
    #: (`_unreadable`: id -> event id): reported by `unreadable`, and left out of every check that
    #: reads a case's values (`readable`)
    damaged_cases: dict[int, str] = field(default_factory=dict)
    damaged_events: dict[int, int] = field(default_factory=dict)
    #: the cases whose rules checks are skipped (unchanged since found clean): id -> (closed, allowed)
    skipped: dict[int, tuple[bool, bool]] = field(default_factory=dict, repr=False)
    #: the fingerprint of each case checked now (`_Sorter`), recorded when it is found clean
    digests: dict[int, bytes] = field(default_factory=dict, repr=False)

    def events(self, case_id: int) -> list[store.StoredEvent]:
        """The case's events as StoredEvent values, by date then id."""
        return [store.StoredEvent.from_row((r[1], r[0], *r[2:])) for r in self.rows.get(case_id, ())]

    def case_of(self, row: store.StoredCase) -> Case:
        found = self.built.get(row.id)
        if found is None:
            self.built[row.id] = found = _case(row, self.rows.get(row.id, ()))
        return found


def read(db: Database, *, full: bool = False, context: Context | None = None,
         today: date | None = None) -> Snapshot:
    """Read everything as of one moment (a read transaction: writers carry on meanwhile), then check it
    outside the database. With `context` and `today`, each case's fingerprint is worked out as its
    stored deadlines are read, and those of a case to skip are not kept (`_Sorter`)."""
    # read on its own, before the snapshot: a match only ever says "these inputs were found clean"
    present = checked.present(db)
    cache = _recorded(db) if not full and context and today and present else None
    with db.read():
        problems = [Problem("-", code, message) for code, message in store.engine_problems(db)]
        cases, damaged_cases = _cases(db)
        every = checked.event_rows(db)
        rows: dict[int, list[EventRow]] = defaultdict(list)
        for row in every:
            rows[row[0]].append(row)
        damaged_events = _unreadable(rows)
        fingerprint = meta.stored_fingerprint(db)
        # the chains are recomputed from the rows as stored (the details' JSON text, not its parse)
        breaks = audit.find_breaks(db, events=every)
        del every
        missing = audit.missing_triggers(db)
        try:
            marker = import_marker(db)
        except ValueError:  # not JSON: written outside sendtrack (`unfinished_import` says so)
            marker = {}
        erased = stored_privacy.erased_cases(db, ERASED_RETURNS)
        placements = placements_out_of_order(db)
        recorded = cache
        snap = Snapshot(cases, dict(rows), {}, problems, fingerprint, breaks, missing, marker, erased,
                        placements_out_of_order=placements, recorded=recorded,
                        damaged_cases=damaged_cases, damaged_events=damaged_events)
        del rows
        # a database without the table (not yet upgraded) can neither skip nor record: no fingerprints
        sort = _Sorter(snap, context, today) if present and context and today else None
        current: int | None = None
        keys: list[tuple[str, ...]] = []
        for case_id, key in store.deadline_keys(db, KEY_FIELDS):
            if case_id != current:
                if current is not None:
                    _keep(snap, sort, current, keys)
                current, keys = case_id, []
            keys.append(key)
        if current is not None:
            _keep(snap, sort, current, keys)
    if sort is not None:
        sort.rest()
    return snap


def _keep(snap: Snapshot, sort: _Sorter | None, case_id: int, keys: list[tuple[str, ...]]) -> None:
    """A case's stored deadline keys, read: kept for the deadlines check, unless the case is skipped."""
    if sort is None or not sort.skips(case_id, keys):
        snap.deadlines[case_id] = keys


def readable(snap: Snapshot) -> list[store.StoredCase]:
    """The cases whose event rows can all be read (the others are `unreadable`'s finding)."""
    if not snap.damaged_events:
        return snap.cases
    return [row for row in snap.cases if row.id not in snap.damaged_events]


def unreadable(snap: Snapshot, context: Context, today: date) -> list[Problem]:
    """A case row or event row holding what sendtrack never writes (a kind it does not know, a date
    that is not a date, details that are not a JSON object): changed outside sendtrack. Named by
    reference and event id, never by the value (it may be anything). The case's other checks are left
    out: they would read it."""
    fix = "it was changed outside sendtrack: restore the last backup (README: Backup and restore)"
    out = [Problem(ref, "unreadable", "the case's row cannot be read (a date that is not a date, or a "
                                      f"reference or name that is not text); {fix}")
           for ref in snap.damaged_cases.values()]
    refs = {row.id: row.ref for row in snap.cases}
    out += [Problem(refs[case_id], "unreadable", f"event {event_id} cannot be read (a kind sendtrack does "
                                                 "not know, a date that is not a date, or details that are "
                                                 f"not a JSON object); {fix}")
            for case_id, event_id in snap.damaged_events.items() if case_id in refs]
    return out


def orphans(snap: Snapshot, context: Context, today: date) -> list[Problem]:
    """Events or deadlines of no case (foreign keys off, or rows written by hand)."""
    known = {c.id for c in snap.cases} | snap.damaged_cases.keys()
    out = []
    for case_id in sorted(set(snap.rows) - known):
        out.append(Problem("-", "orphan-events", f"{len(snap.rows[case_id])} events of missing case "
                                                 f"id {case_id}"))
    for case_id in sorted(set(snap.deadlines) - known):
        out.append(Problem("-", "orphan-deadlines", f"{len(snap.deadlines[case_id])} deadlines of "
                                                    f"missing case id {case_id}"))
    return out


def unique_refs(snap: Snapshot, context: Context, today: date) -> list[Problem]:
    """Case references are unique (the index says so; this catches a damaged or dropped index)."""
    seen: dict[str, int] = defaultdict(int)
    for case in snap.cases:
        seen[case.ref] += 1
    return [Problem(ref, "duplicate-reference", f"{count} cases share this reference")
            for ref, count in sorted(seen.items()) if count > 1]


def requests(snap: Snapshot, context: Context, today: date) -> list[Problem]:
    """Every case starts with exactly one request event, dated the day the request was received."""
    out = []
    for case in readable(snap):
        found = [e for e in snap.rows.get(case.id, ()) if e[_KIND] == "request"]
        if not found:
            out.append(Problem(case.ref, "no-request", "the case has no request event"))
        elif len(found) > 1:
            out.append(Problem(case.ref, "several-requests",
                               f"{len(found)} request events (ids {', '.join(str(e[_ID]) for e in found)})"))
        elif (day := store.as_date(found[0][_DATE])) != case.received:
            out.append(Problem(case.ref, "request-date",
                               f"request event {found[0][_ID]} is dated {day} but the case was "
                               f"received on {case.received}"))
    return out


def voids(snap: Snapshot, context: Context, today: date) -> list[Problem]:
    """A void points at an event of the same case that is neither a request nor a void, once."""
    out = []
    for case in snap.cases:
        rows = snap.rows.get(case.id, ())
        by_id = {e[_ID]: e for e in rows}
        targets: dict[int, int] = defaultdict(int)
        for event in rows:
            if event[_KIND] != "void":
                continue
            target = by_id.get(event[_VOIDS]) if event[_VOIDS] is not None else None
            if target is None:
                out.append(Problem(case.ref, "void-target",
                                   f"void event {event[_ID]} points at no event of this case"))
            elif target[_KIND] in kinds.UNVOIDABLE:
                out.append(Problem(case.ref, "void-target",
                                   f"void event {event[_ID]} voids a {target[_KIND]} event ({target[_ID]})"))
            else:
                targets[target[_ID]] += 1
        out += [Problem(case.ref, "voided-twice", f"event {target} is voided {count} times")
                for target, count in sorted(targets.items()) if count > 1]
    return out


def event_order(snap: Snapshot, context: Context, today: date) -> list[Problem]:
    """Replay each case's events in date order through the same refusal the recording commands use:
    an event the rules would refuse at its place is out of order (e.g. a final plan before any
    decision, a decision before the request, advice received that was never asked for). Voids and
    back-dated recording can leave such a sequence behind even though every single write was judged."""
    return [p for row in to_check(snap) for p in event_order_of(snap, row, context, today)]


def event_order_of(snap: Snapshot, case_row: store.StoredCase, context: Context,
                   today: date) -> list[Problem]:
    """`event_order` for one case."""
    out = []
    case = snap.case_of(case_row)
    # the case with its events so far (they are in (date, id) order, so each one extends it)
    so_far = Case(ref=case.ref, dob=case.dob, received=case.received, looked_after=case.looked_after,
                  alternative_provision=case.alternative_provision, setting=case.setting)
    for event in case.events:
        if event.kind != "request":
            problem = refusal(so_far, event, today=today, calendar=context.calendar,
                              settings=context.settings)
            if problem:
                out.append(Problem(case_row.ref, "event-order", f"event {event.id} ({event.kind} on "
                                                               f"{event.date}): {problem}"))
        so_far = so_far.then(event)
    return out


#: A deadline's fields with what identifies it first (rule, subject), so rows that differ in some
#: fields pair up by their first two.
KEY_FIELDS = ("rule", "subject", *(f for f in DEADLINE_FIELDS if f not in {"rule", "subject"}))
_KEY_OF = attrgetter(*KEY_FIELDS)


def _key(item: Deadline) -> tuple:
    """A deadline as text in KEY_FIELDS order ("" for None, dates in ISO form), as
    `storage.cases.deadline_keys` reads a stored row. Spelt out field by field (a quarter of a million
    a council): `_key_of_any` is the same, generically (tests/test_check_skip.py compares them)."""
    d = item
    rule, subject, owner, kind, source = d.rule, d.subject, d.owner, d.kind, d.source
    trigger, due, act_by, completed, excepted = d.trigger, d.due, d.act_by, d.completed_on, d.excepted_from
    limb, ended, known_from, known_until = d.exception_limb, d.ended_on, d.known_from, d.known_until
    return ("" if rule is None else str(rule), "" if subject is None else str(subject),
            "" if owner is None else str(owner), "" if kind is None else str(kind),
            "" if source is None else str(source), "" if trigger is None else str(trigger),
            "" if due is None else str(due), "" if act_by is None else str(act_by),
            "" if completed is None else str(completed), "" if excepted is None else str(excepted),
            "" if limb is None else str(limb), "" if ended is None else str(ended),
            "" if known_from is None else str(known_from), "" if known_until is None else str(known_until))


def _key_of_any(item: Deadline) -> tuple:
    """`_key`, for any KEY_FIELDS."""
    return tuple(v if type(v) is str else "" if v is None else str(v) for v in _KEY_OF(item))


assert KEY_FIELDS == ("rule", "subject", "owner", "kind", "source", "trigger", "due", "act_by",
                      "completed_on", "excepted_from", "exception_limb", "ended_on", "known_from",
                      "known_until"), "_key spells these out in this order"


def deadlines(snap: Snapshot, context: Context, today: date) -> list[Problem]:
    """The materialised deadlines are exactly what the rules compute from the events today."""
    broken = {b.case_id for b in snap.breaks}  # recompute refuses those: the fix is the backup
    return [p for row in to_check(snap) for p in deadlines_of(snap, row, context, today, broken)]


def deadlines_of(snap: Snapshot, case_row: store.StoredCase, context: Context, today: date,
                 broken: set[int]) -> list[Problem]:
    """`deadlines` for one case."""
    case = snap.case_of(case_row)
    try:
        expected = sorted(_key(d) for d in compute(case, context.calendar, context.settings))
    except Exception as exc:  # a case the rules cannot compute is itself a problem to report
        return [Problem(case_row.ref, "deadlines", f"the rules cannot compute this case "
                                                   f"({type(exc).__name__})")]
    stored = sorted(snap.deadlines.get(case_row.id, []))
    if stored == expected:
        return []
    missing = [k for k in expected if k not in stored]
    extra = [k for k in stored if k not in expected]
    detail = []
    # a row that differs only in some fields: name the fields, not "missing X; not computed X"
    for want in list(missing):
        have = next((k for k in extra if k[:2] == want[:2]), None)
        if have is None:
            continue
        fields = [f"{name} {h or '-'} (rules say {w or '-'})"
                  for name, h, w in zip(KEY_FIELDS, have, want, strict=True) if h != w]
        detail.append(f"{want[0]}{' [' + want[1] + ']' if want[1] else ''}: " + ", ".join(fields))
        missing.remove(want)
        extra.remove(have)
    if missing:
        detail.append("missing " + ", ".join(f"{k[0]} due {k[3]}" for k in missing[:3]))
    if extra:
        detail.append("not computed " + ", ".join(f"{k[0]} due {k[3]}" for k in extra[:3]))
    if not detail:
        detail.append("duplicated rows")
    if case_row.id in broken:
        fix = "its events were changed outside sendtrack (audit-chain): restore the last backup"
    elif mismatch(snap.fingerprint, context.fingerprint):  # the 'configuration' line says so once
        fix = "they were computed under another configuration: `sendtrack recompute` rebuilds them"
    else:
        fix = "`sendtrack recompute --full` rebuilds them"
    return [Problem(case_row.ref, "deadlines",
                    f"stored deadlines differ from the rules ({len(stored)} stored, {len(expected)} "
                    f"computed): {'; '.join(detail)}; {fix}")]


def _closed(case: Case) -> bool:
    """The request went nowhere or the plan ended: refused, withdrawn, no plan (unless a Tribunal order
    reopened it), ceased, or sent to another LA."""
    return closure(case) is not None or transferred_out_on(case) is not None


def _open_facts(snap: Snapshot, case_row: store.StoredCase) -> tuple[bool, bool]:
    """(closed, allowed): whether the case is closed, and whether it was added with --allow-duplicate
    (its request's duplicate_allowed): what `open_requests` needs of a case, recorded with a clean
    case's fingerprint so a skipped case is not built."""
    known = snap.skipped.get(case_row.id)
    if known is not None:
        return known
    case = snap.case_of(case_row)
    request = case.first("request")
    return _closed(case), request is not None and request.flag("duplicate_allowed")


def open_requests(snap: Snapshot, context: Context, today: date) -> list[Problem]:
    """A second open request (or plan) for the same child: same name (as add-request compares them:
    kinds.fold, so case, spacing, accents and zero-width joiners aside) and date of birth, neither
    closed. Printed by reference only: the child's name stays out of the output."""
    groups: dict[tuple[str, date], list[tuple[str, bool]]] = defaultdict(list)
    for case_row in readable(snap):
        if case_row.name == ERASED_NAME:  # erased: no longer says who the child is
            continue
        closed, allowed = _open_facts(snap, case_row)
        if not closed:
            groups[(kinds.fold(case_row.name), case_row.dob)].append((case_row.ref, allowed))
    out = []
    for cases in groups.values():
        refs = [ref for ref, _ in cases]
        # a case added with --allow-duplicate (the user said it is another child) is not reported
        for ref, allowed in cases[1:]:
            if allowed:
                continue
            out.append(Problem(ref, "second-open-request",
                               f"the same child (name and date of birth) has an open case {refs[0]}"))
    return out


def configuration(snap: Snapshot, context: Context, today: date) -> list[Problem]:
    """The stored deadlines were computed under this configuration (its fingerprint is the stored one)."""
    problem = mismatch(snap.fingerprint, context.fingerprint)
    return [Problem("-", "configuration", problem)] if problem else []


def audit_chain(snap: Snapshot, context: Context, today: date) -> list[Problem]:
    """Every case's chain of event hashes recomputes from its events (and, at the request, the case's
    own values) and ends at its recorded head; the database still refuses UPDATE and DELETE on events.
    A break means a row was changed or removed outside sendtrack: restore the last backup."""
    out = [Problem(b.ref, "audit-chain", b.message()) for b in snap.breaks]
    if snap.missing_triggers:
        out.append(Problem("-", "audit-triggers", f"the events table's append-only triggers are missing or "
                                                  f"disabled ({', '.join(snap.missing_triggers)}): the "
                                                  "database was changed outside sendtrack"))
    return out


def closure_calendar(snap: Snapshot, context: Context, today: date) -> list[Problem]:
    """Advice asked of a school after the closure calendar's reach: exception (a) cannot be detected
    for it until the next year's closures are added (a note, once, with how many requests)."""
    default = [c for c in context.settings.closures if c.institution == "*"]
    if not default:
        return []
    last = max(default, key=lambda c: c.reopens)
    reach = last.reopens - timedelta(days=7)
    found = 0
    for case_row in readable(snap):
        rows = snap.rows.get(case_row.id, ())
        if not any(e[_KIND] == "advice-requested" and str(e[_DATE])[:10] > reach.isoformat() for e in rows):
            continue
        case = store.to_case(case_row, snap.events(case_row.id)).as_of(today)
        items = compute(case, context.calendar, context.settings)
        found += sum(c.code == "closure-calendar-ends" for c in closure_window(case, items, context.settings))
    if not found:
        return []
    many = f"{found} advice request{'s' if found != 1 else ''} to schools {'fall' if found != 1 else 'falls'}"
    return [Problem("-", "closure-calendar",
                    f"{many} after the school closure calendar, which ends with the closure re-opening "
                    f"{last.reopens}: add the summer {last.reopens.year + 1} closure, or exception (a) "
                    "cannot be detected for them", note=True)]


def journey_notes(snap: Snapshot, context: Context, today: date) -> list[Problem]:
    """Notes from the later stages: a re-assessment asked within 6 months of the last assessment (reg 24:
    the LA may refuse it), a Tribunal order's final step with no final plan recorded, and a case still
    open after `transferred-out` (an LA deadline outstanding)."""
    out = []
    for case_row in readable(snap):
        rows = snap.rows.get(case_row.id, ())
        if not any(e[_KIND] in {"reassessment-request", "transferred-out", "order-complied"} for e in rows):
            continue
        case = store.to_case(case_row, snap.events(case_row.id)).as_of(today)
        items = compute(case, context.calendar, context.settings)
        out += [Problem(case.ref, found.code, found.message, note=True)
                for check in (reassessment_within_six_months, order_final_without_plan)
                for found in check(case, items, context.settings)]
        moved = transferred_out_on(case)
        if moved is None:
            continue
        outstanding = sorted({d.rule for d in items if d.owner == "la" and d.kind == "statutory"
                              and d.visible_on(today) and d.status_on(today).value in {"open", "overdue"}})
        if outstanding:
            out.append(Problem(case.ref, "open-after-transfer",
                               f"the plan was sent to another LA on {moved} but the case still has "
                               f"outstanding deadlines: {', '.join(outstanding)}", note=True))
    return out


def erasures(snap: Snapshot, context: Context, today: date) -> list[Problem]:
    """An erased case must hold only the tombstone (app/privacy.erase): the name ERASED_NAME, a date
    of birth on 1 September, and no UPN, ULN or postcode. One given back a value by a raw UPDATE
    would carry it into an export that no import accepts. Names the field, never the value."""
    out = []
    for ref, name, dob, *identifiers in snap.erased:
        day = date.fromisoformat(str(dob)[:10]) if dob is not None else None
        held = [*(["name"] if name != ERASED_NAME else []),
                *(["dob"] if day is None or erased_dob(day) != day else []),
                *(key for key, value in zip(ERASED_RETURNS, identifiers, strict=True) if value is not None)]
        out += [Problem(ref, "erased-value", f"the case was erased but its {key} holds a value again "
                        "(an erasure leaves the name (erased), a date of birth on 1 September and no upn, "
                        "uln or postcode): restore the last backup")
                for key in held]
    return out


def unfinished_import(snap: Snapshot, context: Context, today: date) -> list[Problem]:
    """No import is part-way: its cases are in the database whole, but not all of them yet (README:
    Long writers share the lock). Running the same import again finishes it."""
    marker = snap.import_marker
    if marker is None:
        return []
    if (type(marker) is not dict or not isinstance(marker.get("file"), str)
            or not all(type(marker.get(key)) is int for key in ("written", "cases"))):
        return [Problem("-", "unfinished-import", "the import marker (meta 'import_batch') cannot be read: "
                                                  "it was changed outside sendtrack; restore the last backup "
                                                  "(README: Backup and restore)")]
    return [Problem("-", "unfinished-import", f"an import of {marker['file']} is being written or stopped "
                                              f"part-way: {marker['written']} of {marker['cases']} cases "
                                              f"are in, each whole; run `sendtrack import {marker['file']}` "
                                              "again to finish it")]


def placement_dates(snap: Snapshot, context: Context, today: date) -> list[Problem]:
    """No placement leaves before it starts: `import` refuses such a placement, so the export of a
    database holding one could not be restored."""
    refs = {c.id: c.ref for c in snap.cases}
    return [Problem(refs.get(case_id, f"case id {case_id}"), "placement-dates",
                    f"a rank-{rank} placement leaves ({leaving}) before its entry ({entry}): an "
                    "import of the export would refuse it" if entry is not None else
                    f"a rank-{rank} placement's entry or leaving date is not a date (changed outside "
                    "sendtrack): export cannot write it; restore the last backup")
            for case_id, rank, entry, leaving in snap.placements_out_of_order]


Check = Callable[[Snapshot, Context, date], list[Problem]]
#: The checks, in the order they are described; `event_order` and `deadlines` (the rules' work, nearly
#: all of check's time) run a case at a time, only for the cases `to_check` names, in worker processes
#: when there are many (see PER_CASE and `_per_case`).
CHECKS: tuple[Check, ...] = (configuration, unreadable, orphans, unique_refs, requests, voids, event_order,
                             deadlines, open_requests, audit_chain, erasures, unfinished_import,
                             closure_calendar, journey_notes, placement_dates)
#: The checks of CHECKS that look at one case at a time, and how: split over worker processes.
PER_CASE: dict[Check, Callable[..., list[Problem]]] = {event_order: event_order_of, deadlines: deadlines_of}
#: Below this many cases the workers cost more than they save.
PARALLEL_FROM = 2000
MAX_WORKERS = 2


# --- skipping the cases unchanged since a check found them clean ------------------------------------------

#: changes when what a fingerprint covers changes (the code's fingerprint changes with it anyway)
_SCHEME = b"check-fingerprint-1"


def fingerprint(case_row: store.StoredCase, events: Sequence[EventRow], keys: Sequence[tuple[str, ...]],
                inputs: str) -> bytes:
    """sha256 of everything the rules checks of one case (`event_order_of`, `deadlines_of`) and
    `_open_facts` read: the case's own values as the rules see them (and its name), every event row of
    the case as stored (ids, kinds, dates, details' text, voids, who and when, chain hashes), its stored
    deadline rows (`keys`), and `inputs` (batch.inputs_fingerprint: the configuration, the bank holidays and
    the code). The one other thing they read, today, is handled by `_Sorter`."""
    digest = hashlib.sha256(_SCHEME)
    # the name too, which the rules do not read: without it an erased case's old fingerprint, left until
    # the next check replaces it, would give its date of birth away to a search of ~7,000 days
    digest.update(repr((inputs, case_row.ref, case_row.name, case_row.dob, case_row.received,
                        case_row.looked_after, case_row.alternative_provision, case_row.setting)).encode())
    digest.update(repr(events).encode())
    # the keys are text: joined with separators (4x quicker than repr), unless a value holds one
    joined = "\x1e".join(map("\x1f".join, keys))
    fields, rows = joined.count("\x1f"), joined.count("\x1e")
    if fields == len(keys) * (len(KEY_FIELDS) - 1) and rows == max(len(keys) - 1, 0):
        digest.update(b"j" + joined.encode())
    else:
        digest.update(b"r" + repr(keys).encode())
    return digest.digest()


def _bound(digest: bytes, closed: bool, allowed: bool) -> str:
    """What is recorded: the fingerprint with the case's `_open_facts` bound into it, so a recorded
    closed/allowed that was edited no longer matches (and the case is checked again)."""
    return hashlib.sha256(digest + bytes((closed, allowed))).hexdigest()[:32]


def _whole(snap: Snapshot) -> bool:
    """Whether a case's fingerprint may be trusted at all: not when SQLite's integrity or foreign-key
    check failed, or the events' append-only triggers are gone (then every case is checked in full)."""
    return not snap.database and not snap.missing_triggers


class _Sorter:
    """Sorts the cases, as their deadline rows are read, into those whose rules checks are skipped
    (`snap.skipped`, with their recorded closed/allowed) and those to check, keeping the fingerprint of
    each case to check (`snap.digests`) for recording when it is found clean.

    A case is skipped when its fingerprint, with the recorded closed/allowed bound in, is the one
    recorded when a check last found it clean, its chain of event hashes is unbroken now, and no event
    of it is dated after today: the rules' checks read today only to refuse an event dated after it
    (rules/guards.py, `future`), so a case clean on the day it was recorded is clean on any later day
    while its fingerprint holds (tests/test_check_skip.py holds the rules to that). Nothing is skipped
    or recorded when `_whole` says the database itself is damaged."""

    def __init__(self, snap: Snapshot, context: Context, today: date) -> None:
        from sendtrack.app.batch import inputs_fingerprint

        self.snap = snap
        self.on = _whole(snap)
        self.inputs = inputs_fingerprint(context)
        self.broken = {b.case_id for b in snap.breaks}
        self.latest = today.isoformat()
        self.by_id = {row.id: row for row in snap.cases}
        self.recorded = snap.recorded or {}
        self.seen: set[int] = set()

    def skips(self, case_id: int, keys: Sequence[tuple[str, ...]]) -> bool:
        row = self.by_id.get(case_id)
        if not self.on or row is None or case_id in self.broken or case_id in self.snap.damaged_events:
            return False
        self.seen.add(case_id)
        events = self.snap.rows.get(case_id, ())
        self.snap.digests[case_id] = digest = fingerprint(row, events, keys, self.inputs)
        found = self.recorded.get(case_id)
        if found is None:
            return False
        value, closed, allowed = found
        if _bound(digest, closed, allowed) != value or not _up_to(events, self.latest):
            return False
        del self.snap.digests[case_id]
        self.snap.skipped[case_id] = (closed, allowed)
        return True

    def rest(self) -> None:
        """The cases with no stored deadline rows."""
        for case_id in self.by_id.keys() - self.seen:
            self.skips(case_id, [])


def _up_to(events: Iterable[EventRow], latest: str) -> bool:
    """Whether no event is dated after `latest` (ISO)."""
    return all(str(e[_DATE])[:10] <= latest for e in events)


def to_check(snap: Snapshot) -> list[store.StoredCase]:
    """The cases whose rules checks run: all but the skipped (and those that cannot be read)."""
    if not snap.skipped:
        return readable(snap)
    return [row for row in readable(snap) if row.id not in snap.skipped]


def _to_record(snap: Snapshot, failed: set[int], today: date) -> list[tuple[int, str, bool, bool]]:
    """(case id, bound fingerprint, closed, allowed) of each case checked now and found clean by the
    rules checks (no event-order or deadlines problem, no event after today), where that differs from
    what is recorded."""
    latest = today.isoformat()
    recorded = snap.recorded or {}
    out = []
    for row in snap.cases:
        digest = snap.digests.get(row.id)
        if (digest is None or row.id in failed or row.id in snap.damaged_events
                or not _up_to(snap.rows.get(row.id, ()), latest)):
            continue
        closed, allowed = _open_facts(snap, row)
        value = _bound(digest, closed, allowed)
        if recorded.get(row.id) != (value, closed, allowed):
            out.append((row.id, value, closed, allowed))
    return out


def _record(db: Database, rows: list[tuple[int, str, bool, bool]]) -> bool:
    """Record what this check found clean, for the next one; False when it cannot be written (a
    read-only database or user, the lock not to be had, a full disk): what check reports does not
    depend on it, so that is no failure."""
    if not rows or db.read_only:
        return False
    from sendtrack.errors import SendtrackError

    try:
        with db.write(wait=False):  # never hold the report back for the lock: it is recorded next time
            checked.record(db, rows)
    except SendtrackError:  # read-only, busy, disk full: refused in words by db.write
        return False
    except Exception as exc:  # sqlite3/psycopg: a read-only role or transaction, a damaged cache table
        if type(exc).__name__ not in _DB_ERRORS | {"InsufficientPrivilege", "ReadOnlySqlTransaction"}:
            raise
        return False
    return True


#: the DB-API's errors (sqlite3's and psycopg's classes share these names)
_DB_ERRORS = {"DatabaseError", "OperationalError", "IntegrityError", "DataError", "ProgrammingError",
              "InternalError", "NotSupportedError"}


def _recorded(db: Database) -> dict[int, tuple[str, bool, bool]] | None:
    """What the last checks recorded, or None (a full check) when the record cannot be read: it is
    a cache, so a damaged `checked` table is not the database's damage."""
    try:
        with db.read():
            return checked.recorded(db)
    except Exception as exc:
        if type(exc).__name__ not in _DB_ERRORS | {"ValueError", "TypeError", "UnicodeDecodeError"}:
            raise
        return None


# --- worker processes -------------------------------------------------------------------------------------

#: what forked workers read (set before the fork, inherited: nothing is pickled on the way in)
_shared: tuple[Snapshot, list[store.StoredCase], Context, date, set[int]] | None = None


def _one(snap: Snapshot, row: store.StoredCase, context: Context, today: date,
         broken: set[int]) -> list[Problem]:
    return event_order_of(snap, row, context, today) + deadlines_of(snap, row, context, today, broken)


def _chunk(bounds: tuple[int, int]) -> list[tuple[int, list[Problem]]]:
    assert _shared is not None
    snap, rows, context, today, broken = _shared
    return [(row.id, found) for row in rows[bounds[0]:bounds[1]]
            if (found := _one(snap, row, context, today, broken))]


def workers() -> int:
    """Processes for the per-case checks: SENDTRACK_WORKERS (0: in this process), else one per core up
    to MAX_WORKERS; only where processes can be forked (the snapshot is inherited, not copied)."""
    import multiprocessing
    import os

    if "fork" not in multiprocessing.get_all_start_methods():
        return 0
    chosen = os.environ.get("SENDTRACK_WORKERS")
    if chosen is not None and chosen.isdigit():
        return int(chosen)
    return min(MAX_WORKERS, os.cpu_count() or 1)


def _per_case(snap: Snapshot, context: Context, today: date) -> dict[int, list[Problem]]:
    """`event_order` and `deadlines` over the cases to check, by case id (only the cases with
    problems): in forked worker processes, a slice of cases each, when there are enough cases and more
    than one core; else here."""
    global _shared
    rows = to_check(snap)
    broken = {b.case_id for b in snap.breaks}
    count = workers() if len(rows) >= PARALLEL_FROM else 0
    if count < 1:
        return {row.id: found for row in rows if (found := _one(snap, row, context, today, broken))}
    import multiprocessing

    size = max(200, len(rows) // (count * 8))  # a few slices per worker, so both finish together
    slices = [(lo, lo + size) for lo in range(0, len(rows), size)]
    _shared = (snap, rows, context, today, broken)
    try:
        with multiprocessing.get_context("fork").Pool(count) as processes:
            return {case_id: found for part in processes.imap(_chunk, slices) for case_id, found in part}
    finally:
        _shared = None


@dataclass
class Outcome:
    """What a check found, and how much of the rules' work it did."""

    problems: list[Problem]
    cases: int = 0
    skipped: int = 0  # cases whose rules checks were skipped (unchanged since found clean)
    recorded: int = 0  # cases recorded clean by this check (0 when it could not write)


def run(db: Database, *, context: Context, today: date, full: bool = False) -> Outcome:
    """Every problem in the database, the database's own first, then by case reference; the cases
    found clean are recorded (when the database can be written) so the next check can skip them.
    `full`: skip nothing (and record every clean case again)."""
    from sendtrack.output.progress import progress

    with progress(len(CHECKS) - len(PER_CASE) + 2, "Reading the database") as bar:
        try:
            snap = read(db, full=full, context=context, today=today)
        except Exception as exc:  # sqlite3/psycopg DatabaseError: a damaged file is the finding, not a crash
            if type(exc).__name__ not in {"DatabaseError", "OperationalError", "IntegrityError", "DataError"}:
                raise
            # the error's name, not SQLite's message: a message can quote a value (a name that
            # cannot be decoded, a constraint's row)
            detail = getattr(exc, "sqlite_errorname", None) or type(exc).__name__
            return Outcome([Problem("-", "integrity", f"the database cannot be read ({detail}); restore the "
                                                      "last backup (README: Backup and restore)")])
        bar.advance()
        found: list[Problem] = []
        for check_ in CHECKS:
            if check_ in PER_CASE:
                continue
            bar.describe(f"Checking {check_.__name__.replace('_', ' ')}")
            found += check_(snap, context, today)
            bar.advance()
        bar.describe("Checking events and deadlines case by case")
        per_case = _per_case(snap, context, today)
        found += [p for problems in per_case.values() for p in problems]
        bar.advance()
    written = 0
    if snap.digests:
        rows = _to_record(snap, set(per_case), today)
        written = len(rows) if _record(db, rows) else 0
    return Outcome(snap.database + sorted(found, key=lambda p: (p.ref, p.code)), len(snap.cases),
                   len(snap.skipped), written)


def check(db: Database, *, context: Context, today: date, full: bool = False) -> list[Problem]:
    """Every problem in the database, the database's own first, then by case reference (`run`)."""
    return run(db, context=context, today=today, full=full).problems
