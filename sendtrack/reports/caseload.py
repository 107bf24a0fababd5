"""Caseloads per team and coordinator against the team's ambition (spec 6), from one grouped query."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sendtrack.config import Config
from sendtrack.render import Column
from sendtrack.reports.base import Scope, one_place
from sendtrack.storage.cases import as_date
from sendtrack.storage.db import Database
from sendtrack.storage.queries import STATUS_SQL, VISIBLE_SQL, status_params, visible_params

#: "Plans due a review in the next 8 weeks" (issue 3): the window of the caseload report.
REVIEW_WEEKS = 8

#: Each case's stage on the day and its counts, from its visible deadlines. A case whose final plan
#: was issued holds a plan until its annual review becomes not-applicable (the plan ceased); a case
#: whose final plan became not-applicable without one (refused, withdrawn, no-plan notice) is closed.
STATE_SQL = f"""
WITH s AS (
  SELECT d.case_id, d.rule, d.kind, d.owner, d.due, d.completed_on, {STATUS_SQL} AS status
  FROM deadlines d WHERE {VISIBLE_SQL}
), per_case AS (
  SELECT s.case_id,
    SUM(CASE WHEN s.rule = 'annual-review' AND s.status = 'not-applicable' THEN 1 ELSE 0 END) AS ceased,
    SUM(CASE WHEN s.rule = 'final-plan' AND s.completed_on IS NOT NULL AND s.completed_on <= ?
             THEN 1 ELSE 0 END) AS issued,
    SUM(CASE WHEN s.rule = 'final-plan' AND s.status = 'not-applicable' THEN 1 ELSE 0 END) AS closed,
    SUM(CASE WHEN s.status = 'overdue' AND s.kind <> 'local' AND s.owner = 'la' THEN 1 ELSE 0 END)
      AS overdue,
    SUM(CASE WHEN s.rule = 'annual-review' AND s.status = 'open' AND s.due <= ? THEN 1 ELSE 0 END)
      AS review_due
  FROM s GROUP BY s.case_id
)
SELECT c.ref, c.name, c.team, c.coordinator, c.dob, c.looked_after, c.alternative_provision,
  CASE WHEN p.ceased > 0 THEN 'ceased' WHEN p.issued > 0 THEN 'plan' WHEN p.closed > 0 THEN 'closed'
       ELSE 'assessment' END AS stage,
  p.overdue, p.review_due
FROM per_case p JOIN cases c ON c.id = p.case_id"""


@dataclass(frozen=True, slots=True)
class CaseState:
    ref: str
    name: str
    team: str
    coordinator: str | None
    dob: date
    looked_after: bool
    alternative_provision: bool
    stage: str  # assessment | plan | closed | ceased
    overdue: int
    review_due: bool

    @property
    def held(self) -> bool:
        """Open assessments and live plans are held; closed requests and ceased plans are not."""
        return self.stage in ("assessment", "plan")


def case_states(db: Database, scope: Scope) -> list[CaseState]:
    """Every case known on the day (received on or before it), with its stage and counts."""
    where, params = scope.case_conditions()
    sql = STATE_SQL + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY c.ref"
    review_until = scope.day + timedelta(weeks=REVIEW_WEEKS)
    rows = db.all(sql, (*status_params(scope.day), *visible_params(scope.day), scope.day, review_until,
                        *params))
    return [CaseState(r[0], r[1], r[2], r[3], as_date(r[4]), bool(r[5]), bool(r[6]), r[7], int(r[8]),
                      bool(r[9]))
            for r in rows]


def caseload_rows(db: Database, scope: Scope, config: Config) -> list[dict]:
    """A row per team (every configured team unless filtered), then a row per coordinator in it.

    A coordinator is flagged when they hold more cases than the top of the team's ambition; a team
    when its cases per named coordinator do. Unallocated cases are listed but never flagged.
    """
    per_person: dict[tuple[str, str | None], list[CaseState]] = defaultdict(list)
    for state in case_states(db, scope):
        if state.held:
            per_person[(state.team, state.coordinator)].append(state)
    teams = [t.id for t in config.teams if scope.team in (None, t.id)]
    teams += sorted({team for team, _ in per_person} - set(teams))
    ambitions = {t.id: (t.ambition_low, t.ambition_high) for t in config.teams}
    rows = []
    for team in teams:
        people = sorted((c for t, c in per_person if t == team), key=lambda c: (c is None, c or ""))
        if scope.coordinator and not people:
            continue
        low, high = ambitions.get(team, (None, None))
        held = [s for c in people for s in per_person[(team, c)]]
        named = [c for c in people if c is not None]
        per_coordinator = one_place(Decimal(len(held)) / len(named)) if named else None
        rows.append(_row("team", team, None, held, low, high, len(named), per_coordinator))
        for person in people:
            rows.append(_row("coordinator", team, person, per_person[(team, person)], low, high, None, None))
    return rows


def _row(level: str, team: str, coordinator: str | None, held: list[CaseState], low: int | None,
         high: int | None, coordinators: int | None, per_coordinator: float | None) -> dict:
    load = len(held) if level == "coordinator" else per_coordinator
    above = bool(high is not None and load is not None and (level == "team" or coordinator is not None)
                 and load > high)
    return {
        "level": level,
        "team": team,
        "coordinator": coordinator,
        "cases": len(held),
        "open_assessments": sum(1 for s in held if s.stage == "assessment"),
        "plans": sum(1 for s in held if s.stage == "plan"),
        "reviews_due_8_weeks": sum(1 for s in held if s.review_due),
        "overdue": sum(s.overdue for s in held),
        "coordinators": coordinators,
        "cases_per_coordinator": per_coordinator,
        "ambition_low": low,
        "ambition_high": high,
        "above_ambition": above,
    }


def table_rows(rows: list[dict]) -> list[dict]:
    """For the terminal: coordinators indented under their team, ambition as "30-40", a flag."""
    out = []
    for row in rows:
        who = row["team"] if row["level"] == "team" else "  " + (row["coordinator"] or "(unallocated)")
        if row["ambition_high"] is None:
            ambition = "-"
        elif row["ambition_low"] == row["ambition_high"]:
            ambition = str(row["ambition_high"])
        else:
            ambition = f"{row['ambition_low']}-{row['ambition_high']}"
        out.append({**row, "who": who, "ambition": ambition,
                    "flag": "ABOVE AMBITION" if row["above_ambition"] else ""})
    return out


COLUMNS = [
    Column("level", "level"),
    Column("team", "team"),
    Column("coordinator", "coordinator"),
    Column("cases", "cases"),
    Column("open_assessments", "open_assessments"),
    Column("plans", "plans"),
    Column("reviews_due_8_weeks", "reviews_due_8_weeks"),
    Column("overdue", "overdue"),
    Column("coordinators", "coordinators"),
    Column("cases_per_coordinator", "cases_per_coordinator"),
    Column("ambition_low", "ambition_low"),
    Column("ambition_high", "ambition_high"),
    Column("above_ambition", "above_ambition"),
]
TABLE_COLUMNS = [
    Column("who", "Team / coordinator"),
    Column("cases", "Cases", "right"),
    Column("open_assessments", "Assessing", "right"),
    Column("plans", "Plans", "right"),
    Column("reviews_due_8_weeks", "Reviews ≤8 wks", "right"),
    Column("overdue", "Overdue", "right"),
    Column("cases_per_coordinator", "Per coordinator", "right"),
    Column("ambition", "Ambition", "right"),
    Column("flag", ""),
]
