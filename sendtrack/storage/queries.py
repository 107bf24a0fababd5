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


#: How much of a SQLite file a report that reads whole tables maps into memory (`read_mapped`).
MAPPED_BYTES = 256 * 2**20


def read_mapped(db: Database) -> None:
    """Read the rest of this SQLite connection's pages through a memory map (PRAGMA mmap_size) rather
    than a read() and a copy for each page: a scan of a council's 246,087 deadlines costs ~13 ms less
    CPU (44 -> 29 ms). Only reading commands ask for it (a write still goes through SQLite's own
    writes); mapped pages count in the process's resident size while it runs. PostgreSQL: nothing."""
    if db.dialect == "sqlite":
        db.execute(f"PRAGMA mmap_size = {MAPPED_BYTES}")


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


#: Deadline row `d` on the day bound to every `?` (one copy each), without the whole of STATUS_SQL: the
#: few statuses `list_cases` folds, each written out from STATUS_SQL's branches (tests/test_case_list.py
#: holds `list_cases` equal to the query over STATUS_SQL it replaced, on rows of every owner and state).
#: SQLite evaluated STATUS_SQL once for each of the five references to it.
_NOT_DONE = "(d.completed_on IS NULL OR d.completed_on > ?)"
_NOT_ENDED = "(d.ended_on IS NULL OR d.ended_on > ?)"
#: status 'not-applicable' (never asked of a cease-effective row: the stage reads only annual reviews
#: and final plans): the family's branch, else ended by the day and not completed by it
_NOT_APPLICABLE = ("(CASE WHEN d.owner = 'family' THEN d.ended_on IS NOT NULL AND d.ended_on <= ? "
                   "AND d.ended_on <= d.due "
                   f"ELSE d.ended_on IS NOT NULL AND d.ended_on <= ? AND {_NOT_DONE} END)")
#: status 'met', 'late' or 'excepted' (asked of final plans only): the family's branch is met once
#: due unless not-applicable; else completed by the day, or outstanding, past due and excepted
_DONE = ("(CASE WHEN d.owner = 'family' THEN d.due < ? AND NOT (d.ended_on IS NOT NULL AND d.ended_on <= ? "
         "AND d.ended_on <= d.due) "
         f"ELSE (d.completed_on <= ? OR ({_NOT_ENDED} AND d.due < ? AND d.excepted_from <= ?)) END)")
#: status 'open' of the LA's row: due on or after the day and not ended by it, and (but for
#: cease-effective, whose branch ignores completion) not completed by it
_OPEN_LA = (f"d.owner = 'la' AND d.kind <> 'local' AND ? <= d.due AND {_NOT_ENDED} "
            f"AND (d.rule = 'cease-effective' OR {_NOT_DONE})")
#: status 'overdue' of the LA's row (never cease-effective's): outstanding, past due, not excepted
_OVERDUE_LA = (f"d.owner = 'la' AND d.kind <> 'local' AND d.rule <> 'cease-effective' AND d.due < ? "
               f"AND {_NOT_DONE} AND {_NOT_ENDED} AND (d.excepted_from IS NULL OR d.excepted_from > ?)")


def case_scope(*, day: date, team: str | None, coordinator: str | None) -> tuple[str, list[object]]:
    """The WHERE clause (cases as `c`) and its parameters of the cases `cases` lists: live, received by
    `day`, of the team and coordinator when given."""
    where: list[str] = ["c.received <= ?", LIVE_CASE_SQL]
    params: list[object] = [day]
    if team:
        where.append("c.team = ?")
        params.append(team)
    if coordinator:
        where.append(COORDINATOR_SQL.format(alias="c"))
        params.append(coordinator)
    return " AND ".join(where), params


def list_cases(db: Database, *, day: date, team: str | None, coordinator: str | None) -> Iterator[tuple]:
    """One row per case: who holds it, its stage, its next open deadline and its overdue count,
    streamed in reference order.

    One pass over the deadlines (in case order, by the case_id index) folds each case's rows into
    what the row needs, skipping before any status is worked out the rows that cannot count: done or
    ended by the day and neither a final plan nor an annual review (which set the stage: a plan issued
    under a Tribunal order has no 20-week `final-plan` of its own, its annual review says it is one).
    Each figure tests its own status directly (`_OPEN_LA`, ...), not STATUS_SQL. The cases are then
    joined to it. For every case the pass reads every case's deadlines (the join keeps the listed
    ones): looking each listed case's up through the index cost more; one team's or coordinator's are
    still looked up. (A subquery per case per figure read the deadlines four times over.)"""
    clause, params = case_scope(day=day, team=team, coordinator=coordinator)
    narrowed = bool(team or coordinator)
    if not narrowed:  # one team's or coordinator's cases are looked up, not read from every page
        read_mapped(db)
    # the stage in one figure: 3 an annual review not applicable (ceased), 2 any other annual review
    # or a final plan met, late or excepted (a plan), 1 a final plan not applicable (closed): the
    # largest wins, as the stages rank (one MAX, not three)
    folds = f"""SELECT d.case_id,
        MAX(CASE d.rule WHEN 'annual-review' THEN CASE WHEN {_NOT_APPLICABLE} THEN 3 ELSE 2 END
            WHEN 'final-plan' THEN CASE WHEN d.completed_on IS NOT NULL AND {_DONE} THEN 2
                                        WHEN {_NOT_APPLICABLE} THEN 1 ELSE 0 END END) AS stage,
        MIN(CASE WHEN {_OPEN_LA} AND d.due < ? THEN d.due END) AS next_due,
        COUNT(CASE WHEN {_OVERDUE_LA} THEN 1 END) AS overdue"""
    # every `?` of the folds is the day but the one after _OPEN_LA: date.max is rules.paths.PENDING, a
    # due date still to be set (a cease awaiting the Tribunal), never a case's next due date
    before_pending = folds.index(_OPEN_LA) + len(_OPEN_LA)
    fold_params = [day if at != folds[:before_pending].count("?") else date.max
                   for at in range(folds.count("?"))]
    sql = f"""
    WITH f AS ({folds}
      FROM deadlines d WHERE (d.rule IN ('annual-review', 'final-plan') OR (d.kind <> 'local'
             AND d.owner = 'la' AND {_NOT_DONE} AND {_NOT_ENDED}))
        AND {VISIBLE_SQL}
        {f"AND d.case_id IN (SELECT c.id FROM cases c WHERE {clause})" if narrowed else ""}
      GROUP BY d.case_id
    )
    SELECT c.ref, c.name, c.team, c.coordinator, c.received, c.looked_after, c.alternative_provision,
      c.setting,
      CASE f.stage WHEN 3 THEN 'ceased' WHEN 2 THEN 'plan' WHEN 1 THEN 'closed' ELSE 'assessment' END
        AS stage,
      f.next_due, COALESCE(f.overdue, 0) AS overdue
    FROM cases c LEFT JOIN f ON f.case_id = c.id WHERE {clause} ORDER BY c.ref"""
    return db.stream(sql, (*fold_params, day, day, *visible_params(day), *(params if narrowed else ()),
                           *params))
