"""Error classes, each with its exit code (spec/cli-contract.md); one handler at the CLI edge prints them."""

from __future__ import annotations


class SendtrackError(Exception):
    """A failure the user can act on: one line on stderr and this exit code, nothing written."""

    exit_code = 1

    def lines(self) -> list[str]:
        """What the edge prints, a line each (most errors are one line)."""
        return [str(self)]


class RefusedError(SendtrackError):
    """Refused input or a data error: a bad date, an unknown case, an impossible sequence."""

    exit_code = 1


class ConfigError(SendtrackError):
    """The configuration file is missing, not TOML, or breaks its schema: one line per mistake, each
    `FILE: [section] key: what is wrong`."""

    exit_code = 1

    def __init__(self, problems: list[str]) -> None:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(problems[0] + more)
        self.problems = problems

    def lines(self) -> list[str]:
        return list(self.problems)


class DatabaseError(SendtrackError):
    """The database cannot be reached or used."""

    exit_code = 1


class UsageError(SendtrackError):
    """The command was called wrongly (typer's own usage errors also exit 2)."""

    exit_code = 2


class SchemaError(SendtrackError):
    """The database is missing or at an older schema: run `sendtrack init`."""

    exit_code = 3


class OverdueFound(SendtrackError):
    """`--fail-on-overdue` found overdue deadlines (for cron and monitoring)."""

    exit_code = 4
