"""What every command shares: the error edge (which loads the configuration), options declared once,
dates, the rules' context and the database."""

from __future__ import annotations

import functools
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from sendtrack.errors import RefusedError, SendtrackError, UsageError


@dataclass
class State:
    """Global options, set by the app callback."""

    db: str | None = None
    debug: bool = False
    config: str | None = None
    #: the command running (set by the edge)
    command: str | None = None
    #: the configuration, loaded and validated by the edge as each command starts
    loaded: Any = None
    #: what the running command has opened, closed when it ends (see `owning`)
    resources: ExitStack | None = None


state = State()


def error(message: str) -> None:
    """One line on stderr, its control, bidi and invisible characters escaped (output.render.safe): a
    path, an address or a value a message repeats could otherwise drive the terminal (an ESC in --db)
    or reorder the line (U+202E)."""
    from sendtrack.output.render import safe

    sys.stderr.write(safe(message.replace("\n", " ")) + "\n")
    sys.stderr.flush()


def edge(fn, name: str | None = None):
    """The one handler at the command edge. Every command first loads and validates the configuration
    here, so a missing or malformed one is refused by all alike. A SendtrackError becomes a stderr line
    (one per mistake) and its exit code; a database error SQLite raised anywhere (a damaged page read
    by a report, a full disk) becomes its refusal in words (storage.db.refusal); anything unexpected
    becomes one line and a hint, never a traceback with a child's data in it."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            state.command = name or fn.__name__
            load_config()
            return fn(*args, **kwargs)
        except SendtrackError as exc:
            _refuse(exc)
        except (typer.Exit, typer.Abort):
            raise
        except KeyboardInterrupt:
            error("sendtrack: interrupted; nothing was written")
            raise typer.Exit(130) from None
        except BrokenPipeError:
            sys.stderr.close()  # the reader went away (`| head`): not an error worth a message
            raise typer.Exit(0) from None
        except Exception as exc:
            known = _database_refusal(exc)
            if known is not None and not state.debug:
                _refuse(known)
            if state.debug:
                raise
            error(f"sendtrack: unexpected error ({type(exc).__name__}); nothing was written. "
                  "Run again with --debug for the details")
            raise typer.Exit(1) from None

    return wrapper


def _refuse(exc: SendtrackError):
    for line in exc.lines():
        error(f"sendtrack: {line}")
    raise typer.Exit(exc.exit_code) from None


def _database_refusal(exc: Exception) -> SendtrackError | None:
    """What a database error raised outside a write transaction means, in words (None: not one)."""
    from sendtrack.storage.db import refusal

    try:
        where = location()
    except Exception:  # noqa: BLE001 - the message then names no file
        where = None
    return refusal(exc, where)


def command(app: typer.Typer, name: str | None = None, **kwargs: Any):
    """Register a command behind the error edge."""

    def register(fn):
        return app.command(name, **kwargs)(edge(owning(fn), name))

    return register


def owning(fn):
    """Run a command inside its own resource stack: what it opens (the database) is closed when the
    command ends, however it ends, before the edge turns an error into its message."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with ExitStack() as stack:
            state.resources = stack
            try:
                return fn(*args, **kwargs)
            finally:
                state.resources = None

    return wrapper


#: Date options whose value is personal data, never repeated in a message.
PERSONAL_DATES = frozenset({"--dob"})


def parse_date(value: str | None, option: str) -> date | None:
    """An ISO date, or `today` (the real today, read here at the edge: rules are given the day)."""
    if value is None:
        return None
    if value.strip().casefold() == "today":
        return today()
    try:
        from sendtrack.codes import iso_date

        return iso_date(value)
    except ValueError:
        # a date of birth is personal data (stderr reaches cron's mail): name the option, not the value
        shown = "" if option in PERSONAL_DATES or not value.isprintable() else f" {value[:20]!r}"
        raise RefusedError(f"{option}{shown} is not a real date in the form YYYY-MM-DD") from None


def required_date(value: str, option: str) -> date:
    parsed = parse_date(value, option)
    assert parsed is not None
    return parsed


def today() -> date:
    """The real today: only the CLI reads the clock (rules take it as a parameter)."""
    return date.today()


def as_of_date(value: str | None) -> date:
    return parse_date(value, "--as-of") or today()


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


# Options declared once and stacked on every command that needs them.
AsOf = Annotated[str | None, typer.Option("--as-of", metavar="DATE",
                                          help="Judge deadlines as on this day (default today).")]
FormatOpt = Annotated[Format | None, typer.Option("--format", "-f",
                                                  help="table (default on a terminal), csv (default "
                                                       "in a pipe), json, or xlsx (with --out).")]
OutOpt = Annotated[Path | None, typer.Option("--out", metavar="PATH",
                                             help="Write the csv, json or xlsx here (mode 0600), not to "
                                                  "the terminal.")]
#: the digest's own --out: any of its formats (text, markdown, html, json)
DigestOutOpt = Annotated[Path | None, typer.Option("--out", metavar="PATH",
                                                   help="Write the digest here (mode 0600), not to the "
                                                        "terminal.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace --out's file if it exists.")]
ExcelOpt = Annotated[bool, typer.Option("--excel", help="CSV for Excel: starts with a byte order mark so "
                                                        "accents read right.")]
TeamOpt = Annotated[str | None, typer.Option("--team", metavar="TEAM", help="Only this team.")]
CoordinatorOpt = Annotated[str | None, typer.Option("--coordinator", metavar="NAME",
                                                    help="Only this coordinator.")]
NamesOpt = Annotated[bool, typer.Option("--names", help="Show children's full names, not initials.")]
ByOpt = Annotated[str | None, typer.Option("--by", metavar="NAME",
                                           help="Who is recording (default SENDTRACK_USER or login).")]


def fmt_value(fmt: Format | None) -> str | None:
    return fmt.value if fmt is not None else None


def target(fmt: Format | str | None, out: Path | None, force: bool = False, excel: bool = False):
    """Where a report goes (output.files.Target), checked before anything is read: xlsx needs a file,
    --excel is for CSV, --force for a file."""
    from sendtrack.output.files import Target

    fmt = fmt.value if isinstance(fmt, Format) else fmt
    if fmt == "xlsx" and out is None:
        raise UsageError("--format xlsx needs --out FILE (a spreadsheet is not for the terminal)")
    if excel and fmt not in ("csv", None):
        raise UsageError("--excel is for --format csv")
    if out is not None and fmt in (None, "table"):
        raise UsageError("--out writes csv, json or xlsx: give --format")
    if force and out is None:
        raise UsageError("--force goes with --out")
    return Target(out, force, location() if out is not None else None, excel)


def location():
    from sendtrack.storage.db import locate

    if state.db is not None and not state.db.strip():
        raise UsageError("--db is empty: give the database's path or address (or leave --db out)")
    return locate(state.db)


#: Commands that look for damage themselves and report it (so the opening does not refuse it first).
DIAGNOSING = frozenset({"check"})


def open_db(**kwargs: Any):
    """The database, open for the rest of the command: the command's resource stack closes it."""
    from sendtrack.storage.db import open_database

    kwargs.setdefault("verify", state.command not in DIAGNOSING)
    db = open_database(location(), **kwargs)
    if state.resources is None:  # outside a command (a script calling this directly): caller closes
        return db
    state.resources.callback(db.close)
    return db


def load_config():
    """Load and validate the configuration (--config, else SENDTRACK_CONFIG, else the default)."""
    from sendtrack import config as config_module

    state.loaded = None
    state.loaded = config_module.load(state.config)
    return state.loaded


def config():
    """The command's configuration, as the edge loaded it."""
    return state.loaded if state.loaded is not None else load_config()


def team_id(team: str) -> str:
    """The team's id as the configuration spells it (matched ignoring case), or a refusal."""
    return config().team(team).id


def check_team(team: str | None) -> str | None:
    """The team's id as the configuration spells it (matched ignoring case), or a refusal."""
    return config().team(team).id if team is not None else None


def context():
    """What the rules compute with (configuration, calendar, settings, fingerprint): built once by the
    commands that compute deadlines and passed down."""
    from sendtrack.app.context import Context
    from sendtrack.calendar import england

    return Context.of(config(), england())


def warn_if_other_configuration(db) -> None:
    """Reports read stored deadlines: say so, once, when they follow another configuration."""
    from sendtrack.app.context import mismatch
    from sendtrack.storage.meta import stored_fingerprint

    problem = mismatch(stored_fingerprint(db), config().fingerprint)
    if problem:
        error(f"sendtrack: warning: {problem}")
