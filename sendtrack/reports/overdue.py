"""The overdue report: deadlines past due and not done, and (on request) excepted ones still outstanding."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sendtrack.output.render import Column
from sendtrack.reports.base import (
    Item,
    Scope,
    deadline_columns,
    deadline_table_columns,
    past_due,
)
from sendtrack.storage.db import Database

#: Most overdue first: overdue before excepted, then due date, case, rule, subject (and the row's id,
#: so equal keys keep the table's order as Python's stable sort kept the scan's).
ORDER = ("CASE WHEN q.status = 'overdue' THEN 0 ELSE 1 END", "q.due", "q.ref", "q.rule",
         "COALESCE(q.subject, '')", "q.row_id")


def overdue_items(db: Database, scope: Scope, *, owner: str = "la", rule: str | None = None,
                  include_excepted: bool = False, statuses: tuple[str, ...] | None = None) -> Iterator[Item]:
    """Statutory and guidance deadlines past due and outstanding on the day, most overdue first,
    selected, filtered and ordered in SQL and streamed.

    Local milestones are never breaches (spec 5) and never appear here. Excepted deadlines are not
    overdue (spec 2): with `include_excepted` the outstanding ones are listed too, with their status.
    `statuses` narrows to some of those (a terminal prints the two as separate tables).
    """
    if statuses is None:
        statuses = ("overdue", "excepted") if include_excepted else ("overdue",)
    conditions: list[str] = ["d.kind <> 'local'", "d.due < ?"]
    params: list[Any] = [scope.day]
    if owner != "all":
        conditions.append("d.owner = ?")
        params.append(owner)
    if rule is not None:
        conditions.append("d.rule = ?")
        params.append(rule)
    return past_due(db, scope, conditions, params, statuses, order=ORDER)


def overdue_row(item: Item, scope: Scope, *, names: bool) -> dict:
    row = {
        "ref": item.ref,
        "initials": item.who(False),
        "team": item.team,
        "coordinator": item.coordinator,
        "rule": item.rule,
        "subject": item.subject,
        "owner": item.owner,
        "kind": item.kind,
        "status": item.status,
        "due": item.due,
        "act_by": item.act_by,
        "days_overdue": (scope.day - item.due).days,
        "exception_limb": item.exception_limb if item.status == "excepted" else None,
        "source": item.source,
        "deadline": item.label(),
    }
    if names:
        row["name"] = item.name
    return row


def table_columns(*, names: bool, excepted: bool = False) -> list[Column]:
    """Fewer, wider columns for a terminal; CSV and JSON keep every field."""
    return [
        *deadline_table_columns(names=names),
        Column("days_overdue", "Days past due" if excepted else "Days over", "right", priority=1),
        *([Column("exception_limb", "Limb", priority=2)] if excepted else []),
        Column("source", "Source", priority=6, wrap=True),
    ]


def columns(*, names: bool) -> list[Column]:
    return [
        *deadline_columns(names=names),
        Column("status", "Status"),
        Column("due", "Due"),
        Column("act_by", "Act by"),
        Column("days_overdue", "Days over", "right"),
        Column("exception_limb", "Exception"),
        Column("source", "Source"),
    ]
