"""Read queries over the materialised deadlines: a deadline's status on a day, in SQL.

`status_sql` mirrors `domain.status_on` line for line; tests/test_storage.py holds the two equal.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sendtrack.domain import WINDOW_RULES
from sendtrack.storage.db import Database

# STATUS_SQL names the window rules as they stand; a new one needs its line there too
assert {"cease-effective"} == WINDOW_RULES

#: Status of deadline row `d` on the day bound to every `?` (pass `STATUS_PARAMS` copies of it).
STATUS_SQL = """CASE
  WHEN d.owner = 'family' OR d.rule = 'cease-effective' THEN CASE
      WHEN d.ended_on IS NOT NULL AND d.ended_on <= ? AND d.ended_on <= d.due THEN 'not-applicable'
      WHEN ? <= d.due THEN 'open' ELSE 'met' END
  WHEN d.completed_on IS NOT NULL AND d.completed_on <= ? THEN CASE
      WHEN d.completed_on <= d.due THEN 'met'
      WHEN d.excepted_from IS NOT NULL THEN 'excepted' ELSE 'late' END
  WHEN d.ended_on IS NOT NULL AND d.ended_on <= ? THEN 'not-applicable'
  WHEN ? <= d.due THEN 'open'
  WHEN d.excepted_from IS NOT NULL AND d.excepted_from <= ? THEN 'excepted'
  ELSE 'overdue' END"""
STATUS_PARAMS = 6

#: Case `c` counts: its request was not voided (a case recorded by mistake is in no report or KPI).
#: The voided requests' cases are found once, from the few voiding events (the `voids` index), not by
#: a correlated NOT EXISTS reading every case's events (32 ms a use at 13,000 cases, against ~1 ms);
#: `case_id IS NOT NULL` keeps NOT IN exactly NOT EXISTS.
LIVE_CASE_SQL = ("c.id NOT IN (SELECT rq.case_id FROM events rq WHERE rq.id IN (SELECT vd.voids FROM "
                 "events vd WHERE vd.voids IS NOT NULL) AND rq.kind = 'request' AND rq.case_id IS NOT NULL)")
#: Coordinator names match ignoring case everywhere (bind the name to the `?`).
COORDINATOR_SQL = "LOWER({alias}.coordinator) = LOWER(?)"

#: The deadline row `d` exists on the day bound to its two `?`.
VISIBLE_SQL = "d.known_from <= ? AND (d.known_until IS NULL OR ? < d.known_until)"


def status_params(day: date) -> tuple[date, ...]:
    return (day,) * STATUS_PARAMS


def visible_params(day: date) -> tuple[date, date]:
    return (day, day)


def deadline_statuses(db: Database, case_id: int, day: date) -> list[tuple[str, str | None, date, str]]:
    """(rule, subject, due, status) of a case's deadlines visible on `day`: used by checks and tests."""
    rows = db.all(
        f"SELECT d.rule, d.subject, d.due, {STATUS_SQL} FROM deadlines d "
        f"WHERE d.case_id = ? AND {VISIBLE_SQL} ORDER BY d.due, d.rule, d.subject",
        (*status_params(day), case_id, *visible_params(day)),
    )
    return [(r[0], r[1], r[2] if isinstance(r[2], date) else date.fromisoformat(r[2]), r[3]) for r in rows]


def list_cases(db: Database, *, day: date, team: str | None, coordinator: str | None) -> Iterator[tuple]:
    """One row per case: who holds it, its stage, its next open deadline and its overdue count,
    streamed in reference order.

    One pass over the deadlines (in case order, by the case_id index) folds each case's rows into
    what the row needs, skipping before the status is computed the rows that cannot count: done or
    ended by the day and neither a final plan nor an annual review (which set the stage: a plan issued
    under a Tribunal order has no 20-week `final-plan` of its own, its annual review says it is one).
    The cases are then joined to it. (A subquery per case per figure read the deadlines four times over.)"""
    where: list[str] = ["c.received <= ?", LIVE_CASE_SQL]
    params: list[object] = [day]
    if team:
        where.append("c.team = ?")
        params.append(team)
    if coordinator:
        where.append(COORDINATOR_SQL.format(alias="c"))
        params.append(coordinator)
    clause = " AND ".join(where)
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
    # date.max is rules.paths.PENDING, a due date still to be set (a cease awaiting the Tribunal): never
    # a case's next due date
    return db.stream(sql, (*status_params(day), day, day, *visible_params(day), *params, date.max, *params))

