"""The benchmark: a smoke run at tiny sizes (the command documented in docs/performance.md still works),
and its floors checked fair: each produces what the command it is compared with produces."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
AS_OF = "2025-06-30"


def sendtrack(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "sendtrack", *args], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def sampled(tmp_path_factory):
    db = tmp_path_factory.mktemp("bench") / "small.db"
    sendtrack("--db", str(db), "init")
    sendtrack("--db", str(db), "sample", "--cases", "400", "--seed", "1", "--as-of", AS_OF)
    return db


def test_the_fair_overdue_floor_writes_sendtracks_bytes(sampled):
    for day in (AS_OF, "2024-01-02", "2026-03-31"):
        mine = sendtrack("--db", str(sampled), "overdue", "--as-of", day, "--format", "csv").stdout
        floor = subprocess.run([sys.executable, str(BENCH / "fair_overdue.py"), str(sampled), day],
                               capture_output=True, text=True, timeout=120)
        assert floor.returncode == 0, floor.stderr
        assert mine.count("\n") > 20, "the comparison needs overdue rows"
        assert floor.stdout == mine


def test_raw_executemany_writes_the_cases_and_events_import_writes(sampled, tmp_path):
    exported = tmp_path / "export.csv"
    sendtrack("--db", str(sampled), "export", "--out", str(exported))
    raw, imported = tmp_path / "raw.db", tmp_path / "imported.db"
    for db in (raw, imported):
        sendtrack("--db", str(db), "init")
    done = subprocess.run([sys.executable, str(BENCH / "raw_import.py"), str(exported), str(raw)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    sendtrack("--db", str(imported), "import", str(exported))

    def rows(db: Path) -> tuple[list, list, list]:
        with sqlite3.connect(db) as conn:
            cases = conn.execute("SELECT id, ref, name, dob, received, source, team, coordinator, "
                                 "looked_after, alternative_provision, setting, created_at, upn, uln, upn_unknown, "
                                 "sex, ethnicity, postcode, primary_need, secondary_need FROM cases "
                                 "ORDER BY id").fetchall()
            placements = conn.execute("SELECT case_id, urn, ukprn, setting_type, rank, entry, leaving, phase "
                                      "FROM placements ORDER BY case_id, rank, entry").fetchall()
            events = conn.execute("SELECT id, case_id, kind, date, details, voids, recorded_by, recorded_at "
                                  "FROM events ORDER BY id").fetchall()
        return cases, placements, events

    # the same rows, less what only sendtrack writes (deadlines, the audit chain's hashes)
    assert rows(raw) == rows(imported)
    assert len(rows(raw)[2]) > 1000 and len(rows(raw)[1]) > 10


def tables(db: Path) -> dict[str, list]:
    """Every table's rows (in rowid order, with every column), and the schema's statements as a set:
    an import rebuilds some deadline indexes after its rows, so they come later in sqlite_master."""
    with sqlite3.connect(db) as conn:
        names = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                  "ORDER BY name")]
        found = {name: conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall()
                 for name in names if name != "alembic_version"}
        found["alembic_version"] = conn.execute("SELECT * FROM alembic_version").fetchall()
        found["schema"] = sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
    return found


def test_the_same_rows_import_floor_writes_what_import_writes(sampled, tmp_path):
    exported, side = tmp_path / "export.csv", tmp_path / "side.csv"
    sendtrack("--db", str(sampled), "export", "--out", str(exported))
    floor, imported = tmp_path / "floor.db", tmp_path / "imported.db"
    for db in (floor, imported):
        sendtrack("--db", str(db), "init")
    sendtrack("--db", str(imported), "import", str(exported))
    for script in (["import_rows.py", str(exported), str(imported), str(side)],
                   ["fair_import.py", str(exported), str(side), str(floor)]):
        done = subprocess.run([sys.executable, str(BENCH / script[0]), *script[1:]], capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    mine, theirs = tables(imported), tables(floor)
    assert mine.keys() == theirs.keys()
    for name in mine:
        assert theirs[name] == mine[name], name
    # every table the import writes holds rows (a floor that left one out would pass on an empty one)
    for name in ("cases", "placements", "events", "deadlines", "audit_heads", "meta"):
        assert len(mine[name]) > (10 if name != "meta" else 0), name
    assert all(row[-3] is not None and row[-2] is not None for row in mine["events"]), "hashes, stamps"


def test_benchmark_smoke_run(tmp_path):
    done = subprocess.run([sys.executable, str(BENCH / "run.py"), "--smoke", "--runs", "1",
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    for name in ("sendtrack --help", "council add-request", "council record decision", "council timeline REF",
                 "council overdue --format csv", "council digest --format text",
                 "council cases --format csv (all)", "council overdue --format table", "council check",
                 "council import", "council import (events-only floor, informational)",
                 "council recompute, nothing changed"):
        assert f"| {name} " in done.stdout, name
