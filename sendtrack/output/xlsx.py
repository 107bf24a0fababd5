"""Excel out: a report's rows or the export as one .xlsx sheet, written through the safe writer.

xlsxwriter in constant_memory mode streams each row to its temporary file as the next begins, so an
export of a whole database holds one row in memory. Dates are real date cells (`yyyy-mm-dd`), numbers
numbers; the header row is bold and frozen and each column is as wide as what it holds (up to a limit).
Text is written with `write_string`, which never makes a formula, and a cell starting with `=`, `+`,
`-`, `@`, tab or CR also gets the leading `'` the CSV has (output.files.formula_safe, OWASP's advice):
a copy pasted from the sheet into another program is as safe as the CSV, and sendtrack's import of its
own .xlsx takes the quote off again as it does for CSV.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sendtrack.output.files import Target, formula_safe, safe_path

#: A column is never made wider than this many characters (a long reason wraps in Excel instead).
MAX_WIDTH = 60
#: Excel's own sheet-name limit.
MAX_SHEET_NAME = 31


def _width(value: Any) -> int:
    if isinstance(value, date):
        return 10 if not isinstance(value, datetime) else 19
    return len(str(value))


def write_rows(target: Target, headers: Sequence[str], rows: Iterable[Sequence[Any]], *,
               sheet: str = "Report") -> int:
    """Write `rows` (cells in `headers` order: date/datetime, int/float, bool, None or text) under a
    bold, frozen header row to `target.path`; returns the number of rows written."""
    import xlsxwriter

    assert target.path is not None, "an .xlsx goes to a file (--out), never to the terminal"
    with safe_path(target.path, force=target.force, database=target.database) as temporary:
        workbook = xlsxwriter.Workbook(str(temporary), {
            "constant_memory": True,
            # text stays text: no guessing of formulas, numbers or links from a string
            "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
            "tmpdir": str(temporary.parent),
        })
        try:
            sheet_ = workbook.add_worksheet(sheet[:MAX_SHEET_NAME])
            bold = workbook.add_format({"bold": True})
            day = workbook.add_format({"num_format": "yyyy-mm-dd"})
            stamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
            widths = [len(h) for h in headers]
            for col, header in enumerate(headers):
                sheet_.write_string(0, col, header, bold)
            sheet_.freeze_panes(1, 0)
            count = 0
            for count, row in enumerate(rows, start=1):  # noqa: B007 - the count is returned
                for col, value in enumerate(row):
                    if value is None or value == "":
                        continue
                    kind = type(value)
                    if kind is datetime:
                        sheet_.write_datetime(count, col, value, stamp)
                    elif kind is date:
                        sheet_.write_datetime(count, col, value, day)
                    elif kind is int or kind is float:
                        sheet_.write_number(count, col, value)
                    elif kind is bool:
                        value = "true" if value else "false"
                        sheet_.write_string(count, col, value)
                    else:
                        value = formula_safe(str(value))
                        sheet_.write_string(count, col, value)
                    if col < len(widths):
                        widths[col] = max(widths[col], _width(value))
            for col, width in enumerate(widths):
                sheet_.set_column(col, col, min(width, MAX_WIDTH) + 2)
            if count:
                sheet_.autofilter(0, 0, count, max(len(headers) - 1, 0))
        finally:
            workbook.close()
    return count


def _cell(value: Any) -> Any:
    """A report value as a cell: ISO dates (reports hold some as text) become real dates."""
    if type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def report_rows(rows: Iterable[dict], columns: Sequence[Any]) -> Iterable[list[Any]]:
    """Report rows (dicts) as cells in `columns` order."""
    keys = [c.key for c in columns]
    for row in rows:
        yield [_cell(row.get(key)) for key in keys]
