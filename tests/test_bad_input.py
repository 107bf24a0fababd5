"""The bad-input battery: malformed input across commands, each refused with one clear stderr line and
the database byte-for-byte unchanged; names in any script accepted and kept exactly.

The core's refusals (tests/test_refusals.py) are not repeated here. Runs on SQLite, and on PostgreSQL
too when one is configured (compared there table by table).
"""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import date, timedelta

import pytest

from sendtrack.errors import RefusedError, UsageError
from tests.conftest import has_command

TOMORROW = (date.today() + timedelta(days=1)).isoformat()
BASE = "add-request --dob 2015-03-15 --received 2025-01-06 --name"


def two_cases(cli) -> None:
    cli.ok("add-request --ref R1 --name 'Test Child' --dob 2015-03-15 --received 2025-01-06")
    cli.ok("record decision R1 --date 2025-02-10 --outcome assess")
    cli.ok("record contact R1 --date 2025-02-11 --note 'first call'")
    cli.ok("record void R1 3 --reason 'wrong family'")
    cli.ok("add-request --ref SEN-000009 --name 'Other Child' --dob 2016-01-01 --received 2025-01-06")


@pytest.fixture
def case(backend, templates):
    """R1: requested 2025-01-06 for a child born 2015-03-15, decided (assess) 2025-02-10, a contact
    (event 3) voided by event 4; and SEN-000009, a reference in the generated style."""
    return templates.prepare(backend, "bad-input-two-cases", two_cases)


LONG = "x" * 201
REFUSED: dict[str, str | list[str]] = {
    # --- unreal dates --------------------------------------------------------------------------
    "dob-29-feb-non-leap": "add-request --name 'A B' --dob 2015-02-29 --received 2025-01-06",
    "received-month-13": "add-request --name 'A B' --dob 2015-03-15 --received 2025-13-01",
    "received-month-00": "add-request --name 'A B' --dob 2015-03-15 --received 2025-00-10",
    "received-31-april": "add-request --name 'A B' --dob 2015-03-15 --received 2025-04-31",
    "record-day-00": "record draft R1 --date 2025-03-00",
    "exception-end-unreal": "record exception R1 --limb c --start 2025-03-01 --end 2025-02-30 --reason ill",
    "review-meeting-unreal": "record review-scheduled R1 --date 2025-03-01 --meeting 2025-99-01",
    "advice-received-on-unreal": "record advice-requested R1 --date 2025-02-12 --from health "
                                 "--received-on 2025-02-31",
    "transfer-on-unreal": "record transfer R1 --date 2025-02-12 --on 2026-09-31 --kind phase",
    "as-of-unreal-timeline": "timeline R1 --as-of 2025-02-30",
    # --- badly formatted dates -----------------------------------------------------------------
    "date-no-dashes": "record draft R1 --date 20250301",
    "date-slashes-iso-order": "record draft R1 --date 2025/03/01",
    "date-day-first": "record draft R1 --date 01-03-2025",
    "date-unpadded-month": "record draft R1 --date 2025-3-01",
    "date-with-time": "record draft R1 --date 2025-03-01T09:00",
    "date-words": "record draft R1 --date yesterday",
    "date-empty": ["record", "draft", "R1", "--date", ""],
    "date-leading-space": ["record", "draft", "R1", "--date", " 2025-03-01"],
    "date-trailing-newline": ["record", "draft", "R1", "--date", "2025-03-01\n"],
    "date-two-digit-year": "add-request --name 'A B' --dob 15-03-15 --received 2025-01-06",
    "as-of-words-cases": "cases --as-of soon",
    # --- dates before birth, in the future, impossible -----------------------------------------
    "dob-after-request": "add-request --name 'A B' --dob 2025-06-01 --received 2025-01-06",
    "dob-in-the-future": f"add-request --name 'A B' --dob {TOMORROW} --received 2025-01-06",
    "dob-year-one": "add-request --name 'A B' --dob 0001-01-01 --received 2025-01-06",
    "child-over-25": "add-request --name 'A B' --dob 1990-01-01 --received 2025-01-06",
    "request-before-ehc-plans": "add-request --name 'A B' --dob 2005-01-01 --received 2013-06-01",
    "decision-before-birth": "record decision SEN-000009 --date 2015-12-31 --outcome assess",
    "record-far-future": "record draft R1 --date 2999-01-01",
    "meeting-beyond-the-calendar": "record review-scheduled R1 --date 2025-03-01 --meeting 2999-01-01",
    # --- empty, very long and control-character text -------------------------------------------
    "name-empty": ["add-request", "--name", "", "--dob", "2015-03-15", "--received", "2025-01-06"],
    "name-201-chars": ["add-request", "--name", LONG, "--dob", "2015-03-15", "--received", "2025-01-06"],
    "name-10000-chars": ["add-request", "--name", "y" * 10_000, "--dob", "2015-03-15", "--received",
                         "2025-01-06"],
    "name-newline": ["add-request", "--name", "Amelia\nJones", "--dob", "2015-03-15", "--received",
                     "2025-01-06"],
    "name-nul": ["add-request", "--name", "Amelia\x00Jones", "--dob", "2015-03-15", "--received",
                 "2025-01-06"],
    "name-ansi-escape": ["add-request", "--name", "\x1b[31mAmelia", "--dob", "2015-03-15", "--received",
                         "2025-01-06"],
    "name-delete-char": ["add-request", "--name", "Amelia\x7f", "--dob", "2015-03-15", "--received",
                         "2025-01-06"],
    "coordinator-empty": ["add-request", "--name", "A B", "--dob", "2015-03-15", "--received", "2025-01-06",
                          "--coordinator", ""],
    "setting-tab": ["add-request", "--name", "A B", "--dob", "2015-03-15", "--received", "2025-01-06",
                    "--setting", "Oak\tPrimary"],
    "note-carriage-return": ["record", "contact", "R1", "--date", "2025-02-12", "--note", "called\rback"],
    "note-too-long": ["record", "contact", "R1", "--date", "2025-02-12", "--note", LONG],
    "institution-empty": ["record", "consultation-sent", "R1", "--date", "2025-03-01", "--institution", " "],
    "exception-reason-empty": ["record", "exception", "R1", "--limb", "c", "--start", "2025-03-01",
                               "--reason", ""],
    "void-reason-empty": ["record", "void", "R1", "2", "--reason", "   "],
    "by-control-character": ["record", "contact", "R1", "--date", "2025-02-12", "--by", "sam\x08"],
    "assign-coordinator-too-long": ["assign", "R1", "--team", "front-door", "--coordinator", LONG],
    # --- references ----------------------------------------------------------------------------
    "ref-with-space": ["add-request", "--ref", "R 2", "--name", "A B", "--dob", "2015-03-15",
                       "--received", "2025-01-06"],
    "ref-sql-like": ["add-request", "--ref", "R2'; DROP TABLE cases;--", "--name", "A B", "--dob",
                     "2015-03-15", "--received", "2025-01-06"],
    "ref-41-chars": ["add-request", "--ref", "R" * 41, "--name", "A B", "--dob", "2015-03-15",
                     "--received", "2025-01-06"],
    "ref-accented": ["add-request", "--ref", "RÉF-1", "--name", "A B", "--dob", "2015-03-15",
                     "--received", "2025-01-06"],
    "ref-empty": ["add-request", "--ref", "", "--name", "A B", "--dob", "2015-03-15", "--received",
                  "2025-01-06"],
    "ref-leading-dash": ["add-request", "--ref=-R2", "--name", "A B", "--dob", "2015-03-15", "--received",
                         "2025-01-06"],
    "duplicate-of-generated-style-ref": "add-request --ref SEN-000009 --name 'Third Child' --dob 2017-01-01 "
                                        "--received 2025-01-06",
    "unknown-ref-timeline": "timeline NOPE",
    "unknown-ref-history": "history NOPE",
    "unknown-ref-assign": "assign NOPE --team front-door",
    "unknown-ref-void": "record void NOPE 2 --reason mistake",
    "unknown-ref-sql-like": ["timeline", "R1' OR '1'='1"],
    "unknown-ref-wrong-case": "record contact r1 --date 2025-02-12",
    # --- unknown teams and rules, impossible voids ---------------------------------------------
    "unknown-team-cases-report": "cases --team 'front door'",
    "unknown-team-sql-like": ["assign", "R1", "--team", "x' OR 1=1 --"],
    "unknown-rule-underscored": "record exception R1 --limb c --start 2025-03-01 --rule assessment_decision "
                                "--reason ill",
    "unknown-rule-empty": ["record", "exception", "R1", "--limb", "c", "--start", "2025-03-01", "--rule", "",
                           "--reason", "ill"],
    "void-already-voided": "record void R1 3 --reason again",
    "void-a-void": "record void R1 4 --reason undo",
    # issue 10: a request can be voided (the case then counts nowhere); corrections are refused in words
    "edit-nothing": "edit R1 --reason 'no change given'",
    "edit-same-name": "edit R1 --name 'Test Child' --reason 'the same'",
    "edit-dob-in-the-future": "edit R1 --dob 2099-01-01 --reason typo",
    "edit-dob-after-the-request": "edit R1 --dob 2025-06-01 --reason typo",
    "duplicate-child": "add-request --name 'TEST  child' --dob 2015-03-15 --received 2025-02-01",
    "void-another-cases-event": "record void SEN-000009 2 --reason mistake",
    "void-event-zero": "record void R1 0 --reason mistake",
    # --- impossible sequences not in the core's list -------------------------------------------
    "advice-received-from-another-body": "record advice-received R1 --date 2025-03-01 --from health",
    "consultation-reply-not-consulted": "record consultation-reply R1 --date 2025-03-01 "
                                        "--institution 'Oak Primary'",
    "review-decision-before-plan": "record review-decision R1 --date 2025-03-01 --outcome maintain",
    # --- crashes that were "unexpected error" (issue 9, item 11) -------------------------------
    "digest-as-of-year-one": "digest --as-of 0001-01-01",
    "digest-as-of-year-9999": "digest --as-of 9999-12-31",
    "at-risk-as-of-year-9999": "at-risk --as-of 9999-12-31",
    "caseload-as-of-year-9999": "caseload --as-of 9999-12-31",
    "import-a-missing-file": "import /nonexistent/sendtrack-cases.csv",
    "import-a-missing-json-file": "import /nonexistent/sendtrack-cases.json",
    # --- retention and erase (issue 9): the fixture's cases are open --------------------------------
    "retention-unknown-team": "retention --team nope",
    "retention-unknown-coordinator": "retention --coordinator 'Nobody Here'",
    "retention-as-of-unreal": "retention --as-of 2025-02-30",
    "retention-as-of-year-one": "retention --as-of 0001-01-01",
    "erase-unknown-ref": "erase NOPE --reason 'retention period over'",
    "erase-unknown-ref-wrong-case": "erase r1 --reason 'retention period over' --force",
    "erase-open-case": "erase R1 --reason 'retention period over'",
    "erase-empty-reason": ["erase", "R1", "--reason", "", "--force"],
    "erase-blank-reason": ["erase", "R1", "--reason", "   ", "--force"],
    "erase-reason-201-chars": ["erase", "R1", "--reason", LONG, "--force"],
    "erase-reason-control": ["erase", "R1", "--reason", "gone\x1b[2J", "--force"],
    "erase-reason-bidi": ["erase", "R1", "--reason", "gone\u202eevola", "--force"],
    "erase-reason-holds-the-name": "erase R1 --force --reason 'Test Child asked us to'",
    "erase-reason-holds-a-name-part": "erase SEN-000009 --force --reason 'asked by other family'",
    "erase-reason-holds-the-dob": "erase R1 --force --reason 'born 2015-03-15, asked'",
    "erase-reason-holds-the-dob-uk": "erase R1 --force --reason 'born 15/03/2015, asked'",
}

USAGE: dict[str, str | list[str]] = {
    "erase-without-reason": "erase R1 --force",
    "erase-without-ref": "erase --reason 'retention period over'",
    "retention-format-unknown": "retention --format xml",
    "void-negative-id": "record void R1 -1 --reason mistake",
    "void-id-not-a-number": "record void R1 three --reason mistake",
    "outcome-wrong-case": "record decision R1 --date 2025-02-10 --outcome ASSESS",
    "limb-unknown": "record exception R1 --limb e --start 2025-03-01 --reason x",
    "source-empty": ["add-request", "--name", "A B", "--dob", "2015-03-15", "--received", "2025-01-06",
                     "--source", ""],
    "format-unknown": "history R1 --format xml",
    "missing-name": "add-request --dob 2015-03-15 --received 2025-01-06",
    "at-risk-within-a-billion-days": "at-risk --within 1000000000",
}


def assert_refused_cleanly(cli, backend, line, code) -> None:
    before = backend.snapshot()
    result = cli(line)
    assert result.exit_code == code, f"{line!r}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    if code == RefusedError.exit_code:
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("sendtrack: "), result.stderr
        assert len(result.stderr) < 300, result.stderr
        assert result.stdout == ""
    assert "Traceback" not in result.stdout + result.stderr
    assert backend.snapshot() == before


@pytest.mark.parametrize("line", REFUSED.values(), ids=REFUSED.keys())
def test_refused_with_one_line_and_nothing_written(case, backend, line):
    assert_refused_cleanly(case, backend, line, RefusedError.exit_code)


@pytest.mark.parametrize("line", USAGE.values(), ids=USAGE.keys())
def test_usage_errors_exit_2_and_write_nothing(case, backend, line):
    assert_refused_cleanly(case, backend, line, UsageError.exit_code)


def test_erasing_twice_and_voiding_an_erasure_are_refused(case, backend):
    case.ok("record withdrawn SEN-000009 --date 2025-02-01")
    out = case.ok("erase SEN-000009 --reason 'retention period over'")
    erase_event = out.split("(event ")[1].split(")")[0]
    for line in ["erase SEN-000009 --reason 'retention period over'",
                 "erase SEN-000009 --force --reason 'again'",
                 f"record void SEN-000009 {erase_event} --reason 'undo it'"]:
        assert_refused_cleanly(case, backend, line, RefusedError.exit_code)
    assert "Other Child" not in case("erase SEN-000009 --reason again").stderr


def test_decision_after_withdrawal_is_refused(case, backend):
    case.ok("record withdrawn SEN-000009 --date 2025-02-01")
    assert_refused_cleanly(case, backend, "record decision SEN-000009 --date 2025-02-10 --outcome assess",
                           RefusedError.exit_code)


def test_unreachable_server_is_one_line(case, monkeypatch):
    monkeypatch.delenv("SENDTRACK_DB", raising=False)
    monkeypatch.setenv("SENDTRACK_DATABASE_URL", "postgresql+psycopg://nobody:secret@127.0.0.1:1/none")
    result = case.fails("cases", code=1)
    assert result.stderr.count("\n") == 1 and "secret" not in result.stderr


@pytest.mark.parametrize("what", ["a text file", "a directory"])
def test_a_db_that_is_not_sqlite_is_one_line(cli, tmp_path, what):
    path = tmp_path / "notes.txt"
    if what == "a directory":
        path.mkdir()
    else:
        path.write_text("Amelia Jones, 12 Oak Lane\n")
    result = cli.fails(["--db", str(path), "cases"], code=1)
    assert result.stderr.startswith(f"sendtrack: cannot open {path} as a SQLite database")
    assert result.stderr.count("\n") == 1 and "Amelia" not in result.stderr


# --- accepted: names in every script, SQL-looking text, markup ----------------------------------

ACCEPTED_NAMES = {
    "accents": "Zoë Ångström-Ørsted",
    "irish-fada": "Siobhán Ní Bhriain",
    "vietnamese-stacked-diacritics": "Nguyễn Thị Minh Khai",
    "decomposed-combining-diaeresis": "Zoe\u0308 Lo\u0301pez",
    "arabic-right-to-left": "محمد علي",
    "hebrew": "נועה כהן",
    "chinese": "王小明",
    "japanese-mixed": "さくら 田中",
    "cyrillic": "Дмитрий Иванов",
    "greek-polytonic": "Ἀλέξανδρος Παππᾶς",
    "devanagari": "श्रेया शर्मा",
    "welsh": "Ffion ap Rhŷs",
    "apostrophe-and-hyphen": "Seán O'Brien-Ní Dhuibhir",
    "sql-like-name": "Robert'); DROP TABLE cases;--",
    "percent-and-question-marks": "100% ?? Child ?",
    "markup-like": "[bold]Zoë[/bold] <b>x</b>",
    "exactly-200-chars": "N" * 200,
    "astral-plane": "𝔄𝔪𝔢𝔩𝔦𝔞 Jones",
}


@pytest.mark.parametrize("name", ACCEPTED_NAMES.values(), ids=ACCEPTED_NAMES.keys())
def test_names_in_every_script_are_accepted_and_kept_exactly(backend_cli, backend, name):
    ref = backend_cli.ok(["add-request", "--name", name, "--dob", "2015-03-15", "--received", "2025-01-06",
                          "--setting", name[:50], "--coordinator", name[:30]]).strip()
    view = backend_cli.json(f"timeline {ref} --as-of 2025-03-01 --format json --names")
    assert view["name"] == name  # byte for byte: no normalisation, no trimming inside, no escaping
    assert view["coordinator"] == name[:30]
    rows = list(csv.DictReader(io.StringIO(backend_cli.ok("cases --format csv --names"))))
    assert [r["name"] for r in rows] == [name]
    table = backend_cli.ok(f"timeline {ref} --as-of 2025-03-01 --format table --names")
    assert name[:20] in table
    # and the tables are all still there
    assert "no problems" in backend_cli.ok("check")


def test_sql_like_text_in_notes_reasons_and_institutions_is_plain_text(case, backend):
    note = "'; DELETE FROM events; --"
    case.ok(["record", "contact", "R1", "--date", "2025-02-12", "--note", note])
    case.ok(["record", "advice-requested", "R1", "--date", "2025-02-12", "--from", "education",
             "--institution", "x' OR '1'='1"])
    case.ok(["record", "exception", "R1", "--limb", "c", "--start", "2025-02-13",
             "--reason", "Robert'); DROP TABLE deadlines;--"])
    rows = case.json("history R1 --format json")
    assert rows[-3]["details"]["note"] == note
    assert rows[-2]["details"]["institution"] == "x' OR '1'='1"
    assert rows[-1]["details"]["reason"] == "Robert'); DROP TABLE deadlines;--"
    assert len(case.json("timeline R1 --as-of 2025-03-01 --format json")["deadlines"]) > 0
    assert "no problems" in case.ok("check")


def test_surrounding_spaces_are_trimmed_not_refused(backend_cli):
    ref = backend_cli.ok(["add-request", "--name", "  Amelia Jones  ", "--dob", "2015-03-15", "--received",
                          "2025-01-06"]).strip()
    assert backend_cli.json(f"timeline {ref} --format json --names")["name"] == "Amelia Jones"


# --- CSV import: activates when `sendtrack import` lands (the import change) --------------------

needs_import = pytest.mark.skipif(not has_command("import", "export"),
                                  reason="`sendtrack import`/`export` are not here yet (the import change)")


@pytest.fixture
def exported_csv(case, tmp_path):
    """A good CSV in the documented layout, taken from `sendtrack export`, as the base to damage."""
    path = tmp_path / "good.csv"
    case.ok(["export", "--format", "csv", "--out", str(path)])
    return path.read_text(encoding="utf-8")


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _write(tmp_path, rows: list[list[str]], encoding: str = "utf-8"):
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path = tmp_path / "bad.csv"
    path.write_bytes(out.getvalue().encode(encoding))
    return path


@needs_import
@pytest.mark.parametrize("damage", ["missing-first-column", "missing-last-column", "header-only-garbage",
                                    "empty-file", "binary"])
def test_malformed_csv_import_is_refused(case, backend, exported_csv, tmp_path, damage):
    rows = _rows(exported_csv)
    if damage == "missing-first-column":
        path = _write(tmp_path, [r[1:] for r in rows])
    elif damage == "missing-last-column":
        path = _write(tmp_path, [r[:-1] for r in rows])
    elif damage == "header-only-garbage":
        path = _write(tmp_path, [["what", "is", "this"], ["1", "2", "3"]])
    elif damage == "empty-file":
        path = tmp_path / "bad.csv"
        path.write_bytes(b"")
    else:
        path = tmp_path / "bad.csv"
        path.write_bytes(bytes(range(256)) * 4)
    assert_refused_cleanly(case, backend, ["import", str(path)], RefusedError.exit_code)


@needs_import
@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_csv_in_the_wrong_encoding_is_refused(case, backend, exported_csv, tmp_path, encoding):
    """Not silently read as mojibake: a name with an accent in Latin-1 or UTF-16 is refused."""
    rows = _rows(exported_csv)
    text = "\n".join(",".join(r) for r in rows).replace("Test Child", "Zoë Child")
    path = tmp_path / "bad.csv"
    path.write_bytes(text.encode(encoding))
    assert_refused_cleanly(case, backend, ["import", str(path)], RefusedError.exit_code)


@needs_import
def test_csv_with_an_extra_column_is_refused_or_ignored_never_stored(case, backend, exported_csv, tmp_path):
    """An extra column is either refused (one line, nothing written) or ignored: never half-stored."""
    rows = _rows(exported_csv)
    path = _write(tmp_path, [[*r, "surprise" if i == 0 else "x"] for i, r in enumerate(rows)])
    before = backend.snapshot()
    result = case(["import", "--dry-run", str(path)])
    assert result.exit_code in (0, 1), result.stderr
    assert backend.snapshot() == before  # --dry-run writes nothing either way
    if result.exit_code == 1:
        assert result.stderr.count("\n") == 1
    else:
        assert "surprise" not in json.dumps(case.json("history R1 --format json"))


# --- JSON import: each wrong type or hostile shape refused in words (issue 9, item 11) -----------

#: A good JSON case (a child the battery's checks look for in every message) to damage.
JSON_CHILD = {"ref": "J1", "name": "Jessie Hidden", "dob": "2014-07-09", "source": "parent",
              "team": "front-door", "looked_after": False, "alternative_provision": False,
              "events": [{"id": 1, "kind": "request", "date": "2025-01-06", "details": {"source": "parent"}}]}


def _json_case(**changes) -> dict:
    case = json.loads(json.dumps(JSON_CHILD))
    for key, value in changes.items():
        if key.startswith("event_"):
            case["events"][0][key.removeprefix("event_")] = value
        else:
            case[key] = value
    return {"format": "sendtrack", "version": 1, "cases": [case]}


JSON_DAMAGE = {
    "name-a-number": lambda: json.dumps(_json_case(name=5)),
    "name-a-list": lambda: json.dumps(_json_case(name=["Jessie", "Hidden"])),
    "dob-a-number": lambda: json.dumps(_json_case(dob=20140709)),
    "ref-a-number": lambda: json.dumps(_json_case(ref=7)),
    "details-a-list": lambda: json.dumps(_json_case(event_details=["source", "parent"])),
    "id-infinity": lambda: json.dumps(_json_case(event_id=1)).replace('"id": 1', '"id": Infinity'),
    "id-nan": lambda: json.dumps(_json_case(event_id=1)).replace('"id": 1', '"id": NaN'),
    "id-too-big-for-a-float": lambda: json.dumps(_json_case(event_id=1)).replace('"id": 1', '"id": 1e400'),
    "id-a-fraction": lambda: json.dumps(_json_case(event_id=1.7)),
    "id-true": lambda: json.dumps(_json_case(event_id=True)),
    "nested-100k-deep": lambda: "[" * 100_000 + "]" * 100_000,
    "nested-100k-deep-inside-a-case": lambda: json.dumps(_json_case()).replace(
        '"parent"}', '"parent", "x": ' + "[" * 100_000 + "]" * 100_000 + "}", 1),
}


@pytest.mark.parametrize("damage", JSON_DAMAGE.values(), ids=JSON_DAMAGE.keys())
def test_json_import_of_the_wrong_types_is_refused(case, backend, tmp_path, damage):
    path = tmp_path / "bad.json"
    path.write_text(damage(), encoding="utf-8")
    result = case(["import", str(path)])
    assert_refused_cleanly(case, backend, ["import", str(path)], RefusedError.exit_code)
    said = result.stdout + result.stderr
    assert "unexpected error" not in said
    for personal in ("Jessie", "Hidden", "2014-07-09", "Test Child", "2015-03-15"):
        assert personal not in said, said


# --- the database itself: read-only, a full disk (issue 9, item 11) ------------------------------

def _say_nothing_personal(result) -> None:
    said = result.stdout + result.stderr
    for personal in ("Test Child", "Other Child", "2015-03-15", "2016-01-01", "Zoe Quill", "2016-04-04"):
        assert personal not in said, said


WRITES = {
    "add-request": ["add-request", "--name", "Zoe Quill", "--dob", "2016-04-04", "--received", "2025-01-06"],
    "record": ["record", "contact", "R1", "--date", "2025-02-12", "--note", "called back"],
    "void": ["record", "void", "R1", "2", "--reason", "mistake"],
    "assign": ["assign", "R1", "--team", "school-age"],
    "recompute": ["recompute"],
}


@pytest.mark.parametrize("args", WRITES.values(), ids=WRITES.keys())
def test_a_write_to_a_read_only_database_is_one_line(case, backend, private_db, args):
    if not backend.is_sqlite:
        pytest.skip("a read-only file is SQLite's")
    from tests.test_damaged import read_only

    before = backend.snapshot()
    with read_only(private_db):
        result = case(args)
        assert result.exit_code == 1, result.stderr
        assert result.stderr == ("sendtrack: the database is read-only: nothing was written "
                                 f"({private_db} or its directory cannot be written by this user)\n")
        _say_nothing_personal(result)
        assert "R1," in case.ok("cases --format csv")  # and it can still be read
    assert backend.snapshot() == before


@pytest.fixture
def small_fs(tmp_path):
    """A 2 MB tmpfs (root only), unmounted afterwards."""
    import shutil
    import subprocess

    where = tmp_path / "small"
    where.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a 2 MB tmpfs needs root and mount(8): the full-disk test cannot run here")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(where)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"the platform refuses a tmpfs mount ({mounted.stderr.strip()})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(directory, *, leave: int) -> None:
    filler = directory / "filler"
    with open(filler, "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
    os.truncate(filler, max(0, filler.stat().st_size - leave))


@pytest.mark.parametrize("leave", [0, 8 * 1024], ids=["full", "nearly-full"])
@pytest.mark.parametrize("args", [WRITES["add-request"], WRITES["record"]], ids=["add-request", "record"])
def test_a_full_disk_on_a_write_says_the_disk_is_full(case, backend, private_db, small_fs, args, leave):
    import sqlite3

    from tests.conftest import dump

    if not backend.is_sqlite:
        pytest.skip("the database file is SQLite's")
    path = small_fs / "sendtrack.db"
    with sqlite3.connect(private_db) as source, sqlite3.connect(path) as target:
        source.backup(target)
    before = dump(path)
    _fill(small_fs, leave=leave)
    result = case(["--db", str(path), *args])
    assert result.exit_code == 1, result.stdout + result.stderr
    assert result.stderr == (f"sendtrack: the disk is full; nothing was written to {path}: free some space "
                             "and try again\n")
    _say_nothing_personal(result)
    (small_fs / "filler").unlink()
    assert dump(path) == before
    case.ok(["--db", str(path), *args])  # and with space again, it is written
