"""`edit` fills and corrects the statutory returns' fields (issue 12 item 1: "entered by add-request
options, `edit`, and `import --map`"), each by its validator from codes.RETURN_FIELDS; the identifying
ones (UPN, ULN, postcode) are shown only with `--names`, and `erase` clears them in the case row and in
the edit events (issue 9's erasure extended); an erased case, or one whose audit chain is broken,
takes no edit.

Names, dates of birth and identifiers here are synthetic (the UPNs' check letters worked by hand in
tests/test_return_fields.py)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from sendtrack import codes

NAME, DOB = "Quillonby Testchild", "2015-03-15"
ADD = f"add-request --ref R1 --name '{NAME}' --dob {DOB} --received 2025-01-06"
UPN, UPN2 = "B801200005001", "P207000016049"
ULN, ULN2 = "1234567890", "9876543210"
POSTCODE, POSTCODE2 = "AL1 3JE", "SW1A 1AA"
#: every form an identifier could show in: as stored, without the postcode's space, lower case
IDENTIFIERS = [UPN, UPN2, ULN, ULN2, POSTCODE, POSTCODE2, "AL13JE", "SW1A1AA", UPN.lower(), "al1 3je"]


def rows(db, sql):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture
def one(backend_cli):
    backend_cli.ok(ADD)
    return backend_cli


def last_edit(cli) -> dict:
    return [e for e in cli.json("history R1 --format json --names") if e["kind"] == "edit"][-1]


# --- each field --------------------------------------------------------------------------------------------

#: (option, value given, value stored): one per codes.RETURN_FIELDS entry that is a case column
CASE_VALUES = [("--upn", UPN.lower(), UPN), ("--uln", ULN, ULN), ("--upn-unknown", "un8", "UN8"),
               ("--sex", "F", "F"), ("--ethnicity", "wbri", "WBRI"), ("--postcode", "al1 3je", POSTCODE),
               ("--primary-need", "ASD", "ASD"), ("--secondary-need", "slcn", "SLCN")]


def test_every_case_return_field_is_an_edit_option():
    """One source: the table below covers every case column of codes.RETURN_FIELDS, and `edit --help`
    lists every RETURN_FIELDS flag (the placement's too)."""
    from typer.testing import CliRunner

    from sendtrack.cli.app import app

    assert sorted(v[0] for v in CASE_VALUES) == sorted(
        f.flag for f in codes.RETURN_FIELDS if not f.placement)
    out = CliRunner().invoke(app, ["edit", "--help"], env={"COLUMNS": "200"}).stdout
    assert all(f.flag in out for f in codes.RETURN_FIELDS), out


@pytest.mark.parametrize("option,given,stored", CASE_VALUES)
def test_each_case_field_is_edited_and_kept_as_old_and_new(one, backend, option, given, stored):
    key = codes.RETURN_FIELDS[[f.flag for f in codes.RETURN_FIELDS].index(option)].key
    one.ok(["edit", "R1", option, given, "--reason", "from the school's census return"])
    db = backend.open()
    try:
        assert db.one(f"SELECT {key} FROM cases WHERE ref = 'R1'") == (stored,)
    finally:
        db.close()
    edit = last_edit(one)
    assert edit["details"] == {"reason": "from the school's census return", "changes": {key: [None, stored]}}
    shown = one.ok("history R1 --format table --names")
    assert f"{key}: - -> {stored}" in shown
    events = one.json("timeline R1 --format json --names")["events"]
    assert events[-1]["details"]["changes"] == {key: [None, stored]}
    # corrected again: old and new
    if option in ("--upn", "--uln", "--postcode", "--sex", "--ethnicity"):
        second = {"--upn": UPN2, "--uln": ULN2, "--postcode": POSTCODE2, "--sex": "M", "--ethnicity": "APKN"}
        one.ok(["edit", "R1", option, second[option], "--reason", "corrected"])
        assert last_edit(one)["details"]["changes"] == {key: [stored, second[option]]}
    assert "no problems" in one.ok("check")


def test_a_new_placement_closes_the_old_one_the_day_before(one, backend):
    one.ok("edit R1 --urn 117001 --placement-from 2019-09-01 --placement-phase primary --reason 'from school'")
    one.ok("edit R1 --setting-type EHE --placement-from 2024-09-02 --reason 'now home educated'")
    db = backend.open()
    try:
        found = [tuple(str(v)[:10] if v is not None else None for v in r) for r in db.all(
            "SELECT urn, setting_type, entry, leaving, phase FROM placements ORDER BY id")]
    finally:
        db.close()
    # left 2024-09-01: the day before 2024-09-02
    assert found == [("117001", None, "2019-09-01", "2024-09-01", "primary"),
                     (None, "EHE", "2024-09-02", None, None)]
    assert last_edit(one)["details"]["changes"] == {"placement": [
        {"urn": "117001", "rank": 1, "entry": "2019-09-01", "phase": "primary"},
        {"setting_type": "EHE", "rank": 1, "entry": "2024-09-02"}]}
    assert ("placement: urn=117001 rank=1 entry=2019-09-01 phase=primary -> setting_type=EHE rank=1 "
            "entry=2024-09-02") in one.ok("history R1 --format csv")  # a placement is not identifying
    assert "no problems" in one.ok("check")


def placements(backend) -> list[tuple]:
    db = backend.open()
    try:
        return [tuple(str(v)[:10] if v is not None else None for v in r) for r in db.all(
            "SELECT urn, setting_type, entry, leaving, phase FROM placements ORDER BY id")]
    finally:
        db.close()


#: (the correcting edit's options, the placements after it, the edit's new placement). Before each: URN
#: 117001 from 2019-09-01 (primary), left 2024-09-01, then URN 100002 from 2024-09-02 (secondary).
FIRST = ("117001", None, "2019-09-01", "2024-09-01", "primary")
CORRECTIONS = [
    # the breaker's: a typo in the URN, same entry: corrected in place, nothing left
    ("--urn 100020 --placement-from 2024-09-02",  # the phase kept
     [FIRST, ("100020", None, "2024-09-02", None, "secondary")],
     {"urn": "100020", "rank": 1, "entry": "2024-09-02", "phase": "secondary"}),
    # the phase wrong, same entry
    ("--urn 100002 --placement-from 2024-09-02 --placement-phase primary",
     [FIRST, ("100002", None, "2024-09-02", None, "primary")],
     {"urn": "100002", "rank": 1, "entry": "2024-09-02", "phase": "primary"}),
    # the entry wrong, same school: moved, and the first placement now leaves the day before (2024-09-09)
    ("--urn 100002 --placement-from 2024-09-10 --placement-phase secondary",
     [("117001", None, "2019-09-01", "2024-09-09", "primary"), ("100002", None, "2024-09-10", None, "secondary")],
     {"urn": "100002", "rank": 1, "entry": "2024-09-10", "phase": "secondary"}),
    # an earlier entry at the same school, still after the first placement's entry: it leaves 2024-08-31
    ("--urn 100002 --placement-from 2024-09-01 --placement-phase secondary",
     [("117001", None, "2019-09-01", "2024-08-31", "primary"), ("100002", None, "2024-09-01", None, "secondary")],
     {"urn": "100002", "rank": 1, "entry": "2024-09-01", "phase": "secondary"}),
]


@pytest.mark.parametrize("options,after,new", CORRECTIONS, ids=["urn-typo", "phase", "entry-later", "entry-earlier"])
def test_an_edit_corrects_the_current_placement_in_place(one, backend, options, after, new):
    one.ok("edit R1 --urn 117001 --placement-from 2019-09-01 --placement-phase primary --reason 'from school'")
    one.ok("edit R1 --urn 100002 --placement-from 2024-09-02 --placement-phase secondary --reason moved")
    one.ok(f"edit R1 {options} --reason 'typo corrected'")
    assert placements(backend) == after
    assert last_edit(one)["details"]["changes"] == {"placement": [
        {"urn": "100002", "rank": 1, "entry": "2024-09-02", "phase": "secondary"}, new]}
    assert "no problems" in one.ok("check")  # no placement-dates problem: none leaves before it starts


def test_a_corrected_entry_on_or_before_the_previous_placements_entry_is_refused(one, backend):
    one.ok("edit R1 --urn 117001 --placement-from 2019-09-01 --placement-phase primary --reason 'from school'")
    one.ok("edit R1 --urn 100002 --placement-from 2024-09-02 --reason moved")
    before = backend.snapshot()
    refused = one.fails("edit R1 --urn 100002 --placement-from 2019-09-01 --reason 'typo corrected'")
    assert "placement-from must be after the previous placement's entry (2019-09-01)" in refused.stderr
    assert backend.snapshot() == before


def test_a_placement_at_another_setting_before_the_current_entry_is_still_refused(one, backend):
    one.ok("edit R1 --urn 117001 --placement-from 2019-09-02 --reason 'from school'")
    before = backend.snapshot()
    refused = one.fails("edit R1 --urn 117002 --placement-from 2019-09-01 --reason moved")
    assert "placement-from must be after the current placement's entry (2019-09-02)" in refused.stderr
    assert backend.snapshot() == before


def test_a_upn_clears_the_reason_it_was_unknown_and_the_reverse(one, backend):
    one.ok("edit R1 --upn-unknown UN1 --reason 'no UPN yet'")
    one.ok(f"edit R1 --upn {UPN} --reason 'UPN from the school'")
    assert last_edit(one)["details"]["changes"] == {"upn": [None, UPN], "upn_unknown": ["UN1", None]}
    one.ok("edit R1 --upn-unknown UN2 --reason 'the UPN was the sibling one'")
    assert last_edit(one)["details"]["changes"] == {"upn": [UPN, None], "upn_unknown": [None, "UN2"]}
    db = backend.open()
    try:
        assert db.one("SELECT upn, upn_unknown FROM cases") == (None, "UN2")
    finally:
        db.close()
    assert "no problems" in one.ok("check")


def test_edit_mixes_case_values_and_return_fields_in_one_event(one):
    one.ok("edit R1 --setting 'Oak Primary' --sex M --primary-need SEMH --reason 'annual review papers'")
    assert last_edit(one)["details"]["changes"] == {"setting": [None, "Oak Primary"], "sex": [None, "M"],
                                                    "primary_need": [None, "SEMH"]}
    assert len([e for e in one.json("history R1 --format json") if e["kind"] == "edit"]) == 1


# --- refusals ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args,message", [
    (["--upn", "A801200005001"], "upn has the wrong check letter (its first character)"),
    (["--upn", "B80120000500"], "upn must be 13 characters"),
    (["--uln", "12345"], "uln must be 10 digits"),
    (["--upn-unknown", "UN4"], "upn-unknown must be one of UN1"),
    (["--sex", "X"], "sex must be one of M, F"),
    (["--ethnicity", "ZZZZ"], "ethnicity must be one of"),
    (["--postcode", "NOTAPOSTCODE"], "postcode is not a UK postcode"),
    (["--primary-need", "AUT"], "primary-need must be one of"),
    (["--secondary-need", "AUT"], "secondary-need must be one of"),
    (["--urn", "1234567"], "urn must be 1 to 6 digits"),
    (["--ukprn", "123"], "ukprn must be 8 digits"),
    (["--setting-type", "HOME"], "setting-type must be one of"),
    (["--urn", "117001", "--placement-phase", "college"], "placement-phase must be one of"),
    (["--urn", "117001", "--placement-from", "2024-13-01"], "placement-from is not a real date"),
    (["--placement-from", "2024-09-01"], "placement-from needs the placement"),
    (["--urn", "117001", "--ukprn", "10000001"], "give one of --urn, --ukprn and --setting-type"),
    (["--upn", UPN, "--upn-unknown", "UN1"], "give a upn or a reason it is unknown"),
    # a valid value with a bad one: nothing of either is written
    (["--sex", "F", "--uln", "12"], "uln must be 10 digits"),
])
def test_a_bad_value_is_refused_in_one_line_writing_nothing(one, backend, args, message):
    before = backend.snapshot()
    result = one(["edit", "R1", *args, "--reason", "from the school"])
    assert result.exit_code != 0
    err = result.stderr.strip().splitlines()
    assert len(err) == 1, result.stderr
    assert err[0].startswith("sendtrack: ") and message in err[0], err
    bad = [a for a in args if not a.startswith("--")]
    assert not [v for v in bad if len(v) > 3 and v in result.stderr], result.stderr  # never the value
    assert NAME not in result.stdout + result.stderr
    assert backend.snapshot() == before


def test_nothing_to_correct_when_the_case_holds_the_values(one, backend):
    one.ok("edit R1 --sex F --reason 'from school'")
    before = backend.snapshot()
    result = one.fails("edit R1 --sex F --reason again")
    assert result.stderr == "sendtrack: R1: nothing to correct: the case already holds sex\n"
    assert backend.snapshot() == before


def test_a_reason_holding_the_upn_uln_or_postcode_is_refused(one, backend):
    one.ok(f"edit R1 --upn {UPN} --reason 'from the school'")
    before = backend.snapshot()
    for reason, option in [(f"was {UPN}", ["--sex", "F"]), (f"new {ULN}", ["--uln", ULN]),
                           ("moved to al13je", ["--postcode", POSTCODE])]:
        result = one.fails(["edit", "R1", *option, "--reason", reason])
        assert result.stderr == ("sendtrack: the reason holds the child's UPN, ULN or postcode: say why "
                                 "without personal data\n")
    assert backend.snapshot() == before


# --- shown only with --names ------------------------------------------------------------------------------

def test_upn_uln_and_postcode_show_in_no_output_without_names(cli, tmp_path):
    """Every reading command, each format, after the identifiers came in by add-request and by two
    edits: none of them prints a UPN, ULN or postcode (or the name) without --names. sen2 and annex-a
    are the statutory files that must hold the UPN (README "Privacy")."""
    cli.ok(f"{ADD} --upn {UPN} --uln {ULN} --postcode '{POSTCODE}' --sex F --urn 117001")
    cli.ok("record decision R1 --date 2025-02-10 --outcome assess")
    cli.ok(f"edit R1 --upn {UPN2} --uln {ULN2} --postcode '{POSTCODE2}' --reason 'school census'")
    cli.ok("edit R1 --name 'Quillonby Other' --dob 2015-04-15 --reason 'birth certificate'")
    day = "--as-of 2025-06-30"
    outputs = {}
    for line in [f"cases {day}", "timeline R1", "history R1", f"overdue {day}", f"at-risk {day}",
                 f"caseload {day}", f"kpi --year 2025 {day}", f"allocate {day}", f"retention {day}"]:
        for fmt in ("table", "csv", "json"):
            outputs[f"{line} {fmt}"] = cli.ok(f"{line} --format {fmt}")
    outputs["digest"] = cli.ok(f"digest {day}")
    outputs["check"] = cli.ok("check")
    outputs["sen2 --check"] = cli("sen2 --year 2026 --la 919 --check --format json").stdout
    outputs["calendar"] = cli.ok(f"calendar {day}")
    outputs["dashboard"] = cli.ok(f"dashboard --year 2025 {day}")
    for where, text in outputs.items():
        leaked = [v for v in [*IDENTIFIERS, NAME, "Quillonby", DOB, "2015-04-15"] if v in text]
        assert not leaked, f"{where} shows {leaked}"
    # with --names, history and timeline show them (the edit's old and new values)
    named = cli.ok("history R1 --format csv --names")
    assert f"upn: {UPN} -> {UPN2}" in named and f"postcode: {POSTCODE} -> {POSTCODE2}" in named
    assert f"name: {NAME} -> Quillonby Other" in named and "dob: 2015-03-15 -> 2015-04-15" in named
    plain = cli.ok("history R1 --format csv")
    assert "upn: (hidden) -> (hidden)" in plain and "uln: (hidden) -> (hidden)" in plain
    assert "name: Q.T. -> Q.O." in plain and "dob: (hidden) -> (hidden)" in plain
    # edits are dated the day they are made: the timeline of today shows them
    events = cli.json("timeline R1 --format json --names")["events"]
    assert events[-2]["details"]["changes"]["uln"] == [ULN, ULN2]
    assert cli.json("timeline R1 --format json")["events"][-2]["details"]["changes"]["uln"] == ["(hidden)"] * 2


# --- erasure -----------------------------------------------------------------------------------------------

@pytest.fixture
def erased(backend_cli):
    cli = backend_cli
    cli.ok(f"{ADD} --upn {UPN} --uln {ULN} --postcode '{POSTCODE}' --sex F --ethnicity WBRI "
           "--primary-need ASD --urn 117001")
    for n in range(1, 3):  # rows around R1's, so its old values are not simply overwritten in place
        cli.ok(["add-request", "--ref", f"O{n}", "--name", f"Other Child{n}", "--dob", f"2013-10-0{n}",
                "--received", "2025-01-06"])
    cli.ok(f"edit R1 --upn {UPN2} --postcode '{POSTCODE2}' --sex M --reason 'school census'")
    cli.ok(f"edit R1 --uln {ULN2} --reason 'college record'")
    cli.ok("record decision R1 --date 2025-02-03 --outcome refuse")  # closed
    cli.ok("erase R1 --reason 'retention period over'")
    return cli


def test_erase_clears_upn_uln_and_postcode_in_the_row_and_the_edits_and_check_passes(erased, backend,
                                                                                      tmp_path):
    result = erased("check")
    assert result.exit_code == 0 and "no problems" in result.stdout, result.stdout + result.stderr
    db = backend.open()
    try:
        # sex, ethnicity and need stay (special-category, not identifying alone: README)
        assert db.one("SELECT name, upn, uln, postcode, sex, ethnicity, primary_need FROM cases "
                      "WHERE ref = 'R1'") == ("(erased)", None, None, None, "M", "WBRI", "ASD")
    finally:
        db.close()
    edits = [e for e in erased.json("history R1 --format json --names") if e["kind"] == "edit"]
    assert [e["details"]["changes"] for e in edits] == [
        {"upn": [None, None], "postcode": [None, None], "sex": ["F", "M"]}, {"uln": [None, None]}]
    erase = erased.json("history R1 --format json")[-1]
    assert erase["kind"] == "erase" and sorted(erase["details"]["edits"]) == sorted(str(e["id"]) for e in edits)
    texts = {"history": erased.ok("history R1 --format json --names"),
             "timeline": erased.ok("timeline R1 --format json --names"),
             "cases": erased.ok("cases --names --format csv --as-of 2025-06-30")}
    exported = tmp_path / "all.json"
    erased.ok(["export", "--format", "json", "--out", str(exported)])
    texts["export"] = exported.read_text()
    if backend.is_sqlite:
        path = backend.location.path
        for suffix in ("", "-wal"):
            file = path.parent / (path.name + suffix)
            if file.exists():
                texts[file.name] = file.read_bytes().decode("latin-1")
    else:
        texts["tables"] = backend.snapshot()
    for where, text in texts.items():
        leaked = [v for v in IDENTIFIERS if v in text]
        assert not leaked, f"{where} still holds {leaked}"
    # the export re-imports and verifies
    copy = tmp_path / "copy.db"
    erased.ok(["--db", str(copy), "init"])
    erased.ok(["--db", str(copy), "import", str(exported)])
    assert "no problems" in erased.ok(["--db", str(copy), "check"])


def test_an_import_cannot_mark_erased_a_case_still_holding_an_identifier(erased, tmp_path):
    exported = tmp_path / "all.json"
    erased.ok(["export", "--format", "json", "--out", str(exported)])
    data = json.loads(exported.read_text())
    copy = tmp_path / "copy.db"
    erased.ok(["--db", str(copy), "init"])
    for mutate, problem in [
            (lambda case: case.update(upn=UPN), "an erase row needs the case's upn, uln and postcode empty"),
            (lambda case: next(e for e in case["events"] if e["kind"] == "edit")["details"]["changes"]
             .update(upn=[UPN, UPN2]), "an erase row needs every edit row's names, dates of birth, upn")]:
        changed = json.loads(json.dumps(data))
        mutate(next(c for c in changed["cases"] if c["ref"] == "R1"))
        source = tmp_path / "changed.json"
        source.write_text(json.dumps(changed))
        result = erased.fails(["--db", str(copy), "import", str(source)])
        assert problem in result.stderr, result.stderr
        assert not [v for v in IDENTIFIERS if v in result.stderr]


def test_an_imported_edit_with_a_bad_upn_in_its_changes_is_refused(cli, tmp_path):
    source = tmp_path / "in.json"
    source.write_text(json.dumps({"format": "sendtrack", "version": 1, "cases": [{
        "ref": "I1", "name": "Test Import", "dob": "2013-05-01",
        "events": [{"kind": "request", "date": "2025-01-06"},
                   {"kind": "edit", "date": "2025-02-01", "details": {
                       "reason": "school", "changes": {"upn": [None, "A801200005001"]}}}]}]}))
    result = cli.fails(["import", str(source)])
    assert "upn has the wrong check letter" in result.stderr and "A801200005001" not in result.stderr
    good = source.read_text().replace("A801200005001", UPN)
    source.write_text(good)
    cli.ok(["import", str(source)])
    assert "no problems" in cli.ok("check")


def test_an_erase_reason_holding_the_upn_is_refused(backend_cli, backend):
    backend_cli.ok(f"{ADD} --upn {UPN}")
    backend_cli.ok("record decision R1 --date 2025-02-03 --outcome refuse")
    before = backend.snapshot()
    result = backend_cli.fails(["erase", "R1", "--reason", f"asked, pupil {UPN.lower()}"])
    assert result.stderr == ("sendtrack: the reason holds the child's UPN, ULN or postcode: say why "
                             "without personal data\n")
    assert backend.snapshot() == before
