"""The floor for any sendtrack command: a bare typer app with one command that opens the same SQLite file
and runs `select 1`. What the stack itself costs (interpreter, typer, click, pydantic coercion)."""

from __future__ import annotations

import sqlite3
from typing import Annotated

import typer

app = typer.Typer(add_completion=False)


@app.command()
def floor(db: Annotated[str, typer.Option("--db", help="The SQLite file.")],
          format: Annotated[str, typer.Option("--format", help="Ignored: mirrors the reports.")] = "csv",
          ) -> None:
    """Open the database and run `select 1`."""
    conn = sqlite3.connect(db)
    conn.execute("select 1").fetchone()
    conn.close()


if __name__ == "__main__":
    app()
