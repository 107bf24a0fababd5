"""The event-kind registry: every kind of event, its options and value sets, required details, phase,
the refusals that guard it, and its help. One entry here is what a kind is everywhere.

The CLI's `sendtrack record KIND` commands, import's detail checks, the engine's phase sets and the
README/import-format tables are made from (or tested against) this table. Guards are named here and
defined in `rules/guards.py` (pure functions of the case and the event); a test proves every name
resolves. Adding a kind: docs/architecture.md, "Adding an event kind".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sendtrack import codes
from sendtrack.errors import RefusedError, a, code_shown

# --- value sets: each defined once ----------------------------------------------------------------------

SOURCES = ("parent", "young-person", "school", "health", "social-care", "other")
ADVICE_FROM = ("education", "health", "psychology", "social-care", "other")
DECISION_OUTCOMES = ("assess", "refuse")
REVIEW_OUTCOMES = ("maintain", "amend", "cease")
LIMBS = ("a", "b", "c", "d", "d2", "missed-appointment")
CONTACT_WITH = ("parent", "young-person", "school", "carer", "social-worker", "other")
TRANSFER_KINDS = ("phase", "post16", "post16-move")
WANTS = ("yes", "no")
APPEAL_AGAINST = ("refuse-assess", "no-plan", "plan-contents", "no-amend", "cease", "refuse-reassess")
ORDERS = ("assess", "make-plan", "amend", "school-only", "continue", "cease", "reassess")
ORDER_STEPS = ("notify", "draft", "final", "amended", "no-plan")

#: Where a kind belongs: `assessment` kinds are refused after a withdrawal, `plan` kinds need a live
#: plan (a final plan issued on or before their date and not ceased), `any` has no phase guard.
PHASES = ("assessment", "plan", "any")

#: The longest text any field takes, by every way in.
MAX_TEXT = 200


@dataclass(frozen=True, slots=True)
class Option:
    """One option of `sendtrack record KIND`, stored as the detail `key` of the event."""

    key: str
    flag: str
    #: choice | date | text | la (a DfE LA code) | flag | changes (an edit's [old, new]) |
    #: commitments (an erase's)
    type: str
    help: str
    choices: tuple[str, ...] = ()
    required: bool = False
    metavar: str | None = None

    @property
    def shown(self) -> str:
        """How the option reads in the help and docs: `--outcome assess|refuse`, `--end D`."""
        if self.type == "choice":
            return f"{self.flag} {'|'.join(self.choices)}"
        if self.type == "flag":
            return self.flag
        return f"{self.flag} {self.metavar or ('D' if self.type == 'date' else 'TEXT')}"


@dataclass(frozen=True, slots=True)
class Kind:
    """An event kind: what it records, where it belongs and what guards it."""

    name: str
    help: str
    phase: str = "any"
    options: tuple[Option, ...] = ()
    #: the kind's own refusals (rules/guards.py), run in this order after the ones every event has
    guards: tuple[str, ...] = ()
    #: how the user records it: `record` (sendtrack record KIND), or the command that writes it
    command: str = "record"
    #: the option that gives the event's date (`--start` for an exception)
    date_flag: str = "--date"
    date_help: str = "The day it happened (YYYY-MM-DD)."
    #: may be dated before the request was received (a planned transfer, a move between teams)
    before_request: bool = False

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(o.key for o in self.options if o.required)

    def option(self, key: str) -> Option | None:
        return next((o for o in self.options if o.key == key), None)


def _opt(key: str, type: str, help: str, *, flag: str | None = None, choices: tuple[str, ...] = (),
         required: bool = False, metavar: str | None = None) -> Option:
    return Option(key, flag or f"--{key}", type, help, choices, required, metavar)


@dataclass(frozen=True, slots=True)
class CaseField:
    """A value of the case itself (the `cases` column `key`): given to `add-request`, corrected by
    `sendtrack edit` (whose options, checks and audit record are made from this table). Adding a
    correctable value is one entry here, plus its column (a migration); a value the audit chain should
    cover is also named in storage/audit.IDENTITY."""

    key: str
    type: str  # text | date | flag
    help: str
    #: `--name`; a flag's on and off forms: `--looked-after/--not-looked-after`
    flag: str
    #: a value every case must hold (cannot be cleared)
    required: bool = False
    metavar: str | None = None


#: The case values `sendtrack edit` corrects (SEN2's identity and placement fields join with issue 12).
CASE_FIELDS: tuple[CaseField, ...] = (
    CaseField("name", "text", "The child or young person's name.", "--name", required=True, metavar="NAME"),
    CaseField("dob", "date", "Date of birth.", "--dob", required=True, metavar="DATE"),
    CaseField("looked_after", "flag", "Looked after by the LA (or not).",
              "--looked-after/--not-looked-after"),
    CaseField("alternative_provision", "flag", "In alternative provision (or not).",
              "--alternative-provision/--no-alternative-provision"),
    CaseField("setting", "text", "Current school or setting.", "--setting", metavar="NAME"),
)
CASE_FIELD: dict[str, CaseField] = {f.key: f for f in CASE_FIELDS}

INSTITUTION = _opt("institution", "text", "The school or college.", metavar="NAME")
REQUIRED_INSTITUTION = _opt("institution", "text", "The school or college.", metavar="NAME", required=True)
#: A plan names the placement after a phase transfer (reg 18(1)): only a plan event recorded
#: --for-transfer completes a transfer deadline (spec 8.7).
PLAN_NAMES = (
    _opt("names_setting", "text", "The school or institution the plan names.", flag="--names-setting",
         metavar="NAME"),
    _opt("for_transfer", "flag", "The plan names the placement after the next phase transfer: it "
         "completes that transfer's deadline (reg 18(1); spec 8.7).", flag="--for-transfer"),
)

KINDS: tuple[Kind, ...] = (
    Kind("request", "A request for an EHC needs assessment (reg 3; CFA s.36).", phase="assessment",
         options=(_opt("source", "choice", "Who asked.", choices=SOURCES),
                  _opt("duplicate_allowed", "flag", "Recorded when another case was open for a child of the "
                       "same name and date of birth (or UPN) and the user said this is another child "
                       "(--allow-duplicate): check then leaves the pair alone.", flag="--allow-duplicate")),
         command="add-request"),
    Kind("decision", "The decision whether to carry out a needs assessment (reg 5).", phase="assessment",
         options=(_opt("outcome", "choice", "assess or refuse.", choices=DECISION_OUTCOMES, required=True),),
         guards=("one-decision",)),
    Kind("advice-requested", "The LA asked for advice (reg 6); the body has 6 weeks (reg 8).",
         phase="assessment",
         options=(_opt("from", "choice", "Who is asked.", choices=ADVICE_FROM, required=True),
                  INSTITUTION,
                  _opt("received", "date", "The day the body received the request, if later than sent.",
                       flag="--received-on", metavar="DATE")),
         guards=("received-not-before-sent",)),
    Kind("advice-received", "Advice arrived from a body asked for it.", phase="assessment",
         options=(_opt("from", "choice", "Who gave it.", choices=ADVICE_FROM, required=True), INSTITUTION),
         guards=("advice-was-requested",)),
    Kind("draft", "The draft plan was served on the family (starts their 15 days, reg 13).",
         phase="assessment", guards=("assessed",)),
    Kind("representations", "The family's representations on the draft plan arrived.", phase="assessment"),
    Kind("consultation-sent", "A school or college was consulted on being named in the plan (CFA s.39).",
         phase="assessment", options=(REQUIRED_INSTITUTION,), guards=("assessed",)),
    Kind("consultation-reply", "The consulted institution replied.", phase="assessment",
         options=(REQUIRED_INSTITUTION,), guards=("institution-was-consulted",)),
    Kind("no-plan", "Notice that no plan will be issued after the assessment (reg 10).", phase="assessment",
         guards=("assessed", "no-final-plan-yet")),
    Kind("final", "The final EHC plan was issued (reg 13(2)).", phase="assessment", options=PLAN_NAMES,
         guards=("assessed", "no-final-plan-yet", "no-no-plan-notice")),
    Kind("exception",
         "A statutory exception (regs 5(4), 8(2), 10(4), 13(3)): disapplies time limits, moves no date.",
         options=(
             _opt("limb", "choice", "a|b (closure), c (personal circumstances), d (absence), d2 (absence "
                  "of 2 weeks: Tribunal orders only, reg 44(3)), missed-appointment (advice only).",
                  choices=LIMBS, required=True),
             _opt("end", "date", "When it ended, if known.", metavar="DATE"),
             _opt("reason", "text", "Why, in words (kept for the record).", required=True),
             _opt("rule", "text", "Only this rule: assessment-decision, issue-decision, final-plan, "
                  "reassessment-final, advice or an order-* rule (default: the request's LA deadlines open "
                  "on the start date; order-* rules only when named).", metavar="RULE_ID"),
             _opt("subject", "text", "Which advice request, when several are open.", metavar="NAME"),
         ),
         guards=("exception-covers",), date_flag="--start",
         date_help="When the circumstance began (may be before the request: it covers that request's "
                   "deadlines, spec 8.4).", before_request=True),
    Kind("review-scheduled", "A review meeting was arranged for a date (invitations are due 2 weeks "
         "before it).", phase="plan",
         options=(_opt("meeting", "date", "The meeting date.", required=True, metavar="DATE"),),
         guards=("meeting-not-before-scheduling",)),
    Kind("invitations-sent", "Review invitations sent and advice circulated (reg 20(3)-(4)).", phase="plan"),
    Kind("review-meeting", "The annual review meeting was held.", phase="plan"),
    Kind("review-report", "The review report was received (reg 20(7)).", phase="plan"),
    Kind("review-decision", "The LA's decision after a review (reg 20(10)).", phase="plan",
         options=(_opt("outcome", "choice", "maintain, amend or cease.", choices=REVIEW_OUTCOMES,
                       required=True),)),
    Kind("amendment-notice", "Proposed amendments sent to the family (reg 22(2)).", phase="plan"),
    Kind("amended-plan", "The amended final plan was issued (reg 22(3)).", phase="plan", options=PLAN_NAMES),
    Kind("no-amendment", "Notice that the plan will not be amended after all (reg 22(4)).", phase="plan",
         options=PLAN_NAMES),
    Kind("transfer", "A planned transfer; once any is recorded, they replace the defaults from the date "
         "of birth.",
         options=(_opt("on", "date", "The day of the move.", required=True, metavar="DATE"),
                  _opt("transfer", "choice", "phase (15 Feb), post16 (31 Mar) or post16-move (5 months "
                       "before).", flag="--kind", choices=TRANSFER_KINDS, required=True),
                  _opt("description", "text", "e.g. 'first to middle school'.")),
         before_request=True),
    Kind("reassessment-request", "A request to re-assess the child's needs (reg 24); the LA decides in "
         "15 days (reg 25).", phase="plan",
         options=(_opt("by_institution", "text", "The school or college that asked, if one did.",
                       flag="--by-institution", metavar="NAME"),)),
    Kind("reassessment-decision", "The decision whether to re-assess (reg 25); assess starts the 14 weeks "
         "of reg 27.", phase="plan",
         options=(_opt("outcome", "choice", "assess or refuse.", choices=DECISION_OUTCOMES, required=True),)),
    Kind("move-out", "We (the old LA) learnt the child is moving to another LA: the plan goes to it by "
         "the move or within 15 working days (reg 15(2)). Dated the day we became aware.", phase="plan",
         options=(_opt("on", "date", "The day of the move.", required=True, metavar="MOVE_DATE"),
                  _opt("to_la", "la", "The new LA's 3-digit DfE code.", flag="--to-la", required=True,
                       metavar="NNN"))),
    Kind("transferred-out", "The plan was sent to the new LA (reg 15(2)): the case closes for this LA.",
         phase="plan", guards=("move-out-recorded",)),
    Kind("transfer-in", "We (the new LA) took over a plan from another LA (reg 15): notice in 6 weeks, "
         "review by the later of the old cycle and 3 months.", phase="plan",
         options=(_opt("from_la", "la", "The old LA's 3-digit DfE code.", flag="--from-la", required=True,
                       metavar="NNN"),)),
    Kind("transfer-in-notice", "The new LA told the family whether it will re-assess or review (reg 15(4)).",
         phase="plan", guards=("transferred-in",)),
    Kind("mediation-contact", "The family contacted the mediation adviser (reg 33-34).",
         options=(_opt("wants", "choice", "Whether the family wants mediation.", choices=WANTS,
                       required=True),)),
    Kind("mediation-held", "The mediation took place (regs 36-37: within 30 days).",
         guards=("mediation-wanted",)),
    Kind("mediation-certificate", "The mediation certificate was issued (regs 34, 39).",
         options=(_opt("not_arranged", "flag", "Mediation could not be arranged within 30 days (this "
                       "completes the LA's mediation duty too).", flag="--not-arranged"),),
         guards=("mediation-contacted",)),
    Kind("appeal", "The family appealed to the Tribunal (CFA s.51).",
         options=(_opt("against", "choice", "What is appealed.", choices=APPEAL_AGAINST, required=True),)),
    Kind("tribunal-order", "The Tribunal's order (reg 44), or the day the LA told the Tribunal it will not "
         "oppose the appeal (--unopposed, reg 45).",
         options=(_opt("order", "choice", "What the Tribunal ordered.", choices=ORDERS, required=True),
                  _opt("unopposed", "flag", "The LA did not oppose the appeal (reg 45): the same periods "
                       "run from this date.", flag="--unopposed"))),
    Kind("order-complied", "A step of a Tribunal order was done (reg 44(2)).",
         options=(_opt("step", "choice", "Which step.", choices=ORDER_STEPS, required=True),),
         guards=("order-recorded",)),
    Kind("contact", "Contact with the family or school.",
         options=(_opt("with", "choice", "Who was contacted.", choices=CONTACT_WITH),
                  _opt("note", "text", "A short note.")),),
    Kind("withdrawn", "The request was withdrawn.", phase="assessment",
         guards=("no-plan-to-withdraw", "not-withdrawn-yet")),
    Kind("cease", "The decision to cease the plan, notified (CFA s.45): the plan is maintained, with its "
         "reviews, until the family's appeal window passes (cease-effective).", phase="plan",
         options=(_opt("reason", "text", "Why it ceased, in your authority's codes (free text, kept for "
                       "the SEN2 return).", required=True, metavar="CODE"),),
         guards=("not-ceased-yet",)),
    Kind("assign", "The case moved to a team (and coordinator).",
         options=(_opt("team", "text", "The receiving team.", required=True, metavar="TEAM"),
                  _opt("coordinator", "text", "The receiving coordinator.", metavar="NAME"),
                  _opt("from_team", "text", "The team it left."),
                  _opt("from_coordinator", "text", "The coordinator it left.")),
         command="assign", before_request=True),
    Kind("erase", "The case's personal values were erased (UK GDPR Art. 17): the name and date of birth "
         "replaced by a tombstone (in the case and in its edits), the events' dates kept.",
         options=(_opt("reason", "text", "Why, in words without personal data (kept for the record).",
                       required=True),
                  _opt("request", "text", "The request event's hash over the erased values (the audit "
                       "chain's commitment).", metavar="SHA256"),
                  _opt("edits", "commitments", "Each edit's hash over its erased values, by event id (the "
                       "audit chain's commitments).")),
         command="erase"),
    Kind("edit", "A correction of the case's own values (name, date of birth, ...): the old and the new "
         "value, and why.",
         options=(_opt("reason", "text", "Why the values were wrong.", required=True),
                  _opt("changes", "changes", "Each corrected value: [old, new].")),
         command="edit", before_request=True),
    Kind("void", "A mistaken event, voided: it stays in the history and stops counting.",
         options=(_opt("reason", "text", "Why it was a mistake.", required=True),
                  _opt("event", "text", "The voided event's id.")),
         command="record void", before_request=True),
)

#: Kinds a void cannot undo: a void (record the event again) and an edit (correct it by another edit).
#: A request can be voided: the case then counts nowhere (it stays in its history).
UNVOIDABLE = frozenset({"void", "edit", "erase"})  # an erasure cannot be undone: the values are gone

BY_NAME: dict[str, Kind] = {kind.name: kind for kind in KINDS}
#: Every kind's name, in the registry's order.
NAMES: tuple[str, ...] = tuple(BY_NAME)
ASSESSMENT_KINDS = frozenset(k.name for k in KINDS if k.phase == "assessment" and k.name != "request")
PLAN_KINDS = frozenset(k.name for k in KINDS if k.phase == "plan")


def kind(name: str | None) -> Kind:
    """The registered kind, or a refusal naming the known ones."""
    found = BY_NAME.get(name or "")
    if found is None:
        raise RefusedError(f"unknown event kind{code_shown(name)}")
    return found


def recordable() -> tuple[Kind, ...]:
    """The kinds of `sendtrack record KIND` (the rest have their own commands)."""
    return tuple(k for k in KINDS if k.command == "record")


# --- text ------------------------------------------------------------------------------------------------

#: Characters no field may hold: C0 and C1 controls, line and paragraph separators, noncharacters
#: (U+FDD0-U+FDEF, U+FFFE/U+FFFF: not allowed in the SEN2 XML), lone surrogates (unencodable),
#: private-use characters, and every default-ignorable one but those _IGNORABLE_KEPT: bidi
#: embeddings/overrides/isolates and marks (they make a terminal show text in another order: U+202E
#: in a name turns what follows round), the byte order mark, zero-width space, word joiner, soft
#: hyphen, combining grapheme joiner, invisible operators, the Hangul fillers and the tag characters
#: (invisible inside a name, so two names that look the same would differ).
#: Unicode's default-ignorable code points (DerivedCoreProperties.txt, Default_Ignorable_Code_Point,
#: Unicode 15.1): shown as nothing where not supported, so "Dup Ch<U+00AD>ild" looks like "Dup Child".
DEFAULT_IGNORABLE = frozenset({0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5,
                               *range(0x180B, 0x1810), *range(0x200B, 0x2010), *range(0x202A, 0x202F),
                               *range(0x2060, 0x2070), 0x3164, *range(0xFE00, 0xFE10), 0xFEFF, 0xFFA0,
                               *range(0xFFF0, 0xFFF9), *range(0x1BCA0, 0x1BCA4), *range(0x1D173, 0x1D17B),
                               *range(0xE0000, 0xE1000)})
#: The default-ignorable characters text may hold: zero-width non-joiner and joiner (Persian and Indic
#: names are spelt with them), variation selectors (a CJK ideograph's variant form, an emoji's style:
#: U+FE00-U+FE0F, U+E0100-U+E01EF) and the Mongolian free variation selectors (Mongolian script
#: needs them). fold ignores them all.
_IGNORABLE_KEPT = frozenset({0x200C, 0x200D, *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0),
                             0x180B, 0x180C, 0x180D, 0x180F})
#: Private-use code points: no name needs one, and each font shows them differently (or not at all).
_PRIVATE_USE = ((0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD))
_REFUSED = frozenset({*range(0x00, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029,
                      *range(0xD800, 0xE000), *range(0xFDD0, 0xFDF0), 0xFFFE, 0xFFFF,
                      *(DEFAULT_IGNORABLE - _IGNORABLE_KEPT)})


def _refused(ch: str) -> bool:
    code = ord(ch)
    return code in _REFUSED or (code & 0xFFFE) == 0xFFFE \
        or any(lo <= code <= hi for lo, hi in _PRIVATE_USE)  # (& 0xFFFE: every plane's last two)


def _visible(ch: str) -> bool:
    """Whether a character shows anything: not a space, a format character (Cf: zero-width joiners,
    soft hyphen) or a combining mark on its own."""
    import unicodedata

    return not ch.isspace() and unicodedata.category(ch) not in {"Cf", "Mn", "Me", "Zs", "Cc"}


def clean_text(value: str, what: str, *, limit: int = MAX_TEXT) -> str:
    """Refuse empty, over-long, control-character, bidi-override or invisible text; keep accents and
    every script. The message names the field, never its value."""
    value = value.strip()
    if not value:
        raise RefusedError(f"{what} is empty")
    if len(value) > limit:
        raise RefusedError(f"{what} is longer than {limit} characters")
    if value.isascii() and value.isprintable():
        # the usual case, in two C-level tests: an ASCII character is refused exactly when it is a
        # control character (not printable), and stripped text of printable ASCII starts with a visible one
        return value
    bad = next((ch for ch in value if _refused(ch)), None)
    if bad is not None:
        kind = "a control character" if ord(bad) < 0xA0 else f"the invisible, direction-changing or " \
                                                                f"private-use character U+{ord(bad):04X}"
        raise RefusedError(f"{what} contains {kind}")
    if not any(_visible(ch) for ch in value):
        raise RefusedError(f"{what} has no visible character")
    return value


def check_details(name: str, details: dict, *, first_year: int, last_year: int) -> dict:
    """The details of a `name` event checked against its registry entry, the one check that the CLI,
    import and every other way in share: known keys, required ones present, choices from their value
    set, dates real and inside the calendar's years, text clean. Returns them with text stripped and
    None values dropped; raises RefusedError naming the detail (never its value when it is free text)."""
    entry = kind(name)
    out: dict = {}
    for key, value in details.items():
        if value is None:
            continue
        option = entry.option(key)
        if option is not None and option.type == "flag" and value is False:
            continue  # an unset flag is stored as no detail at all, as the event had before it existed
        if option is None:
            raise RefusedError(f"{a(name)} event has no detail {_shown_key(key)}")
        out[key] = _check_value(entry, option, value, first_year=first_year, last_year=last_year)
    for option in entry.options:  # in the order of `entry.required`
        if option.required and option.key not in out:
            raise RefusedError(f"{a(name)} event needs {option.flag.lstrip('-')!r}"
                               f" ({option.key!r} in its details)")
    return out


def _shown_key(key: str) -> str:
    return repr(key) if key.isascii() and key.replace("_", "").replace("-", "").isalnum() else "(unprintable)"


def _check_value(entry: Kind, option: Option, value, *, first_year: int, last_year: int):
    what = f"{entry.name} {option.flag}"
    if entry.name == "void" and option.key == "event":
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
            raise RefusedError(f"{what} must be an event number")
        return int(value)
    if option.type == "changes":
        return check_changes(value)
    if option.type == "commitments":
        if not isinstance(value, dict) or not all(
                isinstance(k, str) and k.isdigit() and isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v)
                for k, v in value.items()):
            raise RefusedError(f"{what} must be an object of {{event id: SHA-256 hex}}")
        return value
    if option.type == "flag":
        if not isinstance(value, bool):
            raise RefusedError(f"{what} must be true or false")
        return value
    if option.type == "date":
        day = value if isinstance(value, date) else _iso(value, what)
        if not first_year <= day.year <= last_year:
            raise RefusedError(f"{what} date {day} is outside the years sendtrack can count in "
                               f"({first_year}-{last_year})")
        return day
    if not isinstance(value, str):
        raise RefusedError(f"{what} must be text")
    if option.type == "choice":
        if value not in option.choices:
            # quoted only when clearly a code: an import's cell may hold a name (errors.code_shown)
            raise RefusedError(f"{what}{code_shown(value)} is not one of its values: use one of "
                               f"{', '.join(option.choices)}")
        return value
    if option.type == "la":
        if not re.fullmatch(r"[0-9]{3}", value.strip()):
            raise RefusedError(f"{what} must be a DfE LA code of 3 digits")
        return value.strip()
    return clean_text(value, what)


def check_case_value(key: str, value):
    """One case value checked by its CASE_FIELDS entry (dates as `date`); the message names the field,
    never the value (they are personal data)."""
    entry = CASE_FIELD.get(key)
    if entry is None:
        raise RefusedError(f"{_shown_key(key)} is not a case value that can be corrected")
    what = entry.flag.split("/")[0].lstrip("-")
    if value is None:
        if entry.required:
            raise RefusedError(f"{what} cannot be cleared")
        return None
    if entry.type == "flag":
        if not isinstance(value, bool):
            raise RefusedError(f"{what} must be true or false")
        return value
    if entry.type == "date":
        # a real date is all this asks: a date of birth is judged against the request by
        # rules.guards.request_refusal (which `edit` runs), and may be before the calendar's years
        return value if isinstance(value, date) else _iso(value, what)
    if not isinstance(value, str):
        raise RefusedError(f"{what} must be text")
    return clean_text(value, what)


def check_changes(value) -> dict:
    """An edit's `changes` detail: {field: [old, new]} for fields of CASE_FIELDS and of the case's
    return fields (codes.RETURN_FIELDS that are its own columns; None where the value was not held or
    was erased), and `placement`: [old or None, new] in the import layout's form (codes.
    check_placements), each value checked as the field is (dates kept as ISO text, as stored)."""
    from sendtrack.codes import CASE_RETURN_KEYS

    if not isinstance(value, dict) or not value:
        raise RefusedError("edit changes must be an object of {field: [old, new]}")
    out: dict = {}
    for key, pair in value.items():
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise RefusedError(f"edit changes {_shown_key(str(key))} must be [old, new]")
        if key in CASE_RETURN_KEYS or key == "placement":
            out[key] = [_return_change(key, v) for v in pair]
            continue
        checked = [check_case_value(key, v) for v in pair]
        out[key] = [v.isoformat() if isinstance(v, date) else v for v in checked]
    return out


def _return_change(key: str, value):
    """One old or new value of a return field in an edit's changes: None, or what its validator keeps."""
    from sendtrack.codes import RETURN_FIELD, check_placements

    if value is None:
        return None
    if key == "placement":
        return check_placements([value])[0]
    if not isinstance(value, str):
        raise RefusedError(f"edit changes {key!r} must be text")
    return RETURN_FIELD[key].check(value)


def fold(text: str) -> str:
    """A name as matching compares it: accents taken off, case folded, spaces collapsed, and the
    default-ignorable characters text may hold (zero-width joiners, variation selectors) left out
    ("Léa  JONES", "lea jones" and "Le<U+200D>a Jones" are the same)."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed
                    if not unicodedata.combining(ch) and ord(ch) not in DEFAULT_IGNORABLE)
    return " ".join(plain.casefold().split())


def _iso(value, what: str) -> date:
    try:
        return codes.iso_date(value)
    except ValueError:
        raise RefusedError(f"{what} is not a real date in the form YYYY-MM-DD") from None
