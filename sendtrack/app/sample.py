"""Synthetic council-like caseloads for `sendtrack sample`: plain rows, every sequence one the rules accept.

The shape follows the published figures (spec section 7): about 2/3 of requests agreed for assessment,
~95% of decisions within 6 weeks, ~55% of final plans within 20 weeks, ~5% of cases with a recorded
exception, yearly reviews with some late, phase transfers from the dates of birth, and cases held by
Hertfordshire's six teams by the allocation rule of spec section 6.

Every case draws from its own `random.Random` seeded from (seed, case number), so the same seed gives
the same data however the work is split between processes. Names are obviously synthetic.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

#: Teams of spec section 6 with the middle of their caseload ambition per coordinator.
TEAM_AMBITION = {"front-door": 35, "early-years": 55, "school-age": 185, "young-people": 250,
                 "virtual-school": 55, "access-inclusion": 55}
TEAM_CODE = {"front-door": "FD", "early-years": "EY", "school-age": "SA", "young-people": "YP",
             "virtual-school": "VS", "access-inclusion": "AI"}
SOURCES = (("parent", 45), ("school", 35), ("health", 8), ("social-care", 5), ("young-person", 2),
           ("other", 5))
#: Age at request in years, weighted (most requests are for primary-age children).
AGES = ((1, 4), (2, 8), (3, 9), (4, 9), (5, 9), (6, 8), (7, 8), (8, 7), (9, 6), (10, 6), (11, 6), (12, 5),
        (13, 5), (14, 4), (15, 3), (16, 2), (17, 1), (18, 1))
SETTINGS = 400  # "Sample School 001" ... invented settings
ADVICE = ("education", "health", "psychology", "social-care")
DAY = timedelta(days=1)


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


def case_rng(seed: int, number: int) -> random.Random:
    return random.Random((seed << 32) | number)


def _weighted(rng: random.Random, table) -> object:
    total = sum(weight for _, weight in table)
    pick = rng.random() * total
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


def age_on(dob: date, day: date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def curriculum_year(dob: date, day: date) -> int:
    reception = (dob.year if dob.month >= 9 else dob.year - 1) + 5
    return (day.year if day.month >= 9 else day.year - 1) - reception


def team_for(p: Profile, as_of: date) -> str:
    """Spec 6's allocation rule, first match; assessments before a final plan sit with the front door."""
    final = p.received + timedelta(days=p.final_days)
    if p.path != "plan" or final > as_of:
        return "front-door"
    if p.looked_after:
        return "virtual-school"
    if age_on(p.dob, as_of) < 5:
        return "early-years"
    if p.alternative_provision:
        return "access-inclusion"
    if curriculum_year(p.dob, as_of) >= 9:
        return "young-people"
    return "school-age"


def coordinator_counts(teams: Counter) -> dict[str, int]:
    """Coordinators per team sized to the middle of the team's caseload ambition (spec 6)."""
    return {team: max(1, math.ceil(teams.get(team, 0) / ambition))
            for team, ambition in TEAM_AMBITION.items()}


def coordinator_name(team: str, number: int) -> str:
    return f"Sample Coordinator {TEAM_CODE[team]}-{number:02d}"


@lru_cache(maxsize=65536)
def _details(pairs: tuple) -> str:
    return json.dumps(dict(pairs), sort_keys=True)


def plan_teams(seed: int, count: int, as_of: date, years: int) -> Counter:
    """First pass: the open cases each team holds, to size the coordinator numbers before any row is made."""
    held: Counter = Counter()
    for number in range(count):
        p = profile(case_rng(seed, number), as_of, years)
        if p.path == "plan":
            held[team_for(p, as_of)] += 1
    return held


class _Events:
    """Collects (date, order, kind, details, voids_local) for one case, then sorts into recording order."""

    __slots__ = ("items", "limit")

    def __init__(self, limit: date) -> None:
        self.items: list[tuple] = []
        self.limit = limit

    def add(self, kind: str, when: date, voids: int | None = None, **details) -> int | None:
        """Keep the event if it happened by the as-of date; returns its handle (for a void to name)."""
        if when > self.limit:
            return None
        pairs = tuple(sorted((k, v.isoformat() if isinstance(v, date) else v)
                             for k, v in details.items() if v is not None))
        self.items.append((when, len(self.items), kind, pairs, voids))
        return len(self.items) - 1


def generate(seed: int, number: int, *, as_of: date, years: int, coordinators: dict[str, int]):
    """Case `number`: its case values and its events as (kind, date, details JSON, voids_local, by, at).

    Events come in recording order (by date); `voids_local` is the index of the voided event in the list.
    """
    rng = case_rng(seed, number)
    p = profile(rng, as_of, years)
    team = team_for(p, as_of)
    coordinator = coordinator_name(team, rng.randrange(coordinators[team]) + 1)
    front_door = coordinator_name("front-door", rng.randrange(coordinators["front-door"]) + 1)
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

    if p.path == "withdrawn-early":
        ev.add("withdrawn", ends)
        return _finish(ev, p, team, coordinator, source, setting, rng, front_door)
    outcome = "refuse" if p.path == "refused" else "assess"
    ev.add("decision", decision, outcome=outcome)
    if outcome == "refuse":
        return _finish(ev, p, team, coordinator, source, setting, rng, front_door)

    end = decision + timedelta(days=rng.randint(30, 70)) if p.path in {"withdrawn", "no-plan"} else None
    answered_by = final or end
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
                ev.add("void", sent + DAY, voids=mistake, reason="entered on the wrong case")

    if end is not None:
        ev.add("withdrawn" if p.path == "withdrawn" else "no-plan", end)
        return _finish(ev, p, team, coordinator, source, setting, rng, front_door)

    draft = max(final - timedelta(days=rng.randint(15, 28)), decision + DAY)
    room = min((draft - decision).days - 1, 139 - p.decision_days)
    if p.excepted and room >= 1:
        # a circumstance while the 16- and 20-week deadlines are still open (spec 8.4)
        start = decision + timedelta(days=rng.randint(1, room))
        limb = _weighted(rng, (("c", 70), ("d", 20), ("a", 10)))
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
    ev.add("assign", final + timedelta(days=rng.randint(1, 10)), team=team, coordinator=coordinator,
           from_team="front-door", from_coordinator=front_door)
    _reviews(ev, p, final, rng)
    return _finish(ev, p, team, coordinator, source, setting, rng, front_door)


def _transfer_due(dob: date, after: date) -> tuple[date, date] | None:
    """The next default transfer deadline after `after` (spec 4.2): (window start, due)."""
    reception = (dob.year if dob.month >= 9 else dob.year - 1) + 5
    for year, month, day in ((reception, 2, 14), (reception + 7, 2, 14), (reception + 12, 3, 30)):
        due = date(year, month, day)
        if due > after:
            return date(year - 1, 9, 1), due
    return None


def _add_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _reviews(ev: _Events, p: Profile, final: date, rng: random.Random) -> None:
    """The annual cycle: scheduled, invitations, meeting, report, decision; amendments and transfers."""
    start, handled = final, final
    while start <= ev.limit:
        due = _add_year(start) - DAY
        transfer = _transfer_due(p.dob, max(start, handled))
        phase = transfer is not None and transfer[0] <= due + timedelta(days=60)
        if phase:
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
                   reason="left education" if age >= 19 else "needs met")
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
            ev.add("amended-plan", amended)
        start = meeting


def _finish(ev: _Events, p: Profile, team: str, coordinator: str, source: str, setting: str | None,
            rng: random.Random, front_door: str):
    ev.items.sort(key=lambda item: (item[0], item[1]))
    position = {item[1]: index for index, item in enumerate(ev.items)}
    events = []
    for when, _, kind, pairs, handle in ev.items:
        voids = None
        if kind == "void":
            voids = position[handle]
            pairs = tuple(sorted((*pairs, ("event", voids))))  # the stored id replaces it when written
        by = front_door if team == "front-door" or kind in _ASSESSMENT else coordinator
        late = min(rng.randrange(4) if rng.random() < 0.3 else 0, (ev.limit - when).days)
        clock = f"{rng.randint(8, 17):02d}:{rng.randrange(60):02d}:00"
        at = f"{(when + timedelta(days=late)).isoformat()} {clock}"
        events.append((kind, when, pairs, voids, by, at))
    case = {"dob": p.dob, "received": p.received, "source": source, "team": team,
            "coordinator": front_door if team == "front-door" else coordinator,
            "looked_after": p.looked_after, "alternative_provision": p.alternative_provision,
            "setting": setting, "created_at": events[0][5]}
    return case, events


_ASSESSMENT = frozenset({"request", "decision", "advice-requested", "advice-received", "draft",
                         "representations", "consultation-sent", "consultation-reply", "no-plan",
                         "final", "withdrawn", "exception", "assign"})


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


def _task(args) -> tuple[list, list, list[int], list]:
    """One chunk of cases, made and computed in a worker: case rows, event rows without ids (the parent
    numbers them), the positions of void events, and deadline rows."""
    from sendtrack.app import batch as bulk
    from sendtrack.domain import Case, Event

    seed, start, stop, as_of, years, coordinators, first_case = args
    case_rows, event_rows, void_at, deadline_rows = [], [], [], []
    for number in range(start, stop):
        case_id = first_case + number
        values, events = generate(seed, number, as_of=as_of, years=years, coordinators=coordinators)
        ref = ref_for(case_id)
        case_rows.append((case_id, ref, f"Test Child {case_id:07d}", values["dob"].isoformat(),
                          values["received"].isoformat(), values["source"], values["team"],
                          values["coordinator"], values["looked_after"], values["alternative_provision"],
                          values["setting"], values["created_at"]))
        base = len(event_rows)
        voided = {v for kind, _, _, v, _, _ in events if kind == "void"}
        live = []
        for index, (kind, when, pairs, voids, by, at) in enumerate(events):
            if kind == "void":
                void_at.append(len(event_rows))
                event_rows.append((case_id, kind, when.isoformat(), pairs, base + voids, by, at))
                continue
            event_rows.append((case_id, kind, when.isoformat(), details_json(pairs), None, by, at))
            if index not in voided:
                live.append(Event(base + index, kind, when, pairs))
        case = Case(ref=ref, dob=values["dob"], received=values["received"],
                    looked_after=values["looked_after"],
                    alternative_provision=values["alternative_provision"],
                    setting=values["setting"], events=tuple(live))
        deadline_rows.extend(bulk.compute_rows(case_id, case))
    return case_rows, event_rows, void_at, deadline_rows


def write_sample(db, *, cases: int, seed: int, years: int, as_of: date, context) -> Written:
    """`cases` synthetic cases with their events and materialised deadlines, in one transaction."""
    from sendtrack.app import batch as bulk
    from sendtrack.app.context import materialising
    from sendtrack.errors import RefusedError
    from sendtrack.storage.bulk import (
        INSERT_CASE,
        INSERT_DEADLINE,
        insert_events,
        loading,
        next_ids,
        reset_sequences,
    )

    coordinators = coordinator_counts(plan_teams(seed, cases, as_of, years))
    written_events = written_deadlines = 0
    with materialising(db, context):
        first_case, next_event = next_ids(db)
        first_ref, last_ref = ref_for(first_case), ref_for(first_case + cases - 1)
        clash = db.one("SELECT ref FROM cases WHERE ref BETWEEN ? AND ?", (first_ref, last_ref))
        if clash:
            raise RefusedError(f"case {clash[0]!r} already exists: sample into another database")
        tasks = [(seed, start, min(start + bulk.CHUNK, cases), as_of, years, coordinators, first_case)
                 for start in range(0, cases, bulk.CHUNK)]
        expected = {"cases": cases, "events": cases * 10, "deadlines": cases * 10}
        with loading(db, expected), bulk.pool(context) as imap, \
                bulk.progress(cases, "Sampling") as bar:
            for case_rows, event_rows, void_at, deadline_rows in imap(_task, tasks):
                db.executemany(INSERT_CASE, case_rows)
                rows = [(next_event + k, *row) for k, row in enumerate(event_rows)]
                for k in void_at:  # the voided event's id is known only now
                    id_, case_id, kind, when, pairs, local, by, at = rows[k]
                    target = next_event + local
                    rows[k] = (id_, case_id, kind, when, details_json(pairs, target), target, by, at)
                insert_events(db, rows, case_rows)  # hashed and chained (storage/audit.py)
                db.executemany(INSERT_DEADLINE, deadline_rows)
                next_event += len(rows)
                written_events += len(rows)
                written_deadlines += len(deadline_rows)
                bar.advance(len(case_rows))
        reset_sequences(db)
    return Written(cases, written_events, written_deadlines, first_ref, last_ref)
