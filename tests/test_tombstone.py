"""An erased case holds only the tombstone (issue 9, breaker finding 3): `check` reports one given back
a UPN, ULN, postcode, name or date of birth by a raw UPDATE (its export would not import), naming the
case and the field, never the value; and no way in makes a case *named* "(erased)" without an erasure
(returns, check and allocate take that name for an erased case). Names and dates are synthetic."""

from __future__ import annotations

import pytest

from tests.test_audit import check_lines


@pytest.fixture
def erased(backend_cli):
    cli = backend_cli
    cli.ok(["add-request", "--ref", "E1", "--name", "Testchild Erasable", "--dob", "2014-10-03",
            "--received", "2025-01-06", "--upn", "P919123400101"])
    cli.ok("record decision E1 --date 2025-02-03 --outcome refuse")
    cli.ok("erase E1 --reason 'retention period over'")
    return cli


@pytest.mark.parametrize("sql,field", [
    ("UPDATE cases SET upn = 'P919123400101' WHERE ref = 'E1'", "upn"),
    ("UPDATE cases SET uln = '1234567890' WHERE ref = 'E1'", "uln"),
    ("UPDATE cases SET postcode = 'AB1 2CD' WHERE ref = 'E1'", "postcode"),
    ("UPDATE cases SET name = 'Testchild Erasable' WHERE ref = 'E1'", "name"),
    ("UPDATE cases SET dob = '2014-10-03' WHERE ref = 'E1'", "dob"),
])
def test_check_reports_an_erased_case_given_back_a_value(erased, backend, sql, field):
    assert "no problems" in erased.ok("check")
    backend.execute(sql)
    lines = check_lines(erased)
    expected = f"E1: erased-value: the case was erased but its {field} holds a value again"
    assert any(line.startswith(expected) for line in lines), lines
    value = sql.split("'")[1]
    assert not any(value in line for line in lines)


@pytest.mark.parametrize("name", ["(erased)", "(Erased)", "  (ERASED) ", "( erased )", "(\u00a0Erased)",
                                  "(e rased)"])
def test_add_request_refuses_the_tombstone_name(backend_cli, backend, name):
    before = backend.snapshot()
    result = backend_cli.fails(["add-request", "--ref", "X1", "--name", name, "--dob", "2014-09-01",
                                "--received", "2025-01-06"])
    assert "name (erased) is the text an erasure leaves" in result.stderr, result.stderr
    assert backend.snapshot() == before


def test_edit_refuses_the_tombstone_name(backend_cli, backend):
    backend_cli.ok(["add-request", "--ref", "X1", "--name", "Testchild Named", "--dob", "2014-10-03",
                    "--received", "2025-01-06"])
    before = backend.snapshot()
    result = backend_cli.fails(["edit", "X1", "--name", "(erased)", "--reason", "typo"])
    assert "name (erased) is the text an erasure leaves" in result.stderr, result.stderr
    assert backend.snapshot() == before


def test_import_refuses_the_tombstone_name_without_an_erase_row(backend_cli, backend, tmp_path):
    path = tmp_path / "forged.csv"
    path.write_text("ref,name,dob,kind,date,details\n"
                    "X1,(erased),2014-09-01,request,2025-01-06,\n")
    before = backend.snapshot()
    result = backend_cli.fails(["import", str(path)])
    assert "X1: name (erased) is the text an erasure leaves" in result.stderr, result.stderr
    assert backend.snapshot() == before


def test_import_refuses_a_row_after_the_erase_row(backend_cli, backend, tmp_path):
    path = tmp_path / "forged.csv"
    path.write_text('ref,name,dob,kind,date,details\n'
                    'X1,(erased),2014-09-01,request,2025-01-06,\n'
                    'X1,,,withdrawn,2025-02-01,\n'
                    'X1,,,erase,2025-03-01,"{""reason"": ""retention""}"\n'
                    'X1,,,contact,2025-03-02,"{""note"": ""spoke to the family""}"\n')
    before = backend.snapshot()
    result = backend_cli.fails(["import", str(path)])
    assert "X1: an erase row must be the case's last" in result.stderr, result.stderr
    assert backend.snapshot() == before


ERASED_HEAD = ('ref,name,dob,event_id,kind,date,details,voids\n'
               'X1,(erased),2014-09-01,1,request,2025-01-06,,\n'
               'X1,,,2,decision,2025-02-10,"{""outcome"": ""assess""}",\n')
ERASE_ROW = 'X1,,,{id},erase,2025-03-01,"{{""reason"": ""retention""}}",\n'


@pytest.mark.parametrize("rows", [
    # the breaker's two: dated the erase day, after it in the file (the date-only check let them in)
    ERASE_ROW.format(id=3) + 'X1,,,4,void,2025-03-01,"{""reason"": ""wrong""}",2\n',
    ERASE_ROW.format(id=3) + 'X1,,,4,contact,2025-03-01,"{""note"": ""spoke to the family""}",\n',
    # earlier in the file but recorded after the erase by its id
    'X1,,,4,contact,2025-03-01,"{""note"": ""spoke to the family""}",\n' + ERASE_ROW.format(id=3),
    # no id: numbered after every given id, so after the erase
    'X1,,,,contact,2025-02-20,"{""note"": ""spoke to the family""}",\n' + ERASE_ROW.format(id=3),
    # the erase row without an id and a row after it in the file, the same day
    ERASE_ROW.format(id="") + 'X1,,,,contact,2025-03-01,"{""note"": ""spoke to the family""}",\n',
], ids=["void-same-day", "contact-same-day", "higher-id-earlier-in-file", "blank-id-before", "both-blank"])
def test_import_refuses_any_row_recorded_after_the_erase_row(backend_cli, backend, tmp_path, rows):
    """Before the fix only a row dated after the erase was refused: a void of the decision dated the
    erase day reopened the erased case with overdue deadlines, and a contact's note (free text, which
    may hold an address) was written into it."""
    path = tmp_path / "forged.csv"
    path.write_text(ERASED_HEAD + rows)
    before = backend.snapshot()
    result = backend_cli.fails(["import", str(path)])
    assert "X1: an erase row must be the case's last" in result.stderr, result.stderr
    assert "spoke to the family" not in result.stderr
    assert backend.snapshot() == before


def test_an_erased_cases_rows_in_recording_order_import(backend_cli, tmp_path):
    """The control: the same case with its erase row last by file order, date and id imports."""
    path = tmp_path / "erased.csv"
    path.write_text(ERASED_HEAD + 'X1,,,3,contact,2025-02-20,"{""note"": ""called""}",\n'
                    + ERASE_ROW.format(id=4))
    assert backend_cli.ok(["import", str(path)]).startswith("imported 1 cases")
    assert "no problems" in backend_cli.ok("check")
