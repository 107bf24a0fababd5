"""Error classes, each with its exit code (spec/cli-contract.md); one handler at the CLI edge prints them."""

from __future__ import annotations

import re

#: What a code is (a team id, a source, a choice, a kind): lower-case letters, digits and hyphens
_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,29}")
#: What a date or a time is made of: digits and their punctuation, never a letter
_DATE_LIKE = re.compile(r"[0-9][0-9/.: -]{0,39}")
_DATE_SHAPED = re.compile(r"[0-9]{1,4}-[0-9]{1,2}-[0-9]{1,4}")


def code_shown(value: object) -> str:
    """` 'value'` for a message to quote after the column's name when the value is clearly a code (what
    a typo of a team, source or choice looks like: `front-dor`), else nothing. A value from a column that
    is not personal may still be personal data: an unquoted comma shifts a row's cells, a mis-mapped
    column puts every child's name there, so a name (capitals, spaces), a date of birth (a date) or free
    text is never quoted (README, Privacy)."""
    if isinstance(value, str) and _CODE.fullmatch(value) and not _DATE_SHAPED.fullmatch(value):
        return f" {value!r}"
    return ""


def date_shown(value: object) -> str:
    """` 'value'` for a message about a date or time that is not one, when the value is made only of
    digits and date punctuation (`2025-02-30`, `06/13/2025`): never a name from a mis-mapped column.
    Quoted whole, never cut (a cut value can read as a valid one)."""
    if isinstance(value, str) and _DATE_LIKE.fullmatch(value):
        return f" {value!r}"
    return ""


def a(word: str) -> str:
    """`word` with its indefinite article, for messages: "an erase", "an edit", "a decision"."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def counted(number: int, one: str, many: str) -> str:
    """`number` and the noun in its number, for messages: "1 child", "2 children"."""
    return f"{number} {one if number == 1 else many}"


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


class BusyDatabase(DatabaseError):
    """Another process held the write lock past the busy timeout: nothing was written."""

    exit_code = 1


class ReadOnlyDatabase(DatabaseError):
    """A write to a database this user may only read (the file or its directory is not writable)."""

    exit_code = 1


class DamagedDatabase(DatabaseError):
    """SQLite finds the database file damaged: nothing is written to it, and the restore steps are
    printed (README "Backup and restore")."""

    exit_code = 1

    def __init__(self, where: str, detail: str) -> None:
        super().__init__(f"{where} is damaged ({detail}); nothing was written: sendtrack does not read "
                         "or write a damaged database")
        self.where = where

    def lines(self) -> list[str]:
        return [str(self),
                "restore the last good backup (README \"Backup and restore\"): 1. `sendtrack --db BACKUP "
                "check` says no problems; 2. stop everything that writes, and move the damaged file and "
                f"its -wal and -shm files aside (keep them); 3. `install -m 600 BACKUP {self.where}`, then "
                "`sendtrack check`"]


class UsageError(SendtrackError):
    """The command was called wrongly (typer's own usage errors also exit 2)."""

    exit_code = 2


class SchemaError(SendtrackError):
    """The database is missing or at another schema: `sendtrack init` for an older one; a newer one
    was written by a newer sendtrack (upgrade sendtrack: init never downgrades)."""

    exit_code = 3


class OverdueFound(SendtrackError):
    """`--fail-on-overdue` found overdue deadlines (for cron and monitoring)."""

    exit_code = 4


class MailNotSent(SendtrackError):
    """`digest --send`: the mail server refused or could not be reached for some teams (the message
    names the teams sent and the teams not sent, and why)."""

    exit_code = 5
