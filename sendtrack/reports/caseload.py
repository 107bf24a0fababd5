"""Caseloads per team and coordinator against the team's ambition (spec 6), from one grouped query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import cast

from sendtrack.config import Config
from sendtrack.output.render import Column
from sendtrack.reports.base import OUTSTANDING_SQL, Scope, one_place
from sendtrack.storage.db import Database
from sendtrack.storage.queries import STATUS_SQL, VISIBLE_SQL, status_params, visible_params
from sendtrack.storage.values import as_date

#: "Plans due a review in the next 8 weeks" (issue 3): the window of the caseload report.
REVIEW_WEEKS = 8

#: Each case's stage on the day and its counts, from its visible deadlines. A case whose final plan
#: was issued holds a plan until its annual review becomes not-applicable (the plan ceased); a case
#: whose final plan became not-applicable without one (refused, withdrawn, no-plan notice) is closed.
#: Only rows that can change an answer are judged: final plans, annual reviews that ended or fall due
#: in the window, and the authority's deadlines past due and outstanding (a third of the table).
PER_CASE_SQL = f"""
WITH s AS (
  SELECT d.case_id, d.rule, d.kind, d.owner, d.due, d.completed_on, {STATUS_SQL} AS status
  FROM deadlines d WHERE {VISIBLE_SQL} AND (
    d.rule = 'final-plan'
    OR (d.rule = 'annual-review' AND (d.ended_on IS NOT NULL OR d.due <= ?))
    OR (d.owner = 'la' AND d.kind <> 'local' AND d.due < ? AND {OUTSTANDING_SQL}))
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
)"""
HELD_SQL = "p.ceased = 0 AND (p.issued > 0 OR p.closed = 0)"

STATE_SQL = PER_CASE_SQL + """
SELECT c.ref, c.name, c.team, c.coordinator, c.dob, c.looked_after, c.alternative_provision,
  CASE WHEN p.ceased > 0 THEN 'ceased' WHEN p.issued > 0 THEN 'plan' WHEN p.closed > 0 THEN 'closed'
       ELSE 'assessment' END AS stage,
  p.overdue, p.review_due
FROM per_case p JOIN cases c ON c.id = p.case_id WHERE 1 = 1"""

#: Held cases counted per team and coordinator in SQL: a council's 13,000 cases become a few rows.
LOAD_SQL = PER_CASE_SQL + f"""
SELECT c.team, c.coordinator, COUNT(*),
  SUM(CASE WHEN p.issued = 0 THEN 1 ELSE 0 END), SUM(CASE WHEN p.issued > 0 THEN 1 ELSE 0 END),
  SUM(CASE WHEN p.review_due > 0 THEN 1 ELSE 0 END), SUM(p.overdue)
FROM per_case p JOIN cases c ON c.id = p.case_id WHERE {HELD_SQL}"""


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


def _params(scope: Scope) -> tuple:
    review_until = scope.day + timedelta(weeks=REVIEW_WEEKS)
    return (*status_params(scope.day), *visible_params(scope.day), review_until, scope.day, scope.day,
            scope.day, scope.day, review_until)


def case_states(db: Database, scope: Scope, *, held_only: bool = False) -> list[CaseState]:
    """Every case known on the day (received on or before it), with its stage and counts."""
    where, params = scope.case_conditions()
    if held_only:
        where.append(HELD_SQL)
    sql = STATE_SQL + "".join(f" AND {cond}" for cond in where) + " ORDER BY c.ref"
    rows = db.all(sql, (*_params(scope), *params))
    # a case's dob is NOT NULL: as_date gives a date
    return [CaseState(r[0], r[1], r[2], r[3], cast(date, as_date(r[4])), bool(r[5]), bool(r[6]), r[7],
                      int(r[8]), bool(r[9]))
            for r in rows]


@dataclass(frozen=True, slots=True)
class Load:
    """Held cases of one coordinator (or of nobody yet) in one team."""

    cases: int
    assessing: int
    plans: int
    reviews_due: int
    overdue: int


def loads(db: Database, scope: Scope) -> dict[tuple[str, str | None], Load]:
    where, params = scope.case_conditions()
    sql = LOAD_SQL + "".join(f" AND {cond}" for cond in where) + " GROUP BY c.team, c.coordinator"
    return {(team, coordinator): Load(*(int(v or 0) for v in values))
            for team, coordinator, *values in db.all(sql, (*_params(scope), *params))}


def caseload_rows(db: Database, scope: Scope, config: Config) -> list[dict]:
    """A row per team (every configured team unless filtered), then a row per coordinator in it.

    A coordinator is flagged when they hold more cases than the top of the team's ambition; a team
    when its cases per named coordinator do. Unallocated cases are listed but never flagged.
    """
    per_person = loads(db, scope)
    teams = [t.id for t in config.teams if scope.team in (None, t.id)]
    teams += sorted({team for team, _ in per_person} - set(teams))
    ambitions = {t.id: (t.ambition_low, t.ambition_high) for t in config.teams}
    rows = []
    for team in teams:
        people = sorted((c for t, c in per_person if t == team), key=lambda c: (c is None, c or ""))
        if scope.coordinator and not people:
            continue
        low, high = ambitions.get(team, (None, None))
        total = Load(*(sum(getattr(per_person[(team, c)], f) for c in people)
                       for f in ("cases", "assessing", "plans", "reviews_due", "overdue")))
        named = [c for c in people if c is not None]
        per_coordinator = one_place(Decimal(total.cases) / len(named)) if named else None
        rows.append(_row("team", team, None, total, low, high, len(named), per_coordinator))
        for person in people:
            rows.append(_row("coordinator", team, person, per_person[(team, person)], low, high, None, None))
    return rows


def _row(level: str, team: str, coordinator: str | None, load: Load, low: int | None,
         high: int | None, coordinators: int | None, per_coordinator: float | None) -> dict:
    measure = load.cases if level == "coordinator" else per_coordinator
    above = bool(high is not None and measure is not None and (level == "team" or coordinator is not None)
                 and measure > high)
    return {
        "level": level,
        "team": team,
        "coordinator": coordinator,
        "cases": load.cases,
        "open_assessments": load.assessing,
        "plans": load.plans,
        "reviews_due_8_weeks": load.reviews_due,
        "overdue": load.overdue,
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
    Column("who", "Team / coordinator", wrap=True),
    Column("cases", "Cases", "right"),
    Column("open_assessments", "Assessing", "right", priority=3),
    Column("plans", "Plans", "right", priority=4),
    Column("reviews_due_8_weeks", "Reviews ≤8 wks", "right", priority=4),
    Column("overdue", "Overdue", "right", priority=1),
    Column("cases_per_coordinator", "Per coordinator", "right", priority=3),
    Column("ambition", "Ambition", "right", priority=2),
    Column("flag", "Flag", priority=1, wrap=True),
]
