"""The digest as mail: one message per team, text and HTML alternatives of that team's digest with no
child's name, initials or date of birth (a case reference and a stage, as EHC Hub's notifications), a
subject with the team and its counts, and the headers that keep auto-replies away (RFC 3834).
"""

from __future__ import annotations

from dataclasses import replace
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sendtrack.reports.digest import Digest, TeamDigest, html_page, text

#: Items listed per section in a mail (the counts stay complete; the rest is one command away).
MAIL_LIMIT = 50


def has_anything(team: TeamDigest) -> bool:
    """Whether the team has something to act on (`--only-if-any` sends nothing otherwise)."""
    return bool(team.overdue or team.due_soon or team.at_risk)


def subject(digest: Digest, team: TeamDigest) -> str:
    """Team and counts only: a subject line is shown in every inbox list and notification."""
    new = f" ({len(team.newly_overdue)} new)" if team.newly_overdue else ""
    return (f"SEND deadlines {digest.day.isoformat()}, {team.team}: {len(team.overdue)} overdue{new}, "
            f"{len(team.due_soon)} to act on within 5 working days, {len(team.at_risk)} at risk")


def message(digest: Digest, team: TeamDigest, *, sender: str, to: tuple[str, ...],
            limit: int = MAIL_LIMIT) -> EmailMessage:
    """One team's digest as a multipart/alternative message (text first, HTML preferred)."""
    one = replace(digest, teams=[team])
    msg = EmailMessage()
    msg["Subject"] = subject(digest, team)
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=Address(addr_spec=sender).domain)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, no loops
    msg["X-Auto-Response-Suppress"] = "All"  # Exchange's own way of saying the same
    msg.set_content(text(one, names=False, limit=limit, child=False))
    msg.add_alternative(html_page(one, names=False, limit=limit, child=False), subtype="html")
    return msg
