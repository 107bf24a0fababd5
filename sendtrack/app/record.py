"""Recording: add a request, record an event, void one, re-assign; each in one write transaction that
also rebuilds the case's materialised deadlines, so a refused write leaves nothing behind."""

from __future__ import annotations

import getpass
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from sendtrack import kinds
from sendtrack.app.context import Context, materialising
from sendtrack.codes import RETURN_FIELDS, check_return_values, placement_dates_problem
from sendtrack.domain import ERASED_NAME, Event, Status
from sendtrack.errors import RefusedError, a
from sendtrack.kinds import clean_text
from sendtrack.rules.engine import Judged, compute, judge, refusal
from sendtrack.rules.guards import request_refusal
from sendtrack.rules.paths import PENDING
from sendtrack.storage import cases as store
from sendtrack.storage.db import Database
from sendtrack.storage.returns import (
    Placement,
    add_placements,
    case_return_values,
    clear_case_values,
    correct_current_placement,
    placements_of,
    set_case_values,
    set_current_placement,
)

#: The return fields that identify a child (codes.ReturnField.identifying): UPN, ULN, postcode
IDENTIFYING = tuple(f.key for f in RETURN_FIELDS if f.identifying)
REF_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")


def recorder(by: str | None) -> str:
    """Who is recording: --by, else SENDTRACK_USER, else the login name."""
    who = by or os.environ.get("SENDTRACK_USER")
    if not who:
        try:
            who = getpass.getuser()
        except (KeyError, OSError):
            who = "unknown"
    return clean_text(who, "recorded by")


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


@dataclass(frozen=True, slots=True)
class Change:
    """What a write did to the case's deadlines, judged on `today`."""

    ref: str
    event_id: int | None
    before: list[Judged]
    after: list[Judged]

    def lines(self) -> list[str]:
        def key(j: Judged):
            return (j.deadline.rule, j.deadline.subject, j.deadline.trigger)

        def shown(j: Judged) -> str:
            # an open local milestone past its date is a warning, never a breach (spec 5), as `timeline`
            # shows it; one completed after its date is "late" there too, never "at risk, completed …"
            local_signal = j.deadline.kind == "local" and j.status == Status.OVERDUE
            return "at risk" if local_signal else str(j.status)

        def due(d) -> str:
            return "not yet known" if d.due == PENDING else str(d.due)  # an appeal awaits the Tribunal

        old = {key(j): j for j in self.before}
        out = []
        for j in self.after:
            d, was = j.deadline, old.pop(key(j), None)
            label = d.rule + (f" [{d.subject}]" if d.subject else "")
            if was is None:
                out.append(f"+ {label}: due {due(d)} ({shown(j)})")
            elif was.status != j.status or was.deadline.due != d.due:
                done = f", completed {j.completed_on}" if j.completed_on else ""
                # a moved date (an appeal window a mediation certificate extends) shows where it was
                moved = f"{due(was.deadline)} -> " if was.deadline.due != d.due else ""
                status = f"{shown(was)} -> {shown(j)}" if was.status != j.status else shown(j)
                out.append(f"~ {label}: due {moved}{due(d)}: {status}{done}")
            else:
                continue
            if d.basis:
                out.append(f"    because {d.basis}")  # spec 8.11: the arithmetic, naming the limit
        out.extend(f"- {j.deadline.rule}: due {due(j.deadline)} no longer applies" for j in old.values())
        return out


def _materialise(db: Database, case_row: store.StoredCase, *, context: Context, today: date) -> list[Judged]:
    case = store.to_case(case_row, store.event_rows(db, case_row.id))
    items = compute(case, context.calendar, context.settings)
    store.replace_deadlines(db, case_row.id, items)
    return judge(items, today)


def same_child(db: Database, *, name: str, dob: date, skip: int | None = None) -> str | None:
    """The reference of an open case of the same child (the name equal with case and accents folded,
    the same date of birth), or None."""
    from sendtrack.rules.paths import is_open

    wanted = kinds.fold(name)
    for row in store.cases_born(db, dob):
        if row.id != skip and kinds.fold(row.name) == wanted and \
                is_open(store.to_case(row, store.event_rows(db, row.id))):
            return row.ref
    return None


def same_upn(db: Database, upn: str) -> str | None:
    """The reference of an open case holding this UPN (a UPN is one child's, for life), or None."""
    from sendtrack.rules.paths import is_open

    for row in store.cases_with_upn(db, upn):
        if is_open(store.to_case(row, store.event_rows(db, row.id))):
            return row.ref
    return None


def tombstone_refusal(name: str) -> str | None:
    """The refusal of a name that reads as the tombstone an erasure leaves (domain.ERASED_NAME, case
    and accents folded as kinds.fold does, every space taken out, inside the brackets too): a case so
    named would pass for an erased one (returns leave it out, check and allocate skip it) without any
    erasure. None for any other name. Every way
    in asks: add-request, edit --name, and import (app/exchange, unless the case has its erase row)."""
    if _tombstone_form(name) == _tombstone_form(ERASED_NAME):
        return f"name {ERASED_NAME} is the text an erasure leaves: give the child's name"
    return None


def _tombstone_form(name: str) -> str:
    """`name` as tombstone_refusal compares it: kinds.fold'ed, with every space taken out ("( erased )",
    "(ERASED)" and "(erased)" are one)."""
    return "".join(kinds.fold(name).split())


def duplicate_refusal(ref: str) -> str:
    """The words of the duplicate-child refusal (never the name or date of birth)."""
    return (f"case {ref} is open for a child with the same name and date of birth: record this there, or "
            "give --allow-duplicate if it is another child")


def add_request(db: Database, *, name: str, dob: date, received: date, ref: str | None, source: str,
                team: str, coordinator: str | None, looked_after: bool, alternative_provision: bool,
                setting: str | None, by: str, today: date, context: Context,
                allow_duplicate: bool = False, returns: dict | None = None) -> Change:
    """A new case and its request event; `returns` holds codes.RETURN_FIELDS values (UPN, sex, the
    current placement ...), each checked by its validator before anything is written."""
    name = clean_text(name, "name")
    if (problem := tombstone_refusal(name)) is not None:
        raise RefusedError(problem)
    return_values = check_return_values(returns or {})
    if ref is not None and not REF_PATTERN.match(ref):
        raise RefusedError(f"case reference {ref!r} must be 1-40 letters, digits, '.', '_', '/' or '-'")
    details = kinds.check_details("request", {"source": source}, first_year=context.calendar.first_year,
                                  last_year=context.calendar.last_year)
    coordinator = clean_text(coordinator, "coordinator") if coordinator is not None else None
    setting = clean_text(setting, "setting") if setting is not None else None
    problem = request_refusal(dob=dob, received=received, today=today)
    if problem:
        raise RefusedError(problem)
    refuse_placement_from(return_values, dob=dob, today=today, context=context)
    with materialising(db, context):
        ref = ref or store.next_ref(db)
        if store.ref_taken(db, ref):
            raise RefusedError(f"case {ref!r} already exists")
        other = same_child(db, name=name, dob=dob)
        if other is not None and not allow_duplicate:
            raise RefusedError(duplicate_refusal(other))
        upn = return_values.get("upn")
        other_upn = same_upn(db, upn) if upn else None
        if other_upn is not None and not allow_duplicate:
            raise RefusedError(f"case {other_upn} is open with the same UPN: record this there, or give "
                               "--allow-duplicate if the UPN is wrong on one of them")
        if other is not None or other_upn is not None:
            # the user said it is another child: kept on the request, so check leaves the pair alone
            details = {**details, "duplicate_allowed": True}
        stamp = now()
        case_id = store.insert_case(db, ref=ref, name=name, dob=dob, received=received, source=source,
                                    team=team, coordinator=coordinator, looked_after=looked_after,
                                    alternative_provision=alternative_provision, setting=setting,
                                    now=stamp)
        event_id = store.insert_event(db, case_id=case_id, kind="request", when=received,
                                      details=details, recorded_by=by, now=stamp)
        put_return_values(db, [(case_id, return_values)])
        after = _materialise(db, store.find_case(db, ref), context=context, today=today)
    return Change(ref, event_id, [], after)


def record(db: Database, *, ref: str, kind: str, when: date, details: dict, by: str, today: date,
           context: Context) -> Change:
    """Add one event to a case after the registry has checked its details and the rules have judged
    it possible."""
    calendar, settings = context.calendar, context.settings
    if not calendar.first_year <= when.year <= calendar.last_year:
        raise RefusedError(f"{kind} date {when} is outside the years sendtrack can count in "
                           f"({calendar.first_year}-{calendar.last_year})")
    details = kinds.check_details(kind, details, first_year=calendar.first_year, last_year=calendar.last_year)
    with materialising(db, context):
        case_row = store.find_case(db, ref)
        rows = store.event_rows(db, case_row.id)
        refuse_erased(case_row, rows)
        case = store.to_case(case_row, rows)
        if case.void:
            raise RefusedError(f"{ref}: the case's request was voided (recorded by mistake): nothing more "
                               "is recorded on it")
        refuse_broken_chain(db, case_row)
        event = Event.make(-1, kind, when, **details)
        problem = refusal(case, event, today=today, calendar=calendar, settings=settings)
        if problem:
            raise RefusedError(f"{ref}: {problem}")
        before = judge(compute(case, calendar, settings), today)
        event_id = store.insert_event(db, case_id=case_row.id, kind=kind, when=when, details=details,
                                      recorded_by=by, now=now())
        after = _materialise(db, case_row, context=context, today=today)
    return Change(ref, event_id, before, after)


def void(db: Database, *, ref: str, event_id: int, reason: str, by: str, today: date,
         context: Context) -> Change:
    """Void a mistaken event with a new event; the voided one stays in the history."""
    reason = clean_text(reason, "reason")
    with materialising(db, context):
        case_row = store.find_case(db, ref)
        rows = store.event_rows(db, case_row.id)
        refuse_erased(case_row, rows)
        target = next((r for r in rows if r.id == event_id), None)
        if target is None:
            raise RefusedError(f"{ref} has no event {event_id}")
        if target.kind in kinds.UNVOIDABLE:
            hint = ": correct the values with another edit" if target.kind == "edit" else ""
            raise RefusedError(f"event {event_id} is {a(target.kind)} and cannot be voided{hint}")
        if event_id in store.voided_ids(rows):
            raise RefusedError(f"event {event_id} is already voided")
        refuse_broken_chain(db, case_row)
        before = judge(compute(store.to_case(case_row, rows), context.calendar, context.settings), today)
        new_id = store.insert_event(db, case_id=case_row.id, kind="void", when=today,
                                    details={"reason": reason, "event": event_id}, recorded_by=by,
                                    now=now(), voids=event_id)
        after = _materialise(db, case_row, context=context, today=today)
    return Change(ref, new_id, before, after)


def edit(db: Database, *, ref: str, values: dict, reason: str, by: str, today: date,
         context: Context, returns: dict | None = None) -> Change:
    """Correct the case's own values (kinds.CASE_FIELDS) and its return fields (`returns`: codes.
    RETURN_FIELDS, the current placement through change_return_values): one `edit` event holding the
    reason and each value's old and new form, the row corrected and the deadlines recomputed, in one
    transaction. Refused: an erased case (any value), and one whose audit chain is broken. Messages
    name the values, never repeat them (they are personal data)."""
    calendar = context.calendar
    reason = clean_text(reason, "reason")
    wanted = {key: kinds.check_case_value(key, value) for key, value in values.items()}
    if "name" in wanted and (problem := tombstone_refusal(wanted["name"])) is not None:
        raise RefusedError(problem)
    return_values = check_return_values(returns or {})
    if not wanted and not return_values:
        raise RefusedError("say what to correct: " + ", ".join(
            [*(f.flag.split("/")[0] for f in kinds.CASE_FIELDS), *(f.flag for f in RETURN_FIELDS)]))
    with materialising(db, context):
        case_row = store.find_case(db, ref)
        rows = store.event_rows(db, case_row.id)
        refuse_erased(case_row, rows)
        refuse_broken_chain(db, case_row)
        changed = {key: value for key, value in wanted.items() if getattr(case_row, key) != value}
        held, _ = case_return_values(db, case_row.id)
        children, identifiers = ever_held(case_row, rows, held)
        refuse_personal(reason, [*children, (changed.get("name"), changed.get("dob"))],
                        identifiers=[*identifiers, *(return_values.get(k) or "" for k in IDENTIFYING)])
        if "dob" in changed:
            problem = request_refusal(dob=changed["dob"], received=case_row.received, today=today)
            if problem:
                raise RefusedError(f"{ref}: {problem}")
        before = judge(compute(store.to_case(case_row, rows), calendar, context.settings), today)
        refuse_placement_from(return_values, dob=changed.get("dob", case_row.dob), today=today,
                              context=context)
        return_changes = change_return_values(db, case_row.id, return_values) if return_values else {}
        if not changed and not return_changes:
            raise RefusedError(f"{ref}: nothing to correct: the case already holds "
                               + ", ".join(sorted([*wanted, *return_values])))
        details = {"reason": reason, "changes": kinds.check_changes(
            {**{key: [getattr(case_row, key), value] for key, value in changed.items()}, **return_changes})}
        if changed:
            store.set_case_values(db, case_row.id, changed)
        event_id = store.insert_event(db, case_id=case_row.id, kind="edit", when=today, details=details,
                                      recorded_by=by, now=now())
        after = _materialise(db, store.find_case(db, ref), context=context, today=today)
    return Change(ref, event_id, before, after)


def refuse_erased(case_row: store.StoredCase, rows: Iterable[store.StoredEvent]) -> None:
    """Refuse any write to an erased case (record of any kind, void, assign, edit): it is closed for
    good, and whatever were written to it would be personal data the erasure no longer covers."""
    from sendtrack.storage.audit import ERASE_KINDS

    if any(r.kind in ERASE_KINDS for r in rows):
        raise RefusedError(f"{case_row.ref} was erased: its values are not corrected or recorded again")


def refuse_broken_chain(db: Database, case_row: store.StoredCase) -> None:
    """Refuse a write on a case whose audit chain does not verify (storage/audit.find_breaks, this
    case's events only): writing after a tampered or removed event would vouch for it. Inside the
    write's transaction, so nothing can change the chain between the check and the write."""
    from sendtrack.storage import audit

    broken = audit.find_breaks(db, case_row.id, case_row.id)
    if broken:
        raise RefusedError(f"{case_row.ref}: the case's audit chain is broken ({broken[0].message()}): "
                           "nothing is written to it; restore the last backup (see `sendtrack check`)")


def ever_held(case_row: store.StoredCase, rows: Iterable[store.StoredEvent],
              held: dict) -> tuple[list[tuple[str | None, date | None]], list[str]]:
    """Every (name, date of birth) and every UPN, ULN and postcode the case has ever held: its current
    values (the row, and `held`: its return values) and the old and new values in each `edit` event's
    `changes`, for refuse_personal: a reason must not hold a former name any more than the current
    one (an erasure keeps reasons, and tombstones only the values)."""
    children: list[tuple[str | None, date | None]] = [(case_row.name, case_row.dob)]
    identifiers = [str(held.get(k) or "") for k in IDENTIFYING]
    for row in rows:
        changes = row.details.get("changes") if row.kind == "edit" and isinstance(row.details, dict) else None
        if not isinstance(changes, dict):
            continue
        for key, pair in changes.items():
            values = pair if isinstance(pair, list) else []
            if key == "name":
                children += [(str(v), None) for v in values if v]
            elif key == "dob":
                children += [(None, day) for v in values if v and (day := _held_day(v)) is not None]
            elif key in IDENTIFYING:
                identifiers += [str(v) for v in values if v]
    return children, identifiers


def _held_day(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _letters_and_digits(text: str) -> str:
    """`text` as identifiers are compared: NFKC (full-width letters and digits become plain ones), case
    folded, everything but letters and digits taken out ("ＡＢ１ ２ＣＤ", "ab1-2cd" and "AB12CD" are one)."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


#: Apostrophes and hyphens a name may be written with or without ("O'Brien", "OBrien"; "Jean-Luc",
#: "JeanLuc"), and the zero-width non-joiner and joiner (Persian and Indic names are spelt with them,
#: and often typed without): _name_words reads a text both with them taken out and as word breaks.
_JOINERS = frozenset("'\u2018\u2019\u201b\u02bc\u02bb\u0060\u00b4\uff07\u200c\u200d")


def _joiner(ch: str) -> bool:
    return ch in _JOINERS or unicodedata.category(ch) == "Pd"


def _name_words(text: str) -> tuple[str, set[str]]:
    """`text` as names are screened: its words, kinds.fold'ed (accents, case, default-ignorables) with
    its apostrophes, hyphens and joiners taken out, one space apart; and the set of its words read
    both with them taken out and with them as breaks ("Zoë O'Brien": zoe, o, brien, obrien). A word
    runs over letters, combining marks and digits (Unicode categories L*, M*, N*), so a Devanagari
    vowel sign stays inside its word."""
    joined = kinds.fold("".join(ch for ch in text if not _joiner(ch)))
    broken = kinds.fold("".join(" " if _joiner(ch) else ch for ch in text))
    split = [_split_words(form) for form in (joined, broken)]
    return " ".join(split[0]), {*split[0], *split[1]}


def _split_words(text: str) -> list[str]:
    return "".join(ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in text).split()


def _letters(word: str) -> int:
    """How many base letters and digits `word` holds (its combining marks not counted)."""
    return sum(1 for ch in word if unicodedata.category(ch)[0] != "M")


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december")


def _dob_forms(dob: date) -> set[str]:
    """The ways a date of birth is written, as _dob_text reads a reason: ISO and year-first with / or .,
    day-first with / . - or a space (padded or not, four- or two-digit year), and with the month's
    name or its abbreviation, day first or month first ("15 March 2015", "15 Sept 2015", "March 15
    2015")."""
    years = (str(dob.year), f"{dob.year % 100:02d}")
    days, months = {str(dob.day), f"{dob.day:02d}"}, {str(dob.month), f"{dob.month:02d}"}
    forms: set[str] = set()
    for d in days:
        for m in months:
            for sep in "/.- ":
                forms.add(f"{dob.year}{sep}{m}{sep}{d}")
                forms.update(f"{d}{sep}{m}{sep}{y}" for y in years)
    name = _MONTHS[dob.month - 1]
    for month in {name, name[:3], name[:4]}:
        forms.update({f"{dob.day} {month} {dob.year}", f"{month} {dob.day} {dob.year}"})
    return forms


def _dob_text(reason: str) -> str:
    """A reason as _dob_forms are sought in it: folded, ordinals bare ("15th" is 15), commas and
    runs of spaces one space, a full stop after an abbreviated month dropped ("Mar. 15")."""
    text = kinds.fold(reason)
    text = re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", text)
    text = re.sub(r"(?<=[a-z])\.(?=\s)", "", text)
    return " ".join(text.replace(",", " ").split())


def refuse_personal(reason: str, children: list[tuple[str | None, date | None]],
                    identifiers: Iterable[str] = ()) -> None:
    """A reason is kept in the record for good (an edit's, an erasure's): refuse one that holds the
    child's name (or any part of it of three letters or more) or date of birth, for each (name, date
    of birth) given (ever_held gives every one the case has held, an edit adds the new values), or one
    of `identifiers` (UPN, ULN, postcode; compared as _letters_and_digits, so separators, case and
    full-width forms do not hide one). Names are compared as _name_words reads them (accents, case,
    apostrophes, hyphens and zero-width joiners do not hide one; combining marks stay in their word
    and are not counted in its three letters); dates of birth in every form _dob_forms gives. Says
    which, never the value."""
    squeezed = _letters_and_digits(unicodedata.normalize("NFKC", reason))
    if any(len(i) > 3 and i in squeezed for i in map(_letters_and_digits, identifiers)):
        raise RefusedError("the reason holds the child's UPN, ULN or postcode: say why without personal "
                           "data")
    joined, words = _name_words(reason)
    dated = _dob_text(reason)
    for name, dob in children:
        if name:
            whole, parts = _name_words(name)
            if (whole and f" {whole} " in f" {joined} ") or \
                    any(_letters(p) >= 3 and p in words for p in parts):
                raise RefusedError("the reason holds the child's name: say why without personal data")
        if dob and any(re.search(rf"(?<![0-9a-z]){re.escape(form)}(?![0-9a-z])", dated)
                       for form in _dob_forms(dob)):
            raise RefusedError("the reason holds the child's date of birth: say why without personal data")


def assign(db: Database, *, ref: str, team: str, coordinator: str | None, by: str, today: date) -> int:
    """Move a case to a team (and coordinator), recorded as an event."""
    coordinator = clean_text(coordinator, "coordinator") if coordinator is not None else None
    with db.write():
        case_row = store.find_case(db, ref)
        refuse_erased(case_row, store.event_rows(db, case_row.id))
        refuse_broken_chain(db, case_row)
        store.set_holder(db, case_row.id, team=team, coordinator=coordinator)
        return store.insert_event(db, case_id=case_row.id, kind="assign", when=today,
                                  details={"team": team, "coordinator": coordinator,
                                           "from_team": case_row.team,
                                           "from_coordinator": case_row.coordinator},
                                  recorded_by=by, now=now())




def current_placement(values: dict) -> Placement | None:
    """The current main placement given by checked return values (--urn/--ukprn/--setting-type with
    --placement-from and --placement-phase), or None."""
    if not any(values.get(k) for k in ("urn", "ukprn", "setting_type")):
        return None
    entry = values.get("placement_from")
    return Placement(values.get("urn"), values.get("ukprn"), values.get("setting_type"), 1,
                     date.fromisoformat(entry) if entry else None, None, values.get("placement_phase"))


def put_return_values(db: Database, rows: list[tuple[int, dict]]) -> None:
    """Checked return values of new cases (codes.check_return_values) into their columns and, for the
    current placement, the placements table: the one place add-request and import write them."""
    set_case_values(db, rows)
    placements = []
    for case_id, values in rows:
        placements += [(case_id, Placement(p.get("urn"), p.get("ukprn"), p.get("setting_type"), p["rank"],
                                           _day(p.get("entry")), _day(p.get("leaving")), p.get("phase")))
                       for p in values.get("placements", ())]
        current = current_placement(values)
        if current is not None:
            placements.append((case_id, current))
    add_placements(db, placements)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def refuse_placement_from(values: dict, *, dob: date, today: date, context: Context) -> None:
    """A new current placement's start (checked return values' `placement_from`) is a day the calendar
    counts in, not before the child's date of birth and not after `today` (the CLI's, passed in)."""
    problem = placement_dates_problem(values, dob=dob, today=today, first_year=context.calendar.first_year,
                                      last_year=context.calendar.last_year)
    if problem:
        raise RefusedError(problem)


def change_return_values(db: Database, case_id: int, values: dict) -> dict[str, list]:
    """For `edit` (inside its write): set the given return fields (checked by codes.check_return_values)
    and, with --urn/--ukprn/--setting-type, a new current main placement (the one it replaces leaves the
    day before --placement-from). Returns what changed as {key: [old, new]}, the placement as
    {"placement": [old or None, new]} in the import layout's form, for the edit event's details."""
    checked = check_return_values(values)
    old, placement = case_return_values(db, case_id)
    changes = {key: [old.get(key), value] for key, value in checked.items()
               if key in old and old.get(key) != value}
    # a UPN and a reason it is unknown exclude each other: giving one clears the other
    for given, other in (("upn", "upn_unknown"), ("upn_unknown", "upn")):
        if given in changes and old.get(other) is not None:
            changes[other] = [old[other], None]
    clear_case_values(db, case_id, [key for key, (_, new) in changes.items() if new is None])
    set_case_values(db, [(case_id, {key: new for key, (_, new) in changes.items()})])
    new = current_placement(checked)
    if new is not None and placement is not None and _corrects(placement, new) \
            and not checked.get("placement_phase"):
        new = replace(new, phase=placement.phase)  # a correction keeps the phase unless given
    if new is not None and (placement is None or new.as_data() != placement.as_data()):
        if placement is not None and new.entry is None:
            raise RefusedError("the case has a current placement: give --placement-from, the day the new "
                               "one started (the current one leaves the day before), or the current "
                               "one's entry to correct it")
        if placement is not None and _corrects(placement, new):
            _refuse_entry_before_previous(db, case_id, placement, new)
            correct_current_placement(db, case_id, placement, new)
        else:
            if placement is not None and placement.entry is not None and new.entry is not None \
                    and new.entry < placement.entry:
                raise RefusedError(f"placement-from must be after the current placement's entry "
                                   f"({placement.entry}) for a new placement (the current one leaves the "
                                   "day before), or equal to it to correct the current one")
            set_current_placement(db, case_id, new)
        changes["placement"] = [placement.as_data() if placement else None, new.as_data()]
    return changes


def _setting(p: Placement) -> tuple:
    return p.urn, p.ukprn, p.setting_type


def _corrects(current: Placement, new: Placement) -> bool:
    """Whether an edit's placement corrects the current one in place rather than starting a new one: it
    gives the current one's entry (its setting or phase was wrong), or the current one's setting (its
    entry or phase was wrong: a child does not move to the school they are at). README "Correcting a
    case" says so."""
    return new.entry == current.entry or _setting(new) == _setting(current)


def _refuse_entry_before_previous(db: Database, case_id: int, current: Placement, new: Placement) -> None:
    """A corrected entry must stay after the entry of the placement the current one replaced (that one
    leaves the day before it), so no placement leaves before it starts."""
    if new.entry is None or current.entry is None or new.entry == current.entry:
        return
    before = current.entry - timedelta(days=1)
    for p in placements_of(db, case_id):
        if p.rank == current.rank and p.leaving == before and p.entry is not None and new.entry <= p.entry:
            raise RefusedError(f"placement-from must be after the previous placement's entry ({p.entry}): "
                               "it leaves the day before the corrected one starts")
