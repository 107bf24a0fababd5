"""`recompute` verifies every chain a chunk at a time before writing (not the whole database at once,
which held every case in memory), and verifies a chunk again while computing it only when what its
chains are verified from has changed since (storage/bulk.py chain_digest): a chain altered between
the two passes is still refused, and the deadlines match a fresh computation (`check`)."""

from __future__ import annotations

import pytest

from sendtrack.app import batch
from sendtrack.config import DEFAULT_CONFIG
from sendtrack.storage import audit, bulk
from tests.test_audit import tamper

AS_OF = "2025-06-30"


@pytest.fixture
def sampled(backend_cli, monkeypatch):
    monkeypatch.setattr(batch, "CHUNK", 10)  # 25 cases: 3 tasks
    backend_cli.ok(["sample", "--cases", "25", "--seed", "5", "--as-of", AS_OF])
    return backend_cli


def test_each_chain_is_hashed_once_when_nothing_changes_between_the_passes(sampled, backend, monkeypatch):
    monkeypatch.setenv("SENDTRACK_WORKERS", "0")  # in this process, where the calls can be counted
    verified: list[tuple[int, int]] = []
    real = audit.find_breaks

    def counting(db, lo=None, hi=None, events=None):
        verified.append((lo, hi))
        return real(db, lo, hi, events)

    monkeypatch.setattr(audit, "find_breaks", counting)
    assert sampled.ok("recompute --full").startswith("recomputed 25 cases, ")
    if backend.is_sqlite:  # the first pass only: 1-10, 11-20, 21-25
        assert verified == [(1, 10), (11, 20), (21, 25)], verified
    else:  # no digest on PostgreSQL: both passes
        assert verified == [(1, 10), (11, 20), (21, 25)] * 2, verified
    monkeypatch.setattr(audit, "find_breaks", real)
    assert "no problems" in sampled.ok("check")


def rows(backend, sql: str) -> list[tuple]:
    db = backend.open()
    try:
        return db.all(sql)
    finally:
        db.close()


def test_a_chain_altered_between_the_two_passes_is_refused_and_nothing_written(sampled, backend,
                                                                                monkeypatch, tmp_path):
    monkeypatch.setenv("SENDTRACK_WORKERS", "0")
    real = batch.verify_cases

    def then_altered(runs):
        found = real(runs)
        if runs[0][0] == 21:  # the last chunk verified: now someone edits an event of case 3
            tamper(backend, "UPDATE events SET recorded_by = 'someone else' WHERE id = "
                            "(SELECT MIN(id) FROM events WHERE case_id = 3 AND kind <> 'request')")
        return found

    monkeypatch.setattr(batch, "verify_cases", then_altered)
    other = tmp_path / "config.toml"  # a configuration under which every case's deadlines change
    other.write_text(DEFAULT_CONFIG.read_text().replace("contact_weeks = 6", "contact_weeks = 4"))
    deadlines = rows(backend, "SELECT * FROM deadlines ORDER BY id")
    meta = rows(backend, "SELECT * FROM meta ORDER BY 1")
    result = sampled.fails(["--config", str(other), "recompute", "--full"])
    assert "recompute refused: SMP-0000003: audit-chain: event" in result.stderr, result.stderr
    # found in the first chunk computed (cases 1-10), before anything was written
    assert rows(backend, "SELECT * FROM deadlines ORDER BY id") == deadlines
    assert rows(backend, "SELECT * FROM meta ORDER BY 1") == meta
    monkeypatch.setattr(batch, "verify_cases", real)  # and the first pass finds it from now on
    assert "recompute refused: SMP-0000003" in sampled.fails("recompute --full").stderr


def test_the_digest_follows_everything_a_chain_is_verified_from(sampled, backend):
    if not backend.is_sqlite:
        pytest.skip("no digest on PostgreSQL: its chains are verified again every time")

    def verified() -> tuple[list, int | None]:
        db = backend.open()
        try:
            with db.read():
                return bulk.verify_range(db, 1, 25)
        finally:
            db.close()

    def digest() -> int | None:
        return verified()[1]

    assert verified()[0] == []
    first = digest()
    assert first is not None and digest() == first  # read again, unchanged: the same
    # a deadline is not something a chain is verified from
    backend.execute("UPDATE deadlines SET due = '2030-01-01' WHERE id = 1")
    assert digest() == first
    seen = {first}
    for change in ("UPDATE cases SET name = 'Someone Else' WHERE id = 2",  # an identity
                   "UPDATE audit_heads SET hash = 'x' WHERE case_id = 4"):  # a head
        backend.execute(change)
        now = digest()
        assert now not in seen, change
        seen.add(now)
    tamper(backend, "UPDATE events SET recorded_by = 'someone else' WHERE id = (SELECT MAX(id) FROM events)")
    assert digest() not in seen
    assert len(verified()[0]) == 3  # and each is a break the verification finds


def test_the_digest_cannot_be_matched_by_a_number_of_the_same_hash(sampled, backend):
    """Python's hash(n) == hash(n + 2**61 - 1): a digest built on it read a void's target or a case's
    flag raised by 2**61 - 1 as unchanged, and recompute
    then wrote from the tampered events without verifying them again (a breaker's finding)."""
    if not backend.is_sqlite:
        pytest.skip("no digest on PostgreSQL: its chains are verified again every time")

    def digest() -> int | None:
        db = backend.open()
        try:
            with db.read():
                return bulk.verify_range(db, 1, 10 ** 6)[1]
        finally:
            db.close()

    db = backend.open()
    try:
        ref, target = db.one("SELECT c.ref, MAX(e.id) FROM events e JOIN cases c ON c.id = e.case_id "
                             "WHERE e.kind = 'contact' GROUP BY c.ref ORDER BY c.ref LIMIT 1")
    finally:
        db.close()
    sampled.ok(f"record void {ref} {target} --reason 'entered by mistake'")
    db = backend.open()
    try:
        void = db.one("SELECT id, voids FROM events WHERE kind = 'void' ORDER BY id LIMIT 1")
    finally:
        db.close()
    seen = {digest()}
    for change in (f"UPDATE events SET voids = {void[1] + 2 ** 61 - 1} WHERE id = {void[0]}",
                   f"UPDATE events SET voids = {void[1]} WHERE id = {void[0]}",  # as it was
                   f"UPDATE cases SET looked_after = {2 ** 61 - 1} WHERE looked_after = 0 AND id = "
                   "(SELECT MIN(id) FROM cases WHERE looked_after = 0)"):
        tamper(backend, change)
        seen.add(digest())
    assert len(seen) == 3  # the original again after the second change: three distinct digests


def test_rows_rewritten_between_the_read_and_the_write_are_computed_again_under_the_lock(
        sampled, backend, monkeypatch, tmp_path):
    """Workers send only the rows that differ, with a digest of the rows they compared against; a case
    whose stored rows no longer give that digest when the parent writes (another recompute rewrote
    them) is not written from the stale comparison but computed again at the end, under the lock."""
    monkeypatch.setenv("SENDTRACK_WORKERS", "0")  # the read, the alteration and the write in order
    real_compute, real_update = batch.recompute_cases, bulk.update_case_deadlines
    stale: list[set[int]] = []

    def then_rewritten(runs):
        result = real_compute(runs)
        if runs[0][0] == 1:  # cases 1-10 read and computed, nothing written yet: case 3's rows change
            backend.execute("UPDATE deadlines SET subject = 'rewritten' WHERE id = "
                            "(SELECT MIN(id) FROM deadlines WHERE case_id = 3)")
        return result

    def spied(db, changed):
        found = real_update(db, changed)
        stale.append(found)
        return found

    monkeypatch.setattr(batch, "recompute_cases", then_rewritten)
    monkeypatch.setattr(bulk, "update_case_deadlines", spied)
    other = tmp_path / "config.toml"
    other.write_text(DEFAULT_CONFIG.read_text().replace("contact_weeks = 6", "contact_weeks = 4"))
    sampled.ok(["--config", str(other), "recompute", "--full"])
    assert stale[0] == {3}, stale  # the only case whose rows were rewritten, found stale
    assert all(not found for found in stale[1:]), stale
    assert rows(backend, "SELECT COUNT(*) FROM deadlines WHERE subject = 'rewritten'") == [(0,)]
    assert "no problems" in sampled.ok(["--config", str(other), "check"])
