"""Immutable case, event and deadline values that the rules work on (no I/O, no clock)."""

from __future__ import annotations

import datetime as dt  # in Event, below its field `date` (which shadows the type), as `dt.date`
from collections.abc import KeysView
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar, overload

_T = TypeVar("_T")

#: Rules that run out like a family window though the LA owns them (mirrored in storage.queries)
WINDOW_RULES = frozenset({"cease-effective"})
#: What an erased case's name becomes (storage/privacy.ERASED_NAME is this): shown as itself
#: where initials are shown (output/render.initials).
ERASED_NAME = "(erased)"


def quick_init(cls: type[_T]) -> type[_T]:
    """`cls` with its dataclass `__init__` replaced by one of the same signature that sets each slot
    through the slot's own descriptor: a frozen dataclass's `__init__` calls `object.__setattr__(self,
    name, value)` for every field, which looks the name up on the class each time, and the engine makes
    ~250,000 deadlines for a council (1.8 us each against 1.1 us here). Same values, same defaults,
    `__post_init__` still run; the generated one is kept as `_dataclass_init` (tests/test_quick_init.py
    compares the two)."""
    made = [f for f in fields(cls) if f.init]  # type: ignore[arg-type]  # cls is a dataclass
    space: dict[str, Any] = {"_new_" + f.name: getattr(cls, f.name).__set__ for f in made}
    params = []
    for f in made:
        if f.default_factory is not MISSING:
            raise TypeError(f"{cls.__name__}.{f.name}: a default factory is not supported")
        if f.default is MISSING:
            params.append(f.name)
        else:
            space["_default_" + f.name] = f.default
            params.append(f"{f.name}=_default_{f.name}")
    body = [f"    _new_{f.name}(self, {f.name})" for f in made]
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    exec(f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body or ["    pass"]), space)  # noqa: S102
    init = space["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    init.__annotations__ = dict(cls.__init__.__annotations__)
    cls._dataclass_init = cls.__init__  # type: ignore[attr-defined]
    cls.__init__ = init  # type: ignore[method-assign]  # same signature, set after the class is made
    return cls


class Status(StrEnum):
    MET = "met"
    LATE = "late"
    OPEN = "open"
    OVERDUE = "overdue"
    EXCEPTED = "excepted"
    NOT_APPLICABLE = "not-applicable"


@quick_init
@dataclass(frozen=True, slots=True)
class Event:
    """One dated thing that happened to a case. `details` holds the kind's own fields."""

    id: int
    kind: str
    date: date
    details: tuple[tuple[str, str], ...] = ()

    @overload
    def get(self, key: str) -> str | None: ...
    @overload
    def get(self, key: str, default: str) -> str: ...
    @overload
    def get(self, key: str, default: str | None) -> str | None: ...

    def get(self, key: str, default: str | None = None) -> str | None:
        for k, v in self.details:
            if k == key:
                return v
        return default

    def flag(self, key: str) -> bool:
        """A flag detail (`--for-transfer`): set when stored as true, however it was spelt in."""
        return str(self.get(key)).lower() == "true"

    def get_date(self, key: str) -> dt.date | None:
        value = self.get(key)
        return date.fromisoformat(value) if value else None

    @staticmethod
    def make(id: int, kind: str, when: dt.date, **details: object) -> Event:
        pairs = tuple(
            sorted((k, v.isoformat() if isinstance(v, date) else str(v))
                   for k, v in details.items() if v is not None)
        )
        return Event(id=id, kind=kind, date=when, details=pairs)


@quick_init
@dataclass(frozen=True, slots=True)
class Case:
    """A request for an EHC needs assessment and everything that follows it."""

    ref: str
    dob: date
    received: date
    looked_after: bool = False
    alternative_provision: bool = False
    setting: str | None = None
    events: tuple[Event, ...] = ()
    #: the request itself was voided (recorded by mistake): the case has no deadlines and is in no
    #: report or KPI; it stays in its history
    void: bool = False
    #: kind -> [(position in `events`, event)], built once: the rules ask "the first X" dozens of times
    #: per case, and scanning every event each time was a third of the engine's cost.
    _kinds: dict[str, list[tuple[int, Event]]] = field(default_factory=dict, init=False, repr=False,
                                                        compare=False, hash=False)
    #: what the rules' shared questions (rules.paths: when the plan ends, when the assessment ended)
    #: answered about this case, asked a dozen times a case by the rules: a pure function of an
    #: immutable value, worked out once (rules.paths.per_case)
    _memo: dict[str, object] = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)
    #: kinds -> their events in order, as `of_kind` gives them: filled as asked, shared by every asker
    #: (a tuple, so no caller can change what the next one reads)
    _of: dict[tuple[str, ...], tuple[Event, ...]] = field(default_factory=dict, init=False, repr=False,
                                                          compare=False, hash=False)

    def __post_init__(self) -> None:
        index: dict[str, list[tuple[int, Event]]] = {}
        for position, event in enumerate(self.events):
            found = index.get(event.kind)
            if found is None:
                index[event.kind] = [(position, event)]
            else:
                found.append((position, event))
        _set_kinds(self, index)
        _set_memo(self, {})
        _set_of(self, {})

    def then(self, event: Event) -> Case:
        """This case with `event` added after all its events: the same value as
        `Case(..., events=self.events + (event,))`, with the kind index extended rather than rebuilt,
        so replaying a history event by event stays linear (check, import). The rules expect events in
        (date, id) order: the caller adds them in that order."""
        later = _new(Case)
        _copy_values(later, self)
        _set_events(later, (*self.events, event))
        index = dict(self._kinds)
        index[event.kind] = [*index.get(event.kind, ()), (len(self.events), event)]
        _set_kinds(later, index)
        latest = self._memo.get(_LATEST, _UNKNOWN)
        # the last date known carries over (as_of asks it once per event replayed)
        _set_memo(later, {} if latest is _UNKNOWN else {_LATEST: event.date if latest is None
                                                        or event.date > latest else latest})  # type: ignore[operator]
        _set_of(later, {})
        return later

    def latest(self) -> date | None:
        """The date of the case's last event (None without events), worked out once."""
        memo = self._memo
        found = memo.get(_LATEST, _UNKNOWN)
        if found is _UNKNOWN:
            found = memo[_LATEST] = max((e.date for e in self.events), default=None)
        return found  # type: ignore[return-value]  # stored just above or by `then`: a date or None

    def as_of(self, when: date) -> Case:
        """The case as it was known on `when`: later events are ignored (spec 8.2)."""
        latest = self.latest()
        if latest is None or latest <= when:
            return self  # nothing later: the same immutable value, without rebuilding it
        return replace(self, events=tuple(e for e in self.events if e.date <= when))

    def kinds(self) -> KeysView[str]:
        """The kinds of event the case has (a view: `kinds().isdisjoint(...)` reads the shorter side)."""
        return self._kinds.keys()

    def positioned(self, kind: str) -> list[tuple[int, Event]]:
        """The events of one kind with their positions in `events`, in order."""
        return self._kinds.get(kind, [])

    def of_kind(self, *kinds: str) -> tuple[Event, ...]:
        """The events of `kinds`, in order."""
        found = self._of.get(kinds)
        if found is None:
            if len(kinds) == 1:
                positioned = self._kinds.get(kinds[0])
                found = tuple([e for _, e in positioned]) if positioned else ()
            else:
                found = tuple([e for e in self.events if e.kind in kinds])
            self._of[kinds] = found
        return found

    def first(self, *kinds: str, on_or_after: date | None = None) -> Event | None:
        best: tuple[int, Event] | None = None
        for kind in kinds:
            for position, e in self._kinds.get(kind, ()):
                if on_or_after is None or e.date >= on_or_after:
                    if best is None or position < best[0]:
                        best = (position, e)
                    break
        return best[1] if best is not None else None




def _copier(cls: type, names: list[str]) -> Any:
    """`copy(later, earlier)`: `names` copied from one value of `cls` to another, each set through the
    slot's own descriptor (the class is frozen), in straight-line code (`Case.then` runs once per event
    replayed)."""
    space = {f"_set_{name}": getattr(cls, name).__set__ for name in names}
    lines = [f"    _set_{name}(later, earlier.{name})" for name in names]
    exec("def copy(later, earlier):\n" + "\n".join(lines), space)  # noqa: S102
    return space["copy"]


#: copies the fields `Case.then` keeps as they are (every constructor argument but the events)
_copy_values = _copier(Case, [f.name for f in fields(Case) if f.init and f.name != "events"])
_new = object.__new__
_set_events = getattr(Case, "events").__set__  # noqa: B009 - the slot's descriptor, not an event tuple
_set_kinds = getattr(Case, "_kinds").__set__  # noqa: B009
_set_memo = getattr(Case, "_memo").__set__  # noqa: B009
_set_of = getattr(Case, "_of").__set__  # noqa: B009
#: the memo's key for `Case.latest` (not a rules.paths question's name), and "not worked out yet"
_LATEST = " latest"
_UNKNOWN = object()


@quick_init
@dataclass(frozen=True, slots=True)
class Deadline:
    """A statutory (or guidance, or local) deadline, with everything needed to judge it on any date.

    The dates beyond `due` make the status a pure function of the as-of date, so a deadline computed
    from every event and stored once can be evaluated for any day without recomputing:
    `known_from`/`known_until` bound the days it exists, `completed_on`, `excepted_from` and
    `ended_on` say when it was done, disapplied or made not applicable.
    """

    rule: str
    owner: str  # la | partner | family
    kind: str  # statutory | guidance | local
    source: str
    trigger: date
    due: date
    act_by: date
    subject: str | None = None
    completed_on: date | None = None
    excepted_from: date | None = None
    exception_limb: str | None = None
    ended_on: date | None = None
    known_from: date | None = None
    known_until: date | None = None
    #: the arithmetic in words, naming the limit that applied (spec 8.11). Computed with the deadline and
    #: shown by the timeline and `record`; not stored (storage.columns leaves it out), so it is never part
    #: of a comparison of stored and fresh deadlines.
    basis: str = field(default="", compare=False)

    @property
    def is_window(self) -> bool:
        """Family windows run out rather than get completed (spec 8.3), and so does the day a ceased
        plan may end (spec 4.3: open until it passes, met after, never overdue)."""
        return self.owner == "family" or self.rule in WINDOW_RULES

    def visible_on(self, when: date) -> bool:
        start = self.known_from or self.trigger
        return start <= when and (self.known_until is None or when < self.known_until)

    def status_on(self, when: date) -> Status:
        return Status(
            status_on(
                when,
                due=self.due,
                window=self.is_window,
                completed_on=self.completed_on,
                excepted_from=self.excepted_from,
                ended_on=self.ended_on,
            )
        )

    def completed_on_as_of(self, when: date) -> date | None:
        if self.is_window:
            return self.due if when > self.due and not self._ended_by(when) else None
        if self.completed_on is not None and self.completed_on <= when:
            return self.completed_on
        return None

    def _ended_by(self, when: date) -> bool:
        return self.ended_on is not None and self.ended_on <= when and self.ended_on <= self.due


def status_on(
    when: date,
    *,
    due: date,
    window: bool,
    completed_on: date | None,
    excepted_from: date | None,
    ended_on: date | None,
) -> str:
    """The status of a deadline on `when` (spec section 2). Mirrored in SQL by storage.queries."""
    if window:
        if ended_on is not None and ended_on <= when and ended_on <= due:
            return Status.NOT_APPLICABLE
        return Status.OPEN if when <= due else Status.MET
    if completed_on is not None and completed_on <= when:
        if completed_on <= due:
            return Status.MET
        return Status.EXCEPTED if excepted_from is not None else Status.LATE
    if ended_on is not None and ended_on <= when:
        return Status.NOT_APPLICABLE
    if when <= due:
        return Status.OPEN
    if excepted_from is not None and excepted_from <= when:
        return Status.EXCEPTED
    return Status.OVERDUE


@dataclass(frozen=True, slots=True)
class Check:
    """Something a case's events break besides a deadline (spec 4.1 checks)."""

    code: str
    message: str
    date: date | None = None


@dataclass(frozen=True, slots=True)
class Transfer:
    """A move between phases in September of `year` (or on `on` for a post-16 move)."""

    rule: str  # phase-transfer | post16-transfer | post16-move
    on: date
    description: str = ""


@dataclass(frozen=True, slots=True)
class Closure:
    """A school closure: first day closed and the day it re-opens."""

    institution: str  # "*" for the authority's default calendar
    closed_from: date
    reopens: date
    estimated: bool = False

    @property
    def days(self) -> int:
        return (self.reopens - self.closed_from).days


@dataclass(frozen=True, slots=True)
class Settings:
    """Configurable thresholds of the rules (spec sections 4.2 and 5)."""

    annual_review_from: str = "meeting"  # meeting | decision
    under5_review_months: int = 6
    at_risk_days: int = 14
    draft_by_weeks: int = 14
    advice_chase_weeks: int = 5
    review_scheduled_weeks: int = 8
    phase_transfer_meeting_weeks: int = 12
    contact_weeks: int = 6
    closures: tuple[Closure, ...] = field(default_factory=tuple)
