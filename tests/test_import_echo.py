"""The import layout never echoes a child's personal value (issue 9, breaker finding 4): a date of
birth that is not a real date was printed back (`dob '15/03/2015' is not a real date`) on stderr and
in `--report`. Refusals name the column and the row only; so for free text in `details`. Names, dates
and identifiers here are synthetic."""

from __future__ import annotations

import pytest

HEADER = "ref,name,dob,kind,date,upn,postcode,details\n"
ROWS = {
    "dob-uk-form": ("R1,Testchild Echo,15/03/2015,request,2025-01-06,,,\n", "15/03/2015"),
    "dob-not-a-day": ("R1,Testchild Echo,2015-02-30,request,2025-01-06,,,\n", "2015-02-30"),
    "upn-bad": ("R1,Testchild Echo,2015-03-15,request,2025-01-06,Z919123400199,,\n", "Z919123400199"),
    "postcode-bad": ("R1,Testchild Echo,2015-03-15,request,2025-01-06,,QQQ 9999,\n", "QQQ 9999"),
    "details-free-text": ('R1,Testchild Echo,2015-03-15,request,2025-01-06,,,"spoke to Testchild\'s mum"\n',
                          "spoke to Testchild"),
}


@pytest.mark.parametrize("row,value", ROWS.values(), ids=ROWS.keys())
def test_an_import_refusal_names_the_column_never_the_value(cli, tmp_path, row, value):
    path = tmp_path / "in.csv"
    path.write_text(HEADER + row)
    report = tmp_path / "report.csv"
    result = cli.fails(["import", str(path), "--report", str(report)])
    assert "row 2" in result.stderr or "line 2" in result.stderr or ":2" in result.stderr, result.stderr
    assert value not in result.stderr, result.stderr
    assert "Testchild" not in result.stderr
    assert report.exists()
    written = report.read_text()
    assert written.count("\n") >= 2, written  # a header and the problem's row
    assert value not in written and "Testchild" not in written, written


def test_an_event_date_that_is_not_a_day_is_still_quoted(cli, tmp_path):
    """An event's date is not personal data: quoting it helps find the row."""
    path = tmp_path / "in.csv"
    path.write_text(HEADER + "R1,Testchild Echo,2015-03-15,request,2025-01-32,,,\n")
    assert "'2025-01-32'" in cli.fails(["import", str(path)]).stderr
