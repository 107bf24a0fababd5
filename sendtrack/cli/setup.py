"""`sendtrack init`: create or upgrade the database."""

from __future__ import annotations

import typer

from sendtrack.cli.common import command, location


def register(app: typer.Typer) -> None:
    @command(app, "init")
    def init() -> None:
        """Create the database, or upgrade it to this version's schema (safe to run again)."""
        from sendtrack.storage import migrate

        where = location()
        before, after = migrate.upgrade(where)
        if before == after:
            typer.echo(f"{where.describe()}: up to date (schema {after})")
        elif before is None:
            typer.echo(f"{where.describe()}: created (schema {after})")
        else:
            typer.echo(f"{where.describe()}: upgraded from schema {before} to {after}")
