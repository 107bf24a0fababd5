"""Every rule id with its owner, kind and legal source: the one table JSON, CSV and the tests name."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from sendtrack.calendar import Calendar
from sendtrack.domain import Deadline


@dataclass(frozen=True, slots=True)
class RuleInfo:
    rule: str
    owner: str
    kind: str
    source: str
    summary: str
    exception_limbs: frozenset[str] = frozenset()


LA_LIMBS = frozenset({"a", "b", "c", "d"})
#: reg 44(3): the closure limbs, personal circumstances and an absence of 2 weeks (d2), named by --rule
ORDER_LIMBS = frozenset({"a", "b", "c", "d2"})


RULES: dict[str, RuleInfo] = {
    info.rule: info
    for info in (
        RuleInfo("assessment-decision", "la", "statutory", "reg 5(1); CFA s.36",
                 "decide whether to assess within 6 weeks of the request", LA_LIMBS),
        RuleInfo("advice", "partner", "statutory", "reg 8(1)",
                 "advice within 6 weeks of the LA's request",
                 frozenset({"c", "d", "missed-appointment"})),
        RuleInfo("issue-decision", "la", "statutory", "reg 10(1)",
                 "draft plan or notice of no plan within 16 weeks of the request", LA_LIMBS),
        RuleInfo("draft-representations", "family", "statutory", "reg 13(1); CFA s.38(4)",
                 "the family's 15 days to comment on the draft plan"),
        RuleInfo("school-consultation", "partner", "guidance", "CFA s.39-40; CoP 9.80-9.83",
                 "institution's reply within 15 days of consultation"),
        RuleInfo("final-plan", "la", "statutory", "reg 13(2)",
                 "final plan within 20 weeks of the request", LA_LIMBS),
        RuleInfo("annual-review", "la", "statutory", "CFA s.44(1); CoP 9.168-9.169",
                 "review meeting within each 12 months"),
        RuleInfo("review-notice", "la", "statutory", "reg 20(3)-(4), 21(3)-(4)",
                 "invitations and advice out 2 weeks before the review meeting"),
        RuleInfo("review-report", "la", "statutory", "reg 20(7), 21(7)",
                 "review report within 2 weeks of the meeting"),
        RuleInfo("review-decision", "la", "statutory", "reg 20(10); CoP 9.176, 9.169; Devon",
                 "decision within 4 weeks of the meeting and inside the 12 months"),
        RuleInfo("amendment-representations", "family", "statutory", "reg 22(2)(c)",
                 "the family's 15 days to comment on proposed amendments"),
        RuleInfo("amended-plan", "la", "statutory", "reg 22(3)-(4); Devon",
                 "amended plan within 8 weeks of the notice and 12 weeks of the meeting"),
        RuleInfo("phase-transfer", "la", "statutory", "reg 18(1)(b); CoP 9.179",
                 "plan amended for the next phase before 15 February"),
        RuleInfo("post16-transfer", "la", "statutory", "reg 18(1)(a)",
                 "plan amended for post-16 before 31 March"),
        RuleInfo("post16-move", "la", "statutory", "reg 18(2)",
                 "plan amended 5 months before a move between post-16 institutions"),
        RuleInfo("under5-review", "la", "guidance", "CoP 9.178",
                 "review every 3-6 months while under 5"),
        RuleInfo("reassessment-decision", "la", "statutory", "reg 25(1)",
                 "decide whether to re-assess within 15 days of the request"),
        RuleInfo("reassessment-final", "la", "statutory", "reg 27(2)-(3)",
                 "plan finalised or amended within 14 weeks of the decision to re-assess", LA_LIMBS),
        RuleInfo("transfer-out", "la", "statutory", "reg 15(2)",
                 "the plan sent to the new LA on the move, or within 15 working days of knowing"),
        RuleInfo("transfer-in-notice", "la", "statutory", "reg 15(4)",
                 "the new LA's notice to the family within 6 weeks of the transfer"),
        RuleInfo("transfer-in-review", "la", "statutory", "reg 15(5)",
                 "review by the later of the old cycle's date and 3 months from the transfer"),
        RuleInfo("appeal-deadline", "family", "statutory", "Tribunal rules r.20(1)(c); reg 33",
                 "the family's window to appeal: 2 months, or 1 month after a mediation certificate"),
        RuleInfo("mediation-held", "la", "statutory", "regs 36-37",
                 "mediation held within 30 days of the family asking for it"),
        RuleInfo("mediation-certificate", "partner", "statutory", "regs 34, 39",
                 "mediation certificate within 3 working days"),
        RuleInfo("order-notify", "la", "statutory", "reg 44(2)(a); reg 45",
                 "tell the family within 2 weeks of a Tribunal order to assess or re-assess", ORDER_LIMBS),
        RuleInfo("order-no-plan", "la", "statutory", "reg 44(2)(b); reg 45",
                 "notice of no plan within 10 weeks of a Tribunal order to assess", ORDER_LIMBS),
        RuleInfo("order-final", "la", "statutory", "reg 44(2)(c), (e); reg 45",
                 "final plan within 14 weeks (order to assess) or 11 weeks (order to make a plan)",
                 ORDER_LIMBS),
        RuleInfo("order-draft", "la", "statutory", "reg 44(2)(d); reg 45",
                 "draft plan within 5 weeks of a Tribunal order to make a plan", ORDER_LIMBS),
        RuleInfo("order-amended", "la", "statutory", "reg 44(2)(f); reg 45",
                 "amended plan within 5 weeks of a Tribunal order to amend", ORDER_LIMBS),
        RuleInfo("order-school", "la", "statutory", "reg 44(2)(g); reg 45",
                 "plan naming the school within 2 weeks of an order on the school only", ORDER_LIMBS),
        RuleInfo("cease-effective", "la", "statutory", "CFA s.45; reg 31",
                 "the day a ceased plan may end: after the appeal window, or the appeal's dismissal"),
        RuleInfo("draft-by-week-14", "la", "local", "local milestone",
                 "no draft plan at week 14: the 15-day window no longer fits before week 20"),
        RuleInfo("advice-chase", "la", "local", "local milestone",
                 "advice still unanswered 5 weeks after it was requested"),
        RuleInfo("review-scheduled", "la", "local", "local milestone",
                 "annual review due within 8 weeks and no meeting scheduled"),
        RuleInfo("phase-transfer-meeting", "la", "local", "local milestone",
                 "transfer deadline within 12 weeks and no review held in the transfer year"),
        RuleInfo("contact", "la", "local", "local milestone (communication standard)",
                 "no contact with the family for 6 weeks while an assessment is open"),
    )
}

#: Rules an exception may name (spec 8.4); none exist for reviews, amendments or transfers.
EXCEPTABLE = frozenset(rule for rule, info in RULES.items() if info.exception_limbs)


#: rule -> (owner, kind, source), as `deadline` fills them in
_FILLED = {rule: (info.owner, info.kind, info.source) for rule, info in RULES.items()}
#: `known_from` not given (None given stays None, as a keyword left to Deadline's default would)
_TRIGGER: Any = object()


def deadline(
    rule: str, *, trigger: date, due: date, calendar: Calendar, subject: str | None = None,
    completed_on: date | None = None, excepted_from: date | None = None,
    exception_limb: str | None = None, ended_on: date | None = None, known_from: date | None = _TRIGGER,
    known_until: date | None = None, basis: str = "",
) -> Deadline:
    """A deadline of `rule` with its owner, kind, source and act-by filled in from the table; the rest
    are Deadline's own fields, by name (`known_from` the trigger unless given).

    Made as Deadline's own `__init__` (domain.quick_init) makes it, slot by slot, without a second call:
    the engine makes ~250,000 for a council (tests/rules/test_rules_memo.py compares the two ways)."""
    owner, kind, source = _FILLED[rule]
    made = _new(Deadline)
    _rule(made, rule)
    _owner(made, owner)
    _kind(made, kind)
    _source(made, source)
    _trigger(made, trigger)
    _due(made, due)
    # a due date still to be set (an appeal against a cease awaiting the Tribunal) has none either
    _act_by(made, due if due.year > calendar.last_year else calendar.act_by(due))
    _subject(made, subject)
    _completed_on(made, completed_on)
    _excepted_from(made, excepted_from)
    _exception_limb(made, exception_limb)
    _ended_on(made, ended_on)
    _known_from(made, trigger if known_from is _TRIGGER else known_from)
    _known_until(made, known_until)
    _basis(made, basis)
    return made


_new = object.__new__
#: Deadline's slots, set through their descriptors (the class is frozen), in its fields' order
(_rule, _owner, _kind, _source, _trigger, _due, _act_by, _subject, _completed_on, _excepted_from,
 _exception_limb, _ended_on, _known_from, _known_until, _basis) = (
    getattr(Deadline, f.name).__set__ for f in fields(Deadline))
