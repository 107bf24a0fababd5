"""The case timeline: events, every deadline with status and source, and the checks."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date

from sendtrack.calendar import Calendar
from sendtrack.domain import Settings
from sendtrack.errors import RefusedError
from sendtrack.output.render import (
    Column,
    initials,
    safe,
    terminal_width,
    wrap,
    write_csv,
    write_json,
    write_table,
)
from sendtrack.reports.history import shown_details
from sendtrack.rules.engine import Timeline, timeline
from sendtrack.rules.paths import PENDING
from sendtrack.storage import cases as store
from sendtrack.storage.db import Database


@dataclass(frozen=True)
class CaseView:
    case: store.StoredCase
    events: list[store.StoredEvent]
    voided: dict[int, store.StoredEvent]  # voided event id -> the void event
    timeline: Timeline


def case_timeline(db: Database, ref: str, day: date, calendar: Calendar, settings: Settings) -> CaseView:
    case_row = store.find_case(db, ref)
    if day < case_row.received:
        raise RefusedError(f"{ref}: the request was received on {case_row.received}, after {day}")
    rows = store.event_rows(db, case_row.id)
    voids = {r.voids: r for r in rows if r.kind == "void" and r.voids is not None}
    view = timeline(store.to_case(case_row, rows), day, calendar, settings)
    shown = [r for r in rows if r.date <= day]
    return CaseView(case_row, shown, voids, view)


def _shown(day: date) -> str | None:
    """A due date still to be set (rules.paths.PENDING: an appeal against a cease awaiting the Tribunal)
    is null, as the contract has dates that do not apply."""
    return None if day == PENDING else day.isoformat()


def as_data(view: CaseView, *, names: bool) -> dict:
    c, t = view.case, view.timeline
    return {
        "ref": c.ref,
        "as_of": t.as_of.isoformat(),
        "initials": initials(c.name),
        **({"name": c.name} if names else {}),
        "team": c.team,
        "coordinator": c.coordinator,
        "looked_after": c.looked_after,
        "alternative_provision": c.alternative_provision,
        "setting": c.setting,
        "request_voided": t.case.void,
        "deadlines": [
            {"rule": j.deadline.rule, "owner": j.deadline.owner, "kind": j.deadline.kind,
             "subject": j.deadline.subject, "due": _shown(j.deadline.due),
             "act_by": _shown(j.deadline.act_by), "status": j.status.value,
             "completed_on": j.completed_on.isoformat() if j.completed_on else None,
             "exception_limb": j.deadline.exception_limb if j.status == "excepted" else None,
             "source": j.deadline.source, "basis": j.deadline.basis or None}
            for j in t.deadlines
        ],
        "events": [
            {"id": e.id, "kind": e.kind, "date": e.date.isoformat(),
             "details": shown_details(e.kind, e.details, names=names),
             "recorded_by": e.recorded_by, "recorded_at": e.recorded_at,
             "voided": e.id in view.voided,
             "voided_by": view.voided[e.id].id if e.id in view.voided else None}
            for e in view.events
        ],
        "checks": [{"code": k.code, "message": k.message, "date": k.date.isoformat() if k.date else None}
                   for k in t.checks],
    }


def _details(details: dict) -> str:
    from sendtrack.reports.history import details_text

    return details_text(details)


#: The terminal's tables; JSON has every field of both (CSV has the deadlines only).
TIMELINE_EVENT_COLUMNS = [
    Column("id", "#", "right"),
    Column("date", "Date"),
    Column("kind", "Event"),
    Column("details", "Details", priority=2, wrap=True),
    Column("recorded_by", "By", priority=3, wrap=True),
    Column("note", "Note", priority=1, wrap=True),
]
DEADLINE_COLUMNS = [
    Column("rule", "Deadline", wrap=True),
    Column("kind", "Kind", priority=3),
    Column("due", "Due"),
    Column("act_by", "Act by", priority=4),
    Column("status", "Status"),
    Column("completed_on", "Done", priority=2),
    Column("source", "Source", priority=5, wrap=True),
]


def render_timeline(view: CaseView, fmt: str, *, names: bool, target=None) -> None:
    """The case as JSON (everything), CSV or .xlsx (its deadlines) or the terminal's tables."""
    data = as_data(view, names=names)
    if target is not None and target.path is not None and fmt == "json":
        from sendtrack.output.files import json_to

        json_to(target, data)
        return
    if fmt == "json":
        write_json(data)
        return
    if fmt in ("csv", "xlsx"):
        cols = [Column(k, k) for k in ("rule", "owner", "kind", "subject", "due", "act_by", "status",
                                       "completed_on", "exception_limb", "source", "basis")]
        if target is not None and (target.path is not None or target.excel):
            from sendtrack.output.files import to_target

            to_target(target, fmt, data["deadlines"], cols, title=f"Deadlines {data['ref']}")
        else:
            write_csv(data["deadlines"], cols)
        return
    def say(line: str, indent: str = "", sep: str = " ") -> None:
        sys.stdout.write("\n".join(wrap(indent + safe(line), terminal_width(), sep)) + "\n")

    who = data.get("name") or data["initials"]
    say(f"{data['ref']}  {who}  team {data['team']}, coordinator {data['coordinator'] or '-'}"
        f"  (as of {data['as_of']})", sep="  ")
    say(f"looked after: {'yes' if data['looked_after'] else 'no'}, alternative provision: "
        f"{'yes' if data['alternative_provision'] else 'no'}, setting: {data['setting'] or '-'}", sep="  ")
    if data["request_voided"]:
        say("the request was voided (recorded by mistake): the case counts in no report or KPI")
    events = [{**e, "details": _details(e["details"]),
               "note": f"VOIDED by event {e['voided_by']}" if e["voided"] else ""} for e in data["events"]]
    write_table(events, TIMELINE_EVENT_COLUMNS, title="Events", limit=None, every_column="--format json")
    marks = {"overdue": "OVERDUE", "late": "late", "excepted": "excepted"}
    # a local milestone past its date is a warning, never a breach (spec 5)
    rows = [{**d, "status": "at risk" if d["kind"] == "local" and d["status"] == "overdue"
             else marks.get(d["status"], d["status"]),
             "rule": d["rule"] + (f" [{d['subject']}]" if d["subject"] else "")}
            for d in data["deadlines"]]
    sys.stdout.write("\n")
    write_table(rows, DEADLINE_COLUMNS, title="Deadlines", limit=None, every_column="--format json")
    sys.stdout.write("\n")
    # the arithmetic in words (spec 8.11), one line a deadline: too long for a column of the table
    if any(d["basis"] for d in rows):
        say("Why these dates:")
        for d in rows:
            if d["basis"]:
                lines = wrap("    " + safe(f"{d['rule']}: {d['basis']}"), terminal_width())
                sys.stdout.write("\n".join([lines[0][2:], *lines[1:]]) + "\n")
        sys.stdout.write("\n")
    if data["checks"]:
        say("Checks:")
        for check in data["checks"]:
            say(f"! {check['code']}: {check['message']}", indent="  ")
    else:
        say("Checks: none")
