"""The `sendtrack` app: global options, the table of commands (each built only when it runs), and how
help reads: classic text (no rich panels), every option whole, each value named, `-h` as `--help`."""

from __future__ import annotations

import importlib
import re
import textwrap
from collections.abc import Iterator, MutableMapping
from enum import Enum
from typing import Annotated, Any

import typer
from typer import _click
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from sendtrack.cli import common

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


# --- coercion without pydantic where typer's gives the same value ---------------------------------
# typer 0.29 coerces every parameter's value through a pydantic TypeAdapter, built on first use even
# for a value left at None; building the first imports pydantic (~60 ms of CPU, half a command's
# start-up, paid by the bare typer floor too). The values sendtrack is mostly given are answered here
# exactly as those adapters answer them: text for a `str` (typer's _parse_cli_str, then pydantic's lax
# str, returns the very object), plain digits or a whole default in range for an `int` (pydantic's
# int of them), and a choice as typer's own coerce_cli_choice picks it (all the choice adapter
# calls). Anything else (a path, a parser, a list, a signed or spaced number, a value out of range or
# not a choice, so that the refusal is typer's own words) goes to typer's adapter, built then.
# tests/test_startup.py compares the two on every parameter of every command.


#: A whole number written plainly (ASCII digits, no sign, no leading zero, at most 18 digits).
_PLAIN_WHOLE = re.compile(r"0|[1-9][0-9]{0,17}")


class QuickCoercion:
    """A parameter's coercion: the values above here, the rest by typer's own runtime parameter."""

    __slots__ = ("descriptor", "_typer")

    def __init__(self, descriptor: Any) -> None:
        self.descriptor = descriptor
        self._typer: Any = None

    def typers(self) -> Any:
        """typer's runtime parameter for it (a pydantic adapter), built when first needed."""
        if self._typer is None:
            from typer._coercion import build_runtime_param

            self._typer = build_runtime_param(self.descriptor)
        return self._typer

    def coerce(self, value: Any, param: Any, ctx: _click.Context) -> Any:
        multi = param.multiple or param.nargs == -1
        if value is None:  # as typer's RuntimeParam.coerce: no adapter consulted
            return () if multi else None
        descriptor = self.descriptor
        if not multi and descriptor.parameter_info.parser is None and descriptor.file_annotation is None:
            annotation = descriptor.annotation
            if annotation is str and type(value) is str:
                return value
            whole = type(value) is int or (type(value) is str and _PLAIN_WHOLE.fullmatch(value))
            if annotation is int and whole:
                # what pydantic's int makes of plain digits (or of a default already whole); out of
                # range or clamped: typer's words
                info, number = descriptor.parameter_info, int(value)
                if not info.clamp and (info.min is None or number >= info.min) and (
                        info.max is None or number <= info.max):
                    return number
            if isinstance(annotation, type) and issubclass(annotation, Enum):
                from typer._param_types import coerce_cli_choice

                try:
                    return coerce_cli_choice(value, choices=tuple(annotation),
                                             case_sensitive=descriptor.parameter_info.case_sensitive, ctx=ctx)
                except ValueError:
                    pass  # typer's adapter refuses it, in its own words
        return self.typers().coerce(value, param=param, ctx=ctx)


def quick_coercion(params: Any) -> None:
    """Give each of typer's parameters a QuickCoercion (typer builds its own when it has none)."""
    for param in params:
        if getattr(param, "_runtime_param", False) is None and hasattr(param, "type_descriptor"):
            param._runtime_param = QuickCoercion(param.type_descriptor)


class Command(TyperCommand):
    """A command whose help names its values (see `metavar`)."""

    context_class = Context

    def get_params(self, ctx: _click.Context) -> list[Any]:
        params = super().get_params(ctx)
        quick_coercion(params)  # every one: typer adds some after construction (help, completion)
        return params

    def format_options(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        format_params(self, ctx, formatter)

    def collect_usage_pieces(self, ctx: _click.Context) -> list[str]:
        return usage_pieces(self, ctx)


class Group(TyperGroup):
    """A group whose help names its values and lists each command with its first sentence."""

    context_class = Context

    def get_params(self, ctx: _click.Context) -> list[Any]:
        params = super().get_params(ctx)
        quick_coercion(params)  # every one: typer adds some after construction (help, completion)
        return params

    def format_options(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        format_params(self, ctx, formatter)
        lazy = self.commands if isinstance(self.commands, LazyCommands) else None
        rows = [(name, lazy.summary(name)) if lazy is not None and not lazy.built(name)
                else (name, summary(cmd)) for name in self.list_commands(ctx)
                if (lazy is not None and not lazy.built(name))
                or ((cmd := self.get_command(ctx, name)) is not None and not cmd.hidden)]
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


# --- the commands: a table, each built when asked for -------------------------------------------
# Building typer's whole tree cost ~75 ms a call and importing every command module more: a command
# now imports its own module and builds only itself. `sendtrack --help` lists the table's summaries
# without building anything (tests/test_help.py holds each equal to the command's own first sentence).
#
# TO ADD A COMMAND: declare it in a module of sendtrack/cli/ inside that module's `register(app)` with
# `@command(app, "NAME")` (a group: `app.add_typer(sub_app, name="NAME")`), then add one line here:
# "NAME": ("MODULE", "its first sentence, as `sendtrack --help` shows it"). The order here is the order
# of `sendtrack --help`. tests/test_help.py fails, printing the line to paste, until table and modules
# agree (a command registered but not listed, a listed one missing, a summary that differs).

COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("setup", "Create the database, or upgrade it to this version's schema (safe to run again)."),
    "edit": ("recording", "Correct the case's own values: a misspelt name, a wrong date of birth, and fill "
                          "or correct its return values (UPN, sex, needs, the current placement)."),
    "add-request": ("recording", "Record a request for an EHC needs assessment; prints the case reference."),
    "assign": ("recording", "Move a case to a team (and coordinator); kept as an event."),
    "timeline": ("reading", "One case: its events, every deadline with status and source, and the checks."),
    "cases": ("reading", "One row per case: holder, stage, the LA's next statutory deadline to come, "
                         "overdue count."),
    "overdue": ("reports", "Deadlines past due and not done, most overdue first (local milestones are "
                           "never overdue)."),
    "at-risk": ("reports", "Open deadlines due within the warning window, and local milestones reached, "
                           "with the reason."),
    "caseload": ("reports", "Cases held per team and coordinator against the team's caseload ambition."),
    "allocate": ("reports", "Cases held by another team than the allocation rule gives; --apply moves "
                            "them."),
    "kpi": ("reports", "Timeliness with DfE's definitions: 20 weeks (incl./excl. exceptions), 6-week "
                       "decisions, reviews."),
    "digest": ("reports", "The daily digest for cron: per team, overdue (and new), due in 5 working days, "
                          "at risk."),
    "check": ("maintenance", "Integrity and consistency: SQLite's integrity check, deadlines as the rules "
                             "compute them, events in a possible order, one request per case, unique "
                             "references, one open request per child."),
    "backup": ("maintenance", "Online backup of the SQLite database (safe while others write), created "
                              "with mode 0600."),
    "history": ("maintenance", "Every event of a case with who recorded it and when; voided ones marked "
                               "with who voided them, when and why."),
    "sample": ("data", "Fill the database with a synthetic council-like caseload (names are obviously "
                       "made up)."),
    "import": ("data", "Load cases and events from a file, all or nothing, with their deadlines."),
    "import-map": ("data", "Print a starting MAP.toml for a council's tracker, guessed from its headings "
                           "(those it could not place are listed as comments); then "
                           "`import --dry-run --map`."),
    "export": ("data", "Every case and event, voided ones included, in the import layout (losslessly "
                       "re-importable)."),
    "recompute": ("data", "Rebuild every materialised deadline (after a change of configuration, calendar "
                          "or rules)."),
    "retention": ("privacy", "Closed cases (refused, withdrawn, no-plan or ceased) past their retention "
                             "period: date of birth + [retention] years_after_birth (31 by default, the "
                             "IRMS toolkit's period for SEN files)."),
    "erase": ("privacy", "Erase a closed case's personal values (UK GDPR): the name becomes \"(erased)\" "
                         "and the date of birth 1 September of the school year of birth; the events and "
                         "their dates stay, so KPIs and the year group do not change."),
    "calendar": ("reach", "Open statutory deadlines as an iCalendar file (RFC 5545) for Outlook: an all-day "
                          "event per deadline on its act-by date, with the case reference and rule; no "
                          "names."),
    "dashboard": ("reach", "A board pack: one self-contained HTML page of charts (inline SVG, no network, no "
                           "JavaScript, prints on A4 landscape) for the council and each team; children "
                           "only as counts."),
    "sen2": ("returns", "The DfE SEN2 person-level return for a collection year, or --check before "
                        "submitting."),
    "annex-a": ("returns", "Ofsted's Annex A workbook (List_1, List_2) of the plans maintained on the day."),
    "record": ("recording", "Record what happened to a case; prints what changed in its deadlines."),
}

#: each command module's registrations, made once (module name -> a Typer holding only its commands)
_registered: dict[str, typer.Typer] = {}


def registered(module_name: str) -> typer.Typer:
    """A Typer holding the commands and groups one module of sendtrack/cli declares, in our classes."""
    found = _registered.get(module_name)
    if found is None:
        module = importlib.import_module(f"sendtrack.cli.{module_name}")
        found = typer.Typer(rich_markup_mode=None)
        module.register(found)
        adopt(found)
        _registered[module_name] = found
    return found


def build(name: str) -> _click.Command:
    """One command of the table, built as typer would have built it inside the whole tree."""
    from typer.main import get_command_from_info, get_command_name, get_group_from_info

    declared = registered(COMMANDS[name][0])
    for info in declared.registered_commands:
        assert info.callback is not None
        if (info.name or get_command_name(info.callback.__name__)) == name:
            return get_command_from_info(info, pretty_exceptions_short=app.pretty_exceptions_short,
                                         rich_markup_mode=None)
    for group in declared.registered_groups:
        if group.name == name:
            return get_group_from_info(group, pretty_exceptions_short=app.pretty_exceptions_short,
                                       rich_markup_mode=None, suggest_commands=True)
    raise LookupError(f"sendtrack.cli.{COMMANDS[name][0]} declares no command {name!r} (cli/app.py COMMANDS)")


class LazyCommands(MutableMapping[str, _click.Command]):
    """The root group's commands: every name of COMMANDS (then any added directly), each built on first
    use. Iterating names builds nothing; reading a command (or items()) builds it."""

    def __init__(self, eager: MutableMapping[str, _click.Command]) -> None:
        self._built: dict[str, _click.Command] = dict(eager)

    def built(self, name: str) -> bool:
        return name in self._built

    def summary(self, name: str) -> str:
        return COMMANDS[name][1]

    def __getitem__(self, name: str) -> _click.Command:
        found = self._built.get(name)
        if found is None:
            if name not in COMMANDS:
                raise KeyError(name)
            self._built[name] = found = build(name)
        return found

    def __setitem__(self, name: str, command: _click.Command) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        yield from COMMANDS
        yield from (name for name in self._built if name not in COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS) + sum(1 for name in self._built if name not in COMMANDS)


class LazyGroup(Group):
    """The root group: its commands come from COMMANDS, built when asked for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = LazyCommands(self.commands)

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return list(self.commands)


# --- the app -----------------------------------------------------------------------------------

app = typer.Typer(
    name="sendtrack",
    help="Statutory timelines for EHC needs assessments, plans and reviews (England).",
    cls=LazyGroup,
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


def main() -> None:
    # A command is a short process that makes many objects and hardly any reference cycles: the
    # collector as in a worker process (app/collector.py: what is alive now frozen, young collections
    # 200,000 objects apart rather than 700). ~10 ms of a council-sized report (13,000 rows), nothing
    # for a short command; the bulk paths set the same themselves.
    from sendtrack.app.collector import settle

    settle()
    app()
