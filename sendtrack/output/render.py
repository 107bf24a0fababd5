"""Output: one `render(rows, columns, fmt)` for every report; CSV and JSON as plain bytes, never via rich."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

FORMATS = ("table", "csv", "json")
#: A terminal table longer than this is cut, with a line saying how to get the rest (rich renders
#: ~2,700 rows a second here: 80,000 rows would take half a minute).
TABLE_LIMIT = 500


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str
    justify: str = "left"


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


def write_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, default=plain))
    sys.stdout.write("\n")


def write_csv(rows: Sequence[dict], columns: Sequence[Column], handle: IO[str] | None = None) -> None:
    """CSV to `handle` (stdout by default) through output.files.csv_writer: text cells a spreadsheet
    would run as a formula get a leading `'`; numbers (a negative `days_overdue`) stay numbers."""
    from sendtrack.output.files import csv_writer

    writer = csv_writer(handle or sys.stdout)
    writer.writerow([c.key for c in columns])
    writer.writerows([_cell(row.get(c.key)) for c in columns] for row in rows)


def _cell(value: Any) -> Any:
    # an int or float goes to csv as it is (formula_safe leaves non-text alone); bool is text: "true"
    return value if type(value) in (int, float) else text(value)


def console():
    from rich.console import Console

    width = int(os.environ["COLUMNS"]) if os.environ.get("COLUMNS", "").isdigit() else None
    if width is None and not sys.stdout.isatty():
        width = 160  # a table asked for in a pipe: rich's 80 columns would fold every date
    return Console(width=width, highlight=False, soft_wrap=False)


def table(rows: Sequence[dict], columns: Sequence[Column], *, title: str | None = None,
          limit: int | None = TABLE_LIMIT):
    from rich.table import Table
    from rich.text import Text

    out = Table(title=title, title_justify="left", show_lines=False, header_style="bold")
    for column in columns:
        out.add_column(column.header, justify=column.justify, overflow="fold")
    shown = rows if limit is None else rows[:limit]
    for row in shown:
        # Text, not str: rich would read "[Oak Primary]" in a cell as markup and drop it
        out.add_row(*(Text(text(row.get(c.key))) for c in columns))
    return out


def render(rows: Sequence[dict], columns: Sequence[Column], fmt: str | None, *, title: str | None = None,
           empty: str = "nothing to show") -> None:
    """Write `rows` as a table (terminal), CSV (header always) or JSON (`[]` when empty)."""
    fmt = resolve_format(fmt)
    if fmt == "json":
        write_json([{c.key: plain(row.get(c.key)) for c in columns} for row in rows])
    elif fmt == "csv":
        write_csv(rows, columns)
    else:
        out = console()
        if not rows:
            out.print(empty, markup=False)
            return
        out.print(table(rows, columns, title=title))
        if len(rows) > TABLE_LIMIT:
            out.print(f"… {len(rows) - TABLE_LIMIT} more rows: use --format csv for all {len(rows)}",
                      markup=False)


def initials(name: str) -> str:
    """"Amelia Jones" -> "A.J."; reports show these, not names, unless --names."""
    parts = [p for p in name.replace("-", " ").split() if p]
    return "".join(p[0].upper() + "." for p in parts) if parts else "?"
