"""The one safe file writer (sendtrack/output/files.py), through `export --out` and `backup`.

Every destination that could destroy the records (the database, its -wal, -shm and -journal files, a
second spelling or a hard link of them, a symbolic link) is refused with one line and leaves the
database byte-identical: the test holds a connection open so that committed writes sit in the -wal
(as they do while a coordinator or cron has the database open), and compares the hash of the file and
of its -wal, their inodes, and a logical dump. Full disks, read-only and unwritable directories and
killed writers leave no temporary file behind, and no message carries a child's name or date of birth.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sendtrack.output.files import (
    FORMULA_STARTS,
    OutputRefused,
    csv_writer,
    formula_safe,
    safe_output,
    sweep,
    unneutralise,
)
from sendtrack.output.render import Column, write_csv
from sendtrack.storage.db import Location
from tests.conftest import dump

PAUSED_WRITER = Path(__file__).with_name("paused_writer.py")
CHILDREN = [("Amelia Jones", "2015-03-15"), ("Oliver Brown", "2016-07-21")]
PERSONAL = [part for name, dob in CHILDREN for part in (*name.split(), dob)]
WRITERS = {
    "export": lambda dest: ["export", "--out", str(dest)],
    "export-json": lambda dest: ["export", "--format", "json", "--out", str(dest)],
    "backup": lambda dest: ["backup", str(dest)],
}


# --- the database, held open, with committed writes in its -wal ---------------------------------------

class Held:
    """The test's database with a connection kept open, so its -wal is neither checkpointed nor removed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.keeper = sqlite3.connect(path)
        self.keeper.execute("SELECT COUNT(*) FROM cases").fetchone()  # joins the WAL: holds it open

    def file(self, suffix: str) -> Path:
        return self.path.with_name(self.path.name + suffix)

    def fingerprint(self) -> dict:
        """Hashes of the database and its -wal, the inodes of all three files, and a logical dump."""
        found = {"dump": dump(self.path)}
        for suffix in ("", "-wal"):
            found[f"sha256{suffix}"] = hashlib.sha256(self.file(suffix).read_bytes()).hexdigest()
        for suffix in ("", "-wal", "-shm"):
            info = os.lstat(self.file(suffix))
            found[f"inode{suffix}"] = (info.st_dev, info.st_ino, info.st_mode)
        return found


@pytest.fixture
def held(cli, private_db):
    for number, (name, dob) in enumerate(CHILDREN, start=1):
        cli.ok(["add-request", "--ref", f"S{number}", "--name", name, "--dob", dob, "--received", "2025-01-06"])
    held = Held(private_db)
    # committed after the keeper joined: these writes are only in the -wal
    cli.ok("record decision S1 --date 2025-02-10 --outcome assess")
    cli.ok("record contact S2 --date 2025-02-11 --with parent --note 'rang'")
    assert held.file("-wal").stat().st_size > 0 and held.file("-shm").exists()
    yield held
    held.keeper.close()


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if ".sendtrack-tmp" in p.name or ".partial" in p.name)


def assert_one_clean_line(result, *, contains: str) -> None:
    err = result.stderr
    assert err.startswith("sendtrack: ") and err.count("\n") == 1, err
    assert contains in err, err
    for personal in PERSONAL:
        assert personal not in err and personal not in result.stdout, err


# --- destinations that would destroy the records ------------------------------------------------------

def _target(where: str, db: Path, tmp_path: Path) -> Path:
    if where in ("-wal", "-shm", "-journal"):
        return db.with_name(db.name + where)
    if where == "database":
        return db
    if where == "dotted spelling":
        (tmp_path / "sub").mkdir()
        return Path(f"{tmp_path}/sub/.././{db.name}")
    if where == "hard link":
        os.link(db, tmp_path / "hard.db")
        return tmp_path / "hard.db"
    link = tmp_path / "link"
    if where == "symlink to the database":
        link.symlink_to(db)
    elif where == "symlink to the -wal":
        link.symlink_to(db.with_name(db.name + "-wal"))
    elif where == "symlink elsewhere":
        (tmp_path / "elsewhere.txt").write_text("precious")
        link.symlink_to(tmp_path / "elsewhere.txt")
    elif where == "dangling symlink":
        link.symlink_to(tmp_path / "not-yet.txt")
    elif where == "directory":
        link = tmp_path / "a-directory"
        link.mkdir()
    return link


DESTROYING = ["database", "-wal", "-shm", "-journal", "dotted spelling", "hard link", "symlink to the database",
              "symlink to the -wal", "symlink elsewhere", "dangling symlink", "directory"]


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("where", DESTROYING)
def test_destinations_that_would_destroy_the_records_are_refused(held, cli, tmp_path, writer, where):
    dest = _target(where, held.path, tmp_path)
    before = held.fingerprint()
    result = cli.fails(WRITERS[writer](dest) + ["--force"])
    expected = ("symbolic link" if "symlink" in where else "is a directory" if where == "directory"
                else "the database")
    assert_one_clean_line(result, contains=expected)
    assert "nothing was written" in result.stderr
    assert result.stdout == ""
    assert held.fingerprint() == before
    assert leftovers(tmp_path) == []
    if where == "symlink elsewhere":
        assert (tmp_path / "link").is_symlink() and (tmp_path / "elsewhere.txt").read_text() == "precious"
    if where == "dangling symlink":
        assert not (tmp_path / "not-yet.txt").exists()
    if where == "-journal":
        assert not dest.exists()  # a stray -journal would be replayed into the database as a hot journal


def test_the_database_is_refused_without_force_too(held, cli):
    before = held.fingerprint()
    for args in (["export", "--out", str(held.path)], ["backup", str(held.file("-wal"))]):
        result = cli.fails(args)
        assert_one_clean_line(result, contains="the database")
    assert held.fingerprint() == before


# --- existing files, modes --------------------------------------------------------------------------

@pytest.mark.parametrize("writer", WRITERS)
def test_an_existing_file_is_kept_unless_forced_then_replaced_0600(held, cli, tmp_path, writer):
    dest = tmp_path / "out" / "existing"
    dest.parent.mkdir()
    dest.write_text("precious")
    os.chmod(dest, 0o644)
    before = held.fingerprint()
    result = cli.fails(WRITERS[writer](dest))
    assert_one_clean_line(result, contains="already exists: choose another name or give --force")
    assert dest.read_text() == "precious"
    cli.ok(WRITERS[writer](dest) + ["--force"])
    assert oct(dest.stat().st_mode & 0o777) == "0o600"
    assert os.listdir(dest.parent) == ["existing"]
    if writer == "backup":
        assert "Amelia Jones" in dump(dest)
    else:
        assert "Amelia Jones" in dest.read_text() and "rang" in dest.read_text()
    assert held.fingerprint() == before


@pytest.mark.parametrize("writer", WRITERS)
def test_files_are_0600_under_umask_000(held, cli, tmp_path, writer):
    dest = tmp_path / "out" / "new"
    dest.parent.mkdir()
    before = held.fingerprint()
    old = os.umask(0)
    try:
        cli.ok(WRITERS[writer](dest))
    finally:
        os.umask(old)
    assert oct(dest.stat().st_mode & 0o777) == "0o600"
    assert os.listdir(dest.parent) == ["new"]
    assert held.fingerprint() == before


def test_export_is_the_same_to_a_file_and_to_stdout(held, cli, tmp_path):
    for fmt in ("csv", "json"):
        dest = tmp_path / f"all.{fmt}"
        cli.ok(["export", "--format", fmt, "--out", str(dest)])
        assert dest.read_text() == cli.ok(["export", "--format", fmt])


# --- failures: permission, read-only, full disk ---------------------------------------------------

def _as_nobody(tmp_path: Path, held: Held, writer: str) -> tuple[subprocess.CompletedProcess, Path]:
    """Run the writer as `nobody` (root ignores directory permissions) on a copy of the database it
    can read, into a directory it cannot write."""
    base = Path(tempfile.mkdtemp(prefix="sendtrack-nobody-", dir="/tmp"))
    os.chmod(base, 0o755)
    (base / "db").mkdir(mode=0o700)
    copy = base / "db" / "sendtrack.db"
    with sqlite3.connect(copy) as target:
        held.keeper.backup(target)
    (base / "locked").mkdir(mode=0o755)
    for path in (base / "db", copy):
        os.chown(path, 65534, 65534)
    env = {**os.environ, "SENDTRACK_DB": str(copy), "HOME": str(base)}
    proc = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable,
                           "-m", "sendtrack", *WRITERS[writer](base / "locked" / "out")],
                          capture_output=True, text=True, env=env, cwd=base, timeout=60)
    return proc, base


@pytest.mark.parametrize("writer", WRITERS)
def test_a_directory_that_is_not_writable(held, cli, tmp_path, writer):
    before = held.fingerprint()
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: cannot drop to a user the permissions bind")
        probe = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable,
                                "-c", "import sendtrack"], capture_output=True, text=True, cwd="/", timeout=60)
        if probe.returncode != 0:
            # e.g. a clone inside `mktemp -d` (0700): the unprivileged user cannot read the checkout
            pytest.skip("running as root, and the unprivileged user cannot import sendtrack from this "
                        "checkout (a folder above it is not readable to others)")
        proc, base = _as_nobody(tmp_path, held, writer)
        try:
            assert proc.returncode == 1, proc.stderr
            assert_one_clean_line(proc, contains="permission denied; nothing was written")
            assert os.listdir(base / "locked") == []
        finally:
            shutil.rmtree(base)
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        try:
            result = cli.fails(WRITERS[writer](locked / "out"))
            assert_one_clean_line(result, contains="permission denied; nothing was written")
            assert os.listdir(locked) == []
        finally:
            os.chmod(locked, 0o700)
    assert held.fingerprint() == before


@pytest.fixture
def small_fs(tmp_path):
    """A 2 MB tmpfs at tmp_path/small (root only), unmounted afterwards."""
    where = tmp_path / "small"
    where.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a 2 MB tmpfs needs root and mount(8): the full-disk test cannot run here")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", str(where)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"the platform refuses a tmpfs mount ({mounted.stderr.strip()})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(directory: Path, *, leave: int) -> None:
    """Fill the file system holding `directory`, then free about `leave` bytes."""
    filler = directory / "filler"
    with open(filler, "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
    os.truncate(filler, max(0, filler.stat().st_size - leave))


@pytest.mark.parametrize("leave", [0, 16_384], ids=["full", "nearly-full"])
@pytest.mark.parametrize("writer", WRITERS)
def test_a_full_disk_says_so_and_leaves_nothing(held, cli, small_fs, writer, leave):
    cli.ok(["sample", "--cases", "40", "--seed", "5", "--as-of", "2025-06-30"])  # an export of ~70 kB
    before = held.fingerprint()
    fill(small_fs, leave=leave)
    result = cli.fails(WRITERS[writer](small_fs / "out"))
    assert_one_clean_line(result, contains="the disk is full; nothing was written")
    assert os.listdir(small_fs) == ["filler"]
    assert held.fingerprint() == before
    # the same file written after space is freed
    (small_fs / "filler").unlink()
    cli.ok(WRITERS[writer](small_fs / "out"))
    assert sorted(os.listdir(small_fs)) == ["out"]


def test_a_read_only_file_system_says_so(held, cli, small_fs):
    before = held.fingerprint()
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    for writer in WRITERS.values():
        result = cli.fails(writer(small_fs / "out"))
        assert_one_clean_line(result, contains="the file system is read-only; nothing was written")
    assert held.fingerprint() == before


def test_a_full_standard_output_says_the_output_is_incomplete(held):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this platform")
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "sendtrack", "export"], stdout=full, stderr=subprocess.PIPE,
                              text=True, env=os.environ.copy(), timeout=60)
    assert proc.returncode == 1
    assert proc.stderr == ("sendtrack: cannot write to the standard output: the disk is full; the output is "
                           "incomplete\n")


# --- killed writers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("writer", ["export", "backup"])
def test_a_killed_writer_leaves_the_destination_and_the_next_run_cleans_up(held, cli, tmp_path, writer):
    directory = tmp_path / "out"
    directory.mkdir()
    dest = directory / "copy"
    dest.write_text("precious")
    before = held.fingerprint()
    proc = subprocess.Popen([sys.executable, str(PAUSED_WRITER), writer, *WRITERS[writer](dest), "--force"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        assert proc.stderr.readline() == "paused\n", proc.stderr.read()
        left = leftovers(directory)
        assert left and all(name.startswith(".copy.") for name in left), left
        # a writer at work keeps its temporary file: another run in the directory leaves it alone
        cli.ok(WRITERS[writer](directory / "other"))
        assert set(left) <= set(leftovers(directory))
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert dest.read_text() == "precious"
    assert leftovers(directory) == left  # the killed run's temporary file, clearly named, and no more
    cli.ok(WRITERS[writer](directory / "third"))  # the next run into the directory sweeps it away
    assert leftovers(directory) == []
    assert dest.read_text() == "precious"
    cli.ok(WRITERS[writer](dest) + ["--force"])
    assert sorted(os.listdir(directory)) == ["copy", "other", "third"]
    assert held.fingerprint() == before


def test_backup_sweeps_the_partial_copies_older_versions_left(held, cli, tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    old = [f".b.db.{dead}.partial", f".b.db.{dead}.partial-journal"]
    for name in old:
        (tmp_path / name).write_text("half a copy")
    (tmp_path / f".b.db.{os.getpid()}.partial").write_text("a live writer's")  # this process is alive
    cli.ok(["backup", str(tmp_path / "b.db")])
    assert leftovers(tmp_path) == [f".b.db.{os.getpid()}.partial"]


def test_sweep_keeps_files_a_live_writer_holds(tmp_path):
    orphan = tmp_path / ".x.csv.0123456789ab.sendtrack-tmp"
    with safe_output(tmp_path / "live.csv") as handle:
        handle.write("being written")
        live = leftovers(tmp_path)
        assert len(live) == 1 and live[0].startswith(".live.csv.")
        orphan.write_text("killed half-way")  # no process holds it
        Path(f"{orphan}-journal").write_text("its journal")
        removed = sweep(tmp_path)
        assert sorted(p.name for p in removed) == [orphan.name, f"{orphan.name}-journal"]
        assert leftovers(tmp_path) == live
    assert (tmp_path / "live.csv").read_text() == "being written"
    assert leftovers(tmp_path) == []


def test_an_error_while_writing_removes_the_temporary_file(tmp_path):
    with pytest.raises(ZeroDivisionError), safe_output(tmp_path / "x.csv") as handle:
        handle.write("part")
        raise ZeroDivisionError
    assert os.listdir(tmp_path) == []


def test_the_database_location_is_refused_by_path_and_inode(tmp_path):
    db = tmp_path / "d.db"
    db.write_bytes(b"records")
    for dest in (db, tmp_path / "d.db-wal", tmp_path / "d.db-journal"):
        with pytest.raises(OutputRefused, match="the database"), \
                safe_output(dest, force=True, database=Location(path=db)):
            pass
    assert os.listdir(tmp_path) == ["d.db"] and db.read_bytes() == b"records"


# --- formula-safe CSV -------------------------------------------------------------------------------

@given(st.text())
def test_formula_safe_cells_never_start_a_formula_and_come_back_exactly(value):
    cell = formula_safe(value)
    assert cell[:1] not in FORMULA_STARTS
    assert unneutralise(cell) == value
    assert cell == value or cell == "'" + value


@pytest.mark.parametrize(("value", "cell"), [
    ("=1+1", "'=1+1"), ("+44 20", "'+44 20"), ("-Smith", "'-Smith"), ("@x", "'@x"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("'=x", "''=x"), ("'plain", "'plain"), ("Smith", "Smith"), ("", ""),
    ("2025-01-06", "2025-01-06"), ("{\"note\": \"=x\"}", "{\"note\": \"=x\"}"), (-3, -3), (None, None),
])
def test_formula_safe_examples(value, cell):
    assert formula_safe(value) == cell


def _slow_csv(rows) -> str:
    handle = io.StringIO()
    csv.writer(handle, lineterminator="\n").writerows([formula_safe(v) for v in row] for row in rows)
    return handle.getvalue()


CELLS = st.one_of(st.text(alphabet=st.sampled_from("=+-@\t\r'\n\",aZ9 {"), max_size=6),
                  st.integers(-5, 5), st.none())


@given(st.lists(st.lists(CELLS, min_size=1, max_size=5), max_size=8))
def test_the_batched_csv_writer_writes_what_cell_by_cell_would(rows):
    handle = io.StringIO()
    csv_writer(handle).writerows(rows)
    assert handle.getvalue() == _slow_csv(rows)
    joined = io.StringIO()
    csv_writer(joined, joined=True).writerows(rows)
    assert joined.getvalue() == _slow_csv(rows)


PLAIN_CELLS = st.one_of(st.text(alphabet=st.sampled_from("aZ9 -.:/éN"), max_size=6), st.integers(-5, 5),
                        st.none(), st.booleans(), st.floats(allow_nan=False), st.dates(),
                        st.sampled_from(["None", "none", "", "x,y", 'say "hi"', "a\nb", "=1", "'q"]))


@given(st.lists(st.lists(PLAIN_CELLS, min_size=2, max_size=6), min_size=1, max_size=8))
def test_the_joined_batch_is_what_csv_writer_writes(rows):
    # rows of two or more cells are joined, not written by csv.writer, unless a cell needs quoting: every
    # kind of value a report or an export gives (None, numbers, booleans, dates, the word "None")
    handle = io.StringIO()
    csv_writer(handle, joined=True).writerows(rows)
    assert handle.getvalue() == _slow_csv(rows)
    plain = io.StringIO()
    csv_writer(plain).writerows(rows)
    assert plain.getvalue() == handle.getvalue()


def test_one_risky_cell_deep_in_a_long_export_is_caught():
    rows = [["R1", "Test Child", "2025-01-06", index, '{"a": "b"}'] for index in range(12_000)]
    rows[7_001][1] = "=cmd"
    handle = io.StringIO()
    csv_writer(handle).writerows(iter(rows))
    assert handle.getvalue() == _slow_csv(rows)
    assert "\nR1,'=cmd,2025-01-06,7001," in handle.getvalue()


def test_report_csv_neutralises_text_and_keeps_numbers(capsys):
    columns = [Column("text", "Text"), Column("number", "Number"), Column("flag", "Flag")]
    write_csv([{"text": "-3", "number": -3, "flag": True}, {"text": "@SUM(A1)", "number": 2.5, "flag": None}],
              columns)
    assert capsys.readouterr().out == "text,number,flag\n'-3,-3,true\n'@SUM(A1),2.5,\n"


def test_every_csv_report_writes_formula_safe_cells(cli):
    cli.ok(["add-request", "--ref", "Q1", "--name", "=cmd|' /C calc'!A0", "--dob", "2015-03-15",
            "--received", "2025-01-06", "--coordinator", "@Sam", "--setting", "+Oak"])
    outputs = [cli.ok(line) for line in ("cases --format csv --names", "cases --format csv",
                                         "overdue --format csv --names --as-of 2025-06-30",
                                         "timeline Q1 --format csv --as-of 2025-06-30", "export")]
    for out in outputs:
        for row in csv.reader(io.StringIO(out)):
            assert not any(cell[:1] in FORMULA_STARTS for cell in row), row
    named = list(csv.DictReader(io.StringIO(outputs[0])))[0]
    # initials take each part's first letter or digit ("=cmd|'" -> C), so they never start a formula
    assert (named["name"], named["initials"], named["coordinator"]) == ("'=cmd|' /C calc'!A0", "C.C.C.", "'@Sam")


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json"])
def test_the_digest_is_written_by_out_0600_with_the_bytes_it_prints(held, cli, tmp_path, fmt):
    """`digest` had no --out: its cron example redirected the HTML with `>`, a file of the umask's mode
    (a new user's finding). Now --out writes it as every report's: 0600, whole, not over a file
    unless --force; the same bytes as the standard output."""
    dest = tmp_path / "out" / "digest"
    dest.parent.mkdir()
    line = ["digest", "--as-of", "2025-06-30", "--format", fmt, "--names"]
    printed = cli.ok(line)
    old = os.umask(0)
    try:
        cli.ok([*line, "--out", str(dest)])
    finally:
        os.umask(old)
    assert oct(dest.stat().st_mode & 0o777) == "0o600"
    assert dest.read_text(encoding="utf-8") == printed and "Amelia Jones" in printed
    result = cli.fails([*line, "--out", str(dest)])
    assert_one_clean_line(result, contains="already exists: choose another name or give --force")
    cli.ok([*line, "--out", str(dest), "--force"])
    assert os.listdir(dest.parent) == ["digest"]
    cli.fails(["digest", "--send", "--out", str(dest)], code=2)
