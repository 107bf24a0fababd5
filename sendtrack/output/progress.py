"""Progress bars for the long commands (import, recompute, sample, check, export): rich, on stderr, only
when stderr is a terminal, so pipes, cron mail and tests never see one. rich is imported only when a
bar is drawn: the fast paths (every report) never pay for it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")


def shown() -> bool:
    """Whether a bar is drawn: stderr is a terminal, and not a dumb one."""
    try:
        return sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):  # a replaced or closed stderr
        return False


class Progress:
    """`with progress(total, "Importing") as bar: bar.advance(n)`; `total` None for a count without an
    end. Nothing is drawn (and rich is not imported) unless `shown()`. The bar is transient: it leaves
    the terminal as it found it, and the command's own output follows."""

    def __init__(self, total: int | None, description: str) -> None:
        self.total, self.description = total, description
        self.bar: Any = None  # a rich Progress, only on a terminal
        self.task: Any = None

    def __enter__(self) -> Progress:
        if shown():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as Bar

            self.bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                           TimeElapsedColumn(), console=Console(stderr=True), transient=True)
            self.bar.__enter__()
            self.task = self.bar.add_task(self.description, total=self.total)
        return self

    def advance(self, count: int = 1) -> None:
        if self.bar is not None:
            self.bar.advance(self.task, count)

    def describe(self, description: str) -> None:
        """Say what the command is doing now ("Checking deadlines")."""
        if self.bar is not None:
            self.bar.update(self.task, description=description)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)
            self.bar = None

    def counting(self, rows: Iterable[T], every: int = 1000) -> Iterator[T]:
        """`rows`, advancing the bar every `every` rows as they are drawn (an export's stream)."""
        pending = 0
        for row in rows:
            yield row
            pending += 1
            if pending == every:
                self.advance(pending)
                pending = 0
        self.advance(pending)


def progress(total: int | None, description: str) -> Progress:
    return Progress(total, description)
