"""domain.quick_init: the faster `__init__` of Event, Case and Deadline takes the same arguments, gives the
same defaults and makes the same values as the dataclass's own (kept as `_dataclass_init`); and the case's
kept answers (`latest`, `of_kind`) are the ones worked out afresh."""

from __future__ import annotations

import inspect
from dataclasses import fields
from datetime import date

import pytest

from sendtrack.domain import Case, Deadline, Event, quick_init

D = date(2024, 2, 29)


def _made_both_ways(cls, *args, **kwargs):
    fast = object.__new__(cls)
    cls.__init__(fast, *args, **kwargs)
    plain = object.__new__(cls)
    cls._dataclass_init(plain, *args, **kwargs)
    return fast, plain


def _slots(value) -> dict:
    """Every field, compare=False and init=False ones too."""
    return {f.name: getattr(value, f.name) for f in fields(value)}


@pytest.mark.parametrize("cls", [Event, Case, Deadline])
def test_same_signature(cls):
    assert inspect.signature(cls.__init__) == inspect.signature(cls._dataclass_init)


@pytest.mark.parametrize("cls, args, kwargs", [
    (Event, (1, "draft", D), {}),
    (Event, (2, "final", D, (("for_transfer", "true"),)), {}),
    (Case, ("R1", date(2015, 1, 1), D), {}),
    (Case, ("R2", date(2015, 1, 1), D, True, True, "School"),
     {"events": (Event(1, "request", D), Event(2, "contact", D), Event(3, "contact", D)), "void": True}),
    (Deadline, ("advice", "partner", "statutory", "reg 8(1)", D, D, D), {}),
    (Deadline, ("advice", "partner", "statutory", "reg 8(1)", D, D, D),
     {"subject": "health", "completed_on": D, "excepted_from": D, "exception_limb": "c", "ended_on": D,
      "known_from": D, "known_until": D, "basis": "words"}),
])
def test_same_values(cls, args, kwargs):
    fast, plain = _made_both_ways(cls, *args, **kwargs)
    assert fast == plain
    assert _slots(fast) == _slots(plain)


def test_missing_and_unknown_arguments_are_refused_alike():
    with pytest.raises(TypeError):
        Deadline("advice", "partner")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Event(1, "draft", D, colour="red")  # type: ignore[call-arg]
    with pytest.raises(AttributeError):
        Event(1, "draft", D).kind = "final"  # type: ignore[misc]  # still frozen


def test_a_default_factory_is_refused():
    from dataclasses import dataclass, field

    with pytest.raises(TypeError, match="default factory"):
        @quick_init
        @dataclass(frozen=True, slots=True)
        class Bag:
            items: list = field(default_factory=list)


def test_kept_answers_are_fresh_ones():
    events = (Event(1, "request", date(2020, 1, 6)), Event(3, "contact", date(2020, 3, 2)),
              Event(2, "contact", date(2020, 2, 3)), Event(4, "draft", date(2020, 2, 20)))
    grown = Case("R", date(2012, 5, 1), date(2020, 1, 6))
    assert grown.latest() is None
    for index, event in enumerate(events):
        grown = grown.then(event)
        whole = Case("R", date(2012, 5, 1), date(2020, 1, 6), events=events[:index + 1])
        # latest is the largest date, not the last event's (events need not be in date order here)
        assert grown.latest() == whole.latest() == max(e.date for e in events[:index + 1])
        for kind in ("request", "contact", "draft", "final"):
            assert grown.of_kind(kind) == whole.of_kind(kind) == tuple(e for e in whole.events if e.kind == kind)
        assert grown.of_kind("contact", "draft") == tuple(e for e in whole.events if e.kind != "request")
    # as_of with the latest date kept: later events dropped, the same value when none is later
    assert grown.as_of(date(2020, 3, 2)) is grown
    assert grown.as_of(date(2020, 3, 1)).events == (events[0], events[2], events[3])
    assert grown.as_of(date(2020, 2, 19)).latest() == date(2020, 2, 3)
