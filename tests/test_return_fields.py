"""The statutory returns' fields (issue 12 item 1): each validated by its format and code list, entered by
add-request and import, exported losslessly, kept by an upgrade, and refused in one line that never
repeats the value."""

from __future__ import annotations

import json
import sqlite3

import pytest

from sendtrack import codes
from sendtrack.errors import RefusedError

ADD = "add-request --ref R1 --name 'Test Child' --dob 2015-03-15 --received 2025-01-06"


# --- the UPN check letter, worked by hand ----------------------------------------------------------------

@pytest.mark.parametrize("upn", [
    # B801200005001: digits 8 0 1 2 0 0 0 0 5 0 0 1 at positions 2..13:
    # 2*8 + 4*1 + 5*2 + 10*5 + 13*1 = 16 + 4 + 10 + 50 + 13 = 93; 93 mod 23 = 1 -> B (the DfE/govtalk example)
    "B801200005001",
    # P207000016049: 2*2 + 4*7 + 9*1 + 10*6 + 12*4 + 13*9 = 4 + 28 + 9 + 60 + 48 + 117 = 266;
    # 266 - 11*23 = 13 -> the 14th letter without I and O: A..H (0-7), J K L M N (8-12), P (13)
    "P207000016049",
    # temporary UPN ending in a letter: Z801200005 00A -> last character A counts 0:
    # 2*8 + 4*1 + 5*2 + 10*5 + 13*0 = 80; 80 - 69 = 11 -> M
    "M80120000500A",
])
def test_upn_check_letter_by_hand(upn):
    assert codes.check_upn(upn) == upn
    assert codes.check_upn(upn.lower()) == upn


@pytest.mark.parametrize("bad,message", [
    ("A801200005001", "wrong check letter"),
    ("B80120000500", "13 characters"),
    ("B8012000050011", "13 characters"),
    ("880120000500A", "13 characters"),       # first character a digit
    ("B80120000A001", "13 characters"),       # a letter in the middle
])
def test_upn_refusals_name_the_field_not_the_value(bad, message):
    with pytest.raises(RefusedError) as caught:
        codes.check_upn(bad)
    assert message in str(caught.value) and bad not in str(caught.value)


@pytest.mark.parametrize("key,good,bad", [
    ("uln", "1234567890", "123456789"),
    ("urn", "117001", "1170011"),
    ("urn", "1", "A1"),
    ("ukprn", "10000001", "1000000"),
    ("sex", "F", "X"),
    ("ethnicity", "WBRI", "WXYZ"),
    ("primary_need", "ASD", "AUT"),
    ("secondary_need", "DS", "SEN"),
    ("upn_unknown", "UN10", "UN4"),
    ("setting_type", "NEET", "HOME"),
    ("postcode", "AL1 3JE", "AL1 3J"),
])
def test_each_field_takes_its_format_and_refuses_others(key, good, bad):
    check = codes.RETURN_FIELD[key].check
    assert check(good) == good
    with pytest.raises(RefusedError):
        check(bad)


def test_postcode_is_kept_in_its_spaced_form():
    assert codes.check_postcode("al13je") == "AL1 3JE"
    assert codes.check_postcode("SW1A 1AA") == "SW1A 1AA"


def test_one_placement_identifier_and_no_upn_with_a_reason():
    with pytest.raises(RefusedError, match="one of --urn"):
        codes.check_return_values({"urn": "1", "ukprn": "10000001"})
    with pytest.raises(RefusedError, match="not both"):
        codes.check_return_values({"upn": "B801200005001", "upn_unknown": "UN1"})
    with pytest.raises(RefusedError, match="needs the placement"):
        codes.check_return_values({"placement_from": "2024-09-01"})


def test_census_dates():
    # 1 Jan 2025 is a Wednesday: Thursdays 2, 9, 16 -> 16 Jan; 1 Jan 2026 is a Thursday: 1, 8, 15
    assert str(codes.census_date(2025)) == "2025-01-16"
    assert str(codes.census_date(2026)) == "2026-01-15"


# --- add-request ------------------------------------------------------------------------------------------

def rows(db, sql):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_add_request_stores_the_fields_and_the_current_placement(cli, private_db):
    cli.ok(f"{ADD} --upn b801200005001 --uln 1234567890 --sex F --ethnicity WBRI --postcode 'al1 3je' "
           "--primary-need ASD --secondary-need SLCN --urn 117001 --placement-from 2024-09-01 "
           "--placement-phase primary")
    assert rows(private_db, "SELECT upn, uln, upn_unknown, sex, ethnicity, postcode, primary_need, "
                            "secondary_need FROM cases") == [
        ("B801200005001", "1234567890", None, "F", "WBRI", "AL1 3JE", "ASD", "SLCN")]
    assert rows(private_db, "SELECT urn, ukprn, setting_type, rank, entry, leaving, phase FROM placements") == [
        ("117001", None, None, 1, "2024-09-01", None, "primary")]


@pytest.mark.parametrize("option,value", [("--upn", "A801200005001"), ("--uln", "12345"), ("--sex", "X"),
                                          ("--ethnicity", "ZZZZ"), ("--postcode", "NOTAPOSTCODE"),
                                          ("--primary-need", "AUT"), ("--urn", "1234567"),
                                          ("--setting-type", "HOME")])
def test_add_request_refuses_a_bad_field_in_one_line_writing_nothing(cli, private_db, option, value):
    result = cli.fails(f"{ADD} {option} {value}")
    assert len(result.stderr.strip().splitlines()) == 1
    assert value not in result.stderr and "Test Child" not in result.stderr
    assert rows(private_db, "SELECT COUNT(*) FROM cases") == [(0,)]


# --- import and export --------------------------------------------------------------------------------------

def test_import_reads_the_fields_and_placements_and_export_gives_them_back(cli, private_db, tmp_path):
    placements = [{"urn": "117001", "rank": 1, "entry": "2019-09-01", "leaving": "2024-08-31",
                   "phase": "primary"},
                  {"setting_type": "EHE", "rank": 1, "entry": "2024-09-01"}]
    source = tmp_path / "in.json"
    source.write_text(json.dumps({"format": "sendtrack", "version": 1, "cases": [{
        "ref": "I1", "name": "Test Import", "dob": "2013-05-01", "upn": "B801200005001", "sex": "M",
        "ethnicity": "APKN", "primary_need": "SEMH", "placements": placements,
        "events": [{"kind": "request", "date": "2025-01-06"}]}]}))
    cli.ok(["import", str(source)])
    out = tmp_path / "out.json"
    cli.ok(["export", "--format", "json", "--out", str(out)])
    case = json.loads(out.read_text())["cases"][0]
    assert (case["upn"], case["sex"], case["ethnicity"], case["primary_need"]) == ("B801200005001", "M",
                                                                                    "APKN", "SEMH")
    assert case["placements"] == placements


def test_import_takes_the_current_placement_columns_of_a_tracker(cli, private_db, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("ref,name,dob,kind,date,urn,placement_from,sex\n"
                      "C1,Test Csv,2014-02-02,request,2025-01-06,117001,2023-09-01,F\n")
    cli.ok(["import", str(source)])
    assert rows(private_db, "SELECT urn, rank, entry FROM placements") == [("117001", 1, "2023-09-01")]
    assert rows(private_db, "SELECT sex FROM cases") == [("F",)]


@pytest.mark.parametrize("columns,values,problem", [
    ("upn", "A801200005001", "upn has the wrong check letter"),
    ("ethnicity", "XXXX", "ethnicity must be one of"),
    ("placements", '"[{""urn"": ""1"", ""ukprn"": ""10000001""}]"', "placement 1 needs exactly one of urn"),
    ("placements", '"[{""urn"": ""1"", ""entry"": ""2024-09-01"", ""leaving"": ""2024-08-01""}]"',
     "placement 1 leaving is before its entry"),
    ("placements", "not json", "placements is not a JSON list"),
])
def test_import_refuses_a_bad_field_by_its_line(cli, private_db, tmp_path, columns, values, problem):
    source = tmp_path / "bad.csv"
    source.write_text(f"ref,name,dob,kind,date,{columns}\nB1,Test Bad,2014-02-02,request,2025-01-06,{values}\n")
    result = cli.fails(["import", str(source), "--dry-run"])
    assert f"line 2: B1: {problem}" in result.stderr, result.stderr
    assert "A801200005001" not in result.stdout + result.stderr
    assert rows(private_db, "SELECT COUNT(*) FROM cases") == [(0,)]


def test_an_upgraded_database_holds_no_return_values_until_given(tmp_path):
    """Upgrading from the revision before with rows (tests/test_migrations.py upgrades every revision with rows and
    compares them): the new columns start empty and the placements table exists."""
    from sendtrack.storage import migrate
    from sendtrack.storage.db import Location

    path = tmp_path / "old.db"
    migrate.upgrade(Location(path=path), "0004")
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO cases (id, ref, name, dob, received, source, team, looked_after, "
                     "alternative_provision, created_at) VALUES (1, 'U1', 'Old Case', '2015-01-01', "
                     "'2024-01-08', 'parent', 'front-door', 0, 0, '2024-01-08 09:00:00')")
    migrate.upgrade(Location(path=path))
    assert rows(path, "SELECT ref, upn, sex, primary_need FROM cases") == [("U1", None, None, None)]
    assert rows(path, "SELECT COUNT(*) FROM placements") == [(0,)]


# --- the sample generator ---------------------------------------------------------------------------------

def test_sample_fills_every_return_field_validly(cli, private_db):
    """A sample's return values pass the same validators as add-request (UPN check letters included),
    and its return has nothing for `sen2 --check` to list."""
    cli.ok("sample --cases 300 --seed 3 --as-of 2026-01-20")
    for row in rows(private_db, "SELECT upn, uln, upn_unknown, sex, ethnicity, postcode, primary_need, "
                                "secondary_need FROM cases"):
        values = dict(zip(codes.CASE_RETURN_KEYS, row, strict=True))
        assert codes.check_return_values(values) == {k: v for k, v in values.items() if v is not None}
        assert values["sex"] and values["ethnicity"] and values["primary_need"]
        assert bool(values["upn"]) != bool(values["upn_unknown"])
    sexes = dict(rows(private_db, "SELECT sex, COUNT(*) FROM cases GROUP BY sex"))
    assert sexes["M"] > sexes["F"] > 30  # about 72% boys, as England's plans
    assert len(rows(private_db, "SELECT DISTINCT ethnicity FROM cases")) >= 8
    assert rows(private_db, "SELECT COUNT(*) FROM cases c WHERE NOT EXISTS "
                            "(SELECT 1 FROM placements p WHERE p.case_id = c.id)") == [(0,)]
    assert cli.ok("sen2 --year 2026 --la 919 --check --format json") == "[]\n"


def test_change_return_values_for_edit(cli, private_db):
    """What `edit` will call: changed fields only, as [old, new]; a new placement closes the old one the
    day before it starts."""
    from sendtrack.app.record import change_return_values
    from sendtrack.storage.db import Location, open_database

    cli.ok(f"{ADD} --sex F --urn 117001 --placement-from 2019-09-01")
    db = open_database(Location(path=private_db))
    try:
        with db.write():
            changes = change_return_values(db, 1, {"sex": "F", "ethnicity": "WBRI", "urn": "117002",
                                                   "placement_from": "2024-09-02"})
    finally:
        db.close()
    assert changes == {"ethnicity": [None, "WBRI"],
                       "placement": [{"urn": "117001", "rank": 1, "entry": "2019-09-01"},
                                     {"urn": "117002", "rank": 1, "entry": "2024-09-02"}]}
    assert rows(private_db, "SELECT urn, entry, leaving FROM placements ORDER BY id") == [
        ("117001", "2019-09-01", "2024-09-01"), ("117002", "2024-09-02", None)]


# --- a council's own tracker (import --map) -----------------------------------------------------------------

TRACKER_MAP = """
date_format = "%d/%m/%Y"
[columns]
ref = "Case"
name = "Child"
dob = "DOB"
received = "Received"
upn = "UPN"
sex = "Sex"
primary_need = "Need"
urn = "School URN"
placement_from = "Started"
"""


def test_import_map_reads_the_return_fields_by_their_column(cli, private_db, tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text(TRACKER_MAP, encoding="utf-8")
    tracker = tmp_path / "tracker.csv"
    tracker.write_text("Case,Child,DOB,Received,UPN,Sex,Need,School URN,Started\n"
                       "M1,Testchild Mapped,15/03/2015,06/01/2025,B801200005001,F,ASD,117001,01/09/2019\n",
                       encoding="utf-8")
    cli.ok(["import", "--map", str(mapping), str(tracker)])
    assert rows(private_db, "SELECT upn, sex, primary_need FROM cases") == [("B801200005001", "F", "ASD")]
    assert rows(private_db, "SELECT urn, rank, entry FROM placements") == [("117001", 1, "2019-09-01")]


def test_import_map_names_the_column_of_a_bad_field_never_its_value(cli, private_db, tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text(TRACKER_MAP, encoding="utf-8")
    tracker = tmp_path / "tracker.csv"
    tracker.write_text("Case,Child,DOB,Received,UPN,Sex,Need,School URN,Started\n"
                       "M1,Testchild Mapped,15/03/2015,06/01/2025,A801200005001,X,ASD,117001,01/09/2019\n",
                       encoding="utf-8")
    result = cli.fails(["import", "--map", str(mapping), str(tracker)])
    out = result.stdout + result.stderr
    assert "UPN" in out and "A801200005001" not in out and "Testchild" not in out
    assert rows(private_db, "SELECT COUNT(*) FROM cases") == [(0,)]


def test_a_second_open_case_with_the_same_upn_is_refused_unless_allowed(cli):
    # a UPN is one child's for life: a breaker added another child's UPN silently (only sen2 --check's
    # upn-shared saw it). L919200025001: the check letter worked by hand in test_sen2.py.
    cli.ok("add-request --ref U1 --name 'Testchild One' --dob 2015-03-15 --received 2025-01-06 "
           "--upn L919200025001")
    result = cli.fails("add-request --ref U2 --name 'Testchild Two' --dob 2016-04-04 --received 2025-01-06 "
                       "--upn L919200025001")
    assert "case U1 is open with the same UPN" in result.stderr and "L919200025001" not in result.stderr
    assert "Testchild" not in result.stderr
    cli.ok("add-request --ref U2 --name 'Testchild Two' --dob 2016-04-04 --received 2025-01-06 "
           "--upn L919200025001 --allow-duplicate")
    # once U1 is closed (refused), the UPN may start a new case
    cli.ok("record decision U1 --date 2025-02-03 --outcome refuse")
    cli.ok("record decision U2 --date 2025-02-03 --outcome refuse")
    cli.ok("add-request --ref U3 --name 'Testchild One' --dob 2015-03-15 --received 2025-06-02 "
           "--upn L919200025001")
