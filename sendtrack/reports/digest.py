"""The daily digest for cron: per team, what is overdue (and new since the previous working day), what
must be acted on in the next 5 working days, what is at risk, and the 20-week timeliness so far this year.

Written as plain text (a mail body), Markdown or one self-contained HTML file; JSON for scripts.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from datetime import date, timedelta

from sendtrack.config import Config
from sendtrack.domain import Settings
from sendtrack.reports.atrisk import ORDER as AT_RISK_ORDER
from sendtrack.reports.atrisk import WINDOW_CONDITIONS, at_risk_items, at_risk_row, horizon, in_window, reason
from sendtrack.reports.atrisk import columns as at_risk_columns
from sendtrack.reports.base import OUTSTANDING_SQL, Item, Scope, describe_measure, items
from sendtrack.reports.kpi import Tally, combined, final_plans_by_team
from sendtrack.reports.overdue import columns as overdue_columns
from sendtrack.reports.overdue import overdue_row
from sendtrack.reports.workdays import WorkingDays
from sendtrack.storage.db import Database
from sendtrack.storage.queries import read_mapped

#: "Deadlines falling in the next 5 working days" (issue 3).
SOON_WORKING_DAYS = 5
#: Notes under a row are wrapped to this width in text (a mail body).
TEXT_WIDTH = 100


@dataclass
class TeamDigest:
    team: str
    name: str
    overdue: list[Item] = field(default_factory=list)
    newly_overdue: list[Item] = field(default_factory=list)
    due_soon: list[Item] = field(default_factory=list)
    at_risk: list[Item] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)

    @property
    def earlier_overdue(self) -> list[Item]:
        new = {id(i) for i in self.newly_overdue}
        return [i for i in self.overdue if id(i) not in new]


@dataclass
class Digest:
    day: date
    previous: date  # the previous working day
    soon_until: date  # the 5th working day after `day`
    teams: list[TeamDigest]
    settings: Settings
    #: how the "… and N more" hints start: `sendtrack`, with `--db PATH` when the digest was made from
    #: a database named on the command line (so the hint, pasted, reads the same one)
    command: str = "sendtrack"

    @property
    def overdue_count(self) -> int:
        return sum(len(t.overdue) for t in self.teams)


def _key(item: Item) -> tuple:
    return (item.ref, item.rule, item.subject, item.due)


def build(db: Database, scope: Scope, config: Config) -> Digest:
    read_mapped(db)  # it scans the whole deadlines table
    days = WorkingDays(db, scope.day)
    previous = days.previous(scope.day)
    soon_until = days.after(scope.day, SOON_WORKING_DAYS)
    # every team of the scope is listed (an empty one says so), but one coordinator's digest lists
    # only the teams holding their items
    teams = {t.id: TeamDigest(t.id, t.name) for t in config.teams
             if scope.team in (None, t.id) and scope.coordinator is None}

    team_names = {t.id: t.name for t in config.teams}

    def team(team_id: str) -> TeamDigest:
        return teams.setdefault(team_id, TeamDigest(team_id, team_names.get(team_id, team_id)))

    yesterday = scope.day - timedelta(days=1)
    last = horizon(scope, config)
    # One scan for the three lists (each was its own query: 47 + 27 + 15 ms at 13,000 cases): the
    # overdue deadlines and the local milestones reached (past due), the deadlines to act on by the
    # 5th working day (act-by, the working day on or before due, within the days), and the open ones
    # due within the widest warning window. The three conditions are written again in Python to tell
    # the rows apart; the scan's order is at-risk's (due, case, rule, subject, row), which the past-due
    # and at-risk lists keep, and "to act on" is sorted by act-by first, Python's stable sort keeping
    # the scan's order (and so the row's id, as the query did) among equal keys.
    past_sql = ("((d.kind <> 'local' AND d.owner = 'la' AND d.due < ?) OR d.kind = 'local') "
                "AND d.due <= ?")
    soon_sql = "d.kind <> 'local' AND d.owner <> 'family' AND d.due >= ? AND d.act_by <= ?"
    window_sql = " AND ".join(WINDOW_CONDITIONS[:-1])
    # "still to be done" is tested first: SQLite tests a scanned row's terms in the order written, and
    # it turns away more of the table's rows sooner than the three lists' conditions (the scan 70 ->
    # 55 ms at 13,000 cases, same rows)
    found = list(items(db, scope, [OUTSTANDING_SQL, f"(({past_sql}) OR ({soon_sql}) OR ({window_sql}))"],
                       [scope.day, scope.day, scope.day, scope.day, scope.day, soon_until, scope.day, last],
                       ("overdue", "open"), scan=True, order=AT_RISK_ORDER))

    def is_past(item: Item) -> bool:
        return item.due <= scope.day and (item.kind == "local" or (item.owner == "la"
                                                                   and item.due < scope.day))

    def is_soon(item: Item) -> bool:
        return (item.kind != "local" and item.owner != "family" and item.due >= scope.day
                and item.act_by <= soon_until and item.status == "open")

    past = [i for i in found if is_past(i)]
    for item in (i for i in past if i.kind != "local"):
        team(item.team).overdue.append(item)
        # overdue today, not overdue on the previous working day: due on it or on a day since
        if previous <= item.due <= yesterday:
            team(item.team).newly_overdue.append(item)
    soon = sorted((i for i in found if is_soon(i)),
                  key=lambda i: (i.act_by, i.due, i.ref, i.rule, i.subject or ""))
    for item in soon:
        team(item.team).due_soon.append(item)
    listed = {_key(i) for i in soon}
    upcoming = (i for i in found if in_window(i, scope, last))
    for item in at_risk_items(db, scope, config, milestones=(i for i in past if i.kind == "local"),
                              upcoming=upcoming):
        if _key(item) not in listed:
            team(item.team).at_risk.append(item)
    for team_id, tally in final_plans_by_team(db, scope, date(scope.day.year, 1, 1), scope.day).items():
        team(team_id).tally = tally
    return Digest(scope.day, previous, soon_until, list(teams.values()),
                  config.settings(with_closures=False))


# --- JSON ---------------------------------------------------------------------------------------

def as_data(digest: Digest, *, names: bool) -> dict:
    """The digest for scripts: item objects have the same keys as `overdue` and `at-risk` JSON."""
    scope = Scope(digest.day)
    late_keys = [c.key for c in overdue_columns(names=names)]
    risk_keys = [c.key for c in at_risk_columns(names=names)]
    soon_keys = [k for k in late_keys if k not in ("days_overdue", "exception_limb")] + ["days_left"]

    def late_row(item: Item) -> dict:
        row = overdue_row(item, scope, names=names)
        return {k: row[k] for k in late_keys}

    def soon_row(item: Item) -> dict:
        row = {**overdue_row(item, scope, names=names), "days_left": (item.due - digest.day).days}
        return {k: row[k] for k in soon_keys}

    def risk_row(item: Item) -> dict:
        row = at_risk_row(item, digest.day, digest.settings, names=names)
        return {k: row[k] for k in risk_keys}

    return {
        "as_of": digest.day,
        "previous_working_day": digest.previous,
        "due_soon_until": digest.soon_until,
        "overdue_count": digest.overdue_count,
        "final_plan_20_weeks": combined({t.team: t.tally for t in digest.teams}).final_plan_20_weeks(),
        "teams": [
            {
                "team": t.team,
                "name": t.name,
                "overdue_count": len(t.overdue),
                "newly_overdue_count": len(t.newly_overdue),
                "overdue": [late_row(i) for i in t.overdue],
                "newly_overdue": [late_row(i) for i in t.newly_overdue],
                "due_soon": [soon_row(i) for i in t.due_soon],
                "at_risk": [risk_row(i) for i in t.at_risk],
                "final_plan_20_weeks": t.tally.final_plan_20_weeks(),
            }
            for t in digest.teams
        ],
    }


# --- the shared shape of the three human formats ---------------------------------------------------

@dataclass(frozen=True)
class Section:
    title: str
    rows: list[list[str]]  # cells: ref, child, deadline, due, act by, when, coordinator
    notes: list[str]  # what to print under each row ("" for nothing): a long subject, the reason
    more: int  # rows left out by the limit
    more_hint: str


HEADERS = ["Ref", "Child", "Deadline", "Due", "Act by", "When", "Coordinator"]


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


#: A subject longer than this ("primary to secondary (Year 6 to 7) on 2025-09-01") goes under the row.
SHORT_SUBJECT = 24


def _cells(item: Item, when: str, names: bool, child: bool = True) -> list[str]:
    label = item.label() if len(item.subject or "") <= SHORT_SUBJECT else item.rule
    return [item.ref, *([item.who(names)] if child else []), label, item.due.isoformat(),
            item.act_by.isoformat(), when, item.coordinator or "-"]


def headers(child: bool) -> list[str]:
    return HEADERS if child else [h for h in HEADERS if h != "Child"]


def _note(item: Item, why: str | None) -> str:
    long_subject = item.subject if len(item.subject or "") > SHORT_SUBJECT else None
    if why:
        return why if not long_subject or long_subject in why else f"{long_subject}: {why}"
    return long_subject or ""


def _weekday(day: date) -> str:
    return f"{day.strftime('%a')} {day.isoformat()}"


def sections(digest: Digest, team: TeamDigest, *, names: bool, limit: int,
             child: bool = True) -> list[Section]:
    """The team's sections; without `child`, rows carry no Child column (the mailed digest)."""
    day = digest.day

    def section(title: str, found: list[Item], when, hint: str, with_reason: bool = False) -> Section:
        shown = found if limit <= 0 else found[:limit]
        notes = [_note(i, reason(i, day, digest.settings) if with_reason else None) for i in shown]
        return Section(f"{title} ({len(found)})", [_cells(i, when(i), names, child) for i in shown],
                       notes if any(notes) else [], len(found) - len(shown), hint)

    def over(i: Item) -> str:
        return f"{_days((day - i.due).days)} over"

    def left(i: Item) -> str:
        n = (i.due - day).days
        return "due today" if n == 0 else f"in {_days(n)}" if n > 0 else f"{_days(-n)} ago"

    out = []
    scope_hint = f"--team {team.team} --as-of {day.isoformat()}"
    overdue_hint, at_risk_hint = (f"{digest.command} {name} {scope_hint}" for name in ("overdue", "at-risk"))
    if team.newly_overdue:
        out.append(section(f"Newly overdue since {_weekday(digest.previous)}", team.newly_overdue, over,
                           overdue_hint))
    earlier = team.earlier_overdue
    if earlier:
        out.append(section("Overdue before that" if team.newly_overdue else "Overdue", earlier, over,
                           overdue_hint))
    if team.due_soon:
        out.append(section(f"To act on in the next {SOON_WORKING_DAYS} working days, by "
                           f"{_weekday(digest.soon_until)}", team.due_soon, left,
                           at_risk_hint))
    if team.at_risk:
        out.append(section("At risk", team.at_risk, left, at_risk_hint,
                           with_reason=True))
    return out


def summary_lines(digest: Digest, team: TeamDigest) -> list[str]:
    plans = team.tally.final_plan_20_weeks()
    lines = [
        f"Overdue: {len(team.overdue)} ({len(team.newly_overdue)} new since {_weekday(digest.previous)}); "
        f"to act on in the next {SOON_WORKING_DAYS} working days: {len(team.due_soon)}; "
        f"at risk: {len(team.at_risk)}",
        f"Final plans within 20 weeks in {digest.day.year} so far: "
        f"{describe_measure(plans['including_exceptions'])} including exceptions, "
        f"{describe_measure(plans['excluding_exceptions'])} excluding",
    ]
    if not (team.overdue or team.due_soon or team.at_risk):
        lines.append("Nothing overdue, nothing to act on in the next 5 working days, nothing at risk.")
    return lines


def title(digest: Digest) -> str:
    return f"SEND deadlines digest for {_weekday(digest.day)}"


def intro(digest: Digest) -> str:
    total = digest.overdue_count
    return (f"{total} overdue deadline{'s' if total != 1 else ''} in the teams below. Previous working day "
            f"{_weekday(digest.previous)}; next {SOON_WORKING_DAYS} working days end "
            f"{_weekday(digest.soon_until)}.")


def footer(names: bool, child: bool = True) -> str:
    shown = "Children's names shown (--names): do not forward." if names else (
        "Case references and initials only." if child else
        "Case references only: no child's name, initials or date of birth.")
    return f"{shown} Every deadline of a case: sendtrack timeline REF."


# --- text ------------------------------------------------------------------------------------------

def _aligned(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in rows]


def text(digest: Digest, *, names: bool, limit: int, child: bool = True) -> str:
    out = [title(digest), "=" * len(title(digest)), intro(digest), ""]
    for team in digest.teams:
        heading = f"{team.team}: {team.name}" if team.name != team.team else team.team
        out += [heading, "-" * len(heading)]
        out += summary_lines(digest, team)
        for sec in sections(digest, team, names=names, limit=limit, child=child):
            out += ["", sec.title]
            lines = _aligned(sec.rows)
            for index, line in enumerate(lines):
                out.append("  " + line)
                if sec.notes and sec.notes[index]:
                    out += textwrap.wrap(sec.notes[index], TEXT_WIDTH, initial_indent=" " * 6,
                                         subsequent_indent=" " * 8)
            if sec.more:
                out.append(f"  ... and {sec.more} more: {sec.more_hint}")
        out.append("")
    out.append(footer(names, child))
    return "\n".join(out) + "\n"


# --- Markdown --------------------------------------------------------------------------------------

def _md(value: str) -> str:
    """Text for Markdown: characters that would become markup, HTML or a cell boundary escaped.

    Only inline markup matters: every line the digest writes starts with its own `#`, `-` or `|`.
    """
    out = []
    for char in value:
        out.append("\\" + char if char in "\\`*_[]<>|" else char)
    return "".join(out).replace("\n", " ")


def markdown(digest: Digest, *, names: bool, limit: int) -> str:
    out = [f"# {_md(title(digest))}", "", _md(intro(digest)), ""]
    for team in digest.teams:
        heading = f"{team.team}: {team.name}" if team.name != team.team else team.team
        out += [f"## {_md(heading)}", ""]
        out += [f"- {_md(line)}" for line in summary_lines(digest, team)]
        for sec in sections(digest, team, names=names, limit=limit):
            headers = HEADERS + (["Note"] if sec.notes else [])
            out += ["", f"### {_md(sec.title)}", "", "| " + " | ".join(headers) + " |",
                    "|" + "---|" * len(headers)]
            for index, row in enumerate(sec.rows):
                cells = row + ([sec.notes[index]] if sec.notes else [])
                out.append("| " + " | ".join(_md(c) for c in cells) + " |")
            if sec.more:
                out += ["", _md(f"… and {sec.more} more: {sec.more_hint}")]
        out.append("")
    out.append(f"*{_md(footer(names))}*")
    return "\n".join(out) + "\n"


# --- HTML ------------------------------------------------------------------------------------------

STYLE = {
    "body": "font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#1b1b1b;margin:16px;",
    "h1": "font-size:20px;margin:0 0 8px 0;",
    "h2": "font-size:17px;margin:24px 0 4px 0;border-bottom:2px solid #1d4f91;padding-bottom:2px;",
    "h3": "font-size:15px;margin:14px 0 4px 0;",
    "table": "border-collapse:collapse;margin:4px 0 8px 0;",
    "th": "text-align:left;border-bottom:1px solid #888;padding:3px 8px;background:#eef2f7;",
    "td": "padding:3px 8px;border-bottom:1px solid #ddd;vertical-align:top;",
    "p": "margin:4px 0;",
    "new": "color:#b00020;font-weight:bold;",
}


def _e(value: str) -> str:
    # html imported here: only the HTML digest escapes (the module costs ~1.5 ms of every digest's start)
    from html import escape

    return escape(value, quote=True)


def html_page(digest: Digest, *, names: bool, limit: int, child: bool = True) -> str:
    s = STYLE
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           f"<title>{_e(title(digest))}</title>", "</head>", f'<body style="{s["body"]}">',
           f'<h1 style="{s["h1"]}">{_e(title(digest))}</h1>', f'<p style="{s["p"]}">{_e(intro(digest))}</p>']
    for team in digest.teams:
        heading = f"{team.team}: {team.name}" if team.name != team.team else team.team
        out.append(f'<h2 style="{s["h2"]}">{_e(heading)}</h2>')
        out += [f'<p style="{s["p"]}">{_e(line)}</p>' for line in summary_lines(digest, team)]
        for sec in sections(digest, team, names=names, limit=limit, child=child):
            style = s["h3"] + (s["new"] if sec.title.startswith("Newly") else "")
            out.append(f'<h3 style="{style}">{_e(sec.title)}</h3>')
            heads = headers(child) + (["Note"] if sec.notes else [])
            out.append(f'<table style="{s["table"]}"><tr>'
                       + "".join(f'<th style="{s["th"]}">{_e(h)}</th>' for h in heads) + "</tr>")
            for index, row in enumerate(sec.rows):
                cells = row + ([sec.notes[index]] if sec.notes else [])
                out.append("<tr>" + "".join(f'<td style="{s["td"]}">{_e(c)}</td>' for c in cells) + "</tr>")
            out.append("</table>")
            if sec.more:
                out.append(f'<p style="{s["p"]}">… and {sec.more} more: <code>{_e(sec.more_hint)}</code></p>')
    out += [f'<p style="{s["p"]}"><em>{_e(footer(names, child))}</em></p>', "</body>", "</html>"]
    return "\n".join(out) + "\n"


FORMATS = {"text": text, "markdown": markdown, "html": html_page}
