"""Configuration: teams and rule thresholds from a TOML file (Hertfordshire's by default)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path

from sendtrack.domain import Settings
from sendtrack.errors import RefusedError

DEFAULT_CONFIG = Path(__file__).with_name("data") / "config.toml"


@dataclass(frozen=True, slots=True)
class Team:
    id: str
    name: str
    ambition_low: int
    ambition_high: int
    holds: str


@dataclass(frozen=True, slots=True)
class Config:
    teams: tuple[Team, ...]
    rules: dict
    path: Path

    def team(self, team_id: str) -> Team:
        for team in self.teams:
            if team.id == team_id:
                return team
        known = ", ".join(t.id for t in self.teams)
        raise RefusedError(f"unknown team {team_id!r}: use one of {known}")

    def settings(self, *, with_closures: bool = True) -> Settings:
        from sendtrack.calendar import load_closures

        keys = {f.name for f in fields(Settings)} - {"closures"}
        values = {k: v for k, v in self.rules.items() if k in keys}
        closures = ()
        if with_closures:
            calendar = self.rules.get("school_calendar") or None
            path = None if not calendar else (self.path.parent / calendar)
            try:
                closures = load_closures(path)
            except (OSError, ValueError) as exc:
                raise RefusedError(f"school calendar: {exc}") from None
        return Settings(closures=closures, **values)

    def at_risk_days(self, rule: str) -> int:
        return int(self.rules.get("at_risk_days_by_rule", {}).get(rule, self.rules.get("at_risk_days", 14)))


@cache
def load(path: str | None = None) -> Config:
    """The configuration at `path`, else SENDTRACK_CONFIG, else the packaged Hertfordshire default."""
    chosen = Path(path or os.environ.get("SENDTRACK_CONFIG") or DEFAULT_CONFIG)
    try:
        data = tomllib.loads(chosen.read_text(encoding="utf-8"))
        teams = tuple(
            Team(t["id"], t.get("name", t["id"]), int(t["ambition"][0]), int(t["ambition"][-1]),
                 t.get("holds", ""))
            for t in data.get("teams", [])
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, ValueError, IndexError) as exc:
        raise RefusedError(f"configuration {chosen}: {exc.__class__.__name__}: {exc}") from None
    if not teams:
        raise RefusedError(f"configuration {chosen} defines no teams")
    return Config(teams=teams, rules=data.get("rules", {}), path=chosen)
