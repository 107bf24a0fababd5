"""recompute writes only the deadline rows that changed (storage.bulk.rewrite_case_deadlines): the rows a
case ends with are exactly, and in the same order, what deleting and rewriting them all gives
(bulk.replace_case_deadlines, the way before), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from sendtrack.config import DEFAULT_CONFIG
from sendtrack.storage import bulk
from sendtrack.storage.columns import DEADLINE_FIELDS

AS_OF = "2025-06-30"
FIELDS = ", ".join(DEADLINE_FIELDS)


def rows_of(db, case_id: int) -> list[tuple]:
    """(id, case_id, *DEADLINE_FIELDS) of a case's stored rows, in id order, dates as ISO text."""
    return [tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in r)
            for r in db.all(f"SELECT id, case_id, {FIELDS} FROM deadlines WHERE case_id = ? ORDER BY id",
                            (case_id,))]


@pytest.fixture
def sampled(backend_cli, backend):
    backend_cli.ok(["sample", "--cases", "12", "--seed", "5", "--as-of", AS_OF])
    db = backend.open()
    yield backend_cli, db
    db.close()


def test_only_the_differing_rows_are_written_and_the_order_is_kept(sampled):
    _, db = sampled
    first, second, third = (r[0] for r in db.all("SELECT id FROM cases ORDER BY id LIMIT 3"))
    before = {c: rows_of(db, c) for c in (first, second, third)}
    assert all(len(before[c]) >= 2 for c in before), "the sample gives each case a few deadlines"
    due = 1 + DEADLINE_FIELDS.index("due")  # in a row without its id: (case_id, *DEADLINE_FIELDS)
    # first: its second row's due date moved (as many rows: updated in place, ids kept)
    moved = [list(r[1:]) for r in before[first]]
    moved[1][due] = "2031-01-02"
    # second: one row fewer (a different count: deleted and rewritten)
    fewer = [r[1:] for r in before[second][:-1]]
    # third: nothing differs (nothing written)
    same = [r[1:] for r in before[third]]
    with db.write():
        written = bulk.rewrite_case_deadlines(db, [(first, [tuple(r) for r in moved]), (second, fewer),
                                                   (third, same)])
    # 1 row updated + the second case's rows written again; the third's none
    assert written == 1 + len(fewer)
    after = {c: rows_of(db, c) for c in (first, second, third)}
    assert [r[1:] for r in after[first]] == [tuple(r) for r in moved]
    assert [r[0] for r in after[first]] == [r[0] for r in before[first]]  # ids (and so order) kept
    assert [r[1:] for r in after[second]] == fewer
    assert after[third] == before[third]


def test_what_is_compared_is_what_is_stored_now(sampled):
    """Rows changed since the caller read them (by hand here) are compared as they stand now: the
    case still ends with exactly the given rows."""
    _, db = sampled
    case_id = db.one("SELECT id FROM cases ORDER BY id")[0]
    wanted = [r[1:] for r in rows_of(db, case_id)]
    with db.write():
        db.execute("UPDATE deadlines SET due = '2040-01-01' WHERE case_id = ?", (case_id,))
    with db.write():
        bulk.rewrite_case_deadlines(db, [(case_id, wanted)])
    assert [r[1:] for r in rows_of(db, case_id)] == wanted


def test_recompute_leaves_the_rows_a_full_rewrite_leaves(sampled, tmp_path, monkeypatch):
    """A configuration switch and back, against the old delete-and-rewrite on the same database."""
    cli, db = sampled
    other = tmp_path / "config.toml"
    other.write_text(DEFAULT_CONFIG.read_text().replace("contact_weeks = 6", "contact_weeks = 4"))

    def every_row() -> list[tuple]:
        return [tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in r) for r in
                db.all(f"SELECT case_id, {FIELDS} FROM deadlines ORDER BY case_id, id")]

    cli.ok(["--config", str(other), "recompute"])
    switched = every_row()
    cli.ok("recompute")
    back = every_row()
    assert switched != back, "contact_weeks 6 -> 4 moves some deadlines"
    # the same two recomputes through the old way of writing
    monkeypatch.setattr(bulk, "rewrite_case_deadlines",
                        lambda db, changed: bulk.replace_case_deadlines(db, changed))
    cli.ok(["--config", str(other), "recompute"])
    assert every_row() == switched
    cli.ok("recompute")
    assert every_row() == back
    assert "no problems" in cli.ok("check")


def plain_changed_rows(old: list[tuple], new: list[tuple]) -> int:
    """batch.changed_rows as it was before its shortcut (taking out rows equal at the same position)."""
    from collections import Counter

    gone, added = Counter(old), Counter(new)
    gone, added = gone - added, added - gone

    def key(row: tuple) -> tuple:
        return row[1], row[8], row[5]  # (rule, subject, trigger) of (case_id, *DEADLINE_FIELDS)

    before = Counter(key(r) for r in gone.elements())
    after = Counter(key(r) for r in added.elements())
    return sum((before | after).values())


def row(rule: str, due: str, subject: str | None = None, trigger: str = "2025-01-06") -> tuple:
    return (1, rule, "la", "kind", "source", trigger, due, due, subject, None, None, None, None, trigger, None)


def test_changed_rows_counts_by_hand():
    from sendtrack.app.batch import changed_rows

    a, b, c = row("r1", "2025-02-01"), row("r2", "2025-03-01"), row("r3", "2025-04-01")
    b_moved = row("r2", "2025-03-08")  # the same deadline (rule, subject, trigger), another due date
    assert changed_rows([a, b, c], [a, b, c]) == 0
    assert changed_rows([a, b, c], [a, b_moved, c]) == 1  # one deadline altered
    assert changed_rows([a, b], [b, a]) == 0  # the same rows in another order: nothing changed
    assert changed_rows([a, b, c], [a, c]) == 1  # one removed
    assert changed_rows([a, c], [a, b, c]) == 1  # one added
    assert changed_rows([a, b, c], [c, b_moved, a]) == 1  # reordered and one altered
    d = row("r4", "2025-05-01")
    assert changed_rows([a, b, c], [a, d, c]) == 2  # r2 gone, r4 added
    # contact_weeks 6 -> 4: a contact due with the decision moves ahead of it, so both positions
    # differ; the decision is in both (cancels), the contact is one deadline altered
    decision, contact = row("decision", "2025-02-17"), row("contact", "2025-02-17")
    assert changed_rows([decision, contact], [row("contact", "2025-02-03"), decision]) == 1
    # a row twice on a side (counted as multisets): one copy of r1 gone
    assert changed_rows([a, a, b], [a, b]) == 1
    assert changed_rows([a, a, b], [b, a, c]) == 2  # one copy of r1 gone, r3 added


def test_changed_rows_agrees_with_the_plain_count_on_shuffled_histories():
    import random

    from sendtrack.app.batch import changed_rows

    rng = random.Random(14)
    base = [row(f"r{n % 7}", f"2025-{1 + n % 12:02d}-0{1 + n % 9}", subject=f"s{n % 3}" if n % 2 else None,
                trigger=f"2025-01-{10 + n % 5}") for n in range(25)]
    for _ in range(3000):
        old = rng.sample(base, rng.randint(0, 12))
        new = list(old)
        for _ in range(rng.randint(0, 4)):
            what = rng.random()
            if what < 0.3 and new:
                at = rng.randrange(len(new))
                r = list(new[at])
                r[6] = f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
                new[at] = tuple(r)
            elif what < 0.5 and new:
                new.pop(rng.randrange(len(new)))
            elif what < 0.7:
                new.insert(rng.randint(0, len(new)), rng.choice(base))
            elif len(new) > 1:
                i, j = rng.sample(range(len(new)), 2)
                new[i], new[j] = new[j], new[i]
        assert changed_rows(old, new) == plain_changed_rows(old, new), (old, new)
