"""Long writers share the lock: an import written in steps under its marker, stopped part-way and finished
by running it again, on SQLite and PostgreSQL (README: Long writers share the lock).

A stop is made here by making the write of the import's third step fail (a refusal, as a full disk gives):
the steps before it are committed, the failing one is rolled back. tests/test_crash.py kills a real
process with SIGKILL at chosen statements (slow tests); this file checks what a user then sees and does.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sendtrack.app import exchange
from sendtrack.config import DEFAULT_CONFIG
from sendtrack.errors import RefusedError
from sendtrack.storage.bulk import sweep_staging

AS_OF = "2025-06-30"


@pytest.fixture
def exported(cli, tmp_path) -> Path:
    """A CSV export of 300 sampled cases (3 steps of 100 to write), made in a database of its own."""
    source = tmp_path / "source.db"
    cli.ok(["--db", str(source), "init"])
    cli.ok(["--db", str(source), "sample", "--cases", "300", "--seed", "9", "--as-of", AS_OF])
    out = tmp_path / "all.csv"
    cli.ok(["--db", str(source), "export", "--format", "csv", "--out", str(out)])
    return out


def split(exported: Path, tmp_path: Path, cases: int) -> tuple[Path, Path]:
    """The export's first `cases` cases and the rest, as two files (each case's rows stay together)."""
    rows = list(csv.reader(io.StringIO(exported.read_text())))
    header, body = rows[0], rows[1:]
    refs = list(dict.fromkeys(r[0] for r in body))
    first = set(refs[:cases])
    parts = []
    for name, keep in (("first.csv", True), ("rest.csv", False)):
        path = tmp_path / name
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(r for r in body if (r[0] in first) == keep)
        parts.append(path)
    return parts[0], parts[1]


def stop_at_step(monkeypatch, step: int) -> None:
    """The import's `step`-th chunk write fails, as a full disk would make it."""
    real, calls = exchange._write_chunk, {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == step:
            raise RefusedError("the disk is full")
        return real(*args, **kwargs)

    monkeypatch.setattr(exchange, "_write_chunk", failing)


def count_cases(backend) -> int:
    db = backend.open()
    try:
        return db.one("SELECT COUNT(*) FROM cases")[0]
    finally:
        db.close()


def test_a_one_step_import_leaves_no_marker_and_the_next_import_goes_ahead(backend_cli, exported, tmp_path):
    first, rest = split(exported, tmp_path, 40)
    assert backend_cli.ok(["import", str(first)]).startswith("imported 40 cases")
    assert "no problems" in backend_cli.ok("check")
    assert backend_cli.ok(["import", str(rest)]).startswith("imported 260 cases")
    assert "no problems" in backend_cli.ok("check")


def test_an_import_stopped_part_way_is_finished_by_running_it_again(backend_cli, backend, exported,
                                                                    tmp_path, monkeypatch):
    cli = backend_cli
    with monkeypatch.context() as patch:
        stop_at_step(patch, 3)
        stopped = cli.fails(["import", str(exported)])
    # the first step is committed on its own (with the marker); the second may share a transaction
    # with the third (steps share one while it has held the lock under 0.3 s), which is rolled back.
    # The first step may carry one case more: the one holding the file's highest event id goes first.
    message = stopped.stderr.strip()
    assert "the import stopped part-way (the disk is full)" in message, message
    written = count_cases(backend)
    assert written in (100, 101, 200, 201)
    assert f"{written} of 300 cases are written, each whole" in message
    assert f"run `sendtrack import {exported.resolve()}` again" in message

    # check names it (and nothing else); reports read the whole cases that are in
    problems = cli.fails("check").stdout.splitlines()
    assert problems == [f"-: unfinished-import: an import of {exported.resolve()} is being written or "
                        f"stopped part-way: {written} of 300 cases are in, each whole; run `sendtrack import "
                        f"{exported.resolve()}` again to finish it"]
    assert len(cli.ok("cases --format csv").splitlines()) == written + 1
    # interactive writes go on meanwhile
    cli.ok("add-request --ref NEW-1 --name 'Amelia Jones' --dob 2015-03-15 --received 2025-01-06")

    # another file's import waits for this one; so does a recompute under another configuration
    other = tmp_path / "other.csv"
    other.write_text(exported.read_text().splitlines()[0] + "\n")
    assert "another import" in cli.fails(["import", str(other)]).stderr
    changed = tmp_path / "config.toml"
    changed.write_text(DEFAULT_CONFIG.read_text().replace("contact_weeks = 6", "contact_weeks = 4"))
    assert "finish it" in cli.fails(["--config", str(changed), "recompute"]).stderr
    # and the import cannot be finished under another configuration than the one it was checked under
    assert "another configuration" in cli.fails(["--config", str(changed), "import", str(exported)]).stderr

    # the same command again writes the rest: every case once, exactly as exported
    assert cli.ok(["import", str(exported)]).startswith("imported 300 cases")
    assert count_cases(backend) == 301
    assert "no problems" in cli.ok("check")
    again = tmp_path / "again.csv"
    cli.ok(["export", "--format", "csv", "--out", str(again)])
    rows = [r for r in csv.reader(io.StringIO(again.read_text())) if r[0] != "NEW-1"]
    source = list(csv.reader(io.StringIO(exported.read_text())))
    # who imported each row and when are this import's (the export's own are blank: sampled rows);
    # the steps written before the stop and after it carry the same, the import's
    assert {tuple(r[-2:]) for r in rows[1:]} == {("test-user", rows[1][-1])}
    assert [r[:-2] for r in rows] == [r[:-2] for r in source]
    # a third run writes nothing: every case is already there
    assert "already exists" in cli.fails(["import", str(exported)]).stderr
    assert count_cases(backend) == 301


def test_stray_staging_files_of_gone_processes_are_swept(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    import os

    mine = tmp_path / f".sendtrack.db.import-{os.getpid()}-abc.staging"
    stray = tmp_path / f".sendtrack.db.import-{gone.pid}-def.staging"
    marked = tmp_path / f".sendtrack.db.import-{gone.pid}-ghi.staging"
    other_db = tmp_path / f".other.db.import-{gone.pid}-jkl.staging"
    for path in (mine, stray, marked, other_db):
        path.write_text("")
    assert sweep_staging(tmp_path, "sendtrack.db", keep=str(marked)) == [stray]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in (mine, marked, other_db))


def test_a_stopped_import_is_resumed_with_a_relative_db_path(cli, private_db, exported, monkeypatch):
    """`--db` given relative: the marker names the staging file by its absolute path (mkstemp's), the
    sweep finds it by the relative directory; the two must compare as one file, or the sweep deletes
    the staged rows of the very import being resumed (a trial user's finding)."""
    from sendtrack.storage import bulk

    monkeypatch.chdir(private_db.parent)
    relative = ["--db", private_db.name]
    with monkeypatch.context() as patch:
        stop_at_step(patch, 3)
        stopped = cli.fails([*relative, "import", str(exported)])
    assert "the import stopped part-way" in stopped.stderr
    # the stopped import's process is gone (as after a kill): only the marker keeps its staged rows
    monkeypatch.setattr(bulk, "_running", lambda pid: False)
    assert cli.ok([*relative, "import", str(exported)]).startswith("imported 300 cases")
    assert "no problems" in cli.ok([*relative, "check"])
    assert len(cli.ok([*relative, "cases", "--format", "csv"]).splitlines()) == 300 + 1


def test_the_sweep_keeps_the_marked_file_whether_paths_are_relative_or_absolute(tmp_path, monkeypatch):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    marked = tmp_path / f".x.db.import-{gone.pid}-abc.staging"
    marked.write_text("")
    monkeypatch.chdir(tmp_path)
    assert sweep_staging(Path("."), "x.db", keep=str(marked.resolve())) == []
    assert sweep_staging(tmp_path, "x.db", keep=marked.name) == []
    assert marked.exists()


def deadline_indexes(path: Path) -> set[str]:
    import sqlite3

    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT sql FROM sqlite_master WHERE type = 'index' "
                                               "AND tbl_name = 'deadlines' AND sql IS NOT NULL")}


@pytest.mark.parametrize("ending", ["finished", "case-taken", "staging-gone", "file-changed"])
def test_an_import_into_an_empty_database_builds_two_deadline_indexes_once(cli, private_db, exported,
                                                                           tmp_path, monkeypatch, ending):
    """Into a deadlines table holding no row, the import drops the due-date indexes in its first step
    and builds them in its last; stopped part-way, the marker names them, and however the marker goes
    (the import finished, stopped for good by a case another writer added, its staged rows gone) the
    indexes are back exactly as `init` makes them."""
    import json
    import sqlite3

    fresh = tmp_path / "fresh.db"
    cli.ok(["--db", str(fresh), "init"])
    made = deadline_indexes(fresh)
    assert len(made) == 3, made  # case_id; due; rule, due
    with monkeypatch.context() as patch:
        stop_at_step(patch, 3)
        cli.fails(["import", str(exported)])
    between = deadline_indexes(private_db)
    assert between == {sql for sql in made if "(case_id)" in sql}
    with sqlite3.connect(private_db) as conn:
        marker = json.loads(conn.execute("SELECT value FROM meta WHERE name = 'import_batch'").fetchone()[0])
        staged = marker["staging"]
        first_ref = conn.execute("SELECT MIN(ref) FROM cases").fetchone()[0]
    assert set(marker["indexes"]) == made - between
    # between the steps the reports answer from the rows that are in
    cli.ok(["overdue", "--as-of", AS_OF, "--format", "csv"])
    if ending == "finished":
        assert cli.ok(["import", str(exported)]).startswith("imported 300 cases")
    elif ending == "case-taken":
        # the file's first case is written last (steps go from the highest ids down): add it meanwhile
        refs = [r[0] for r in csv.reader(io.StringIO(exported.read_text()))][1:]
        assert refs[0] < first_ref
        cli.ok(f"add-request --ref {refs[0]} --name 'Amelia Jones' --dob 2015-03-15 --received 2025-01-06")
        assert "was added by another writer" in cli.fails(["import", str(exported)]).stderr
    elif ending == "file-changed":
        # the file changed since the stop (a breaker touched it): refused, saying so and how to give up
        # (the old message said to run the same import again, which never could finish it)
        os.utime(exported, ns=(exported.stat().st_atime_ns, exported.stat().st_mtime_ns + 10**9))
        refused = cli.fails(["import", str(exported)]).stderr
        assert "the file has changed since" in refused and f"delete {staged}" in refused, refused
        assert deadline_indexes(private_db) == between
        Path(staged).unlink()
        assert "staged rows are gone" in cli.fails(["import", str(exported)]).stderr
    else:
        Path(staged).unlink()
        assert "staged rows are gone" in cli.fails(["import", str(exported)]).stderr
    assert deadline_indexes(private_db) == made
    with sqlite3.connect(private_db) as conn:
        assert conn.execute("SELECT value FROM meta WHERE name = 'import_batch'").fetchone() is None
    assert "no problems" in cli.ok("check")


def test_a_staging_file_from_before_the_deadlines_column_is_still_read(tmp_path):
    """An import stopped part-way by an earlier sendtrack (its staging file kept each chunk's deadline
    rows inside `rows`) is finished by this one: the chunk reads back whole."""
    import sqlite3
    from datetime import date

    from sendtrack.storage.bulk import Staging, pack

    path = tmp_path / ".sendtrack.db.import-1-old.staging"
    cases = [(1, "A-1", "Amelia Jones", "2015-03-15")]
    events = [(1, 1, "request", "2025-01-06", "{}", None, "me", "2025-01-06 09:00:00")]
    deadlines = [(1, "rule", "la", "kind", "source", date(2025, 1, 6), "2025-02-03")]
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE chunks (n INTEGER PRIMARY KEY, lo INTEGER NOT NULL, hi INTEGER NOT NULL, "
                    "cases INTEGER NOT NULL, rows BLOB NOT NULL)")
        raw.execute("INSERT INTO chunks (lo, hi, cases, rows) VALUES (1, 1, 1, ?)",
                    (pack((cases, events, deadlines)),))
    old = Staging.open(path)
    assert old is not None and not old.separate
    assert old.rows(1) == (cases, events, deadlines)
    old.close()
    # and this version's: the deadline rows in their own column, packed apart (as a worker packs them)
    new = Staging.create(tmp_path, "sendtrack.db")
    new.add(cases, events, packed=pack(deadlines))
    new.add([(2, *cases[0][1:])], [], [(2, *deadlines[0][1:])])
    assert new.separate and new.rows(1) == (cases, events, deadlines)
    assert new.rows(2) == ([(2, *cases[0][1:])], [], [(2, *deadlines[0][1:])])
    new.remove()
