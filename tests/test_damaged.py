"""A damaged, newer or read-only database: never written to, and said so in words.

Copies of one database are damaged in several ways (cut short, pages overwritten in the middle, the
header zeroed, garbage in the write-ahead log); on each, `add-request` and `record` write nothing (the
file's bytes and its -wal's are unchanged) and `overdue` reports no numbers without saying the file is
damaged. A database from a newer schema says "upgrade sendtrack", `init` included; a read-only one can
still be read and refuses writes; `init` leaves a file that is not a database exactly as it is.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import sqlite3
import stat
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from sendtrack.storage import db as storage_db
from sendtrack.storage.version import HEAD
from tests.conftest import dump

NAME = "Amelia Jones"
DOB = "2015-03-15"
WRITES = {
    "add-request": ["add-request", "--name", "Zoe Quill", "--dob", "2016-04-04", "--received", "2025-01-06"],
    "record": ["record", "contact", "D1", "--date", "2025-02-11"],
}


def damaged_source(cli, path: Path) -> None:
    cli.ok(["--db", str(path), "init"])
    cli.ok(["--db", str(path), "add-request", "--ref", "D1", "--name", NAME, "--dob", DOB,
            "--received", "2025-01-06"])
    cli.ok(["--db", str(path), "sample", "--cases", "60", "--seed", "3", "--as-of", "2025-06-30"])
    with sqlite3.connect(path) as conn:  # one self-contained file: nothing left in a -wal
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    from tests.conftest import Cli

    path = tmp_path_factory.mktemp("damaged") / "source.db"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SENDTRACK_USER", "test-user")
        env.setenv("SENDTRACK_DB", str(path))
        damaged_source(Cli(), path)
    return path


def page_size(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA page_size").fetchone()[0]


def root_page(path: Path, name: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]


def damage(source: Path, target: Path, how: str) -> None:
    shutil.copyfile(source, target)
    size, page = target.stat().st_size, page_size(source)
    rng = random.Random(how)
    with open(target, "r+b") as handle:
        if how == "truncated-by-half":
            handle.truncate(size // 2 // page * page)
        elif how == "truncated-mid-page":
            handle.truncate(size - page // 3)
        elif how == "pages-overwritten-in-the-middle":
            handle.seek(size // 2 // page * page)
            handle.write(rng.randbytes(4 * page))
        elif how == "deadlines-root-page-overwritten":
            handle.seek((root_page(source, "deadlines") - 1) * page)
            handle.write(rng.randbytes(page))
        elif how == "header-zeroed":
            handle.write(b"\0" * 100)
        elif how == "schema-page-garbage":
            handle.seek(100)
            handle.write(rng.randbytes(400))
    if how == "garbage-wal":
        Path(f"{target}-wal").write_bytes(rng.randbytes(32 + 3 * (24 + page)))
    if how == "wal-header-damaged":
        # a real log of a committed write, as a killed writer leaves it; its header then overwritten
        subprocess.run([sys.executable, "-c", KILLED_WRITER, str(target)], check=True)
        wal = Path(f"{target}-wal")
        assert wal.stat().st_size > 32
        wal.write_bytes(b"\xde\xad\xbe\xef" * 8 + wal.read_bytes()[32:])


#: commits one write and dies without closing: the write stays in the -wal
KILLED_WRITER = """
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA wal_autocheckpoint = 0")
conn.execute("UPDATE cases SET coordinator = 'Sam Writer' WHERE ref = 'D1'")
os._exit(0)
"""


DAMAGES = ["truncated-by-half", "truncated-mid-page", "pages-overwritten-in-the-middle",
           "deadlines-root-page-overwritten", "header-zeroed", "schema-page-garbage", "garbage-wal",
           "wal-header-damaged"]


def fingerprint(path: Path) -> dict[str, str | None]:
    """The bytes of the database and of its -wal (an empty -wal, which SQLite may leave behind when it
    cannot tidy up after a damaged file, holds nothing: the same as none)."""
    out = {}
    for suffix in ("", "-wal"):
        found = Path(f"{path}{suffix}")
        data = found.read_bytes() if found.exists() else b""
        out[suffix] = hashlib.sha256(data).hexdigest() if data or not suffix else None
    return out


def assert_damage_said(result, path: Path) -> None:
    said = result.stdout + result.stderr
    assert result.exit_code == 1, said
    assert "unexpected error" not in said and "Traceback" not in said
    assert result.stderr.startswith("sendtrack: "), said
    assert (f"{path} is damaged" in result.stderr
            or f"cannot open {path} as a SQLite database" in result.stderr), said
    assert "Backup and restore" in result.stderr, said
    assert NAME not in said and DOB not in said and "Zoe Quill" not in said


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_database_is_not_written_and_reports_say_so(cli, source, tmp_path, how):
    path = tmp_path / "damaged.db"
    damage(source, path, how)
    before = fingerprint(path)
    for args in WRITES.values():
        result = cli(["--db", str(path), *args])
        assert_damage_said(result, path)
        assert fingerprint(path) == before, args
    result = cli(["--db", str(path), "overdue", "--as-of", "2025-06-30", "--format", "csv"])
    assert_damage_said(result, path)
    assert result.stdout == ""  # no numbers from a damaged file
    assert fingerprint(path) == before


def test_the_restore_steps_are_printed(cli, source, tmp_path):
    path = tmp_path / "damaged.db"
    damage(source, path, "truncated-by-half")
    result = cli(["--db", str(path), *WRITES["record"]])
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert "nothing was written" in lines[0]
    assert "sendtrack --db BACKUP check" in lines[1] and f"install -m 600 BACKUP {path}" in lines[1]
    assert "-wal and -shm" in lines[1]


def test_without_the_quick_check_sqlite_damage_is_still_said_in_words(cli, source, tmp_path, monkeypatch):
    """A database too big for the quick check at open: a damaged page a command reads is refused in
    words by SQLite's own error, not an unexpected error."""
    monkeypatch.setattr(storage_db, "QUICK_CHECK_MAX_BYTES", 0)
    path = tmp_path / "damaged.db"
    damage(source, path, "deadlines-root-page-overwritten")
    before = fingerprint(path)
    for args in (["overdue", "--as-of", "2025-06-30", "--format", "csv"], WRITES["record"]):
        result = cli(["--db", str(path), *args])
        assert_damage_said(result, path)
        assert result.stdout == ""
    assert fingerprint(path) == before


def test_check_still_reports_damage_as_a_finding(cli, source, tmp_path):
    path = tmp_path / "damaged.db"
    damage(source, path, "pages-overwritten-in-the-middle")
    result = cli(["--db", str(path), "check"])
    assert result.exit_code == 1
    assert "-: integrity:" in result.stdout
    assert "unexpected error" not in result.stderr


def test_an_undamaged_copy_is_written(cli, source, tmp_path):
    path = tmp_path / "fine.db"
    shutil.copyfile(source, path)
    cli.ok(["--db", str(path), *WRITES["record"]])
    cli.ok(["--db", str(path), "overdue", "--as-of", "2025-06-30"])


def test_the_quick_check_is_cheap_where_it_runs():
    """The threshold the README quotes: what it says and what the code does agree."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert f"{storage_db.QUICK_CHECK_MAX_BYTES >> 20} MB" in readme


# --- a newer schema ---------------------------------------------------------------------------------

def test_a_newer_schema_says_upgrade_sendtrack_and_init_never_downgrades(cli, private_db):
    cli.ok("add-request --ref N1 --name 'Test Child' --dob 2015-03-15 --received 2025-01-06")
    with sqlite3.connect(private_db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    before = dump(private_db)
    for args in ("cases", "overdue", "record contact N1 --date 2025-02-01", "init", "check"):
        result = cli.fails(args, code=3)
        assert result.stderr == (f"sendtrack: {private_db} was written by a newer sendtrack (revision "
                                 "0099); upgrade sendtrack\n"), args
    assert dump(private_db) == before


# --- read-only ---------------------------------------------------------------------------------------

@contextmanager
def read_only(path: Path):
    """`path` (a file or a directory) made read-only to this process: chmod, or for root (whom
    permissions do not bind) the immutable attribute."""
    if os.geteuid() == 0:
        if not shutil.which("chattr"):
            pytest.skip("running as root without chattr: cannot make a file read-only to root")
        made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
        if made.returncode:
            pytest.skip(f"the file system refuses the immutable attribute ({made.stderr.strip()})")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = stat.S_IMODE(path.stat().st_mode)
        os.chmod(path, mode & ~0o222)
        try:
            yield
        finally:
            os.chmod(path, mode)


READS = [["cases", "--format", "csv"], ["overdue", "--as-of", "2025-06-30", "--format", "csv"],
         ["timeline", "D1", "--as-of", "2025-06-30", "--format", "json"], ["history", "D1", "--format", "csv"],
         ["check"], ["digest", "--as-of", "2025-06-30"], ["at-risk", "--as-of", "2025-06-30"]]


@pytest.mark.parametrize("what", ["file", "directory"])
def test_a_read_only_database_is_read_and_writes_refused(cli, source, tmp_path, what):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "sendtrack.db"
    shutil.copyfile(source, path)
    expected = {tuple(args): cli.ok(["--db", str(path), *args]) for args in READS}
    before = dump(path)
    with read_only(path if what == "file" else folder):
        for args in READS:
            assert cli.ok(["--db", str(path), *args]) == expected[tuple(args)], args
        for args in [*WRITES.values(), ["recompute"], ["assign", "D1", "--team", "school-age"]]:
            result = cli.fails(["--db", str(path), *args], code=1)
            assert result.stderr.startswith("sendtrack: the database is read-only: nothing was written"), \
                result.stderr
            assert result.stderr.count("\n") == 1
        assert cli.ok(["--db", str(path), "init"]).endswith(f"up to date (schema {HEAD})\n")
    assert dump(path) == before


def test_a_read_only_directory_reads_writes_still_in_the_wal(cli, source, tmp_path):
    """A writer has the database open (its -wal and -shm exist, a commit still in the log): a reader
    who may not write the directory reads through them, and sees that commit."""
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "sendtrack.db"
    shutil.copyfile(source, path)
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute("UPDATE cases SET coordinator = 'Sam Writer' WHERE ref = 'D1'")
        assert Path(f"{path}-wal").stat().st_size > 0
        with read_only(folder):
            rows = cli.ok(["--db", str(path), "cases", "--format", "csv", "--coordinator", "Sam Writer"])
        assert "D1," in rows
    finally:
        writer.close()


def test_a_read_only_directory_without_a_wal_is_read_as_it_stands(cli, source, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "sendtrack.db"
    shutil.copyfile(source, path)
    with read_only(folder):
        assert "D1," in cli.ok(["--db", str(path), "cases", "--format", "csv"])
        assert sorted(os.listdir(folder)) == ["sendtrack.db"]


# --- init on a file that is not a database -----------------------------------------------------------

def test_init_leaves_a_text_file_exactly_as_it_is(cli, tmp_path):
    (tmp_path / "mine").mkdir()
    notes = tmp_path / "mine" / "notes.txt"
    notes.write_text("Amelia Jones, 12 Oak Lane\n")
    os.chmod(notes, 0o644)
    result = cli.fails(["--db", str(notes), "init"], code=1)
    assert result.stderr == (f"sendtrack: {notes} is not a SQLite database (its first bytes say so): "
                             "nothing was changed; name the database file, or a new one, with --db\n")
    assert stat.S_IMODE(notes.stat().st_mode) == 0o644
    assert notes.read_text() == "Amelia Jones, 12 Oak Lane\n"
    assert os.listdir(notes.parent) == ["notes.txt"]


@pytest.mark.parametrize("what", ["fifo", "device"])
def test_init_leaves_a_special_file_alone(cli, tmp_path, what):
    node = tmp_path / "node"
    if what == "fifo":
        os.mkfifo(node, 0o644)
    else:
        try:
            os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a second /dev/null
        except PermissionError:
            pytest.skip("making a device node needs root")
    os.chmod(node, 0o644 if what == "fifo" else 0o666)
    mode = stat.S_IMODE(node.stat().st_mode)
    result = cli.fails(["--db", str(node), "init"], code=1)
    assert "is not a regular file" in result.stderr and result.stderr.count("\n") == 1
    assert stat.S_IMODE(node.stat().st_mode) == mode
    # nor does any other command open it (a FIFO would block a reader)
    result = cli.fails(["--db", str(node), "cases"], code=1)
    assert "not a regular file" in result.stderr


def test_init_on_an_existing_database_takes_away_others_access_and_grants_nothing(cli, tmp_path):
    path = tmp_path / "shared.db"
    cli.ok(["--db", str(path), "init"])
    os.chmod(path, 0o644)
    cli.ok(["--db", str(path), "init"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    os.chmod(path, 0o444)
    storage_db.create_private_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o400
