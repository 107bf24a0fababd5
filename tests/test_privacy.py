"""Privacy: owner-only files, initials unless --names, and no child's data in any error output."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sendtrack.cli.app import app
from sendtrack.storage.db import Location, open_database

NAME = "Amelia Jones"


def mode(path) -> str:
    return oct(path.stat().st_mode & 0o777)


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_database_directory_0700_and_files_0600_including_wal_and_shm(tmp_path, umask, cli):
    # the default location (its folder is made: a named --db's must exist), under the test's own
    # XDG_DATA_HOME (conftest)
    from sendtrack.storage.db import default_path

    path = default_path()
    assert str(path).startswith(str(tmp_path)) and not path.parent.exists()
    old = os.umask(umask)
    try:
        cli.ok(["--db", str(path), "init"])
        db = open_database(Location(path=path))
        try:
            with db.write():
                db.execute("UPDATE cases SET team = team")
                db.execute("CREATE TEMP TABLE scratch (x)")
            # while a connection is open SQLite keeps its -wal and -shm files beside the database:
            # it gives them the database file's mode
            wal, shm = path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")
            assert wal.exists() and shm.exists()
            assert (mode(path), mode(wal), mode(shm)) == ("0o600", "0o600", "0o600")
        finally:
            db.close()
    finally:
        os.umask(old)
    assert mode(path.parent) == "0o700"


def test_reports_show_initials_unless_names(cli):
    cli.ok(["add-request", "--ref", "N1", "--name", NAME, "--dob", "2015-03-15", "--received", "2025-01-06"])
    plain = cli.ok("cases --format csv") + cli.ok("timeline N1 --format json") + cli.ok("history N1 -f json")
    assert NAME not in plain and "A.J." in plain
    named = cli.ok("cases --format csv --names")
    assert NAME in named
    assert cli.json("timeline N1 --format json --names")["name"] == NAME


def test_the_app_never_prints_locals():
    assert app.pretty_exceptions_show_locals is False


@pytest.fixture
def named_case(cli):
    cli.ok(["add-request", "--ref", "N1", "--name", NAME, "--dob", "2015-03-15", "--received", "2025-01-06"])
    return cli


def explode(*args, **kwargs):
    raise RuntimeError(f"cannot judge {NAME}, born 2015-03-15, at 12 Oak Lane")


@pytest.mark.parametrize("target, line", [
    ("sendtrack.app.record.record", "record contact N1 --date 2025-02-01"),
    ("sendtrack.app.record.add_request",
     "add-request --name 'Other Child' --dob 2016-01-01 --received 2025-01-06"),
    ("sendtrack.reports.timeline.case_timeline", "timeline N1"),
    ("sendtrack.app.check.check", "check"),
    ("sendtrack.reports.history.history_rows", "history N1"),
])
def test_an_unexpected_error_prints_one_line_and_no_child_data(named_case, monkeypatch, private_db, target,
                                                               line):
    from tests.conftest import dump

    monkeypatch.setattr(target, explode)
    before = dump(private_db)
    result = named_case(line)
    assert result.exit_code == 1
    everything = result.stdout + result.stderr
    for secret in ("Amelia", "Jones", "2015-03-15", "Oak Lane"):
        assert secret not in everything
    assert result.stderr == ("sendtrack: unexpected error (RuntimeError); nothing was written. "
                             "Run again with --debug for the details\n")
    assert dump(private_db) == before


SCRIPT = """
import sys
import sendtrack.app.record as records
def explode(*args, **kwargs):
    raise RuntimeError("cannot judge Amelia Jones at 12 Oak Lane")
records.record = explode
from sendtrack.cli.app import main
sys.argv = ["sendtrack", *sys.argv[1:]]
main()
"""


def test_a_real_process_prints_no_traceback_and_no_name(named_case):
    """In a real process, so Python's and typer's own exception hooks would show if they ran."""
    run = subprocess.run([sys.executable, "-c", SCRIPT, "record", "contact", "N1", "--date", "2025-02-01"],
                         capture_output=True, text=True, env=os.environ.copy())
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr.count("\n") == 1 and "--debug" in run.stderr
    assert "Amelia" not in run.stderr and "Traceback" not in run.stderr
    debug = subprocess.run([sys.executable, "-c", SCRIPT, "--debug", "record", "contact", "N1", "--date",
                            "2025-02-01"], capture_output=True, text=True, env=os.environ.copy())
    assert debug.returncode == 1 and "Traceback" in debug.stderr
    # even the debug traceback carries no local variables (typer's show_locals is off)
    assert "locals" not in debug.stderr.lower() and "calendar =" not in debug.stderr
