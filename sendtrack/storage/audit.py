"""The tamper-evident audit trail: each event's hash in one canonical form, chained to the previous
event of its case; each case's chain head; recomputing the chains; the append-only triggers' names.

A case's chain runs through its events in id order (the order they were written). Event N's hash is
SHA-256 over `canonical(...)`: the previous event's hash (GENESIS for the first), the case id, the
event's id, kind, date, details (the JSON text exactly as stored), voids, recorded_by and recorded_at,
and for an imported event who imported it and when (imported_by/imported_at, migration 0004: an event
without them hashes exactly as before that revision, so no stored hash changed); identity-bearing
events (the request) also carry the case's own fixed values (`IDENTITY`: reference, name, date of
birth, ...), so a raw edit of a child's name breaks the chain at the request. The table
`audit_heads` keeps each case's last event id and hash, so a removed last event is seen too, and new
events chain to the head rather than to what is left in the table (a deletion cannot be healed by
writing after it).

The hash is not keyed: it detects an edit made without recomputing the chain (the triggers refuse
UPDATE and DELETE; someone who drops them and rewrites every later hash with this module is not
detected by it: keep backups, which hold the chain as it was).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

from sendtrack.storage.db import Database

#: The hash the first event of a case chains to.
GENESIS = "0" * 64
#: The version of the canonical form: bump it (and re-hash in a migration) if `canonical` ever changes.
FORM = "sendtrack-audit-1"
#: Kinds whose hash also covers the case's own values (IDENTITY, from the cases row): the request
#: covers them as they were received, each `edit` as they were right after it. The values at an
#: earlier event are the current ones with every later edit undone (its details keep the old and the
#: new value), so `check` passes after an edit and still catches a raw UPDATE (the last edit, or the
#: request, then covers values the row no longer holds).
IDENTITY_KINDS = frozenset({"request", "edit"})
#: The case columns only `edit` changes after the request (team and coordinator change through
#: `assign`, whose events record every move).
IDENTITY = ("ref", "name", "dob", "received", "source", "looked_after", "alternative_provision", "setting")

_sha256 = hashlib.sha256

#: Kinds that erase a case's personal values (app/privacy.py): their details' `request` is the hash of
#: the case's request event, and `edits` each rewritten edit's (by id), taken over the events as the
#: erasure left them (`commitments`).
ERASE_KINDS = frozenset({"erase"})


def day(value) -> str:
    """A date as ISO text (PostgreSQL gives dates; SQLite keeps the ISO text)."""
    return value.isoformat() if isinstance(value, date) else str(value)


def stamp(value) -> str:
    """A recorded_at value as `YYYY-MM-DD HH:MM:SS[.ffffff]`, however it was stored: SQLite keeps the
    text it was given (`2025-01-06T09:00`, `...+01:00`, `... 09:00:00.000000` from SQLAlchemy),
    PostgreSQL a timestamp without time zone (it drops an offset it is given); both read back to this."""
    if type(value) is str and len(value) == 19 and value[10] == " ":
        return value  # the form sendtrack itself writes
    if not isinstance(value, datetime):
        try:
            value = datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)  # not a time: hashed as it is, so an edit of it still shows
    return value.replace(tzinfo=None).isoformat(sep=" ")


def _text(value) -> str:
    """Length-prefixed, so no two different sequences of fields make the same input."""
    return "~" if value is None else f"{len(value)}:{value}"


def identity(ref, name, dob, received, source, looked_after, alternative_provision, setting) -> str:
    """The case's fixed values (IDENTITY) in canonical form, for an identity-bearing event's hash."""
    return (f"{_text(ref)}|{_text(name)}|{day(dob)}|{day(received)}|{_text(source)}|"
            f"{int(bool(looked_after))}|{int(bool(alternative_provision))}|{_text(setting)}")


def identities_of(values: Sequence, events: Iterable[Sequence]) -> dict[int, str]:
    """event id -> `identity(...)` of each identity-bearing event of one case, from the case's current
    values (IDENTITY order) and its events' (id, kind, details JSON): walking back from the newest,
    each edit covers the values as they are after it, then is undone (its `changes` old values)."""
    import json

    state = dict(zip(IDENTITY, values, strict=True))
    out: dict[int, str] = {}
    for event_id, kind, details in sorted(events, key=lambda e: e[0], reverse=True):
        if kind not in IDENTITY_KINDS:
            continue
        out[event_id] = identity(*(state[name] for name in IDENTITY))
        if kind == "edit":
            try:
                changes = json.loads(details).get("changes") or {}
            except (ValueError, AttributeError):
                changes = {}  # not what sendtrack writes: the hash shows the alteration
            for name, pair in changes.items() if isinstance(changes, dict) else ():
                if name in state and isinstance(pair, list) and len(pair) == 2:
                    state[name] = pair[0]
    return out


def canonical(previous: str, case_id: int, event_id: int, kind: str, when, details: str,
              voids: int | None, recorded_by: str, recorded_at, who: str = "",
              imported_by: str | None = None, imported_at=None) -> bytes:
    """The bytes an event's hash is taken over. `who` is `identity(...)` for IDENTITY_KINDS, else "".
    An imported event's importer and time follow, length-prefixed after a separator no event without
    them has (so rewriting who imported a row breaks the chain as rewriting recorded_by does).

    Written out in one f-string, the usual forms tested inline: this runs for every event of a
    sample, an import, a check and a recompute (~1 us here, about as much as the SHA-256). The text
    columns are NOT NULL, so only a date or time needs reading into its one form."""
    if type(when) is not str:
        when = day(when)
    if type(recorded_at) is not str or len(recorded_at) != 19 or recorded_at[10] != " ":
        recorded_at = stamp(recorded_at)
    text = (f"{FORM}\x1f{previous}\x1f{case_id}\x1f{event_id}\x1f{len(kind)}:{kind}\x1f{when}\x1f"
            f"{len(details)}:{details}\x1f{'' if voids is None else voids}\x1f"
            f"{len(recorded_by)}:{recorded_by}\x1f{recorded_at}\x1f{who}")
    if imported_by is not None or imported_at is not None:
        text += f"\x1e{_text(imported_by)}\x1f{_text(None if imported_at is None else stamp(imported_at))}"
    return text.encode()


def event_hash(previous: str, case_id: int, event_id: int, kind: str, when, details: str,
               voids: int | None, recorded_by: str, recorded_at, who: str = "",
               imported_by: str | None = None, imported_at=None) -> str:
    return _sha256(canonical(previous, case_id, event_id, kind, when, details, voids, recorded_by,
                             recorded_at, who, imported_by, imported_at)).hexdigest()


# --- writing ------------------------------------------------------------------------------------------

#: Set a case's chain head (inside the write transaction that adds its events).
PUT_HEAD = ("INSERT INTO audit_heads (case_id, event_id, hash) VALUES (?, ?, ?) "
            "ON CONFLICT (case_id) DO UPDATE SET event_id = excluded.event_id, hash = excluded.hash")
GET_HEAD = "SELECT event_id, hash FROM audit_heads WHERE case_id = ?"


def chain(events: Iterable[Sequence], identities: dict[int, str | tuple],
          heads: dict[int, tuple[int, str]]) -> list[tuple]:
    """Event rows in storage.columns.EVENTS order without the hash -> the same rows with their hash
    (rows may stop before imported_by/imported_at, as migration 0003 reads them, which hashes alike).

    Rows of one case must come in id order (the chain's order); each chains to `heads` (case id ->
    (event id, hash) of the case's last stored event, updated in place to the new last), or to
    GENESIS. `identities` gives, for the cases of identity-bearing events, `identity(...)` or the
    case's current values (IDENTITY order), from which each event's are found with `identities_of`
    when the case has edits among `events`. `events` may be a generator: it is read into a list first,
    as the edits are looked for before the rows are hashed."""
    events = events if isinstance(events, list | tuple) else list(events)
    edited = {row[1] for row in events if row[2] == "edit"}
    per_event: dict[int, str] = {}
    for case_id in edited:
        values = identities.get(case_id)
        if isinstance(values, tuple):
            per_event.update(identities_of(
                values, [(r[0], r[2], r[4]) for r in events if r[1] == case_id]))
    out: list[tuple] = []
    append = out.append
    for row in events:
        if len(row) == 10:
            event_id, case_id, kind, when, details, voids, by, at, imported_by, imported_at = row
        else:
            event_id, case_id, kind, when, details, voids, by, at, *imported = row
            imported_by, imported_at = imported or (None, None)
        last = heads.get(case_id)
        if last is not None and event_id <= last[0]:
            raise ValueError(f"event {event_id} of case {case_id} is not after its last event {last[0]}")
        who = ""
        if kind in IDENTITY_KINDS:
            found = per_event.get(event_id) or identities.get(case_id, "")
            who = identity(*found) if isinstance(found, tuple) else found
        if (type(when) is str and type(at) is str and len(at) == 19 and at[10] == " "
                and type(imported_by) is str and type(imported_at) is str and len(imported_at) == 19
                and imported_at[10] == " "):
            # an import's row, every value in its one form: `canonical`'s text written out here (the
            # same bytes; ~1 us less a row than the call)
            text = (f"{FORM}\x1f{last[1] if last else GENESIS}\x1f{case_id}\x1f{event_id}\x1f"
                    f"{len(kind)}:{kind}\x1f{when}\x1f{len(details)}:{details}\x1f"
                    f"{'' if voids is None else voids}\x1f{len(by)}:{by}\x1f{at}\x1f{who}"
                    f"\x1e{len(imported_by)}:{imported_by}\x1f19:{imported_at}")
            digest = _sha256(text.encode()).hexdigest()
        else:
            digest = _sha256(canonical(last[1] if last else GENESIS, case_id, event_id, kind, when, details,
                                       voids, by, at, who, imported_by, imported_at)).hexdigest()
        heads[case_id] = (event_id, digest)
        append((*row, digest))
    return out


# --- verifying ----------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Break:
    """The first broken link of a case's chain."""

    case_id: int
    ref: str
    event_id: int | None
    kind: str | None
    date: str | None
    reason: str

    def message(self) -> str:
        """Names the event by id, kind and date; a kind or date that sendtrack never writes (a row
        changed by hand, which may hold anything, a name too) is not quoted."""
        if self.event_id is None:
            return self.reason
        from sendtrack.kinds import BY_NAME

        kind = self.kind if self.kind in BY_NAME else "an unknown kind"
        day = self.date if self.date is not None and _ISO_DAY.fullmatch(self.date) else "not a date"
        return f"event {self.event_id} ({kind}, {day}): {self.reason}"


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


ALTERED = "hash does not match — the event was altered, or an event before it was removed"
ALTERED_REQUEST = ("hash does not match — the event, or the case's reference, name, date of birth or other "
                   "request values, was altered")
UNHASHED = "no hash — the event was written outside sendtrack"


def digests(case_id: int, who: str | tuple, events: Sequence[Sequence]) -> Iterator[tuple[Sequence, str]]:
    """Each of one case's events (as `verify` reads them) with the hash recomputed from what is stored
    now, each chained to the previous event's *stored* hash: what `verify` compares, and what an erase
    commits to for the events its rewrite changes (app/privacy.erase)."""
    previous = GENESIS
    if isinstance(who, tuple):
        whos = identities_of(who, [(e[0], e[1], e[3]) for e in events])
    else:
        whos = {e[0]: who for e in events}
    for row in events:
        event_id, kind, when, details, voids, by, at, imported_by, imported_at, stored = row
        yield row, _sha256(canonical(previous, case_id, event_id, kind, when, details, voids, by, at,
                                     whos[event_id] if kind in IDENTITY_KINDS else "", imported_by,
                                     imported_at)).hexdigest()
        previous = stored


def verify(case_id: int, ref: str, who: str | tuple, events: Sequence[Sequence], head: Sequence | None
           ) -> Break | None:
    """Recompute one case's chain: `events` are (id, kind, date, details, voids, recorded_by,
    recorded_at, imported_by, imported_at, hash) in id order, `who` the case's current values
    (IDENTITY order; or their `identity(...)` when it has no edit), `head` its (event id, hash) in
    audit_heads. Returns the first broken link, or None.

    An erased case's identity-bearing events (the request, each edit) were hashed over the name and
    date of birth the erasure replaced, in the case row and in the edits' `changes`, which are gone:
    such an event's stored hash stands (the next link covers it) when the event, read as it is now,
    hashes to the commitment an `erase` event of the case recorded for it (`commitments`), and the
    erase event is itself a link of the chain, so neither can be rewritten unseen."""
    previous = GENESIS
    committed = commitments(row[3] for row in events if row[1] in ERASE_KINDS)
    for row, digest in digests(case_id, who, events):
        event_id, kind, when, stored = row[0], row[1], row[2], row[-1]
        if stored is None:
            return Break(case_id, ref, event_id, kind, day(when), UNHASHED)
        bearing = kind in IDENTITY_KINDS
        if digest != stored and not (bearing and digest == committed.get((kind, event_id))
                                     or kind == "request" and digest in committed.get("request", ())):
            return Break(case_id, ref, event_id, kind, day(when), ALTERED_REQUEST if bearing else ALTERED)
        previous = stored
    last_id = events[-1][0] if events else None
    if head is None:
        return None if last_id is None else Break(
            case_id, ref, None, None, None,
            "the case has events but no chain head (audit_heads): they were written outside sendtrack")
    head_id, head_hash = head
    if head_id == last_id and head_hash == previous:
        return None
    if last_id is None:
        reason = f"every event is missing: the chain ends at event {head_id}, which was removed"
    elif head_id > last_id:
        reason = (f"the case's last event {head_id} is missing (what is left ends at event {last_id}): "
                  "it was removed")
    else:
        reason = f"the chain head (event {head_id}) does not match the case's last event {last_id}: altered"
    return Break(case_id, ref, None, None, None, reason)


#: An event as `verify` reads it, its case id first; a case's rows come together, in the index's
#: (date, id) order that the rules read too (so bulk.fetch_range reads them once for both), and are
#: put in id order, the chain's, case by case.
CHAIN_EVENTS = ("SELECT case_id, id, kind, date, details, voids, recorded_by, recorded_at, imported_by, "
                "imported_at, hash FROM events")
CHAIN_ORDER = " ORDER BY case_id, date, id"
CHAIN_CASES = f"SELECT id, {', '.join(IDENTITY)} FROM cases"
HEADS = "SELECT case_id, event_id, hash FROM audit_heads"


def find_breaks(db: Database, lo: int | None = None, hi: int | None = None,
                events: Iterable[Sequence] | None = None) -> list[Break]:
    """The first broken link of every case (with ids in [lo, hi] when given), by case id; `events`
    are those cases' rows of CHAIN_EVENTS in CHAIN_ORDER when the caller has read them already, else
    they are read here a batch at a time. Events of no case are left to `check`'s orphans."""
    where, params = ("", ()) if lo is None else (" WHERE {} BETWEEN ? AND ?", (lo, hi))
    cases = {row[0]: row for row in db.all(CHAIN_CASES + where.format("id"), params)}
    heads = {row[0]: row[1:] for row in db.all(HEADS + where.format("case_id"), params)}
    if events is None:
        events = _stream(db.execute(CHAIN_EVENTS + where.format("case_id") + CHAIN_ORDER, params))
    out: list[Break] = []
    seen: set[int] = set()

    def judge(case_id: int, rows: list) -> None:
        case = cases.get(case_id)
        if case is None:
            return
        seen.add(case_id)
        rows.sort()  # by id: (id, kind, ...) tuples, ids unique
        found = verify(case_id, case[1], tuple(case[1:]), rows, heads.get(case_id))
        if found is not None:
            out.append(found)

    current: int | None = None
    rows: list[tuple] = []
    for row in events:
        if row[0] != current:
            if current is not None:
                judge(current, rows)
            current, rows = row[0], []
        rows.append(tuple(row[1:]))
    if current is not None:
        judge(current, rows)
    for case_id in heads.keys() - seen:  # a head but no events left
        judge(case_id, [])
    return sorted(out, key=lambda b: b.case_id)


def commitments(details: Iterable) -> dict:
    """What erase events (their details JSON) vouch for: ("edit", event id) -> digest from each one's
    `edits`, and "request" -> the set of its `request` digests (the form issue 9's erase wrote, still
    read: a request's digest, for the case's request only)."""
    out: dict = {"request": set()}
    for text in details:
        try:
            found = json.loads(text)
        except (TypeError, ValueError):
            continue
        if not isinstance(found, dict):
            continue
        if isinstance(found.get("request"), str):
            out["request"].add(found["request"])
        edits = found.get("edits")
        for key, value in edits.items() if isinstance(edits, dict) else ():
            if str(key).isdigit() and isinstance(value, str):
                out["edit", int(key)] = value
    return out


def _stream(cursor) -> Iterable[Sequence]:
    while rows := cursor.fetchmany(10_000):
        yield from rows


# --- the database's own refusal -----------------------------------------------------------------------

#: What the triggers say.
MESSAGE = "events are append-only"
#: The one text of the append-only triggers, by dialect and name: migration 0003 creates them from here
#: (PostgreSQL's after PG_FUNCTION), 0004's downgrade puts SQLite's back after its table copy, and
#: `lifted` re-creates the update trigger after erasure's one rewrite. Changing a text here changes
#: what those run: a new revision, then, to replace the triggers of databases made before.
TRIGGER_SQL = {
    "sqlite": {
        "events_no_update": "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN "
                            f"SELECT RAISE(ABORT, '{MESSAGE}'); END",
        "events_no_delete": "CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN "
                            f"SELECT RAISE(ABORT, '{MESSAGE}'); END",
    },
    "postgresql": {
        "events_no_update": "CREATE TRIGGER events_no_update BEFORE UPDATE ON events FOR EACH ROW "
                            "EXECUTE FUNCTION events_append_only()",
        "events_no_delete": "CREATE TRIGGER events_no_delete BEFORE DELETE ON events FOR EACH ROW "
                            "EXECUTE FUNCTION events_append_only()",
        "events_no_truncate": "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events "
                              "FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()",
    },
}
#: The function PostgreSQL's triggers run (created before them).
PG_FUNCTION = ("CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
               f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$")
#: The triggers `check` expects on the events table, by dialect.
TRIGGERS = {"sqlite": ("events_no_delete", "events_no_update"),
            "postgresql": ("events_no_delete", "events_no_truncate", "events_no_update")}


def missing_triggers(db: Database) -> list[str]:
    """The append-only triggers that are not there (or, on PostgreSQL, are disabled)."""
    if db.dialect == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
    else:
        sql = ("SELECT tgname FROM pg_trigger WHERE tgrelid = 'events'::regclass AND NOT tgisinternal "
               "AND tgenabled <> 'D'")
    present = {row[0] for row in db.all(sql)}
    return [name for name in TRIGGERS[db.dialect] if name not in present]


def drop_trigger(dialect: str, name: str) -> str:
    """The statement that drops one of TRIGGER_SQL's triggers."""
    return f"DROP TRIGGER IF EXISTS {name}" + (" ON events" if dialect == "postgresql" else "")


@contextmanager
def lifted(db: Database) -> Iterator[None]:
    """The update trigger dropped for the statements inside, and re-created from TRIGGER_SQL after them,
    inside the caller's write transaction (DDL is transactional on SQLite and PostgreSQL: if anything
    fails, the rollback restores the trigger with everything else). Erasure's rewrite only
    (app/privacy.erase); on PostgreSQL it needs the role that owns the events table."""
    db.execute(drop_trigger(db.dialect, "events_no_update"))
    yield
    db.execute(TRIGGER_SQL[db.dialect]["events_no_update"])
