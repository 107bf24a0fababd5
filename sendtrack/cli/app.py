"""The `sendtrack` app: global options and the command groups (heavy imports wait for a command)."""

from __future__ import annotations

from typing import Annotated

import typer

from sendtrack.cli import common, data, maintenance, reading, recording, reports, setup

app = typer.Typer(
    name="sendtrack",
    help="Statutory timelines for EHC needs assessments, plans and reviews (England).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,  # locals in a traceback would print children's data
)


@app.callback()
def main_options(
    db: Annotated[str | None, typer.Option(
        "--db", metavar="PATH",
        help="SQLite file or database URL (else SENDTRACK_DB, SENDTRACK_DATABASE_URL, "
             "or the user data directory).")] = None,
    config: Annotated[str | None, typer.Option(
        "--config", metavar="FILE",
        help="Configuration TOML (else SENDTRACK_CONFIG, else Hertfordshire's teams).")] = None,
    debug: Annotated[bool, typer.Option(
        "--debug", help="Show the traceback of an unexpected error.")] = False,
) -> None:
    common.state.db = db
    common.state.config = config
    common.state.debug = debug


setup.register(app)
recording.register(app)
reading.register(app)
reports.register(app)
maintenance.register(app)
data.register(app)


def main() -> None:
    app()
