"""A council's own tracker in: its spreadsheet (CSV or .xlsx, one row per case) read through a map
(MAP.toml) into the rows of the documented import layout, so the one import pipeline
(app/exchange.import_file) checks and writes them exactly as it does sendtrack's own files; and
`import-map`, which guesses a starting map from a tracker's headings.

Each filled date column becomes the event `record` would have written (received: the request,
decision: the decision with its outcome, draft, final, last_review: a review meeting, ...). Nothing
here writes or judges sequences: the pipeline replays every row through the registry, the request's
refusals and the engine's, as `record` does. What is checked here is what only the tracker knows: its
headings, its date spellings, its value words, and the same child twice (in the file, or open in the
database). A problem names the row and the column heading, never a child's name or date of birth.
"""

from __future__ import annotations

import codecs
import csv
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sendtrack import codes, kinds
from sendtrack.codes import RETURN_FIELD, RETURN_FIELDS
from sendtrack.errors import RefusedError, code_shown, date_shown

# --- the map ----------------------------------------------------------------------------------------

#: The case's own fields a tracker column can give (the request row of the import layout).
CASE_FIELDS = ("ref", "name", "dob", "received", "source", "team", "coordinator", "looked_after",
               "alternative_provision", "setting", *(f.key for f in RETURN_FIELDS))
#: Date columns that become events: field -> (event kind, the field holding its details, if any).
EVENT_FIELDS: dict[str, str] = {
    "decision": "decision",
    "advice_requested": "advice-requested",
    "draft": "draft",
    "final": "final",
    "no_plan": "no-plan",
    "exception_start": "exception",
    "last_review": "review-meeting",
    "withdrawn": "withdrawn",
    "ceased": "cease",
}
#: Columns that give an event's details: field -> (event field it belongs to, detail key).
DETAIL_FIELDS: dict[str, tuple[str, str]] = {
    "decision_outcome": ("decision", "outcome"),
    "advice_from": ("advice_requested", "from"),
    "exception_limb": ("exception_start", "limb"),
    "exception_end": ("exception_start", "end"),
    "exception_reason": ("exception_start", "reason"),
    "cease_reason": ("ceased", "reason"),
}
FIELDS = (*CASE_FIELDS, *EVENT_FIELDS, *DETAIL_FIELDS)
#: Fields whose values are personal data: never repeated in a message.
PERSONAL = frozenset({"name", "dob", *(f.key for f in RETURN_FIELDS if f.identifying)})
DATE_FIELDS = frozenset({"dob", "received", "exception_end", "placement_from", *EVENT_FIELDS})
#: Value sets a `[values.FIELD]` table maps a tracker's words onto.
CHOICES: dict[str, tuple[str, ...]] = {
    "source": kinds.SOURCES, "decision_outcome": kinds.DECISION_OUTCOMES, "advice_from": kinds.ADVICE_FROM,
    "exception_limb": kinds.LIMBS, "looked_after": ("yes", "no"), "alternative_provision": ("yes", "no"),
}
#: Used when a detail an event needs is in no column (and the map's [defaults] says nothing).
DETAIL_DEFAULTS = {"exception_reason": "recorded in the council's tracker before sendtrack",
                   "cease_reason": "recorded in the council's tracker before sendtrack"}
#: The order events of one day are recorded in (the order `record` would have taken them).
KIND_ORDER = {kind: index for index, kind in enumerate(
    ("request", "decision", "advice-requested", "exception", "draft", "no-plan", "final",
     "review-meeting", "withdrawn", "cease"))}
#: The encodings a map may name (docs/import-format.md): the text encodings a council's CSV comes in,
#: by codecs' own name. Others are refused: rot13 is not a text encoding (open() raised LookupError),
#: UTF-16 and the like hold NUL bytes that the CSV reader refuses (UnicodeError), neither was a message.
MAP_ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "cp1252": "cp1252", "latin-1": "iso8859-1"}
MAP_KEYS = frozenset({"sheet", "header_row", "date_format", "encoding", "ref_prefix", "columns", "values",
                      "defaults"})
#: How far down a sheet the heading row is looked for (title rows above it are common).
HEADER_SEARCH = 30
YES = frozenset({"yes", "y", "true", "1", "x"})
NO = frozenset({"no", "n", "false", "0", ""})


@lru_cache(maxsize=1 << 14)
def key(text: Any) -> str:
    """A heading or a value word as matching compares it: case, accents, spaces and punctuation
    ignored ("Date Request Received " and "date_request-received" are the same). Cached: a tracker's
    value words repeat on every row."""
    return re.sub(r"[\W_]+", "", kinds.fold(str(text)))


_CHOICE_KEYS = {name: {key(c): c for c in values} for name, values in CHOICES.items()}


@dataclass
class TrackerMap:
    """A checked MAP.toml."""

    columns: dict[str, str]  # field -> heading as written
    sheet: str | None = None
    header_row: int | None = None
    date_format: str | None = None
    encoding: str | None = None
    ref_prefix: str = "TRK"
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> key(word) -> value
    defaults: dict[str, str] = field(default_factory=dict)


def load_map(path: Path) -> TrackerMap:
    """Read and check MAP.toml; a mistake is one line naming the key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise RefusedError(f"{path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RefusedError(f"{path}: not a readable TOML map ({exc})") from None
    return parse_map(data, str(path))


def parse_map(data: dict, where: str = "the map") -> TrackerMap:
    unknown = sorted(set(data) - MAP_KEYS)
    if unknown:
        raise RefusedError(f"{where}: unknown key(s) {', '.join(unknown)}: use {', '.join(sorted(MAP_KEYS))}")
    columns = data.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise RefusedError(f"{where}: [columns] must map sendtrack fields to your headings")
    bad = sorted(k for k in columns if k not in FIELDS)
    if bad:
        raise RefusedError(f"{where}: [columns] has unknown field(s) {', '.join(bad)}: the fields are "
                           f"{', '.join(FIELDS)}")
    for name, heading in columns.items():
        if not isinstance(heading, str) or not key(heading):
            raise RefusedError(f"{where}: [columns] {name} must be a heading (text)")
    missing = [f for f in ("name", "dob", "received") if f not in columns]
    if missing:
        raise RefusedError(f"{where}: [columns] needs {', '.join(missing)} (every case has them)")
    keys = [key(h) for h in columns.values()]
    twice = sorted({h for h in columns.values() if keys.count(key(h)) > 1})
    if twice:
        raise RefusedError(f"{where}: [columns] names heading(s) {', '.join(map(repr, twice))} twice")
    for field_name in DETAIL_FIELDS:
        owner = DETAIL_FIELDS[field_name][0]
        if field_name in columns and owner not in columns:
            raise RefusedError(f"{where}: [columns] {field_name} needs the {owner} column too")
    out = TrackerMap(columns=dict(columns))
    for name, kind in (("sheet", str), ("date_format", str), ("encoding", str), ("ref_prefix", str),
                       ("header_row", int)):
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, kind) or isinstance(value, bool):
            raise RefusedError(f"{where}: {name} must be {'a whole number' if kind is int else 'text'}")
        setattr(out, name, value)
    if out.header_row is not None and not 1 <= out.header_row <= 10_000:
        raise RefusedError(f"{where}: header_row must be a row number from 1")
    if out.encoding is not None:
        # Python's codecs know "utf8-sig" only with an underscore (utf8_sig, utf_8_sig): every spelling
        # of these four with or without hyphens and underscores is taken, then stored as Python names it
        squashed = re.sub(r"[-_ ]", "", out.encoding.casefold())
        try:
            known = "utf-8-sig" if squashed == "utf8sig" else codecs.lookup(out.encoding).name
        except LookupError:
            known = None
        if known in MAP_ENCODINGS.values():
            out.encoding = known
        else:
            raise RefusedError(f"{where}: encoding {out.encoding[:40]!r} is not one a spreadsheet's CSV is "
                               f"written in: use one of {', '.join(MAP_ENCODINGS)}")
    if out.date_format is not None:
        _check_format(out.date_format, where)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}", out.ref_prefix):
        raise RefusedError(f"{where}: ref_prefix must be 1-20 letters, digits, '.', '_' or '-'")
    values = data.get("values") or {}
    if not isinstance(values, dict):
        raise RefusedError(f"{where}: [values] must hold tables like [values.decision_outcome]")
    for name, table in values.items():
        if name not in FIELDS or not isinstance(table, dict):
            raise RefusedError(f"{where}: [values.{name}] is not a field's table of words")
        for word, value in table.items():
            if not isinstance(value, str) or (name in CHOICES and value not in CHOICES[name]):
                allowed = ", ".join(CHOICES.get(name, ("text",)))
                raise RefusedError(f"{where}: [values.{name}] {word!r} must map to one of {allowed}")
        out.values[name] = {key(word): value for word, value in table.items()}
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise RefusedError(f"{where}: [defaults] must be a table")
    for name, value in defaults.items():
        if name not in FIELDS or name in PERSONAL or name in DATE_FIELDS or name == "ref":
            raise RefusedError(f"{where}: [defaults] {name} cannot have a default")
        if not isinstance(value, str) or (name in CHOICES and value not in CHOICES[name]):
            raise RefusedError(f"{where}: [defaults] {name} must be one of "
                               f"{', '.join(CHOICES.get(name, ('text',)))}")
        out.defaults[name] = value
    return out


def _check_format(fmt: str, where: str) -> None:
    sample = date(2025, 11, 23)
    try:
        shown = sample.strftime(fmt)
        if datetime.strptime(shown, fmt).date() != sample:
            raise ValueError
    except ValueError:
        raise RefusedError(f"{where}: date_format {fmt!r} must give day, month and year (e.g. "
                           "\"%d/%m/%Y\")") from None


# --- reading a sheet ----------------------------------------------------------------------------------

def sheet_rows(path: Path, *, sheet: str | None = None, encoding: str | None = None
               ) -> Iterator[tuple[int, list[Any]]]:
    """(row number as the spreadsheet shows it, cells) for every row of a CSV or .xlsx file: CSV
    cells are text (UTF-8 with or without a BOM, else cp1252, or `encoding`); .xlsx cells are what
    the sheet holds (text, numbers, dates, booleans; "" when empty)."""
    if not path.exists():
        raise RefusedError(f"{path}: no such file")
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods"):
        yield from _xlsx_rows(path, sheet)
        return
    if sheet is not None:
        raise RefusedError(f"{path}: --sheet is for .xlsx files")
    chosen = encoding or _csv_encoding(path)
    try:
        with path.open(newline="", encoding=chosen, errors="strict") as handle:
            yield from enumerate(csv.reader(handle), start=1)
    except UnicodeDecodeError:
        raise RefusedError(f"{path}: not readable as {chosen} text (the map's encoding)") from None
    except csv.Error as exc:
        raise RefusedError(f"{path}: not readable CSV ({exc})") from None


def _csv_encoding(path: Path) -> str:
    """UTF-8 (with or without a BOM) if the whole file decodes as it, else cp1252 (Excel's "CSV" on
    an English Windows). Read in blocks, so memory stays flat."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while block := handle.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _xlsx_rows(path: Path, sheet: str | None) -> Iterator[tuple[int, list[Any]]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 - calamine raises its own types for a damaged file
        raise RefusedError(f"{path}: not a readable spreadsheet ({type(exc).__name__})") from None
    names = book.sheet_names
    if sheet is not None:
        found = next((n for n in names if n == sheet), None) or \
            next((n for n in names if key(n) == key(sheet)), None)
        if found is None:
            raise RefusedError(f"{path}: no sheet {sheet!r}; it has {', '.join(map(repr, names))}")
        data = book.get_sheet_by_name(found)
    else:
        if not names:
            raise RefusedError(f"{path}: the workbook has no sheet")
        data = book.get_sheet_by_index(0)
    first_row, first_col = data.start or (0, 0)
    pad = [""] * first_col
    for offset, row in enumerate(data.iter_rows()):
        yield first_row + offset + 1, pad + list(row)


# --- cells ----------------------------------------------------------------------------------------

#: Excel's day 0 (its serial numbers count from here, 1900 leap-year bug included for dates after
#: 28 February 1900, which every date sendtrack reads is).
EXCEL_EPOCH = date(1899, 12, 30)


class CellProblem(ValueError):
    """A cell that cannot be read; its message never holds a personal value."""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def read_date(value: Any, fmt: str | None, *, personal: bool, sheet: bool) -> date | None:
    """A date cell: a real date, an Excel serial number (from a sheet), or text in `fmt` (or ISO)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if sheet and isinstance(value, int | float) and not isinstance(value, bool):
        if not 1 <= value < 2_958_466:
            raise CellProblem("is a number, not a date")
        return EXCEL_EPOCH + timedelta(days=int(value))
    text = _text(value)
    if not text:
        return None
    found = _parse(text, fmt)
    if found is not None:
        return found
    shown = "" if personal else date_shown(text)  # never a name from a mis-mapped column
    wanted = f"in the form {fmt} (the map's date_format)" if fmt else "in the form YYYY-MM-DD (or set " \
        "date_format in the map)"
    raise CellProblem(f"the date{shown} is not a real date {wanted}")


@lru_cache(maxsize=1 << 14)
def _parse(text: str, fmt: str | None) -> date | None:
    """Text in exactly `fmt` (else ISO) as a date, or None; cached, as a tracker's dates repeat."""
    try:
        if fmt is not None:
            return datetime.strptime(text, fmt).date()
        return codes.iso_date(text)
    except ValueError:
        pass
    return None


# --- the tracker's rows as import rows -----------------------------------------------------------

@dataclass
class Heading:
    fields: dict[str, int]  # field -> column index
    names: dict[str, str]  # field -> the heading as the sheet writes it
    row: int


def find_heading(rows: Iterable[tuple[int, list[Any]]], tmap: TrackerMap, path: Path
                 ) -> tuple[Heading, Iterator[tuple[int, list[Any]]]]:
    """The heading row: `header_row`, else the first of the top rows holding every mapped heading
    (a merged title above it is skipped). Returns it with the rest of the rows."""
    wanted = {field_name: key(heading) for field_name, heading in tmap.columns.items()}
    rows = iter(rows)
    best: tuple[int, int, list[str]] | None = None
    for number, cells in rows:
        if tmap.header_row is not None and number < tmap.header_row:
            continue
        keys = [key(_text(c)) for c in cells]
        present = {f: keys.index(k) for f, k in wanted.items() if k in keys}
        if len(present) == len(wanted):
            names = {f: _text(cells[i]) for f, i in present.items()}
            return Heading(present, names, number), rows
        if best is None or len(present) > best[0]:
            best = (len(present), number, [tmap.columns[f] for f in wanted if f not in present])
        if tmap.header_row is not None or number >= HEADER_SEARCH:
            break
    where = f"row {tmap.header_row}" if tmap.header_row is not None else f"the first {HEADER_SEARCH} rows"
    if best is None:
        raise RefusedError(f"{path}: the file is empty")
    raise RefusedError(f"{path}: {where} hold no heading row with every mapped heading; not found: "
                       + ", ".join(map(repr, best[2])) + (f" (closest: row {best[1]})" if best[0] else ""))


class Duplicates:
    """The same child twice: an open case in the database (through `open_ref`), or an earlier row of
    the file whose case stays open."""

    def __init__(self, open_ref: Callable[[str, date], str | None]) -> None:
        self.open_ref = open_ref
        self.rows: dict[tuple[str, date], int] = {}

    def check(self, name: str, dob: date, row: int, closes: bool) -> str | None:
        child = (kinds.fold(name), dob)
        earlier = self.rows.get(child)
        if earlier is not None:
            return (f"the same child (name and date of birth) as row {earlier}, whose case is open: one "
                    "row per case")
        found = self.open_ref(*child)
        if found is not None:
            return f"case {found} is open for a child with the same name and date of birth"
        if not closes:
            self.rows[child] = row
        return None


def tracker_records(path: Path, tmap: TrackerMap, *, known_teams: Iterable[str], today: date,
                    sheet: str | None = None,
                    open_ref: Callable[[str, date], str | None] = lambda name, dob: None
                    ) -> Iterator[tuple[str, dict]]:
    """The tracker's rows as (where, row) in the import layout (app/exchange._records' shape): a
    request row with the case's values, then one row per filled event column in date order. A row
    with a problem of its own (a heading's cell that cannot be read) becomes only `_bad` rows, one per
    problem: the pipeline lists them with the rest. `where` is `row N [Heading]`."""
    teams = {key(t): t for t in known_teams}
    rows = sheet_rows(path, sheet=sheet or tmap.sheet, encoding=tmap.encoding)
    heading, rest = find_heading(rows, tmap, path)
    is_sheet = path.suffix.lower() != ".csv" and path.suffix.lower() != ".txt"
    duplicates = Duplicates(open_ref)
    width = max(heading.fields.values()) + 1
    for number, cells in rest:
        if not any(_text(c) for c in cells):
            continue  # blank rows between cases
        if len(cells) < width:
            cells = list(cells) + [""] * (width - len(cells))
        yield from _row(number, cells, tmap, heading, teams, is_sheet, duplicates, today)


def _where(number: int, heading: Heading, field_name: str | None) -> str:
    if field_name is None or field_name not in heading.names:
        return f"row {number}"
    shown = heading.names[field_name].replace("]", ")").replace("\n", " ")[:60]
    return f"row {number} [{shown}]"


def _row(number: int, cells: list[Any], tmap: TrackerMap, heading: Heading, teams: dict[str, str],
         is_sheet: bool, duplicates: Duplicates, today: date) -> Iterator[tuple[str, dict]]:
    from sendtrack.rules.guards import request_refusal

    problems: list[tuple[str | None, str]] = []

    def clean(field_name: str, value: str | None) -> str | None:
        """Text as every way in takes it (kinds.clean_text), the problem named by its column."""
        if not value:
            return None
        try:
            return kinds.clean_text(value, field_name.replace("_", " "))
        except RefusedError as exc:
            problems.append((field_name, str(exc)))
            return None

    def raw(field_name: str) -> Any:
        index = heading.fields.get(field_name)
        return cells[index] if index is not None else None

    def word(field_name: str) -> str | None:
        """A value column through its [values] table (else as written), else the map's default."""
        text = _text(raw(field_name))
        if not text:
            return tmap.defaults.get(field_name)
        table = tmap.values.get(field_name)
        if table is not None and key(text) in table:
            return table[key(text)]
        choices = CHOICES.get(field_name)
        if choices is not None:
            matched = _CHOICE_KEYS[field_name].get(key(text))
            if matched is None and field_name in ("looked_after", "alternative_provision"):
                matched = "yes" if text.casefold() in YES else "no" if text.casefold() in NO else None
            if matched is None:
                # quoted only when clearly a code: a mis-mapped column would print every child's name
                shown = code_shown(text) if field_name not in PERSONAL else ""
                problems.append((field_name, f"the value{shown} is not one of {', '.join(choices)}: add it "
                                             f"to [values.{field_name}] in the map"))
                return None
            return matched
        return text

    def day(field_name: str) -> date | None:
        try:
            return read_date(raw(field_name), tmap.date_format, personal=field_name in PERSONAL,
                             sheet=is_sheet)
        except CellProblem as exc:
            problems.append((field_name, str(exc)))
            return None

    ref_text = _text(raw("ref")) if "ref" in heading.fields else ""
    ref = ref_text or f"{tmap.ref_prefix}-{number:06d}"
    name = _text(raw("name"))
    if not name:
        problems.append(("name", "the name is empty"))
    else:
        name = clean("name", name) or ""
    dob, received = day("dob"), day("received")
    if dob is not None and received is not None:
        refused = request_refusal(dob=dob, received=received, today=today)
        if refused:
            # "the date of birth …" (in the future; 26 or older on the request date) is the DOB
            # column's; "request date …" (future, before EHC plans began, before the birth) the request's
            problems.append(("dob" if refused.startswith("the date of birth") else "received", refused))
    if "dob" in heading.fields and dob is None and not any(f == "dob" for f, _ in problems):
        problems.append(("dob", "the date of birth is empty"))
    if received is None and not any(f == "received" for f, _ in problems):
        problems.append(("received", "the date the request was received is empty"))
    team_word = word("team")
    team = None
    if team_word is not None:
        team = teams.get(key(team_word))
        if team is None:
            problems.append(("team", f"the team{code_shown(team_word)} is not one of the teams "
                                     f"({', '.join(dict.fromkeys(teams.values()))}): add it to [values.team] "
                                     "in the map, or to the configuration"))
    source = word("source") or "parent"  # read once: a bad cell is one problem
    values: dict[str, Any] = {
        "ref": ref, "kind": "request", "date": received.isoformat() if received else None,
        "name": name, "dob": dob.isoformat() if dob else None,
        "source": source, "team": team or "front-door",
        "coordinator": clean("coordinator", _text(raw("coordinator")) or tmap.defaults.get("coordinator")),
        "looked_after": word("looked_after") == "yes",
        "alternative_provision": word("alternative_provision") == "yes",
        "setting": clean("setting", _text(raw("setting")) or tmap.defaults.get("setting")),
        "details": {"source": source},
    }
    for entry in RETURN_FIELDS:  # the statutory returns' values, each checked by its validator
        if entry.key not in heading.fields:
            continue
        given = day(entry.key) if entry.key in DATE_FIELDS else _text(raw(entry.key))
        if not given:
            continue
        try:
            values[entry.key] = RETURN_FIELD[entry.key].check(str(given))
        except RefusedError as exc:
            problems.append((entry.key, str(exc)))
    events: list[tuple[date, int, str, dict]] = []
    for field_name, kind in EVENT_FIELDS.items():
        if field_name not in heading.fields:
            continue
        when = day(field_name)
        if when is None:
            continue
        details: dict[str, Any] = {}
        for detail_field, (owner, detail_key) in DETAIL_FIELDS.items():
            if owner != field_name:
                continue
            if detail_field == "exception_end":
                end = day(detail_field)
                if end is not None:
                    details[detail_key] = end.isoformat()
                continue
            value = word(detail_field) if detail_field in heading.fields else tmap.defaults.get(detail_field)
            value = value or DETAIL_DEFAULTS.get(detail_field)
            if value is None and any(at == detail_field for at, _ in problems):
                continue  # its word was not understood: that is the row's problem
            if value is None:
                needed = kinds.kind(kind).option(detail_key)
                if needed is not None and needed.required:
                    column = detail_field if detail_field in heading.fields else field_name
                    problems.append((column, f"a {kind} needs its {detail_key}: fill the "
                                             f"{detail_field} column, or set [defaults] {detail_field}"))
                continue
            details[detail_key] = value
        events.append((when, KIND_ORDER.get(kind, 99), kind, {"ref": ref, "kind": kind,
                                                             "date": when.isoformat(), "details": details,
                                                             "_field": field_name}))
    if not problems and dob is not None:
        closes = any(e[2] in ("withdrawn", "no-plan", "cease") or
                     (e[2] == "decision" and e[3]["details"].get("outcome") == "refuse") for e in events)
        found = duplicates.check(name, dob, number, closes)
        if found is not None:
            problems.append(("name", found))
    if problems:
        for at, problem in problems:
            yield _where(number, heading, at), {"ref": ref, "_bad": problem}
        return
    yield _where(number, heading, "received"), values
    for _, _, _, event in sorted(events, key=lambda e: (e[0], e[1])):
        field_name = event.pop("_field")
        yield _where(number, heading, field_name), event


# --- the layout's own .xlsx (sendtrack's export written as a spreadsheet) ------------------------------

def layout_records(path: Path, *, sheet: str | None = None) -> Iterator[tuple[str, dict]]:
    """sendtrack's own export layout read from an .xlsx (`export --format xlsx`): (where, row) as
    exchange._records gives them for a CSV, the leading ' export put before a formula-like cell taken
    off again."""
    from sendtrack.app.exchange import COLUMNS, tracker_hint
    from sendtrack.output.files import unneutralise

    rows = sheet_rows(path, sheet=sheet)
    header: list[str] | None = None
    for number, cells in rows:
        texts = [_text(c) for c in cells]
        if header is None:
            header = texts
            while header and not header[-1]:
                header.pop()
            unknown = [c for c in header if c not in COLUMNS]
            if unknown or "ref" not in header:
                raise RefusedError(f"{path}: row {number}: {tracker_hint()}")
            continue
        if not any(texts):
            continue
        texts += [""] * (len(header) - len(texts))
        # a spreadsheet's row (as Excel numbers it), not a text file's line (docs/import-format.md)
        yield f"row {number}", {h: unneutralise(t) for h, t in zip(header, texts, strict=False)}


# --- import-map ---------------------------------------------------------------------------------

#: Words a heading is recognised by, for the map `import-map` prints (each key()'d).
GUESSES: dict[str, tuple[str, ...]] = {
    "ref": ("caseref", "ref", "reference", "caseno", "casenumber", "id", "ehcpref", "caseid", "uniqueid"),
    "name": ("childname", "name", "childsname", "fullname", "pupilname", "youngpersonname", "childyp",
             "nameofchild"),
    "dob": ("dob", "dateofbirth", "birthdate", "d.o.b"),
    "received": ("daterequestreceived", "requestreceived", "requestdate", "datereceived", "received",
                 "dateofrequest", "referraldate", "daterequested"),
    "source": ("requestedby", "source", "referredby", "requester", "whorequested", "requestsource"),
    "team": ("team", "area", "locality", "teamname"),
    "coordinator": ("ehcc", "coordinator", "casecoordinator", "caseworker", "officer", "keyworker",
                    "ehccoordinator", "caseofficer"),
    "looked_after": ("lac", "cla", "lookedafter", "childlookedafter", "lookedafterchild"),
    "alternative_provision": ("ap", "alternativeprovision"),
    "setting": ("setting", "school", "currentsetting", "currentschool", "provision", "placement"),
    "decision": ("decisiondate", "datedecision", "decisiontoassess", "datedecisionmade", "decisionmade",
                 "week6decision"),
    "decision_outcome": ("decision", "outcome", "decisionoutcome", "agreedtoassess", "assessmentagreed"),
    "advice_requested": ("advicerequested", "advicerequestdate", "adviceslrequested"),
    "advice_from": ("advicefrom", "advicetype"),
    "draft": ("draftissued", "draft", "draftplan", "draftdate", "dateofdraft", "draftehcp",
              "draftehcpissued"),
    "final": ("finalehcpissued", "final", "finalplan", "finalissued", "finaldate", "dateoffinal",
              "finalehcp", "ehcpissued", "planissued"),
    "no_plan": ("noplan", "decisionnottoissue", "notissue", "nottoissue"),
    "exception_start": ("exception", "exceptionstart", "exceptiondate"),
    "exception_limb": ("exceptionreasoncode", "exceptionlimb", "exceptiontype"),
    "exception_reason": ("exceptionreason",),
    "last_review": ("lastannualreview", "lastreview", "annualreview", "reviewdate", "lastreviewdate",
                    "annualreviewdate"),
    "withdrawn": ("withdrawn", "datewithdrawn", "withdrawndate"),
    "ceased": ("ceased", "ceaseddate", "dateceased", "planceased"),
    # the statutory returns' values (codes.RETURN_FIELDS), by their own names and the usual headings
    "upn": ("upn", "uniquepupilnumber", "pupilnumber"),
    "uln": ("uln", "uniquelearnernumber"),
    "upn_unknown": ("upnunknown", "upnunknownreason", "noupnreason"),
    "sex": ("sex", "gender"),
    "ethnicity": ("ethnicity", "ethnicitycode", "ethnicgroup"),
    "postcode": ("postcode", "homepostcode", "postalcode"),
    "primary_need": ("primaryneed", "primarysenneed", "primarysentype", "primaryneedtype"),
    "secondary_need": ("secondaryneed", "secondarysenneed", "secondarysentype", "secondaryneedtype"),
    "urn": ("urn", "schoolurn", "settingurn"),
    "ukprn": ("ukprn", "providerukprn"),
    "setting_type": ("settingtype",),
    "placement_phase": ("placementphase", "phase", "schoolphase"),
    "placement_from": ("placementfrom", "placementstart", "placementstartdate", "dateofentry",
                       "entrydate"),
}
_GUESS = {word: field_name for field_name, words in GUESSES.items() for word in words}
_OUTCOME_WORDS = {"assess": ("agreed", "yes", "assess", "agree", "proceed", "accepted", "y"),
                  "refuse": ("notagreed", "no", "refuse", "refused", "declined", "decline", "notassess",
                             "rejected", "n")}
_DATE_TEXT = (("%d/%m/%Y", re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")),
              ("%d-%m-%Y", re.compile(r"^\d{1,2}-\d{1,2}-\d{4}$")),
              ("%d.%m.%Y", re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}$")),
              ("%Y-%m-%d", re.compile(r"^\d{4}-\d{2}-\d{2}$")),
              ("%d/%m/%y", re.compile(r"^\d{1,2}/\d{1,2}/\d{2}$")))
#: Rows `import-map` samples under the heading row to guess date forms and value words.
SAMPLE_ROWS = 500


def guess_map(path: Path, *, sheet: str | None = None, known_teams: Iterable[str] = ()) -> str:
    """A starting MAP.toml for a tracker: its headings placed by name, the ones it could not place
    listed as comments, the date form and encoding it saw, and [values] tables for the outcome and
    team words it found (so `import --dry-run --map` can be run straight away). It quotes headings
    and value words, never a child's name or date of birth."""
    rows = sheet_rows(path, sheet=sheet)
    best: tuple[int, int, list[Any]] | None = None
    seen: list[tuple[int, list[Any]]] = []
    for number, cells in rows:
        seen.append((number, cells))
        placed = sum(1 for c in cells if key(_text(c)) in _GUESS)
        if best is None or placed > best[0]:
            best = (placed, number, cells)
        if number >= HEADER_SEARCH:
            break
    if best is None:
        raise RefusedError(f"{path}: the file is empty")
    if best[0] < 2:  # no heading row: the "headings" would be a child's row, never printed
        raise RefusedError(f"{path}: no heading row recognised in the first {HEADER_SEARCH} rows: write the "
                           "map by hand (README, \"Moving from your spreadsheet\")")
    _, header_number, header = best
    columns: dict[str, tuple[int, str]] = {}
    unplaced: list[str] = []
    for index, cell in enumerate(header):
        heading = _text(cell)
        if not heading:
            continue
        field_name = _GUESS.get(key(heading))
        if field_name is not None and field_name not in columns:
            columns[field_name] = (index, heading)
        else:
            unplaced.append(heading)
    sample: list[list[Any]] = [cells for number, cells in seen if number > header_number]
    for _, cells in rows:
        if len(sample) >= SAMPLE_ROWS:
            break
        sample.append(cells)
    date_format, real_dates = _guess_date_format(sample, columns)
    lines = [f"# A starting map for {path.name}, guessed by `sendtrack import-map`: check every line,",
             "# then `sendtrack import --dry-run --map THIS.toml FILE` lists what is left to fix.",
             "# Headings are matched ignoring case, spaces and punctuation."]
    if path.suffix.lower() == ".csv" and _csv_encoding(path) == "cp1252":
        lines.append('encoding = "cp1252"              # the file is not UTF-8 (Excel\'s "CSV" on Windows)')
    if sheet is not None:
        lines.append(f"sheet = {_toml(sheet)}")
    lines.append(f"header_row = {header_number}")
    if date_format:
        lines.append(f"date_format = {_toml(date_format)}        # dates written as text, e.g. "
                     f"{date(2025, 1, 6).strftime(date_format)} for 6 January 2025")
    elif real_dates:
        lines.append("# the dates are real date cells: no date_format needed")
    missing = [f for f in ("name", "dob", "received") if f not in columns]
    if "ref" not in columns:
        lines.append('ref_prefix = "TRK"                # no reference column: cases are numbered TRK-<row>')
    lines += ["", "[columns]"]
    for field_name in FIELDS:
        if field_name in columns:
            lines.append(f"{field_name} = {_toml(columns[field_name][1])}")
    for field_name in missing:
        lines.append(f"# {field_name} = \"?\"            # REQUIRED: no heading recognised")
    if unplaced:
        lines += ["", "# Headings not placed (add a line above for any that hold one of the fields "
                      f"{', '.join(FIELDS)}):"]
        lines += [f"#   {_toml(h)}" for h in unplaced]
    lines += _guess_values(sample, columns, {key(t): t for t in known_teams})
    return "\n".join(lines) + "\n"


def _toml(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


def _guess_date_format(sample: list[list[Any]], columns: dict[str, tuple[int, str]]
                       ) -> tuple[str | None, bool]:
    counts: dict[str, int] = {}
    real = False
    for field_name, (index, _) in columns.items():
        if field_name not in DATE_FIELDS:
            continue
        for cells in sample:
            value = cells[index] if index < len(cells) else ""
            if isinstance(value, date):
                real = True
                continue
            text = _text(value)
            for fmt, pattern in _DATE_TEXT:
                if pattern.match(text):
                    counts[fmt] = counts.get(fmt, 0) + 1
                    break
    if not counts:
        return None, real
    fmt = max(counts, key=lambda f: counts[f])
    return (None if fmt == "%Y-%m-%d" else fmt), real


def _guess_values(sample: list[list[Any]], columns: dict[str, tuple[int, str]], teams: dict[str, str]
                  ) -> list[str]:
    out: list[str] = []
    for field_name in ("decision_outcome", "source", "team", "looked_after", "alternative_provision",
                       "advice_from", "exception_limb"):
        if field_name not in columns:
            continue
        index = columns[field_name][0]
        words = sorted({_text(cells[index]) for cells in sample
                        if index < len(cells) and _text(cells[index])})
        if not words or len(words) > 30:
            continue
        table = []
        for text in words:
            if field_name == "decision_outcome":
                guess = next((v for v, ws in _OUTCOME_WORDS.items() if key(text) in ws), None)
            elif field_name in ("looked_after", "alternative_provision"):
                guess = "yes" if text.casefold() in YES else "no" if text.casefold() in NO else None
            elif field_name == "team":
                guess = teams.get(key(text))
            else:
                guess = next((c for c in CHOICES.get(field_name, ()) if key(c) == key(text)), None)
            if guess is None:
                table.append(f"# {_toml(text)} = \"?\"")
            elif key(guess) != key(text):
                table.append(f"{_toml(text)} = {_toml(guess)}")
        if table:
            hint = "your team words -> the configuration's team ids" if field_name == "team" else \
                f"one of {', '.join(CHOICES.get(field_name, ()))}"
            out += ["", f"[values.{field_name}]              # {hint}", *table]
    return out


# --- what the import command runs --------------------------------------------------------------------

def open_cases(db: Any) -> Callable[[str, date], str | None]:
    """`open_ref` for `tracker_records`: the reference of an open case in the database for a child
    (folded name, date of birth), or None. The database's names are indexed once, on first use
    (inside the import's transaction)."""
    from sendtrack.app.record import same_child
    from sendtrack.storage import cases as store

    index: set[tuple[str, date]] | None = None

    def lookup(folded: str, dob: date) -> str | None:
        nonlocal index
        if index is None:
            index = {(kinds.fold(name), born) for _, name, born in store.names(db)}
        if (folded, dob) not in index:
            return None
        return same_child(db, name=folded, dob=dob)

    return lookup


def records_for(db: Any, path: Path, *, map_path: Path | None, sheet: str | None, known_teams: Iterable[str],
                today: date) -> Callable[[], Iterator[tuple[str, dict]]] | None:
    """The rows import reads from `path`: a council's tracker through its map, sendtrack's own layout
    from an .xlsx, or None for the layout's CSV and JSON (exchange reads those itself). The map is
    loaded and checked here, before the import starts."""
    if not path.is_file():
        raise RefusedError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    if map_path is not None:
        tmap = load_map(map_path)
        teams = list(known_teams)
        return lambda: tracker_records(path, tmap, known_teams=teams, today=today, sheet=sheet,
                                       open_ref=open_cases(db))
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return lambda: layout_records(path, sheet=sheet)
    if sheet is not None:
        raise RefusedError("--sheet is for .xlsx files")
    return None


_WHERE = re.compile(
    r"^(?:row|line) (?P<row>\d+)(?: \[(?P<column>[^\]]*)\])?(?P<rest>[^:]*): (?P<problem>.*)$", re.S)


def report_rows(problems: Iterable[str]) -> Iterator[tuple[str, str, str]]:
    """(row, column heading, problem) of each problem line of an import (`row 7 [Decision Date]: REF:
    why`), for `import --report`."""
    for line in problems:
        found = _WHERE.match(line)
        if found is None:
            yield "", "", line
            continue
        problem = found["problem"]
        ref, sep, why = problem.partition(": ")
        if sep and " " not in ref:  # the pipeline puts the case's reference first
            problem = why
        yield found["row"], found["column"] or "", (found["rest"].strip(", ") + " " + problem).strip()
