"""Recording commands: add-request, record KIND, void and assign."""

from __future__ import annotations

import inspect
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, cast

import typer

from sendtrack import kinds
from sendtrack.cli.common import (
    ByOpt,
    command,
    context,
    open_db,
    parse_date,
    required_date,
    team_id,
    today,
)

Ref = Annotated[str, typer.Argument(metavar="REF", help="The case reference.")]
TEAM_HELP = ("Holding team, from the configuration; Hertfordshire's: front-door, early-years, school-age, "
             "young-people, virtual-school, access-inclusion.")


def choices(name: str, values: tuple[str, ...]) -> type[StrEnum]:
    """A typer choice type from one of the registry's value sets (typer lists choices from an enum)."""
    # typeshed types the functional API as returning type[Enum]; called on StrEnum it makes a StrEnum
    return cast(type[StrEnum], StrEnum(name, {value.replace("-", "_"): value for value in values}))


# Made at run time from the registry, so to the type checker the request's source is some StrEnum.
if TYPE_CHECKING:
    Source = StrEnum
else:
    Source = choices("Source", kinds.SOURCES)


def print_change(change) -> None:
    lines = change.lines()
    typer.echo(f"{change.ref}: recorded event {change.event_id}")
    for line in lines or ["  no deadline changed"]:
        typer.echo(f"  {line}" if not line.startswith("  ") else line)


def _record(ref: str, kind: str, when: str, by: str | None, **details) -> None:
    from sendtrack.app import record as records

    day = required_date(when, "--date")
    rules = context()
    db = open_db()
    change = records.record(db, ref=ref, kind=kind, when=day, details=details,
                            by=records.recorder(by), today=today(), context=rules)
    print_change(change)


record_app = typer.Typer(help="Record what happened to a case; prints what changed in its deadlines.",
                         no_args_is_help=True)


def _parameter(option: kinds.Option, index: int) -> inspect.Parameter:
    """The typer parameter of one registry option: its flag, value set, help and default."""
    if option.type == "choice":
        kind: type = choices(option.key.title().replace("_", ""), option.choices)
    elif option.type == "flag":
        kind = bool
    else:
        kind = str
    metavar = None if option.type in {"choice", "flag"} else option.metavar or (
        "DATE" if option.type == "date" else "TEXT")
    declared = typer.Option(option.flag, help=option.help, metavar=metavar)
    optional = not option.required
    annotation: object = Annotated[(kind | None) if optional and kind is not bool else kind, declared]
    default = (False if kind is bool else None) if optional else inspect.Parameter.empty
    return inspect.Parameter(f"option_{index}", inspect.Parameter.KEYWORD_ONLY, default=default,
                             annotation=annotation)


def _details(entry: kinds.Kind, values: dict) -> dict:
    """The event's details from the parsed options: choices as their values, dates parsed."""
    details: dict = {}
    for index, option in enumerate(entry.options):
        value = values[f"option_{index}"]
        if isinstance(value, StrEnum):
            value = value.value
        elif option.type == "date":
            value = parse_date(value, option.flag)
        details[option.key] = value
    return details


def _record_command(entry: kinds.Kind) -> None:
    """`sendtrack record KIND`, made from the kind's registry entry."""

    def handler(**values) -> None:
        ref, when, by = values.pop("ref"), values.pop("when"), values.pop("by")
        _record(ref, entry.name, when, by, **_details(entry, values))

    handler.__name__ = entry.name.replace("-", "_")
    handler.__doc__ = entry.help
    when = Annotated[str, typer.Option(entry.date_flag, metavar="DATE", help=entry.date_help)]
    # typer reads the parameters from here (inspect.signature); a function's type declares no such attribute
    handler.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
        inspect.Parameter("ref", inspect.Parameter.KEYWORD_ONLY, annotation=Ref),
        inspect.Parameter("when", inspect.Parameter.KEYWORD_ONLY, annotation=when),
        *(_parameter(option, index) for index, option in enumerate(entry.options)),
        inspect.Parameter("by", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=ByOpt),
    ])
    command(record_app, entry.name)(handler)


for _entry in kinds.recordable():
    _record_command(_entry)


@command(record_app, "void")
def void(ref: Ref, event_id: Annotated[int, typer.Argument(
             metavar="EVENT_ID", help="The event's number (the # column of history or timeline).")],
         reason: Annotated[str, typer.Option(help="Why it was a mistake.")], by: ByOpt = None) -> None:
    """Void a mistaken event (EVENT_ID is the # column of `history` or `timeline`): it stays in the
    history, marked, and stops counting."""
    from sendtrack.app import record as records

    rules = context()
    db = open_db()
    change = records.void(db, ref=ref, event_id=event_id, reason=reason, by=records.recorder(by),
                          today=today(), context=rules)
    print_change(change)


def return_field_parameters() -> list[inspect.Parameter]:
    """One optional option per codes.RETURN_FIELDS entry (its flag, metavar and help), keyword `key`:
    add-request takes them, and `edit` can by adding these to its signature."""
    from sendtrack.codes import RETURN_FIELDS

    return [inspect.Parameter(field.key, inspect.Parameter.KEYWORD_ONLY, default=None,
                              annotation=Annotated[str | None, typer.Option(
                                  field.flag, metavar=field.metavar, help=field.help)])
            for field in RETURN_FIELDS]


def with_return_fields(handler) -> None:
    """`handler(..., **returns)` declared to typer with the return-field options in place of **returns."""
    signature = inspect.signature(handler, eval_str=True)
    own = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    # typer reads the parameters from here (inspect.signature)
    handler.__signature__ = signature.replace(parameters=[
        *(p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own), *return_field_parameters()])


def _edit_parameter(field: kinds.CaseField) -> inspect.Parameter:
    """The typer option of one correctable case value (kinds.CASE_FIELDS)."""
    if field.type == "flag":
        annotation: object = Annotated[bool | None, typer.Option(field.flag, help=field.help,
                                                                show_default=False)]
    else:
        annotation = Annotated[str | None, typer.Option(field.flag, metavar=field.metavar or "TEXT",
                                                        help=field.help)]
    return inspect.Parameter(field.key, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)


def _edit(ref: str, reason: str, by: str | None, **given) -> None:
    from sendtrack.app import record as records
    from sendtrack.codes import RETURN_FIELDS

    values = {}
    for field in kinds.CASE_FIELDS:
        value = given.get(field.key)
        if value is None:
            continue
        values[field.key] = required_date(value, field.flag) if field.type == "date" else value
    returns = {field.key: given[field.key] for field in RETURN_FIELDS if given.get(field.key) is not None}
    rules = context()
    db = open_db()
    change = records.edit(db, ref=ref, values=values, reason=reason, by=records.recorder(by), today=today(),
                          context=rules, returns=returns)
    print_change(change)


def _edit_command(app: typer.Typer) -> None:
    """`sendtrack edit`, its options made from kinds.CASE_FIELDS."""

    def handler(**values) -> None:
        _edit(values.pop("ref"), values.pop("reason"), values.pop("by"), **values)

    handler.__name__ = "edit"
    handler.__doc__ = ("Correct the case's own values: a misspelt name, a wrong date of birth, and fill or "
                       "correct its return values (UPN, sex, needs, the current placement). Kept as an "
                       "event with the old and the new value and the reason (see `history`); the "
                       "deadlines are recomputed in the same write.")
    reason = Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why the values were wrong.")]
    handler.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
        inspect.Parameter("ref", inspect.Parameter.KEYWORD_ONLY, annotation=Ref),
        inspect.Parameter("reason", inspect.Parameter.KEYWORD_ONLY, annotation=reason),
        *(_edit_parameter(field) for field in kinds.CASE_FIELDS),
        *return_field_parameters(),
        inspect.Parameter("by", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=ByOpt),
    ])
    command(app, "edit")(handler)


def register(app: typer.Typer) -> None:
    app.add_typer(record_app, name="record")
    _edit_command(app)

    def add_request(
        name: Annotated[str, typer.Option(help="The child or young person's name.")],
        dob: Annotated[str, typer.Option(metavar="DATE", help="Date of birth.")],
        received: Annotated[str, typer.Option(metavar="DATE", help="Day the request was received.")],
        ref: Annotated[str | None, typer.Option(help="Case reference (generated if not given).")] = None,
        source: Annotated[Source, typer.Option(help="Who asked.")] = Source("parent"),
        team: Annotated[str, typer.Option(metavar="TEAM", help=TEAM_HELP)] = "front-door",
        coordinator: Annotated[str | None, typer.Option(metavar="NAME",
                                                        help="The coordinator who holds it.")] = None,
        looked_after: Annotated[bool, typer.Option("--looked-after", help="Looked after by the LA.")] = False,
        alternative_provision: Annotated[bool, typer.Option("--alternative-provision",
                                                            help="In alternative provision.")] = False,
        setting: Annotated[str | None, typer.Option(metavar="NAME",
                                                    help="Current school or setting.")] = None,
        allow_duplicate: Annotated[bool, typer.Option(
            "--allow-duplicate", help="Record it although a case is open for a child with the same name "
                                      "and date of birth (another child).")] = False,
        by: ByOpt = None,
        **returns: str | None,
    ) -> None:
        """Record a request for an EHC needs assessment; prints the case reference."""
        from sendtrack.app import record as records

        dob_day, received_day = required_date(dob, "--dob"), required_date(received, "--received")
        team = team_id(team)
        rules = context()
        db = open_db()
        change = records.add_request(
            db, name=name, dob=dob_day, received=received_day, ref=ref, source=source.value,
            team=team, coordinator=coordinator, looked_after=looked_after,
            alternative_provision=alternative_provision, setting=setting,
            by=records.recorder(by), today=today(), context=rules, allow_duplicate=allow_duplicate,
            returns=returns)
        typer.echo(change.ref)

    with_return_fields(add_request)
    command(app, "add-request")(add_request)

    @command(app, "assign")
    def assign(ref: Ref, team: Annotated[str, typer.Option(metavar="TEAM", help=TEAM_HELP)],
               coordinator: Annotated[str | None, typer.Option(
                   metavar="NAME", help="The receiving coordinator (none: the team allocates).")] = None,
               by: ByOpt = None) -> None:
        """Move a case to a team (and coordinator); kept as an event."""
        from sendtrack.app import record as records

        team = team_id(team)
        db = open_db()
        records.assign(db, ref=ref, team=team, coordinator=coordinator, by=records.recorder(by),
                       today=today())
        typer.echo(f"{ref}: now with {team}" + (f" ({coordinator})" if coordinator else ""))
