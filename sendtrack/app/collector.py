"""The garbage collector's policy on the bulk paths (`sample`, `import`, `recompute`, `check`'s pool).

Those paths make millions of small container objects (events, cases, deadlines, row tuples) that live
until their chunk is written, and hardly any reference cycles. CPython's default (a young collection every
700 net allocations, each older one walking every object that survived, start-up's included)
spent 3-4.5% of the commands' CPU (docs/performance.md, "Branch rules2"). For the bounded stretch of a
bulk command:

- `gc.freeze()` moves everything alive then (imports, configuration, calendar: ~21,000 containers)
  out of every later collection: no collection walks it again, nor writes to its pages in a forked worker.
- the young generation's threshold is raised from 700 to `YOUNG`: 10-30 times fewer collections.
  Cycles are still collected (the collector stays on), so memory stays bounded; a young generation
  of `YOUNG` objects is a few tens of MB at most. 200,000 and not less: recompute holds a chunk's old and
  new deadline rows (~40,000-80,000 tuples), which a lower threshold walks while they are alive.

`bulk()` is for the parent (undone on leaving: the rest of the process, and tests run in it, see the
defaults again); `settle()` is for worker processes, for their whole life.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: Young-generation threshold on the bulk paths (CPython's default is 700). Measured: docs/performance.md.
YOUNG = 200_000


def settle() -> None:
    """For a worker process, once at its start: freeze what exists, collect young objects less often."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(max(YOUNG, gc.get_threshold()[0]), middle, old)


@contextmanager
def bulk() -> Iterator[None]:
    """For a bounded stretch of bulk work in this process; the collector's settings are restored after."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(YOUNG, threshold[0]), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()
