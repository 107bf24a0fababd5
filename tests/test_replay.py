"""The shortcuts import, check and the rules take when replaying a case (issue 14 item 6) give what the
plain way gives: `Case.then` is the case built whole, the answers `rules.paths` keeps per case are the
answers worked out afresh, and `batch.replay_problems` (the case extended event by event) refuses exactly
what rebuilding the case before every event refuses."""

from __future__ import annotations

import random
from bisect import insort
from datetime import date

import pytest

from sendtrack import kinds
from sendtrack.app import batch
from sendtrack.app.sample import generate, staffing
from sendtrack.calendar import england
from sendtrack.config import load
from sendtrack.domain import Case, Event, Settings
from sendtrack.rules import paths
from sendtrack.rules.engine import compute, refusal

AS_OF = date(2025, 6, 30)
CALENDAR = england()
SETTINGS = Settings()
CASES = 400


def _histories() -> list[tuple[Case, list[tuple[int, Event, int | None]]]]:
    """The sample's first CASES cases: (the case without events, its events in recording order as
    replay_problems takes them: (key, event, voided event id))."""
    staff = staffing(1, CASES, as_of=AS_OF, years=6, teams=load(None).teams)
    out = []
    for number in range(CASES):
        values, events = generate(1, number, as_of=AS_OF, years=6, staff=staff)
        made = []
        for index, (kind, when, pairs, voids, _, _) in enumerate(events):
            target = voids if kind == "void" else None
            made.append((index, Event(index, kind, when, () if kind == "void" else pairs), target))
        out.append((Case(ref=f"T{number}", dob=values["dob"], received=values["received"],
                         looked_after=values["looked_after"],
                         alternative_provision=values["alternative_provision"], setting=values["setting"]),
                    made))
    return out


HISTORIES = _histories()


def _reference_replay(case: Case, events) -> list[tuple[int, str]]:
    """replay_problems as it was before the shortcut (copied from it): the case rebuilt whole before
    every event."""
    problems: list[tuple[int, str]] = []
    live: list[Event] = []
    seen: dict[int, str] = {}
    voided: set[int] = set()
    for key, event, target in events:
        if event.kind == "void":
            if target not in seen:
                problems.append((key, f"void of event {target}, which is not an earlier event of this case"))
            elif seen[target] in kinds.UNVOIDABLE:
                problems.append((key, f"event {target} is a {seen[target]} and cannot be voided"))
            elif target in voided:
                problems.append((key, f"event {target} is already voided"))
            else:
                voided.add(target)
                live = [e for e in live if e.id != target]
            seen[event.id] = event.kind
            continue
        seen[event.id] = event.kind
        if event.kind == "request":
            if event.date != case.received:
                problems.append((key, f"request date {event.date} differs from the case's received date "
                                      f"{case.received}"))
            insort(live, event, key=lambda e: (e.date, e.id))
            continue
        current = Case(case.ref, case.dob, case.received, case.looked_after, case.alternative_provision,
                       case.setting, tuple(live))
        problem = refusal(current, event, today=AS_OF, calendar=CALENDAR, settings=SETTINGS)
        if problem:
            problems.append((key, problem))
        else:
            insort(live, event, key=lambda e: (e.date, e.id))
    return problems


def _replay(case, events):
    return batch.replay_problems(case, events, today=AS_OF, calendar=CALENDAR, settings=SETTINGS)


def test_the_sample_has_voids_and_long_histories():
    """Else the tests below would not reach the rebuilt-after-a-void path."""
    assert sum(any(e.kind == "void" for _, e, _ in events) for _, events in HISTORIES) >= 5
    assert max(len(events) for _, events in HISTORIES) >= 20


def test_then_is_the_case_built_whole():
    for case, events in HISTORIES:
        grown = Case(case.ref, case.dob, case.received, case.looked_after, case.alternative_provision,
                     case.setting)
        for _, event, _ in events:
            grown = grown.then(event)
            whole = Case(case.ref, case.dob, case.received, case.looked_after, case.alternative_provision,
                         case.setting, (*grown.events[:-1], event))
            assert grown == whole
            for kind in {e.kind for e in grown.events}:
                assert grown.positioned(kind) == whole.positioned(kind)
        assert compute(grown, CALENDAR, SETTINGS) == compute(
            Case(**{**{f: getattr(case, f) for f in ("ref", "dob", "received", "looked_after",
                                                       "alternative_provision", "setting")},
                    "events": grown.events}), CALENDAR, SETTINGS)


def test_a_sampled_history_replays_without_a_problem_either_way():
    for case, events in HISTORIES:
        assert _replay(case, events) == _reference_replay(case, events) == []


@pytest.mark.parametrize("seed", range(3))
def test_shuffled_and_back_dated_histories_are_refused_alike(seed):
    """Recording order shuffled (back-dated entries, events before what they need): the shortcut refuses
    the same events, with the same reasons, as rebuilding the case every time."""
    rng = random.Random(seed)
    refused = 0
    for case, events in HISTORIES[:150]:
        request, rest = events[0], events[1:]
        rest = rest[:]
        rng.shuffle(rest)
        shuffled = [request, *rest]
        expected = _reference_replay(case, shuffled)
        assert _replay(case, shuffled) == expected
        refused += len(expected)
    assert refused > 50  # shuffling did make histories the rules refuse


def test_the_answers_kept_per_case_are_the_answers_worked_out_afresh():
    """Each memoised question of rules.paths, on every case and on the case as it stood at each of its
    events' dates (as_of makes a new case value, with nothing kept from the later one)."""
    questions = [getattr(paths, name) for name in dir(paths)
                 if hasattr(getattr(paths, name), "__wrapped__")]
    assert {q.__name__ for q in questions} >= {"plan_ends_on", "assessment_ends_on", "ceased_on"}
    for case, events in HISTORIES[:200]:
        voided = {target for _, _, target in events if target is not None}
        full = Case(case.ref, case.dob, case.received, case.looked_after, case.alternative_provision,
                    case.setting, tuple(sorted((e for _, e, _ in events if e.kind != "void" and e.id not in voided),
                                               key=lambda e: (e.date, e.id))))
        for question in questions:
            question(full)  # asked once: later answers come from the memo
        for day in sorted({e.date for e in full.events}):
            earlier = full.as_of(day)
            for question in questions:
                assert question(earlier) == question.__wrapped__(earlier), (question.__name__, day)
        for question in questions:
            assert question(full) == question.__wrapped__(full)
