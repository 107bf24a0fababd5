"""The cases held by another team than the allocation rule of spec 6 (rules/teams.py) gives."""

from __future__ import annotations

from dataclasses import dataclass

from sendtrack.config import Config
from sendtrack.domain import ERASED_NAME
from sendtrack.output.render import Column, initials
from sendtrack.reports.base import Scope
from sendtrack.reports.caseload import CaseState, case_states
from sendtrack.rules.teams import CaseFacts, allocation
from sendtrack.storage.db import Database


@dataclass(frozen=True, slots=True)
class Move:
    state: CaseState
    to_team: str
    why: str


def facts(state: CaseState) -> CaseFacts:
    """What the rule looks at, from a held case's state (a plan once its final plan is issued)."""
    return CaseFacts(state.dob, state.looked_after, state.alternative_provision,
                     plan_issued=state.stage != "assessment")


def misallocated(db: Database, scope: Scope, config: Config) -> list[Move]:
    """Held cases (open assessments and live plans) whose team differs from the rule's.

    A case whose rule team is not configured (another authority's teams) is left alone, and so is an
    erased one (the tombstone name, which no way in accepts for any other case).
    """
    known = {t.id for t in config.teams}
    moves = []
    for state in case_states(db, scope, held_only=True):
        if state.name == ERASED_NAME:
            continue  # an erased case (one erased open with --force) takes no write: record.refuse_erased
        rule = allocation(facts(state), scope.day)
        if rule.team != state.team and rule.team in known:
            moves.append(Move(state, rule.team, rule.reason))
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
