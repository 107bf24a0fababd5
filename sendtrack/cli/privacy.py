"""Retention and erasure commands: `retention` (closed cases past their retention period) and `erase`
(a case's personal values replaced by a tombstone, as an audited event)."""

from __future__ import annotations

from typing import Annotated

import typer

from sendtrack.cli.common import (
    AsOf,
    ByOpt,
    CoordinatorOpt,
    FormatOpt,
    NamesOpt,
    TeamOpt,
    command,
    config,
    context,
    fmt_value,
    open_db,
    today,
)


def register(app: typer.Typer) -> None:
    @command(app, "retention")
    def retention(as_of: AsOf = None, team: TeamOpt = None, coordinator: CoordinatorOpt = None,
                  format: FormatOpt = None, names: NamesOpt = False) -> None:
        """Closed cases (refused, withdrawn, no-plan or ceased) past their retention period: date of
        birth + [retention] years_after_birth (31 by default, the IRMS toolkit's period for SEN
        files). Erased cases are not listed; `sendtrack erase REF --reason TEXT` erases one."""
        from sendtrack.app.privacy import past_retention
        from sendtrack.cli.reports import _open, _scope
        from sendtrack.output.render import Column, initials, render

        scope = _scope(as_of, team, coordinator)
        years = config().retention["years_after_birth"]
        db = _open(scope)
        found = past_retention(db, day=scope.day, years=years, team=scope.team, coordinator=scope.coordinator)
        rows = []
        for item in found:
            row: dict = {"ref": item.ref}
            if names:
                row["name"] = item.name
            else:
                row["initials"] = initials(item.name)
            row.update(team=item.team, coordinator=item.coordinator, closed=item.closed,
                       closed_on=item.closed_on.isoformat())
            if names:  # the date the period ended gives the date of birth away: with --names only
                row.update(dob=item.dob.isoformat(), retain_until=item.retain_until.isoformat())
            rows.append(row)
        columns = [Column("ref", "Ref"),
                   Column("name", "Name") if names else Column("initials", "Initials"),
                   Column("team", "Team"), Column("coordinator", "Coordinator", priority=2),
                   Column("closed", "Closed"), Column("closed_on", "Closed on")]
        if names:
            columns += [Column("dob", "Date of birth"), Column("retain_until", "Retention ended")]
        render(rows, columns, fmt_value(format),
               title=f"Closed cases past retention (date of birth + {years} years) on {scope.day}",
               empty="no closed case is past its retention period")

    @command(app, "erase")
    def erase(
        ref: Annotated[str, typer.Argument(metavar="REF", help="The case reference.")],
        reason: Annotated[str, typer.Option(metavar="TEXT", help="Why (kept in the record; no names or "
                                                                  "dates of birth).")],
        force: Annotated[bool, typer.Option(
            "--force", help="Erase a case still open but owing no deadline (its request voided).")] = False,
        by: ByOpt = None,
    ) -> None:
        """Erase a closed case's personal values (UK GDPR): the name becomes "(erased)" and the date of
        birth 1 September of the school year of birth; the events and their dates stay, so KPIs and
        the year group do not change. Recorded as an `erase` event with who, when and why; refused
        for an open case unless --force, and even then while it has a deadline outstanding (close it
        first: `record withdrawn`, or `record void` of its request if it was for the wrong child)."""
        from sendtrack.app import privacy
        from sendtrack.app.record import recorder

        rules = context()
        db = open_db()
        change = privacy.erase(db, ref=ref, reason=reason, by=recorder(by), today=today(), context=rules,
                               force=force)
        typer.echo(f"{change.ref}: erased (event {change.event_id}): the name and date of birth are "
                   "replaced by a tombstone")
        for line in change.lines():
            typer.echo(f"  {line}")
