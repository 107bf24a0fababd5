"""The at-risk report: open deadlines due within their warning window, and local milestones reached."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta

from sendtrack.config import Config
from sendtrack.domain import Settings
from sendtrack.output.render import Column
from sendtrack.reports.base import (
    OUTSTANDING_SQL,
    Item,
    Scope,
    deadline_columns,
    deadline_table_columns,
    items,
    past_due,
)
from sendtrack.rules.catalogue import RULES
from sendtrack.storage.db import Database


def window(config: Config, within: int | None, rule: str) -> int:
    """Warning window in days: `--within` for every rule, else the rule's configured one (spec 2)."""
    return within if within is not None else config.at_risk_days(rule)


#: Soonest first, then case, rule, subject (the row's id last: equal keys keep the table's order).
ORDER = ("q.due", "q.ref", "q.rule", "COALESCE(q.subject, '')", "q.row_id")


def horizon(scope: Scope, config: Config, within: int | None = None) -> date:
    """The last due date any rule's warning window reaches from the scope's day."""
    return scope.day + timedelta(days=max(window(config, within, rule) for rule in ["", *RULES]))


#: Open LA and partner deadlines due from the day to the horizon (bind day, horizon, day, day).
WINDOW_CONDITIONS = ["d.kind <> 'local'", "d.owner <> 'family'", "d.due >= ?", "d.due <= ?", OUTSTANDING_SQL]


def in_window(item: Item, scope: Scope, last: date) -> bool:
    """`WINDOW_CONDITIONS` with status open, in Python, for an item read by a wider query."""
    return (item.kind != "local" and item.owner != "family" and scope.day <= item.due <= last
            and item.status == "open")


def at_risk_items(db: Database, scope: Scope, config: Config, *, within: int | None = None,
                  milestones: Iterable[Item] | None = None,
                  upcoming: Iterable[Item] | None = None) -> Iterator[Item]:
    """Local milestones already reached, then open LA and partner deadlines due within their window,
    each part selected and ordered in SQL and streamed.

    Family windows are left out: they run out on their own and nobody can breach them. A local
    milestone (spec 5) is "reached" once its date has come and its completing event has not: no draft
    at week 14, advice unanswered at week 5, no review meeting scheduled 8 weeks before the review is
    due, no transfer review 12 weeks before the transfer deadline, no family contact for 6 weeks.
    `milestones` are `reached(db, scope)` and `upcoming` the open deadlines due from the day to the
    `horizon`, in ORDER, when the caller has read them already (the digest).
    """
    yield from reached(db, scope) if milestones is None else milestones
    found = upcoming
    if found is None:
        found = items(db, scope, WINDOW_CONDITIONS, [scope.day, horizon(scope, config, within), scope.day,
                                                     scope.day], ("open",), order=ORDER)
    yield from (i for i in found if (i.due - scope.day).days <= window(config, within, i.rule))


def reached(db: Database, scope: Scope) -> Iterator[Item]:
    """Local milestones whose date has come and whose completing event has not."""
    return past_due(db, scope, ["d.kind = 'local'"], [], ("open", "overdue"), order=ORDER)


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def reason(item: Item, day: date, settings: Settings) -> str:
    """Why the item is at risk, in words a coordinator can act on."""
    weeks = (day - item.trigger).days // 7
    if item.rule == "draft-by-week-14":
        # the milestone is week 14 (configurable); say how long the request has waited, not "week 29"
        final = item.trigger + timedelta(weeks=20)
        waited = f"no draft plan {weeks} weeks after the request (milestone: week {settings.draft_by_weeks})"
        if day > final:
            return f"{waited}; the final plan was due {final}"
        return f"{waited}: the 15-day window no longer fits before the final plan is due {final}"
    if item.rule == "advice-chase":
        return f"advice from {item.subject or 'a body'} still unanswered {weeks} weeks after it was requested"
    if item.rule == "review-scheduled":
        review_due = item.due + timedelta(weeks=settings.review_scheduled_weeks)
        return f"annual review due {review_due} and no review meeting scheduled"
    if item.rule == "phase-transfer-meeting":
        return (f"transfer ({item.subject}): deadline within {settings.phase_transfer_meeting_weeks} "
                "weeks and no review meeting held in the transfer year")
    if item.rule == "contact":
        return (f"no contact with the family recorded for {_days((day - item.trigger).days)} "
                f"(since {item.trigger}) while the assessment is open")
    left = (item.due - day).days
    when = "due today" if left == 0 else f"due in {_days(left)}"
    summary = RULES[item.rule].summary if item.rule in RULES else item.rule
    return f"{when} (act by {item.act_by}): {summary}"


def at_risk_row(item: Item, day: date, settings: Settings, *, names: bool) -> dict:
    row = {
        "ref": item.ref,
        "initials": item.who(False),
        "team": item.team,
        "coordinator": item.coordinator,
        "rule": item.rule,
        "subject": item.subject,
        "owner": item.owner,
        "kind": item.kind,
        "due": item.due,
        "act_by": item.act_by,
        "days_left": (item.due - day).days,
        "left": _left((item.due - day).days),
        "reason": reason(item, day, settings),
        "source": item.source,
        "deadline": item.label(),
    }
    if names:
        row["name"] = item.name
    return row


def table_columns(*, names: bool) -> list[Column]:
    """Fewer, wider columns for a terminal; CSV and JSON keep every field."""
    return [
        *deadline_table_columns(names=names),
        Column("left", "Days left", "right", priority=1),
        Column("reason", "Why", priority=1, wrap=True),
    ]


def _left(days: int) -> str:
    """The terminal's "Days left": a local milestone reached is "reached N days ago", never a negative
    count (CSV and JSON keep `days_left` as the signed number, docs/import-format.md)."""
    return str(days) if days >= 0 else f"reached {_days(-days)} ago"


def columns(*, names: bool) -> list[Column]:
    return [
        *deadline_columns(names=names),
        Column("due", "Due"),
        Column("act_by", "Act by"),
        Column("days_left", "Days left", "right"),
        Column("reason", "Why"),
        Column("source", "Source"),
    ]
