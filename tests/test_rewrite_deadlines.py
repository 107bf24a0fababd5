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
