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
