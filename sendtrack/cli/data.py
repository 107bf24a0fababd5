"""Data and maintenance commands: sample, import, export and recompute."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from sendtrack.cli.common import (
    AsOf,
    ByOpt,
    ExcelOpt,
    as_of_date,
    command,
    context,
    error,
    open_db,
    target,
    today,
)
from sendtrack.errors import RefusedError


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


#: England holds ~640,000 plans; beyond 10 million a sample is a mistake (its task list alone would fill
#: memory: a breaker's 10^20 took 1.3 GB in 19 s), refused by typer's own range check
MAX_SAMPLE_CASES = 10_000_000


def register(app: typer.Typer) -> None:
    @command(app, "sample")
    def sample(
        cases: Annotated[int, typer.Option("--cases", metavar="N", min=1, max=MAX_SAMPLE_CASES,
                                           help="How many cases to make.")],
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
        file: Annotated[Path, typer.Argument(metavar="FILE", help="CSV, JSON or .xlsx in the documented "
                                                                  "layout (docs/import-format.md), or a "
                                                                  "council's tracker with --map.")],
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every row; write nothing.")] = False,
        by: ByOpt = None,
        map_: Annotated[Path | None, typer.Option(
            "--map", metavar="MAP.toml", help="Read a council's own tracker (CSV or .xlsx, one row per "
                                              "case) through this map (`sendtrack import-map FILE` "
                                              "starts one).")] = None,
        sheet: Annotated[str | None, typer.Option(metavar="NAME", help="The .xlsx sheet (default: the "
                                                                       "map's, else the first).")] = None,
        report: Annotated[Path | None, typer.Option(
            "--report", metavar="PATH", help="Write every problem to this CSV (row, column heading, "
                                             "problem), mode 0600.")] = None,
        force: Annotated[bool, typer.Option("--force", help="Replace --report's file if it exists.")]
        = False,
    ) -> None:
        """Load cases and events from a file, all or nothing, with their deadlines. Every event records
        who imported it and when, beside the recorded_by/recorded_at its row gave."""
        import shlex

        from sendtrack.app.exchange import ImportRefused, import_file
        from sendtrack.app.tracker import records_for

        rules = context()
        db = open_db()
        records = records_for(db, file, map_path=map_, sheet=sheet,
                              known_teams=[t.id for t in rules.config.teams], today=today())
        try:
            loaded = import_file(db, file, dry_run=dry_run, today=today(), context=rules, by=by,
                                 records=records)
        except ImportRefused as refused:
            if report is not None:
                _write_report(report, refused.problems, force=force, database=db.location)
            if dry_run:  # the list of bad rows is what --dry-run is for: on stderr, stdout stays data
                for problem in refused.problems:
                    error(problem)
                raise
            first = refused.problems[0] if refused.problems else ""
            first = first if len(first) <= 120 else first[:117] + "..."
            again = shlex.join(["sendtrack", "import", "--dry-run", *(["--map", str(map_)] if map_ else []),
                                *(["--sheet", sheet] if sheet else []), str(file)])
            raise RefusedError(f"{refused}; first: {first} (`{again}` lists them all)") from None
        if report is not None:
            _write_report(report, [], force=force, database=db.location)
        verb = "would import" if dry_run else "imported"
        typer.echo(f"{verb} {loaded.cases} cases, {loaded.events} events"
                   + ("" if dry_run else f", {loaded.deadlines} deadlines"))

    @command(app, "import-map")
    def import_map(
        file: Annotated[Path, typer.Argument(metavar="FILE", help="The council's tracker (CSV or .xlsx).")],
        sheet: Annotated[str | None, typer.Option(metavar="NAME", help="The .xlsx sheet (default: the "
                                                                       "first).")] = None,
    ) -> None:
        """Print a starting MAP.toml for a council's tracker, guessed from its headings (those it
        could not place are listed as comments); then `import --dry-run --map`."""
        import sys

        from sendtrack.app.tracker import guess_map

        rules = context()
        sys.stdout.write(guess_map(file, sheet=sheet, known_teams=[t.id for t in rules.config.teams]))

    @command(app, "export")
    def export(
        format: Annotated[ExportFormat, typer.Option("--format", "-f",
                                                     help="csv, json or xlsx (with --out).")]
        = ExportFormat.csv,
        out: Annotated[Path | None, typer.Option("--out", metavar="PATH",
                                                 help="Write here (default stdout), mode 0600.")] = None,
        force: Annotated[bool, typer.Option("--force", help="Replace PATH if it exists.")] = False,
        excel: ExcelOpt = False,
    ) -> None:
        """Every case and event, voided ones included, in the import layout (losslessly re-importable).
        CSV cells that a spreadsheet would run as a formula start with a ' (import takes it off)."""
        from sendtrack.app.exchange import export_to

        target(format.value, out, force and out is not None, excel)  # xlsx needs --out; --excel: csv
        db = open_db()
        export_to(db, format.value, out, force=force, excel=excel)

    @command(app, "recompute")
    def recompute(full: Annotated[bool, typer.Option(
            "--full", help="Recompute every case, even those unchanged since the last recompute.")] = False,
            ) -> None:
        """Rebuild every materialised deadline (after a change of configuration, calendar or rules)."""
        from sendtrack.app.batch import recompute as rebuild

        rules = context()
        db = open_db()
        done = rebuild(db, rules, full=full)
        skipped = f" ({done.skipped} unchanged since the last recompute, skipped)" if done.skipped else ""
        typer.echo(f"recomputed {done.cases} cases{skipped}, {done.deadlines} deadlines: {done.changed} "
                   f"deadlines changed in {done.changed_cases} cases")
        if done.fingerprint_was not in (None, rules.fingerprint):
            typer.echo(f"the stored deadlines now follow this configuration (fingerprint "
                       f"{rules.fingerprint}, was {done.fingerprint_was})")


def _write_report(path: Path, problems: list[str], *, force: bool, database) -> None:
    """`import --report`: every problem as a CSV row (row, column, problem), through the safe writer."""
    from sendtrack.app.tracker import report_rows
    from sendtrack.output.files import csv_writer, safe_output

    with safe_output(path, force=force, database=database) as handle:
        writer = csv_writer(handle)
        writer.writerow(["row", "column", "problem"])
        writer.writerows(report_rows(problems))
