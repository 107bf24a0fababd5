"""Team reports: overdue, at-risk, caseload, allocate, kpi and the daily digest.

Each command parses its options, calls one function of sendtrack.reports and renders the result; the
heavy modules are imported inside the commands so `sendtrack --help` stays quick.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from sendtrack.cli.common import (
    AsOf,
    ByOpt,
    CoordinatorOpt,
    DigestOutOpt,
    ExcelOpt,
    ForceOpt,
    FormatOpt,
    NamesOpt,
    OutOpt,
    TeamOpt,
    as_of_date,
    check_team,
    command,
    config,
    error,
    fmt_value,
    open_db,
    parse_date,
    target,
    today,
    warn_if_other_configuration,
)
from sendtrack.errors import OverdueFound, RefusedError, UsageError

FailOnOverdue = Annotated[bool, typer.Option("--fail-on-overdue",
                                             help="Exit 4 after printing when anything is overdue "
                                                  "(for cron and monitoring).")]


class Owner(StrEnum):
    la = "la"
    partner = "partner"
    family = "family"
    all = "all"


class DigestFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    html = "html"
    json = "json"


#: The widest `at-risk --within`: ten years ahead (a rule's configured window is at most a year).
MAX_WITHIN_DAYS = 3650


def _scope(as_of: str | None, team: str | None, coordinator: str | None):
    from sendtrack.calendar import DEFAULT_YEARS
    from sendtrack.reports.base import Scope

    team = check_team(team)
    day = as_of_date(as_of)
    # the reports count working days around the day: only inside the bank-holiday calendar's years
    first, last = DEFAULT_YEARS[0], DEFAULT_YEARS[-1]
    if not first <= day.year <= last:
        raise RefusedError(f"--as-of {day.isoformat()} is outside the years the reports can judge "
                           f"({first}-{last}, the bank-holiday calendar)")
    return Scope(day, team, coordinator)


def _open(scope):
    """The database, once the scope's coordinator is known to hold a case."""
    from sendtrack.reports.base import check_coordinator

    db = open_db()
    warn_if_other_configuration(db)
    check_coordinator(db, scope.coordinator)
    return db


def _fail_if_overdue(count: int) -> None:
    if count:
        raise OverdueFound(f"{count} overdue deadline{'s' if count != 1 else ''}")


def register(app: typer.Typer) -> None:
    @command(app, "overdue")
    def overdue(
        as_of: AsOf = None, team: TeamOpt = None, coordinator: CoordinatorOpt = None,
        rule: Annotated[str | None, typer.Option(metavar="RULE_ID", help="Only this rule.")] = None,
        owner: Annotated[Owner, typer.Option(help="Whose duty: la (default), partner, family or all.")]
        = Owner.la,
        include_excepted: Annotated[bool, typer.Option(
            "--include-excepted", help="Also list excepted deadlines still outstanding (not overdue: "
                                       "the time limit is disapplied).")] = False,
        format: FormatOpt = None, names: NamesOpt = False, fail_on_overdue: FailOnOverdue = False,
        out: OutOpt = None, force: ForceOpt = False, excel: ExcelOpt = False,
    ) -> None:
        """Deadlines past due and not done, most overdue first (local milestones are never overdue)."""
        from sendtrack.output.render import counted, render, resolve_format
        from sendtrack.reports import overdue as report

        scope = _scope(as_of, team, coordinator)
        goes = target(format, out, force, excel)
        if rule is not None:
            from sendtrack.rules.catalogue import RULES

            if rule not in RULES:
                raise RefusedError(f"unknown rule id {rule!r}")
        db = _open(scope)
        fmt = resolve_format(fmt_value(format))
        tally: dict[str, int] = {}

        def rows(statuses: tuple[str, ...] | None = None):
            found = report.overdue_items(db, scope, owner=owner.value, rule=rule,
                                         include_excepted=include_excepted, statuses=statuses)
            return counted((report.overdue_row(i, scope, names=names) for i in found), tally)

        if fmt != "table":
            render(rows(), report.columns(names=names), fmt, title=f"Overdue on {scope.day}", target=goes)
        else:
            render(rows(("overdue",)), report.table_columns(names=names), fmt,
                   title=f"Overdue on {scope.day}", empty="nothing overdue")
            if include_excepted:
                render(rows(("excepted",)), report.table_columns(names=names, excepted=True), fmt,
                       title="Excepted, outstanding (time limit disapplied: to do as soon as practicable)",
                       empty="nothing excepted outstanding")
        if fail_on_overdue:
            _fail_if_overdue(tally.get("overdue", 0))

    @command(app, "at-risk")
    def at_risk(
        within: Annotated[int | None, typer.Option(metavar="DAYS", min=0, max=MAX_WITHIN_DAYS,
                                                   help="Warning window in days for every rule "
                                                        "(default: 14, or the rule's configured one).")]
        = None,
        as_of: AsOf = None, team: TeamOpt = None, coordinator: CoordinatorOpt = None,
        format: FormatOpt = None, names: NamesOpt = False,
        out: OutOpt = None, force: ForceOpt = False, excel: ExcelOpt = False,
    ) -> None:
        """Open deadlines due within the warning window, and local milestones reached, with the reason."""
        from sendtrack.output.render import render, resolve_format
        from sendtrack.reports import atrisk as report

        scope = _scope(as_of, team, coordinator)
        goes = target(format, out, force, excel)
        settings = config().settings(with_closures=False)
        db = _open(scope)
        found = report.at_risk_items(db, scope, config(), within=within)
        rows = (report.at_risk_row(i, scope.day, settings, names=names) for i in found)
        fmt = resolve_format(fmt_value(format))
        columns = report.table_columns(names=names) if fmt == "table" else report.columns(names=names)
        render(rows, columns, fmt, title=f"At risk on {scope.day}", empty="nothing at risk", target=goes)

    @command(app, "caseload")
    def caseload(as_of: AsOf = None, team: TeamOpt = None, coordinator: CoordinatorOpt = None,
                 format: FormatOpt = None,
                 out: OutOpt = None, force: ForceOpt = False, excel: ExcelOpt = False) -> None:
        """Cases held per team and coordinator against the team's caseload ambition."""
        from sendtrack.output.render import render, resolve_format
        from sendtrack.reports import caseload as report

        scope = _scope(as_of, team, coordinator)
        goes = target(format, out, force, excel)
        db = _open(scope)
        rows = report.caseload_rows(db, scope, config())
        fmt = resolve_format(fmt_value(format))
        if fmt == "table":
            render(report.table_rows(rows), report.TABLE_COLUMNS, fmt, title=f"Caseloads on {scope.day}",
                   empty="no cases held")
        else:
            render(rows, report.COLUMNS, fmt, title=f"Caseloads on {scope.day}", target=goes)

    @command(app, "allocate")
    def allocate(
        apply: Annotated[bool, typer.Option("--apply", help="Move the listed cases to the rule's team "
                                                            "(as assign events; each keeps its "
                                                            "coordinator).")]
        = False,
        clear_coordinator: Annotated[bool, typer.Option(
            "--clear-coordinator", help="With --apply: the moved cases lose their coordinator (the "
                                        "receiving team allocates).")] = False,
        as_of: AsOf = None, team: TeamOpt = None, coordinator: CoordinatorOpt = None,
        format: FormatOpt = None, names: NamesOpt = False, by: ByOpt = None,
        out: OutOpt = None, force: ForceOpt = False, excel: ExcelOpt = False,
    ) -> None:
        """Cases held by another team than the allocation rule gives; --apply moves them."""
        from sendtrack.output.render import render, resolve_format
        from sendtrack.reports import allocate as report

        scope = _scope(as_of, team, coordinator)
        if apply and scope.day != today():
            raise RefusedError("--apply moves cases today: leave out --as-of")
        if clear_coordinator and not apply:
            raise RefusedError("--clear-coordinator goes with --apply")
        goes = target(format, out, force, excel)
        db = _open(scope)
        moves = report.misallocated(db, scope, config())
        if apply and moves:
            from sendtrack.app import record as records

            who = records.recorder(by)
            for move in moves:
                records.assign(db, ref=move.state.ref, team=move.to_team,
                               coordinator=None if clear_coordinator else move.state.coordinator, by=who,
                               today=scope.day)
        rows = [report.move_row(m, names=names) for m in moves]
        fmt = resolve_format(fmt_value(format))
        render(rows, report.columns(names=names), fmt,
               title=("Moved" if apply else "Held by another team than the rule gives")
               + f" ({scope.day})", empty="every case is with the team the rule gives", target=goes)
        if apply:
            said = f"moved {len(moves)} case{'s' if len(moves) != 1 else ''}" + (
                ", coordinators cleared" if clear_coordinator and moves else
                ", each keeping its coordinator" if moves else "")
            if fmt == "table":
                typer.echo(said)
            else:  # CSV and JSON stay data: the summary goes beside them
                error(said)

    @command(app, "kpi")
    def kpi(
        year: Annotated[int | None, typer.Option(metavar="YYYY", min=1990, max=2100,
                                                 help="Calendar year (default: the as-of day's).")] = None,
        start: Annotated[str | None, typer.Option("--from", metavar="DATE",
                                                  help="First day of the period (with --to).")] = None,
        end: Annotated[str | None, typer.Option("--to", metavar="DATE",
                                                help="Last day of the period (with --from).")] = None,
        as_of: AsOf = None, team: TeamOpt = None, coordinator: CoordinatorOpt = None,
        format: FormatOpt = None, out: OutOpt = None, force: ForceOpt = False, excel: ExcelOpt = False,
    ) -> None:
        """Timeliness with DfE's definitions: 20 weeks (incl./excl. exceptions), 6-week decisions, reviews."""
        from sendtrack.output.render import render, resolve_format, write_json
        from sendtrack.reports import kpi as report

        scope = _scope(as_of, team, coordinator)
        first, last = report.period(year, parse_date(start, "--from"), parse_date(end, "--to"), scope.day)
        goes = target(format, out, force, excel)
        db = _open(scope)
        data = report.kpi(db, scope, first, last)
        fmt = resolve_format(fmt_value(format))
        if fmt == "json" and goes.path is not None:
            from sendtrack.output.files import json_to

            json_to(goes, data)
        elif fmt == "json":
            write_json(data)
        else:
            period = data["year"] or f"{first} to {last}"
            render(report.kpi_rows(data), report.TABLE_COLUMNS if fmt == "table" else report.CSV_COLUMNS,
                   fmt, title=f"KPIs {period} (as of {scope.day})", target=goes)

    @command(app, "digest")
    def digest(
        as_of: AsOf = None, team: TeamOpt = None, coordinator: CoordinatorOpt = None,
        format: Annotated[DigestFormat, typer.Option("--format", "-f",
                                                     help="text (a mail body), markdown, html (one "
                                                          "self-contained page) or json.")]
        = DigestFormat.text,
        limit: Annotated[int, typer.Option(metavar="N", min=0,
                                           help="Items listed per section and team (0: all); counts "
                                                "are always complete.")] = 20,
        names: NamesOpt = False, fail_on_overdue: FailOnOverdue = False,
        send: Annotated[bool, typer.Option("--send", help="Mail each team's digest through the [mail] "
                                                          "server (text and HTML; case references, no "
                                                          "child's details) instead of printing it.")]
        = False,
        to: Annotated[list[str] | None, typer.Option("--to", metavar="ADDRESS",
                                                     help="With --send: these recipients for every team "
                                                          "(repeat for more), not the configured ones.")]
        = None,
        only_if_any: Annotated[bool, typer.Option("--only-if-any",
                                                  help="With --send: mail a team only when it has "
                                                       "something overdue, to act on or at risk.")]
        = False,
        out: DigestOutOpt = None, force: ForceOpt = False,
    ) -> None:
        """The daily digest for cron: per team, overdue (and new), due in 5 working days, at risk."""
        from sendtrack.output.render import write_json
        from sendtrack.reports import digest as report

        if (to or only_if_any) and not send:
            raise UsageError("--to and --only-if-any go with --send")
        if send and out is not None:
            raise UsageError("--out writes the digest to a file; --send mails it: give one")
        if force and out is None:
            raise UsageError("--force goes with --out")
        scope = _scope(as_of, team, coordinator)
        db = _open(scope)
        built = report.build(db, scope, config())
        from sendtrack.cli.common import state

        if state.db is not None and "://" not in state.db and not send:
            import dataclasses
            import shlex

            built = dataclasses.replace(built, command=f"sendtrack --db {shlex.quote(state.db)}")
        if send:
            from sendtrack.cli.reach import send_digest

            send_digest(built, to=tuple(to or ()), only_if_any=only_if_any, limit=limit,
                        overdue_found=_fail_if_overdue if fail_on_overdue else None)
            return
        from sendtrack.cli.common import location
        from sendtrack.output.files import safe_output

        # a file is written whole (0600) or not at all; stdout warns when it is a file others can read
        with safe_output(out, force=force, database=location()) as handle:
            if format is DigestFormat.json:
                write_json(report.as_data(built, names=names), handle)
            else:
                handle.write(report.FORMATS[format.value](built, names=names, limit=limit))
        if fail_on_overdue:
            _fail_if_overdue(built.overdue_count)
