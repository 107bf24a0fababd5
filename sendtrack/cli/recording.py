"""Recording commands: add-request, record KIND, void and assign."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from sendtrack.cli.common import (
    ByOpt,
    check_team,
    command,
    context,
    open_db,
    parse_date,
    required_date,
    today,
)

Ref = Annotated[str, typer.Argument(metavar="REF", help="The case reference.")]
TEAM_HELP = ("Holding team, from the configuration; Hertfordshire's: front-door, early-years, school-age, "
             "young-people, virtual-school, access-inclusion.")
When = Annotated[str, typer.Option("--date", metavar="DATE", help="The day it happened (YYYY-MM-DD).")]
Institution = Annotated[str, typer.Option("--institution", metavar="NAME", help="The school or college.")]


class Source(StrEnum):
    parent = "parent"
    young_person = "young-person"
    school = "school"
    health = "health"
    social_care = "social-care"
    other = "other"


class AdviceFrom(StrEnum):
    education = "education"
    health = "health"
    psychology = "psychology"
    social_care = "social-care"
    other = "other"


class DecisionOutcome(StrEnum):
    assess = "assess"
    refuse = "refuse"


class ReviewOutcome(StrEnum):
    maintain = "maintain"
    amend = "amend"
    cease = "cease"


class Limb(StrEnum):
    a = "a"
    b = "b"
    c = "c"
    d = "d"
    missed_appointment = "missed-appointment"


class ContactWith(StrEnum):
    parent = "parent"
    young_person = "young-person"
    school = "school"


class TransferKind(StrEnum):
    phase = "phase"
    post16 = "post16"
    post16_move = "post16-move"


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
    try:
        change = records.record(db, ref=ref, kind=kind, when=day, details=details,
                                by=records.recorder(by), today=today(), context=rules)
    finally:
        db.close()
    print_change(change)


record_app = typer.Typer(help="Record what happened to a case; prints what changed in its deadlines.",
                         no_args_is_help=True)


@command(record_app, "decision")
def decision(ref: Ref, when: When, outcome: Annotated[DecisionOutcome, typer.Option(help="assess|refuse")],
             by: ByOpt = None) -> None:
    """The decision whether to carry out a needs assessment (reg 5)."""
    _record(ref, "decision", when, by, outcome=outcome.value)


@command(record_app, "advice-requested")
def advice_requested(ref: Ref, when: When,
                     party: Annotated[AdviceFrom, typer.Option("--from", help="Who is asked.")],
                     institution: Annotated[str | None, typer.Option("--institution")] = None,
                     received: Annotated[str | None, typer.Option(
                         "--received-on", metavar="DATE",
                         help="The day the body received the request, if later than sent.")] = None,
                     by: ByOpt = None) -> None:
    """The LA asked for advice (reg 6); the body has 6 weeks (reg 8)."""
    received_on = parse_date(received, "--received-on")
    _record(ref, "advice-requested", when, by, institution=institution, received=received_on,
            **{"from": party.value})


@command(record_app, "advice-received")
def advice_received(ref: Ref, when: When,
                    party: Annotated[AdviceFrom, typer.Option("--from", help="Who gave it.")],
                    institution: Annotated[str | None, typer.Option("--institution")] = None,
                    by: ByOpt = None) -> None:
    """Advice arrived from a body asked for it."""
    _record(ref, "advice-received", when, by, institution=institution, **{"from": party.value})


def _simple(kind: str, doc: str) -> None:
    def handler(ref: Ref, when: When, by: ByOpt = None) -> None:
        _record(ref, kind, when, by)

    handler.__doc__ = doc
    handler.__name__ = kind.replace("-", "_")
    command(record_app, kind)(handler)


_simple("draft", "The draft plan was served on the family (starts their 15 days, reg 13).")
_simple("representations", "The family's representations on the draft plan arrived.")
_simple("no-plan", "Notice that no plan will be issued after the assessment (reg 10).")
_simple("final", "The final EHC plan was issued (reg 13(2)).")


@command(record_app, "consultation-sent")
def consultation_sent(ref: Ref, when: When, institution: Institution, by: ByOpt = None) -> None:
    """A school or college was consulted on being named in the plan (CFA s.39)."""
    _record(ref, "consultation-sent", when, by, institution=institution)


@command(record_app, "consultation-reply")
def consultation_reply(ref: Ref, when: When, institution: Institution, by: ByOpt = None) -> None:
    """The consulted institution replied."""
    _record(ref, "consultation-reply", when, by, institution=institution)


@command(record_app, "exception")
def exception(
    ref: Ref,
    limb: Annotated[Limb, typer.Option(help="a|b (closure), c (personal circumstances), d (absence), "
                                            "missed-appointment (advice only).")],
    start: Annotated[str, typer.Option(metavar="DATE", help="When the circumstance began.")],
    reason: Annotated[str, typer.Option(help="Why, in words (kept for the record).")],
    end: Annotated[str | None, typer.Option(metavar="DATE", help="When it ended, if known.")] = None,
    rule: Annotated[str | None, typer.Option(
        metavar="RULE_ID",
        help="Only this rule: assessment-decision, issue-decision, final-plan or advice (default: "
             "the request's LA deadlines open on the start date).")] = None,
    subject: Annotated[str | None, typer.Option(metavar="NAME",
                                                help="Which advice request, when several are open.")] = None,
    by: ByOpt = None,
) -> None:
    """A statutory exception (regs 5(4), 8(2), 10(4), 13(3)): disapplies time limits, moves no date."""
    end_day = parse_date(end, "--end")
    _record(ref, "exception", start, by, limb=limb.value, end=end_day, reason=reason, rule=rule,
            subject=subject)


@command(record_app, "review-scheduled")
def review_scheduled(ref: Ref, when: When,
                     meeting: Annotated[str, typer.Option(metavar="DATE", help="The meeting date.")],
                     by: ByOpt = None) -> None:
    """A review meeting was arranged for a date (invitations are due 2 weeks before it)."""
    _record(ref, "review-scheduled", when, by, meeting=required_date(meeting, "--meeting"))


_simple("invitations-sent", "Review invitations sent and advice circulated (reg 20(3)-(4)).")
_simple("review-meeting", "The annual review meeting was held.")
_simple("review-report", "The review report was received (reg 20(7)).")


@command(record_app, "review-decision")
def review_decision(ref: Ref, when: When,
                    outcome: Annotated[ReviewOutcome, typer.Option(help="maintain|amend|cease")],
                    by: ByOpt = None) -> None:
    """The LA's decision after a review (reg 20(10))."""
    _record(ref, "review-decision", when, by, outcome=outcome.value)


_simple("amendment-notice", "Proposed amendments sent to the family (reg 22(2)).")
_simple("amended-plan", "The amended final plan was issued (reg 22(3)).")
_simple("no-amendment", "Notice that the plan will not be amended after all (reg 22(4)).")


@command(record_app, "contact")
def contact(ref: Ref, when: When,
            with_: Annotated[ContactWith | None, typer.Option("--with", help="Who was contacted.")] = None,
            note: Annotated[str | None, typer.Option(help="A short note.")] = None,
            by: ByOpt = None) -> None:
    """Contact with the family or school."""
    _record(ref, "contact", when, by, **{"with": with_.value if with_ else None, "note": note})


_simple("withdrawn", "The request was withdrawn.")


@command(record_app, "cease")
def cease(ref: Ref, when: When,
          reason: Annotated[str, typer.Option(metavar="CODE",
                                              help="Why it ceased, in your authority's codes (free text, "
                                                   "kept for the SEN2 return).")],
          by: ByOpt = None) -> None:
    """The plan ceased (CFA s.45)."""
    _record(ref, "cease", when, by, reason=reason)


@command(record_app, "transfer")
def transfer(ref: Ref, when: When,
             on: Annotated[str, typer.Option(metavar="DATE", help="The day of the move.")],
             kind: Annotated[TransferKind, typer.Option(help="phase (15 Feb), post16 (31 Mar) or "
                                                              "post16-move (5 months before).")],
             description: Annotated[str | None, typer.Option(help="e.g. 'first to middle school'.")] = None,
             by: ByOpt = None) -> None:
    """A planned transfer; once any is recorded, they replace the defaults from the date of birth."""
    _record(ref, "transfer", when, by, on=required_date(on, "--on"), transfer=kind.value,
            description=description)


@command(record_app, "void")
def void(ref: Ref, event_id: Annotated[int, typer.Argument(metavar="EVENT_ID")],
         reason: Annotated[str, typer.Option(help="Why it was a mistake.")], by: ByOpt = None) -> None:
    """Void a mistaken event (EVENT_ID is the # column of `history` or `timeline`): it stays in the
    history, marked, and stops counting."""
    from sendtrack.app import record as records

    rules = context()
    db = open_db()
    try:
        change = records.void(db, ref=ref, event_id=event_id, reason=reason, by=records.recorder(by),
                              today=today(), context=rules)
    finally:
        db.close()
    print_change(change)


def register(app: typer.Typer) -> None:
    app.add_typer(record_app, name="record")

    @command(app, "add-request")
    def add_request(
        name: Annotated[str, typer.Option(help="The child or young person's name.")],
        dob: Annotated[str, typer.Option(metavar="DATE", help="Date of birth.")],
        received: Annotated[str, typer.Option(metavar="DATE", help="Day the request was received.")],
        ref: Annotated[str | None, typer.Option(help="Case reference (generated if not given).")] = None,
        source: Annotated[Source, typer.Option(help="Who asked.")] = Source.parent,
        team: Annotated[str, typer.Option(metavar="TEAM", help=TEAM_HELP)] = "front-door",
        coordinator: Annotated[str | None, typer.Option(metavar="NAME")] = None,
        looked_after: Annotated[bool, typer.Option("--looked-after", help="Looked after by the LA.")] = False,
        alternative_provision: Annotated[bool, typer.Option("--alternative-provision",
                                                            help="In alternative provision.")] = False,
        setting: Annotated[str | None, typer.Option(metavar="NAME",
                                                    help="Current school or setting.")] = None,
        by: ByOpt = None,
    ) -> None:
        """Record a request for an EHC needs assessment; prints the case reference."""
        from sendtrack.app import record as records

        dob_day, received_day = required_date(dob, "--dob"), required_date(received, "--received")
        check_team(team)
        rules = context()
        db = open_db()
        try:
            change = records.add_request(
                db, name=name, dob=dob_day, received=received_day, ref=ref, source=source.value,
                team=team, coordinator=coordinator, looked_after=looked_after,
                alternative_provision=alternative_provision, setting=setting,
                by=records.recorder(by), today=today(), context=rules)
        finally:
            db.close()
        typer.echo(change.ref)

    @command(app, "assign")
    def assign(ref: Ref, team: Annotated[str, typer.Option(metavar="TEAM", help=TEAM_HELP)],
               coordinator: Annotated[str | None, typer.Option(metavar="NAME")] = None,
               by: ByOpt = None) -> None:
        """Move a case to a team (and coordinator); kept as an event."""
        from sendtrack.app import record as records

        check_team(team)
        db = open_db()
        try:
            records.assign(db, ref=ref, team=team, coordinator=coordinator, by=records.recorder(by),
                           today=today())
        finally:
            db.close()
        typer.echo(f"{ref}: now with {team}" + (f" ({coordinator})" if coordinator else ""))
