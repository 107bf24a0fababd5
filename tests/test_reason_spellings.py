"""An edit's or erasure's reason is screened for the child's name and date of birth however they are
written: accents, case, apostrophes and hyphens (with or without), a zero-width non-joiner typed or
left out, scripts whose vowel signs are combining marks (Devanagari), and dates of birth with month
names, year first, unpadded or with dashes (a breaker's findings on issue 9). Names and dates of birth
here are synthetic."""

from __future__ import annotations

from datetime import date

import pytest

from sendtrack.app.record import refuse_personal
from sendtrack.errors import RefusedError

ZWNJ = "\u200c"
PERSIAN = f"زهرا{ZWNJ}سادات"
HINDI = "अनुष्का शर्मा"

#: (child's name, reason): each reason holds the name, or a part of it of 3+ base letters.
NAMED = [
    ("Zoë O'Brien", "Zoe OBrien asked"),
    ("Zoë O'Brien", "obrien asked"),
    ("Zoë O'Brien", "Brien asked"),
    ("Zoë O’Brien", "O'Brien asked"),
    ("Zoë OBrien", "O'Brien asked"),       # an apostrophe in the reason only
    ("Siân Llŷr", "Sian asked"),
    ("Siân Llŷr", "Llyr asked"),
    ("Siân Llŷr", "SIÂN asked"),
    ("Jean-Luc Smith", "JeanLuc asked"),
    ("Jean-Luc Smith", "jean asked"),
    ("JeanLuc Smith", "Jean-Luc asked"),
    (PERSIAN, "زهراسادات asked"),          # written without its ZWNJ
    (PERSIAN, f"{PERSIAN} asked"),
    ("زهراسادات", f"{PERSIAN} asked"),     # written with a ZWNJ the record lacks
    (HINDI, "अनुष्का asked for erasure"),   # vowel signs are combining marks, not \w
    (HINDI, "शर्मा asked"),
    ("Al Li", "Al Li asked"),              # the whole name, every part short
]

#: (child's name, reason): none holds the name.
UNNAMED = [
    ("Zoë O'Brien", "the parent asked"),
    ("Zoë O'Brien", "O asked"),            # a part under 3 letters
    ("Al Li", "final list agreed"),       # the whole name inside other words
    ("Siân Llŷr", "siant asked"),
    (HINDI, "अनु asked"),                  # 2 base letters and a vowel sign
]

DOB = date(2015, 3, 15)
#: reasons holding 15 March 2015, and one holding 6 May 2012
DATED = [
    (DOB, "born 2015-03-15"),
    (DOB, "born 15/03/2015"),
    (DOB, "born 15/3/2015"),
    (DOB, "born 15 March 2015"),
    (DOB, "born 15th March, 2015"),
    (DOB, "born 15 Mar 2015"),
    (DOB, "born March 15, 2015"),
    (DOB, "born 2015/03/15"),
    (DOB, "born 15-03-2015"),
    (DOB, "born 15.03.2015"),
    (DOB, "born 15/03/15"),
    (date(2012, 5, 6), "born 6.5.2012"),
    (date(2012, 5, 6), "born 06/05/2012"),
]

UNDATED = [
    (DOB, "request of 2025-03-15"),
    (DOB, "born 115/03/2015"),
    (date(2012, 5, 6), "born 16.5.2012"),
    (date(2012, 5, 6), "born 6.5.20123"),
    (DOB, "15 March 2016"),
]


@pytest.mark.parametrize("name,reason", NAMED, ids=[f"{n}|{r}" for n, r in NAMED])
def test_a_reason_holding_a_spelling_of_the_name_is_refused(name, reason):
    with pytest.raises(RefusedError, match="the reason holds the child's name"):
        refuse_personal(reason, [(name, None)])


@pytest.mark.parametrize("name,reason", UNNAMED, ids=[f"{n}|{r}" for n, r in UNNAMED])
def test_a_reason_without_the_name_is_accepted(name, reason):
    refuse_personal(reason, [(name, None)])


@pytest.mark.parametrize("dob,reason", DATED, ids=[r for _, r in DATED])
def test_a_reason_holding_the_date_of_birth_in_any_form_is_refused(dob, reason):
    with pytest.raises(RefusedError, match="the reason holds the child's date of birth"):
        refuse_personal(reason, [(None, dob)])


@pytest.mark.parametrize("dob,reason", UNDATED, ids=[r for _, r in UNDATED])
def test_a_reason_with_another_date_is_accepted(dob, reason):
    refuse_personal(reason, [(None, dob)])


@pytest.mark.parametrize("name,reason", [NAMED[0], NAMED[5], NAMED[11], NAMED[14]],
                         ids=["apostrophe", "circumflex", "zwnj", "devanagari"])
def test_the_breakers_edit_and_erase_reasons_are_refused(cli, name, reason):
    cli.ok(["add-request", "--ref", "C1", "--name", name, "--dob", "2015-03-15", "--received", "2025-01-06"])
    result = cli.fails(["edit", "C1", "--sex", "F", "--reason", reason])
    assert "the reason holds the child's name" in result.stderr
    result = cli.fails(["erase", "C1", "--force", "--reason", reason])
    assert "the reason holds the child's name" in result.stderr
    result = cli.fails(["edit", "C1", "--sex", "F", "--reason", "born 15 March 2015"])
    assert "the reason holds the child's date of birth" in result.stderr
