"""The board-pack dashboard: one self-contained HTML page (no network, no JavaScript) of charts per council
and per team, drawn as inline SVG by output/svg.py, each with its data table. Children appear only as
counts.

Every figure comes from the reports' own functions, so the page agrees with them by construction:
timeliness from `kpi.tallies` (one call per month, the same counting as `kpi --from --to`), overdue
from `overdue.overdue_items`, at risk from `atrisk.at_risk_items`, caseloads from
`caseload.caseload_rows`, and the transfer cohort from `base.items`. tests/test_dashboard.py holds
every chart's table to the JSON of those commands.
"""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sendtrack.config import Config
from sendtrack.output import svg
from sendtrack.reports.atrisk import at_risk_items
from sendtrack.reports.base import Item, Scope, items
from sendtrack.reports.caseload import caseload_rows
from sendtrack.reports.kpi import Tally, combined, tallies
from sendtrack.reports.overdue import overdue_items
from sendtrack.storage.db import Database

#: Published figures drawn as reference lines (spec/statutory-rules.md section 7): England's for 2024,
#: and the council's. The default configuration is Hertfordshire's, so the council's are Hertfordshire's
#: (README: the dashboard); both exclude exceptions, as DfE publishes them.
ENGLAND = {"final_plan": 46.4, "decision": 84.8, "review": 44.4}
COUNCIL_NAME = "Hertfordshire"
COUNCIL = {"final_plan": 56.3, "decision": 98.3}
FIGURES_YEAR = 2024

#: Annual reviews overdue by how long (issue 11: Devon's FOI could not answer it), in whole months.
REVIEW_BANDS = [(0, 6, "up to 6 months"), (6, 12, "6 to 12 months"), (12, 24, "12 to 24 months"),
                (24, None, "over 24 months")]
#: Overdue deadlines by how long, in days.
AGE_BANDS = [(0, 28, "under 4 weeks"), (28, 91, "4 weeks to 3 months"), (91, 182, "3 to 6 months"),
             (182, None, "over 6 months")]
TRANSFER_RULES = ("phase-transfer", "post16-transfer")
COHORT_STATUSES = ("met", "late", "open", "overdue", "excepted")
WIDTH = 500


@dataclass
class Chart:
    """One chart: its SVG and the table of the numbers it draws (the same numbers, as text)."""

    id: str
    title: str
    svg: str
    head: list[str]
    rows: list[list[object]]
    note: str = ""


@dataclass
class Section:
    """The council, or one team: headline figures and charts."""

    id: str
    title: str
    tiles: list[tuple[str, str, str]] = field(default_factory=list)  # (label, figure, detail)
    charts: list[Chart] = field(default_factory=list)


@dataclass
class Board:
    title: str
    year: int
    day: date
    cohort_year: int
    sections: list[Section]


def months_of(year: int, day: date) -> list[tuple[date, date]]:
    """The months of `year` up to the as-of day (a month not yet begun has nothing to count)."""
    out = []
    for month in range(1, 13):
        first = date(year, month, 1)
        if first > day:
            break
        out.append((first, date(year, month, calendar.monthrange(year, month)[1])))
    return out


def months_between(later: date, earlier: date) -> int:
    """Whole months from `earlier` to `later`: a month is complete on the same day of the month, or on
    the last day of a shorter month (31 Jan -> 27 Feb 2025 is 0 months, -> 28 Feb 2025 is 1)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    last_day = calendar.monthrange(later.year, later.month)[1]
    if later.day < earlier.day and later.day != last_day:
        months -= 1
    return months


def band(value: int, bands) -> str:
    for low, high, label in bands:
        if value >= low and (high is None or value < high):
            return label
    raise AssertionError(f"no band holds {value}")  # pragma: no cover - the last band is open-ended


def cohort_year(day: date) -> int:
    """The September of the next phase transfers: this year's until 1 September, then next year's."""
    return day.year if day < date(day.year, 9, 1) else day.year + 1


def _pct(m: dict) -> float | None:
    return m["percent"]


def _shown(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


# --- gathering ---------------------------------------------------------------------------------------

@dataclass
class Facts:
    """Everything the charts draw, read once for the scope (the council, or the team of --team)."""

    months: list[tuple[date, date]]
    monthly: list[dict[str, Tally]]
    yearly: dict[str, Tally]
    overdue: list[Item]
    at_risk: list[Item]
    caseload: list[dict]
    cohort: list[Item]


def gather(db: Database, scope: Scope, config: Config, year: int) -> Facts:
    months = months_of(year, scope.day)
    monthly = [tallies(db, scope, first, last) for first, last in months]
    yearly = tallies(db, scope, date(year, 1, 1), date(year, 12, 31))
    overdue = overdue_items(db, scope)
    risky = at_risk_items(db, scope, config)
    loads = caseload_rows(db, scope, config)
    september = cohort_year(scope.day)
    cohort = items(db, scope, [f"d.rule IN ({', '.join('?' for _ in TRANSFER_RULES)})", "d.due >= ?",
                               "d.due <= ?"],
                   [*TRANSFER_RULES, date(september, 1, 1), date(september, 8, 31)], COHORT_STATUSES)
    return Facts(months, monthly, yearly, list(overdue), list(risky), loads, list(cohort))


def _tally(parts: dict[str, Tally], team: str | None) -> Tally:
    return combined(parts) if team is None else parts.get(team, Tally())


# --- the charts --------------------------------------------------------------------------------------

def timeliness_charts(sid: str, facts: Facts, team: str | None) -> list[Chart]:
    labels = [first.strftime("%b") for first, _ in facts.months]
    plans, decisions, reviews = [], [], []
    for parts in facts.monthly:
        data = _tally(parts, team).as_data()
        plans.append(data["final_plan_20_weeks"])
        decisions.append(data["assessment_decision_6_weeks"])
        reviews.append(data["review_decision_4_weeks"])
    england, council = f"England {FIGURES_YEAR}", f"{COUNCIL_NAME} {FIGURES_YEAR}"
    out = []
    incl = [_pct(p["including_exceptions"]) for p in plans]
    excl = [_pct(p["excluding_exceptions"]) for p in plans]
    out.append(Chart(
        f"{sid}-plans", "Final plans issued within 20 weeks, by month of issue",
        svg.columns(f"{sid}-plans", "Final plans issued within 20 weeks, by month of issue",
                    "Percentage of final plans issued within 20 weeks of the request each month, including "
                    "and excluding those with an exception, against published figures.", labels,
                    [svg.Series("incl. exceptions", incl, "s0"), svg.Series("excl. exceptions", excl, "s1")],
                    percent=True, width=WIDTH,
                    references=[svg.Reference(england, ENGLAND["final_plan"], "ref0"),
                                svg.Reference(council, COUNCIL["final_plan"], "ref1")]),
        ["Month", "Plans issued", "Within 20 weeks", "% incl. exceptions", "Plans without exception",
         "Within 20 weeks", "% excl. exceptions"],
        [[label, p["including_exceptions"]["total"], p["including_exceptions"]["within"],
          _shown(_pct(p["including_exceptions"])), p["excluding_exceptions"]["total"],
          p["excluding_exceptions"]["within"], _shown(_pct(p["excluding_exceptions"]))]
         for label, p in zip(labels, plans, strict=True)],
        f"Reference lines: England {ENGLAND['final_plan']}% and {COUNCIL_NAME} {COUNCIL['final_plan']}% "
        f"in {FIGURES_YEAR}, excluding exceptions (published)."))
    for key, what, rows, refs, head in (
            ("decisions", "Request decisions made within 6 weeks, by month", decisions,
             [svg.Reference(england, ENGLAND["decision"], "ref0"),
              svg.Reference(council, COUNCIL["decision"], "ref1")], "Within 6 weeks"),
            ("reviews", "Review decisions within 4 weeks of the meeting, by month", reviews,
             [svg.Reference(england, ENGLAND["review"], "ref0")], "Within 4 weeks")):
        values = [_pct(m) for m in rows]
        out.append(Chart(
            f"{sid}-{key}", what,
            svg.columns(f"{sid}-{key}", what, f"Percentage of {what.lower()}, against published figures.",
                        labels, [svg.Series("within the time limit", values, "s0")], percent=True,
                        references=refs, width=WIDTH),
            ["Month", "Decisions" if key == "decisions" else "Review decisions", head, "%"],
            [[label, m["total"], m["within"], _shown(_pct(m))]
             for label, m in zip(labels, rows, strict=True)],
            "Reference lines: " + ", ".join(f"{r.label} {r.value}%" for r in refs) + " (published)."))
    return out


def review_chart(sid: str, facts: Facts, team: str | None, day: date) -> Chart:
    late = [i for i in facts.overdue if i.rule == "annual-review" and team in (None, i.team)]
    counts = Counter(band(months_between(day, i.due), REVIEW_BANDS) for i in late)
    labels = [label for _, _, label in REVIEW_BANDS]
    title = "Annual reviews overdue, by how long"
    return Chart(f"{sid}-reviews-overdue", title,
                 svg.bars(f"{sid}-reviews-overdue", title,
                          "Number of plans whose annual review is overdue, by months past the due date.",
                          labels, [svg.Series("annual reviews overdue", [counts[x] for x in labels], "s2")],
                          width=WIDTH),
                 ["Overdue by", "Annual reviews"], [[x, counts[x]] for x in labels])


def overdue_chart(sid: str, facts: Facts, team: str | None, day: date) -> Chart:
    late = [i for i in facts.overdue if team in (None, i.team)]
    by_rule: dict[str, Counter] = {}
    for item in late:
        by_rule.setdefault(item.rule, Counter())[band((day - item.due).days, AGE_BANDS)] += 1
    rules = sorted(by_rule, key=lambda r: (-sum(by_rule[r].values()), r))
    labels = [label for _, _, label in AGE_BANDS]
    title = "Overdue deadlines by rule and how long overdue"
    series = [svg.Series(label, [by_rule[r][label] for r in rules], f"a{n}")
              for n, label in enumerate(labels)]
    return Chart(f"{sid}-overdue", title,
                 svg.bars(f"{sid}-overdue", title, "Overdue statutory deadlines of the authority, by rule, "
                          "split by how long they have been overdue.", rules or ["(none)"],
                          series if rules else [], width=WIDTH),
                 ["Rule", *labels, "Total"],
                 [[r, *(by_rule[r][x] for x in labels), sum(by_rule[r].values())] for r in rules])


def at_risk_chart(sid: str, facts: Facts, team: str | None, day: date) -> Chart:
    risky = [i for i in facts.at_risk if team in (None, i.team)]
    kinds = ("deadline due within its warning window", "local milestone reached")
    by_rule: dict[str, Counter] = {}
    for item in risky:
        by_rule.setdefault(item.rule, Counter())[kinds[item.kind == "local"]] += 1
    rules = sorted(by_rule, key=lambda r: (-sum(by_rule[r].values()), r))
    title = "At risk by rule"
    series = [svg.Series(k, [by_rule[r][k] for r in rules], f"r{n}") for n, k in enumerate(kinds)]
    return Chart(f"{sid}-at-risk", title,
                 svg.bars(f"{sid}-at-risk", title, "Deadlines due within their warning window and local "
                          "milestones reached, by rule.", rules or ["(none)"], series if rules else [],
                          width=WIDTH),
                 ["Rule", *kinds, "Total"],
                 [[r, *(by_rule[r][k] for k in kinds), sum(by_rule[r].values())] for r in rules])


def caseload_chart(sid: str, facts: Facts, team: str | None, config: Config) -> Chart:
    if team is None:
        rows = [r for r in facts.caseload if r["level"] == "team"]
        labels = [r["team"] for r in rows]
        values = [r["cases_per_coordinator"] for r in rows]
        title = "Cases per coordinator by team, against the team's ambition"
        head = ["Team", "Cases", "Coordinators", "Cases per coordinator", "Ambition", "Above ambition"]
        table = [[r["team"], r["cases"], r["coordinators"], "–" if r["cases_per_coordinator"] is None
                  else f"{r['cases_per_coordinator']:g}", f"{r['ambition_low']}-{r['ambition_high']}",
                  "yes" if r["above_ambition"] else "no"] for r in rows]
    else:
        rows = [r for r in facts.caseload if r["level"] == "coordinator" and r["team"] == team]
        labels = [r["coordinator"] or "(unallocated)" for r in rows]
        values = [r["cases"] for r in rows]
        title = "Cases per coordinator, against the team's ambition"
        head = ["Coordinator", "Cases", "Open assessments", "Plans", "Ambition", "Above ambition"]
        table = [[r["coordinator"] or "(unallocated)", r["cases"], r["open_assessments"], r["plans"],
                  f"{r['ambition_low']}-{r['ambition_high']}", "yes" if r["above_ambition"] else "no"]
                 for r in rows]
    bands = [(r["ambition_low"], r["ambition_high"]) if r["ambition_low"] is not None else None for r in rows]
    return Chart(f"{sid}-caseload", title,
                 svg.bars(f"{sid}-caseload", title, "Cases held per coordinator; the shaded band is the "
                          "team's caseload ambition.", labels or ["(none)"],
                          [svg.Series("cases", values, "s0")] if rows else [], bands=bands,
                          band_label="ambition", width=WIDTH),
                 head, table)


def cohort_chart(sid: str, facts: Facts, team: str | None, september: int) -> Chart:
    found = [i for i in facts.cohort if team in (None, i.team)]
    counts = Counter((i.rule, i.status) for i in found)
    title = f"Phase transfers for September {september}, by status"
    series = [svg.Series(s, [counts[(r, s)] for r in TRANSFER_RULES], f"t-{s}") for s in COHORT_STATUSES]
    return Chart(f"{sid}-cohort", title,
                 svg.bars(f"{sid}-cohort", title, f"Plans to be amended for the transfers of September "
                          f"{september}, by the status of the deadline.", list(TRANSFER_RULES), series,
                          width=WIDTH),
                 ["Transfer", *COHORT_STATUSES, "Total"],
                 [[r, *(counts[(r, s)] for s in COHORT_STATUSES),
                   sum(counts[(r, s)] for s in COHORT_STATUSES)] for r in TRANSFER_RULES])


def section(sid: str, title: str, facts: Facts, team: str | None, config: Config, day: date,
            year: int) -> Section:
    data = _tally(facts.yearly, team).as_data()
    plans = data["final_plan_20_weeks"]
    late = [i for i in facts.overdue if team in (None, i.team)]
    held = sum(r["cases"] for r in facts.caseload if r["level"] == "team" and team in (None, r["team"]))
    def of(m: dict, what: str = "") -> str:
        return f"{m['within']} of {m['total']}{what}"

    tiles = [
        ("20 weeks, excl. exceptions", _shown(_pct(plans["excluding_exceptions"])),
         of(plans["excluding_exceptions"], f" plans, {year}")),
        ("20 weeks, incl. exceptions", _shown(_pct(plans["including_exceptions"])),
         of(plans["including_exceptions"], f" plans, {year}")),
        ("Decisions within 6 weeks", _shown(_pct(data["assessment_decision_6_weeks"])),
         of(data["assessment_decision_6_weeks"], f", {year}")),
        ("Review decisions within 4 weeks", _shown(_pct(data["review_decision_4_weeks"])),
         of(data["review_decision_4_weeks"], f", {year}")),
        ("Overdue now", str(len(late)), f"on {day.isoformat()}"),
        ("Cases held", str(held), "open assessments and plans"),
    ]
    charts = [*timeliness_charts(sid, facts, team), review_chart(sid, facts, team, day),
              overdue_chart(sid, facts, team, day), at_risk_chart(sid, facts, team, day),
              caseload_chart(sid, facts, team, config), cohort_chart(sid, facts, team, cohort_year(day))]
    return Section(sid, title, tiles, charts)


def board(db: Database, scope: Scope, config: Config, year: int) -> Board:
    """The whole board: the council (unless --team), then each team."""
    facts = gather(db, scope, config, year)
    sections = []
    if scope.team is None:
        sections.append(section("council", "Whole council", facts, None, config, scope.day, year))
    for team in config.teams:
        if scope.team in (None, team.id):
            title = team.name if team.name == team.id else f"{team.name} ({team.id})"
            sections.append(section(team.id, title, facts, team.id, config, scope.day, year))
    return Board(f"SEND statutory timeliness {year}", year, scope.day, cohort_year(scope.day), sections)


def html(board: Board) -> str:
    """The board as one HTML page, from the template shipped in sendtrack/data."""
    from pathlib import Path

    import jinja2
    from markupsafe import Markup

    template_dir = Path(__file__).resolve().parents[1] / "data"
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(template_dir), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["svg"] = Markup  # output/svg.py escapes every text it draws
    return env.get_template("dashboard.html.j2").render(board=board, england=ENGLAND, council=COUNCIL,
                                                        council_name=COUNCIL_NAME,
                                                        figures_year=FIGURES_YEAR)
