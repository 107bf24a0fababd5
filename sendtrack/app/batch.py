"""Work over many cases at once: deadlines computed in worker processes, events replayed through the rules.

`sample`, `import` and `recompute` share this. The rules cost ~150 us a case, so England's 640,000 cases
are ~100 s of one core: the computing is spread over worker processes (one per core, at most
`MAX_WORKERS`), while the parent alone writes to the database in one transaction.
"""

from __future__ import annotations

import json
import os
from array import array
from bisect import bisect_left, insort
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from sendtrack import kinds
from sendtrack.app import collector
from sendtrack.app.context import Context
from sendtrack.calendar import Calendar
from sendtrack.domain import Case, Deadline, Event, Settings
from sendtrack.errors import RefusedError, a
from sendtrack.output.progress import progress  # import and sample draw theirs as bulk.progress
from sendtrack.rules.engine import compute, refusal
from sendtrack.storage.bulk import rows_digest
from sendtrack.storage.bulk import runs as _runs  # inclusive ranges of consecutive ids
from sendtrack.storage.columns import DEADLINE_FIELDS

MAX_WORKERS = 2
#: Cases per task handed to a worker: big enough that pickling is cheap, small for a smooth progress bar.
CHUNK = 1000
#: Cases a long writer writes per step of its turn with the write lock (a step is well under 0.1 s).
WRITE_CASES = 100

#: (id, kind, date ISO, details JSON, voids) of one stored event, in (date, id) order.
EventTuple = tuple[int, str, str, str, int | None]
#: (case id, ref, dob ISO, received ISO, looked_after, alternative_provision, setting)
CaseTuple = tuple[int, str, str, str, bool, bool, str | None]


def workers() -> int:
    """Processes to compute with: SENDTRACK_WORKERS, else one per core up to MAX_WORKERS (0: in-process)."""
    chosen = os.environ.get("SENDTRACK_WORKERS")
    if chosen is not None and chosen.isdigit():
        return int(chosen)
    return min(MAX_WORKERS, os.cpu_count() or 1)


# --- rows to domain values and back -------------------------------------------------------------------

@lru_cache(maxsize=1 << 12)
def _pairs(details: str) -> tuple[tuple[str, str], ...]:
    """Event details as Event.make keeps them; cached, as most details repeat ({"outcome": "assess"}).

    4,096 entries, not 65,536: a council's repeated details are ~2,000, and the rest (an assignment's
    coordinators, a meeting's date) are mostly each of one event; 65,536 of them held ~50 MB in each
    worker, filled from ~115,000 cases on (docs/performance.md, "Branch recompute")."""
    if details == "{}" or not details:
        return ()
    return tuple(sorted((k, v if type(v) is str else str(v))
                        for k, v in json.loads(details).items() if v is not None))


def to_case(case: CaseTuple, events: Iterable[EventTuple]) -> Case:
    """The domain case from stored rows (as storage.cases.to_case, without the row objects' cost)."""
    rows = list(events)
    voided = {r[4] for r in rows if r[1] == "void" and r[4] is not None}
    made = tuple(Event(id_, kind, date.fromisoformat(day[:10]), _pairs(details))
                 for id_, kind, day, details, _ in rows if kind != "void" and id_ not in voided)
    _, ref, dob, received, looked_after, ap, setting = case
    return Case(ref=ref, dob=date.fromisoformat(dob[:10]), received=date.fromisoformat(received[:10]),
                looked_after=bool(looked_after), alternative_provision=bool(ap), setting=setting,
                events=made, void=any(r[1] == "request" and r[0] in voided for r in rows))


def deadline_rows(case_id: int, items: Sequence[Deadline]) -> list[tuple]:
    """Rows of the deadlines table in DEADLINE_FIELDS order (dates as ISO text, as SQLite stores them).

    Spelt out field by field: this runs ~10 million times at England scale."""
    return [(case_id, d.rule, d.owner, d.kind, d.source, d.trigger.isoformat(), d.due.isoformat(),
             d.act_by.isoformat(), d.subject, d.completed_on and d.completed_on.isoformat(),
             d.excepted_from and d.excepted_from.isoformat(), d.exception_limb,
             d.ended_on and d.ended_on.isoformat(), d.known_from and d.known_from.isoformat(),
             d.known_until and d.known_until.isoformat())
            for d in items]


assert DEADLINE_FIELDS == ("rule", "owner", "kind", "source", "trigger", "due", "act_by", "subject",
                           "completed_on", "excepted_from", "exception_limb", "ended_on", "known_from",
                           "known_until"), "deadline_rows spells these out in this order"


def _recorded(event: Event) -> tuple[date, int]:
    return event.date, event.id  # the order storage hands events to the rules


# --- replaying a case's history through the rules -----------------------------------------------------

def replay_problems(case: Case, events: Sequence[tuple[int, Event, int | None]], *, today: date,
                    calendar: Calendar, settings: Settings) -> list[tuple[int, str]]:
    """Replay events in the order they were recorded, judging each as `sendtrack record` would have.

    `events` are (recording order key, event, voided event id) with the case's request first; returns
    (key, reason) for every event the rules refuse. The case's own values come from `case`.
    """
    problems: list[tuple[int, str]] = []
    live: list[Event] = []
    seen: dict[int, str] = {}
    voided: set[int] = set()
    # the case as it stands before each event: extended in place when the event sorts last (events
    # recorded in date order, nearly always), rebuilt only after a void or a back-dated event
    def rebuilt(events: tuple[Event, ...]) -> Case:
        # the case's own values with these events (not its `void`: the replay judges the events)
        return replace(case, events=events, void=False)

    current = rebuilt(())

    def add(event: Event) -> Case:
        if not live or _recorded(live[-1]) < _recorded(event):
            live.append(event)
            return current.then(event)
        insort(live, event, key=_recorded)
        return rebuilt(tuple(live))

    for key, event, target in events:
        if event.kind == "void":
            if target not in seen:
                problems.append((key, f"void of event {target}, which is not an earlier event of this case"))
            elif seen[target] in kinds.UNVOIDABLE:
                problems.append((key, f"event {target} is {a(seen[target])} and cannot be voided"))
            elif target in voided:
                problems.append((key, f"event {target} is already voided"))
            else:
                voided.add(target)
                live = [e for e in live if e.id != target]
                current = rebuilt(tuple(live))
            seen[event.id] = event.kind
            continue
        seen[event.id] = event.kind
        if event.kind == "request":
            if event.date != case.received:
                problems.append((key, f"request date {event.date} differs from the case's received date "
                                      f"{case.received}"))
            current = add(event)
            continue
        problem = refusal(current, event, today=today, calendar=calendar, settings=settings)
        if problem:
            problems.append((key, problem))
        else:
            current = add(event)
    return problems


# --- worker processes -----------------------------------------------------------------------------------

_context: Context | None = None
_fetch: Callable | None = None


def _init(context: Context, fetch: Callable | None = None) -> None:
    global _context, _fetch
    _context, _fetch = context, fetch


def _worker(context: Context, fetch: Callable | None = None) -> None:
    """A worker's initializer: its context, and the collector's bulk policy (app/collector.py)."""
    collector.settle()
    _init(context, fetch)


def context() -> Context:
    """The context this process computes with (set by `pool`)."""
    assert _context is not None, "batch.pool() sets up the context first"
    return _context


def compute_rows(case_id: int, case: Case) -> list[tuple]:
    rules = context()
    return deadline_rows(case_id, compute(case, rules.calendar, rules.settings))


@contextmanager
def pool(context: Context, *, count: int | None = None,
         fetch: Callable | None = None) -> Iterator[Callable]:
    """`imap(fn, tasks)` over worker processes (fork where there is one), or in this process when
    one core or SENDTRACK_WORKERS=0; results come back in task order. `fetch` is how a worker reads."""
    count = workers() if count is None else count
    _init(context, fetch)
    with collector.bulk():  # frozen before the fork: the workers inherit start-up's objects frozen
        if count < 1:
            yield map
            return
        import multiprocessing

        methods = multiprocessing.get_all_start_methods()
        spawning = multiprocessing.get_context("fork" if "fork" in methods else None)
        processes = spawning.Pool(count, initializer=_worker, initargs=(context, fetch))
        try:
            yield lambda fn, tasks: _bounded(processes, fn, tasks, ahead=2 * count)
        finally:
            processes.terminate()
            processes.join()


def _bounded(processes, fn: Callable, tasks: Iterable, *, ahead: int) -> Iterator:
    """Like Pool.imap, but with at most `ahead` tasks in flight: Pool.imap would draw every task from
    a generator at once (a whole England import file in memory)."""
    pending: deque = deque()
    for task in tasks:
        pending.append(processes.apply_async(fn, (task,)))
        if len(pending) >= ahead:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


# --- change counting for recompute ----------------------------------------------------------------------

#: Where a deadline row (case_id, *DEADLINE_FIELDS) holds what identifies a deadline.
_RULE, _SUBJECT, _TRIGGER = (1 + DEADLINE_FIELDS.index(name) for name in ("rule", "subject", "trigger"))


def changed_rows(old: list[tuple], new: list[tuple]) -> int:
    """Deadline rows that differ: one per (rule, subject, trigger) added, removed or altered."""
    if old == new:
        return 0

    def key(row: tuple) -> tuple:
        return row[_RULE], row[_SUBJECT], row[_TRIGGER]

    # rows equal at the same position are taken out of both first: removing a row from both multisets
    # leaves both differences as they were, and most of a changed case's rows are where they were
    if len(old) == len(new):
        pairs = [(was, now) for was, now in zip(old, new, strict=True) if was != now]
        old, new = [was for was, _ in pairs], [now for _, now in pairs]
    # the usual case: no row twice on a side, no deadline twice among the rows gone nor among those
    # added; the multisets below are then sets, and sets are counted in C (Counter's `-` is Python)
    olds, news = set(old), set(new)
    if len(olds) == len(old) and len(news) == len(new):
        gone_rows, added_rows = olds - news, news - olds
        gone_keys, added_keys = {key(r) for r in gone_rows}, {key(r) for r in added_rows}
        if len(gone_keys) == len(gone_rows) and len(added_keys) == len(added_rows):
            return len(gone_keys | added_keys)
    gone, added = Counter(old), Counter(new)
    gone, added = gone - added, added - gone

    before = Counter(key(r) for r in gone.elements())
    after = Counter(key(r) for r in added.elements())
    return sum((before | after).values())


@dataclass
class Recomputed:
    cases: int = 0
    deadlines: int = 0
    changed: int = 0
    changed_cases: int = 0
    fingerprint_was: str | None = None  # the configuration the deadlines followed before
    skipped: int = 0  # cases unchanged since the last recompute, not computed again


#: meta row: what the last finished recompute covered (JSON), so the next can skip unchanged cases
RECOMPUTED = "recomputed"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sha256 (short hex) of every file of this sendtrack package: another version may compute other
    deadlines, so after an upgrade (or any change to the code) recompute skips nothing."""
    import hashlib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def inputs_fingerprint(context: Context) -> str:
    """What, besides a case's own events, its deadlines are computed from: the configuration (settings
    and closures), the bank holidays and the code."""
    import hashlib

    days = ",".join(sorted(day.isoformat() for day in context.calendar.bank_holidays))
    return hashlib.sha256(f"{context.fingerprint}|{code_fingerprint()}|{days}".encode()).hexdigest()[:16]


def _to_do(db, context: Context, full: bool) -> tuple[array[int], array[int]]:
    """(the ids of the cases to recompute, every case id), sorted, 8 bytes a case. A case is skipped
    when the last recompute covered it (its id was at most the highest then, with the same number of
    such cases now) and no event of it came after the last event then (events are append-only, numbered
    upwards), under the same configuration, bank holidays and code: its deadlines were computed then,
    or by the write that added its events since, from the same inputs."""
    import json

    from sendtrack.storage import meta
    from sendtrack.storage.bulk import case_ids, cases_up_to, cases_written_since

    ids = case_ids(db)
    state = meta.get(db, RECOMPUTED)
    last = json.loads(state) if state else None
    if full or last is None or last.get("inputs") != inputs_fingerprint(context) \
            or meta.stored_fingerprint(db) != context.fingerprint:
        return ids, ids
    if cases_up_to(db, last["cases"]) != last["count"]:  # cases filled in beneath: be safe
        return ids, ids
    since = cases_written_since(db, last["events"])
    return array("q", (case_id for case_id in ids if case_id > last["cases"] or case_id in since)), ids


def _holds(ids: array[int], case_id: int) -> bool:
    """Whether the sorted `ids` hold `case_id`."""
    at = bisect_left(ids, case_id)
    return at < len(ids) and ids[at] == case_id


def _remember(db, context: Context) -> None:
    """Inside the recompute's last transaction: every case's deadlines now follow these inputs."""
    import json

    from sendtrack.storage import meta
    from sendtrack.storage.bulk import case_extent, last_event_id

    cases, count = case_extent(db)
    meta.put(db, RECOMPUTED, json.dumps({"inputs": inputs_fingerprint(context), "events": last_event_id(db),
                                         "cases": cases, "count": count}, sort_keys=True))


def _tasks(ids: array[int], size: int) -> Iterator[list[tuple[int, int]]]:
    """The ids (sorted) as tasks of at most `size` cases, each a list of inclusive runs of ids; made
    as they are drawn (batch._bounded draws a few ahead), not all at once."""
    for start in range(0, len(ids), size):
        yield _runs(list(ids[start:start + size]))


def verify_cases(runs: list[tuple[int, int]]) -> tuple[list, list[int | None]]:
    """(The first broken link of each chain of event hashes of the cases with ids in the inclusive
    ranges `runs`, the digest of what each range's chains were verified from): a worker's task, as
    recompute verifies every chain before writing anything. recompute_cases, given the digests, does
    not verify those chains a second time when what it reads of them is unchanged."""
    assert _fetch is not None
    broken: list = []
    digests: list[int | None] = []
    for lo, hi in runs:
        found, digest = _fetch.breaks(lo, hi)  # type: ignore[attr-defined]
        broken += found
        digests.append(digest)
    return broken, digests


def recompute_cases(runs: list[tuple[int, int, int | None]],
                    ) -> tuple[Recomputed, list[tuple[int, list[tuple] | tuple[int, list], int]], list]:
    """Recompute cases with ids in the inclusive ranges `runs` (lo, hi, the digest verify_cases gave
    for that range, or None): returns (stats, [(case_id, what to write, rows changed) of the changed
    cases], the first broken link of each case's chain of event hashes: none, or nothing is
    recomputed). What to write is only the rows that differ when the case keeps its number of rows
    (storage/bulk.py update_case_deadlines), else all its new rows: a changed setting alters ~3 of a
    case's ~19 rows, and sending every row back cost pickling and comparing them again."""
    assert _context is not None and _fetch is not None
    case_rows: list = []
    event_rows: list = []
    old_rows: list = []
    broken: list = []
    for lo, hi, verified in runs:
        cases, events, old, breaks = _fetch(lo, hi, verified)
        case_rows += cases
        event_rows += events
        old_rows += old
        broken += breaks
    if broken:
        return Recomputed(), [], broken
    stats, changed, _ = _recompute_rows(case_rows, event_rows, old_rows)
    return stats, [(case_id, _to_write(stored, rows), difference)
                   for case_id, rows, difference, stored in changed], []


def _to_write(stored: list[tuple], rows: list[tuple]) -> list[tuple] | tuple[int, list]:
    """A changed case's new rows (case_id, *DEADLINE_FIELDS) as update_case_deadlines takes them: all
    of them when their number differs from the stored rows' (id, case_id, *DEADLINE_FIELDS), else
    (a digest of the stored rows read, [(deadline id, new row)] of the rows that differ)."""
    if len(stored) != len(rows):
        return rows
    return rows_digest(stored), [(was[0], now) for was, now in zip(stored, rows, strict=True)
                                 if was[1:] != now]


def _recompute_rows(case_rows, event_rows, old_rows,
                    ) -> tuple[Recomputed, list[tuple[int, list[tuple], int, list[tuple]]], dict[int, int]]:
    """(stats, [(case_id, new rows, rows changed, the stored rows with their ids) of the changed
    cases], each case's number of deadlines), from fetch_range's rows."""
    events: dict[int, list] = {}
    for row in event_rows:
        events.setdefault(row[0], []).append(row[1:])
    old: dict[int, list] = {}
    for row in old_rows:  # (id, case_id, *DEADLINE_FIELDS)
        old.setdefault(row[1], []).append(tuple(row))
    stats, changed, sizes = Recomputed(), [], {}
    for case in case_rows:
        rows = compute_rows(case[0], to_case(case, events.get(case[0], ())))
        sizes[case[0]] = len(rows)
        stats.cases += 1
        stats.deadlines += len(rows)
        stored = old.get(case[0], [])
        difference = changed_rows([r[1:] for r in stored], rows)
        if difference:
            stats.changed += difference
            stats.changed_cases += 1
            changed.append((case[0], rows, difference, stored))
    return stats, changed, sizes


class _Here:
    """`fetch` for recompute in this process (PostgreSQL, or SENDTRACK_WORKERS=0): RangeReader's
    reads, on the recompute's own connection."""

    def __init__(self, db, turns) -> None:
        self.db, self.turns = db, turns

    def __call__(self, lo: int, hi: int, verified: int | None = None):
        from sendtrack.storage.bulk import fetch_range

        if self.turns.open:  # inside this process's own write transaction: nothing changes under it
            return fetch_range(self.db, lo, hi, verified)
        with self.db.read():
            return fetch_range(self.db, lo, hi, verified)

    def breaks(self, lo: int, hi: int):
        from sendtrack.storage.bulk import verify_range

        if self.turns.open:
            return verify_range(self.db, lo, hi)
        with self.db.read():
            return verify_range(self.db, lo, hi)


class ChainBroken(RefusedError):
    """The event log was changed outside sendtrack: rebuilding the deadlines from what is left would
    hide it (a removed event's deadlines would quietly go), so recompute refuses."""

    def __init__(self, first) -> None:
        super().__init__(f"recompute refused: {first.ref}: audit-chain: {first.message()}; the event log "
                         "was changed outside sendtrack and rebuilding the deadlines would hide it: restore "
                         "the last backup (README: Backup and restore), or run `sendtrack check` to list "
                         "every problem; nothing was written")


def recompute(db, context: Context, *, full: bool = False) -> Recomputed:
    """Rebuild every materialised deadline, only rewriting cases whose rows differ; the stored
    deadlines then follow `context`'s configuration (its fingerprint is recorded: the way to switch
    configuration). Cases unchanged since the last recompute under the same inputs are skipped
    (`_to_do`), unless `full`.

    Every case's chain of event hashes is verified first: at a broken link (an event altered or
    removed outside sendtrack) recompute writes nothing and raises ChainBroken, rather than rebuild
    deadlines that would no longer show the missing event.

    It shares the write lock (Database.turns): workers read the cases a chunk at a time, each from
    one snapshot, and the rows that changed are written in short transactions, so other writers go on
    meanwhile. A case written since the recompute began (an event after the mark) is not rewritten
    from a chunk read before that write; once every chunk is in, such cases are recomputed again in
    the transaction that records the fingerprint (more in turns, while there are many). Recompute is
    idempotent: stopped part-way, some cases are recomputed and the rest are not; run it again."""
    from sendtrack.storage import meta
    from sendtrack.storage.bulk import (
        RangeReader,
        cases_written_since,
        fetch_range,
        last_event_id,
        rewrite_case_deadlines,
        update_case_deadlines,
    )

    total = Recomputed()
    total.fingerprint_was = meta.stored_fingerprint(db)
    db.refuse_read_only()
    _refuse_beside_import(db, total.fingerprint_was, context)
    mark = last_event_id(db)
    with db.read():
        ids, every = _to_do(db, context, full)
    total.skipped = len(every) - len(ids)
    separate = db.dialect == "sqlite" and workers() > 0

    with db.turns() as turns:
        fetch = RangeReader(db.location) if separate else _Here(db, turns)
        with pool(context, count=None if separate else 0, fetch=fetch) as imap:
            # the chains of the cases to recompute first, so a break found later cannot leave half a
            # recompute behind (a skipped case's deadlines are not rebuilt, so they hide nothing);
            # a chunk at a time, in the workers: the whole database's at once held every case's
            # identity and chain head (~1.2 KB a case, most of England's 701 MB) and ran on one core
            verified: list[list[int | None]] = []  # a few bytes a task
            for broken, digests in imap(verify_cases, _tasks(ids, CHUNK)):
                if broken:  # the lowest case id first, as tasks go up
                    raise ChainBroken(broken[0])
                verified.append(digests)
            pending: set[int] = set()  # cases to recompute again at the end, under the lock
            tasks = ([(lo, hi, digest) for (lo, hi), digest in zip(runs, digests, strict=True)]
                     for runs, digests in zip(_tasks(ids, CHUNK), verified, strict=True))
            with progress(len(ids), "Recomputing") as bar:
                for stats, changed, broken in imap(recompute_cases, tasks):
                    if broken:  # broken since the first verification (a race): stop here
                        raise ChainBroken(broken[0])
                    for start in range(0, len(changed), WRITE_CASES):
                        piece = changed[start:start + WRITE_CASES]
                        with turns.step():
                            later = cases_written_since(db, mark)
                            later.update(update_case_deadlines(
                                db, [(c, write) for c, write, _ in piece if c not in later]))
                            for case_id, _, difference in piece:
                                # read before its write, or its rows rewritten since they were read
                                # (another recompute): recomputed again below, under the lock
                                if case_id in later:
                                    stats.changed -= difference
                                    stats.changed_cases -= 1
                                    pending.add(case_id)
                    _add(total, stats)
                    bar.advance(stats.cases)
        # the cases written since the mark, recomputed under the lock (so exactly), until the last
        # few go in with the fingerprint in one transaction
        added: set[int] = set()  # cases added since recompute began, counted once
        while True:
            with turns.step() as step:
                newest = last_event_id(db)
                pending |= cases_written_since(db, mark)
                mark = newest
                last = len(pending) <= WRITE_CASES
                part = sorted(pending)[:WRITE_CASES]
                pending.difference_update(part)
                for lo, hi in _runs(part):
                    case_rows, event_rows, old_rows, broken = fetch_range(step, lo, hi)
                    if broken:
                        raise ChainBroken(broken[0])
                    stats, changed, sizes = _recompute_rows(case_rows, event_rows, old_rows)
                    rewrite_case_deadlines(db, [(c, rows) for c, rows, _, _ in changed])
                    for case_id, size in sizes.items():
                        if case_id not in added and not _holds(every, case_id):  # added meanwhile
                            added.add(case_id)
                            total.cases += 1
                            total.deadlines += size
                    total.changed += stats.changed
                    total.changed_cases += stats.changed_cases
                if last:
                    _refuse_beside_import(db, meta.stored_fingerprint(db), context)
                    meta.store_fingerprint(db, context.fingerprint)
                    _remember(db, context)
                    turns.commit()
                    break
    return total


def _refuse_beside_import(db, stored: str | None, context: Context) -> None:
    """A recompute that switches configuration waits for an import being written (or stopped
    part-way): that import's staged deadlines follow the configuration it was checked under. Under
    the same configuration the two go side by side."""
    from sendtrack.storage.bulk import import_marker

    marker = import_marker(db)
    if marker is not None and stored is not None and stored != context.fingerprint:
        raise RefusedError(f"an import of {marker['file']} is being written or stopped part-way "
                           f"({marker['written']} of {marker['cases']} cases in) under the configuration "
                           "the deadlines follow now: finish it (run the same `sendtrack import` again), "
                           "then run `sendtrack recompute` again")


def _add(total: Recomputed, stats: Recomputed) -> None:
    total.cases += stats.cases
    total.deadlines += stats.deadlines
    total.changed += stats.changed
    total.changed_cases += stats.changed_cases
