"""Synthetic council-like caseloads for `sendtrack sample`: plain rows, every sequence one the rules accept.

The shape follows the published figures (spec section 7): about 2/3 of requests agreed for assessment,
~95% of decisions within 6 weeks, ~55% of final plans within 20 weeks, ~5% of cases with a recorded
exception, yearly reviews with some late, phase transfers from the dates of birth, and cases held by
the configured teams by the allocation rule of spec section 6.

The law is not copied here: the team comes from `rules.teams` (as `sendtrack allocate` judges it), ages,
year groups and transfer deadlines from `rules.teams` and `rules.transfers`, the review year from
`rules.counting`, and the team ids and caseload ambitions from the configuration's teams passed in. A
case whose rule team the configuration lacks is held by its first team (`allocate` leaves such cases
alone).

Every case draws from its own `random.Random` seeded from (seed, case number), so the same seed gives
the same data however the work is split between processes.

Names are obviously synthetic and vary, so reports' initials tell children apart: a given name, usually
a middle name, and a surname. The given names are invented (four for each letter, "Amberlin",
"Zephyrine"); every surname is a word that says the data is made up ("Sample", "Example", "Testing",
"Madeup", "Fiction", "Demo") with a place-name ending ("Sampleton", "Fictionbrook"), so no full name can
be taken for a real child's. The name is a fixed permutation of the case id, not drawn from the seed:
no two of the first million case ids of a database share a name (so `check` never sees two open
requests for "the same child"), and consecutive cases look unrelated.
"""

from __future__ import annotations

import json
import marshal
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sendtrack import kinds
from sendtrack.config import Team
from sendtrack.rules.counting import twelve_months_starting
from sendtrack.rules.teams import FRONT_DOOR, CaseFacts, age_on, team_for
from sendtrack.rules.transfers import default_transfer_deadlines
from sendtrack.storage.columns import CASE_RETURNS

if TYPE_CHECKING:
    from sendtrack.app.context import Context


class Weights(tuple):
    """(value, weight) pairs with their total, summed once (as `_weighted` summed it on every draw)."""

    total: float

    def __new__(cls, pairs):
        self = super().__new__(cls, pairs)
        self.total = sum(weight for _, weight in self)
        return self


SOURCES = Weights((("parent", 45), ("school", 35), ("health", 8), ("social-care", 5), ("young-person", 2),
                   ("other", 5)))
#: Age at request in years, weighted (most requests are for primary-age children).
AGES = Weights(((1, 4), (2, 8), (3, 9), (4, 9), (5, 9), (6, 8), (7, 8), (8, 7), (9, 6), (10, 6), (11, 6),
                (12, 5), (13, 5), (14, 4), (15, 3), (16, 2), (17, 1), (18, 1)))
SETTINGS = 400  # "Sample School 001" ... invented settings
#: The exception limbs a sampled exception is recorded under, weighted (spec 8.4).
LIMBS = Weights((("c", 70), ("d", 20), ("a", 10)))
ADVICE = ("education", "health", "psychology", "social-care")
DAY = timedelta(days=1)

GIVEN_NAMES = (
    "Amberlin", "Arvenna", "Alistrel", "Astolwen", "Brisolde", "Bellamine", "Brennock", "Bramwin",
    "Corrabel", "Cindrel", "Colwenna", "Castrin", "Dorvessa", "Dunmere", "Dastrel", "Divenne",
    "Elvarin", "Emberlee", "Evandel", "Estorwyn", "Fennick", "Florimel", "Farrowen", "Felisande",
    "Gorvane", "Gildrey", "Gwynmere", "Galadine", "Halvery", "Hollin", "Havrel", "Hestamine",
    "Ilvane", "Ivrella", "Idrith", "Imbrel", "Jessamond", "Jorvick", "Juniva", "Jaskel",
    "Kestrin", "Kallowen", "Korvel", "Kindrel", "Lumira", "Larkwin", "Lissander", "Lorvane",
    "Marrowin", "Mirabeth", "Melquin", "Mistrel", "Nimbrel", "Norvessa", "Nettlewyn", "Nalvin",
    "Orlavin", "Ossery", "Ombrelle", "Oriven", "Pimbrel", "Perrivan", "Pellory", "Posette",
    "Quillon", "Quenvessa", "Quorbin", "Quistel", "Rivalen", "Rushmere", "Rellisand", "Rowvin",
    "Salvessa", "Sorrelin", "Starkwin", "Silvane", "Tamberly", "Thistlewyn", "Torvane", "Trevissa",
    "Ulvarin", "Umbrelle", "Ursolde", "Udrith", "Vellamy", "Vesperine", "Vorwin", "Valdrisse",
    "Wrenmere", "Wistelle", "Willowen", "Worvane", "Xandrel", "Xylvane", "Xenwick", "Xavrine",
    "Yarrowin", "Ymbrel", "Yestrel", "Yvrelle", "Zephyrine", "Zandrel", "Zimberly", "Zelphine",
)
SURNAMES = tuple(root + ending for root in ("Sample", "Example", "Testing", "Madeup", "Fiction", "Demo")
                 for ending in ("ton", "ford", "wick", "by", "field", "combe", "thorpe", "ham", "stead",
                                "worth", "ley", "well", "more", "dale", "bury", "brook"))
#: Distinct names: given x (no middle name, or one of the other given names) x surname.
NAMES = len(GIVEN_NAMES) ** 2 * len(SURNAMES)
#: Case ids map to names by id * NAME_STEP mod NAMES: a permutation (NAME_STEP is coprime to NAMES) that
#: moves ~0.618 of the way round each step, so neighbouring cases differ in every part of the name.
NAME_STEP = 641_729
assert math.gcd(NAME_STEP, NAMES) == 1


@dataclass(frozen=True, slots=True)
class Profile:
    """What decides a case's path and its team, drawn first so both passes agree."""

    received: date
    dob: date
    looked_after: bool
    alternative_provision: bool
    path: str  # withdrawn-early | refused | withdrawn | no-plan | plan
    decision_days: int
    final_days: int  # days from request to the final plan (plan path only)
    excepted: bool


class _Random(random.Random):
    """random.Random with integer draws taken from one `random()` each: the standard library's
    `randint` costs ~1 us (three calls and rejection sampling), a third of generating a case."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, stop: int) -> int:  # type: ignore[override]  # only randrange(stop) is used
        return int(self.random() * stop)


def case_rng(seed: int, number: int) -> random.Random:
    return _Random((seed << 32) | number)


def _weighted(rng: random.Random, table: Weights) -> Any:
    """A value of `table`'s (value, weight) pairs, drawn in proportion to its weight."""
    pick = rng.random() * table.total
    for value, weight in table:
        pick -= weight
        if pick < 0:
            return value
    return table[-1][0]


def profile(rng: random.Random, as_of: date, years: int) -> Profile:
    # requests grow ~10% a year (spec 7): weight recent days more
    span = years * 365
    back = int(span * (1 - math.sqrt(rng.random()) ** 0.6)) if span else 0
    received = as_of - timedelta(days=min(back, span))
    age = _weighted(rng, AGES)
    dob = received - timedelta(days=int(age * 365.25) + rng.randrange(365))
    looked_after = rng.random() < 0.03
    ap = rng.random() < 0.03
    roll = rng.random()
    path = ("withdrawn-early" if roll < 0.02 else "refused" if roll < 0.34 else
            "withdrawn" if roll < 0.36 else "no-plan" if roll < 0.40 else "plan")
    decision_days = rng.randint(20, 42) if rng.random() < 0.95 else rng.randint(43, 75)
    excepted = path == "plan" and rng.random() < 0.08
    on_time = rng.random() < (0.58 if not excepted else 0.2)
    final_days = rng.randint(decision_days + 50, 140) if on_time else rng.randint(141, 300)
    return Profile(received, dob, looked_after, ap, path, decision_days, final_days, excepted)


def facts(p: Profile, as_of: date) -> CaseFacts:
    """What the allocation rule looks at on the as-of date: a plan once the final plan is issued."""
    issued = p.path == "plan" and p.received + timedelta(days=p.final_days) <= as_of
    return CaseFacts(p.dob, p.looked_after, p.alternative_provision, plan_issued=issued)


@dataclass(frozen=True, slots=True)
class Staffing:
    """The configured teams as the sample staffs them: their ids (in configuration order), the middle
    of each one's caseload ambition per coordinator (spec 6), the code in its coordinators' names,
    and, once sized, how many coordinators each has."""

    teams: tuple[str, ...]
    ambition: dict[str, float]
    codes: dict[str, str]
    coordinators: dict[str, int]

    @classmethod
    def of(cls, teams: Sequence[Team]) -> Staffing:
        if not teams:
            raise ValueError("the sample needs at least one configured team")
        ids = tuple(t.id for t in teams)
        codes = {team: "".join(part[:1] for part in team.split("-")).upper() for team in ids}
        clashing = {code for code in codes.values() if list(codes.values()).count(code) > 1}
        codes = {team: team.upper() if code in clashing else code for team, code in codes.items()}
        return cls(ids, {t.id: (t.ambition_low + t.ambition_high) / 2 for t in teams}, codes,
                   dict.fromkeys(ids, 1))

    def holder(self, rule_team: str) -> str:
        """The configured team holding what the rule gives `rule_team`: itself, else the first team."""
        return rule_team if rule_team in self.ambition else self.teams[0]

    def team(self, p: Profile, as_of: date) -> str:
        return self.holder(team_for(facts(p, as_of), as_of))

    @property
    def intake(self) -> str:
        """Where requests and assessments sit: the front door."""
        return self.holder(FRONT_DOOR)

    def sized(self, held: Counter) -> Staffing:
        """Coordinators per team for `held` cases, sized to the middle of the team's ambition."""
        return replace(self, coordinators={team: max(1, math.ceil(held.get(team, 0) / ambition))
                                           for team, ambition in self.ambition.items()})

    def coordinator(self, team: str, rng: random.Random) -> str:
        return f"Sample Coordinator {self.codes[team]}-{rng.randrange(self.coordinators[team]) + 1:02d}"


def staffing(seed: int, count: int, *, as_of: date, years: int, teams: Sequence[Team],
             imap=map) -> Staffing:
    """First pass: the plans each team holds, to size the coordinator numbers before any row is made.

    `imap` (batch.pool's) spreads the pass over worker processes, `STAFFING_CHUNK` cases a task."""
    staff = Staffing.of(teams)
    held: Counter = Counter()
    for part in imap(_held, [(seed, start, min(start + STAFFING_CHUNK, count), as_of, years, staff)
                             for start in range(0, count, STAFFING_CHUNK)]):
        held.update(part)
    return staff.sized(held)


#: Cases a task of the staffing pass draws (its answer is a few counts, so tasks can be big).
STAFFING_CHUNK = 2500


def _held(args) -> Counter:
    """The plans each configured team holds among cases [start, stop) (the staffing pass's task)."""
    seed, start, stop, as_of, years, staff = args
    held: Counter = Counter()
    for number in range(start, stop):
        p = profile(case_rng(seed, number), as_of, years)
        if p.path == "plan":
            held[staff.team(p, as_of)] += 1
    return held


@lru_cache(maxsize=65536)
def _details(pairs: tuple) -> str:
    return json.dumps(dict(pairs), sort_keys=True)


class _Events:
    """Collects (date, order, kind, details, voids_local) for one case, then sorts into recording order."""

    __slots__ = ("items", "limit")

    def __init__(self, limit: date) -> None:
        self.items: list[tuple] = []
        self.limit = limit

    def add(self, kind: str, when: date, voids: int | None = None, /, **details: object) -> int | None:
        """Keep the event if it happened by the as-of date; returns its handle (for a void to name).

        Positional-only parameters leave every keyword to the details, "from" and "with" included."""
        if when > self.limit:
            return None
        if not details:
            pairs: tuple = ()
        elif len(details) == 1:  # most events with details have one: no sort, no generator
            ((key, value),) = details.items()
            pairs = () if value is None else ((key, value.isoformat() if isinstance(value, date) else value),)
        else:
            pairs = tuple(sorted((k, v.isoformat() if isinstance(v, date) else v)
                                 for k, v in details.items() if v is not None))
        handle = len(self.items)
        self.items.append((when, handle, kind, pairs, voids))
        return handle


def generate(seed: int, number: int, *, as_of: date, years: int, staff: Staffing):
    """Case `number`: its case values and its events as (kind, date, details JSON, voids_local, by, at).

    Events come in recording order (by date); `voids_local` is the index of the voided event in the list.
    """
    rng = case_rng(seed, number)
    p = profile(rng, as_of, years)
    team, intake = staff.team(p, as_of), staff.intake
    coordinator = staff.coordinator(team, rng)
    front_door = staff.coordinator(intake, rng)
    setting = f"Sample School {rng.randrange(SETTINGS) + 1:03d}" if age_on(p.dob, p.received) >= 4 else None
    source = _weighted(rng, SOURCES)
    ev = _Events(as_of)
    r = p.received
    ev.add("request", r, source=source)

    decision = r + timedelta(days=p.decision_days)
    ends = {"withdrawn-early": r + timedelta(days=rng.randint(3, 19))}.get(p.path)
    final = r + timedelta(days=p.final_days) if p.path == "plan" else None
    closed = ends or (decision if p.path == "refused" else None)

    # contacts while the assessment is open (the local 6-week contact milestone)
    stop = final or closed or decision + timedelta(days=rng.randint(80, 130))
    day = r + timedelta(days=rng.randint(7, 35))
    while day < stop and rng.random() < 0.85:
        ev.add("contact", day, **{"with": "parent" if rng.random() < 0.8 else "school"})
        day += timedelta(days=rng.randint(14, 50))

    if ends is not None:  # withdrawn early, the only path that ends before the decision
        ev.add("withdrawn", ends)
        return _finish(ev, p, team, intake, coordinator, source, setting, rng, front_door)
    outcome = "refuse" if p.path == "refused" else "assess"
    ev.add("decision", decision, outcome=outcome)
    if outcome == "refuse":
        return _finish(ev, p, team, intake, coordinator, source, setting, rng, front_door)

    end = decision + timedelta(days=rng.randint(30, 70)) if p.path in {"withdrawn", "no-plan"} else None
    answered_by = final or end
    assert answered_by is not None, "each path left has its final plan or its end"
    # advice requests at the decision, answered mostly within 6 weeks (reg 8)
    parties = [a for a in ADVICE if a != "social-care" or rng.random() < 0.5 or p.looked_after]
    for party in parties:
        sent = decision + timedelta(days=rng.randint(0, 5))
        institution = setting if party == "education" else None
        ev.add("advice-requested", sent, institution=institution, **{"from": party})
        back = rng.randint(14, 42) if rng.random() < 0.85 else rng.randint(43, 80)
        if sent + timedelta(days=back) < answered_by:
            ev.add("advice-received", sent + timedelta(days=back), institution=institution,
                   **{"from": party})
        if rng.random() < 0.01:  # a mistaken contact, voided by the coordinator the next day
            mistake = ev.add("contact", sent, note="entered on the wrong case")
            if mistake is not None:
                ev.add("void", sent + DAY, mistake, reason="entered on the wrong case")

    if end is not None:
        ev.add("withdrawn" if p.path == "withdrawn" else "no-plan", end)
        return _finish(ev, p, team, intake, coordinator, source, setting, rng, front_door)
    assert final is not None, "the one path left is a plan"

    draft = max(final - timedelta(days=rng.randint(15, 28)), decision + DAY)
    room = min((draft - decision).days - 1, 139 - p.decision_days)
    if p.excepted and room >= 1:
        # a circumstance while the 16- and 20-week deadlines are still open (spec 8.4)
        start = decision + timedelta(days=rng.randint(1, room))
        limb = _weighted(rng, LIMBS)
        end = start + timedelta(days=rng.randint(28, 70)) if limb == "d" else None
        reason = {"c": "serious illness in the family", "d": "family abroad for an extended period",
                  "a": "school closed for the summer when advice was requested"}[limb]
        ev.add("exception", start, limb=limb, end=end, reason=reason)
    ev.add("draft", draft)
    if rng.random() < 0.4:
        ev.add("representations", draft + timedelta(days=rng.randint(3, 14)))
    schools = [setting or f"Sample School {rng.randrange(SETTINGS) + 1:03d}"]
    if rng.random() < 0.3:
        schools.append(f"Sample School {rng.randrange(SETTINGS) + 1:03d}")
    for school in schools:
        sent = draft + timedelta(days=rng.randint(0, 3))
        ev.add("consultation-sent", sent, institution=school)
        if rng.random() < 0.8:
            reply = sent + timedelta(days=rng.randint(5, 25))
            if reply < final:
                ev.add("consultation-reply", reply, institution=school)
    ev.add("final", final)
    assigned = final + timedelta(days=rng.randint(1, 10))
    if team != intake:
        ev.add("assign", assigned, team=team, coordinator=coordinator, from_team=intake,
               from_coordinator=front_door)
    _reviews(ev, p, final, rng)
    return _finish(ev, p, team, intake, coordinator, source, setting, rng, front_door)


def _reviews(ev: _Events, p: Profile, final: date, rng: random.Random) -> None:
    """The annual cycle: scheduled, invitations, meeting, report, decision; amendments and transfers.

    A review is held for the next default transfer (the engine's: rules.transfers) when its window
    opens before the review would fall due."""
    transfers = [(start, due) for _, start, due in default_transfer_deadlines(p.dob)]
    start, handled = final, final
    while start <= ev.limit:
        due = twelve_months_starting(start)
        after = max(start, handled)
        upcoming = next((t for t in transfers if t[1] > after), None)
        # a transfer this review is held for: the next one, if its window opens by 60 days after `due`
        transfer = upcoming if upcoming is not None and upcoming[0] <= due + timedelta(days=60) else None
        phase = transfer is not None
        if transfer is not None:
            window, transfer_due = transfer
            handled = transfer_due
            meeting = max(window + timedelta(days=rng.randint(10, 100)), start + timedelta(days=60))
        elif rng.random() < 0.8:
            meeting = due - timedelta(days=rng.randint(0, 50))
        else:
            meeting = due + timedelta(days=rng.randint(1, 90))
        meeting = max(meeting, start + timedelta(days=30))
        scheduled = meeting - timedelta(days=rng.randint(28, 60))
        scheduled = max(scheduled, start + DAY)
        ev.add("review-scheduled", scheduled, meeting=meeting)
        notice = rng.randint(14, 28) if rng.random() < 0.9 else rng.randint(1, 13)
        ev.add("invitations-sent", max(scheduled, meeting - timedelta(days=notice)))
        ev.add("review-meeting", meeting)
        if rng.random() < 0.9:
            ev.add("review-report", meeting + timedelta(days=rng.randint(3, 14) if rng.random() < 0.8
                                                          else rng.randint(15, 30)))
        age = age_on(p.dob, meeting)
        roll = rng.random()
        outcome = ("amend" if phase else "cease" if age >= 25 or (age >= 19 and roll < 0.3) or roll < 0.02
                   else "amend" if roll < 0.42 else "maintain")
        decided = meeting + timedelta(days=rng.randint(5, 28) if rng.random() < 0.6 else rng.randint(29, 60))
        ev.add("review-decision", decided, outcome=outcome)
        if outcome == "cease":
            ev.add("cease", decided + timedelta(days=rng.randint(30, 60)),
                   reason="employment" if age >= 19 else "needs-met")  # SEN2 CeaseReason 4, 2
            return
        if outcome == "amend":
            notice_day = decided + timedelta(days=rng.randint(0, 7))
            ev.add("amendment-notice", notice_day)
            if phase:
                on_time = rng.random() < 0.85
                amended = (transfer_due - timedelta(days=rng.randint(0, 60)) if on_time
                           else transfer_due + timedelta(days=rng.randint(1, 60)))
                amended = max(amended, notice_day + timedelta(days=15))
            else:
                amended = notice_day + timedelta(days=rng.randint(20, 56) if rng.random() < 0.75
                                                  else rng.randint(57, 110))
            # a plan amended for the move names the next placement: only that completes it (spec 8.7)
            ev.add("amended-plan", amended, for_transfer=True if phase else None)
        start = meeting


def _finish(ev: _Events, p: Profile, team: str, intake: str, coordinator: str, source: str,
            setting: str | None, rng: random.Random, front_door: str):
    items = ev.items
    items.sort()  # by (date, order): unique, so the rest of an item is never compared
    position = {item[1]: index for index, item in enumerate(items)}
    events = []
    random_ = rng.random
    limit = ev.limit
    for when, _, kind, pairs, handle in items:
        voids = None
        if kind == "void":
            voids = position[handle]
            pairs = tuple(sorted((*pairs, ("event", voids))))  # the stored id replaces it when written
        by = front_door if team == intake or kind in _ASSESSMENT else coordinator
        roll = random_()
        late = int(roll * (40 / 3)) if roll < 0.3 else 0  # 30% recorded up to 3 days late, not after as-of
        if late:
            late = min(late, (limit - when).days)
        day = (when + timedelta(days=late)) if late else when
        events.append((kind, when, pairs, voids, by, f"{_ISO[day]} {_CLOCKS[int(random_() * 600)]}"))
    case = {"dob": p.dob, "received": p.received, "source": source, "team": team,
            "coordinator": front_door if team == intake else coordinator,
            "looked_after": p.looked_after, "alternative_provision": p.alternative_provision,
            "setting": setting, "created_at": events[0][5]}
    return case, events


#: When in the working day (08:00 to 17:59) an event was recorded.
_CLOCKS = tuple(f"{hour:02d}:{minute:02d}:00" for hour in range(8, 18) for minute in range(60))
#: Events the front door records: the assessment phase's (from the registry), and the exceptions and
#: moves made while it holds the case.
_ASSESSMENT = kinds.ASSESSMENT_KINDS | {"request", "exception", "assign"}


def details_json(pairs: tuple, voids_id: int | None = None) -> str:
    """The stored JSON of an event's details (as storage.cases.insert_event writes it)."""
    if voids_id is not None:
        pairs = tuple((k, voids_id if k == "event" else v) for k, v in pairs)
    return _details(pairs) if pairs else "{}"


# --- writing a sample into the database ---------------------------------------------------------------

@dataclass(frozen=True)
class Written:
    cases: int
    events: int
    deadlines: int
    first_ref: str
    last_ref: str


def ref_for(case_id: int) -> str:
    return f"SMP-{case_id:07d}"


def child_name(case_id: int) -> str:
    """The sample child's name for a case id; distinct for ids below NAMES (see the module docstring)."""
    index = case_id * NAME_STEP % NAMES
    count = len(GIVEN_NAMES)
    given, middle, surname = index % count, index // count % count, index // (count * count)
    first = GIVEN_NAMES[given]
    if middle == 0:
        return f"{first} {SURNAMES[surname]}"
    return f"{first} {GIVEN_NAMES[(given + middle) % count]} {SURNAMES[surname]}"


# --- the statutory returns' values (issue 12): drawn from a generator of their own, so the rest of a
# sample is the same with or without them -----------------------------------------------------------------

#: England's EHC plans by primary need (DfE, EHC plans 2024, rounded)
NEEDS = Weights((("ASD", 33), ("SEMH", 19), ("SLCN", 18), ("MLD", 8), ("SLD", 5), ("SPLD", 4), ("PD", 3),
                 ("PMLD", 2), ("HI", 2), ("OTH", 2), ("DS", 1), ("VI", 1), ("MSI", 0.3)))
#: a shire county's school population by ethnicity (CBDS main codes, rounded)
ETHNICITIES = Weights((("WBRI", 70), ("WOTH", 6), ("MWBC", 2), ("MWBA", 1), ("MWAS", 2), ("MOTH", 2),
                       ("AIND", 3), ("APKN", 2), ("ABAN", 1), ("AOTH", 2), ("BAFR", 3), ("BCRB", 1),
                       ("BOTH", 0.5), ("CHNE", 0.5), ("WIRI", 0.5), ("WIRT", 0.2), ("WROM", 0.3), ("OOTH", 1),
                       ("REFU", 1), ("NOBT", 1)))
SAMPLE_LA = "919"  # Hertfordshire's DfE code, for UPNs of a plausible form
POSTCODE_AREAS = ("AL", "SG", "WD", "HP", "EN", "CM")


def sample_upn(rng: random.Random, issued: int) -> str:
    """A UPN of valid form and check letter: LA, a 4-digit school number, the year, 3 digits (synthetic)."""
    from sendtrack.codes import upn_check_letter

    body = f"{SAMPLE_LA}{2000 + rng.randrange(800):04d}{issued % 100:02d}{rng.randrange(1000):03d}"
    return upn_check_letter(body) + body


def sample_returns(seed: int, number: int, dob: date, as_of: date) -> dict:
    """The case's return fields (codes.RETURN_FIELDS values, `placements` as the import layout has them):
    sex, ethnicity, needs, a UPN for a school-age child (UN1 under 6 otherwise), a ULN from 14, a
    postcode, and placements: school by phase, with the earlier school left at a phase change."""
    rng = random.Random(f"returns-{seed}-{number}")
    age = age_on(dob, as_of)
    school_start = date(dob.year + (5 if dob.month >= 9 else 4), 9, 1)
    values: dict = {"sex": "M" if rng.random() < 0.72 else "F", "ethnicity": _weighted(rng, ETHNICITIES),
                    "primary_need": _weighted(rng, NEEDS)}
    if rng.random() < 0.4:
        second = _weighted(rng, NEEDS)
        if second != values["primary_need"]:
            values["secondary_need"] = second
    if age >= 5 and rng.random() < 0.97:
        values["upn"] = sample_upn(rng, min(school_start.year, as_of.year))
    else:
        values["upn_unknown"] = "UN1" if age < 6 else "UN2"
    if age >= 14 and rng.random() < 0.6:
        values["uln"] = f"{rng.randrange(10 ** 9, 10 ** 10)}"
    values["postcode"] = (f"{POSTCODE_AREAS[rng.randrange(len(POSTCODE_AREAS))]}{rng.randint(1, 23)} "
                          f"{rng.randint(1, 9)}{'ABDEFGHJLNPQRSTUWXYZ'[rng.randrange(20)]}"
                          f"{'ABDEFGHJLNPQRSTUWXYZ'[rng.randrange(20)]}")
    secondary_start = date(school_start.year + 7, 9, 1)
    college_start = date(school_start.year + 12, 9, 1)
    roll = rng.random()
    placements: list[dict] = []
    if school_start > as_of:  # not yet at school: an early years provider, from September or from birth
        placements.append({"setting_type": "EYP", "entry": max(min(date(as_of.year - 1, 9, 1), as_of), dob),
                           "phase": "nursery"})
    elif roll < 0.02:
        placements.append({"setting_type": "EHE", "entry": max(school_start, as_of - timedelta(days=400))})
    elif as_of >= college_start:
        if roll < 0.06:
            placements.append({"setting_type": "NEET", "entry": college_start})
        else:
            placements.append({"ukprn": f"1000{rng.randrange(10000):04d}", "entry": college_start,
                               "phase": "fe"})
    else:
        special = roll < 0.12
        urn = f"{117000 + rng.randrange(3000)}"
        if as_of >= secondary_start and not special:
            placements.append({"urn": f"{117000 + rng.randrange(3000)}", "entry": school_start,
                               "leaving": secondary_start - timedelta(days=1), "phase": "primary"})
            placements.append({"urn": urn, "entry": secondary_start, "phase": "secondary"})
        else:
            placements.append({"urn": urn, "entry": school_start,
                               "phase": "special" if special else "primary"})
        if rng.random() < 0.03:
            placements.append({"urn": f"{140000 + rng.randrange(500)}", "rank": 2,
                               "entry": placements[-1]["entry"], "phase": "pru-ap"})
    for placement in placements:
        placement.setdefault("rank", 1)
        for key in ("entry", "leaving"):
            if key in placement:
                placement[key] = min(placement[key], as_of).isoformat()
    values["placements"] = placements
    return values


class _IsoDays(dict):
    """date -> its ISO text, made once per day: a sample writes ~100 dates a case (its deadline rows
    and events) from a few thousand distinct days, and a lookup costs a third of `isoformat`."""

    def __missing__(self, day: date) -> str:
        if len(self) >= 1 << 16:  # bounded, whatever the span of years asked for
            self.clear()
        text = self[day] = day.isoformat()
        return text


_ISO = _IsoDays()


def _deadline_rows(case_id: int, items, absent: Any = None) -> list[tuple]:
    """batch.deadline_rows with the dates' text from _ISO (the same rows; tests compare them), and
    `absent` where a column that may be NULL has no value (storage.sample_rows.absent says what)."""
    iso = _ISO
    return [(case_id, d.rule, d.owner, d.kind, d.source, iso[d.trigger], iso[d.due], iso[d.act_by],
             absent if d.subject is None else d.subject,
             absent if d.completed_on is None else iso[d.completed_on],
             absent if d.excepted_from is None else iso[d.excepted_from],
             absent if d.exception_limb is None else d.exception_limb,
             absent if d.ended_on is None else iso[d.ended_on], d.known_from and iso[d.known_from],
             absent if d.known_until is None else iso[d.known_until])
            for d in items]


def _task(args) -> bytes:
    """One chunk of cases, made and computed in a worker (marshalled): case rows with their return values
    (storage.bulk.INSERT_CASE_RETURNS's columns), event rows without ids (the parent numbers them), the
    positions of void events, deadline rows, and placement rows (`INSERT_PLACEMENT`'s)."""
    from sendtrack.app import batch as bulk
    from sendtrack.domain import Case, Event
    from sendtrack.rules.engine import compute

    seed, start, stop, as_of, years, staff, first_case, absent = args
    rules = bulk.context()
    calendar, settings = rules.calendar, rules.settings
    iso = _ISO
    event_rows: list[tuple] = []
    case_rows, void_at, deadline_rows, placement_rows = [], [], [], []
    for number in range(start, stop):
        case_id = first_case + number
        values, events = generate(seed, number, as_of=as_of, years=years, staff=staff)
        dob, received = values["dob"], values["received"]
        returns = sample_returns(seed, number, dob, as_of)
        ref = ref_for(case_id)
        case_rows.append((case_id, ref, child_name(case_id), iso[dob], iso[received], values["source"],
                          values["team"], values["coordinator"], values["looked_after"],
                          values["alternative_provision"], values["setting"], values["created_at"],
                          *[returns.get(key) for key in CASE_RETURNS]))
        placement_rows += _placement_rows(case_id, returns)
        base = len(event_rows)
        voided = {v for kind, _, _, v, _, _ in events if kind == "void"}
        live = []
        for index, (kind, when, pairs, voids, by, at) in enumerate(events):
            if kind == "void":
                void_at.append(len(event_rows))
                event_rows.append((case_id, kind, iso[when], pairs, base + voids, by, at))
                continue
            event_rows.append((case_id, kind, iso[when], _details(pairs) if pairs else "{}", None, by, at))
            if index not in voided:
                live.append(Event(base + index, kind, when, pairs))
        case = Case(ref=ref, dob=dob, received=received, looked_after=values["looked_after"],
                    alternative_provision=values["alternative_provision"],
                    setting=values["setting"], events=tuple(live))
        deadline_rows += _deadline_rows(case_id, compute(case, calendar, settings), absent)
    # marshal, not the pool's pickle: the rows are tuples of text and numbers, which marshal writes in
    # half pickle's time and reads ~15% quicker (a 1,000-case result, ~2 MB; the same objects back)
    return marshal.dumps((case_rows, event_rows, void_at, deadline_rows, placement_rows))


def _placement_rows(case_id: int, values: dict) -> list[tuple]:
    """`INSERT_PLACEMENT` rows of a case's sampled return values, as `put_return_values` writes them
    (dates as the ISO text SQLite's date adapter makes of them)."""
    from sendtrack.app.record import current_placement

    rows = [(case_id, p.get("urn"), p.get("ukprn"), p.get("setting_type"), p["rank"],
             _day_text(p.get("entry")), _day_text(p.get("leaving")), p.get("phase"))
            for p in values.get("placements", ())]
    current = current_placement(values)
    if current is not None:
        rows.append((case_id, current.urn, current.ukprn, current.setting_type, current.rank,
                     current.entry.isoformat() if current.entry else None, None, current.phase))
    return rows


def _day_text(text: str | None) -> str | None:
    """A placement date as put_return_values stores it: parsed, then written back as ISO text."""
    return date.fromisoformat(text).isoformat() if text else None


def write_sample(db, *, cases: int, seed: int, years: int, as_of: date, context: Context) -> Written:
    """`cases` synthetic cases with their events and materialised deadlines, in one transaction, held
    by the configuration's teams as the allocation rule gives."""
    from sendtrack.app import batch as bulk
    from sendtrack.app.context import materialising
    from sendtrack.errors import RefusedError
    from sendtrack.storage.bulk import next_ids, ref_in_range, reset_sequences
    from sendtrack.storage.sample_rows import absent, insert_sample_rows, loading_sample, references_unchecked

    written_events = written_deadlines = 0
    # the pool is made first: the staffing pass runs in its workers too, before the write begins
    with bulk.pool(context) as imap:
        staff = staffing(seed, cases, as_of=as_of, years=years, teams=context.config.teams, imap=imap)
        with references_unchecked(db), materialising(db, context):
            first_case, next_event = next_ids(db)
            first_ref, last_ref = ref_for(first_case), ref_for(first_case + cases - 1)
            clash = ref_in_range(db, first_ref, last_ref)
            if clash:
                raise RefusedError(f"case {clash!r} already exists: sample into another database")
            none = absent(db)
            tasks = [(seed, start, min(start + bulk.CHUNK, cases), as_of, years, staff, first_case, none)
                     for start in range(0, cases, bulk.CHUNK)]
            expected = {"cases": cases, "events": cases * 10, "deadlines": cases * 10}
            with loading_sample(db, expected), bulk.progress(cases, "Sampling") as bar:
                for result in imap(_task, tasks):
                    case_rows, event_rows, void_at, deadline_rows, placement_rows = marshal.loads(result)
                    # rows stop before imported_by and imported_at (NULL: written by sendtrack itself)
                    rows = [(next_event + k, *row) for k, row in enumerate(event_rows)]
                    for k in void_at:  # the voided event's id is known only now
                        id_, case_id, kind, when, pairs, local, by, at = rows[k]
                        target = next_event + local
                        rows[k] = (id_, case_id, kind, when, details_json(pairs, target), target, by, at)
                    insert_sample_rows(db, case_rows, rows, deadline_rows, placement_rows)
                    next_event += len(rows)
                    written_events += len(rows)
                    written_deadlines += len(deadline_rows)
                    bar.advance(len(case_rows))
            reset_sequences(db)
    return Written(cases, written_events, written_deadlines, first_ref, last_ref)
