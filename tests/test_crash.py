"""Crash safety: a write killed with SIGKILL part-way leaves the database exactly as it was.

The long write is tests/crash_writer.py: one transaction through `Database.write()` adding cases,
events and deadlines row by row, as an import does. `sendtrack import` and `sendtrack recompute` (added
by the import and recompute change) get the same test; it skips until those commands exist.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import dump, has_command

CRASH_WRITER = Path(__file__).with_name("crash_writer.py")


def start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=os.environ.copy())


def kill(proc: subprocess.Popen) -> None:
    assert proc.poll() is None, "the write finished before it could be killed: the test proves nothing"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def assert_sound(backend, cli) -> None:
    """SQLite's own integrity check (on a fresh connection, which recovers the WAL) and ours."""
    if backend.is_sqlite:
        with sqlite3.connect(backend.location.path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert "no problems" in cli.ok("check")


@pytest.fixture
def existing(backend_cli):
    cli = backend_cli
    cli.ok("add-request --ref E1 --name 'Amelia Jones' --dob 2015-03-15 --received 2025-01-06")
    cli.ok("record decision E1 --date 2025-02-10 --outcome assess")
    return cli


@pytest.mark.slow
@pytest.mark.parametrize("after", [0.0, 0.3, 1.5], ids=["at-once", "soon", "later"])
def test_long_write_killed_part_way_changes_nothing(existing, backend, after):
    before = backend.snapshot()
    proc = start([sys.executable, str(CRASH_WRITER)])
    assert proc.stdout.readline().strip() == "writing", proc.stderr.read()
    time.sleep(after)
    kill(proc)
    assert backend.snapshot() == before
    assert_sound(backend, existing)
    # nothing is left locked: the next command writes at once
    existing.ok("record contact E1 --date 2025-02-11")


def test_the_same_write_left_to_finish_commits_everything(existing, backend):
    proc = start([sys.executable, str(CRASH_WRITER), "400"])
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and out.split() == ["writing", "committed"], err
    db = backend.open()
    try:
        assert db.one("SELECT COUNT(*) FROM cases WHERE ref LIKE 'BULK-%'")[0] == 400
    finally:
        db.close()
    assert_sound(backend, existing)


def timed_kill(cli_args: list[str], db_path: Path, tmp_path: Path) -> None:
    """Time the command on a copy of the database, then run it on the real one and kill it half-way."""
    rehearsal = tmp_path / "rehearsal.db"
    shutil.copyfile(db_path, rehearsal)
    command = [sys.executable, "-m", "sendtrack"]
    started = time.perf_counter()
    run = subprocess.run([*command, "--db", str(rehearsal), *cli_args], capture_output=True, text=True,
                         env=os.environ.copy())
    took = time.perf_counter() - started
    assert run.returncode == 0, run.stderr
    proc = start([*command, "--db", str(db_path), *cli_args])
    time.sleep(took * 0.7)
    kill(proc)


def bulk(count: int) -> None:
    run = subprocess.run([sys.executable, str(CRASH_WRITER), str(count)], capture_output=True, text=True,
                         env=os.environ.copy())
    assert run.returncode == 0, run.stderr


@pytest.mark.slow
@pytest.mark.skipif(not has_command("recompute"), reason="`sendtrack recompute` is not here yet "
                                                          "(the import/recompute change adds it)")
def test_recompute_killed_part_way_changes_nothing(cli, private_db, tmp_path):
    cli.ok("add-request --ref E1 --name 'Amelia Jones' --dob 2015-03-15 --received 2025-01-06")
    bulk(20_000)
    before = dump(private_db)
    timed_kill(["recompute"], private_db, tmp_path)
    assert dump(private_db) == before
    with sqlite3.connect(private_db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


@pytest.mark.slow
@pytest.mark.skipif(not has_command("import", "export"), reason="`sendtrack import`/`export` are not "
                                                                "here yet (the import change adds them)")
def test_import_killed_part_way_changes_nothing(cli, private_db, tmp_path, monkeypatch):
    cli.ok("add-request --ref E1 --name 'Amelia Jones' --dob 2015-03-15 --received 2025-01-06")
    source = tmp_path / "source.db"
    cli.ok(["--db", str(source), "init"])
    with monkeypatch.context() as env:
        env.setenv("SENDTRACK_DB", str(source))
        bulk(20_000)
    export = tmp_path / "everything.json"
    cli.ok(["--db", str(source), "export", "--format", "json", "--out", str(export)])
    before = dump(private_db)
    timed_kill(["import", str(export)], private_db, tmp_path)
    assert dump(private_db) == before
    with sqlite3.connect(private_db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
