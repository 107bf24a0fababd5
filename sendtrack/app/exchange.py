"""Import and export: the documented file layout (docs/import-format.md), atomic bulk load, lossless dump.

One row per event; the case's own columns sit on its `request` row. JSON carries the same fields as a
list of cases, each with its events. Import checks every row, replays each case's events through the
rules in the order they were recorded (as `sendtrack record` would have judged them), and writes
cases, events and deadlines in one transaction, or nothing.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

from sendtrack import codes, kinds
from sendtrack.app.context import Context
from sendtrack.codes import CASE_RETURN_KEYS, RETURN_FIELDS, check_return_values
from sendtrack.domain import Case, Event
from sendtrack.errors import RefusedError, SendtrackError, code_shown, date_shown
from sendtrack.output.files import csv_writer, safe_output, unneutralise
from sendtrack.storage.cases import MAX_EVENT_ID, MAX_EVENT_ID_POSTGRESQL, max_event_id
from sendtrack.storage.db import Database

#: The file layout's columns (docs/import-format.md): the case's on its request row, then the event's.
FILE_CASE_COLUMNS = ("ref", "name", "dob", "source", "team", "coordinator", "looked_after",
                     "alternative_provision", "setting", "created_at", *CASE_RETURN_KEYS, "placements")
#: read on a request row, never written: the current placement in add-request's terms (a tracker's columns)
IMPORT_ONLY = tuple(f.key for f in RETURN_FIELDS if f.placement)
FILE_EVENT_COLUMNS = ("event_id", "kind", "date", "details", "voids", "recorded_by", "recorded_at",
                      "imported_by", "imported_at")
#: Written by export, accepted by import and not read: they say how a row came into the database it was
#: exported from, and every import records its own (docs/import-format.md, "Who imported a row").
NOT_READ = ("imported_by", "imported_at")
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
    #: its request row was refused (that row's problem is listed; "no request row" would be a second)
    request_refused: bool = False
    #: (where, event_id or None, kind, date, details, voids, recorded_by, recorded_at)
    events: list = field(default_factory=list)


def tracker_hint() -> str:
    """Said when a file is not in sendtrack's layout: it is most likely a council's own tracker."""
    return ("not sendtrack's import layout: for a council's own tracker give --map MAP.toml "
            "(`sendtrack import-map FILE > MAP.toml` starts one)")


# --- reading ------------------------------------------------------------------------------------------

def _records(path: Path) -> Iterator[tuple[str, dict]]:
    """(where, row) for every event in the file: CSV rows with their line numbers, or JSON events."""
    if path.suffix.lower() == ".json":
        data = _read_json(path)
        cases = data.get("cases") if isinstance(data, dict) else None
        if not isinstance(cases, list):
            raise RefusedError(f"{path}: expected an object with a list of \"cases\"")
        for number, case in enumerate(cases, start=1):
            if not isinstance(case, dict) or not isinstance(case.get("events"), list):
                yield f"case {number}", {"_bad": "not a case object with a list of events"}
                continue
            ref = case.get("ref")
            shown = ref if isinstance(ref, str) and ref.isprintable() and len(ref) <= 40 else "?"
            head = {k: case.get(k) for k in FILE_CASE_COLUMNS + IMPORT_ONLY}
            wrong = _wrong_types(head)
            for index, event in enumerate(case["events"], start=1):
                where = f"case {number} ({shown}), event {index}"
                if not isinstance(event, dict):
                    yield where, {"ref": case.get("ref"), "_bad": "an event must be an object"}
                    continue
                bad = (wrong if event.get("kind") == "request" else []) + _wrong_types(event, EVENT_TYPES)
                if not isinstance(ref, str):
                    bad.insert(0, "ref must be text")
                if bad:
                    kind = event.get("kind") if isinstance(event.get("kind"), str) else None
                    yield where, {"ref": ref if isinstance(ref, str) else None, "kind": kind,
                                  "_bad": "; ".join(bad)}
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
        if len(missing) == len(REQUIRED):  # none of the layout's own: a council's tracker, most likely
            raise RefusedError(f"{path}: line 1: no {', '.join(missing)} columns: {tracker_hint()}")
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
                # the one leading ' export puts before a formula-like cell comes off again (looked for
                # cell by cell only in rows with a ' somewhere: one C-level search for the rest)
                if "'" in "".join(values):
                    values = list(map(unneutralise, values))
                yield where, dict(zip(header, values, strict=True))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise RefusedError(f"{path}: line {reader.line_num}: not readable CSV ({exc})") from None


#: JSON's types for each field (a number where text belongs is refused, not turned into text).
TEXT, WHOLE, FLAG, OBJECT = (str,), (int,), (bool, str), (dict,)
CASE_TYPES = {"ref": TEXT, "name": TEXT, "dob": TEXT, "source": TEXT, "team": TEXT, "coordinator": TEXT,
              "looked_after": FLAG, "alternative_provision": FLAG, "setting": TEXT, "created_at": TEXT,
              **dict.fromkeys(CASE_RETURN_KEYS + IMPORT_ONLY, TEXT), "placements": (list,)}
EVENT_TYPES = {"id": WHOLE, "kind": TEXT, "date": TEXT, "details": OBJECT, "voids": WHOLE,
               "recorded_by": TEXT, "recorded_at": TEXT}
KIND_WORDS = {TEXT: "text", WHOLE: "a whole number", FLAG: "true or false", OBJECT: "an object",
              (list,): "a list"}


def _wrong_types(values: dict, types: dict | None = None) -> list[str]:
    """A problem for each field of the JSON layout holding the wrong type of value (null is absent)."""
    problems = []
    for key, allowed in (types or CASE_TYPES).items():
        value = values.get(key)
        if value is None:
            continue
        # true is not a whole number, though Python's bool is an int
        ok = False if type(value) is bool and bool not in allowed else isinstance(value, allowed)
        if not ok:
            problems.append(f"{key} must be {KIND_WORDS[allowed]}")
    return problems


def _read_json(path: Path):
    """The whole JSON file, refused in words when it is not JSON, nests too deep for the parser (it
    raises RecursionError cleanly), or holds NaN or Infinity (not JSON, though Python's parser takes
    them)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RefusedError(f"{path}: {exc.strerror or 'cannot be read'}") from None
    except UnicodeDecodeError:
        raise RefusedError(f"{path}: not readable JSON (not UTF-8 text)") from None

    def constant(name: str):
        raise ValueError(f"{name} is not a JSON number")

    try:
        return json.loads(text, parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise RefusedError(f"{path}: not readable JSON (line {exc.lineno} column {exc.colno}: "
                           f"{exc.msg})") from None
    except (ValueError, RecursionError) as exc:
        reason = exc if isinstance(exc, ValueError) else "nested too deeply"
        raise RefusedError(f"{path}: not readable JSON ({reason})") from None


def _text(value) -> str | None:
    if value is None:
        return None
    value = value.strip() if type(value) is str else str(value).strip()
    return value or None


#: The columns that are a child's personal data: a message names the column and row, never echoes
#: the value (a refusal goes to stderr and cron's mail, `--report` to a file).
PERSONAL = frozenset({"name", "dob", *(f.key for f in codes.RETURN_FIELDS if f.identifying)})


def _shown(value, what: str) -> str:
    """A date as a message may quote it after the column's name: nothing for a personal column, nor
    anything but digits and date punctuation (errors.date_shown: a shifted or mis-mapped cell may hold a
    name)."""
    return "" if what in PERSONAL else date_shown(value)


def _date(value, what: str) -> date:
    text = _text(value)
    if text is None:
        raise ValueError(f"{what} is missing")
    try:
        return codes.iso_date(text)
    except ValueError:
        raise ValueError(f"{what}{_shown(text, what)} is not a real date in the form YYYY-MM-DD") from None


#: A recording time as export writes it (UTC, to the second): `datetime.fromisoformat` alone also takes
#: week dates, basic forms and offsets, none of which export writes
_STAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")


def _stamp(value, what: str, today: date) -> str | None:
    """A created_at/recorded_at as export writes it, `YYYY-MM-DD HH:MM:SS` and nothing else, real, and
    not after the day after `today` (a day's grace for clocks and time zones)."""
    text = _text(value)
    if text is None:
        return None
    try:
        if not isinstance(text, str) or not _STAMP.fullmatch(text):
            raise ValueError(text)
        stamp = datetime.fromisoformat(text)
    except ValueError:
        # quoted whole or not at all: cut to 19 characters, '2026-12-03 14:49:52.123' read as a good value
        raise ValueError(f"{what}{date_shown(text)} is not a date and time in the form YYYY-MM-DD "
                         "HH:MM:SS") from None
    if stamp.date() > _grace(today):
        raise ValueError(f"{what} {text} is in the future")
    return text


@lru_cache(maxsize=4)
def _grace(today: date) -> date:
    """The last day a recording time may fall on: the day after `today`."""
    return today + timedelta(days=1)


#: An event id as export writes it: ASCII digits, no sign, no leading zero, no space or `_` (int() takes
#: `+5`, ` 5`, `1_000` and `٣`, none of which export writes)
_ID = re.compile(r"[1-9][0-9]*")


def _event_id(value, what: str, limit: int = MAX_EVENT_ID) -> int | None:
    """An `event_id`/`voids`: a JSON whole number, or text of ASCII digits without a leading zero, from
    1 to MAX_EVENT_ID (docs/import-format.md). The value is quoted only when it is digits (a shifted
    column can put a name here)."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif type(value) is str and value.isascii() and value.isdigit() and value[0] != "0":
        number = int(value)  # _ID's form: ASCII digits (isdigit alone takes other digits), no leading 0
    elif isinstance(value, str) and _ID.fullmatch(value) and value.isascii():
        number = int(value)
    else:
        shown = f" {value!r}" if isinstance(value, str) and value.isascii() and value.isdigit() \
            and len(value) <= 20 else ""
        raise ValueError(f"{what}{shown} is not a whole number written in the digits 0-9 without a sign, "
                         "spaces or a leading zero") from None
    if not 1 <= number <= limit:
        shown = str(number) if len(str(number)) <= 20 else f"{str(number)[:20]}..."
        where = " (PostgreSQL's events.id is a 4-byte integer)" if limit == MAX_EVENT_ID_POSTGRESQL else ""
        raise ValueError(f"{what} {shown} must be a positive whole number no larger than {limit}{where}")
    return number


def _flag(value, what: str) -> bool:
    if isinstance(value, bool):
        return value
    text = (_text(value) or "").casefold()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(f"{what}{code_shown(value)} must be yes or no")


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
            # free text: the column is named, its text never echoed
            raise ValueError("details is not a JSON object") from None
    if not isinstance(details, dict):
        raise ValueError("details must be a JSON object")
    return {str(k): v for k, v in details.items() if v is not None}


@lru_cache(maxsize=1 << 12)
def _kind_details(kind: str | None, text: str | None, years: tuple[int, int]) -> dict:
    """The details of a `kind` event, checked by the registry as `record` checks them; cached, as most
    rows repeat a few details exactly. Kept small: the rest are near-unique (an `assign` names its
    coordinators), so a larger cache only grew with the file (43,567 entries, ~45 MB, at 100,000
    cases; full at 65,536 past ~150,000); 4,096 misses 5,944 of the council's 174,952 rows, against
    5,198 distinct."""
    return kinds.check_details(kinds.kind(kind).name, _details(text), first_year=years[0],
                               last_year=years[1])


@lru_cache(maxsize=1 << 12)
def _person(text: str) -> str:
    return kinds.clean_text(text, "recorded_by")


def _case_values(row: dict, when: date, known_teams: dict[str, str], today: date,
                 years: tuple[int, int]) -> dict:
    """The case's own columns, from its request row, refused as `add-request` refuses them."""
    from sendtrack.rules.guards import request_refusal

    clean_text = kinds.clean_text
    source = _text(row.get("source")) or "parent"
    if source not in kinds.SOURCES:
        raise ValueError(f"source{code_shown(source)} is not one of the sources: use one of "
                         f"{', '.join(kinds.SOURCES)}")
    given = _text(row.get("team")) or "front-door"
    team = known_teams.get(given.casefold())  # team names are matched ignoring case everywhere
    if team is None:
        raise ValueError(_not_a_team("team", given, known_teams))
    coordinator, setting = _text(row.get("coordinator")), _text(row.get("setting"))
    values: dict[str, Any] = {
        "name": clean_text(row.get("name") or "", "name"),
        "dob": _date(row.get("dob"), "dob"),
        "source": source, "team": team,
        "coordinator": clean_text(coordinator, "coordinator") if coordinator else None,
        "looked_after": _flag(row.get("looked_after"), "looked_after"),
        "alternative_provision": _flag(row.get("alternative_provision"), "alternative_provision"),
        "setting": clean_text(setting, "setting") if setting else None,
        "created_at": _stamp(row.get("created_at"), "created_at", today),
        "returns": _return_values(row),
    }
    # placements: only what makes them no placement at all (a day outside the calendar's years; a leaving
    # before its entry, check_placements), never add-request's guards (a start before the date of birth
    # or after today): the database may hold such a placement, and an export always imports
    problem = request_refusal(dob=values["dob"], received=when, today=today) or codes.placement_dates_problem(
        values["returns"], dob=None, today=None, first_year=years[0], last_year=years[1])
    if problem:
        raise ValueError(problem)
    return values


def _not_a_team(what: str, given, known_teams: dict[str, str]) -> str:
    """The refusal of a team that is not configured: the value quoted only when it is clearly a code."""
    return f"{what}{code_shown(given)} is not one of the teams: use one of {', '.join(known_teams.values())}"


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


def _cases(path: Path, known_teams: dict[str, str], problems: list[str], *, today: date,
           years: tuple[int, int], limit: int = MAX_EVENT_ID,
           records: Iterator[tuple[str, dict]] | None = None) -> Iterator[_Case]:
    """The file's cases one at a time (a case's rows are together), row problems appended to `problems`.

    Streaming keeps memory flat at England scale (a 1.2 GB file), so a case's rows must be together,
    as `export` writes them; a ref that comes back after other cases is refused."""
    from sendtrack.app.record import REF_PATTERN

    done = _Refs()
    refused: str | None = None  # the ref whose request row was refused, until its case is made
    case: _Case | None = None
    for where, row in (records if records is not None else _records(path)):
        ref = _text(row.get("ref"))
        try:
            if "_bad" in row:
                raise ValueError(row["_bad"])
            if ref is None:
                raise ValueError("ref is missing")
            if (case is None or ref != case.ref) and not REF_PATTERN.match(ref):
                raise ValueError("the case reference must be 1-40 letters, digits, '.', '_', '/' or '-'")
            # (the case being read is not done yet: only another case's ref is looked for)
            if (case is None or ref != case.ref) and ref in done:
                raise ValueError("the case's rows are not together: sort the file by ref")
            kind = _text(row.get("kind"))
            details = row.get("details")
            details = _kind_details(kind, details if isinstance(details, str) or details is None
                                    else json.dumps(details, sort_keys=True), years)
            when = _day(row.get("date"))
            if kind == "assign":
                if str(details["team"]).casefold() not in known_teams:
                    raise ValueError(_not_a_team("the assign row's team", details["team"], known_teams))
                details = {**details, "team": known_teams[str(details["team"]).casefold()]}
            event_id = _event_id(row.get("event_id"), "event_id", limit)
            voids = _event_id(row.get("voids"), "voids", limit)
            if (kind == "void") != (voids is not None):
                raise ValueError("voids names the voided event on void rows, and only there")
            by = _text(row.get("recorded_by"))
            by = _person(by) if by is not None else None
            at = _stamp(row.get("recorded_at"), "recorded_at", today)
            values = _case_values(row, when, known_teams, today, years) if kind == "request" else None
        except (ValueError, RefusedError) as exc:
            # the reference leads the problem only when it is one (else it may be a shifted name)
            shown = ref if ref is not None and (ref == getattr(case, "ref", None) or REF_PATTERN.match(ref)) \
                else None
            problems.append(f"{where}: {shown + ': ' if shown else ''}{exc}")
            if ref is not None and _text(row.get("kind")) == "request":
                if case is not None and case.ref == ref:
                    case.request_refused = True
                else:
                    refused = ref
            continue
        if case is None or case.ref != ref:
            if case is not None:
                done.add(case.ref)
                yield case
            case = _Case(where, ref, request_refused=ref == refused)
        if values is not None:
            if case.values is not None:
                problems.append(f"{where}: {ref}: a second request row for the case")
                continue
            case.values = values
        case.events.append((where, event_id, kind, when, details, voids, by, at))
    if case is not None:
        yield case


class _Refs:
    """The references of the cases read so far (`_cases`: a reference that comes back is refused), for
    `in` and `add`. Exact, and small when the references come in ascending order, as an export of
    cases numbered in the order they came usually writes them: those are kept in blocks of BLOCK
    joined by newlines (which a reference never holds), ~12 bytes a reference where a set of them
    took ~95 (9 MB at 100,000 cases, ~60 MB at England's 640,000). Any other reference goes in a set.
    Each is added once (a case's reference is looked for before its case is made)."""

    BLOCK = 512

    def __init__(self) -> None:
        self.blocks: list[str] = []  # "\nA\nB\n": each block's references ascending, blocks ascending
        self.firsts: list[str] = []  # each block's first reference
        self.tail: list[str] = []  # the block being filled, ascending
        self.high: str | None = None  # the largest reference in the blocks and the tail
        self.others: set[str] = set()

    def add(self, ref: str) -> None:
        if (self.high is None or ref > self.high) and "\n" not in ref:
            self.tail.append(ref)
            self.high = ref
            if len(self.tail) >= self.BLOCK:
                self.firsts.append(self.tail[0])
                self.blocks.append("\n" + "\n".join(self.tail) + "\n")
                self.tail = []
        else:
            self.others.add(ref)

    def __contains__(self, ref: str) -> bool:
        if ref in self.others:
            return True
        if self.high is None or ref > self.high or "\n" in ref:
            return False
        if self.tail and ref >= self.tail[0]:
            at = bisect_left(self.tail, ref)
            return at < len(self.tail) and self.tail[at] == ref
        at = bisect_right(self.firsts, ref) - 1
        return at >= 0 and f"\n{ref}\n" in self.blocks[at]


@lru_cache(maxsize=1 << 16)
def _day(value: str | None) -> date:
    """An event's date; text read once per distinct text (a council's 174,952 rows hold a few thousand
    dates): a refused one is refused again each time, with the same words (lru_cache keeps no error)."""
    return _text_day(value) if type(value) is str else _date(value, "date")


@lru_cache(maxsize=1 << 12)
def _text_day(value: str) -> date:
    return _date(value, "date")


class _Numbering:
    """Database ids for the file's events. Into an empty events table the file's ids are kept (an
    export re-imported keeps its numbers; a bitmap catches an id used twice); otherwise every event is
    numbered after the ones stored, in file order. Rows without an id are numbered after the others."""

    def __init__(self, first_event: int, limit: int = MAX_EVENT_ID) -> None:
        self.limit = limit
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
                if self._taken(event_id):
                    problems.append(f"{where}: {case.ref}: event_id {event_id} is used twice in the file")
                    ok = False
                    continue
                new_id = event_id
                if event_id >= self.next:
                    self.next = event_id + 1
            else:
                while self.keep and self._taken(self.next):
                    self.next += 1
                new_id, self.next = self.next, self.next + 1
            if new_id > self.limit:  # a blank id after one near the bound, or a database near it
                problems.append(f"{where}: {case.ref}: the event would be numbered above {self.limit}, the "
                                "largest event id this database holds: give the file smaller ids")
                ok = False
                continue
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
        case.events = sorted(map(tuple, numbered), key=_SECOND)  # recording order (the new ids)
        return ok


_SECOND = itemgetter(1)
#: (date, id): the order of a case's live events (attrgetter: no Python call per event)
_BY_DATE_ID = attrgetter("date", "id")


def _check_task(args):
    """In a worker: replay each case's events through the rules, and compute its deadlines. Returns
    (problems, the deadline rows packed for the staging file a chunk of PUBLISH_CASES cases at a time,
    as `_stage` chunks the cases, how many rows): packed here, so the rows are pickled once, not once
    to the parent and again into the staging file. With a problem, nothing is packed (nor staged)."""
    from sendtrack.app import batch as bulk
    from sendtrack.storage.bulk import pack

    today, staged, batch = args
    rules = bulk.context()
    problems: list[tuple[int, int, str]] = []
    rows: list[tuple] = []
    packed: list[bytes] = []
    count = 0
    # id(details) -> the details as Event.make sorts them into pairs, made once per dict: most rows'
    # details are one of a few dicts (_kind_details' cache; unpickled as one object each, as pickle
    # keeps shared objects shared), and `batch` holds every dict, so no id is reused meanwhile
    made: dict[int, tuple] = {}
    for number, (case_id, ref, dob, received, looked_after, ap, setting, events) in enumerate(batch):
        if number and number % PUBLISH_CASES == 0 and not problems:
            if staged:  # a dry run stages nothing
                packed.append(pack(rows))
            count += len(rows)
            rows = []
        case = Case(ref=ref, dob=dob, received=received, looked_after=looked_after,
                    alternative_provision=ap, setting=setting)
        voided = {e[4] for e in events if e[4] is not None}
        replay = []
        live = []  # neither a void nor voided, for the deadlines
        void = False  # the request is voided
        for index, (event_id, kind, when, details, voids) in enumerate(events):
            pairs = made.get(id(details))
            if pairs is None:
                pairs = made[id(details)] = Event.make(event_id, kind, when, **details).details
            event = Event(event_id, kind, when, pairs)
            replay.append((index, event, voids))
            if event_id in voided:
                void = void or kind == "request"
            elif kind != "void":
                live.append(event)
        found = bulk.replay_problems(case, replay, today=today, calendar=rules.calendar,
                                     settings=rules.settings)
        if found:
            problems.extend((case_id, index, reason) for index, reason in found)
            continue
        live.sort(key=_BY_DATE_ID)
        rows.extend(bulk.compute_rows(case_id, Case(ref, dob, received, looked_after, ap, setting,
                                                     tuple(live), void)))
    if problems:
        return problems, [], 0
    if batch and staged:
        packed.append(pack(rows))
    return problems, packed, count + len(rows)


def import_file(db: Database, path: Path, *, dry_run: bool, today: date, context: Context,
                by: str | None = None,
                records: Callable[[], Iterator[tuple[str, dict]]] | None = None) -> Loaded:
    """Load `path` all or nothing; raises ImportRefused listing every bad row. Every event records who
    imported it (`by`, resolved as `record` resolves --by) and when, beside the recorded_by and
    recorded_at its row gave (kept as history; the importer and the import's time where it gave none).
    `records` (the one hook for other layouts: app/tracker.py's council trackers, the .xlsx export)
    makes the (where, row) pairs `_records` would read from a file of the documented layout; it is
    called while the file is checked, so it may read the database.

    In two stages, so the write lock is never held for long (docs/import-format.md, "How an import
    is written"). First the file is read as a stream, a chunk of cases at a time, checked and
    computed in worker processes, and the rows kept in a staging file beside the database: the
    database is only read, and a bad row anywhere means nothing is written (the rest is still
    checked, to list every bad row). Then the staged rows are written into the database in short
    transactions, taking turns with other writers, under a marker (`import_batch`) that says how far
    it has got: an import stopped part-way (killed, a full disk) is finished by running it again."""
    from sendtrack.app import batch as bulk
    from sendtrack.app.context import OtherConfiguration, mismatch
    from sendtrack.app.record import now
    from sendtrack.storage.bulk import (
        IMPORT_CACHE_KIB,
        Staging,
        existing_refs,
        import_marker,
        loading,
        next_ids,
        sweep_staging,
    )
    from sendtrack.storage.meta import stored_fingerprint

    try:
        path.stat()
    except OSError as exc:
        raise RefusedError(f"{path}: {exc.strerror or 'cannot be read'}") from None
    if not dry_run:
        db.refuse_read_only()
        problem = mismatch(stored_fingerprint(db), context.fingerprint)
        if problem:  # claimed again when the rows are written: this only refuses early
            raise OtherConfiguration(problem)
        marker = import_marker(db)
        sweep_staging(_staging_directory(db), _staging_name(db),
                      keep=marker.get("staging") if marker is not None else None)
        if marker is not None:
            with loading(db, {}, cache_kib=IMPORT_CACHE_KIB):  # a resumed write: the same cache
                resumed = _resume(db, path, marker, context)
            if resumed is not None:
                return resumed
    known_teams = {t.id.casefold(): t.id for t in context.config.teams}  # matched ignoring case
    problems: list[str] = []
    loaded = Loaded()
    stamp, by_default = now().isoformat(sep=" "), _recorder(by)
    first_case, first_event = next_ids(db)
    limit = max_event_id(db)
    numbering = _Numbering(first_event, limit)
    payloads: deque = deque()
    staging = None if dry_run else Staging.create(_staging_directory(db), _staging_name(db))
    try:
        def tasks():
            next_case = first_case
            years = (context.calendar.first_year, context.calendar.last_year)
            for part in _batches(_cases(path, known_teams, problems, today=today, years=years, limit=limit,
                                        records=records() if records is not None else None)):
                existing = existing_refs(db, [c.ref for c in part])
                good = []
                for case in part:
                    if case.values is None:
                        if not case.request_refused:
                            problems.append(f"{case.where}: {case.ref}: the case has no request row")
                    elif case.ref in existing:
                        problems.append(f"{case.where}: {case.ref}: case {case.ref!r} already exists")
                    elif (problem := _erasure_problem(case)) is not None:
                        problems.append(f"{case.where}: {case.ref}: {problem}")
                    elif numbering.number(case, problems):
                        good.append((next_case, case))
                        next_case += 1
                payloads.append(good)
                yield today, staging is not None, [
                    (case_id, c.ref, values["dob"], _received(c), values["looked_after"],
                     values["alternative_provision"], values["setting"],
                     [(e[1], e[2], e[3], e[4], e[5]) for e in c.events])
                    for case_id, c in good if (values := c.values) is not None]

        top_event = (0, 0)  # (event id, case id): the case holding the highest event id
        low_event = None  # the lowest event id
        with bulk.pool(context) as imap, bulk.progress(None, "Checking the file") as bar:
            for found, packed, count in imap(_check_task, tasks()):
                good = payloads.popleft()
                for case_id, index, reason in found:
                    case = good[case_id - good[0][0]][1]
                    problems.append(f"{case.events[index][0]}: {case.ref}: {reason}")
                loaded.cases += len(good)
                loaded.events += sum(len(c.events) for _, c in good)
                bar.advance(len(good))
                if problems or staging is None:
                    continue
                # dates staged as ISO text (the text SQLite stores; dates again for PostgreSQL in
                # _write_chunk), so a chunk is plain values, marshalled (storage.bulk.pack)
                cases = [(case_id, c.ref, c.values["name"], c.values["dob"].isoformat(),
                          _received(c).isoformat(), c.values["source"],
                          c.values["team"], c.values["coordinator"], c.values["looked_after"],
                          c.values["alternative_provision"], c.values["setting"],
                          c.values["created_at"] or _request_stamp(c) or stamp,
                          c.values["returns"])  # staged after the case's row; written by _write_chunk
                         for case_id, c in good]
                events = [(event_id, case_id, kind, when.isoformat(), _stored(details), voids,
                           by or by_default, at or stamp, by_default, stamp)
                          for case_id, c in good
                          for _, event_id, kind, when, details, voids, by, at in c.events]
                if events:  # a case's events are in id order (_Numbering.number): its first and last
                    top_event = max(top_event, max((c.events[-1][1], case_id) for case_id, c in good
                                                   if c.events))
                    lowest = min(c.events[0][1] for _, c in good if c.events)
                    low_event = lowest if low_event is None else min(low_event, lowest)
                _stage(staging, cases, events, packed)
                loaded.deadlines += count
        if problems:
            raise ImportRefused(_in_file_order(problems), dry_run=dry_run)
        if staging is None:
            return loaded
        if not loaded.cases:
            staging.remove()
            return loaded
        taken = set()  # added by another writer meanwhile: refused, nothing written
        for refs in staging.refs():
            taken |= existing_refs(db, refs)
        if taken:
            raise ImportRefused([f"{ref}: case {ref!r} was added while the file was being checked"
                                 for ref in sorted(taken)], dry_run=False)
        found = path.stat()
        staging.note(file=str(path.resolve()), size=found.st_size, mtime_ns=found.st_mtime_ns,
                     cases=loaded.cases, events=loaded.events, deadlines=loaded.deadlines,
                     top_event_case=top_event[1], first_case=first_case,
                     first_event=low_event if low_event is not None else first_event)
        staging.seal()
        with loading(db, {}, cache_kib=IMPORT_CACHE_KIB):
            _publish(db, staging, context, marker=None)
    except BaseException:
        if staging is not None and staging.path.exists() and not _marked(db, staging):
            staging.remove()
        raise
    return loaded


def _stage(staging, cases: list[tuple], events: list[tuple], deadlines: list[bytes]) -> None:
    """Stage rows of whole cases as chunks of at most PUBLISH_CASES: each is one step of the writing.
    `deadlines` are the chunks' deadline rows, packed by _check_task (one for each chunk)."""
    assert len(deadlines) == -(-len(cases) // PUBLISH_CASES), "a packed chunk of deadlines for each"
    by_case_events: dict[int, list] = {}
    for row in events:
        by_case_events.setdefault(row[1], []).append(row)
    for start, packed in zip(range(0, len(cases), PUBLISH_CASES), deadlines, strict=True):
        part = cases[start:start + PUBLISH_CASES]
        staging.add(part, [e for c in part for e in by_case_events.get(c[0], ())], packed=packed)


#: Cases written into the database per step of an import (a step is well under 0.1 s of the lock).
PUBLISH_CASES = 100


def _staging_directory(db: Database) -> Path:
    """Beside the database (same file system, same owner-only directory); PostgreSQL's in the user's
    data directory."""
    from sendtrack.storage.db import default_path

    return db.location.path.parent if db.location.path is not None else default_path().parent


def _staging_name(db: Database) -> str:
    """The database file's name; for PostgreSQL, one per server and database (never its password),
    so one database's import never sweeps another's staged rows."""
    if db.location.path is not None:
        return db.location.path.name
    import hashlib
    from urllib.parse import urlsplit

    url = urlsplit(db.location.url or "")
    where = f"{url.hostname}:{url.port}{url.path}?{url.query}"
    return "postgresql-" + hashlib.sha256(where.encode()).hexdigest()[:12]


def _marked(db: Database, staging) -> bool:
    """Whether the database's import marker names this staging file (the import is part-way through)."""
    from sendtrack.storage.bulk import import_marker

    try:
        marker = import_marker(db)
    except Exception:  # noqa: BLE001 - a damaged or vanished database: keep the staged rows, to be safe
        return True
    return marker is not None and Path(marker.get("staging") or "").resolve() == staging.path.resolve()


class ImportStopped(RefusedError):
    """An import stopped part-way through writing its checked rows: what is in, and how to finish."""


class _Taken(Exception):
    """A reference of the import was taken by another writer while the import was being written."""

    def __init__(self, ref: str) -> None:
        super().__init__(ref)
        self.ref = ref


def _publish(db: Database, staging, context: Context, marker: dict | None) -> None:
    """Write the staged rows into the database in steps, the marker moving on in each step's
    transaction, so what is committed and what the marker says always agree.

    The first step writes the chunk with the highest case ids and the case holding the highest event
    id: every id of the import is then below the database's highest, so the ids other writers take
    next (the highest + 1) never meet the import's; later steps fill in the ids beneath. Ids are moved
    up past what others wrote after the file was checked."""
    import os
    import socket

    from sendtrack.app.context import claim
    from sendtrack.output.progress import progress
    from sendtrack.storage.bulk import (
        clear_import_marker,
        drop_indexes,
        import_marker,
        next_ids,
        put_import_marker,
        reset_sequences,
    )

    about = staging.about()
    chunks = staging.chunks()
    done_cases = 0 if marker is None else marker["written"]
    try:
        with db.turns() as turns, progress(about["cases"], "Writing the cases") as bar:
            bar.advance(done_cases)
            shown = done_cases
            if marker is None:
                with turns.step(commit=True):
                    claim(db, context)
                    other = import_marker(db)
                    if other is not None:
                        raise RefusedError(_other_import(other))
                    next_case, next_event = next_ids(db)
                    marker = {"staging": str(staging.path), "file": about["file"], "size": about["size"],
                              "mtime_ns": about["mtime_ns"], "cases": about["cases"],
                              "case_shift": max(0, next_case - about["first_case"]),
                              "event_shift": max(0, next_event - about["first_event"]),
                              "early": None, "left": len(chunks), "written": 0,
                              "fingerprint": context.fingerprint,
                              "pid": os.getpid(), "host": socket.gethostname()}
                    if _build_indexes_after(db, about, chunks):
                        marker["indexes"] = drop_indexes(db, "deadlines", keep=KEPT_DEADLINE_INDEXES)
                    top = about["top_event_case"]
                    n, lo, hi, count = chunks[-1]
                    if not lo <= top <= hi:  # the highest event id's case goes first too
                        marker["early"] = top
                        _write_chunk(db, staging, _chunk_of(chunks, top), marker, only=top)
                        done_cases += 1
                    done_cases += _write_chunk(db, staging, n, marker)
                    marker["left"] -= 1
                    marker["written"] = done_cases
                    if marker["left"]:
                        put_import_marker(db, marker)
                    else:  # one step was the whole import: no marker is left behind
                        clear_import_marker(db)
                    reset_sequences(db)
                bar.advance(done_cases - shown)
                shown = done_cases
            else:
                marker = {**marker, "pid": os.getpid(), "host": socket.gethostname()}
            while marker["left"]:
                n = chunks[marker["left"] - 1][0]
                last = marker["left"] == 1
                with turns.step(commit=last):
                    # the staged deadlines follow the configuration the import was checked under: a
                    # recompute that switched configuration meanwhile stops the import here
                    claim(db, context)
                    done_cases += _write_chunk(db, staging, n, marker)
                    marker["left"] -= 1
                    marker["written"] = done_cases
                    if last:
                        _end_marker(db)
                        reset_sequences(db)
                    else:
                        put_import_marker(db, marker)
                bar.advance(done_cases - shown)
                shown = done_cases
    except _Taken as taken:
        written = _committed(db)
        if written is None:
            raise ImportRefused([f"{taken.ref}: case {taken.ref!r} was added while the file was being "
                                 "checked"], dry_run=False) from None
        with db.write():
            _end_marker(db)
        raise ImportStopped(f"the import stopped part-way: case {taken.ref!r} was added by another writer "
                            f"while the import was being written; {max(written, 0)} of {about['cases']} "
                            "cases are written, each whole, the rest are not: import the rest from a file "
                            "without the cases already in") from None
    except (SendtrackError, sqlite3.Error) as exc:
        # what the marker says is what was committed (the steps of a transaction that failed were
        # rolled back with it)
        written = _committed(db)
        if written is None:
            raise  # nothing was written
        from sendtrack.storage.db import refusal

        reason = refusal(exc, db.location) if isinstance(exc, sqlite3.Error) else exc
        cause = str(reason).split(";")[0].split(":")[0]
        how_many = f"{written} of {about['cases']}" if written >= 0 else f"some of the {about['cases']}"
        raise ImportStopped(f"the import stopped part-way ({cause}): {how_many} cases are written, each "
                            f"whole; put that right and run `sendtrack import {about['file']}` again to "
                            "write the rest") from None
    staging.remove()


#: An import into an empty deadlines table builds these of its indexes once, in its last step, rather
#: than entry by entry (a third of writing the deadline rows: 1.9 s against 1.1 s for the council's
#: 246,087 rows, measured alone); the case index stays, for the readers and writers between steps.
KEPT_DEADLINE_INDEXES = ("ix_deadlines_case_id",)
#: ... when it brings at most this many deadline rows: building the two indexes holds the lock in the
#: last step (0.3 s for the council's 246,087 rows here; ~2 s at a million).
REBUILD_MAX_DEADLINES = 1_000_000


def _build_indexes_after(db: Database, about: dict, chunks: list) -> bool:
    """Whether this import (in its first step) drops the deadlines' indexes but KEPT_DEADLINE_INDEXES,
    to build them once in its last step: on SQLite, into a deadlines table holding no row, with more
    than one step and at most REBUILD_MAX_DEADLINES rows. The marker names what was dropped, so a
    resumed import builds them in its last step, and a marker cleared before the end (_end_marker)
    builds them then. Between the steps every query still answers the same, from the rows written so
    far (the reports' by scanning them: the table holds only this import's rows)."""
    from sendtrack.storage.bulk import holds_deadlines

    return (db.dialect == "sqlite" and len(chunks) > 1 and about["deadlines"] <= REBUILD_MAX_DEADLINES
            and not holds_deadlines(db))


def _end_marker(db: Database) -> None:
    """Inside a write transaction: clear the import marker, building first the deadline indexes the
    import dropped (the marker names them)."""
    from sendtrack.storage.bulk import clear_import_marker, import_marker, recreate_missing_indexes

    marker = import_marker(db) or {}
    recreate_missing_indexes(db, marker.get("indexes") or [])
    clear_import_marker(db)


def _committed(db: Database) -> int | None:
    """How many cases of the import the database holds, by its marker (None: no marker, so none)."""
    from sendtrack.storage.bulk import import_marker

    try:
        marker = import_marker(db)
    except Exception:  # noqa: BLE001 - the database failed: say nothing was written only if sure
        return -1
    return None if marker is None else marker["written"]


def _chunk_of(chunks: list[tuple], case_id: int) -> int:
    return next(n for n, lo, hi, _ in chunks if lo <= case_id <= hi)


def _write_chunk(db: Database, staging, n: int, marker: dict, *, only: int | None = None) -> int:
    """Write staged chunk `n` (or only case `only` of it), its ids moved up by the marker's shifts;
    the early case is left out of its chunk. Returns how many cases were written."""
    import json

    from sendtrack.storage.bulk import existing_refs, insert_rows
    from sendtrack.storage.columns import CASES as CASE_COLUMNS

    cases, events, deadlines = staging.rows(n)
    skip = marker["early"] if only is None else None
    if only is not None or skip is not None:
        keep = (lambda case_id: case_id == only) if only is not None else (lambda case_id: case_id != skip)
        cases = [c for c in cases if keep(c[0])]
        events = [e for e in events if keep(e[1])]
        deadlines = [d for d in deadlines if keep(d[0])]
    cs, es = marker["case_shift"], marker["event_shift"]
    if db.dialect != "sqlite":  # staged as ISO text (SQLite's form): PostgreSQL is given dates
        cases = [(*c[:3], _day_value(c[3]), _day_value(c[4]), *c[5:]) for c in cases]
        events = [(*e[:3], _day_value(e[3]), *e[4:]) for e in events]
    taken = existing_refs(db, [c[1] for c in cases])
    if taken:
        raise _Taken(sorted(taken)[0])
    if cs:
        cases = [(c[0] + cs, *c[1:]) for c in cases]
        deadlines = [(d[0] + cs, *d[1:]) for d in deadlines]
    if cs or es:
        moved = []
        for e in events:
            details = e[4]
            if es and e[2] == "void":
                details = json.dumps({**json.loads(details), "event": json.loads(details)["event"] + es},
                                     sort_keys=True, default=str)
            moved.append((e[0] + es, e[1] + cs, e[2], e[3], details, e[5] + es if e[5] is not None else None,
                          *e[6:]))
        events = moved
    from sendtrack.app.record import put_return_values
    from sendtrack.storage.columns import CASE_RETURNS

    # each case row written whole, its return columns in the INSERT (not an UPDATE of every case
    # after it); put_return_values then writes only the placements
    width = len(CASE_COLUMNS)
    returns = [c[width] if len(c) > width else {} for c in cases]
    insert_rows(db, cases=[(*c[:width], *map(values.get, CASE_RETURNS))
                           for c, values in zip(cases, returns, strict=True)],
                events=events, deadlines=deadlines)
    put_return_values(db, [(c[0], {k: v for k, v in values.items() if k not in CASE_RETURNS})
                           for c, values in zip(cases, returns, strict=True) if len(c) > width])
    return len(cases)


def _day_value(value):
    """A staged date (ISO text; a date in a chunk staged by an older sendtrack) as a date."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _other_import(marker: dict) -> str:
    return (f"another import (of {marker['file']}) is being written, or stopped part-way "
            f"({marker['written']} of {marker['cases']} cases written): wait for it, or run "
            f"`sendtrack import {marker['file']}` to finish it")


def _changed_since(marker: dict) -> str:
    """The file of an import stopped part-way was changed since: running it again cannot finish it."""
    return (f"an earlier import of {marker['file']} stopped part-way ({marker['written']} of "
            f"{marker['cases']} cases written, each whole), and the file has changed since, so it cannot "
            f"be finished from it: put the file back as it was and run the import again; or, to give it "
            f"up, delete {marker['staging']} (its staged rows) and import the rest from a file without "
            "the cases already in (that import clears the marker and rebuilds the indexes it set aside)")


def _resume(db: Database, path: Path, marker: dict, context: Context) -> Loaded | None:
    """Finish the import the marker names, if `path` is its file; refuse any other meanwhile. A marker
    whose staging file is gone cannot be finished: it is cleared, and the import goes ahead (None)."""
    import os
    import socket

    from sendtrack.storage.bulk import Staging

    staging = Staging.open(Path(marker["staging"]))
    if staging is None:
        with db.write():
            if _same_marker(db, marker):
                _end_marker(db)
        raise RefusedError(f"an earlier import of {marker['file']} stopped part-way ({marker['written']} "
                           f"of {marker['cases']} cases written, each whole) and its staged rows are gone, "
                           "so it cannot be finished; its marker is cleared: import the rest from a file "
                           "without the cases already in")
    try:
        if marker.get("host") == socket.gethostname() and marker.get("pid") != os.getpid() \
                and _alive(marker.get("pid")):
            raise RefusedError(_other_import(marker))
        found = path.stat()
        same = (str(path.resolve()), found.st_size, found.st_mtime_ns) == \
            (marker["file"], marker["size"], marker["mtime_ns"])
        if not same and str(path.resolve()) == marker["file"]:
            raise RefusedError(_changed_since(marker))
        if not same:
            raise RefusedError(_other_import(marker))
        if marker.get("fingerprint", context.fingerprint) != context.fingerprint:
            raise RefusedError(f"the import of {marker['file']} stopped part-way was checked under another "
                               f"configuration (fingerprint {marker['fingerprint']}, this one "
                               f"{context.fingerprint}): finish it under that one, then change")
        about = staging.about()
        _publish(db, staging, context, marker)
        return Loaded(cases=about["cases"], events=about["events"], deadlines=about["deadlines"])
    finally:
        if staging.path.exists():
            staging.close()


def _same_marker(db: Database, marker: dict) -> bool:
    from sendtrack.storage.bulk import import_marker

    now = import_marker(db)
    return now is not None and now.get("staging") == marker.get("staging")


def _alive(pid) -> bool:
    import os

    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:  # a number used again by another program after a crash is not the import
        return b"sendtrack" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc: take it as the import, to be safe


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


def _erasure_problem(case: _Case) -> str | None:
    """An `erase` row stands only beside the tombstone `sendtrack erase` writes (app/privacy.py): a file
    cannot mark a case erased that still holds a name and date of birth."""
    from sendtrack.app.privacy import ERASED_NAME, ERASED_RETURNS, erased_dob, erased_edit
    from sendtrack.app.record import _tombstone_form, tombstone_refusal

    erases = sum(1 for e in case.events if e[2] == "erase")
    values = case.values or {}
    if erases > 1:
        return "more than one erase row"
    # the tombstone's own form made once, not once a case (tombstone_refusal's words when they match)
    if not erases and _tombstone_form(values.get("name") or "") == _erased_form() \
            and (problem := tombstone_refusal(values.get("name") or "")) is not None:
        return problem + " (only an erased case, with its erase row, holds it)"
    if erases and (values.get("name") != ERASED_NAME or erased_dob(values["dob"]) != values["dob"]):
        return (f"an erase row needs the request row's tombstone (name {ERASED_NAME}, date of birth "
                "1 September)")
    if erases and any((values.get("returns") or {}).get(k) for k in ERASED_RETURNS):
        return "an erase row needs the case's upn, uln and postcode empty (an erasure clears them)"
    if erases and _after_erase(case.events):
        return "an erase row must be the case's last: nothing is recorded on an erased case"
    if erases and any(e[2] == "edit" and erased_edit(e[4]) is not None for e in case.events):
        return ("an erase row needs every edit row's names, dates of birth, upn, uln and postcodes "
                "erased too")
    return None


@lru_cache(maxsize=1)
def _erased_form() -> str:
    """The erasure's tombstone name as app.record.tombstone_refusal compares names."""
    from sendtrack.app.record import _tombstone_form
    from sendtrack.domain import ERASED_NAME  # as tombstone_refusal reads it

    return _tombstone_form(ERASED_NAME)


def _after_erase(events: list) -> bool:
    """Whether any of a case's rows (file order; (where, event_id, kind, date, ...)) comes after its
    erase row: later in the file, dated later, or recorded later by its event id (a higher id, or none
    when the erase has one: a row without an id is numbered after every given id). A void or contact
    dated the erase day is refused as well as one dated after it: `sendtrack erase` refuses every later
    write, so an erased case never reopens through a file."""
    at = next(i for i, e in enumerate(events) if e[2] == "erase")
    _, erase_id, _, erased_on, *_ = events[at]
    if at != len(events) - 1:
        return True
    return any(e[3] > erased_on or (erase_id is not None and (e[1] is None or e[1] > erase_id))
               for e in events[:at])


def _received(case: _Case) -> date:
    return next(e[3] for e in case.events if e[2] == "request")


def _stored(details: dict) -> str:
    """The details as storage.cases.insert_event writes them. Most rows' details are the very dict
    `_kind_details` cached for their text, so each such dict is written out once: remembered by its
    identity, with the dict itself held so that identity is never another object's while remembered."""
    if not details:
        return "{}"
    found = _STORED.get(id(details))
    if found is not None and found[0] is details:
        return found[1]
    text = json.dumps(details, sort_keys=True, default=str)
    if len(_STORED) >= _STORED_MAX:
        _STORED.clear()
    _STORED[id(details)] = (details, text)
    return text


#: _stored's memory: id(details) -> (details, its text); emptied when it holds _STORED_MAX.
_STORED: dict[int, tuple[dict, str]] = {}
_STORED_MAX = 1 << 12


def _request_stamp(case: _Case) -> str | None:
    return next((e[7] for e in case.events if e[2] == "request"), None)


def _recorder(by: str | None = None) -> str:
    """Who is importing: --by (refused as `record` refuses it), else SENDTRACK_USER or the login name,
    else "import"."""
    from sendtrack.app.record import recorder

    if by is not None:
        return recorder(by)
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


def export_to(db: Database, fmt: str, out: Path | None, *, force: bool = False, excel: bool = False) -> None:
    """Stream the export to `out` (through output.files.safe_output: atomic, 0600, never onto the
    database's files, never over a file without `force`) or to stdout; CSV cells are formula-safe
    (`excel`: the CSV starts with a byte order mark); xlsx to a file only, dates as date cells."""
    if fmt == "xlsx":
        from sendtrack.output.files import Target
        from sendtrack.output.xlsx import write_rows

        assert out is not None
        write_rows(Target(out, force, db.location), COLUMNS, _xlsx_rows(db), sheet="sendtrack export")
        return
    from sendtrack.output.progress import progress

    with safe_output(out, force=force, database=db.location) as handle, \
            progress(None, "Exporting events") as bar:
        if excel and fmt == "csv":
            from sendtrack.output.files import BOM

            handle.write(BOM)
        if fmt == "csv":
            writer = csv_writer(handle)
            writer.writerow(COLUMNS)
            writer.writerows(bar.counting(export_rows(db)))
        else:
            _write_json(db, handle, bar)


def _xlsx_rows(db: Database) -> Iterator[list]:
    """The export's rows with dates as dates and ids as numbers (real cells), the rest as text."""
    days = (AT["dob"], AT["date"])
    numbers = (AT["event_id"], AT["voids"])
    for row in export_rows(db):
        for at in days:
            if row[at]:
                row[at] = date.fromisoformat(row[at])
        for at in numbers:
            # a spreadsheet's number is a double, exact only to 2**53: a larger id stays text, exactly
            if row[at] != "":
                row[at] = int(row[at]) if int(row[at]) <= 2 ** 53 else str(row[at])
        yield row


def _write_json(db: Database, handle, bar: Any = None) -> None:
    """{"format": "sendtrack", "version": 1, "cases": [{case fields, "events": [...]}]}, one case a line."""
    handle.write('{"format": "sendtrack", "version": 1, "cases": [')
    current, first = None, True

    def flush(case) -> None:
        nonlocal first
        if case is not None:
            handle.write(("\n" if first else ",\n") + json.dumps(case, sort_keys=True, ensure_ascii=False))
            first = False

    cases = len(FILE_CASE_COLUMNS)
    for row in bar.counting(export_rows(db)) if bar is not None else export_rows(db):
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
        event_id, kind, when, details, voids, by, at, imported_by, imported_at = row[cases:]
        current["events"].append({"id": event_id, "kind": kind, "date": when,
                                  "details": json.loads(details or "{}"), "voids": voids or None,
                                  "recorded_by": by, "recorded_at": at,
                                  "imported_by": imported_by or None, "imported_at": imported_at or None})
    flush(current)
    handle.write("\n]}\n")
