"""What every report owes its readers: no children's names unless --names, machine formats free of
colour codes, help text and a README entry for every command, and the digest under cron's bare
environment, checked as golden text."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sendtrack.cli.app import app
from tests.caseload import AS_OF, CASES, NAMES, built
from tests.conftest import Cli

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).with_name("golden")

#: Every report in every format, as of the fixed caseload's day.
OUTPUTS = [
    *[f"{report} --format {fmt}" for report in ("overdue --include-excepted --owner all", "at-risk",
                                                "caseload", "allocate", "kpi", "cases")
      for fmt in ("table", "csv", "json")],
    *[f"digest --format {fmt} --limit 0" for fmt in ("text", "markdown", "html", "json")],
]
WITH_NAMES = [line for line in OUTPUTS if not line.startswith(("caseload", "kpi"))]
MACHINE = [line for line in OUTPUTS if "table" not in line]


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    return built(tmp_path_factory, "output")


def report(cli: Cli, db: str, line: str) -> str:
    args = [*line.split(), "--as-of", AS_OF]
    return cli.ok(["--db", db, *args])


def name_parts() -> list[re.Pattern]:
    """Each child's full name, and each first name as a word (a table may fold a name onto two lines)."""
    return [re.compile(re.escape(name)) for name in NAMES] + [
        re.compile(rf"\b{re.escape(name.split()[0])}\b") for name in NAMES]


@pytest.mark.parametrize("line", OUTPUTS)
def test_no_child_name_without_names(db, line):
    out = report(Cli(), db, line)
    found = [p.pattern for p in name_parts() if p.search(out)]
    assert not found, f"{line} shows {found}"
    assert re.search(r"\b[A-Z]\.[A-Z]\.", out) or line.startswith(("caseload", "kpi")), out[:500]


@pytest.mark.parametrize("line", WITH_NAMES)
def test_names_only_when_asked(db, line):
    out = report(Cli(), db, f"{line} --names")
    assert any(name in out for name in NAMES), f"{line} --names shows no name"


@pytest.mark.parametrize("line", MACHINE)
def test_machine_formats_have_no_colour_codes(db, line, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    assert "\x1b" not in report(Cli(), db, line)


def test_the_colour_check_can_fail(db, monkeypatch):
    """The same settings do colour a table, so the test above would see codes that leaked."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b" in report(Cli(), db, "overdue --format table")


def commands(group=None, path=()):
    """(path, command) for every command of the app, sub-commands included, as registered today."""
    import typer.main

    group = group or typer.main.get_command(app)
    for name, command in sorted(group.commands.items()):
        if getattr(command, "commands", None):
            yield (*path, name), command
            yield from commands(command, (*path, name))
        else:
            yield (*path, name), command


ALL = list(commands())


def test_the_command_list_is_complete():
    names = {" ".join(path) for path, _ in ALL}
    assert {"overdue", "at-risk", "caseload", "allocate", "kpi", "digest", "record decision",
            "timeline"} <= names


@pytest.mark.parametrize("path", [p for p, _ in ALL], ids=[" ".join(p) for p, _ in ALL])
def test_every_command_has_help_and_a_readme_entry(path):
    command = dict(ALL)[path]
    assert (command.help or "").strip(), f"sendtrack {' '.join(path)} has no help text"
    result = Cli()([*path, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.stdout, result.output
    assert command.help.strip().splitlines()[0][:40] in " ".join(result.stdout.split())
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    usage = f"sendtrack {' '.join(path)}"
    assert usage in readme, f"README.md does not document `{usage}`: add it to the Commands section"


def installed_sendtrack() -> str | None:
    here = Path(sys.executable).parent / "sendtrack"
    return str(here) if here.exists() else shutil.which("sendtrack")


def test_digest_under_cron_environment_golden(db):
    """As cron runs it: no environment but PATH, the database given by --db, the text on stdout."""
    program = installed_sendtrack()
    if program is None:
        pytest.skip("sendtrack is not installed (pip install -e .)")
    bare = {"PATH": "/usr/bin:/bin"}
    result = subprocess.run(["env", "-i", *(f"{k}={v}" for k, v in bare.items()), program, "--db", db,
                             "digest", "--as-of", AS_OF], capture_output=True, text=True, timeout=60,
                            env=bare)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    expected = (GOLDEN / "digest-2025-05-27.txt").read_text(encoding="utf-8")
    assert result.stdout == expected
    # --fail-on-overdue: the same digest, then exit 4 and one line on stderr
    failed = subprocess.run(["env", "-i", "PATH=/usr/bin:/bin", program, "--db", db, "digest", "--as-of",
                             AS_OF, "--fail-on-overdue"], capture_output=True, text=True, timeout=60,
                            env=bare)
    assert (failed.returncode, failed.stdout) == (4, expected)
    assert failed.stderr == "sendtrack: 4 overdue deadlines\n"
    # SENDTRACK_DB works as well as --db; a missing database is exit 3
    by_env = subprocess.run(["env", "-i", "PATH=/usr/bin:/bin", f"SENDTRACK_DB={db}", program, "digest",
                             "--as-of", AS_OF], capture_output=True, text=True, timeout=60, env=bare)
    assert by_env.stdout == expected
    missing = subprocess.run(["env", "-i", "PATH=/usr/bin:/bin", program, "--db",
                              os.path.join(os.path.dirname(db), "none.db"), "digest"],
                             capture_output=True, text=True, timeout=60, env=bare)
    assert missing.returncode == 3 and "sendtrack init" in missing.stderr


def test_caseload_fixture_covers_every_status(db):
    seen = set()
    for ref, *_ in CASES:
        view = Cli().json(["--db", db, "timeline", ref, "--as-of", AS_OF, "--format", "json"])
        seen |= {d["status"] for d in view["deadlines"]}
    assert seen == {"met", "late", "open", "overdue", "excepted", "not-applicable"}


HEAVY = ("sqlmodel", "sqlalchemy", "alembic", "holidays", "sendtrack.rules.engine")


@pytest.mark.parametrize("line", ["overdue --format json", "at-risk --format json", "caseload --format json",
                                  "allocate --format json", "kpi --format json", "digest --format json"])
def test_reports_do_not_import_the_heavy_modules(db, line):
    """Reports stay fast at council scale: no ORM, no rules engine, no `holidays` (README, Reports).

    On a table this small the digest builds the bank-holiday calendar (tests/test_workdays.py covers
    both ways), now from the shipped table: `holidays` is never imported at run time.
    """
    heavy = HEAVY
    code = ("import sys; from typer.testing import CliRunner; from sendtrack.cli.app import app; "
            f"r = CliRunner().invoke(app, {['--db', db, *line.split(), '--as-of', AS_OF]!r}); "
            "assert r.exit_code == 0, r.output; "
            f"print(sorted(m for m in {heavy!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# --- terminal tables at 80 columns ------------------------------------------------------------

RULE = re.compile(r"-+(  +-+)*")
#: a date cut short (2025-0 / 5-26) or run into the next column
PART_DATE = re.compile(r"(?<![\d-])\d{4}-(?!\d{2}-\d{2}(?![\d-]))")
TABLES = [*[line for line in OUTPUTS if "table" in line],
          *[f"{line} --names" for line in WITH_NAMES if "table" in line]]


def cells_of(line: str) -> int:
    from rich.cells import cell_len

    return cell_len(line)


def parts(out: str) -> list[tuple[list[str], str, list[str], list[str]]]:
    """Each table in an output as (header lines, rule line, body lines, the lines after it): the
    header and body are the runs of lines next to the rule whose text all lies in its columns."""
    lines = out.splitlines()
    tables = []
    for at, rule in enumerate(lines):
        if not RULE.fullmatch(rule):
            continue
        spans = [m.span() for m in re.finditer(r"-+", rule)]

        def fits(line: str, spans=spans) -> bool:
            return bool(line.strip()) and all(any(a <= i < b for a, b in spans)
                                              for i, ch in enumerate(line) if ch != " ")

        top = at
        while top > 0 and fits(lines[top - 1]):
            top -= 1
        bottom = at + 1
        while bottom < len(lines) and fits(lines[bottom]):
            bottom += 1
        tables.append((lines[top:at], rule, lines[at + 1:bottom], lines[bottom:]))
    assert tables, out
    return tables


def columns_filled(out: str) -> None:
    """Every column shown has a header and a value in some row."""
    for header, rule, body, _after in parts(out):
        assert header and body, out
        for start, end in (m.span() for m in re.finditer(r"-+", rule)):
            assert any(h[start:end].strip() for h in header), (rule, out)
            assert any(b[start:end].strip() for b in body), (start, end, out)


@pytest.mark.parametrize("width", [80, 60])
@pytest.mark.parametrize("line", TABLES)
def test_tables_fit_the_width_without_splitting_a_value(db, line, width, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(width))
    out = report(Cli(), db, line)
    assert max(map(cells_of, out.splitlines())) <= width, out
    assert not PART_DATE.search(out), out
    columns_filled(out)
    data = json.loads(report(Cli(), db, line.replace("--format table", "--format json")))
    for row in data if isinstance(data, list) else []:
        ref = row.get("ref")
        if ref is None:
            continue
        # the row's first line holds its reference whole, and its due (or next due) date whole
        found = [t for t in out.splitlines() if re.search(rf"^{re.escape(ref)}  ", t)]
        assert found, f"{ref} not whole in\n{out}"
        for key in ("due", "next_due"):
            if row.get(key):
                assert any(row[key] in t for t in found), f"{ref} {key} {row[key]} not on its line:\n{out}"


def test_a_table_too_wide_says_what_it_left_out(db, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    out = report(Cli(), db, "overdue --format table")
    assert out.splitlines()[-1] == "left out to fit 80 columns: Act by, Source (all in --format csv)"
    header = out.splitlines()[1]
    assert "Act by" not in header and "Source" not in header and "Coordinator" in header
    monkeypatch.setenv("COLUMNS", "200")
    wide = report(Cli(), db, "overdue --format table")
    assert "left out" not in wide and "Act by" in wide.splitlines()[1] and "Source" in wide.splitlines()[1]


@pytest.mark.parametrize("line", ["history A01", "history H08", "timeline A01", "timeline R17",
                                  "timeline H08 --names"])
def test_case_tables_fit_80_columns(db, line, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    out = Cli().ok(["--db", db, *line.split(), "--format", "table"])
    assert max(map(cells_of, out.splitlines())) <= 80, out
    assert not PART_DATE.search(out), out
    columns_filled(out)
    data = json.loads(Cli().ok(["--db", db, *line.split(), "--format", "json"]))
    events = data if isinstance(data, list) else data["events"]
    for event in events:  # each event's line starts with its number and its date, whole
        assert re.search(rf"^ *{event['id']}  {event['date']}  ", out, re.M), (event, out)
    for deadline in ([] if isinstance(data, list) else data["deadlines"]):
        assert re.search(rf"^{re.escape(deadline['rule'])}\b.*  {deadline['due']}  ", out, re.M), out


def test_no_empty_column_in_any_table(db, monkeypatch):
    """The events table had an unnamed empty last column, and caseload an unnamed flag column."""
    monkeypatch.setenv("COLUMNS", "200")
    for line in ("timeline A01", "history A01", "caseload"):
        columns_filled(Cli().ok(["--db", db, *line.split(), "--format", "table"]))


def test_control_and_bidi_characters_show_escaped_in_tables(cli, private_db):
    """Stored text never reaches the terminal raw: an ESC would start an escape sequence, U+202E
    would reverse what follows. (The CLI refuses both; a database written by other means may not.)"""
    import sqlite3

    cli.ok("add-request --ref ESC1 --name 'Amelia Test' --dob 2015-03-15 --received 2025-01-06")
    bad = "Sam \x1b[31mPatel\u202e\u2066x"
    with sqlite3.connect(private_db) as conn:
        conn.execute("UPDATE cases SET coordinator = ?", (bad,))
        # events are append-only (migration 0003): move the triggers aside, as someone with the file would
        triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for name, _ in triggers:
            conn.execute(f'DROP TRIGGER "{name}"')
        conn.execute("UPDATE events SET recorded_by = ?", (bad,))
        for _, create in triggers:
            conn.execute(create)
    shown = "Sam \\x1b[31mPatel\\u202e\\u2066x"
    for line in ("cases --format table", "timeline ESC1 --format table", "history ESC1 --format table"):
        out = cli.ok(line)
        assert shown in out, out
        assert not set(out) & {"\x1b", "\u202e", "\u2066"}, repr(out)
    assert bad in cli.ok("cases --format csv")  # machine formats keep the text as stored
    assert cli.json("timeline ESC1 --format json")["coordinator"] == bad


def test_names_in_any_script_are_padded_by_their_width():
    from sendtrack.output.render import Column, table_lines

    rows = [{"ref": "A1", "name": "王小明", "due": "2025-05-26"},
            {"ref": "B2", "name": "Zoe\u0308 Lo\u0301pez", "due": "2025-05-27"}]
    lines = table_lines(rows, [Column("ref", "Ref"), Column("name", "Name", wrap=True), Column("due", "Due")],
                        width=80)
    # 王小明 is six cells wide, Zoë López nine (the combining marks take none)
    assert lines == ["Ref  Name       Due",
                     "---  ---------  ----------",
                     "A1   王小明     2025-05-26",
                     "B2   Zoe\u0308 Lo\u0301pez  2025-05-27"]


@pytest.mark.parametrize(("stored", "shown"), [
    ("Sam\x1b[2J", "Sam\\x1b[2J"),  # ESC: would clear the screen
    ("a\tb\nc\rd\x00\x7f\x9b", "a\\tb\\nc\\rd\\x00\\x7f\\x9b"),  # C0, DEL and C1 (CSI) controls
    ("\u202aL\u202bR\u202cP\u202dO\u202eR", "\\u202aL\\u202bR\\u202cP\\u202dO\\u202eR"),  # embeddings, overrides
    ("\u2066i\u2067j\u2068k\u2069", "\\u2066i\\u2067j\\u2068k\\u2069"),  # isolates
    ("x\u200ey\u200fz\u061c", "x\\u200ey\\u200fz\\u061c"),  # marks: LRM, RLM, ALM
    ("in\u200bvisible\u2060\ufeff\u00ad", "in\\u200bvisible\\u2060\\ufeff\\xad"),  # zero-width, BOM, soft hyphen
    ("line\u2028para\u2029", "line\\u2028para\\u2029"),
    ("tag\U000e0041", "tag\\U000e0041"),
    # kept: letters of every script, combining marks, joiners, the spaces of other scripts
    ("Zoe\u0308 محمد 王小明 श्रेया", "Zoe\u0308 محمد 王小明 श्रेया"),
    ("می\u200cخواهم 👩\u200d👧", "می\u200cخواهم 👩\u200d👧"),
    ("田中\u3000さくら\u00a0x", "田中\u3000さくら\u00a0x"),
])
def test_safe_escapes_what_a_terminal_would_act_on(stored, shown):
    from sendtrack.output.render import safe

    assert safe(stored) == shown


def test_wrap_breaks_between_words_only():
    from sendtrack.output.render import wrap

    text = "no contact with the family recorded for 287 days (since 2024-08-13) while open"
    for width in range(12, 40):
        lines = wrap(text, width)
        assert " ".join(lines) == text and all(len(line) <= width for line in lines)
    assert wrap("  Sample Coordinator FD-04", 20) == ["  Sample Coordinator", "  FD-04"]
    assert wrap("N" * 45, 20) == ["N" * 20, "N" * 20, "N" * 5]  # a single word wider than the column
