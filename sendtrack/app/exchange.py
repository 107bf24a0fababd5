"""Import and export: the documented file layout (docs/import-format.md), atomic bulk load, lossless dump.

One row per event; the case's own columns sit on its `request` row. JSON carries the same fields as a
list of cases, each with its events. Import checks every row, replays each case's events through the
rules in the order they were recorded (as `sendtrack record` would have judged them), and writes
cases, events and deadlines in one transaction, or nothing.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sendtrack import kinds
from sendtrack.app.context import Context
from sendtrack.codes import CASE_RETURN_KEYS, RETURN_FIELDS, check_return_values
from sendtrack.domain import Case, Event
from sendtrack.errors import RefusedError
from sendtrack.output.files import csv_writer, safe_output, unneutralise
from sendtrack.storage.db import Database

#: The file layout's columns (docs/import-format.md): the case's on its request row, then the event's.
FILE_CASE_COLUMNS = ("ref", "name", "dob", "source", "team", "coordinator", "looked_after",
                     "alternative_provision", "setting", "created_at", *CASE_RETURN_KEYS, "placements")
#: read on a request row, never written: the current placement in add-request's terms (a tracker's columns)
IMPORT_ONLY = tuple(f.key for f in RETURN_FIELDS if f.placement)
FILE_EVENT_COLUMNS = ("event_id", "kind", "date", "details", "voids", "recorded_by", "recorded_at")
COLUMNS = FILE_CASE_COLUMNS + FILE_EVENT_COLUMNS
#: where an export row holds a column, read by name
AT = {name: index for index, name in enumerate(COLUMNS)}
REQUIRED = ("ref", "kind", "date")
YES, NO = {"yes", "true", "1", "y"}, {"no", "false", "0", "n", ""}


class ImportRefused(RefusedError):
    """Bad rows: every one is listed, and nothing was written."""

    def __init__(self, problems: list[str], *, dry_run: bool) -> None:
        self.problems = problems
        what = "" if dry_run else "; nothing was imported"
        super().__init__(f"{len(problems)} bad row{'s' if len(problems) != 1 else ''}{what}")


@dataclass
class Loaded:
    cases: int = 0
    events: int = 0
    deadlines: int = 0


@dataclass
class _Case:
    where: str
    ref: str
    values: dict | None = None  # from the request row
    #: (where, event_id or None, kind, date, details, voids, recorded_by, recorded_at)
    events: list = field(default_factory=list)


# --- reading ------------------------------------------------------------------------------------------

def _records(path: Path) -> Iterator[tuple[str, dict]]:
    """(where, row) for every event in the file: CSV rows with their line numbers, or JSON events."""
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RefusedError(f"{path}: not readable JSON ({exc})") from None
        cases = data.get("cases") if isinstance(data, dict) else None
        if not isinstance(cases, list):
            raise RefusedError(f"{path}: expected an object with a list of \"cases\"")
        for number, case in enumerate(cases, start=1):
            if not isinstance(case, dict) or not isinstance(case.get("events"), list):
                yield f"case {number}", {"_bad": "not a case object with a list of events"}
                continue
            head = {k: case.get(k) for k in FILE_CASE_COLUMNS + IMPORT_ONLY}
            for index, event in enumerate(case["events"], start=1):
                where = f"case {number} ({case.get('ref')}), event {index}"
                if not isinstance(event, dict):
                    yield where, {"ref": case.get("ref"), "_bad": "an event must be an object"}
                    continue
                row = {**(head if event.get("kind") == "request" else {"ref": case.get("ref")}),
                       "event_id": event.get("id"), "kind": event.get("kind"), "date": event.get("date"),
                       "details": event.get("details") or {}, "voids": event.get("voids"),
                       "recorded_by": event.get("recorded_by"), "recorded_at": event.get("recorded_at")}
                yield where, row
        return
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise RefusedError(f"{path}: {exc.strerror}") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise RefusedError(f"{path}: the file is empty") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise RefusedError(f"{path}: not readable CSV ({exc})") from None
        missing = [c for c in REQUIRED if c not in header]
        unknown = [c for c in header if c not in COLUMNS and c not in IMPORT_ONLY]
        if missing or unknown:
            raise RefusedError(f"{path}: line 1: " + "; ".join(
                ([f"missing column(s) {', '.join(missing)}"] if missing else [])
                + ([f"unknown column(s) {', '.join(unknown)}"] if unknown else [])))
        width = len(header)
        try:
            for values in reader:
                if not values:
                    continue
                where = f"line {reader.line_num}"
                if len(values) != width:
                    yield where, {"_bad": f"{len(values)} fields where the header has {width}"}
                    continue
                # the one leading ' export puts before a formula-like cell comes off again
                yield where, dict(zip(header, map(unneutralise, values), strict=True))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise RefusedError(f"{path}: line {reader.line_num}: not readable CSV ({exc})") from None


def _text(value) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _date(value, what: str) -> date:
    text = _text(value)
    if text is None:
        raise ValueError(f"{what} is missing")
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a real date in the form YYYY-MM-DD") from None


def _stamp(value, what: str) -> str | None:
    text = _text(value)
    if text is None:
        return None
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a date and time (YYYY-MM-DD HH:MM:SS)") from None
    return text


def _int(value, what: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{what} {value!r} is not a whole number")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} {value!r} is not a whole number") from None


def _flag(value, what: str) -> bool:
    if isinstance(value, bool):
        return value
    text = (_text(value) or "").casefold()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(f"{what} {value!r} must be yes or no")


def _details(value) -> dict:
    if isinstance(value, dict):
        details = value
    else:
        text = _text(value)
        if text is None:
            return {}
        try:
            details = json.loads(text)
        except json.JSONDecodeError:
            raise ValueError(f"details {text!r} is not a JSON object") from None
    if not isinstance(details, dict):
        raise ValueError("details must be a JSON object")
    return {str(k): v for k, v in details.items() if v is not None}


@lru_cache(maxsize=1 << 16)
def _kind_details(kind: str | None, text: str | None, years: tuple[int, int]) -> dict:
    """The details of a `kind` event, checked by the registry as `record` checks them; cached, as most
    rows repeat a few details exactly."""
    return kinds.check_details(kinds.kind(kind).name, _details(text), first_year=years[0],
                               last_year=years[1])


@lru_cache(maxsize=1 << 12)
def _person(text: str) -> str:
    return kinds.clean_text(text, "recorded_by")


def _case_values(row: dict, when: date, known_teams: set[str], today: date) -> dict:
    """The case's own columns, from its request row, refused as `add-request` refuses them."""
    from sendtrack.rules.guards import request_refusal

    clean_text = kinds.clean_text
    source = _text(row.get("source")) or "parent"
    if source not in kinds.SOURCES:
        raise ValueError(f"unknown source {source!r}: use one of {', '.join(kinds.SOURCES)}")
    team = _text(row.get("team")) or "front-door"
    if team not in known_teams:
        raise ValueError(f"unknown team {team!r}")
    coordinator, setting = _text(row.get("coordinator")), _text(row.get("setting"))
    values: dict[str, Any] = {
        "name": clean_text(row.get("name") or "", "name"),
        "dob": _date(row.get("dob"), "dob"),
        "source": source, "team": team,
        "coordinator": clean_text(coordinator, "coordinator") if coordinator else None,
        "looked_after": _flag(row.get("looked_after"), "looked_after"),
        "alternative_provision": _flag(row.get("alternative_provision"), "alternative_provision"),
        "setting": clean_text(setting, "setting") if setting else None,
        "created_at": _stamp(row.get("created_at"), "created_at"),
        "returns": _return_values(row),
    }
    problem = request_refusal(dob=values["dob"], received=when, today=today)
    if problem:
        raise ValueError(problem)
    return values


def _return_values(row: dict) -> dict:
    """The request row's return fields (codes.RETURN_FIELDS) and `placements` (JSON text in CSV, a list
    in JSON), checked as add-request checks them."""
    values = {k: row.get(k) for k in (*CASE_RETURN_KEYS, *IMPORT_ONLY)}
    placements = row.get("placements")
    if isinstance(placements, str) and placements.strip():
        try:
            placements = json.loads(placements)
        except json.JSONDecodeError:
            raise ValueError("placements is not a JSON list") from None
    values["placements"] = placements
    for key, value in values.items():
        if value is not None and key != "placements" and not isinstance(value, str):
            raise ValueError(f"{key} must be text")
    return check_return_values(values)


def _cases(path: Path, known_teams: set[str], problems: list[str], *, today: date,
           years: tuple[int, int]) -> Iterator[_Case]:
    """The file's cases one at a time (a case's rows are together), row problems appended to `problems`.

    Streaming keeps memory flat at England scale (a 1.2 GB file), so a case's rows must be together,
    as `export` writes them; a ref that comes back after other cases is refused."""
    from sendtrack.app.record import REF_PATTERN

    done: set[str] = set()
    case: _Case | None = None
    for where, row in _records(path):
        ref = _text(row.get("ref"))
        try:
            if "_bad" in row:
                raise ValueError(row["_bad"])
            if ref is None:
                raise ValueError("ref is missing")
            if (case is None or ref != case.ref) and not REF_PATTERN.match(ref):
                raise ValueError(f"case reference {ref!r} must be 1-40 letters, digits, '.', '_', '/' or '-'")
            if ref in done:
                raise ValueError("the case's rows are not together: sort the file by ref")
            kind = _text(row.get("kind"))
            details = row.get("details")
            details = _kind_details(kind, details if isinstance(details, str) or details is None
                                    else json.dumps(details, sort_keys=True), years)
            when = _day(row.get("date"))
            if kind == "assign" and details["team"] not in known_teams:
                raise ValueError(f"unknown team {details['team']!r}")
            event_id = _int(row.get("event_id"), "event_id")
            voids = _int(row.get("voids"), "voids")
            if (kind == "void") != (voids is not None):
                raise ValueError("voids names the voided event on void rows, and only there")
            by = _text(row.get("recorded_by"))
            by = _person(by) if by is not None else None
            at = _stamp(row.get("recorded_at"), "recorded_at")
            values = _case_values(row, when, known_teams, today) if kind == "request" else None
        except (ValueError, RefusedError) as exc:
            problems.append(f"{where}: {ref + ': ' if ref else ''}{exc}")
            continue
        if case is None or case.ref != ref:
            if case is not None:
                done.add(case.ref)
                yield case
            case = _Case(where, ref)
        if values is not None:
            if case.values is not None:
                problems.append(f"{where}: {ref}: a second request row for the case")
                continue
            case.values = values
        case.events.append((where, event_id, kind, when, details, voids, by, at))
    if case is not None:
        yield case


@lru_cache(maxsize=1 << 16)
def _day(value: str | None) -> date:
    return _date(value, "date")


class _Numbering:
    """Database ids for the file's events. Into an empty events table the file's ids are kept (an
    export re-imported keeps its numbers; a bitmap catches an id used twice); otherwise every event is
    numbered after the ones stored, in file order. Rows without an id are numbered after the others."""

    def __init__(self, first_event: int) -> None:
        self.keep = first_event == 1
        self.next = first_event
        self.used = bytearray()
        self.spill: set[int] = set()

    def _taken(self, event_id: int) -> bool:
        if event_id >= 50_000_000:
            if event_id in self.spill:
                return True
            self.spill.add(event_id)
            return False
        byte, bit = divmod(event_id, 8)
        if byte >= len(self.used):
            self.used.extend(bytes(byte - len(self.used) + 1 + (1 << 16)))
        if self.used[byte] >> bit & 1:
            return True
        self.used[byte] |= 1 << bit
        return False

    def number(self, case: _Case, problems: list[str]) -> bool:
        """Renumber `case.events` in place, in recording order; False (with problems) if it cannot."""
        own: dict[int, int] = {}
        numbered = []
        ok = True
        for where, event_id, kind, when, details, voids, by, at in case.events:
            if event_id is not None and event_id in own:
                problems.append(f"{where}: {case.ref}: event_id {event_id} is used twice in the case")
                ok = False
                continue
            if self.keep and event_id is not None:
                if event_id < 1 or self._taken(event_id):
                    problems.append(f"{where}: {case.ref}: event_id {event_id} is used twice in the file")
                    ok = False
                    continue
                new_id = event_id
                self.next = max(self.next, event_id + 1)
            else:
                while self.keep and self._taken(self.next):
                    self.next += 1
                new_id, self.next = self.next, self.next + 1
            if event_id is not None:
                own[event_id] = new_id
            numbered.append([where, new_id, kind, when, details, voids, by, at])
        for event in numbered:
            voids = event[5]
            if voids is not None:
                if voids not in own:
                    problems.append(f"{event[0]}: {case.ref}: voids {voids}, "
                                    "which is not an event of this case")
                    ok = False
                    continue
                event[5] = own[voids]
                event[4] = {**event[4], "event": own[voids]}
        case.events = sorted((tuple(e) for e in numbered), key=lambda e: e[1])  # recording order
        return ok


def _check_task(args):
    """In a worker: replay each case's events through the rules, and compute its deadlines."""
    from sendtrack.app import batch as bulk

    today, batch = args
    rules = bulk.context()
    problems: list[tuple[int, int, str]] = []
    rows: list[tuple] = []
    for case_id, ref, dob, received, looked_after, ap, setting, events in batch:
        case = Case(ref=ref, dob=dob, received=received, looked_after=looked_after,
                    alternative_provision=ap, setting=setting)
        replay = [(index, Event.make(event_id, kind, when, **details), voids)
                  for index, (event_id, kind, when, details, voids) in enumerate(events)]
        found = bulk.replay_problems(case, replay, today=today, calendar=rules.calendar,
                                     settings=rules.settings)
        if found:
            problems.extend((case_id, index, reason) for index, reason in found)
            continue
        voided = {voids for *_, voids in events if voids is not None}
        live = sorted((e for _, e, _ in replay if e.kind != "void" and e.id not in voided),
                      key=lambda e: (e.date, e.id))
        rows.extend(bulk.compute_rows(case_id, Case(ref, dob, received, looked_after, ap, setting,
                                                     tuple(live))))
    return problems, rows


def import_file(db: Database, path: Path, *, dry_run: bool, today: date, context: Context) -> Loaded:
    """Load `path` all or nothing; raises ImportRefused listing every bad row.

    The file is read as a stream, a chunk of cases at a time: checked and computed in worker processes,
    written in the one transaction as it comes back. The first bad row stops the writing (the rest is
    still checked, to list every bad row) and the transaction is rolled back: nothing is written."""
    from collections import deque

    from sendtrack.app import batch as bulk
    from sendtrack.app.context import claim
    from sendtrack.app.record import now, put_return_values
    from sendtrack.storage.bulk import existing_refs, insert_rows, loading, next_ids

    known_teams = {t.id for t in context.config.teams}
    problems: list[str] = []
    loaded = Loaded()
    stamp, by_default = now().isoformat(sep=" "), _recorder()
    with db.write():
        if not dry_run:  # a dry run writes nothing, so mixes nothing
            claim(db, context)
        first_case, first_event = next_ids(db)
        numbering = _Numbering(first_event)
        payloads: deque = deque()

        def tasks():
            next_case = first_case
            years = (context.calendar.first_year, context.calendar.last_year)
            for part in _batches(_cases(path, known_teams, problems, today=today, years=years)):
                existing = existing_refs(db, [c.ref for c in part])
                good = []
                for case in part:
                    if case.values is None:
                        problems.append(f"{case.where}: {case.ref}: the case has no request row")
                    elif case.ref in existing:
                        problems.append(f"{case.where}: {case.ref}: case {case.ref!r} already exists")
                    elif numbering.number(case, problems):
                        good.append((next_case, case))
                        next_case += 1
                payloads.append(good)
                yield today, [(case_id, c.ref, values["dob"], _received(c), values["looked_after"],
                               values["alternative_provision"], values["setting"],
                               [(e[1], e[2], e[3], e[4], e[5]) for e in c.events])
                              for case_id, c in good if (values := c.values) is not None]

        # ~90 bytes a row in an export: rebuild the indexes after the load when it outgrows the tables
        rows_guess = max(1, path.stat().st_size // 90)
        incoming = {"cases": rows_guess // 15, "events": rows_guess, "deadlines": rows_guess}
        with loading(db, incoming if not dry_run else {}), bulk.pool(context) as imap, \
                bulk.progress(None, "Importing") as bar:
            for found, rows in imap(_check_task, tasks()):
                good = payloads.popleft()
                for case_id, index, reason in found:
                    case = good[case_id - good[0][0]][1]
                    problems.append(f"{case.events[index][0]}: {case.ref}: {reason}")
                loaded.cases += len(good)
                loaded.events += sum(len(c.events) for _, c in good)
                bar.advance(len(good))
                if problems or dry_run:
                    continue
                insert_rows(db, cases=[
                    (case_id, c.ref, c.values["name"], c.values["dob"], _received(c), c.values["source"],
                     c.values["team"], c.values["coordinator"], c.values["looked_after"],
                     c.values["alternative_provision"], c.values["setting"],
                     c.values["created_at"] or _request_stamp(c) or stamp) for case_id, c in good], events=[
                    (event_id, case_id, kind, when, _stored(details), voids, by or by_default, at or stamp)
                    for case_id, c in good for _, event_id, kind, when, details, voids, by, at in c.events],
                    deadlines=rows)
                put_return_values(db, [(case_id, c.values["returns"]) for case_id, c in good])
                loaded.deadlines += len(rows)
            if problems:
                raise ImportRefused(_in_file_order(problems), dry_run=dry_run)
        if not dry_run:
            from sendtrack.storage.bulk import reset_sequences

            reset_sequences(db)
    return loaded


def _batches(cases: Iterator[_Case]) -> Iterator[list[_Case]]:
    from sendtrack.app.batch import CHUNK

    part: list[_Case] = []
    for case in cases:
        part.append(case)
        if len(part) >= CHUNK:
            yield part
            part = []
    if part:
        yield part


def _received(case: _Case) -> date:
    return next(e[3] for e in case.events if e[2] == "request")


def _stored(details: dict) -> str:
    """The details as storage.cases.insert_event writes them."""
    return json.dumps(details, sort_keys=True, default=str) if details else "{}"


def _request_stamp(case: _Case) -> str | None:
    return next((e[7] for e in case.events if e[2] == "request"), None)


def _recorder() -> str:
    from sendtrack.app.record import recorder

    try:
        return recorder(None)
    except RefusedError:
        return "import"


def _in_file_order(problems: list[str]) -> list[str]:
    def key(problem: str):
        where = problem.split(":", 1)[0]
        numbers = [int(p) for p in where.replace("(", " ").replace(",", " ").split() if p.isdigit()]
        return numbers

    return sorted(problems, key=key)


# --- export -------------------------------------------------------------------------------------------

def _plain(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def export_rows(db: Database) -> Iterator[list]:
    """The export's rows in COLUMNS order; the case's columns only on its request row, its placements
    there as a JSON list (read beside the events, both in case order)."""
    from sendtrack.storage.cases import export_stream
    from sendtrack.storage.returns import placements_stream

    kind, flags = AT["kind"], (AT["looked_after"], AT["alternative_provision"])
    blank = [""] * len(FILE_CASE_COLUMNS)
    placements = placements_stream(db)
    held = next(placements, None)
    for case_id, *stored in export_stream(db, ("id", *FILE_CASE_COLUMNS[:-1]), FILE_EVENT_COLUMNS):
        row = [_plain(v) for v in stored]
        row.insert(len(FILE_CASE_COLUMNS) - 1, "")
        if row[kind] == "request":
            for flag in flags:
                row[flag] = "yes" if row[flag] else "no"
            while held is not None and held[0] < case_id:
                held = next(placements, None)
            if held is not None and held[0] == case_id:
                row[AT["placements"]] = json.dumps([p.as_data() for p in held[1]], sort_keys=True)
        else:
            row[1:len(FILE_CASE_COLUMNS)] = blank[1:]
        yield row


def export_to(db: Database, fmt: str, out: Path | None, *, force: bool = False) -> None:
    """Stream the export to `out` (through output.files.safe_output: atomic, 0600, never onto the
    database's files, never over a file without `force`) or to stdout; CSV cells are formula-safe."""
    with safe_output(out, force=force, database=db.location) as handle:
        if fmt == "csv":
            writer = csv_writer(handle)
            writer.writerow(COLUMNS)
            writer.writerows(export_rows(db))
        else:
            _write_json(db, handle)


def _write_json(db: Database, handle) -> None:
    """{"format": "sendtrack", "version": 1, "cases": [{case fields, "events": [...]}]}, one case a line."""
    handle.write('{"format": "sendtrack", "version": 1, "cases": [')
    current, first = None, True

    def flush(case) -> None:
        nonlocal first
        if case is not None:
            handle.write(("\n" if first else ",\n") + json.dumps(case, sort_keys=True, ensure_ascii=False))
            first = False

    cases = len(FILE_CASE_COLUMNS)
    for row in export_rows(db):
        ref = row[AT["ref"]]
        if current is None or current["ref"] != ref:
            flush(current)
            current = {"ref": ref, "events": []}
        if row[AT["kind"]] == "request":
            current.update({k: (v if v != "" else None) for k, v in zip(FILE_CASE_COLUMNS[1:], row[1:cases],
                                                                          strict=True)})
            current["looked_after"] = row[AT["looked_after"]] == "yes"
            current["alternative_provision"] = row[AT["alternative_provision"]] == "yes"
            current["placements"] = json.loads(row[AT["placements"]] or "[]")
        event_id, kind, when, details, voids, by, at = row[cases:]
        current["events"].append({"id": event_id, "kind": kind, "date": when,
                                  "details": json.loads(details or "{}"), "voids": voids or None,
                                  "recorded_by": by, "recorded_at": at})
    flush(current)
    handle.write("\n]}\n")
