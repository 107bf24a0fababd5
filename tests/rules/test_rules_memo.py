"""The answers the rule modules keep per case (issue 14: the engine's shared work done once a case) are the
answers worked out afresh, on sampled histories and on the case as it stood at each of its events' dates;
and a case value computed under one setting gives, under another, what a fresh case value gives."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from sendtrack.app.sample import generate, staffing
from sendtrack.calendar import england
from sendtrack.config import load
from sendtrack.domain import Case, Event, Settings
from sendtrack.rules import assessment, paths, reviews, transfers
from sendtrack.rules.engine import RULE_FUNCTIONS, compute

AS_OF = date(2025, 6, 30)
CASES = 300
CALENDAR = england()


def _cases() -> list[Case]:
    staff = staffing(3, CASES, as_of=AS_OF, years=6, teams=load(None).teams)
    out = []
    for number in range(CASES):
        values, events = generate(3, number, as_of=AS_OF, years=6, staff=staff)
        voided = {v for kind, _, _, v, _, _ in events if kind == "void"}
        live = tuple(Event(index, kind, when, pairs) for index, (kind, when, pairs, _, _, _) in enumerate(events)
                     if kind != "void" and index not in voided)
        out.append(Case(f"M{number}", values["dob"], values["received"], values["looked_after"],
                        values["alternative_provision"], values["setting"], live))
    return out


CASES_MADE = _cases()
#: every question kept with rules.paths.per_case outside rules.paths (tests/test_replay.py checks those)
KEPT = [assessment.advice_requests, reviews.meetings, transfers._live_transfers]


def _fresh(case: Case) -> Case:
    return replace(case)  # a new value: nothing kept


def test_every_kept_question_is_listed():
    for module in (assessment, reviews, transfers):
        kept = {name for name in dir(module) if hasattr(getattr(module, name), "__wrapped__")
                and not hasattr(getattr(module, name), "cache_info")  # lru_cache: by value, not per case
                and getattr(module, name).__module__ == module.__name__}
        assert kept <= {q.__name__ for q in KEPT}, kept


@pytest.mark.parametrize("question", KEPT, ids=lambda q: q.__name__)
def test_kept_answers_are_fresh_answers(question):
    asked = 0
    for case in CASES_MADE:
        for day in sorted({e.date for e in case.events}):
            earlier = case.as_of(day)
            question(earlier)
            assert question(earlier) == question.__wrapped__(_fresh(earlier)), (case.ref, day)
            asked += bool(question(earlier))
    assert asked > 100  # the sample has what each question looks for


@pytest.mark.parametrize("way", ["meeting", "decision"])
def test_cycles_are_kept_for_each_way_of_counting(way):
    settings = Settings(annual_review_from=way)
    other = Settings(annual_review_from="decision" if way == "meeting" else "meeting")
    counted = 0
    for case in CASES_MADE:
        reviews.cycles(case, other)  # the other way's cycles kept first: not given for this way
        assert reviews.cycles(case, settings) == tuple(reviews.annual_cycles(_fresh(case), settings))
        counted += len(reviews.cycles(case, settings))
    assert counted > 200


def test_a_case_computed_under_one_setting_computes_afresh_under_another():
    """Everything kept per case may depend on the case only, or on a setting named in its key."""
    first, second = Settings(), Settings(annual_review_from="decision", contact_weeks=4, draft_by_weeks=13,
                                         advice_chase_weeks=3, review_scheduled_weeks=6,
                                         phase_transfer_meeting_weeks=9, under5_review_months=3)
    differ = 0
    for case in CASES_MADE:
        before = compute(case, CALENDAR, first)
        after = compute(case, CALENDAR, second)
        assert after == compute(_fresh(case), CALENDAR, second)
        assert before == compute(_fresh(case), CALENDAR, first)
        differ += before != after
    assert differ > CASES // 2


def test_paths_memo_reaches_the_new_questions():
    """assessment_spans and appealable are kept too (tests/test_replay.py compares every paths question)."""
    assert hasattr(paths.assessment_spans, "__wrapped__") and hasattr(paths.appealable, "__wrapped__")


@pytest.mark.parametrize("given", [
    {},
    {"subject": "health", "completed_on": date(2024, 3, 1), "excepted_from": date(2024, 3, 2),
     "exception_limb": "c", "ended_on": date(2024, 3, 3), "known_from": date(2024, 3, 4),
     "known_until": date(2024, 3, 5), "basis": "words"},
    {"known_from": None},  # None given stays None: only a known_from left out becomes the trigger
])
def test_catalogue_deadline_is_the_dataclass_made_whole(given):
    """catalogue.deadline sets Deadline's slots itself: every field lands where Deadline's own
    constructor puts it (each given a different value, so a slot set in the wrong order shows)."""
    from dataclasses import fields

    from sendtrack.domain import Deadline
    from sendtrack.rules.catalogue import RULES, deadline

    trigger, due = date(2024, 1, 5), date(2024, 2, 17)  # a Saturday: act-by is Friday 16 February
    made = deadline("advice", trigger=trigger, due=due, calendar=CALENDAR, **given)
    info = RULES["advice"]
    whole = object.__new__(Deadline)
    Deadline._dataclass_init(whole, "advice", info.owner, info.kind, info.source, trigger, due,  # type: ignore[attr-defined]
                             date(2024, 2, 16), **{"known_from": trigger, **given})
    assert {f.name: getattr(made, f.name) for f in fields(Deadline)} == \
        {f.name: getattr(whole, f.name) for f in fields(Deadline)}


GATED = [rule for rule in RULE_FUNCTIONS if getattr(rule, "needs", None) is not None]


def test_the_gates_name_real_kinds():
    from sendtrack import kinds

    assert len(GATED) >= 20  # most rules start from an event of their own
    for rule in GATED:
        assert rule.needs and rule.needs <= set(kinds.BY_NAME), rule.__name__


@pytest.mark.parametrize("rule", GATED, ids=lambda rule: rule.__name__)
def test_a_gated_rule_makes_nothing_without_the_events_it_needs(rule):
    """engine.compute skips a rule marked paths.needs(K) for a case with no K event: taking K's events
    out of each sampled case (everything else kept: the plan, its reviews) leaves the rule nothing."""
    settings = Settings()
    had = 0
    for case in CASES_MADE:
        had += bool(rule(case, CALENDAR, settings))
        without = replace(case, events=tuple(e for e in case.events if e.kind not in rule.needs))
        assert rule(without, CALENDAR, settings) == [], case.ref
    assert had or rule.__name__ not in {"annual_review", "advice", "contact", "appeal_deadline"}


def test_compute_with_the_gates_is_every_rule_run():
    from sendtrack.rules.exceptions import apply_exceptions

    settings = Settings()
    for case in CASES_MADE:
        items = apply_exceptions(case, [item for rule in RULE_FUNCTIONS for item in rule(case, CALENDAR, settings)])
        items.sort(key=lambda d: (d.due, d.rule, d.subject or "", d.trigger))
        assert compute(_fresh(case), CALENDAR, settings) == items
