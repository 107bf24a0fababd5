"""The allocation rule of spec 6: which team should hold each case, and the cases held elsewhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sendtrack.config import Config
from sendtrack.output.render import Column, initials
from sendtrack.reports.base import Scope
from sendtrack.reports.caseload import CaseState, case_states
from sendtrack.rules.transfers import curriculum_year
from sendtrack.storage.db import Database

#: Year 9 and above go to Services for Young People (preparation for adulthood, reg 20(6)).
YOUNG_PEOPLE_FROM_YEAR = 9


def fifth_birthday(dob: date) -> date:
    try:
        return dob.replace(year=dob.year + 5)
    except ValueError:  # born 29 February: 28 February, as the under-5 review rule counts it
        return date(dob.year + 5, 2, 28)


def rule_team(state: CaseState, day: date) -> tuple[str, str]:
    """(team, why) by the first matching line of the rule; assessments stay with the front door."""
    if state.stage == "assessment":
        return "front-door", "assessment before a final plan"
    if state.looked_after:
        return "virtual-school", "looked after by the authority"
    if day < fifth_birthday(state.dob):
        return "early-years", "under 5"
    if state.alternative_provision:
        return "access-inclusion", "in alternative provision"
    year = curriculum_year(state.dob, day)
    if year >= YOUNG_PEOPLE_FROM_YEAR:
        return "young-people", f"in Year {year} (Year 9 or above)"
    stage = f"Year {year}" if year > 0 else "Reception" if year == 0 else "aged 5, before Reception"
    return "school-age", f"school age ({stage})"


@dataclass(frozen=True, slots=True)
class Move:
    state: CaseState
    to_team: str
    why: str


def misallocated(db: Database, scope: Scope, config: Config) -> list[Move]:
    """Held cases (open assessments and live plans) whose team differs from the rule's.

    A case whose rule team is not configured (another authority's teams) is left alone.
    """
    known = {t.id for t in config.teams}
    moves = []
    for state in case_states(db, scope, held_only=True):
        team, why = rule_team(state, scope.day)
        if team != state.team and team in known:
            moves.append(Move(state, team, why))
    return moves


def move_row(move: Move, *, names: bool) -> dict:
    row = {
        "ref": move.state.ref,
        "initials": initials(move.state.name),
        "team": move.state.team,
        "coordinator": move.state.coordinator,
        "stage": move.state.stage,
        "rule_team": move.to_team,
        "reason": move.why,
    }
    if names:
        row["name"] = move.state.name
    return row


def columns(*, names: bool) -> list[Column]:
    return [
        Column("ref", "Ref"),
        Column("initials", "Child", priority=1),
        *([Column("name", "Name", priority=1, wrap=True)] if names else []),
        Column("team", "Held by"),
        Column("coordinator", "Coordinator", priority=4, wrap=True),
        Column("stage", "Stage", priority=3),
        Column("rule_team", "Should be with"),
        Column("reason", "Why", priority=2, wrap=True),
    ]
