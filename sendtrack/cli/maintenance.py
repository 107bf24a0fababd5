"""Maintenance commands: check (integrity and consistency), backup (online SQLite copy), history (audit)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sendtrack.cli.common import (
    ExcelOpt,
    ForceOpt,
    FormatOpt,
    NamesOpt,
    OutOpt,
    command,
    context,
    error,
    fmt_value,
    open_db,
    target,
    today,
)


def register(app: typer.Typer) -> None:
    @command(app, "check")
    def check(full: Annotated[bool, typer.Option(
            "--full", help="Run the rules over every case, also those unchanged since a check found "
                           "them clean.")] = False) -> None:
        """Integrity and consistency: SQLite's integrity check, deadlines as the rules compute them,
        events in a possible order, one request per case, unique references, one open request per
        child. Prints each problem with its case reference; exits 1 if any is found. Notes (a
        re-assessment the LA may refuse, a case open after its transfer out, a closure calendar to
        extend) are printed with "note:" and do not fail it. Cases unchanged since a check found them
        clean (same events, deadline rows, configuration and sendtrack) are not run through the rules
        again; their audit chains and everything else are checked every time."""
        from sendtrack.app import check as integrity

        rules = context()
        db = open_db()
        found = integrity.check(db, context=rules, today=today(), full=full)
        for problem in found:
            typer.echo(problem.line())
        problems = [p for p in found if not p.note]  # notes are printed; only problems fail the check
        if problems:
            error(f"sendtrack: check found {len(problems)} problem{'s' if len(problems) != 1 else ''}")
            raise typer.Exit(1)
        typer.echo("check: no problems found")

    @command(app, "backup")
    def backup(dest: Annotated[Path, typer.Argument(metavar="DEST", help="The backup file to create.")],
               force: Annotated[bool, typer.Option("--force", help="Replace DEST if it exists.")] = False,
               ) -> None:
        """Online backup of the SQLite database (safe while others write), created with mode 0600."""
        from sendtrack.storage.backup import backup as run_backup

        db = open_db()
        cases = run_backup(db, dest, force=force)
        typer.echo(f"backed up {cases} case{'s' if cases != 1 else ''} to {dest} (integrity ok)")

    @command(app, "history")
    def history(ref: Annotated[str, typer.Argument(metavar="REF", help="The case reference.")],
                format: FormatOpt = None, names: NamesOpt = False,
                out: OutOpt = None, force: ForceOpt = False, excel: ExcelOpt = False) -> None:
        """Every event of a case with who recorded it and when; voided ones marked with who voided
        them, when and why. An edit's old and new name show as initials, its date of birth, UPN, ULN
        and postcode as (hidden), unless --names."""
        from sendtrack.output.render import render, resolve_format
        from sendtrack.reports.history import (
            HISTORY_COLUMNS,
            HISTORY_TABLE_COLUMNS,
            for_display,
            history_rows,
        )

        goes = target(format, out, force, excel)
        db = open_db()
        rows = history_rows(db, ref, names=names)
        fmt = resolve_format(fmt_value(format))
        columns = HISTORY_TABLE_COLUMNS if fmt == "table" else HISTORY_COLUMNS
        render(for_display(rows, fmt if fmt != "xlsx" else "csv"), columns, fmt, title=f"History of {ref}",
               empty="no events", target=goes)
