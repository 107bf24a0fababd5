"""A reason is kept for good (an edit's, an erasure's) and `history` shows it without `--names`: it must
not hold any name, date of birth, UPN, ULN or postcode the case has *ever* held, current or former (the
old and new values in its `edit` events), nor an identifier written with separators or in full-width
form (issue 9, breaker findings 1 and 11). Names, dates of birth and identifiers here are synthetic."""

from __future__ import annotations

import pytest

OLD_NAME, NEW_NAME = "Alicia Oldname", "Alicia Newname"
OLD_DOB, NEW_DOB = "2014-10-03", "2014-11-04"
OLD_UPN, NEW_UPN = "P919123400101", "D919123400102"


@pytest.fixture
def renamed(backend_cli):
    """C1's name, date of birth, UPN, ULN and postcode each corrected once; closed (refused)."""
    cli = backend_cli
    cli.ok(["add-request", "--ref", "C1", "--name", OLD_NAME, "--dob", OLD_DOB, "--received", "2025-01-06",
            "--upn", OLD_UPN, "--uln", "1234567890", "--postcode", "AB1 2CD"])
    cli.ok(["edit", "C1", "--name", NEW_NAME, "--reason", "typo at intake"])
    cli.ok(["edit", "C1", "--dob", NEW_DOB, "--reason", "birth certificate seen"])
    cli.ok(["edit", "C1", "--upn", NEW_UPN, "--uln", "1111111111", "--postcode", "ZZ9 9ZZ",
            "--reason", "from the school census"])
    cli.ok("record decision C1 --date 2025-02-03 --outcome refuse")
    return cli


FORMER = [
    ("was Alicia Oldname", "name"),
    ("was Oldname", "name"),
    (f"born {OLD_DOB}", "date of birth"),
    ("born 03/10/2014", "date of birth"),
    (f"old upn {OLD_UPN}", "UPN, ULN or postcode"),
    ("old uln 1234567890", "UPN, ULN or postcode"),
    ("moved from AB1 2CD", "UPN, ULN or postcode"),
    # finding 11: separators and full-width forms do not hide an identifier
    ("uln 1234-567-890", "UPN, ULN or postcode"),
    ("upn P919-1234-00101", "UPN, ULN or postcode"),
    ("from ab1-2cd", "UPN, ULN or postcode"),
    ("from \uff21\uff22\uff11 \uff12\uff23\uff24", "UPN, ULN or postcode"),
    # the current values, with separators
    ("upn d919.1234.00102", "UPN, ULN or postcode"),
    ("uln 111 111 1111", "UPN, ULN or postcode"),
]


@pytest.mark.parametrize("reason,what", FORMER, ids=[r for r, _ in FORMER])
def test_an_erase_reason_holding_a_former_value_is_refused(renamed, backend, reason, what):
    before = backend.snapshot()
    result = renamed.fails(["erase", "C1", "--reason", reason])
    assert f"the reason holds the child's {what}" in result.stderr, result.stderr
    assert reason not in result.stderr
    assert backend.snapshot() == before


@pytest.mark.parametrize("reason,what", FORMER, ids=[r for r, _ in FORMER])
def test_an_edit_reason_holding_a_former_value_is_refused(renamed, backend, reason, what):
    before = backend.snapshot()
    result = renamed.fails(["edit", "C1", "--sex", "F", "--reason", reason])
    assert f"the reason holds the child's {what}" in result.stderr, result.stderr
    assert backend.snapshot() == before


def test_the_breakers_edit_reason_is_refused(renamed):
    result = renamed.fails(["edit", "C1", "--sex", "F", "--reason", "formerly Alicia Oldname upn D919123400102"])
    assert "the reason holds the child's" in result.stderr


def test_a_reason_without_personal_data_is_still_accepted(renamed):
    renamed.ok(["edit", "C1", "--sex", "F", "--reason", "from the school census 2025"])
    renamed.ok(["erase", "C1", "--reason", "retention period over"])
    assert "no problems" in renamed.ok("check")
