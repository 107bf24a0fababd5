"""Reaching people where they work: the digest by mail (`digest --send`), deadlines as an iCalendar file
(`calendar`) and the board-pack dashboard (`dashboard`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from sendtrack.cli.common import (
    AsOf,
    CoordinatorOpt,
    TeamOpt,
    command,
    config,
)
from sendtrack.errors import MailNotSent, RefusedError

ForceOpt = Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")]


def send_digest(built, *, to: tuple[str, ...], only_if_any: bool, limit: int,
                overdue_found: Callable[[int], None] | None) -> None:
    """`digest --send`: a message per team to its recipients (or `--to`); a line per team on stdout
    saying where it went; exit 5 naming the teams not sent when the server refused or was not reached."""
    import sys

    from sendtrack.app import mail
    from sendtrack.config import ADDRESS
    from sendtrack.reports.mailing import has_anything, message

    for address in to:
        if not ADDRESS.match(address):
            raise RefusedError(f"--to {address[:80]!r} is not an address (name@example.gov.uk)")
    settings = config().mail
    server = mail.server(settings)
    outgoing, quiet, unaddressed = [], [], []
    for team in built.teams:
        recipients = to or settings.recipients_of(team.team)
        if not recipients:
            unaddressed.append(team.team)
        elif only_if_any and not has_anything(team):
            quiet.append(team.team)
        else:
            outgoing.append((team.team, message(built, team, sender=server.sender, to=recipients,
                                                limit=limit), len(recipients)))
    if unaddressed and len(unaddressed) == len(built.teams):
        raise RefusedError(f"no recipients for {', '.join(unaddressed)}: set [mail.recipients] in the "
                           "configuration or give --to")
    outcome = mail.send(server, [(team, msg) for team, msg, _ in outgoing])
    counts = {team: n for team, _, n in outgoing}
    for team in (t.team for t in built.teams):
        if team in outcome.sent:
            sys.stdout.write(f"sent {team} to {counts[team]} recipient{'s' if counts[team] != 1 else ''}\n")
        elif team in quiet:
            sys.stdout.write(f"not sent {team}: nothing overdue, to act on or at risk (--only-if-any)\n")
        elif team in unaddressed:
            sys.stdout.write(f"not sent {team}: no recipients in [mail.recipients]\n")
    sys.stdout.flush()
    if outcome.failed:
        sent = ", ".join(outcome.sent) or "none"
        reasons = sorted(set(outcome.failed.values()))
        raise MailNotSent(f"mail not sent for {', '.join(outcome.failed)} ({'; '.join(reasons)}); "
                          f"sent: {sent}")
    if overdue_found is not None:
        overdue_found(built.overdue_count)


def register(app: typer.Typer) -> None:
    @command(app, "calendar")
    def calendar(
        as_of: AsOf = None, team: TeamOpt = None, coordinator: CoordinatorOpt = None,
        out: Annotated[str | None, typer.Option("--out", metavar="FILE.ics",
                                                help="Write the calendar here (default: stdout).")] = None,
        within: Annotated[int, typer.Option(metavar="DAYS", min=0, max=3650,
                                            help="Open deadlines to act on within DAYS days (default "
                                                 "365); overdue ones are always there.")] = 365,
        force: ForceOpt = False,
    ) -> None:
        """Open statutory deadlines as an iCalendar file (RFC 5545) for Outlook: an all-day event per
        deadline on its act-by date, with the case reference and rule; no names."""
        from datetime import datetime, time
        from pathlib import Path

        from sendtrack.cli.common import location
        from sendtrack.cli.reports import _open, _scope
        from sendtrack.output.files import safe_output
        from sendtrack.reports.ics import calendar_bytes

        scope = _scope(as_of, team, coordinator)
        db = _open(scope)
        data = calendar_bytes(db, scope, config(), within=within, stamp=datetime.combine(scope.day, time(0)))
        with safe_output(Path(out) if out else None, force=force, database=location(), binary=True,
                         personal=False) as handle:  # references and rules only: no child's data
            handle.write(data)

    @command(app, "dashboard")
    def dashboard(
        year: Annotated[int | None, typer.Option(metavar="YYYY", min=1990, max=2100,
                                                 help="The year whose completions are counted (default: "
                                                      "the as-of day's).")] = None,
        as_of: AsOf = None, team: TeamOpt = None,
        out: Annotated[str | None, typer.Option("--out", metavar="FILE.html",
                                                help="Write the page here (default: stdout).")] = None,
        force: ForceOpt = False,
    ) -> None:
        """A board pack: one self-contained HTML page of charts (inline SVG, no network, no JavaScript,
        prints on A4 landscape) for the council and each team; children only as counts."""
        from pathlib import Path

        from sendtrack.cli.common import location
        from sendtrack.cli.reports import _open, _scope
        from sendtrack.output.files import safe_output
        from sendtrack.reports import dashboard as report

        scope = _scope(as_of, team, None)
        db = _open(scope)
        page = report.html(report.board(db, scope, config(), year or scope.day.year))
        with safe_output(Path(out) if out else None, force=force, database=location(),
                         personal=False) as handle:  # figures and references: no child's data
            handle.write(page)
