"""The case timeline: events, every deadline with status and source, and the checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sendtrack.calendar import Calendar
from sendtrack.domain import Settings
from sendtrack.errors import RefusedError
from sendtrack.output.render import Column, console, initials, table, write_json
from sendtrack.rules.engine import Timeline, timeline
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


def as_data(view: CaseView, *, names: bool) -> dict:
    c, t = view.case, view.timeline
    return {
        "ref": c.ref,
        "as_of": t.as_of.isoformat(),
        "initials": initials(c.name),
        **({"name": c.name} if names else {}),
        "team": c.team,
        "coordinator": c.coordinator,
        "deadlines": [
            {"rule": j.deadline.rule, "owner": j.deadline.owner, "kind": j.deadline.kind,
             "subject": j.deadline.subject, "due": j.deadline.due.isoformat(),
             "act_by": j.deadline.act_by.isoformat(), "status": j.status.value,
             "completed_on": j.completed_on.isoformat() if j.completed_on else None,
             "exception_limb": j.deadline.exception_limb if j.status == "excepted" else None,
             "source": j.deadline.source}
            for j in t.deadlines
        ],
        "events": [
            {"id": e.id, "kind": e.kind, "date": e.date.isoformat(), "details": e.details,
             "recorded_by": e.recorded_by, "recorded_at": e.recorded_at,
             "voided": e.id in view.voided,
             "voided_by": view.voided[e.id].id if e.id in view.voided else None}
            for e in view.events
        ],
        "checks": [{"code": k.code, "message": k.message, "date": k.date.isoformat() if k.date else None}
                   for k in t.checks],
    }


def _details(details: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(details.items()))


def render_timeline(view: CaseView, fmt: str, *, names: bool) -> None:
    data = as_data(view, names=names)
    if fmt == "json":
        write_json(data)
        return
    if fmt == "csv":
        from sendtrack.output.render import write_csv

        cols = [Column(k, k) for k in ("rule", "owner", "kind", "subject", "due", "act_by", "status",
                                       "completed_on", "exception_limb", "source")]
        write_csv(data["deadlines"], cols)
        return
    out = console()
    who = data.get("name") or data["initials"]
    out.print(f"{data['ref']}  {who}  team {data['team']}, coordinator {data['coordinator'] or '-'}"
              f"  (as of {data['as_of']})", markup=False)
    events = [{**e, "details": _details(e["details"]),
               "note": f"VOIDED by event {e['voided_by']}" if e["voided"] else ""} for e in data["events"]]
    out.print(table(events, [Column("id", "#", "right"), Column("date", "Date"), Column("kind", "Event"),
                             Column("details", "Details"), Column("recorded_by", "By"),
                             Column("note", "")], title="Events", limit=None))
    marks = {"overdue": "OVERDUE", "late": "late", "excepted": "excepted"}
    # a local milestone past its date is a warning, never a breach (spec 5)
    rows = [{**d, "status": "at risk" if d["kind"] == "local" and d["status"] == "overdue"
             else marks.get(d["status"], d["status"]),
             "rule": d["rule"] + (f" [{d['subject']}]" if d["subject"] else "")}
            for d in data["deadlines"]]
    out.print(table(rows, [Column("rule", "Deadline"), Column("kind", "Kind"), Column("due", "Due"),
                           Column("act_by", "Act by"), Column("status", "Status"),
                           Column("completed_on", "Done"), Column("source", "Source")],
                    title="Deadlines", limit=None))
    if data["checks"]:
        out.print("Checks:", markup=False)
        for check in data["checks"]:
            out.print(f"  ! {check['code']}: {check['message']}", markup=False)
    else:
        out.print("Checks: none", markup=False)
