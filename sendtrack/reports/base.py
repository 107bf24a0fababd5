"""What the team reports share: deadline rows judged on a day in SQL, filters, and rows for render().

Every report reads the materialised `deadlines` table with the status computed in SQL
(storage.queries.STATUS_SQL); none of them loads events or runs the rules, and none imports sqlmodel,
SQLAlchemy, holidays or the rules engine, so a council-sized report costs little more than starting
the command.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sendtrack.errors import RefusedError
from sendtrack.output.render import initials
from sendtrack.storage.db import Database
from sendtrack.storage.queries import COORDINATOR_SQL, STATUS_SQL, VISIBLE_SQL, status_params, visible_params
from sendtrack.storage.values import as_date


@dataclass(frozen=True, slots=True)
class Scope:
    """Which cases a report covers and on which day: `--as-of`, `--team`, `--coordinator`."""

    day: date
    team: str | None = None
    coordinator: str | None = None

    def case_conditions(self, alias: str = "c") -> tuple[list[str], list[Any]]:
        where, params = [], []
        if self.team:
            where.append(f"{alias}.team = ?")
            params.append(self.team)
        if self.coordinator:
            where.append(COORDINATOR_SQL.format(alias=alias))
            params.append(self.coordinator)
        return where, params


@dataclass(frozen=True, slots=True)
class Item:
    """One deadline of one case as it stands on the scope's day."""

    ref: str
    name: str
    team: str
    coordinator: str | None
    rule: str
    subject: str | None
    owner: str
    kind: str
    source: str
    trigger: date
    due: date
    act_by: date
    completed_on: date | None
    excepted_from: date | None
    exception_limb: str | None
    status: str

    def who(self, names: bool) -> str:
        return self.name if names else initials(self.name)

    def label(self) -> str:
        return self.rule + (f" [{self.subject}]" if self.subject else "")


#: Item's fields, in its order: the query selects exactly these, and rows are read by these names.
ITEM_FIELDS = tuple(f.name for f in fields(Item))
_FROM_CASE = {"ref", "name", "team", "coordinator"}
_DATES = frozenset(f.name for f in fields(Item) if "date" in str(f.type))
ITEM_SQL = "SELECT " + ", ".join(
    f"c.{name}" if name in _FROM_CASE else f"{STATUS_SQL} AS status" if name == "status" else f"d.{name}"
    for name in ITEM_FIELDS) + """
FROM {table} JOIN cases c ON c.id = d.case_id
WHERE {where}"""


def deadlines_table(db: Database, *, scan: bool) -> str:
    """`deadlines d`, told to read the whole table on SQLite when a query wants most of its rows.

    SQLite's planner takes the due-date index for any range on `due`, even `due < day`, which
    matches nearly every row (statistics from ANALYZE do not change that): reading the rows in index
    order costs 5 times a plain scan on a council's 300,000 deadlines (0.37 s against 0.08 s).
    PostgreSQL plans from its statistics and needs no hint.
    """
    return "deadlines d NOT INDEXED" if scan and db.dialect == "sqlite" else "deadlines d"


#: Not completed and not ended on the day bound to the two `?`: still to be done.
OUTSTANDING_SQL = ("(d.completed_on IS NULL OR d.completed_on > ?) "
                   "AND (d.ended_on IS NULL OR d.ended_on > ?)")


def order_by(db: Database, keys: Sequence[str]) -> str:
    """` ORDER BY` over `keys` (SQL on the query's columns), text in code-point order as Python's
    sort has it: SQLite's default BINARY collation is that order; PostgreSQL's depends on the
    database's locale, so text keys there are compared `COLLATE "C"`."""
    if not keys:
        return ""
    if db.dialect != "sqlite":
        keys = [f'{key} COLLATE "C"' if _text_key(key) else key for key in keys]
    return " ORDER BY " + ", ".join(keys)


#: Item fields that are text (the ones ORDER BY must compare in code-point order on PostgreSQL).
_TEXT_KEYS = frozenset({"ref", "name", "team", "coordinator", "rule", "subject", "owner", "kind", "source",
                        "status", "exception_limb"})


def _text_key(key: str) -> bool:
    """An order key whose value is text: a text column, or COALESCE of one (not a CASE of numbers)."""
    if key.startswith("CASE"):
        return False
    name = key.removeprefix("COALESCE(").split(",")[0].removeprefix("q.")
    return name in _TEXT_KEYS


def items(db: Database, scope: Scope, conditions: Sequence[str] = (), params: Sequence[Any] = (),
          statuses: Sequence[str] | None = None, *, scan: bool = False,
          order: Sequence[str] = ()) -> Iterator[Item]:
    """Deadline rows visible on the scope's day that meet `conditions` (SQL on `d` and `c`) and have
    one of `statuses`, in `order` (SQL on the query's columns as `q.NAME`, the row's id `q.row_id`),
    streamed from the database; `scan` when the conditions keep most of the table (see
    `deadlines_table`)."""
    where, case_params = scope.case_conditions()
    # the report's own conditions first: SQLite tests a scanned row's terms in the order written, and
    # they reject most rows sooner than the visibility test (0.27 s against 0.43 s at 100,000 cases)
    sql = ITEM_SQL.format(table=deadlines_table(db, scan=scan),
                          where=" AND ".join([*conditions, VISIBLE_SQL, *where]))
    all_params: list[Any] = [*status_params(scope.day), *params, *visible_params(scope.day), *case_params]
    if statuses is not None or order:
        # the status is computed in the SELECT: filtered and ordered on in an outer query (PostgreSQL
        # cannot name a column alias in WHERE)
        sql = f"SELECT {', '.join(f'q.{name}' for name in ITEM_FIELDS)} FROM (" + sql.replace(
            "SELECT ", "SELECT d.id AS row_id, ", 1) + ") q"
        if statuses is not None:
            sql += f" WHERE q.status IN ({', '.join('?' * len(statuses))})"
            all_params += statuses
        sql += order_by(db, order)
    dates = [at for at, name in enumerate(ITEM_FIELDS) if name in _DATES]
    for row in db.stream(sql, all_params):
        # by position, a value of each of Item's types: the query selects ITEM_FIELDS in Item's order
        # (tests/test_shapes.py)
        values: list[Any] = list(row)
        for at in dates:
            if values[at] is not None:
                values[at] = as_date(values[at])
        yield Item(*values)


def one_place(value: Decimal) -> float:
    """Rounded to one decimal place, halves up, as published figures are (not float's half-even)."""
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def past_due(db: Database, scope: Scope, conditions: Sequence[str] = (), params: Sequence[Any] = (),
             statuses: Sequence[str] = ("overdue", "excepted", "open"), *,
             order: Sequence[str] = ()) -> Iterator[Item]:
    """Deadlines due on or before the day and still outstanding (overdue, excepted outstanding, local
    milestones reached), narrowed by `conditions` and `statuses` and ordered in SQL, streamed:
    `overdue`, `at-risk` and the digest each ask for just their rows (the table is scanned, not read
    through the due-date index: most rows are due before the day)."""
    return items(db, scope, [*conditions, OUTSTANDING_SQL, "d.due <= ?"],
                 [*params, scope.day, scope.day, scope.day], statuses, scan=True, order=order)


def percent(within: int, total: int) -> float | None:
    """Percentage to one decimal place (41 of 90 -> 45.6); None when nothing was counted."""
    if total == 0:
        return None
    return one_place(Decimal(within) * 100 / Decimal(total))


def measure(within: int, total: int) -> dict:
    return {"within": within, "total": total, "percent": percent(within, total)}


def describe_measure(m: dict) -> str:
    """"2 of 4 (50.0%)" or "none yet"."""
    if not m["total"]:
        return "none yet"
    return f"{m['within']} of {m['total']} ({m['percent']:.1f}%)"


def check_coordinator(db: Database, name: str | None) -> None:
    """Refuse a coordinator who holds no case: a typo in a crontab must not read as "nothing overdue"."""
    if name is None or db.one(f"SELECT 1 FROM cases c WHERE {COORDINATOR_SQL.format(alias='c')}", (name,)):
        return
    raise RefusedError(f"no case is held by coordinator {name!r}")


def who_columns(*, names: bool) -> list:
    """The columns every row-per-deadline report starts with: the case, the child, who holds it."""
    from sendtrack.output.render import Column

    return [Column("ref", "Ref"), Column("initials", "Child", priority=1),
            *([Column("name", "Name", priority=1, wrap=True)] if names else []),
            Column("team", "Team", priority=4), Column("coordinator", "Coordinator", priority=3, wrap=True)]


def deadline_table_columns(*, names: bool) -> list:
    """A terminal table of deadlines starts with: the case, who holds it, the deadline and its dates."""
    from sendtrack.output.render import Column

    return [*who_columns(names=names), Column("deadline", "Deadline", wrap=True), Column("due", "Due"),
            Column("act_by", "Act by", priority=5)]


def deadline_columns(*, names: bool) -> list:
    """CSV and JSON of deadlines start with: the case, who holds it, and which deadline (rule id,
    subject, owner, kind)."""
    from sendtrack.output.render import Column

    return [*who_columns(names=names), Column("rule", "Deadline"), Column("subject", "For"),
            Column("owner", "Owner"), Column("kind", "Kind")]
