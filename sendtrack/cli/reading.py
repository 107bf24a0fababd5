"""Reading commands for one case or the list of cases: timeline and cases."""

from __future__ import annotations

from typing import Annotated

import typer

from sendtrack.cli.common import (
    AsOf,
    CoordinatorOpt,
    ExcelOpt,
    ForceOpt,
    FormatOpt,
    NamesOpt,
    OutOpt,
    TeamOpt,
    as_of_date,
    check_team,
    command,
    context,
    fmt_value,
    open_db,
    target,
    warn_if_other_configuration,
)


def register(app: typer.Typer) -> None:
    @command(app, "timeline")
    def timeline(ref: Annotated[str, typer.Argument(metavar="REF", help="The case reference.")],
                 as_of: AsOf = None,
                 format: FormatOpt = None, names: NamesOpt = False,
                 out: OutOpt = None, force: ForceOpt = False, excel: ExcelOpt = False) -> None:
        """One case: its events, every deadline with status and source, and the checks."""
        from sendtrack.reports.timeline import case_timeline, render_timeline

        day = as_of_date(as_of)
        goes = target(format, out, force, excel)
        rules = context()
        db = open_db()
        warn_if_other_configuration(db)
        view = case_timeline(db, ref, day, rules.calendar, rules.settings)
        render_timeline(view, fmt_value(format) or "table", names=names, target=goes)

    @command(app, "cases")
    def cases(as_of: AsOf = None, team: TeamOpt = None,
              coordinator: CoordinatorOpt = None, format: FormatOpt = None,
              names: NamesOpt = False, out: OutOpt = None, force: ForceOpt = False, excel: ExcelOpt = False,
              name: Annotated[str | None, typer.Option(
                  "--name", metavar="TEXT", help="Only cases whose name holds TEXT (case and accents "
                                                 "ignored; shown with --names).")] = None) -> None:
        """One row per case: holder, stage, the LA's next statutory deadline to come, overdue count."""
        from sendtrack.output.render import render, resolve_format
        from sendtrack.reports.case_list import case_cells, case_columns, case_rows

        team = check_team(team)
        goes = target(format, out, force, excel)
        db = open_db()
        warn_if_other_configuration(db)
        if name is not None:
            from sendtrack.kinds import clean_text

            name = clean_text(name, "--name")
        # CSV (to the terminal, a pipe or a file) is written from rows made as cells, without a dict each
        rows = (case_cells if resolve_format(fmt_value(format)) == "csv" else case_rows)(
            db, day=as_of_date(as_of), team=team, coordinator=coordinator, names=names, name=name)
        render(rows, case_columns(names=names), fmt_value(format), title="Cases", empty="no cases",
               target=goes)
