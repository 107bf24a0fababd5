"""Progress bars: drawn on stderr when it is a terminal (a real pseudo-terminal here), never in a pipe,
and rich stays out of the commands that draw none."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], db: Path, *, terminal: bool) -> tuple[int, str, str]:
    """sendtrack ARGS with stderr a pseudo-terminal (or a pipe): (exit code, stdout, stderr)."""
    env = {**os.environ, "SENDTRACK_DB": str(db), "TERM": "xterm-256color", "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    if not terminal:
        done = subprocess.run([sys.executable, "-m", "sendtrack", *args], capture_output=True, text=True,
                              env=env, cwd=ROOT, timeout=300)
        return done.returncode, done.stdout, done.stderr
    master, slave = pty.openpty()
    seen: list[bytes] = []

    def read() -> None:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal closed
                return
            if not chunk:
                return
            seen.append(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        done = subprocess.run([sys.executable, "-m", "sendtrack", *args], stdout=subprocess.PIPE,
                              stderr=slave, env=env, cwd=ROOT, timeout=300, text=True)
    finally:
        os.close(slave)
    reader.join(timeout=10)
    os.close(master)
    return done.returncode, done.stdout, b"".join(seen).decode("utf-8", "replace")


@pytest.fixture(scope="module")
def sampled(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("progress") / "sample.db"
    assert run(["init"], db, terminal=False)[0] == 0
    code, out, err = run(["sample", "--cases", "300", "--seed", "1"], db, terminal=False)
    assert code == 0, err
    return db


@pytest.mark.parametrize(("args", "words"), [
    (["check"], "Checking"),
    (["export", "--format", "csv"], "Exporting events"),
    (["recompute"], "Recomputing"),
    (["calendar"], "Writing the calendar"),
    (["backup", "{tmp}/copy.db", "--force"], "Copying the database"),
])
def test_a_bar_on_a_terminal_and_none_in_a_pipe(sampled, args, words, tmp_path):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code, out, err = run(args, sampled, terminal=True)
    assert code == 0, err
    assert words in err and "\x1b[" in err  # drawn, with the terminal's escape codes
    code, piped_out, piped_err = run(args, sampled, terminal=False)
    assert code == 0, piped_err
    assert piped_err == ""  # no bar in the pipe
    if args[0] != "recompute":  # a second recompute skips the cases the first rebuilt, and says so
        assert piped_out == out  # the same output either way


def test_sample_and_import_draw_theirs(tmp_path, sampled):
    run(["init"], tmp_path / "s.db", terminal=False)
    code, _, err = run(["sample", "--cases", "50", "--seed", "2"], tmp_path / "s.db", terminal=True)
    assert code == 0, err
    assert "Sampling" in err
    export = tmp_path / "all.csv"
    code, _, err = run(["export", "--out", str(export)], sampled, terminal=False)
    assert code == 0, err
    run(["init"], tmp_path / "i.db", terminal=False)
    code, _, err = run(["import", str(export)], tmp_path / "i.db", terminal=True)
    assert code == 0, err
    assert "Checking the file" in err and "Writing the cases" in err


def test_no_rich_without_a_bar(sampled):
    """In a pipe the long commands import no rich (nor do reports, whose speed matters most)."""
    code = ("import sys; from typer.testing import CliRunner; from sendtrack.cli.app import app; "
            f"r = CliRunner().invoke(app, ['--db', {str(sampled)!r}, 'export', '--format', 'json']); "
            "assert r.exit_code == 0, r.output; "
            f"r = CliRunner().invoke(app, ['--db', {str(sampled)!r}, 'check']); "
            "print(sorted(m for m in sys.modules if m == 'rich' or m.startswith('rich.')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
