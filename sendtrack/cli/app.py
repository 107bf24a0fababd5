"""The `sendtrack` app: global options, the command groups (heavy imports wait for a command), and how
help reads: classic text (no rich panels), every option whole, each value named, `-h` as `--help`."""

from __future__ import annotations

import re
import textwrap
from typing import Annotated, Any

import typer
from typer import _click
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from sendtrack.cli import common, data, maintenance, privacy, reading, recording, reports, returns, setup

# --- help --------------------------------------------------------------------------------------
# typer 0.29 names values `<str>`, `<bool>` and `{REF}`, and its rich panels cut long option names
# at 80 columns. The plain formatter never cuts a name (a long one puts its help on the next line) and
# costs no rich import; these classes, given to every command below, name each value the click way.
# They override click's (typer vendors it as typer._click), so they take its Context and HelpFormatter.


def metavar(param: Any, ctx: _click.Context) -> str | None:
    """What a value is called in help: none for a flag, the declared metavar (DATE, NAME, TEAM), the
    choices as `[assess|refuse]`, else the option's or argument's own name in capitals."""
    if isinstance(param, TyperOption) and (param.is_flag or param.count):
        return None
    if param.metavar:
        return param.metavar
    if param.type_descriptor.is_choice:
        return f"[{param.display_type(ctx)[1:-1]}]"
    if isinstance(param, TyperOption):
        return max(param.opts, key=len).lstrip("-").upper().replace("-", "_")
    return (param.name or "value").upper()


def usage_name(param: TyperArgument, ctx: _click.Context) -> str:
    name = (metavar(param, ctx) or "") + ("..." if param.nargs != 1 else "")
    return name if param.required else f"[{name}]"


def help_record(param: Any, ctx: _click.Context) -> tuple[str, str] | None:
    """(names, help) for one parameter: typer's help text and its [default; range; required] notes,
    under names written here."""
    record = param.get_help_record(ctx)
    if record is None:
        return None
    if isinstance(param, TyperArgument):
        return usage_name(param, ctx), record[1]
    names = ", ".join(sorted(param.opts, key=lambda o: len(o) - len(o.lstrip("-"))))
    value = metavar(param, ctx)
    if value:
        names += f" {value}"
    if param.secondary_opts:
        names += " / " + ", ".join(param.secondary_opts)
    return names, record[1]


def summary(command: Any) -> str:
    """A command's line in a list of commands: its short help, else its help's first sentence whole
    (click would cut it at 45 characters, or at "incl./excl.")."""
    if command.short_help:
        return command.short_help
    paragraph = " ".join((command.help or "").split("\n\n")[0].split())
    return re.split(r"(?<=\.)\s+(?=[A-Z])", paragraph, maxsplit=1)[0]


def rewrap(text: str, width: int, indent: str = "") -> list[str]:
    """Prose in lines of `width`, paragraphs kept, broken only at spaces: "issue-decision" and
    "young-people" are names, never split at their hyphen (click's wrapper would)."""
    out: list[str] = []
    for paragraph in text.split("\n\n"):
        if paragraph.strip():
            out += [*([""] if out else []), *textwrap.wrap(
                " ".join(paragraph.split()), width, initial_indent=indent, subsequent_indent=indent,
                break_on_hyphens=False, break_long_words=False)]
    return out


class Formatter(_click.HelpFormatter):
    """click's help layout, with prose wrapped by `rewrap`."""

    def write_text(self, text: str) -> None:
        self.write("\n".join(rewrap(text, self.width, " " * self.current_indent)) + "\n")

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first_col = min(max(len(first) for first, _ in rows), col_max) + col_spacing
        margin = " " * (first_col + self.current_indent)
        for first, second in rows:
            self.write(" " * self.current_indent + first)
            if not second:
                self.write("\n")
                continue
            if len(first) <= first_col - col_spacing:
                self.write(" " * (first_col - len(first)))
            else:
                self.write("\n" + margin)
            lines = rewrap(second, max(self.width - first_col - 2, 10)) or [""]
            self.write("\n".join([lines[0], *(margin + line if line else "" for line in lines[1:])]) + "\n")


class Context(typer.Context):
    formatter_class = Formatter


def format_params(command: Any, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
    records = [(p, help_record(p, ctx)) for p in command.get_params(ctx)]
    for title, kind in (("Arguments", TyperArgument), ("Options", TyperOption)):
        rows = [r for p, r in records if r is not None and isinstance(p, kind)]
        if rows:
            with formatter.section(title):
                formatter.write_dl(rows)


def usage_pieces(command: Any, ctx: _click.Context) -> list[str]:
    pieces = [command.options_metavar] if command.options_metavar else []
    for param in command.get_params(ctx):
        is_argument = isinstance(param, TyperArgument)
        pieces += [usage_name(param, ctx)] if is_argument else param.get_usage_pieces(ctx)
    return pieces


class Command(TyperCommand):
    """A command whose help names its values (see `metavar`)."""

    context_class = Context

    def format_options(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        format_params(self, ctx, formatter)

    def collect_usage_pieces(self, ctx: _click.Context) -> list[str]:
        return usage_pieces(self, ctx)


class Group(TyperGroup):
    """A group whose help names its values and lists each command with its first sentence."""

    context_class = Context

    def format_options(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        format_params(self, ctx, formatter)
        rows = [(name, summary(cmd)) for name in self.list_commands(ctx)
                if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def collect_usage_pieces(self, ctx: _click.Context) -> list[str]:
        return [*usage_pieces(self, ctx), self.subcommand_metavar]


def adopt(app: typer.Typer) -> None:
    """Every command and group of the tree built with these classes, as if each had been declared
    with `cls=Command` (`cls=Group`): typer has no app-wide setting for it, and fills in its own
    TyperCommand at registration. One that chose another class keeps it."""
    from typer.models import DefaultPlaceholder

    for command in app.registered_commands:
        if command.cls in (None, TyperCommand):
            command.cls = Command
    for group in app.registered_groups:
        if isinstance(group.cls, DefaultPlaceholder):
            group.cls = Group
        if group.typer_instance is not None:
            adopt(group.typer_instance)


# --- the app -----------------------------------------------------------------------------------

app = typer.Typer(
    name="sendtrack",
    help="Statutory timelines for EHC needs assessments, plans and reviews (England).",
    cls=Group,
    no_args_is_help=True,
    add_completion=True,  # --install-completion, --show-completion: 0.2 ms of start-up (README)
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,  # locals in a traceback would print children's data
)


def show_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"sendtrack {version('sendtrack')}")
        raise typer.Exit()


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
    version: Annotated[bool, typer.Option(
        "--version", is_eager=True, expose_value=False, callback=show_version,
        help="Print sendtrack's version and exit.")] = False,
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
privacy.register(app)
returns.register(app)
adopt(app)


def main() -> None:
    app()
