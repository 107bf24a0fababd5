"""`sendtrack backup`: a consistent 0600 copy, taken while others write, that restores as documented."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from tests.conftest import data_dump, dump


@pytest.fixture
def held(cli):
    cli.ok("add-request --ref B1 --name 'Amelia Jones' --dob 2015-03-15 --received 2025-01-06")
    cli.ok("record decision B1 --date 2025-02-10 --outcome assess")
    return cli


def test_backup_is_an_exact_private_single_file_copy(held, private_db, tmp_path):
    dest = tmp_path / "copies" / "b.db"
    dest.parent.mkdir()
    out = held.ok(f"backup {dest}")
    assert out.strip() == f"backed up 1 case to {dest} (integrity ok)"
    assert oct(dest.stat().st_mode & 0o777) == "0o600"
    assert dump(dest) == dump(private_db)
    assert sorted(p.name for p in dest.parent.iterdir()) == ["b.db"]  # no -wal, no partial file
    with sqlite3.connect(dest) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_backup_is_mode_0600_whatever_the_umask(held, tmp_path):
    old = os.umask(0)
    try:
        held.ok(f"backup {tmp_path / 'open.db'}")
    finally:
        os.umask(old)
    assert oct((tmp_path / "open.db").stat().st_mode & 0o777) == "0o600"


def test_existing_destination_is_refused_unless_forced(held, tmp_path):
    dest = tmp_path / "b.db"
    dest.write_text("precious")
    result = held.fails(f"backup {dest}")
    assert result.stderr == (f"sendtrack: {dest} already exists: choose another name or give --force to "
                             "replace it\n")
    assert dest.read_text() == "precious"
    held.ok(f"backup {dest} --force")
    assert "B1" in dump(dest)
    assert oct(dest.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("where", ["directory", "missing-parent", "itself"])
def test_bad_destinations_are_refused_and_write_nothing(held, private_db, tmp_path, where):
    dest = {"directory": tmp_path, "missing-parent": tmp_path / "nowhere" / "b.db",
            "itself": private_db}[where]
    before = dump(private_db)
    result = held.fails(["backup", str(dest), "--force"])
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("sendtrack: ")
    assert dump(private_db) == before
    assert not (tmp_path / "nowhere").exists()


def test_backup_refused_on_postgresql_points_to_pg_dump(backend_cli, backend, tmp_path):
    if backend.is_sqlite:
        pytest.skip("the PostgreSQL refusal")
    result = backend_cli.fails(f"backup {tmp_path / 'b.db'}")
    assert "pg_dump" in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "b.db").exists()


def test_restore_as_the_readme_says(held, private_db, tmp_path):
    """Back up, lose a write, restore the copy over the database: the lost state is back and usable."""
    dest = tmp_path / "b.db"
    held.ok(f"backup {dest}")
    saved = data_dump(private_db)
    held.ok("record draft B1 --date 2025-04-01")
    # README "Backup and restore": check the copy, then put it in place (no -wal/-shm left behind)
    held.ok(["--db", str(dest), "check"])
    for suffix in ("-wal", "-shm"):
        private_db.with_name(private_db.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(dest, private_db)
    assert data_dump(private_db) == saved
    assert "no problems" in held.ok("check")
    held.ok("record draft B1 --date 2025-04-02")


WRITER = """
import sys
from sendtrack.cli.app import app
for i in range(int(sys.argv[1])):
    code = app(["record", "contact", "B1", "--date", "2025-03-01", "--note", f"n{i}"],
               standalone_mode=False, prog_name="sendtrack")
    if code:
        sys.exit(code)
print("done", flush=True)
"""


@pytest.mark.slow
def test_backups_taken_while_another_process_writes_are_consistent(held, private_db, tmp_path):
    writer = subprocess.Popen([sys.executable, "-c", WRITER, "60"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    copies = []
    while writer.poll() is None and len(copies) < 30:
        dest = tmp_path / f"b{len(copies)}.db"
        held.ok(f"backup {dest}")
        copies.append(dest)
    out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0 and "locked" not in err, err
    assert len(copies) >= 2
    counts = []
    for copy in copies:
        with sqlite3.connect(copy) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            counts.append(conn.execute("SELECT COUNT(*) FROM events WHERE kind = 'contact'").fetchone()[0])
        # each copy is a consistent moment: its deadlines match its events
        assert "no problems" in held.ok(["--db", str(copy), "check"])
    assert counts == sorted(counts)


def test_backup_holds_the_writes_still_in_the_wal_and_refuses_the_wal_itself(held, private_db, tmp_path):
    """While another connection keeps the database open, committed writes sit in its -wal: the copy
    has them, and the -wal (which `backup z.db-wal --force` used to replace) is refused."""
    keeper = sqlite3.connect(private_db)
    try:
        keeper.execute("SELECT 1 FROM cases").fetchall()
        held.ok("record draft B1 --date 2025-04-01")
        wal = private_db.with_name(private_db.name + "-wal")
        assert wal.stat().st_size > 0
        for sidecar in ("-wal", "-shm", "-journal"):
            result = held.fails(["backup", f"{private_db}{sidecar}", "--force"])
            assert result.stderr == (f"sendtrack: {private_db}{sidecar} is the {sidecar} file of the database "
                                     "sendtrack has open: writing there would destroy the records; choose "
                                     "another path; nothing was written\n")
        held.ok(f"backup {tmp_path / 'b.db'}")
        assert dump(tmp_path / "b.db") == dump(private_db)
        assert "draft" in dump(tmp_path / "b.db")
    finally:
        keeper.close()
