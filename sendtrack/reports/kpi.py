"""KPIs with DfE's (SEN2) definitions: 20-week timeliness with and without exceptions, 6-week decisions,
review decisions within 4 weeks of the meeting, and the counts behind them.

Everything is counted from completion dates in the materialised deadlines: a plan counts in the period
its final plan was issued, a decision in the period it was made (spec 2, 3, 7; cli-contract). Nothing
after the as-of day counts, so `--as-of` shows the figures as they stood that day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sendtrack.errors import RefusedError, UsageError
from sendtrack.output.render import Column
from sendtrack.reports.base import Scope, deadlines_table, measure, one_place
from sendtrack.storage.db import Database
from sendtrack.storage.queries import LIVE_CASE_SQL
from sendtrack.storage.values import as_date

#: A review decision is timely when made within 4 weeks of the meeting (reg 20(10); DfE's measure),
#: whatever the `review-decision` deadline's due date (which may be earlier: the end of the 12 months).
REVIEW_DECISION_DAYS = 28

COMPLETIONS_SQL = """
SELECT c.team, d.case_id, d.rule, d.trigger, d.due, d.completed_on, d.excepted_from
FROM {table} JOIN cases c ON c.id = d.case_id
WHERE d.rule IN ('final-plan', 'assessment-decision', 'review-decision', 'annual-review', 'order-notify',
                 'order-no-plan', 'order-final', 'order-draft', 'order-amended', 'order-school')
  AND d.completed_on IS NOT NULL AND d.completed_on >= ? AND d.completed_on <= ?"""

#: Requests refused in the period: the engine ends a refused request's issue-decision, not completed,
#: on the day of the decision, so a 6-week decision made that day was a refusal. A withdrawal dated the
#: same day as a decision to assess reads the same; the deadlines cannot tell them apart (README).
REFUSED_SQL = """
SELECT d.case_id, d.ended_on FROM deadlines d
WHERE d.rule = 'issue-decision' AND d.completed_on IS NULL AND d.ended_on >= ? AND d.ended_on <= ?"""

#: 20-week timeliness per team, counted in SQL (the digest needs nothing else of the KPIs).
FINAL_PLANS_SQL = """
SELECT c.team, COUNT(*),
  SUM(CASE WHEN d.completed_on <= d.due THEN 1 ELSE 0 END),
  SUM(CASE WHEN d.excepted_from IS NOT NULL AND d.excepted_from <= ? THEN 1 ELSE 0 END),
  SUM(CASE WHEN d.excepted_from IS NOT NULL AND d.excepted_from <= ? AND d.completed_on <= d.due
      THEN 1 ELSE 0 END)
FROM deadlines d JOIN cases c ON c.id = d.case_id
WHERE d.rule = 'final-plan' AND d.completed_on IS NOT NULL AND d.completed_on >= ? AND d.completed_on <= ?"""

REQUESTS_SQL = ("SELECT c.team, COUNT(*) FROM cases c WHERE c.received >= ? AND c.received <= ? AND "
                + LIVE_CASE_SQL)

#: Appeals made and mediations held in the period, counted from their events (voided ones left out).
DISPUTES_SQL = ("SELECT c.team, e.kind, COUNT(*) FROM {events} JOIN cases c ON c.id = e.case_id "
                "WHERE e.kind IN ('appeal', 'mediation-held') AND e.date >= ? AND e.date <= ? "
                "AND NOT EXISTS (SELECT 1 FROM events v WHERE v.voids = e.id)")


@dataclass
class Tally:
    """Running counts for one team (or the whole authority)."""

    plans: int = 0
    plans_within: int = 0
    plans_excepted: int = 0
    plans_excepted_within: int = 0
    days_to_plan: list[int] = field(default_factory=list)
    decisions: int = 0
    decisions_within: int = 0
    refused: int = 0
    review_decisions: int = 0
    review_decisions_within: int = 0
    reviews_held: int = 0
    requests: int = 0
    order_steps: int = 0
    order_steps_within: int = 0
    appeals: int = 0
    mediations_held: int = 0

    def add(self, rule: str, trigger: date, due: date, completed: date, excepted: bool, refused: bool):
        if rule == "final-plan":
            within = completed <= due
            self.plans += 1
            self.plans_within += within
            self.plans_excepted += excepted
            self.plans_excepted_within += excepted and within
            self.days_to_plan.append((completed - trigger).days)
        elif rule == "assessment-decision":
            self.decisions += 1
            self.decisions_within += completed <= due
            self.refused += refused
        elif rule == "review-decision":
            self.review_decisions += 1
            self.review_decisions_within += completed <= trigger + timedelta(days=REVIEW_DECISION_DAYS)
        elif rule == "annual-review":
            self.reviews_held += 1
        elif rule.startswith("order-"):
            # a step of a Tribunal order done within reg 44's limit (an excepted one counts as late)
            self.order_steps += 1
            self.order_steps_within += completed <= due

    def final_plan_20_weeks(self) -> dict:
        return {
            "including_exceptions": measure(self.plans_within, self.plans),
            "excluding_exceptions": measure(self.plans_within - self.plans_excepted_within,
                                            self.plans - self.plans_excepted),
        }

    def as_data(self) -> dict:
        average = (one_place(Decimal(sum(self.days_to_plan)) / (7 * len(self.days_to_plan)))
                   if self.days_to_plan else None)
        return {
            "final_plan_20_weeks": self.final_plan_20_weeks(),
            "assessment_decision_6_weeks": measure(self.decisions_within, self.decisions),
            "review_decision_4_weeks": measure(self.review_decisions_within, self.review_decisions),
            "tribunal_orders_in_time": measure(self.order_steps_within, self.order_steps),
            "counts": {
                "requests": self.requests,
                "assessment_decisions": self.decisions,
                "assessments_agreed": self.decisions - self.refused,
                "assessments_refused": self.refused,
                "plans_issued": self.plans,
                "plans_issued_with_exception": self.plans_excepted,
                "review_decisions": self.review_decisions,
                "reviews_held": self.reviews_held,
                "appeals": self.appeals,
                "mediations_held": self.mediations_held,
            },
            "average_weeks_to_final_plan": average,
        }


def tallies(db: Database, scope: Scope, start: date, end: date) -> dict[str, Tally]:
    """One tally per team for completions dated start..end (never after the as-of day)."""
    last = min(end, scope.day)
    where, params = scope.case_conditions()
    extra = "".join(f" AND {cond}" for cond in where)
    out: dict[str, Tally] = defaultdict(Tally)
    refusals = {(case_id, as_date(ended)) for case_id, ended in db.all(REFUSED_SQL, (start, last))}
    sql = COMPLETIONS_SQL.format(table=deadlines_table(db, scan=True)) + extra
    days: dict = {}  # the same few hundred dates recur on 12,000 rows a council-year: each read once

    def day(value):
        found = days.get(value)
        if found is None:
            found = days[value] = as_date(value)
        return found

    for team, case_id, rule, trigger, due, completed, excepted_from in db.all(sql, (start, last, *params)):
        excepted_on = day(excepted_from)
        excepted = excepted_on is not None and excepted_on <= scope.day
        completed, trigger, due = day(completed), day(trigger), day(due)
        assert completed is not None and trigger is not None and due is not None, "completions only"
        refused = rule == "assessment-decision" and (case_id, completed) in refusals
        out[team].add(rule, trigger, due, completed, excepted, refused)
    for team, count in db.all(REQUESTS_SQL + extra + " GROUP BY c.team", (start, last, *params)):
        out[team].requests += count
    # the whole authority: the events scanned for the two kinds (15 ms at 13,000 cases) rather than
    # each case's events of the period read through the case-date index (24 ms); one team's cases: the
    # index. NOT INDEXED is SQLite's.
    scan = not where and db.dialect == "sqlite"
    disputes = DISPUTES_SQL.format(events="events e NOT INDEXED" if scan else "events e") + extra \
        + " GROUP BY c.team, e.kind"
    for team, kind, count in db.all(disputes, (start, last, *params)):
        if kind == "appeal":
            out[team].appeals += count
        else:
            out[team].mediations_held += count
    return out


def final_plans_by_team(db: Database, scope: Scope, start: date, end: date) -> dict[str, Tally]:
    """Tallies holding only the 20-week counts, per team, for completions dated start..end."""
    where, params = scope.case_conditions()
    sql = FINAL_PLANS_SQL + "".join(f" AND {cond}" for cond in where) + " GROUP BY c.team"
    out: dict[str, Tally] = {}
    for team, plans, within, excepted, excepted_within in db.all(
            sql, (scope.day, scope.day, start, min(end, scope.day), *params)):
        out[team] = Tally(plans=int(plans), plans_within=int(within or 0), plans_excepted=int(excepted or 0),
                          plans_excepted_within=int(excepted_within or 0))
    return out


def combined(parts: dict[str, Tally]) -> Tally:
    total = Tally()
    for part in parts.values():
        for name in Tally.__dataclass_fields__:
            value = getattr(part, name)
            setattr(total, name, getattr(total, name) + value)
    return total


def period(year: int | None, start: date | None, end: date | None, day: date) -> tuple[date, date]:
    """`--year` (default: the as-of day's year) or `--from`/`--to`, both days counted."""
    if year is not None and (start or end):
        raise UsageError("give --year or --from/--to, not both")
    if (start is None) != (end is None):
        raise UsageError("--from and --to go together")
    if start is not None and end is not None:
        if end < start:
            raise RefusedError(f"--to {end} is before --from {start}")
        return start, end
    year = year or day.year
    return date(year, 1, 1), date(year, 12, 31)


def kpi(db: Database, scope: Scope, start: date, end: date) -> dict:
    """The contract's `kpi --format json` object, with the counts the dashboard also shows."""
    data = combined(tallies(db, scope, start, end)).as_data()
    whole_year = start == date(start.year, 1, 1) and end == date(start.year, 12, 31)
    return {
        "year": start.year if whole_year else None,
        "from": start,
        "to": end,
        "as_of": scope.day,
        "team": scope.team,
        "coordinator": scope.coordinator,
        **data,
    }


MEASURES = [
    ("final_plan_20_weeks.including_exceptions", "Final plans within 20 weeks (incl. exceptions)"),
    ("final_plan_20_weeks.excluding_exceptions", "Final plans within 20 weeks (excl. exceptions)"),
    ("assessment_decision_6_weeks", "Request decisions within 6 weeks"),
    ("review_decision_4_weeks", "Review decisions within 4 weeks of the meeting"),
    ("tribunal_orders_in_time", "Tribunal order steps within the reg 44 limits"),
]
COUNTS = [
    ("requests", "Requests received"),
    ("assessment_decisions", "Request decisions made"),
    ("assessments_agreed", "Assessments agreed"),
    ("assessments_refused", "Assessments refused"),
    ("plans_issued", "Final plans issued"),
    ("plans_issued_with_exception", "Final plans issued with a 20-week exception"),
    ("review_decisions", "Review decisions made"),
    ("reviews_held", "Review meetings held"),
    ("appeals", "Appeals to the Tribunal made"),
    ("mediations_held", "Mediations held"),
]
COLUMNS = [
    Column("measure", "Measure"),
    Column("label", "Measure", wrap=True),
    Column("within", "Within", "right"),
    Column("total", "Total", "right"),
    Column("percent", "%", "right"),
]
TABLE_COLUMNS = [c for c in COLUMNS if c.key != "measure"]
CSV_COLUMNS = [c for c in COLUMNS if c.key != "label"]


def kpi_rows(data: dict) -> list[dict]:
    """The KPI object as rows: each measure, then each count (total only), then the average weeks."""
    rows = []
    for key, label in MEASURES:
        value = data
        for part in key.split("."):
            value = value[part]
        rows.append({"measure": key, "label": label, **value})
    for key, label in COUNTS:
        rows.append({"measure": f"counts.{key}", "label": label, "within": None,
                     "total": data["counts"][key], "percent": None})
    rows.append({"measure": "average_weeks_to_final_plan", "label": "Average weeks to a final plan",
                 "within": None, "total": data["average_weeks_to_final_plan"], "percent": None})
    return rows
