"""Fixtures for the rules tests: the England calendar, default settings and a terse case builder."""

from __future__ import annotations

from datetime import date

import pytest

from sendtrack.calendar import Calendar, england, load_closures
from sendtrack.domain import Case, Event, Settings
from sendtrack.rules.engine import Judged, timeline


@pytest.fixture(scope="session")
def cal() -> Calendar:
    return england()


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def closure_settings() -> Settings:
    return Settings(closures=load_closures())


def build_case(received: date, events=(), *, dob: date = date(2016, 5, 4), ref: str = "T") -> Case:
    """A case from `(kind, date)` or `(kind, date, {details})` tuples; the request is event 0.

    Events keep the order given for ids (so two on one day stay in the order written) and are sorted by
    (date, id), as storage hands them to the rules.
    """
    made = [Event.make(0, "request", received)]
    for number, spec in enumerate(events, start=1):
        kind, when, *rest = spec
        made.append(Event.make(number, kind, when, **(rest[0] if rest else {})))
    made.sort(key=lambda e: (e.date, e.id))
    return Case(ref=ref, dob=dob, received=received, events=tuple(made))


@pytest.fixture(scope="session")
def make_case():
    return build_case


@pytest.fixture(scope="session")
def judged(cal, settings):
    """`judged(case, as_of, rule, subject=None, settings=None)`: that rule's deadlines on `as_of`."""

    def run(case: Case, as_of: date, rule: str, subject: str | None = None,
            settings_: Settings | None = None) -> list[Judged]:
        found = timeline(case, as_of, cal, settings_ or settings).deadlines
        return [j for j in found if j.deadline.rule == rule
                and (subject is None or j.deadline.subject == subject)]

    return run


@pytest.fixture(scope="session")
def one(judged):
    """The single deadline of `rule` on `as_of` (fails if there are none or several)."""

    def run(case: Case, as_of: date, rule: str, subject: str | None = None,
            settings_: Settings | None = None) -> Judged:
        found = judged(case, as_of, rule, subject, settings_)
        assert len(found) == 1, f"expected one {rule} deadline on {as_of}, got {found}"
        return found[0]

    return run
