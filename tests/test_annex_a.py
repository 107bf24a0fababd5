"""Annex A (issue 12 item 4): the workbook read back with python-calamine: exact sheet names and headings
(en dashes), values as returns.md gives them, a stable pseudonymous Unique ID, written through the safe
writer (0600, no overwrite without --force)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from sendtrack import codes

calamine = pytest.importorskip("python_calamine", reason="python-calamine is in the test extra")

UPN = "L919200025001"  # check letter by hand in tests/test_sen2.py


def read(path):
    book = calamine.CalamineWorkbook.from_path(str(path))
    return book.sheet_names, {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


@pytest.fixture
def plans(cli):
    cli.ok(f"add-request --ref A1 --name 'Ann Annex' --dob 2015-03-15 --received 2024-01-08 --sex F "
           f"--ethnicity MWBC --upn {UPN} --uln 1234567890 --primary-need SLCN --urn 117001 "
           "--placement-from 2019-09-01 --placement-phase primary --looked-after")
    cli.ok("record decision A1 --date 2024-02-12 --outcome assess")
    cli.ok("record final A1 --date 2024-05-20")
    cli.ok("record review-meeting A1 --date 2025-04-28")
    cli.ok("record review-decision A1 --date 2025-05-06 --outcome amend")
    cli.ok("record amendment-notice A1 --date 2025-05-07")
    cli.ok("record amended-plan A1 --date 2025-06-16")
    # a plan ceased before the day: not on List_1
    cli.ok("add-request --ref A2 --name 'Bo Annex' --dob 2008-01-01 --received 2022-01-10 --sex M "
           "--ethnicity WBRI --upn-unknown UN2")
    cli.ok("record decision A2 --date 2022-02-14 --outcome assess")
    cli.ok("record final A2 --date 2022-05-23")
    cli.ok("record cease A2 --date 2025-03-03 --reason needs-met")
    # a request with no plan: not on List_1; an EHE plan with an unknown sex
    cli.ok("add-request --ref A3 --name 'Cy Annex' --dob 2016-01-01 --received 2025-03-03")
    cli.ok("add-request --ref A4 --name 'Di Annex' --dob 2012-02-02 --received 2023-03-06 "
           "--setting-type EHE --placement-from 2023-01-09")
    cli.ok("record decision A4 --date 2023-04-10 --outcome assess")
    cli.ok("record final A4 --date 2023-07-17")
    return cli


def test_sheets_headings_and_values(plans, tmp_path):
    out = tmp_path / "annex-a.xlsx"
    plans.ok(f"annex-a --out {out} --as-of 2025-09-01")
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    names, sheets = read(out)
    assert names == ["List_1", "List_2"]
    list_1, list_2 = sheets["List_1"], sheets["List_2"]
    assert tuple(list_1[0]) == codes.LIST_1 and len(list_1[0]) == 21
    assert "Main education establishment \u2013 URN" in list_1[0]  # an en dash, U+2013
    assert tuple(list_2[0]) == codes.LIST_2 and len(list_2[0]) == 17 and len(list_2) == 1
    assert len(list_1) == 3  # A1 and A4: A2 ceased on 3 Mar 2025, A3 has no plan
    rows = {row[1] or "A4": dict(zip(list_1[0], row, strict=True)) for row in list_1[1:]}
    ann = rows[UPN]
    assert ann["ULN"] == "1234567890"
    assert ann["Date of birth"] == dt.date(2015, 3, 15)  # a real date cell
    assert ann["Gender"] == "b) Female" and ann["Ethnicity"] == "MWBC"
    assert ann["Date initial EHC plan issued"] == dt.date(2024, 5, 20)
    assert ann["Date updated EHC plan issued"] == dt.date(2025, 6, 16)
    assert ann["Date EHC plan last reviewed"] == dt.date(2025, 4, 28)
    assert ann["SEN primary need"] == "SLCN"
    assert ann["Main education establishment \u2013 URN"] == "117001"
    assert ann["Main education establishment \u2013 phase"] == "b) Primary"
    assert ann["Elective home education"] == "b) No"
    assert ann["Known to children's social care?"] == "a) Yes"  # looked after
    assert ann["Suspensions"] == "" and ann["Absence"] == ""  # not held: blank
    di = rows["A4"]
    assert di["Gender"] == "c) Not known" and di["Elective home education"] == "a) Yes"
    assert di["Date updated EHC plan issued"] == "" and di["Main education establishment \u2013 URN"] == ""


def test_unique_id_is_stable_pseudonymous_and_not_the_reference(plans, tmp_path):
    first, second = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
    plans.ok(f"annex-a --out {first} --as-of 2025-09-01")
    plans.ok(f"annex-a --out {second} --as-of 2025-10-01")
    ids = [[row[0] for row in read(path)[1]["List_1"][1:]] for path in (first, second)]
    assert ids[0] == ids[1]
    assert all(re.fullmatch(r"[0-9A-F]{12}", i) for i in ids[0]) and len(set(ids[0])) == 2
    assert not set(ids[0]) & {"A1", "A4"}  # hex of a keyed hash, never the reference itself


def test_the_ids_differ_between_databases(plans, tmp_path, private_db):
    """The key is the database's own secret: the same case id in another database gets another id."""
    from sendtrack.app.returns import unique_id

    assert unique_id(b"one", 1) != unique_id(b"two", 1)
    assert unique_id(b"one", 1) == unique_id(b"one", 1)


def test_refuses_to_overwrite_without_force(plans, tmp_path):
    out = tmp_path / "annex-a.xlsx"
    plans.ok(f"annex-a --out {out}")
    result = plans.fails(f"annex-a --out {out}")
    assert len(result.stderr.strip().splitlines()) == 1
    plans.ok(f"annex-a --out {out} --force")


def test_without_out_the_workbook_goes_to_standard_output(plans, tmp_path):
    """The contract's `annex-a [--out FILE.xlsx]`: without --out the bytes go to stdout (a pipe here)."""
    result = plans.runner.invoke(__import__("sendtrack.cli.app", fromlist=["app"]).app,
                                 ["annex-a", "--as-of", "2025-09-01"])
    assert result.exit_code == 0, result.stderr
    out = tmp_path / "piped.xlsx"
    out.write_bytes(result.stdout_bytes)
    names, sheets = read(out)
    assert names == ["List_1", "List_2"] and len(sheets["List_1"]) == 3


def test_a_plan_is_listed_until_its_cease_takes_effect(plans, tmp_path):
    # A2's cease notified 3 Mar 2025: the family's appeal window runs to 3 May 2025 (C4), so the plan is
    # maintained on 1 Apr and 3 May, and no longer from 4 May
    counts = {}
    for day in ("2025-04-01", "2025-05-03", "2025-05-04"):
        out = tmp_path / f"annex-a-{day}.xlsx"
        plans.ok(f"annex-a --out {out} --as-of {day}")
        counts[day] = len(read(out)[1]["List_1"]) - 1
    assert counts == {"2025-04-01": 3, "2025-05-03": 3, "2025-05-04": 2}
