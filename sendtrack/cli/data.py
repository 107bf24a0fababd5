"""Data and maintenance commands: sample, import, export and recompute."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from sendtrack.cli.common import AsOf, ByOpt, as_of_date, command, context, open_db, today
from sendtrack.errors import RefusedError


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"


def register(app: typer.Typer) -> None:
    @command(app, "sample")
    def sample(
        cases: Annotated[int, typer.Option("--cases", metavar="N", min=1, help="How many cases to make.")],
        seed: Annotated[int, typer.Option(metavar="N", help="Same seed, same data.")] = 1,
        years: Annotated[int, typer.Option(metavar="N", min=0, max=30,
                                              help="Requests spread over this many years.")] = 6,
        as_of: AsOf = None,
    ) -> None:
        """Fill the database with a synthetic council-like caseload (names are obviously made up)."""
        from sendtrack.app.sample import write_sample

        day = as_of_date(as_of)
        rules = context()
        db = open_db()
        written = write_sample(db, cases=cases, seed=seed, years=years, as_of=day, context=rules)
        typer.echo(f"sampled {written.cases} cases ({written.first_ref} to {written.last_ref}): "
                   f"{written.events} events, {written.deadlines} deadlines, as of {day}")

    @command(app, "import")
    def import_(
        file: Annotated[Path, typer.Argument(metavar="FILE", help="CSV or JSON in the documented layout "
                                                                  "(docs/import-format.md).")],
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every row; write nothing.")] = False,
        by: ByOpt = None,
    ) -> None:
        """Load cases and events from a file, all or nothing, with their deadlines. Every event records
        who imported it and when, beside the recorded_by/recorded_at its row gave."""
        from sendtrack.app.exchange import ImportRefused, import_file

        rules = context()
        db = open_db()
        try:
            loaded = import_file(db, file, dry_run=dry_run, today=today(), context=rules, by=by)
        except ImportRefused as refused:
            if dry_run:  # the list of bad rows is what --dry-run is for: data, on stdout
                for problem in refused.problems:
                    typer.echo(problem)
                raise
            first = refused.problems[0] if refused.problems else ""
            first = first if len(first) <= 120 else first[:117] + "..."
            raise RefusedError(f"{refused}; first: {first} (`sendtrack import --dry-run FILE` lists them "
                               "all)") from None
        verb = "would import" if dry_run else "imported"
        typer.echo(f"{verb} {loaded.cases} cases, {loaded.events} events"
                   + ("" if dry_run else f", {loaded.deadlines} deadlines"))

    @command(app, "export")
    def export(
        format: Annotated[ExportFormat, typer.Option("--format", "-f",
                                                     help="csv or json.")] = ExportFormat.csv,
        out: Annotated[Path | None, typer.Option("--out", metavar="PATH",
                                                 help="Write here (default stdout), mode 0600.")] = None,
        force: Annotated[bool, typer.Option("--force", help="Replace PATH if it exists.")] = False,
    ) -> None:
        """Every case and event, voided ones included, in the import layout (losslessly re-importable).
        CSV cells that a spreadsheet would run as a formula start with a ' (import takes it off)."""
        from sendtrack.app.exchange import export_to

        db = open_db()
        export_to(db, format.value, out, force=force)

    @command(app, "recompute")
    def recompute() -> None:
        """Rebuild every materialised deadline (after a change of configuration, calendar or rules)."""
        from sendtrack.app.batch import recompute as rebuild

        rules = context()
        db = open_db()
        done = rebuild(db, rules)
        typer.echo(f"recomputed {done.cases} cases, {done.deadlines} deadlines: {done.changed} deadlines "
                   f"changed in {done.changed_cases} cases")
        if done.fingerprint_was not in (None, rules.fingerprint):
            typer.echo(f"the stored deadlines now follow this configuration (fingerprint "
                       f"{rules.fingerprint}, was {done.fingerprint_was})")
