"""Output: one `render(rows, columns, fmt)` for every report; CSV and JSON as plain bytes, never via rich;
terminal tables through one fast path (`table_lines`) that fits the terminal without splitting a value."""

from __future__ import annotations

import os
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import chain, islice
from typing import IO, Any

from sendtrack.domain import ERASED_NAME

FORMATS = ("table", "csv", "json", "xlsx")
#: A terminal table longer than this is cut, with a line saying how to get the rest (nobody reads
#: 80,000 rows on a screen; CSV has them all).
TABLE_LIMIT = 500
#: Cells between two columns.
GAP = 2
#: A column of free text is not squeezed below this (unless everything in it is shorter) to make
#: room for another column: a reason wrapped ten words a line reads better than one a line.
WRAP_MIN = 16
#: Room a free-text column is given before a less important column is added beside it.
WRAP_ROOM = 20
#: A single word longer than this (a 200-letter name) may be folded; nothing shorter ever is.
FOLD_OVER = 32
BOLD, RESET = "\x1b[1m", "\x1b[0m"


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a report. `priority` 0 is always shown; when a terminal table is too wide the
    columns with the highest numbers are left out first (and named in a line under the table).
    `wrap` marks free text, which may wrap between words; nothing else is ever broken."""

    key: str
    header: str
    justify: str = "left"
    priority: int = 0
    wrap: bool = False


def resolve_format(fmt: str | None) -> str:
    """`--format`, else table on a terminal and CSV in a pipe (clean for scripts and cron)."""
    if fmt:
        return fmt
    return "table" if sys.stdout.isatty() else "csv"


def plain(value: Any) -> Any:
    """A value for JSON: dates as ISO text, everything else as it is."""
    if isinstance(value, date):
        return value.isoformat()
    return value


def text(value: Any) -> str:
    """A value for CSV and tables: JSON's spelling of booleans (`true`), dates as ISO text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(plain(value))


def write_json(data: Any, handle: IO[str] | None = None) -> None:
    import json  # here, not at start-up: most commands write no JSON

    handle = handle if handle is not None else sys.stdout
    handle.write(json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, default=plain))
    handle.write("\n")


def write_json_list(items: Iterable[Any], handle: IO[str] | None = None) -> None:
    """A JSON array written item by item, the same bytes as `write_json(list(items))`: json.dumps of
    a list with indent=2 is "[", each item dumped at indent 2 and indented two more, joined by ",",
    then "]" (and "[]" when empty). Strings never hold a raw newline (JSON escapes it), so indenting
    every line of an item is exact."""
    import json

    out = handle or sys.stdout
    first = True
    for item in items:
        text = json.dumps(item, sort_keys=True, indent=2, ensure_ascii=False, default=plain)
        out.write(("[\n  " if first else ",\n  ") + text.replace("\n", "\n  "))
        first = False
    out.write("[]\n" if first else "\n]\n")


def write_csv(rows: Iterable[Any], columns: Sequence[Column], handle: IO[str] | None = None) -> None:
    """CSV to `handle` (stdout by default) through output.files.csv_writer: text cells a spreadsheet
    would run as a formula get a leading `'`; numbers (a negative `days_overdue`) stay numbers. A row
    that is a list is its cells already, in the columns' order, as this spells them (a report that
    makes many rows for CSV only, `reports.case_list.case_cells`)."""
    from sendtrack.output.files import csv_writer

    writer = csv_writer(handle or sys.stdout, joined=True)
    keys = [c.key for c in columns]
    writer.writerow(keys)
    # an int or float goes to csv as it is (formula_safe leaves non-text alone); bool is text: "true".
    # A whole number not below 0 is given as its digits, the same cell (no formula starts with a digit):
    # a row of text only is joined, not passed through csv.writer (output.files._joined). Text first:
    # nearly every cell is. Written out in the loop: a call per cell cost a third of a 13,000-row CSV.
    writer.writerows(row if type(row) is list else
                     [v if (kind := type(v)) is str else "" if v is None else str(v) if kind is int and v >= 0
                      else v if kind is int or kind is float else text(v) for v in map(row.get, keys)]
                     for row in rows)


# --- what a terminal is shown ------------------------------------------------------------------

#: Zero-width joiners spell Persian and Indic names (and emoji): invisible, but part of the word.
_JOINERS = frozenset("\u200c\u200d")
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(ch: str) -> str:
    code = ord(ch)
    if ch in _SHORT:
        return _SHORT[ch]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def safe(value: str) -> str:
    """Text a terminal shows as it is: control characters (ESC would start an escape sequence),
    bidi overrides and isolates (U+202A-U+202E, U+2066-U+2069, which reorder what follows), other
    invisible format characters, line separators and unassigned code points are written escaped
    (`\\x1b`, `\\u202e`). Spaces of every script, joiners and private-use glyphs stay."""
    if value.isprintable():
        return value
    out = []
    for ch in value:
        if ch.isprintable() or ch in _JOINERS or unicodedata.category(ch) in ("Zs", "Co"):
            out.append(ch)
        else:
            out.append(_escape(ch))
    return "".join(out)


def _shown(value: Any) -> str:
    """A table cell's text: `text()` made `safe()` (the checks cheapest first: most cells are plain)."""
    shown = value if type(value) is str else text(value)
    return shown if shown.isprintable() else safe(shown)


def cells(value: str) -> int:
    """Width on a terminal: accents take none of their own, CJK and emoji two cells."""
    if value.isascii():
        return len(value)
    from rich.cells import cell_len

    return cell_len(value)


def _fold(word: str, width: int) -> list[str]:
    pieces, piece = [], ""
    for ch in word:
        if piece and cells(piece + ch) > width:
            pieces.append(piece)
            piece = ""
        piece += ch
    return [*pieces, piece]


def wrap(value: str, width: int, sep: str = " ") -> list[str]:
    """`value` in lines of at most `width` cells, broken between words (or the parts `sep` joins);
    a continuation keeps the first line's indent. Only a word wider than `width` is folded."""
    if cells(value) <= width:
        return [value]
    stripped = value.lstrip(" ")
    indent = value[:len(value) - len(stripped)]
    if cells(indent) >= width // 2:
        indent = ""
    lines: list[str] = []
    line = indent
    for word in stripped.split(sep):
        joined = f"{line}{sep}{word}" if line.strip() else line + word
        if cells(joined) <= width:
            line = joined
            continue
        if line.strip():
            lines.append(line)
        line = indent + word
        while cells(line) > width:
            first, *rest = _fold(line, width)
            lines.append(first)
            line = indent + "".join(rest)
    lines.append(line)
    return lines


def terminal_width() -> int:
    """COLUMNS, else the terminal's width; a table asked for in a pipe gets 160."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout.isatty():
        try:
            return os.get_terminal_size(sys.stdout.fileno()).columns
        except (OSError, ValueError):
            return 80
    return 160


def colour() -> bool:
    """Bold headers on a terminal, never with NO_COLOR; FORCE_COLOR asks for them in a pipe too."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


@dataclass
class _Fit:
    column: Column
    values: list[str]
    sizes: list[int]  # each value's width in cells
    natural: int  # everything on one line
    least: int  # as narrow as it may go: the widest value (or word, for free text), the widest header word
    room: int  # what it is given before a less important column is added
    body: int  # every value on one line
    width: int = 0


def _measure(column: Column, values: list[str]) -> _Fit:
    sizes = [len(v) if v.isascii() else cells(v) for v in values]
    body = max(sizes, default=0)
    header_word = max(map(cells, column.header.split(" ")), default=0)
    if column.wrap:
        longest = 0
        for value, size in zip(values, sizes, strict=True):
            if size > longest:  # no word of a shorter value can be longer
                longest = max(longest, max(map(cells, value.split(" "))) if " " in value else size)
        least_body = max(min(longest, FOLD_OVER), min(body, WRAP_MIN))
        room = max(least_body, min(body, WRAP_ROOM))
    else:
        least_body = room = body
    least = max(least_body, header_word)
    return _Fit(column, values, sizes, max(body, cells(column.header)), least, max(room, header_word), body)


def _share(fits: list[_Fit], spare: int, target) -> int:
    """Give `spare` cells to the fits below their target, in proportion to what each lacks."""
    wants = [max(0, target(f) - f.width) for f in fits]
    total = sum(wants)
    if total == 0 or spare <= 0:
        return spare
    if total <= spare:
        for f, want in zip(fits, wants, strict=True):
            f.width += want
        return spare - total
    given = [spare * want // total for want in wants]
    for f, extra in zip(fits, given, strict=True):
        f.width += extra
    left = spare - sum(given)
    for f, want, extra in zip(fits, wants, given, strict=True):
        if left and want > extra:
            f.width += 1
            left -= 1
    return 0


def _layout(fits: list[_Fit], width: int) -> tuple[list[_Fit], list[Column]]:
    """The columns shown and their widths, and the columns left out (most important kept first)."""
    order = sorted(range(len(fits)), key=lambda i: (fits[i].column.priority, i))
    kept = {i for i in order if fits[i].column.priority == 0}
    for i in order:
        # a column comes in if it fits as narrow as it goes beside the more important ones at their room
        if i not in kept and sum(fits[j].room for j in kept) + fits[i].least + GAP * len(kept) <= width:
            kept.add(i)
    shown = [fits[i] for i in sorted(kept)]
    for f in shown:
        f.width = f.least
    spare = width - sum(f.width for f in shown) - GAP * (len(shown) - 1)
    # then free text on fewer lines, and last the headers on one line (rows outnumber headers)
    spare = _share(shown, _share(shown, spare, lambda f: f.room), lambda f: f.body)
    for f in sorted(shown, key=lambda f: f.natural - f.width):
        if 0 < f.natural - f.width <= spare:
            spare -= f.natural - f.width
            f.width = f.natural
    return shown, [fits[i].column for i in range(len(fits)) if i not in kept]


def _pad(value: str, size: int, f: _Fit) -> str:
    pad = " " * (f.width - size)
    return pad + value if f.column.justify == "right" else value + pad


def _line(parts: list[str], shown: list[_Fit]) -> str:
    return (" " * GAP).join(_pad(p, cells(p), f) for p, f in zip(parts, shown, strict=True)).rstrip()


def _block(values: list[str], shown: list[_Fit], *, header: bool = False) -> list[str]:
    """One row as lines, each free-text cell wrapped to its column (a header wraps in any column)."""
    cells_lines = [wrap(v, f.width) if header or f.column.wrap else [v]
                   for v, f in zip(values, shown, strict=True)]
    height = max(map(len, cells_lines))
    return [_line([c[n] if n < len(c) else "" for c in cells_lines], shown) for n in range(height)]


def table_lines(rows: Sequence[dict], columns: Sequence[Column], *, width: int, bold: bool = False,
                every_column: str = "--format csv") -> list[str]:
    """The table as lines of at most `width` cells: a header (bold if asked), a rule, one block per
    row. A column empty in every row is not shown; columns that do not fit are left out, least
    important first, and named in a last line (`every_column` says where to see them all). Dates,
    references and numbers are never broken; free text wraps between words."""
    values = {c.key: [_shown(row.get(c.key)) for row in rows] for c in columns}
    fits = [_measure(c, values[c.key]) for c in columns if any(values[c.key])]
    if not fits:
        return []
    shown, left_out = _layout(fits, width)
    header = _block([f.column.header for f in shown], shown, header=True)
    lines = [f"{BOLD}{line}{RESET}" if bold else line for line in header]
    lines.append(_line(["-" * f.width for f in shown], shown))
    gap = " " * GAP
    for n in range(len(rows)):
        if all(f.sizes[n] <= f.width for f in shown):  # the common case: one line, sizes known
            lines.append(gap.join(_pad(f.values[n], f.sizes[n], f) for f in shown).rstrip())
        else:
            lines += _block([f.values[n] for f in shown], shown)
    if left_out:
        names = ", ".join(c.header for c in left_out)
        lines += wrap(f"left out to fit {width} columns: {names} (all in {every_column})", width)
    return lines


def write_table(rows: Iterable[dict], columns: Sequence[Column], *, title: str | None = None,
                limit: int | None = TABLE_LIMIT, every_column: str = "--format csv", more: int = 0) -> None:
    """A terminal table, `limit` rows at most, with its title above it; the rows past the limit are
    counted, not kept (`more` rows the caller already counted are added to them)."""
    width = terminal_width()
    rows = iter(rows)
    shown = list(rows if limit is None else islice(rows, limit))
    more += sum(1 for _ in rows)
    lines = wrap(safe(title), width) if title else []
    lines += table_lines(shown, columns, width=width, bold=colour(), every_column=every_column) or ["none"]
    if more:
        lines.append(f"… {more} more rows: use --format csv for all {len(shown) + more}")
    sys.stdout.write("\n".join(lines) + "\n")


def render(rows: Iterable[Any], columns: Sequence[Column], fmt: str | None, *, title: str | None = None,
           empty: str = "nothing to show", target: Any = None) -> None:
    """Write `rows` as a table (terminal), CSV (header always), JSON (`[]` when empty) or an .xlsx
    sheet; to `target` (an output.files.Target) when it names a file, through the safe writer. The rows
    are streamed: CSV and JSON to stdout hold one row at a time, a table the rows it shows. Rows are
    dicts; for CSV they may be lists of cells (`write_csv`)."""
    fmt = resolve_format(fmt)
    # the first row before any byte: a query that fails (a damaged page, a full disk for its sort)
    # fails here, with nothing written. Every ordered report query sorts all its rows before the
    # first comes back, so in practice it fails here or not at all.
    pending: Iterator[Any] = iter(rows)
    first = next(pending, None)
    rows = chain((first,), pending) if first is not None else pending  # (then empty)
    if target is not None and (target.path is not None or (target.excel and fmt == "csv")):
        from sendtrack.output.files import to_target

        to_target(target, fmt, rows, columns, title=title)
    elif fmt == "json":
        write_json_list({c.key: plain(row.get(c.key)) for c in columns} for row in rows)
    elif fmt == "csv":
        write_csv(rows, columns)
    elif first is None:
        sys.stdout.write(empty + "\n")
    else:
        write_table(rows, columns, title=title)


def counted(rows: Iterable[dict], tally: dict[str, int], key: str = "status") -> Iterator[dict]:
    """`rows` passed through, counting each value of `key` into `tally` as it goes."""
    for row in rows:
        tally[row[key]] = tally.get(row[key], 0) + 1
        yield row


def initials(name: str) -> str:
    """"Amelia Jones" -> "A.J."; reports show these, not names, unless --names."""
    if name == ERASED_NAME:
        return name  # an erased case says so, rather than "(." from the tombstone's first character
    # each part's first letter or digit: "(Sam) O'Neil" -> "S.O.", never a bracket or a quote; its
    # capital unless that is two letters ("ß" stays "ß"). A report makes 13,000 of these: when every
    # part starts with a letter or digit and each has a capital of one letter (nearly every name), they
    # are taken at once (half the time); else a part and a character at a time (initials_of_parts).
    parts = name.replace("-", " ").split()
    firsts = "".join([part[0] for part in parts])
    if firsts.isalnum() and len(upper := firsts.upper()) == len(firsts):
        return ".".join(upper) + "."
    return initials_of_parts(parts)


def initials_of_parts(parts: list[str]) -> str:
    """`initials` the long way, a part and a character at a time (every name, not only the usual)."""
    out = []
    for part in parts:
        for c in part:
            if c.isalnum():
                upper = c.upper()
                out.append((upper if len(upper) == 1 else c) + ".")
                break
    return "".join(out) or "?"
