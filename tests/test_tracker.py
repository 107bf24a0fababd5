"""A council's own tracker in (issue 10 items 1-3): `import-map` guesses a map from a tracker's
headings, `import --map` turns each row into the events `record` would have written, checked by the same
refusals, all or nothing, with `--report`; and Excel back out (`--format xlsx --out`, `--excel`).

Every tracker here is made in the test, with obviously synthetic names. Deadlines are checked by hand
(the arithmetic is in the comments): 6 weeks to decide (reg 5(1)), 20 weeks to the final plan (reg 13(2)).
"""

from __future__ import annotations

import csv
import io
import os
import stat
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import dump

HEADINGS = ["Case Ref", "Child Name", "DOB", "Date Request Received", "Team", "EHCC", "Decision Date",
            "Decision", "Draft Issued", "Final EHCP Issued", "Last Annual Review"]


def deadlines(cli, ref: str, as_of: str) -> dict[str, tuple[str, str, str | None]]:
    view = cli.json(f"timeline {ref} --as-of {as_of} --format json")
    return {d["rule"]: (d["due"], d["status"], d["completed_on"]) for d in view["deadlines"] if not d["subject"]}


def through_a_guessed_map(cli, tmp_path, tracker) -> str:
    """import-map FILE > map.toml, then import --map map.toml FILE; returns the map."""
    guessed = cli.ok(["import-map", str(tracker)])
    (tmp_path / "map.toml").write_text(guessed, encoding="utf-8")
    out = cli.ok(["import", "--map", str(tmp_path / "map.toml"), str(tracker)])
    assert out.startswith("imported 3 cases"), out
    assert "no problems" in cli.ok("check")
    return guessed


# --- three trackers as councils keep them -----------------------------------------------------------

def test_an_xlsx_with_a_merged_title_and_real_date_cells(cli, tmp_path):
    import xlsxwriter

    path = tmp_path / "tracker.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Live cases")
    title, day = book.add_format({"bold": True}), book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.merge_range(0, 0, 0, len(HEADINGS) - 1, "Synthetic Council - EHC needs assessments (live)", title)
    for col, heading in enumerate(HEADINGS):
        sheet.write_string(2, col, heading)
    rows = [
        ["XL-1", "Testchild Xlsxone", date(2015, 3, 15), date(2025, 1, 6), "Front Door", "Sam Patel",
         date(2025, 2, 10), "Agreed", date(2025, 4, 14), date(2025, 5, 20), None],
        ["XL-2", "Testchild Xlsxtwo", date(2016, 9, 1), date(2024, 9, 2), "School Age", "Kit Cole",
         date(2024, 10, 21), "Agreed", None, None, None],
        # a date held as Excel's serial number (a cell formatted as General after a paste)
        ["XL-3", "Testchild Xlsxthree", date(2012, 11, 20), (date(2025, 3, 3) - date(1899, 12, 30)).days,
         None, None, None, None, None, None, None],
    ]
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row):
            if isinstance(value, date):
                sheet.write_datetime(r, c, value, day)
            elif isinstance(value, int):
                sheet.write_number(r, c, value)
            elif value is not None:
                sheet.write_string(r, c, value)
    book.close()
    guessed = through_a_guessed_map(cli, tmp_path, path)
    assert "header_row = 3" in guessed and "date_format" not in guessed.split("[columns]")[0].replace(
        "# the dates are real date cells: no date_format needed", "")
    # XL-1: received Mon 6 Jan 2025: decision due +6w Mon 17 Feb (made 10 Feb: met); final due +20w
    # Mon 26 May (issued 20 May: met)
    one = deadlines(cli, "XL-1", "2025-06-30")
    assert one["assessment-decision"] == ("2025-02-17", "met", "2025-02-10")
    assert one["final-plan"] == ("2025-05-26", "met", "2025-05-20")
    # XL-2: received Mon 2 Sep 2024: decision due Mon 14 Oct, made 21 Oct: late; final due +20w Mon
    # 20 Jan 2025, none issued by 30 June: overdue
    two = deadlines(cli, "XL-2", "2025-06-30")
    assert two["assessment-decision"] == ("2024-10-14", "late", "2024-10-21")
    assert two["final-plan"][:2] == ("2025-01-20", "overdue")
    # XL-3: received (serial number) Mon 3 Mar 2025: decision due +6w Mon 14 Apr, open on 1 April
    assert deadlines(cli, "XL-3", "2025-04-01")["assessment-decision"] == ("2025-04-14", "open", None)
    view = cli.json("timeline XL-2 --as-of 2025-06-30 --format json")
    assert (view["team"], view["coordinator"]) == ("school-age", "Kit Cole")


def test_a_cp1252_csv_with_uk_text_dates_and_blank_cells(backend_cli, tmp_path):
    cli = backend_cli
    path = tmp_path / "tracker.csv"
    lines = [",".join(HEADINGS),
             "CP-1,Zoë Testcase,15/03/2015,06/01/2025,Front Door,Sam Patel,10/02/2025,Agreed,,,",
             "CP-2,Amélie Sample,01/09/2016,02/09/2024,,,,,,,",
             "CP-3,Noël Example,20/11/2012,13/01/2025,front-door,,20/02/2025,Not agreed,,,"]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    guessed = through_a_guessed_map(cli, tmp_path, path)
    assert 'encoding = "cp1252"' in guessed and 'date_format = "%d/%m/%Y"' in guessed
    assert '"Not agreed" = "refuse"' in guessed
    # CP-1: 06/01/2025 is 6 January (never 1 June): final due Mon 26 May, still open on 1 March
    one = deadlines(cli, "CP-1", "2025-03-01")
    assert one["assessment-decision"] == ("2025-02-17", "met", "2025-02-10")
    assert one["final-plan"] == ("2025-05-26", "open", None)
    # CP-2: no decision (blank cells make no events): due Mon 14 Oct 2024, overdue by 30 June 2025
    assert deadlines(cli, "CP-2", "2025-06-30")["assessment-decision"][:2] == ("2024-10-14", "overdue")
    # CP-3: received Mon 13 Jan, refused Thu 20 Feb: decision due Mon 24 Feb, met; no plan follows
    three = deadlines(cli, "CP-3", "2025-06-30")
    assert three["assessment-decision"] == ("2025-02-24", "met", "2025-02-20")
    assert three["final-plan"][1] == "not-applicable"
    names = {r["ref"]: r["name"] for r in cli.json("cases --names --as-of 2025-06-30 --format json")}
    assert names["CP-1"] == "Zoë Testcase"  # read as cp1252, not mangled


def test_a_utf8_bom_csv_with_crlf_and_trailing_spaces(cli, tmp_path):
    path = tmp_path / "tracker.csv"
    lines = [",".join(h + " " for h in HEADINGS),
             "BOM-1 ,Testchild Bomone , 15/03/2015,06/01/2025 ,School Age ,Kit Cole ,10/02/2025 ,Agreed ,"
             "14/04/2025 ,20/05/2025 ,",
             "BOM-2,Testchild Bomtwo,01/09/2016,03/03/2025,,,,,,,",
             "BOM-3,Léa Bomthree,20/11/2012,13/01/2025,,,,,,,"]
    path.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode("utf-8"))
    guessed = through_a_guessed_map(cli, tmp_path, path)
    assert "encoding" not in guessed
    one = deadlines(cli, "BOM-1", "2025-06-30")
    assert one["final-plan"] == ("2025-05-26", "met", "2025-05-20")
    # BOM-2: received Mon 3 Mar 2025: decision due Mon 14 Apr
    assert deadlines(cli, "BOM-2", "2025-04-01")["assessment-decision"] == ("2025-04-14", "open", None)
    view = cli.json("timeline BOM-1 --as-of 2025-06-30 --format json --names")
    assert (view["name"], view["team"], view["coordinator"]) == ("Testchild Bomone", "school-age", "Kit Cole")


# --- ten problems -----------------------------------------------------------------------------------

NAMES = ["Testchild Good", "Testchild Future", "Testchild Backwards", "Testchild Narnia", "Testchild Baddate",
         "TESTCHILD GOOD", "Testchild Unborn", "Testchild Maybe", "Testchild Nodecision",
         "Testchild Already", "Testchild Fine"]
MAP = """
date_format = "%d/%m/%Y"
[columns]
name = "Child Name"
dob = "DOB"
received = "Date Request Received"
team = "Team"
decision = "Decision Date"
decision_outcome = "Decision"
draft = "Draft Issued"
final = "Final EHCP Issued"
[values.decision_outcome]
"Agreed" = "assess"
"""


@pytest.fixture
def ten_problems(backend_cli, tmp_path):
    cli = backend_cli
    soon = (date.today() + timedelta(days=10)).strftime("%d/%m/%Y")
    unborn = (date.today() + timedelta(days=40)).strftime("%d/%m/%Y")
    rows = [
        ["Child Name", "DOB", "Date Request Received", "Team", "Decision Date", "Decision", "Draft Issued",
         "Final EHCP Issued"],
        ["Testchild Good", "01/01/2015", "06/01/2025", "", "10/02/2025", "Agreed", "", ""],  # row 2: fine
        ["Testchild Future", "02/01/2015", soon, "", "", "", "", ""],  # 3: received in the future
        ["Testchild Backwards", "03/01/2015", "06/01/2025", "", "10/02/2025", "Agreed", "", "01/02/2025"],
        ["Testchild Narnia", "04/01/2015", "06/01/2025", "Narnia", "", "", "", ""],  # 5: unknown team
        ["Testchild Baddate", "05/01/2015", "06/01/2025", "", "31/02/2025", "Agreed", "", ""],  # 6
        ["TESTCHILD GOOD", "01/01/2015", "07/01/2025", "", "", "", "", ""],  # 7: row 2's child again
        ["Testchild Unborn", unborn, "06/01/2025", "", "", "", "", ""],  # 8: born in the future
        ["Testchild Maybe", "08/01/2015", "06/01/2025", "", "10/02/2025", "Maybe", "", ""],  # 9
        ["", "09/01/2015", "06/01/2025", "", "", "", "", ""],  # 10: no name
        ["Testchild Nodecision", "10/01/2015", "06/01/2025", "", "", "", "14/04/2025", ""],  # 11
        ["Testchild Already", "11/01/2015", "06/01/2025", "", "", "", "", ""],  # 12: open in the database
        ["Testchild Fine", "12/01/2015", "06/01/2025", "", "", "", "", ""],  # 13: fine
    ]
    path = tmp_path / "problems.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    (tmp_path / "map.toml").write_text(MAP, encoding="utf-8")
    cli.ok("add-request --ref OPEN-1 --name 'testchild already' --dob 2015-01-11 --received 2025-01-02")
    return path, soon, unborn


EXPECTED = [("3", "Date Request Received"), ("4", "Final EHCP Issued"), ("5", "Team"), ("6", "Decision Date"),
            ("7", "Child Name"), ("8", "DOB"), ("9", "Decision"), ("10", "Child Name"), ("11", "Draft Issued"),
            ("12", "Child Name")]


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry-run"])
def test_ten_problems_are_ten_report_rows_and_nothing_is_written(backend_cli, backend, tmp_path, ten_problems,
                                                                  dry_run):
    cli = backend_cli
    path, soon, unborn = ten_problems
    before = backend.snapshot()
    report = tmp_path / "report.csv"
    result = cli.fails(["import", "--map", str(tmp_path / "map.toml"), str(path), "--report", str(report),
                        *(["--dry-run"] if dry_run else [])])
    assert backend.snapshot() == before
    assert stat.S_IMODE(os.stat(report).st_mode) == 0o600
    found = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8"))))
    assert found[0] == ["row", "column", "problem"]
    assert [tuple(r[:2]) for r in found[1:]] == EXPECTED, "\n".join(map(str, found))
    problems = {r[0]: r[2] for r in found[1:]}
    assert "in the future" in problems["3"]
    # a team or choice cell is quoted only when clearly a code (errors.code_shown): a mis-mapped column
    # would print every child's name
    assert "the team is not one of the teams (front-door" in problems["5"] and "Narnia" not in problems["5"]
    assert "is not a real date in the form %d/%m/%Y" in problems["6"]
    assert "same child" in problems["7"] and "row 2" in problems["7"]
    assert "date of birth is in the future" in problems["8"]
    assert "the value is not one of assess, refuse" in problems["9"] and "Maybe" not in problems["9"]
    assert "name is empty" in problems["10"]
    assert "case OPEN-1 is open" in problems["12"]
    everything = result.stdout + result.stderr + report.read_text(encoding="utf-8")
    assert "10 bad rows" in result.stderr
    assert result.stdout == ""
    for personal in [*(n for n in NAMES if n), "testchild", "Testchild", soon, unborn,
                     *(f"{d:02d}/01/2015" for d in range(1, 13)),
                     *(f"2015-01-{d:02d}" for d in range(1, 13))]:
        assert personal not in everything, personal


def test_the_same_tracker_fixed_imports_every_row(backend_cli, tmp_path, ten_problems):
    cli = backend_cli
    path, _, _ = ten_problems
    rows = list(csv.reader(path.open(encoding="utf-8")))
    good = [rows[0], rows[1], rows[12]]
    fixed = tmp_path / "fixed.csv"
    with fixed.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(good)
    report = tmp_path / "report.csv"
    out = cli.ok(["import", "--map", str(tmp_path / "map.toml"), str(fixed), "--report", str(report)])
    assert out.startswith("imported 2 cases, 3 events")
    assert report.read_text(encoding="utf-8") == "row,column,problem\n"
    # no reference column: numbered from the map's ref_prefix and the row
    assert {r["ref"] for r in cli.json("cases --as-of 2025-06-30 --format json")} == {"OPEN-1", "TRK-000002",
                                                                                        "TRK-000003"}


@pytest.mark.parametrize("text,words", [
    ("[columns]\nname = 'Child Name'\n", "needs dob, received"),
    ("[columns]\nname = 'N'\ndob = 'D'\nreceived = 'R'\nshoe_size = 'S'\n", "unknown field(s) shoe_size"),
    ("colour = 'red'\n[columns]\nname = 'N'\ndob = 'D'\nreceived = 'R'\n", "unknown key(s) colour"),
    ("date_format = '%d'\n[columns]\nname = 'N'\ndob = 'D'\nreceived = 'R'\n", "date_format"),
    ("[columns]\nname = 'N'\ndob = 'D'\nreceived = 'R'\n[values.decision_outcome]\nYes = 'maybe'\n",
     "must map to one of assess, refuse"),
    ("[columns\n", "not a readable TOML map"),
], ids=["required", "field", "key", "format", "value", "toml"])
def test_a_bad_map_is_one_line_and_writes_nothing(cli, tmp_path, private_db, text, words):
    (tmp_path / "t.csv").write_text("N,D,R\nA,01/01/2015,06/01/2025\n", encoding="utf-8")
    (tmp_path / "m.toml").write_text(text, encoding="utf-8")
    before = dump(private_db)
    result = cli.fails(["import", "--map", str(tmp_path / "m.toml"), str(tmp_path / "t.csv")])
    assert words in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert dump(private_db) == before


def test_import_map_quotes_headings_and_value_words_never_a_child(cli, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("Child Name,DOB,Date Request Received,Decision,Decision Date,Favourite Colour\n"
                    "Testchild Secret,01/02/2015,06/01/2025,Yes,10/02/2025,Teal\n", encoding="utf-8")
    out = cli.ok(["import-map", str(path)])
    assert "Testchild" not in out and "01/02/2015" not in out and "Teal" not in out
    assert '#   "Favourite Colour"' in out and '"Yes" = "assess"' in out
    headless = tmp_path / "h.csv"
    headless.write_text("Testchild Secret,01/02/2015,06/01/2025\n", encoding="utf-8")
    result = cli.fails(["import-map", str(headless)])
    assert "no heading row recognised" in result.stderr and "Testchild" not in result.stderr + result.stdout


def test_import_map_places_the_return_fields_by_their_own_names(cli, tmp_path):
    # a tracker whose headings are the return fields' own names (found by a trial user: UPN, Sex,
    # Ethnicity, Primary Need and Request Source were listed as "not placed"), then imported with that
    # map as printed: the values reach the case
    path = tmp_path / "t.csv"
    path.write_text("Child Name,DOB,Date Request Received,Request Source,UPN,Sex,Ethnicity,Primary Need,"
                    "Secondary Need,Postcode,URN,Placement Start Date\n"
                    "Testchild Secret,01/02/2015,06/01/2025,Parent,L919200025001,F,WBRI,ASD,SLCN,AL10 9AB,"
                    "117001,01/09/2019\n", encoding="utf-8")
    out = cli.ok(["import-map", str(path)])
    for line in ('source = "Request Source"', 'upn = "UPN"', 'sex = "Sex"', 'ethnicity = "Ethnicity"',
                 'primary_need = "Primary Need"', 'secondary_need = "Secondary Need"',
                 'postcode = "Postcode"', 'urn = "URN"', 'placement_from = "Placement Start Date"'):
        assert line in out, (line, out)
    assert "Headings not placed" not in out
    mapping = tmp_path / "m.toml"
    mapping.write_text(out, encoding="utf-8")
    cli.ok(["import", "--map", str(mapping), str(path)])
    exported = tmp_path / "x.csv"
    cli.ok(["export", "--out", str(exported)])
    row = next(csv.DictReader(exported.open(encoding="utf-8")))
    assert (row["upn"], row["sex"], row["ethnicity"], row["primary_need"], row["postcode"]) == (
        "L919200025001", "F", "WBRI", "ASD", "AL10 9AB")
    assert '"urn": "117001"' in row["placements"] and '"entry": "2019-09-01"' in row["placements"]


def test_headings_not_found_are_named(cli, tmp_path):
    (tmp_path / "t.csv").write_text("Name,Birth,When\nA,01/01/2015,06/01/2025\n", encoding="utf-8")
    (tmp_path / "m.toml").write_text("[columns]\nname = 'Name'\ndob = 'DOB'\nreceived = 'Received'\n")
    result = cli.fails(["import", "--map", str(tmp_path / "m.toml"), str(tmp_path / "t.csv")])
    assert "not found: 'DOB', 'Received'" in result.stderr


# --- Excel back out ---------------------------------------------------------------------------------

def read_xlsx(path):
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


@pytest.fixture
def with_cases(cli):
    cli.ok("add-request --ref XO-1 --name 'Léa Testcase' --dob 2015-03-15 --received 2025-01-06 "
           "--coordinator '=HYPERLINK(\"http://x\")'")
    cli.ok("add-request --ref XO-2 --name 'Testchild Two' --dob 2015-03-15 --received 2025-01-06 "
           "--coordinator 'Sam Patel'")
    return cli


def test_a_report_as_xlsx_has_date_cells_a_frozen_header_and_no_formula(with_cases, tmp_path):
    import zipfile

    out = tmp_path / "overdue.xlsx"
    assert with_cases.ok(f"overdue --as-of 2025-06-30 --format xlsx --out {out}") == ""
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    rows = read_xlsx(out)
    assert rows[0][:5] == ["ref", "initials", "team", "coordinator", "rule"]
    due = rows[0].index("due")
    assert all(isinstance(r[due], date) for r in rows[1:]) and len(rows) > 2
    coordinator = {r[0]: r[3] for r in rows[1:]}
    assert coordinator["XO-1"] == "'=HYPERLINK(\"http://x\")"  # text, neutralised as in the CSV
    xml = zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml").decode()
    assert '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' in xml
    assert "<f>" not in xml and "<cols>" in xml
    # the same rows as the CSV
    csv_rows = list(csv.reader(io.StringIO(with_cases.ok("overdue --as-of 2025-06-30 --format csv"))))
    assert len(csv_rows) == len(rows)


@pytest.mark.parametrize("line", [
    "cases --as-of 2025-06-30", "at-risk --as-of 2025-01-20", "caseload --as-of 2025-06-30",
    "allocate --as-of 2025-06-30", "kpi --year 2025 --as-of 2025-12-31", "history XO-1",
    "timeline XO-1 --as-of 2025-06-30"])
def test_every_report_writes_xlsx(with_cases, tmp_path, line):
    out = tmp_path / "r.xlsx"
    with_cases.ok(f"{line} --format xlsx --out {out}")
    assert read_xlsx(out)[0]


def test_xlsx_needs_out_and_never_writes_over_the_database(with_cases, private_db):
    assert "--format xlsx needs --out" in with_cases.fails("overdue --format xlsx", code=2).stderr
    before = private_db.read_bytes()
    result = with_cases.fails(f"overdue --format xlsx --out {private_db} --force")
    assert "database" in result.stderr
    assert private_db.read_bytes() == before


def test_csv_for_excel_starts_with_a_bom(with_cases, tmp_path):
    out = with_cases.ok("cases --as-of 2025-06-30 --format csv --excel --names")
    assert out.startswith("\ufeffref,")
    path = tmp_path / "all.csv"
    with_cases.ok(f"export --excel --out {path}")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "Léa".encode() in raw


def test_the_xlsx_export_imports_back_losslessly(with_cases, tmp_path, monkeypatch):
    with_cases.ok("record decision XO-1 --date 2025-02-10 --outcome assess")
    with_cases.ok("edit XO-2 --name 'Testchild Deux' --reason typo")
    sheet = tmp_path / "all.xlsx"
    with_cases.ok(f"export --format xlsx --out {sheet}")
    first = with_cases.ok("export")
    monkeypatch.setenv("SENDTRACK_DB", str(tmp_path / "second.db"))
    with_cases.ok("init")
    with_cases.ok(["import", str(sheet)])
    assert without_import_columns(with_cases.ok("export")) == without_import_columns(first)
    assert "no problems" in with_cases.ok("check")


def without_import_columns(export: str) -> list[list[str]]:
    """An export's rows without imported_by/imported_at, which name each import (its own, by design)."""
    rows = list(csv.reader(io.StringIO(export)))
    keep = [i for i, name in enumerate(rows[0]) if name not in ("imported_by", "imported_at")]
    return [[row[i] for i in keep] for row in rows]


def test_csv_and_json_reports_go_to_a_file_with_out(with_cases, tmp_path):
    path = tmp_path / "overdue.csv"
    assert with_cases.ok(f"overdue --as-of 2025-06-30 --format csv --excel --out {path}") == ""
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert text.startswith("\ufeffref,") and text[1:] == with_cases.ok("overdue --as-of 2025-06-30 --format csv")
    kpi = tmp_path / "kpi.json"
    with_cases.ok(f"kpi --year 2025 --as-of 2025-12-31 --format json --out {kpi}")
    assert kpi.read_text(encoding="utf-8") == with_cases.ok("kpi --year 2025 --as-of 2025-12-31 --format json")
    assert "exists" in with_cases.fails(f"kpi --year 2025 --format json --out {kpi}").stderr
    assert "--out writes csv, json or xlsx" in with_cases.fails(f"cases --out {tmp_path / 'x'}", code=2).stderr


# --- each refusal of a tracker row says what is wrong ---------------------------------------------------

_TODAY = date.today()
#: (id, date of birth, request received, the column named, the words of the refusal). A trial user's
#: finding: a request date in the future (a mistyped year) was refused as "26 or older", on the DOB.
REFUSALS = [
    ("dob-in-the-future", _TODAY + timedelta(days=40), date(2025, 1, 6), "DOB",
     "the date of birth is in the future"),
    ("request-before-dob", date(2020, 5, 1), date(2020, 1, 6), "Date Request Received",
     "request date 2020-01-06 is before the date of birth"),
    # born 1 Jan 1990: 26 on 1 Jan 2016, so 35 on 6 Jan 2025
    ("26-or-older", date(1990, 1, 1), date(2025, 1, 6), "DOB", "makes the child 26 or older"),
    ("request-in-the-future", date(2015, 1, 1), _TODAY + timedelta(days=10), "Date Request Received",
     f"request date {_TODAY + timedelta(days=10)} is in the future"),
    # a mistyped year: born 2015, received 30 years on would also make the child 26+, but the date
    # that is wrong is the request's
    ("request-years-in-the-future", date(2015, 1, 1), date(_TODAY.year + 30, 1, 6), "Date Request Received",
     f"request date {_TODAY.year + 30}-01-06 is in the future"),
    ("request-before-ehc-plans", date(2005, 1, 1), date(2013, 1, 7), "Date Request Received",
     "request date 2013-01-07 is before 2014-09-01"),
]


def one_row_tracker(tmp_path, kind: str, dob: date, received: date):
    headings = ["Child Name", "DOB", "Date Request Received"]
    if kind == "csv":
        path = tmp_path / "one.csv"
        path.write_text(",".join(headings) + "\n" + f"Testchild Refused,{dob:%d/%m/%Y},{received:%d/%m/%Y}\n",
                        encoding="utf-8")
        return path
    import xlsxwriter

    path = tmp_path / "one.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet, day = book.add_worksheet(), book.add_format({"num_format": "dd/mm/yyyy"})
    for col, heading in enumerate(headings):
        sheet.write_string(0, col, heading)
    sheet.write_string(1, 0, "Testchild Refused")
    sheet.write_datetime(1, 1, dob, day)
    sheet.write_datetime(1, 2, received, day)
    book.close()
    return path


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize(("dob", "received", "column", "words"), [r[1:] for r in REFUSALS],
                         ids=[r[0] for r in REFUSALS])
def test_each_refusal_of_a_tracker_row_says_what_is_wrong(cli, tmp_path, private_db, kind, dob, received,
                                                          column, words):
    path = one_row_tracker(tmp_path, kind, dob, received)
    (tmp_path / "map.toml").write_text('date_format = "%d/%m/%Y"\n[columns]\nname = "Child Name"\n'
                                       'dob = "DOB"\nreceived = "Date Request Received"\n', encoding="utf-8")
    before = dump(private_db)
    result = cli.fails(["import", "--dry-run", "--map", str(tmp_path / "map.toml"), str(path)])
    lines = result.stderr.splitlines()
    # the heading is row 1, the child row 2, in the CSV as in the sheet (docs/import-format.md)
    assert lines[0].startswith(f"row 2 [{column}]: TRK-000002: "), lines
    assert words in lines[0], lines
    assert lines[1:] == ["sendtrack: 1 bad row"], lines
    assert f"{dob:%d/%m/%Y}" not in result.stderr and dob.isoformat() not in result.stderr
    assert dump(private_db) == before


def test_the_xlsx_of_the_import_layout_names_rows_not_lines(with_cases, tmp_path):
    cli = with_cases
    export = tmp_path / "export.xlsx"
    cli.ok(["export", "--format", "xlsx", "--out", str(export)])
    # the cases are already in: every case row is refused, and named by its spreadsheet row
    result = cli.fails(["import", "--dry-run", str(export)])
    first = result.stderr.splitlines()[0]
    assert first.startswith("row 2: ") and "already exists" in first, first


# --- the hints name the way in ---------------------------------------------------------------------------

def test_a_tracker_given_without_map_is_pointed_to_map_and_import_map(cli, tmp_path, private_db):
    """A trial user's finding: a council's tracker given to `import` alone got a list of missing and
    unknown columns, with no word of --map."""
    csv_tracker = tmp_path / "tracker.csv"
    csv_tracker.write_text("Child Name,DOB,Date Request Received\nTestchild Nomap,01/02/2015,06/01/2025\n",
                           encoding="utf-8")
    xlsx_tracker = one_row_tracker(tmp_path, "xlsx", date(2015, 2, 1), date(2025, 1, 6))
    before = dump(private_db)
    for path in (csv_tracker, xlsx_tracker):
        result = cli.fails(["import", str(path)])
        assert result.stderr.count("\n") == 1, result.stderr
        assert "give --map MAP.toml" in result.stderr, result.stderr
        assert "`sendtrack import-map FILE > MAP.toml`" in result.stderr, result.stderr
        assert "Testchild" not in result.stderr and "2015" not in result.stderr
    assert dump(private_db) == before


def test_the_refusal_of_a_tracker_imported_twice_gives_the_dry_run_with_its_map(cli, tmp_path):
    """The one-line refusal names the command that lists every bad row: with the map and the sheet it
    was given (it said `sendtrack import --dry-run FILE`, which reads no tracker)."""
    path = one_row_tracker(tmp_path, "xlsx", date(2015, 2, 1), date(2025, 1, 6))
    (tmp_path / "map.toml").write_text('[columns]\nname = "Child Name"\ndob = "DOB"\n'
                                       'received = "Date Request Received"\n', encoding="utf-8")
    line = ["import", "--map", str(tmp_path / "map.toml"), "--sheet", "Sheet1", str(path)]
    assert cli.ok(line).startswith("imported 1 cases")
    result = cli.fails(line)
    hint = f"(`sendtrack import --dry-run --map {tmp_path / 'map.toml'} --sheet Sheet1 {path}` lists them all)"
    assert result.stderr.rstrip("\n").endswith(hint), result.stderr
    # and that command does list them
    listed = cli.fails(["import", "--dry-run", "--map", str(tmp_path / "map.toml"), "--sheet", "Sheet1",
                        str(path)])
    assert listed.stderr.startswith("row 2 [Child Name]: TRK-000002: ") and "open" in listed.stderr


def readme_section(title: str) -> str | None:
    readme = Path(__file__).resolve().parent.parent / "README.md"
    if not readme.exists():
        return None
    text = readme.read_text(encoding="utf-8")
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def test_the_readme_spreadsheet_steps_run_as_written(cli, tmp_path, monkeypatch, private_db):
    """Every `sendtrack …` command of README "Moving from your spreadsheet" steps 2, 4 and 5, run as
    written on a tracker shaped like its example; step 4's dry run twice, as step 5 says (a second
    `--report` over the first's file needed --force, which the README did not give)."""
    import re
    import shlex

    import xlsxwriter

    section = readme_section("Moving from your spreadsheet")
    if section is None:
        pytest.skip("README.md is not beside the tests")
    commands = re.findall(r"`(sendtrack import-map [^`]*)`", section)[:1] + [
        line.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S) for line in block.splitlines()
        if line.strip().startswith("sendtrack ")]
    assert [c.split()[1] for c in commands] == ["import-map", "import", "import"], commands
    monkeypatch.chdir(tmp_path)
    book = xlsxwriter.Workbook("tracker.xlsx")
    sheet, day = book.add_worksheet("Live cases"), book.add_format({"num_format": "dd/mm/yyyy"})
    for col, heading in enumerate(HEADINGS):
        sheet.write_string(0, col, heading)
    row = ["RD-1", "Testchild Readme", date(2015, 3, 15), date(2025, 1, 6), "Front Door", "Sam Patel",
           date(2025, 2, 10), "Agreed", None, None, None]
    for col, value in enumerate(row):
        if isinstance(value, date):
            sheet.write_datetime(1, col, value, day)
        elif value is not None:
            sheet.write_string(1, col, value)
    book.close()
    mapping, redirect, out = commands[0].partition(" > ")
    assert redirect and out == "map.toml"
    Path(out).write_text(cli.ok(["--db", str(private_db), *shlex.split(mapping)[1:]]), encoding="utf-8")
    for command in (commands[1], commands[1], commands[2]):
        said = cli.ok(["--db", str(private_db), *shlex.split(command)[1:]])
    assert said.startswith("imported 1 cases"), said
    assert "no problems" in cli.ok(["--db", str(private_db), "check"])


def test_a_case_entered_by_mistake_is_voided_by_its_requests_id_from_history(cli):
    """README "Correcting and finding cases": event ids run across the database, so the second case's
    request is not event 1; `history` gives its id."""
    cli.ok("add-request --ref M-1 --name 'Testchild First' --dob 2015-03-15 --received 2025-01-06")
    cli.ok("add-request --ref M-2 --name 'Testchild Mistake' --dob 2016-03-15 --received 2025-01-07")
    assert "has no event 1" in cli.fails("record void M-2 1 --reason 'entered by mistake'").stderr
    (request,) = [e for e in cli.json("history M-2 --format json") if e["kind"] == "request"]
    assert request["id"] != 1
    cli.ok(f"record void M-2 {request['id']} --reason 'entered by mistake'")
    assert "M-2" not in cli.ok("cases --format csv")
