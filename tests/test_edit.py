"""Correcting and finding cases (issue 10 item 4): `edit`, the duplicate-child refusal, voiding a
request, `cases --name`, case-insensitive team and coordinator, and the case's own values shown.

Names and dates of birth here are synthetic."""

from __future__ import annotations

import pytest

NAME, DOB = "Testchild Alpha", "2015-03-15"


@pytest.fixture
def one(backend_cli):
    cli = backend_cli
    cli.ok(f"add-request --ref E1 --name '{NAME}' --dob {DOB} --received 2025-01-06 --coordinator 'Sam Patel'")
    cli.ok("record decision E1 --date 2025-02-10 --outcome assess")
    return cli


def check_lines(cli) -> list[str]:
    result = cli("check")
    return [line for line in (result.stdout + result.stderr).splitlines() if "audit" in line]


# --- edit -----------------------------------------------------------------------------------------------

def test_edit_corrects_the_name_and_keeps_old_and_new_in_history(one):
    one.ok("edit E1 --name 'Testchild Beta' --reason 'typo at intake' --by priya")
    view = one.json("timeline E1 --as-of 2025-03-01 --format json --names")
    assert view["name"] == "Testchild Beta"
    history = one.json("history E1 --format json --names")
    edit = history[-1]
    assert edit["kind"] == "edit" and edit["recorded_by"] == "priya"
    assert edit["details"] == {"reason": "typo at intake", "changes": {"name": [NAME, "Testchild Beta"]}}
    table = one.ok("history E1 --format table --names")
    assert f"name: {NAME} -> Testchild Beta, reason=typo at intake" in table
    # without --names: initials (Testchild Alpha -> T.A.), as every report shows a child
    assert one.json("history E1 --format json")[-1]["details"]["changes"] == {"name": ["T.A.", "T.B."]}
    assert "name: T.A. -> T.B., reason=typo at intake" in one.ok("history E1 --format table")
    assert one("check").exit_code == 0, one("check").stdout


def test_edit_of_the_date_of_birth_recomputes_the_stored_deadlines_in_the_same_write(one, backend):
    """Born 15 March 2015 the child moves to Year 7 in September 2026; born 15 September 2015 (the next
    school year: reception from September 2020) in September 2027. The phase-transfer deadline (reg
    18(1)(a): the plan reviewed and amended by 15 February of the year of transfer) moves a year on,
    in the stored deadlines the reports read, not only in a recomputed timeline."""
    one.ok("record final E1 --date 2025-05-20")

    def stored() -> list[str]:
        db = backend.open()
        try:
            return [str(r[0]) for r in db.all("SELECT due FROM deadlines WHERE rule = 'phase-transfer'")]
        finally:
            db.close()

    assert [d[:4] for d in stored()] == ["2026"]
    out = one.ok("edit E1 --dob 2015-09-15 --reason 'wrong month'")
    assert "- phase-transfer: due 2026" in out and "+ phase-transfer [" in out
    assert [d[:4] for d in stored()] == ["2027"]
    assert one("check").exit_code == 0


def test_edit_of_flags_and_setting_shows_in_timeline_and_cases(one):
    one.ok("edit E1 --looked-after --alternative-provision --setting 'Oak Primary' --reason 'from social care'")
    view = one.json("timeline E1 --as-of 2025-03-01 --format json")
    assert (view["looked_after"], view["alternative_provision"], view["setting"]) == (True, True, "Oak Primary")
    table = one.ok("timeline E1 --as-of 2025-03-01")
    assert "looked after: yes, alternative provision: yes, setting: Oak Primary" in table
    row = one.json("cases --as-of 2025-03-01 --format json")[0]
    assert (row["looked_after"], row["alternative_provision"], row["setting"]) == (True, True, "Oak Primary")
    one.ok("edit E1 --not-looked-after --reason 'left care'")
    assert one.json("timeline E1 --as-of 2025-03-01 --format json")["looked_after"] is False
    assert one("check").exit_code == 0


def test_edit_then_a_raw_update_is_still_caught_by_check(one, backend):
    one.ok("edit E1 --name 'Testchild Beta' --reason typo")
    assert check_lines(one) == []
    backend.execute("UPDATE cases SET name = 'Testchild Gamma' WHERE ref = 'E1'")  # no trigger on cases
    found = check_lines(one)
    assert len(found) == 1 and "event 3 (edit" in found[0], found
    assert "Gamma" not in found[0] and "Beta" not in found[0]


def test_a_raw_update_of_a_field_no_edit_touched_is_caught_at_the_request(one, backend):
    one.ok("edit E1 --setting 'Oak Primary' --reason moved")
    backend.execute("UPDATE cases SET name = 'Testchild Gamma' WHERE ref = 'E1'")
    found = check_lines(one)  # the first broken link: the request covers the name as received
    assert len(found) == 1 and "event 1 (request" in found[0], found


@pytest.mark.parametrize("line,words", [
    ("edit E1 --reason x", "say what to correct"),
    (f"edit E1 --name '{NAME}' --reason x", "nothing to correct"),
    ("edit E1 --dob 2031-01-01 --reason x", "date of birth is in the future"),
    ("edit E1 --dob 2025-13-01 --reason x", "--dob is not a real date"),
    ("edit E1 --name '   ' --reason x", "name is empty"),
    ("edit E1 --name 'A\x1bB' --reason x", "control character"),
    ("edit NOPE --name 'Testchild Beta' --reason x", "unknown case"),
    ("edit E1 --name 'Testchild Beta' --reason ''", "reason is empty"),
], ids=["nothing", "same", "future-dob", "bad-dob", "blank-name", "control", "unknown", "no-reason"])
def test_a_refused_edit_writes_nothing_and_repeats_no_value(one, backend, line, words):
    before = backend.snapshot()
    result = one.fails(line)
    assert words in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    for personal in (NAME, "Testchild", DOB, "2031-01-01", "2025-13-01"):
        assert personal not in result.stderr, result.stderr
    assert backend.snapshot() == before


def test_an_edit_cannot_be_voided(one):
    one.ok("edit E1 --setting 'Oak Primary' --reason moved")
    result = one.fails("record void E1 3 --reason oops")
    assert "edit and cannot be voided" in result.stderr


def test_an_exported_database_with_edits_imports_and_checks_clean(one, backend, tmp_path, monkeypatch):
    if not backend.is_sqlite:
        pytest.skip("imports into a second SQLite file")
    one.ok("edit E1 --name 'Testchild Beta' --dob 2015-04-15 --reason typo")
    one.ok("edit E1 --setting 'Oak Primary' --reason moved")
    out = tmp_path / "all.csv"
    one.ok(f"export --out {out}")
    monkeypatch.setenv("SENDTRACK_DB", str(tmp_path / "second.db"))
    one.ok("init")
    one.ok(f"import {out}")
    assert check_lines(one) == []
    assert one("check").exit_code == 0
    assert one.json("history E1 --format json")[-1]["kind"] == "edit"


# --- duplicates -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("spelling", ["testchild alpha", "TESTCHILD  ALPHA", "Téstchild Alpha"])
def test_a_second_open_case_for_the_same_child_is_refused(one, backend, spelling):
    before = backend.snapshot()
    result = one.fails(f"add-request --name '{spelling}' --dob {DOB} --received 2025-02-01")
    assert "case E1 is open for a child with the same name and date of birth" in result.stderr
    assert "--allow-duplicate" in result.stderr
    assert DOB not in result.stderr and "alpha" not in result.stderr.casefold()
    assert backend.snapshot() == before
    ref = one.ok(f"add-request --name '{spelling}' --dob {DOB} --received 2025-02-01 --allow-duplicate").strip()
    assert ref and ref != "E1"


def test_another_child_or_a_closed_case_is_not_a_duplicate(one):
    one.ok(f"add-request --name '{NAME}' --dob 2015-03-16 --received 2025-02-01")  # another dob
    one.ok(f"add-request --ref R1 --name 'Testchild Delta' --dob {DOB} --received 2025-01-06")
    one.ok("record decision R1 --date 2025-02-10 --outcome refuse")
    one.ok(f"add-request --name 'Testchild Delta' --dob {DOB} --received 2025-09-01")  # refused: closed


# --- voiding the request --------------------------------------------------------------------------------

def test_voiding_the_request_removes_the_case_from_every_report_and_kpi(one, backend):
    one.ok("add-request --ref E2 --name 'Testchild Other' --dob 2014-01-01 --received 2025-01-06")

    def requests() -> int:
        return one.json("kpi --year 2025 --as-of 2025-12-31 --format json")["counts"]["requests"]

    def held() -> int:
        rows = one.json("caseload --as-of 2025-12-31 --format json")
        return sum(r["cases"] for r in rows if r["level"] == "team")

    assert (requests(), held()) == (2, 2)
    assert {r["ref"] for r in one.json("overdue --as-of 2025-12-31 --format json")} == {"E1", "E2"}
    before = backend.snapshot()
    one.ok("record void E1 1 --reason 'entered by mistake'")
    assert backend.snapshot() != before
    assert {r["ref"] for r in one.json("overdue --as-of 2025-12-31 --format json")} == {"E2"}
    assert {r["ref"] for r in one.json("at-risk --as-of 2025-02-20 --within 3650 --format json")} == {"E2"}
    assert [r["ref"] for r in one.json("cases --as-of 2025-12-31 --format json")] == ["E2"]
    assert (requests(), held()) == (1, 1)
    history = one.json("history E1 --format json")
    assert history[0]["kind"] == "request" and history[0]["voided"] is True
    view = one.json("timeline E1 --as-of 2025-12-31 --format json")
    assert view["request_voided"] is True and view["deadlines"] == []
    assert one("check").exit_code == 0, one("check").stdout
    result = one.fails("record draft E1 --date 2025-03-01")
    assert "request was voided" in result.stderr
    # the child can then be recorded again without --allow-duplicate
    one.ok(f"add-request --name '{NAME}' --dob {DOB} --received 2025-02-01")


def test_a_voided_request_survives_export_import_and_recompute(one, backend, tmp_path, monkeypatch):
    if not backend.is_sqlite:
        pytest.skip("imports into a second SQLite file")
    one.ok("record void E1 1 --reason 'entered by mistake'")
    out = tmp_path / "all.csv"
    one.ok(f"export --out {out}")
    monkeypatch.setenv("SENDTRACK_DB", str(tmp_path / "second.db"))
    one.ok("init")
    one.ok(f"import {out}")
    assert one.json("cases --as-of 2025-12-31 --format json") == []
    assert one.json("overdue --as-of 2025-12-31 --format json") == []
    one.ok("recompute")
    assert one("check").exit_code == 0


# --- finding --------------------------------------------------------------------------------------------

def test_cases_name_matches_ignoring_case_and_accents(backend_cli):
    cli = backend_cli
    cli.ok("add-request --ref N1 --name 'Léa Testcase' --dob 2015-03-15 --received 2025-01-06")
    cli.ok("add-request --ref N2 --name 'Leon Testcase' --dob 2015-03-15 --received 2025-01-06")
    cli.ok("add-request --ref N3 --name 'Other Person' --dob 2015-03-15 --received 2025-01-06")
    assert [r["ref"] for r in cli.json("cases --name lea --as-of 2025-02-01 --format json")] == ["N1"]
    assert [r["ref"] for r in cli.json("cases --name LÉA --as-of 2025-02-01 --format json")] == ["N1"]
    assert [r["ref"] for r in cli.json("cases --name testcase --as-of 2025-02-01 --format json")] == ["N1", "N2"]
    rows = cli.json("cases --name 'leon' --names --as-of 2025-02-01 --format json")
    assert rows[0]["name"] == "Leon Testcase"
    assert cli.json("cases --name nobody --as-of 2025-02-01 --format json") == []


def test_team_and_coordinator_match_ignoring_case(one):
    one.ok("add-request --ref T1 --name 'Testchild Tee' --dob 2014-01-01 --received 2025-01-06 "
           "--team School-Age --coordinator 'Jo Bloggs'")
    assert one.json("cases --team SCHOOL-AGE --as-of 2025-02-01 --format json")[0]["team"] == "school-age"
    assert [r["ref"] for r in one.json("cases --coordinator 'sam patel' --as-of 2025-02-01 --format json")] \
        == ["E1"]
    assert {r["ref"] for r in one.json("overdue --coordinator 'JO BLOGGS' --as-of 2025-12-31 --format json")} \
        == {"T1"}
    one.ok("assign E1 --team YOUNG-PEOPLE")
    assert one.json("timeline E1 --as-of 2025-03-01 --format json")["team"] == "young-people"
