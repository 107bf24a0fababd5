"""Terminal tables: rich (the path sendtrack used before) against the plain padded path, same rows, same run.

    python bench/tables.py               # 500 overdue-like rows (a table's limit), 80 and 160 columns
    python bench/tables.py --rows 100 --runs 3

Each figure is the median of --runs renders into memory (no terminal I/O), after one warm-up render of
each; the two paths alternate so a busy machine slows both alike. The rows are synthetic but shaped as
`overdue` prints them (the real columns, priorities included).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sendtrack.output.render import table_lines, text  # noqa: E402
from sendtrack.reports.overdue import table_columns  # noqa: E402

TEAMS = ["front-door", "early-years", "school-age", "young-people", "virtual-school", "access-inclusion"]
RULES = [("final-plan", "reg 13(2)"), ("review-report", "reg 20(7), 21(7)"),
         ("advice [psychology]", "reg 8(1)"), ("assessment-decision", "reg 5(1); CFA s.36"),
         ("phase-transfer [primary to secondary (Year 6 to 7) on 2025-09-01]", "reg 18(1)(a)")]


def rows(count: int) -> list[dict]:
    day = date(2025, 5, 27)
    out = []
    for n in range(count):
        rule, source = RULES[n % len(RULES)]
        due = day - timedelta(days=1 + (n * 7) % 400)
        out.append({"ref": f"SEN-{n + 1:06d}", "initials": "A.J.", "team": TEAMS[n % len(TEAMS)],
                    "coordinator": ["Sam Patel", "Ann Brown", "Jo Lee", "Siobhán Ní Bhriain"][n % 4],
                    "deadline": rule, "due": due, "act_by": due - timedelta(days=n % 3),
                    "days_overdue": (day - due).days, "source": source})
    return out


def with_rich(data: list[dict], columns, width: int) -> str:
    """sendtrack's table before the plain path: rich's Table, folding overflow, cells as Text."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    out = io.StringIO()
    console = Console(file=out, width=width, highlight=False, soft_wrap=False, no_color=True)
    table = Table(title="Overdue", title_justify="left", show_lines=False, header_style="bold")
    for column in columns:
        table.add_column(column.header, justify=column.justify, overflow="fold")
    for row in data:
        table.add_row(*(Text(text(row.get(c.key))) for c in columns))
    console.print(table)
    return out.getvalue()


def plain(data: list[dict], columns, width: int) -> str:
    return "\n".join(["Overdue", *table_lines(data, columns, width=width)]) + "\n"


def floor(data: list[dict], columns, width: int) -> str:
    """The least a padded table can cost: every value padded to its column's widest, nothing fitted."""
    cells = [[text(row.get(c.key)) for c in columns] for row in data]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells) + "\n"


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data, columns = rows(args.rows), table_columns(names=False)
    print(f"{args.rows} rows, {len(columns)} columns, median of {args.runs} renders")
    print(f"{'width':>5}  {'rich':>9}  {'plain':>9}  {'floor':>9}  rich/plain  plain/floor  "
          "lines (rich/plain)")
    for width in (80, 160):
        lines = "/".join(str(fn(data, columns, width).count("\n")) for fn in (with_rich, plain))
        times: dict = {with_rich: [], plain: [], floor: []}
        for _ in range(args.runs):
            for fn, seen in times.items():
                seen.append(timed(fn, data, columns, width))
        r, p, f = (statistics.median(seen) for seen in times.values())
        print(f"{width:>5}  {r * 1000:>7.1f}ms  {p * 1000:>7.1f}ms  {f * 1000:>7.1f}ms  {r / p:>9.0f}x  "
              f"{p / f:>10.1f}x  {lines}")


if __name__ == "__main__":
    main()
