"""Crash safety: a write killed with SIGKILL part-way leaves the database exactly as it was.

The long write is tests/crash_writer.py: one transaction through `Database.write()` adding cases,
events and deadlines row by row, as an import does; `sendtrack recompute` and `sendtrack import` run
through crash_writer.py too. No writer is killed at a guessed moment: it stops inside its transaction
after a chosen number of writing statements, says so with a marker file and waits; the test kills it
then. So no test here can pass or fail by how fast (or how loaded) the machine is.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from sendtrack.app import record
from tests.conftest import data_dump, has_command

CRASH_WRITER = Path(__file__).with_name("crash_writer.py")
HOLD_WAIT_S = 300  # how long a loaded machine may take to reach the hold: slow is fine, never too quick


class Writer:
    """crash_writer.py ARGS, held after its HOLD-th writing statement when HOLD is given. It runs in a
    session of its own, so a kill takes any worker processes with it, and writes its output to files (a
    pipe nobody reads could fill and stall it before it reaches the hold)."""

    def __init__(self, args: list[str], where: Path, hold: int | None) -> None:
        self.marker = where / "inside-the-transaction"
        self.out, self.err = where / "writer.out", where / "writer.err"
        held = ["--hold", str(self.marker), str(hold)] if hold is not None else []
        with self.out.open("w") as out, self.err.open("w") as err:
            self.proc = subprocess.Popen([sys.executable, str(CRASH_WRITER), *held, *args], stdout=out,
                                         stderr=err, env=os.environ.copy(), start_new_session=True)

    def output(self) -> str:
        return f"stdout: {self.out.read_text()}\nstderr: {self.err.read_text()}"

    def wait_for_hold(self) -> str:
        """Return once the writer is inside its transaction, rows written, uncommitted."""
        waited = 0.0
        while not self.marker.exists():
            assert self.proc.poll() is None, (f"the writer ended (exit {self.proc.returncode}) before its "
                                              f"hold\n{self.output()}")
            assert waited < HOLD_WAIT_S, f"the writer did not reach its hold in {HOLD_WAIT_S} s\n{self.output()}"
            time.sleep(0.05)
            waited += 0.05
        return self.marker.read_text()

    def kill(self) -> None:
        assert self.proc.poll() is None, f"the writer ended while held\n{self.output()}"
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        assert self.proc.returncode == -signal.SIGKILL

    def finish(self, timeout: float = 300) -> str:
        self.proc.wait(timeout=timeout)
        assert self.proc.returncode == 0, self.output()
        return self.out.read_text()

    def stop(self) -> None:
        """Whatever the test did: no writer outlives it."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)


@pytest.fixture
def writer(tmp_path):
    """`writer(args, hold=N)` starts crash_writer.py; every one started is stopped after the test."""
    started: list[Writer] = []

    def start(args: list[str], *, hold: int | None = None) -> Writer:
        where = tmp_path / f"writer-{len(started)}"
        where.mkdir()
        started.append(Writer(args, where, hold))
        return started[-1]

    yield start
    for each in started:
        each.stop()


def assert_sound(backend, cli) -> None:
    """SQLite's own integrity check (on a fresh connection, which recovers the WAL) and ours."""
    if backend.is_sqlite:
        with sqlite3.connect(backend.location.path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert "no problems" in cli.ok("check")


def wal_size(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


@pytest.fixture
def existing(backend_cli):
    cli = backend_cli
    cli.ok("add-request --ref E1 --name 'Amelia Jones' --dob 2015-03-15 --received 2025-01-06")
    cli.ok("record decision E1 --date 2025-02-10 --outcome assess")
    return cli


# The long write makes 4 writing statements a case: its row, its request event, the DELETE and the
# INSERT of its deadlines.
HOLDS = [
    pytest.param(1, id="first-row"),
    pytest.param(4 * 25 + 2, id="mid-case"),  # case 26's request event in, its deadlines not yet
    pytest.param(4 * 2500 + 1, id="spilled"),  # 2,500 cases: SQLite's page cache has spilled into the WAL
]


@pytest.mark.slow
@pytest.mark.parametrize("hold", HOLDS)
def test_long_write_killed_part_way_changes_nothing(existing, backend, writer, hold):
    before = backend.snapshot()
    wal_before = wal_size(backend.location.path) if backend.is_sqlite else 0
    proc = writer([], hold=hold)
    where = proc.wait_for_hold()
    assert where.split()[1] == "INSERT", where
    if backend.is_sqlite and hold > 10_000:
        # uncommitted pages are in the WAL, not just in memory: the next open must ignore them
        assert wal_size(backend.location.path) > wal_before + 256 * 1024
    proc.kill()
    assert backend.snapshot() == before
    assert_sound(backend, existing)
    # nothing is left locked: the next command writes at once
    existing.ok("record contact E1 --date 2025-02-11")


def test_the_same_write_left_to_finish_commits_everything(existing, backend, writer):
    assert writer(["400"]).finish().split() == ["committed"]
    db = backend.open()
    try:
        assert db.one("SELECT COUNT(*) FROM cases WHERE ref LIKE 'BULK-%'")[0] == 400
    finally:
        db.close()
    assert_sound(backend, existing)


def bulk(writer, count: int) -> None:
    """COUNT cases written by the long write, committed (into the database SENDTRACK_DB names)."""
    assert writer([str(count)]).finish().split() == ["committed"]


def killed_part_way(writer, cli_args: list[str], db_path: Path, tmp_path: Path, where: str) -> None:
    """Run `sendtrack CLI_ARGS` on the database held at `where` ("first": its first writing statement;
    "middle": its middle one; "before-commit": its last one, only the COMMIT left) and kill it there.
    How many writing statements the command makes is counted first on a copy of the database."""
    rehearsal, counted = tmp_path / "rehearsal.db", tmp_path / "writes"
    copy_database(db_path, rehearsal)
    run = subprocess.run([sys.executable, str(CRASH_WRITER), "--count", str(counted), "--",
                          "--db", str(rehearsal), *cli_args], capture_output=True, text=True,
                         env=os.environ.copy())
    assert run.returncode == 0, run.stderr
    writes = int(counted.read_text())
    assert writes >= 4, f"{cli_args}: {writes} writing statements: too few to stop one part-way"
    hold = {"first": 1, "middle": writes // 2, "before-commit": writes}[where]
    proc = writer(["--", "--db", str(db_path), *cli_args], hold=hold)
    proc.wait_for_hold()
    proc.kill()


def copy_database(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as conn, sqlite3.connect(target) as copy:
        conn.backup(copy)


def uninterrupted(cli, db_path: Path, tmp_path: Path, cli_args: list[str]) -> str:
    """The dump `sendtrack CLI_ARGS` leaves when nothing stops it, run on a copy of the database."""
    reference = tmp_path / "reference.db"
    copy_database(db_path, reference)
    cli.ok(["--db", str(reference), *cli_args])
    return data_dump(reference)


def integrity_ok(db_path: Path) -> None:
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def check_lines(cli, db_path: Path) -> set[str]:
    """`check`'s problems (an empty set when it passes)."""
    result = cli(["--db", str(db_path), "check"])
    lines = set(result.stdout.splitlines()) - {"check: no problems found"}
    assert (result.exit_code == 0) == (not lines), result.output
    return lines


def case_rows(db_path: Path) -> dict[str, tuple]:
    """Each case's own row, events (without ids) and deadlines (without ids), by reference."""
    with sqlite3.connect(db_path) as conn:
        found = {}
        for case_id, ref, *values in conn.execute("SELECT * FROM cases ORDER BY id"):
            events = conn.execute("SELECT kind, date, details, recorded_by, recorded_at, hash FROM events "
                                  "WHERE case_id = ? ORDER BY id", (case_id,)).fetchall()
            deadlines = conn.execute("SELECT * FROM deadlines WHERE case_id = ? ORDER BY id",
                                     (case_id,)).fetchall()
            found[ref] = (tuple(values), tuple(events), tuple(d[2:] for d in deadlines))
        return found


def staging_files(db_path: Path) -> list[Path]:
    return sorted(db_path.parent.glob(f".{db_path.name}.import-*.staging"))


# Recompute and import commit in steps of 100 cases (README: Long writers share the lock), so a kill
# part-way leaves the steps before it committed. What must hold at every point: SQLite's integrity
# check passes, `check` finds nothing new (no case half-written), and running the same command again
# gives exactly what one uninterrupted run gives (the dumps are compared).

@pytest.mark.slow
@pytest.mark.skipif(not has_command("recompute"), reason="`sendtrack recompute` is not here yet "
                                                          "(the import/recompute change adds it)")
@pytest.mark.parametrize("where", ["first", "middle", "before-commit"])
def test_recompute_killed_part_way_is_finished_by_running_it_again(cli, private_db, tmp_path, writer, where):
    cli.ok("add-request --ref E1 --name 'Amelia Jones' --dob 2015-03-15 --received 2025-01-06")
    # over 4 chunks of 1,000 cases, every one to rewrite (a recompute with nothing to change writes
    # nothing): 50 steps of 100 cases
    bulk(writer, 5_000)
    with sqlite3.connect(private_db) as conn:
        conn.execute("DELETE FROM deadlines WHERE case_id IN (SELECT id FROM cases WHERE ref LIKE 'BULK-%')")
    before, problems_before = data_dump(private_db), check_lines(cli, private_db)
    assert len(problems_before) >= 5_000  # every bulk case's deadlines are missing
    expected = uninterrupted(cli, private_db, tmp_path, ["recompute"])
    assert expected != before

    killed_part_way(writer, ["recompute"], private_db, tmp_path, where)
    integrity_ok(private_db)
    # some cases recomputed (each whole: its deadlines all replaced in one step), the rest as before
    assert check_lines(cli, private_db) <= problems_before
    if where == "first":
        assert data_dump(private_db) == before  # its first step was never committed
    cli.ok("recompute")
    assert data_dump(private_db) == expected
    assert check_lines(cli, private_db) == set()


@pytest.fixture
def exported(cli, tmp_path, monkeypatch, writer) -> Path:
    """A JSON export of 3,000 cases (3 chunks of 1,000 to check, 30 steps of 100 to write)."""
    source = tmp_path / "source.db"
    cli.ok(["--db", str(source), "init"])
    with monkeypatch.context() as env:
        env.setenv("SENDTRACK_DB", str(source))
        bulk(writer, 3_000)
    export = tmp_path / "everything.json"
    cli.ok(["--db", str(source), "export", "--format", "json", "--out", str(export)])
    return export


@pytest.mark.slow
@pytest.mark.skipif(not has_command("import", "export"), reason="`sendtrack import`/`export` are not "
                                                                "here yet (the import change adds them)")
@pytest.mark.parametrize("where", ["first", "middle", "before-commit"])
def test_import_killed_part_way_is_finished_by_running_it_again(cli, private_db, tmp_path, writer, exported,
                                                                where, monkeypatch):
    cli.ok("add-request --ref E1 --name 'Amelia Jones' --dob 2015-03-15 --received 2025-01-06")
    # every import here stamps its rows (imported_at) with the same moment, in this process and the
    # killed one, so their dumps compare
    fixed = datetime(2026, 1, 5, 9, 30)
    monkeypatch.setattr(record, "now", lambda: fixed)
    monkeypatch.setenv("CRASH_WRITER_NOW", fixed.isoformat())
    before = data_dump(private_db)
    expected = uninterrupted(cli, private_db, tmp_path, ["import", str(exported)])
    whole = case_rows(tmp_path / "reference.db")
    assert len(whole) == 3_001

    killed_part_way(writer, ["import", str(exported)], private_db, tmp_path, where)
    integrity_ok(private_db)
    found = case_rows(private_db)
    if where == "first":
        # killed inside its first step: nothing is in, the marker neither; the staged rows stay behind
        # until the next import sweeps them
        assert data_dump(private_db) == before
        assert check_lines(cli, private_db) == set()
        assert len(staging_files(private_db)) == 1
    else:
        # part-way: some cases are in, each exactly as the whole import writes it (no half-written
        # case), and `check` names the unfinished import and how to finish it, and nothing else
        assert 1 < len(found) < len(whole)
        assert {ref: whole[ref] for ref in found} == found
        problems = check_lines(cli, private_db)
        assert len(problems) == 1, problems
        (problem,) = problems
        assert problem.startswith("-: unfinished-import: an import of ") and " of 3000 cases are in" in problem
        assert f"run `sendtrack import {exported.resolve()}` again" in problem

    # a report while it is part-way reads only whole cases
    cli.ok("cases --format csv")
    # the same command again finishes it: exactly the uninterrupted import, no case twice
    cli.ok(["import", str(exported)])
    assert data_dump(private_db) == expected
    assert check_lines(cli, private_db) == set()
    assert staging_files(private_db) == []
    # and once more: every case is already there, so nothing is written
    refused = cli(["import", str(exported)])
    assert refused.exit_code == 1 and "already exists" in refused.stderr, refused.output
    assert data_dump(private_db) == expected
