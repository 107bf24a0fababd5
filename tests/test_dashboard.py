"""`dashboard`: one self-contained HTML page whose every chart's table equals what `kpi`, `overdue`,
`at-risk` and `caseload` print as JSON for the same data and day, with children only as counts; and the
chart module's own arithmetic. tests/test_dashboard_browser.py renders it in a real browser.
"""

from __future__ import annotations

import os
import re
import stat
from collections import Counter
from datetime import date
from html.parser import HTMLParser

import pytest

from sendtrack.reports.dashboard import AGE_BANDS, REVIEW_BANDS, band, months_between
from tests.caseload import AS_OF, CASES, built
from tests.conftest import Cli

TEAMS = ["front-door", "early-years", "school-age", "young-people", "virtual-school", "access-inclusion"]
#: A later day on which the fixed caseload's annual reviews are overdue by various lengths.
LATER = "2027-03-01"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    return built(tmp_path_factory, "dashboard")


class Tables(HTMLParser):
    """Every <table data-chart=ID>: its rows (header row first) as lists of cell text."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current: str | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-chart" in attrs:
            self.current = attrs["data-chart"]
            self.tables[self.current] = []
        elif tag == "tr" and self.current:
            self.tables[self.current].append([])
        elif tag in ("td", "th") and self.current:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.current and self.cell is not None:
            self.tables[self.current][-1].append("".join(self.cell).strip())
            self.cell = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def page(db: str, *args: str) -> str:
    return Cli().ok(["--db", db, "dashboard", *args])


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def rows(table: list[list[str]]) -> dict[str, list[str]]:
    """Body rows by their first cell."""
    return {row[0]: row[1:] for row in table[1:]}


def pct(value) -> str:
    return "–" if value is None else f"{value:.1f}%"


def kpi(db: str, *args: str) -> dict:
    return Cli().json(["--db", db, "kpi", "--format", "json", *args])


@pytest.fixture(scope="module")
def board(db) -> dict[str, list[list[str]]]:
    return tables(Cli().ok(["--db", db, "dashboard", "--as-of", AS_OF]))


MONTHS = [("Jan", "2025-01-01", "2025-01-31"), ("Feb", "2025-02-01", "2025-02-28"),
          ("Mar", "2025-03-01", "2025-03-31"), ("Apr", "2025-04-01", "2025-04-30"),
          ("May", "2025-05-01", "2025-05-31")]


@pytest.mark.parametrize("team", [None, *TEAMS])
def test_timeliness_by_month_equals_kpi_for_each_month(db, board, team):
    sid = team or "council"
    plans, decisions, reviews = (rows(board[f"{sid}-{k}"]) for k in ("plans", "decisions", "reviews"))
    # May 2025 is the last month begun by Tue 27 May: June onwards has nothing to count
    assert list(plans) == [m for m, _, _ in MONTHS]
    for month, first, last in MONTHS:
        data = kpi(db, "--from", first, "--to", last, "--as-of", AS_OF, *(["--team", team] if team else []))
        incl = data["final_plan_20_weeks"]["including_exceptions"]
        excl = data["final_plan_20_weeks"]["excluding_exceptions"]
        assert plans[month] == [str(incl["total"]), str(incl["within"]), pct(incl["percent"]),
                                str(excl["total"]), str(excl["within"]), pct(excl["percent"])], month
        six = data["assessment_decision_6_weeks"]
        assert decisions[month] == [str(six["total"]), str(six["within"]), pct(six["percent"])], month
        four = data["review_decision_4_weeks"]
        assert reviews[month] == [str(four["total"]), str(four["within"]), pct(four["percent"])], month


def test_timeliness_checked_by_hand(board):
    plans = rows(board["council-plans"])
    # final plans of 2025 by month of issue (tests/caseload.py): Jan B02 (late); Feb C03 (late,
    # excepted); Mar G07 (on time); Apr F06 (on time, with an exception); May E05 (on time)
    assert plans["Jan"] == ["1", "0", "0.0%", "1", "0", "0.0%"]
    assert plans["Feb"] == ["1", "0", "0.0%", "0", "0", "–"]
    assert plans["Mar"] == ["1", "1", "100.0%", "1", "1", "100.0%"]
    assert plans["Apr"] == ["1", "1", "100.0%", "0", "0", "–"]
    assert plans["May"] == ["1", "1", "100.0%", "1", "1", "100.0%"]
    # the year: 3 of 5 including exceptions, 2 of 3 excluding (test_reports: measure(3, 5), (2, 3))
    reviews = rows(board["council-reviews"])
    # M13: meeting 17 Feb, decision 10 Mar (21 days: within 4 weeks); N14: meeting 15 Jan, decision
    # 20 Feb (36 days: not)
    assert reviews["Feb"] == ["1", "0", "0.0%"]
    assert reviews["Mar"] == ["1", "1", "100.0%"]


def counted(items: list[dict], key) -> dict[str, Counter]:
    out: dict[str, Counter] = {}
    for item in items:
        out.setdefault(item["rule"], Counter())[key(item)] += 1
    return out


@pytest.mark.parametrize("as_of", [AS_OF, LATER])
@pytest.mark.parametrize("team", [None, "front-door", "school-age", "young-people"])
def test_overdue_at_risk_reviews_and_caseload_equal_their_reports(db, as_of, team):
    scope = ["--as-of", as_of, *(["--team", team] if team else [])]
    board = tables(page(db, *scope))
    sid = team or "council"
    day = date.fromisoformat(as_of)
    late = Cli().json(["--db", db, "overdue", "--format", "json", *scope])
    by_rule = counted(late, lambda i: band(i["days_overdue"], AGE_BANDS))
    labels = [label for _, _, label in AGE_BANDS]
    expected = {rule: [str(c[x]) for x in labels] + [str(sum(c.values()))] for rule, c in by_rule.items()}
    assert rows(board[f"{sid}-overdue"]) == expected
    reviews = Counter(band(months_between(day, date.fromisoformat(i["due"])), REVIEW_BANDS)
                      for i in late if i["rule"] == "annual-review")
    assert rows(board[f"{sid}-reviews-overdue"]) == {x: [str(reviews[x])] for _, _, x in REVIEW_BANDS}
    risky = Cli().json(["--db", db, "at-risk", "--format", "json", *scope])
    by_rule = counted(risky, lambda i: i["kind"] == "local")
    assert {r: v[-1] for r, v in rows(board[f"{sid}-at-risk"]).items()} == {
        rule: str(sum(c.values())) for rule, c in by_rule.items()}
    assert {r: v[:2] for r, v in rows(board[f"{sid}-at-risk"]).items()} == {
        rule: [str(c[False]), str(c[True])] for rule, c in by_rule.items()}
    loads = Cli().json(["--db", db, "caseload", "--format", "json", *scope])
    if team is None:
        assert {t: v[:2] for t, v in rows(board["council-caseload"]).items()} == {
            r["team"]: [str(r["cases"]), str(r["coordinators"])] for r in loads if r["level"] == "team"}
    else:
        assert {c: v[:3] for c, v in rows(board[f"{sid}-caseload"]).items()} == {
            r["coordinator"] or "(unallocated)": [str(r["cases"]), str(r["open_assessments"]), str(r["plans"])]
            for r in loads if r["level"] == "coordinator"}


def test_reviews_overdue_checked_by_hand(db):
    board = tables(page(db, "--as-of", LATER, "--team", "school-age"))
    reviews = rows(board["school-age-reviews-overdue"])
    # school-age on 1 Mar 2027, annual reviews never held since (tests/caseload.py):
    # R17: plan 15 Jul 2024, due 14 Jul 2025 -> 19 whole months (14 Feb 2027 is 19; 14 Mar not yet);
    # B02: plan 13 Jan 2025, due 12 Jan 2026 -> 13 months; F06: plan 14 Apr 2025, due 13 Apr 2026 ->
    # 10 months; H08: meeting 20 May 2025, due 19 May 2026 -> 9 months; M13: meeting 17 Feb 2025, due
    # 16 Feb 2026 -> 12 months (16 Feb 2027 reached)
    assert reviews == {"up to 6 months": ["0"], "6 to 12 months": ["2"], "12 to 24 months": ["3"],
                       "over 24 months": ["0"]}


def test_the_cohort_is_next_septembers_transfers_by_status(board):
    cohort = rows(board["council-cohort"])
    # September 2025: R17 Year 6 to 7 (due 14 Feb 2025, not done: overdue); no post-16 transfer that year
    assert cohort == {"phase-transfer": ["0", "0", "0", "1", "0", "1"],
                      "post16-transfer": ["0", "0", "0", "0", "0", "0"]}


def test_one_self_contained_accessible_page_with_children_only_as_counts(db, tmp_path):
    out = tmp_path / "board.html"
    Cli().ok(["--db", db, "dashboard", "--as-of", AS_OF, "--out", str(out)])
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    # nothing fetched: no script, stylesheet link, image, frame, font or url() of any kind
    for fetch in ("<script", "<link", "<img", "<iframe", "src=", "url(", "@import", "href="):
        assert fetch not in html, fetch
    assert re.findall(r"https?://[^\s\"'<>]+", html) == ["http://www.w3.org/2000/svg"] * html.count("<svg")
    assert "@page { size: A4 landscape" in html
    svgs = re.findall(r"<svg .*?</svg>", html, re.S)
    assert len(svgs) == 7 * 8  # the council and 6 teams, 8 charts each
    for chart in svgs:
        assert 'role="img"' in chart and "<title id=" in chart and "<desc id=" in chart
        assert len(chart.encode()) < 6000, len(chart.encode())
    assert len(re.findall(r'<table class="data" data-chart=', html)) == len(svgs)
    for _, name, dob, *_ in CASES:
        initials = ".".join(p[0] for p in name.split()) + "."
        for detail in (name, name.split()[0], initials, dob):
            assert not re.search(rf"\b{re.escape(detail)}(?![\w.])", html), detail
    for ref in ("A01", "K11", "R17"):  # nor case references: counts only
        assert ref not in html


def test_team_and_year(db):
    html = page(db, "--as-of", AS_OF, "--team", "front-door", "--year", "2024")
    board = tables(html)
    assert {k.split("-")[0] for k in board} == {"front"}
    plans = rows(board["front-door-plans"])
    assert len(plans) == 12  # 2024 is over by 27 May 2025: every month
    year = kpi(db, "--year", "2024", "--as-of", AS_OF, "--team", "front-door")
    assert sum(int(v[0]) for v in plans.values()) == year["final_plan_20_weeks"]["including_exceptions"]["total"]
    Cli().fails(["--db", db, "dashboard", "--team", "no-such-team"], 1)


def test_months_between_and_bands():
    assert months_between(date(2025, 2, 27), date(2025, 1, 31)) == 0
    assert months_between(date(2025, 2, 28), date(2025, 1, 31)) == 1  # the last day of a shorter month
    assert months_between(date(2027, 3, 1), date(2025, 7, 14)) == 19
    assert months_between(date(2025, 7, 14), date(2025, 7, 14)) == 0
    assert band(0, REVIEW_BANDS) == "up to 6 months" and band(6, REVIEW_BANDS) == "6 to 12 months"
    assert band(24, REVIEW_BANDS) == "over 24 months" and band(27, AGE_BANDS) == "under 4 weeks"
    assert band(28, AGE_BANDS) == "4 weeks to 3 months"


def test_chart_module():
    from sendtrack.output import svg

    assert svg.nice_top(37) == (40, 10) and svg.nice_top(3) == (3, 1) and svg.nice_top(0) == (1, 1)
    assert svg.nice_top(2) == (2, 1)  # counts never get a tick at 0.5
    chart = svg.columns("c", "A <title>", "d & e", ["Jan"], [svg.Series("s", [50.0], "s0")], percent=True,
                        references=[svg.Reference("England", 46.4, "ref0")], width=200, height=100)
    assert "A &lt;title&gt;" in chart and "d &amp; e" in chart
    # the bar of 50% is half as tall as the plot (the grid lines at 0% and 100%)
    ys = [float(y) for y in re.findall(r'class="grid" x1="34" x2="192" y1="([\d.]+)"', chart)]
    height = float(re.search(r'<rect class="s0" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"><title>', chart).group(1))
    assert len(ys) == 5 and abs(height - (max(ys) - min(ys)) / 2) <= 0.1
    empty = svg.columns("c", "t", "d", ["Jan"], [svg.Series("s", [None], "s0")], percent=True)
    assert "nothing counted yet" in empty
    bars = svg.bars("b", "t", "d", ["x", "y"], [svg.Series("a", [1, 2], "a0"), svg.Series("b", [3, 0], "a1")],
                    bands=[(1, 2), None], band_label="ambition")
    assert bars.count('class="band"') == 2  # the legend's key and x's band; y has none
    assert ">4</text>" in bars and ">2</text>" in bars  # totals 1+3 and 2+0
