"""Property tests over random event sequences the rules accept (rules.engine.refusal is the filter).

- act-by is a working day and never after due;
- computing (and materialising) twice changes nothing;
- a deadline `met` on one day is `met` on every later day;
- an exception never changes a due date;
- the materialised table, read through storage.queries (STATUS_SQL, VISIBLE_SQL), equals a fresh
  rules.engine.timeline on several as-of dates: this pins the SQL to domain.status_on.

Under CI (or HYPOTHESIS_PROFILE=ci) the examples are derandomised: the same ones every run (the
profiles are in tests/conftest.py); each test below fixes its own max_examples.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sendtrack import config
from sendtrack.app import record as records
from sendtrack.app.context import Context
from sendtrack.calendar import england
from sendtrack.domain import Case, Event, Settings, Status
from sendtrack.rules.engine import compute, refusal, timeline
from sendtrack.rules.paths import PENDING
from sendtrack.storage import cases as store
from sendtrack.storage import migrate
from sendtrack.storage.db import Location, open_database
from sendtrack.storage.queries import deadline_statuses
from tests.conftest import BACKENDS, pg_database

CALENDAR = england()
SETTINGS = Settings()
CONTEXT = Context(config.load(), CALENDAR, SETTINGS, config.fingerprint(SETTINGS))
TODAY = date(2031, 1, 1)  # after every generated event: refusal's "in the future" never fires
EXAMPLES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

INSTITUTIONS = ("Oak Primary", "Elm High")
BODIES = ("education", "health", "psychology", "social-care", "other")

# Weighted towards the path a case usually takes, so sequences reach plans, reviews and amendments.
STEP_KINDS = (
    ["decision"] * 4 + ["advice-requested"] * 3 + ["advice-received"] * 3 + ["draft"] * 3 + ["final"] * 4
    + ["representations", "consultation-sent", "consultation-reply", "no-plan", "withdrawn", "contact",
       "contact", "exception", "exception"]
    + ["review-scheduled", "review-meeting", "review-meeting", "invitations-sent", "review-report",
       "review-decision", "review-decision", "amendment-notice", "amended-plan", "no-amendment", "cease"]
    # the rest of the statutory journey (spec "4.3 in detail")
    + ["reassessment-request", "reassessment-decision", "move-out", "transferred-out", "transfer-in",
       "transfer-in-notice", "mediation-contact", "mediation-held", "mediation-certificate", "appeal",
       "tribunal-order", "tribunal-order", "order-complied"]
)


PATH = ["decision", "advice-requested", "advice-received", "draft", "final", "review-scheduled",
        "review-meeting", "review-decision", "amendment-notice", "amended-plan", "review-meeting",
        "review-decision"]


@st.composite
def details_for(draw, kind: str, day: date) -> dict:
    if kind == "decision":
        return {"outcome": draw(st.sampled_from(["assess", "assess", "assess", "refuse"]))}
    if kind in {"advice-requested", "advice-received"}:
        return {"from": draw(st.sampled_from(BODIES))}
    if kind in {"consultation-sent", "consultation-reply"}:
        return {"institution": draw(st.sampled_from(INSTITUTIONS))}
    if kind == "exception":
        out = {"limb": draw(st.sampled_from(["c", "d"])), "reason": "circumstances"}
        if draw(st.booleans()):
            out["end"] = day + timedelta(days=draw(st.integers(28, 120)))
        return out
    if kind == "review-scheduled":
        return {"meeting": day + timedelta(days=draw(st.integers(0, 90)))}
    if kind == "review-decision":
        return {"outcome": draw(st.sampled_from(["maintain", "amend", "cease"]))}
    if kind == "cease":
        return {"reason": "moved-away"}
    if kind == "contact":
        return {"with": "parent"}
    if kind in {"final", "amended-plan", "no-amendment"}:
        return {"for_transfer": True} if draw(st.booleans()) else {}
    if kind == "reassessment-decision":
        return {"outcome": draw(st.sampled_from(["assess", "refuse"]))}
    if kind == "move-out":
        return {"on": day + timedelta(days=draw(st.integers(0, 60))), "to_la": "919"}
    if kind == "transfer-in":
        return {"from_la": "919"}
    if kind == "mediation-contact":
        return {"wants": draw(st.sampled_from(["yes", "no"]))}
    if kind == "mediation-certificate":
        return {"not_arranged": True} if draw(st.booleans()) else {}
    if kind == "appeal":
        return {"against": draw(st.sampled_from(["cease", "plan-contents", "refuse-assess"]))}
    if kind == "tribunal-order":
        out = {"order": draw(st.sampled_from(["assess", "make-plan", "amend", "school-only", "continue",
                                              "cease", "reassess"]))}
        return {**out, "unopposed": True} if draw(st.booleans()) else out
    if kind == "order-complied":
        return {"step": draw(st.sampled_from(["notify", "draft", "final", "amended", "no-plan"]))}
    return {}


@st.composite
def accepted_cases(draw) -> tuple[Case, list[tuple[str, date, dict]]]:
    """A case and the steps, in order, that were accepted; the refused draws are simply dropped."""
    dob = date(2008, 1, 1) + timedelta(days=draw(st.integers(0, 3650)))
    received = max(dob + timedelta(days=200), date(2019, 1, 7)) + timedelta(days=draw(st.integers(0, 1200)))
    case = Case(ref="PROP", dob=dob, received=received, events=(Event.make(0, "request", received),))
    # the usual path cut at a random point, with random steps (often refused) mixed in before each
    path = PATH[:draw(st.integers(0, len(PATH)))]
    kinds = []
    for kind in path:
        kinds += draw(st.lists(st.sampled_from(STEP_KINDS), max_size=2)) + [kind]
    kinds += draw(st.lists(st.sampled_from(STEP_KINDS), max_size=4))
    steps, day = [], received
    for number, kind in enumerate(kinds, start=1):
        day = day + timedelta(days=draw(st.sampled_from([0, 1, 3, 7, 14, 30, 45, 90, 200])))
        details = draw(details_for(kind, day))
        event = Event.make(number, kind, day, **details)
        if refusal(case, event, today=TODAY, calendar=CALENDAR, settings=SETTINGS) is None:
            case = replace(case, events=tuple(sorted((*case.events, event), key=lambda e: (e.date, e.id))))
            steps.append((kind, day, details))
    return case, steps


def probe_days(case: Case, items) -> list[date]:
    """Days worth judging on: each due date, the day after, each event, and a regular sweep."""
    days = {case.received + timedelta(days=30 * n) for n in range(0, 90)}
    for item in items:
        # a cease-effective awaiting the Tribunal is due on date(9999, 12, 31) (PENDING): no day after it
        days |= {item.due, item.trigger, *([item.due + timedelta(days=1)] if item.due < date.max else [])}
    days |= {e.date for e in case.events}
    return sorted(d for d in days if d.year <= CALENDAR.last_year)


@EXAMPLES
@given(accepted_cases())
def test_act_by_is_a_working_day_never_after_due(generated):
    case, _ = generated
    for item in compute(case, CALENDAR, SETTINGS):
        assert item.act_by <= item.due
        if item.due == PENDING:  # a cease-effective awaiting the Tribunal: no date yet, so none to act by
            assert item.act_by == PENDING
            continue
        assert CALENDAR.is_working_day(item.act_by)
        assert (item.due - item.act_by).days < 7  # the last working day before, not any earlier one


@EXAMPLES
@given(accepted_cases())
def test_computing_twice_changes_nothing(generated):
    case, _ = generated
    assert compute(case, CALENDAR, SETTINGS) == compute(case, CALENDAR, SETTINGS)


@EXAMPLES
@given(accepted_cases())
def test_met_stays_met_on_every_later_day(generated):
    case, _ = generated
    items = compute(case, CALENDAR, SETTINGS)
    days = probe_days(case, items)
    for item in items:
        met = [day for day in days if item.status_on(day) == Status.MET]
        if met:
            assert all(item.status_on(day) == Status.MET for day in days if day >= met[0]), item
    # and as the case was known on each day (later events unknown): met on one day, met on the next
    # a deadline by what it is, not by its due date: a later event may move the due date of a
    # deadline already met (a transfer-in moves the review cycle: reg 15), and it stays met
    def key(j):
        return (j.deadline.rule, j.deadline.subject, j.deadline.trigger)

    def met(day: date) -> Counter:
        # counted, not a set: two advice requests to one body on one day give two equal keys
        return Counter(key(j) for j in timeline(case, day, CALENDAR, SETTINGS).deadlines
                       if j.status == Status.MET)

    sweep = days[::6]
    for earlier, later in itertools.pairwise(sweep):
        assert not met(earlier) - met(later), (earlier, later)


@EXAMPLES
@given(accepted_cases())
def test_an_exception_never_changes_a_due_date(generated):
    case, _ = generated
    without = replace(case, events=tuple(e for e in case.events if e.kind != "exception"))

    def dates(c: Case):
        return sorted((d.rule, d.subject or "", d.trigger, d.due, d.act_by)
                      for d in compute(c, CALENDAR, SETTINGS))

    assert dates(case) == dates(without)


# --- the materialised table against a fresh computation, on each backend ------------------------

@pytest.fixture(scope="module", params=BACKENDS)
def shared_db(request, tmp_path_factory):
    """One database per backend for the whole module: each example adds a case of its own."""
    if request.param == "sqlite":
        location = Location(path=tmp_path_factory.mktemp("properties") / "p.db")
        migrate.upgrade(location)
        db = open_database(location)
        yield db
        db.close()
        return
    with pg_database() as url:
        location = Location(url=url)
        migrate.upgrade(location)
        db = open_database(location)
        yield db
        db.close()


REFS = (f"PROP-{n:05d}" for n in itertools.count(1))


def _sorted(rows):
    return sorted(rows, key=lambda r: tuple("" if v is None else str(v) for v in r))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(accepted_cases())
def test_materialised_table_equals_a_fresh_computation(shared_db, generated):
    case, steps = generated
    db, ref = shared_db, next(REFS)
    records.add_request(db, name="Property Child", dob=case.dob, received=case.received, ref=ref,
                        source="parent", team="front-door", coordinator=None, looked_after=False,
                        alternative_provision=False, setting=None, by="hypothesis", today=TODAY,
                        context=CONTEXT, allow_duplicate=True)  # many generated children, one name
    for kind, day, details in steps:
        records.record(db, ref=ref, kind=kind, when=day, details=dict(details), by="hypothesis", today=TODAY,
                       context=CONTEXT)
    row = store.find_case(db, ref)
    stored_case = store.to_case(row, store.event_rows(db, row.id))
    assert [(e.kind, e.date) for e in stored_case.events] == [(e.kind, e.date) for e in case.events]
    for day in probe_days(case, compute(case, CALENDAR, SETTINGS))[::5]:
        from_sql = deadline_statuses(db, row.id, day)
        fresh = [(j.deadline.rule, j.deadline.subject, j.deadline.due, j.status.value)
                 for j in timeline(case, day, CALENDAR, SETTINGS).deadlines]
        assert _sorted(from_sql) == _sorted(fresh), day
    # materialising again changes nothing
    stored = _sorted(store.deadline_values(row.id, d) for d in store.stored_deadlines(db, row.id))
    with db.write():
        store.replace_deadlines(db, row.id, compute(stored_case, CALENDAR, SETTINGS))
    assert _sorted(store.deadline_values(row.id, d) for d in store.stored_deadlines(db, row.id)) == stored


def test_the_generator_reaches_plans_reviews_and_exceptions():
    """Guard against a generator that only ever makes trivial cases."""
    seen: set[str] = set()

    # derandomised: a claim about the generator's reach, not a search for a failing case (with random
    # draws, 150 examples missed one of the kinds about one run in four)
    @settings(max_examples=300, deadline=None, database=None, derandomize=True)
    @given(accepted_cases())
    def collect(generated):
        seen.update(kind for kind, _, _ in generated[1])

    collect()
    assert {"decision", "final", "review-meeting", "review-decision", "exception"} <= seen, seen
