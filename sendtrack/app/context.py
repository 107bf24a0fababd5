"""What the rules compute with, built once per command by the CLI and passed down: the configuration,
the calendar, the settings and their fingerprint; and the guard that keeps stored deadlines under one
configuration. `today` is never in here: it stays a parameter of its own (rules never read the clock)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sendtrack.config import Config
from sendtrack.domain import Settings
from sendtrack.errors import RefusedError
from sendtrack.storage import meta
from sendtrack.storage.db import Database

if TYPE_CHECKING:  # only named here: a report reading `mismatch` need not load the calendar
    from sendtrack.calendar import Calendar


@dataclass(frozen=True)
class Context:
    config: Config
    calendar: Calendar
    settings: Settings
    #: of the settings and closures (config.fingerprint): stored with the deadlines computed under them
    fingerprint: str

    @classmethod
    def of(cls, config: Config, calendar: Calendar) -> Context:
        return cls(config, calendar, config.settings(), config.fingerprint)


class OtherConfiguration(RefusedError):
    """A write under another configuration than the one the stored deadlines were computed with."""


def mismatch(stored: str | None, current: str) -> str | None:
    """Why the stored deadlines do not follow the configuration `current`, or None when they do (or
    nothing has been computed yet)."""
    if stored is None or stored == current:
        return None
    return (f"the stored deadlines were computed under another configuration (fingerprint {stored}, "
            f"this one {current}): run `sendtrack recompute` to recompute them under this one, or use "
            "the configuration they were made with")


def claim(db: Database, context: Context) -> None:
    """Inside a write transaction, before deadlines are materialised: refuse to mix configurations,
    and record this one if it is the first."""
    stored = meta.stored_fingerprint(db)
    problem = mismatch(stored, context.fingerprint)
    if problem:
        raise OtherConfiguration(problem)
    if stored is None:
        meta.store_fingerprint(db, context.fingerprint)


@contextmanager
def materialising(db: Database, context: Context) -> Iterator[Database]:
    """`db.write()` for a write that materialises deadlines: refused under another configuration."""
    with db.write():
        claim(db, context)
        yield db
