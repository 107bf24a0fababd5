"""What import's messages quote (a breaker's findings on main, issue 9): never a value that could be a
child's, even from a column that is not personal (an unquoted comma shifts a row's cells; a mis-mapped
column puts every child's name in a team, source, choice or date column), only a value that is clearly a
code or a date's digits; one bad request row is one bad row; grammar. Names here are synthetic."""

from __future__ import annotations

import csv
import io

import pytest

NAME, DOB = "Ann Testchild", "2015-03-15"


def _refused(cli, tmp_path, text: str, *args: str):
    path = tmp_path / ("in.csv" if not args else "tracker.csv")
    path.write_text(text, encoding="utf-8")
    report = tmp_path / "report.csv"
    result = cli.fails(["import", *args, str(path), "--report", str(report)])
    return result.stderr, report.read_text(encoding="utf-8")


LAYOUT = "ref,name,dob,source,team,looked_after,kind,date\n"
SHIFTED = {
    # the breaker's: `H1,Smith, John,2015-03-15,parent,…` puts the date of birth in the source column
    "dob-in-source": (f"H1,{NAME},{DOB},{DOB},front-door,no,request,2025-01-06\n",
                      "source is not one of the sources: use one of parent"),
    "name-in-source": (f"H1,{NAME},{DOB},{NAME},front-door,no,request,2025-01-06\n",
                       "source is not one of the sources"),
    "name-in-team": (f"H1,{NAME},{DOB},parent,{NAME},no,request,2025-01-06\n",
                     "team is not one of the teams: use one of front-door"),
    "name-in-flag": (f"H1,{NAME},{DOB},parent,front-door,{NAME},request,2025-01-06\n",
                     "looked_after must be yes or no"),
    "name-in-ref": (f"{NAME},{NAME},{DOB},parent,front-door,no,request,2025-01-06\n",
                    "line 2: the case reference must be"),
    "name-in-date": (f"H1,{NAME},{DOB},parent,front-door,no,request,{NAME}\n",
                     "date is not a real date"),
}


@pytest.mark.parametrize("row,message", SHIFTED.values(), ids=SHIFTED.keys())
def test_a_name_or_date_of_birth_in_a_column_that_is_not_personal_is_not_quoted(cli, tmp_path, row, message):
    """Before the fix: "unknown source '2015-03-15'", "unknown team 'Ann Testchild'", "looked_after
    'Ann Testchild' must be yes or no", the name as the problem's ref and "case reference 'Ann
    Testchild'", "date 'Ann Testchild' is not a real date"."""
    stderr, report = _refused(cli, tmp_path, LAYOUT + row)
    assert message in stderr + report, stderr + report
    for said in (stderr, report):
        assert NAME not in said and "Testchild" not in said and DOB not in said, said


@pytest.mark.parametrize("row,shown", [
    ("H1,Bo Testchild,2015-03-15,parnet,front-door,no,request,2025-01-06\n", "source 'parnet' is not one"),
    ("H1,Bo Testchild,2015-03-15,parent,front-dor,no,request,2025-01-06\n", "team 'front-dor' is not one"),
    ("H1,Bo Testchild,2015-03-15,parent,front-door,maybe,request,2025-01-06\n", "looked_after 'maybe' must"),
    ("H1,Bo Testchild,2015-03-15,parent,front-door,no,request,2025-02-30\n", "date '2025-02-30' is not"),
], ids=["source-typo", "team-typo", "flag-word", "date-not-a-day"])
def test_a_value_that_is_clearly_a_code_or_a_date_is_still_quoted(cli, tmp_path, row, shown):
    """README (Privacy): a typo of a code helps the user and cannot be a name (lower case, digits and
    hyphens, not a date); nor can a date made only of digits and punctuation."""
    stderr, _ = _refused(cli, tmp_path, LAYOUT + row)
    assert shown in stderr, stderr


TRACKER = ("Case Ref,Child Name,DOB,Date Request Received,Team,Decision Date,Decision,Known As\n"
           "T1,Zoe O'Testchild,15/03/2015,06/01/2025,front-door,10/02/2025,Agreed,Zoe O'Testchild\n"
           "T2,Dafydd Testchild,16/03/2015,07/01/2025,front-door,,,Dafydd Testchild\n")
MAP = {"ref": "Case Ref", "name": "Child Name", "dob": "DOB", "received": "Date Request Received",
       "team": "Team", "decision": "Decision Date", "decision_outcome": "Decision"}


@pytest.mark.parametrize("field", ["team", "source", "decision_outcome", "received"])
def test_a_mis_mapped_column_prints_no_childs_name(cli, tmp_path, field):
    """The breaker's maps pointed team, source, decision_outcome and received at a column of names:
    every child's name was printed ("unknown team 'Dafydd …'", "'Zoe …' is not one of assess, refuse",
    "the date 'Zoe …' is not a real date") on stderr and in --report."""
    columns = {**MAP, field: "Known As"}
    (tmp_path / "map.toml").write_text('date_format = "%d/%m/%Y"\n[columns]\n' + "".join(
        f'{k} = "{v}"\n' for k, v in columns.items()) + '[values.decision_outcome]\n"Agreed" = "assess"\n',
        encoding="utf-8")
    stderr, report = _refused(cli, tmp_path, TRACKER, "--map", str(tmp_path / "map.toml"))
    rows = list(csv.reader(io.StringIO(report)))
    # one problem a row (the source was read twice, and said twice), each naming the column
    wanted = [["2", "Known As"]] if field == "decision_outcome" else [["2", "Known As"], ["3", "Known As"]]
    assert [r[:2] for r in rows[1:]] == wanted, report  # T2 has no decision date, so no outcome is read
    for said in (stderr, report):
        assert "Testchild" not in said and "Zoe" not in said and "Dafydd" not in said, said


def test_one_bad_request_row_is_one_bad_row(cli, tmp_path):
    """Before the fix: "2 bad rows", the second a false "the case has no request row"."""
    path = tmp_path / "in.csv"
    path.write_text("ref,name,dob,team,kind,date,details\n"
                    "B1,Bo Testchild,2015-03-15,nowhere,request,2025-01-06,\n"
                    'B1,,,,contact,2025-01-07,"{""note"": ""called""}"\n', encoding="utf-8")
    result = cli.fails(["import", "--dry-run", str(path)])
    assert result.stderr.startswith("line 2: B1: team 'nowhere' is not one of the teams"), result.stderr
    assert "no request row" not in result.stderr and "sendtrack: 1 bad row" in result.stderr, result.stderr


def test_a_row_without_its_case_request_row_is_still_named(cli, tmp_path):
    """The control: a case with no request row at all still says so."""
    path = tmp_path / "in.csv"
    path.write_text('ref,kind,date,details\nB1,contact,2025-01-07,"{""note"": ""called""}"\n', encoding="utf-8")
    assert "B1: the case has no request row" in cli.fails(["import", str(path)]).stderr


def test_a_recording_time_is_quoted_whole_or_not_at_all(cli, tmp_path):
    """Cut to 19 characters, '2026-12-03 14:49:52.123' was shown as '2026-12-03 14:49:52', a valid
    value, beside "is not a date and time"."""
    path = tmp_path / "in.csv"
    path.write_text("ref,name,dob,kind,date,recorded_at\n"
                    "B1,Bo Testchild,2015-03-15,request,2025-01-06,2025-01-06 14:49:52.123\n", encoding="utf-8")
    stderr = cli.fails(["import", str(path)]).stderr
    assert "recorded_at '2025-01-06 14:49:52.123' is not a date and time" in stderr, stderr


def test_an_unknown_detail_says_an_edit(cli, tmp_path):
    """Before the fix: "a edit event has no detail"."""
    path = tmp_path / "in.csv"
    path.write_text("ref,name,dob,kind,date,details\n"
                    "B1,Bo Testchild,2015-03-15,request,2025-01-06,\n"
                    'B1,,,edit,2025-01-07,"{""reason"": ""typo"", ""colour"": ""red""}"\n', encoding="utf-8")
    stderr = cli.fails(["import", str(path)]).stderr
    assert "an edit event has no detail 'colour'" in stderr, stderr
