"""The deadlines as an iCalendar file (RFC 5545, written with the icalendar library): one all-day event
per open statutory deadline on its act-by date, the same bytes for the same deadlines on every run.

What a deadline's event holds, and why:
- DTSTART the act-by date, DTEND the next day (Exchange refuses an all-day event without one);
- UID from the case reference, rule, subject and trigger date, so a deadline keeps its UID across runs
  and a client updates it in place instead of adding a copy;
- DTSTAMP the instance's making (RFC 5545 3.8.7.2: in an object with a METHOD, as this PUBLISH one,
  it is when the object was created), in UTC, the same on every event; `stamp`, passed in (the clock is
  a parameter, never read here): the CLI gives the start of the as-of day, the day whose deadlines the
  file describes, so every run on one day gives the same bytes (README); SEQUENCE 0;
- SUMMARY the case reference and rule; DESCRIPTION the due date, act-by date, status on the as-of day,
  the legal source, team and coordinator. No child's name, initials or date of birth;
- TRANSP TRANSPARENT (and Outlook's busy status FREE): a deadline is not a meeting and must not block
  a coordinator's diary.
Which deadlines: statutory ones (not guidance, not local milestones) that the authority or a partner
must meet, not yet done, on the as-of day: `open` ones to act on within the horizon (a year by default:
a transfer seven years away is not diary material, and a council's every deadline made a 15 MB file
Outlook would fetch hourly) and every `overdue` one; excepted ones (the time limit is disapplied) and
the family's own windows are left out.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sendtrack.config import Config
from sendtrack.reports.base import OUTSTANDING_SQL, Item, Scope, items
from sendtrack.storage.db import Database

PRODID = "-//sendtrack//SEND statutory deadlines//EN"
#: Days ahead whose deadlines are on the calendar by default (`calendar --within`).
HORIZON_DAYS = 365
#: How often a client that subscribes to the published file should fetch it again (RFC 7986's
#: REFRESH-INTERVAL says the same to newer clients).
REFRESH = "PT1H"
UID_DOMAIN = "sendtrack.invalid"


def deadlines(db: Database, scope: Scope, within: int = HORIZON_DAYS) -> list[Item]:
    """Statutory deadlines of the authority and its partners, outstanding on the scope's day: overdue,
    or open with an act-by date within `within` days."""
    found = list(items(db, scope, ["d.kind = 'statutory'", "d.owner <> 'family'", "d.act_by <= ?",
                              OUTSTANDING_SQL],
                  [scope.day + timedelta(days=within), scope.day, scope.day], ("open", "overdue")))
    found.sort(key=lambda i: (i.act_by, i.ref, i.rule, i.subject or "", i.trigger))
    return found


def uid(item: Item) -> str:
    key = "\x1f".join([item.ref, item.rule, item.subject or "", item.trigger.isoformat()])
    return f"{hashlib.sha256(key.encode()).hexdigest()[:32]}@{UID_DOMAIN}"


def description(item: Item) -> str:
    return "\n".join([
        f"Due {item.due.isoformat()}; act by {item.act_by.isoformat()} (the working day on or before it).",
        f"Status: {item.status}.",  # not the day: an unchanged deadline keeps its bytes
        f"Source: {item.source}.",
        f"Team {item.team}; coordinator {item.coordinator or 'none'}.",
        f"Every deadline of the case: sendtrack timeline {item.ref}",
    ])


def calendar_bytes(db: Database, scope: Scope, config: Config, *, stamp: datetime,
                   within: int = HORIZON_DAYS) -> bytes:
    """The iCalendar file for the scope (team, coordinator) on its day, made at `stamp` (UTC)."""
    import icalendar  # only this command pays for it

    from sendtrack.output.progress import progress

    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    whose = scope.coordinator or (config.team(scope.team).name if scope.team else "all teams")
    cal.add("x-wr-calname", f"SEND statutory deadlines: {whose}")
    cal.add("x-published-ttl", REFRESH)
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    found = deadlines(db, scope, within)
    made = _utc(stamp)
    # Each event is serialised as it is made, so the bar moves with the work (icalendar spends 1 ms an
    # event, two thirds of it in to_ical): the calendar's own lines around them are what
    # Calendar.to_ical writes, its properties first and END:VCALENDAR last.
    head = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    assert head.endswith(end), "icalendar ends a calendar with END:VCALENDAR"
    parts = [head[:-len(end)]]
    with progress(len(found), "Writing the calendar") as bar:
        for item in bar.counting(found, every=200):
            parts.append(_event(icalendar, item, made).to_ical())
    parts.append(end)
    return b"".join(parts)


def _utc(stamp: datetime) -> datetime:
    """`stamp` in UTC to the second (a naive time is taken as UTC, as `app.record.now` gives it)."""
    stamp = stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)
    return stamp.replace(microsecond=0)


def _event(icalendar, item: Item, made: datetime):
    """One deadline's VEVENT."""
    event = icalendar.Event()
    event.add("uid", uid(item))
    event.add("dtstamp", made)
    event.add("sequence", 0)
    event.add("dtstart", item.act_by)
    event.add("dtend", item.act_by + timedelta(days=1))
    late = " (overdue)" if item.status == "overdue" else ""
    event.add("summary", f"{item.ref} {item.label()}{late}")
    event.add("description", description(item))
    event.add("categories", ["SEND statutory deadline"])
    event.add("transp", "TRANSPARENT")
    event.add("x-microsoft-cdo-busystatus", "FREE")
    event.add("x-microsoft-cdo-alldayevent", "TRUE")
    return event
