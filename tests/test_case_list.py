"""`storage.queries.list_cases` (the `cases` report) against the query it replaced.

`list_cases` tests each status it folds with its own condition, written out from STATUS_SQL's
branches. The reference below is the query as it stood before (branch quick), folding STATUS_SQL
itself, which tests/test_properties.py pins to `domain.status_on`. Both run over a sampled database whose
deadlines are then shuffled into every owner and state the status branches tell apart (the family's
rows, cease-effective, completed, ended, excepted, before and after due and the day), on days around
each of those dates, for the authority, one team and one coordinator.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sendtrack.storage.db import open_database
from sendtrack.storage.queries import (
    STATUS_SQL,
    VISIBLE_SQL,
    case_scope,
    list_cases,
    status_params,
    visible_params,
)


def reference(db, *, day: date, team: str | None, coordinator: str | None) -> list[tuple]:
    """The query of branch quick, unchanged."""
    clause, params = case_scope(day=day, team=team, coordinator=coordinator)  # the scope is unchanged
    sql = f"""
    WITH s AS (
      SELECT d.case_id, d.rule, d.kind, d.owner, d.due, d.completed_on, {STATUS_SQL} AS status
      FROM deadlines d WHERE (d.rule IN ('annual-review', 'final-plan') OR (d.kind <> 'local'
             AND d.owner = 'la' AND (d.completed_on IS NULL OR d.completed_on > ?)
             AND (d.ended_on IS NULL OR d.ended_on > ?)))
        AND {VISIBLE_SQL}
        AND d.case_id IN (SELECT c.id FROM cases c WHERE {clause})
    ), f AS (
      SELECT s.case_id,
        MAX(CASE WHEN s.rule = 'annual-review' AND s.status = 'not-applicable' THEN 1 ELSE 0 END) AS ceased,
        MAX(CASE WHEN (s.rule = 'final-plan' AND s.status IN ('met', 'late', 'excepted')
                  AND s.completed_on IS NOT NULL) OR s.rule = 'annual-review' THEN 1 ELSE 0 END) AS planned,
        MAX(CASE WHEN s.rule = 'final-plan' AND s.status = 'not-applicable' THEN 1 ELSE 0 END) AS closed,
        MIN(CASE WHEN s.status = 'open' AND s.kind <> 'local' AND s.owner = 'la' AND s.due < ?
                 THEN s.due END) AS next_due,
        SUM(CASE WHEN s.status = 'overdue' AND s.kind <> 'local' AND s.owner = 'la' THEN 1 ELSE 0 END)
          AS overdue
      FROM s GROUP BY s.case_id
    )
    SELECT c.ref, c.name, c.team, c.coordinator, c.received, c.looked_after, c.alternative_provision,
      c.setting,
      CASE WHEN f.ceased = 1 THEN 'ceased' WHEN f.planned = 1 THEN 'plan' WHEN f.closed = 1 THEN 'closed'
           ELSE 'assessment' END AS stage,
      f.next_due, COALESCE(f.overdue, 0) AS overdue
    FROM cases c LEFT JOIN f ON f.case_id = c.id WHERE {clause} ORDER BY c.ref"""
    return db.all(sql, (*status_params(day), day, day, *visible_params(day), *params, date.max, *params))


def _shuffle(backend) -> list[date]:
    """Deadlines given random rules, owners, kinds and completed / ended / excepted dates around
    their due date (half within 3 days of it); returns days to read them on (around those dates)."""
    rng = random.Random(14)
    db = open_database(backend.location)
    try:
        rows = db.all("SELECT id, due, rule FROM deadlines ORDER BY id")
    finally:
        db.close()
    days: set[date] = set()
    changes = []
    for row_id, due, rule in rows:
        due = due if isinstance(due, date) else date.fromisoformat(str(due)[:10])

        def near(due: date = due) -> date | None:
            if rng.random() < 0.4:
                return None
            return due + timedelta(days=rng.randint(-3, 3) if rng.random() < 0.5 else rng.randint(-40, 40))

        completed, ended, excepted = near(), near(), near()
        owner = rng.choice(["la", "la", "la", "family", "partner"])
        kind = rng.choice(["statutory", "statutory", "guidance", "local"])
        rule = rule if rng.random() < 0.6 else rng.choice(["annual-review", "final-plan", "cease-effective"])
        changes.append((rule, owner, kind, completed, ended, excepted, row_id))
        days.update(d for d in (completed, ended, excepted, due) if d is not None and rng.random() < 0.02)
    db = open_database(backend.location, check_schema=False)
    try:
        with db.write():
            # four rows in ten become one of the rules the fold names (cease-effective's status has its
            # own branch), with every owner, kind and state
            db.executemany("UPDATE deadlines SET rule = ?, owner = ?, kind = ?, completed_on = ?, ended_on = ?, "
                           "excepted_from = ? WHERE id = ?", changes)
    finally:
        db.close()
    picked = sorted(days)
    return [*picked[:: max(1, len(picked) // 30)], date(2026, 1, 20)]


def test_list_cases_is_the_status_fold(backend, backend_cli):
    backend_cli.ok("sample --cases 200 --seed 5 --as-of 2026-01-20")
    days = _shuffle(backend)
    db = open_database(backend.location)
    try:
        coordinator = db.one("SELECT coordinator FROM cases WHERE coordinator IS NOT NULL ORDER BY id")[0]
        stages: set[str] = set()
        counted = 0
        for day in days:
            for next_day in (day - timedelta(days=1), day, day + timedelta(days=1)):
                for team, who in ((None, None), ("school-age", None), (None, coordinator.upper())):
                    want = reference(db, day=next_day, team=team, coordinator=who)
                    got = list(list_cases(db, day=next_day, team=team, coordinator=who))
                    assert got == want, (next_day, team, who)
                    stages.update(row[8] for row in got)
                    counted += sum(1 for row in got if row[10] or row[9])
        # the comparison saw every stage, and cases with an open or overdue deadline
        assert stages == {"assessment", "plan", "closed", "ceased"}
        assert counted > 0
    finally:
        db.close()


def test_case_cells_write_the_csv_of_case_rows(backend, backend_cli):
    """`cases --format csv` writes `case_cells`: the same bytes write_csv makes of `case_rows`' dicts
    (None as nothing, true/false, the count's digits), with and without names, and with --name."""
    import io

    from sendtrack.output.render import write_csv
    from sendtrack.reports.case_list import case_cells, case_columns, case_rows

    backend_cli.ok("sample --cases 200 --seed 5 --as-of 2026-01-20")
    backend_cli.ok("add-request --ref NOBODY-1 --name \"Léa O'Neil-Smith\" --dob 2016-05-04 "
                   "--received 2025-12-01")  # no coordinator, no setting
    db = open_database(backend.location)
    try:
        seen = set()
        for names in (False, True):
            for name in (None, "lea", "an"):
                args = dict(day=date(2026, 1, 20), team=None, coordinator=None, names=names, name=name)
                fast, slow = io.StringIO(), io.StringIO()
                write_csv(case_cells(db, **args), case_columns(names=names), fast)
                write_csv(case_rows(db, **args), case_columns(names=names), slow)
                assert fast.getvalue() == slow.getvalue(), (names, name)
                rows = list(case_rows(db, **args))
                seen.update(("no-coordinator" if r["coordinator"] is None else "coordinator",
                             "no-next" if r["next_due"] is None else "next",
                             "overdue" if r["overdue"] else "none-overdue") for r in rows)
        flat = {part for parts in seen for part in parts}
        assert {"no-coordinator", "coordinator", "no-next", "next", "overdue", "none-overdue"} <= flat
    finally:
        db.close()
