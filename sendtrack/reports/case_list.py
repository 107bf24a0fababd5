"""The list of cases, one row each."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sendtrack.output.render import Column, initials
from sendtrack.storage.db import Database
from sendtrack.storage.queries import list_cases

CASE_LIST_COLUMNS = [
    Column("ref", "Ref"),
    Column("initials", "Child", priority=1),
    Column("team", "Team", priority=4),
    Column("coordinator", "Coordinator", priority=3, wrap=True),
    Column("received", "Requested", priority=5),
    Column("stage", "Stage", priority=2),
    Column("looked_after", "LAC", priority=6),
    Column("alternative_provision", "AP", priority=7),
    Column("setting", "Setting", priority=8, wrap=True),
    Column("next_due", "Next due"),
    Column("overdue", "Overdue", "right"),
]


def case_columns(*, names: bool) -> list[Column]:
    name = [Column("name", "Name", priority=1, wrap=True)] if names else []
    return [CASE_LIST_COLUMNS[0], CASE_LIST_COLUMNS[1], *name, *CASE_LIST_COLUMNS[2:]]


def case_rows(db: Database, *, day: date, team: str | None, coordinator: str | None,
              names: bool, name: str | None = None) -> Iterator[dict]:
    """One row per case, streamed; `name` keeps the cases whose name holds it, case and accents folded
    ("lea" finds "Léa Jones")."""
    for ref, full, team_id, coord, received, looked_after, ap, setting, stage, next_due, overdue in \
            _listed(db, day=day, team=team, coordinator=coordinator, name=name):
        yield {"ref": ref, "initials": initials(full), **({"name": full} if names else {}),
               "team": team_id,
               "coordinator": coord, "received": str(received)[:10], "stage": stage,
               "looked_after": bool(looked_after), "alternative_provision": bool(ap),
               "setting": setting,
               "next_due": str(next_due)[:10] if next_due else None, "overdue": int(overdue)}


def case_cells(db: Database, *, day: date, team: str | None, coordinator: str | None,
               names: bool, name: str | None = None) -> Iterator[list[str]]:
    """`case_rows` as CSV cells, in `case_columns` order: each value as output.render.write_csv
    spells it (nothing for None, `true`/`false`, the overdue count's digits). For `render` in CSV, which
    writes a list row as it is: a council's 13,000 rows without a dict each (~15 ms)."""
    for ref, full, team_id, coord, received, looked_after, ap, setting, stage, next_due, overdue in \
            _listed(db, day=day, team=team, coordinator=coordinator, name=name):
        yield [ref, initials(full), *((full,) if names else ()), team_id, coord or "", str(received)[:10],
               stage, "true" if looked_after else "false", "true" if ap else "false", setting or "",
               str(next_due)[:10] if next_due else "", str(int(overdue))]


def _listed(db: Database, *, day: date, team: str | None, coordinator: str | None,
            name: str | None) -> Iterator[tuple]:
    if name is None:
        return list_cases(db, day=day, team=team, coordinator=coordinator)
    from sendtrack.kinds import fold  # only for --name: the registry costs ~3 ms to import

    wanted = fold(name)
    return (row for row in list_cases(db, day=day, team=team, coordinator=coordinator)
            if wanted in fold(row[1]))
