"""The allocation rule of spec 6 and the ages it counts, against dates worked by hand."""

from __future__ import annotations

from datetime import date

import pytest

from sendtrack.rules.teams import CaseFacts, age_on, allocation, birthday, team_for
from sendtrack.rules.transfers import curriculum_year, default_transfer_deadlines, reception_year

LEAP = date(2012, 2, 29)


@pytest.mark.parametrize(
    ("dob", "day", "age"),
    [
        pytest.param(date(2014, 3, 15), date(2019, 3, 14), 4, id="day-before-birthday"),
        pytest.param(date(2014, 3, 15), date(2019, 3, 15), 5, id="on-birthday"),
        # born 29 Feb: the birthday is 28 Feb in a common year (calendar months, as C3/C4 clip them)
        pytest.param(LEAP, date(2017, 2, 27), 4, id="leap-day-27-feb"),
        pytest.param(LEAP, date(2017, 2, 28), 5, id="leap-day-28-feb-common-year"),
        pytest.param(LEAP, date(2016, 2, 28), 3, id="leap-day-28-feb-leap-year"),
        pytest.param(LEAP, date(2016, 2, 29), 4, id="leap-day-29-feb-leap-year"),
    ],
)
def test_age_on(dob, day, age):
    assert age_on(dob, day) == age


def test_fifth_birthday_of_a_leap_day_child_is_28_february():
    assert birthday(LEAP, 5) == date(2017, 2, 28)
    assert birthday(LEAP, 4) == date(2016, 2, 29)


def test_leap_day_child_year_groups_and_transfer_deadlines():
    """Born 29 Feb 2012 (Y = 2011: born 1 Sep 2011 .. 31 Aug 2012) -> Reception Sept 2016 (Y+5),
    Year 7 Sept 2023, Year 12 Sept 2028; deadlines 14 Feb / 14 Feb / 30 Mar of those years (C6),
    amendments counted from 1 September of the year before (spec 8.7)."""
    assert reception_year(LEAP) == 2016
    assert curriculum_year(LEAP, date(2016, 8, 31)) == -1
    assert curriculum_year(LEAP, date(2016, 9, 1)) == 0
    assert curriculum_year(LEAP, date(2023, 9, 1)) == 7
    assert curriculum_year(LEAP, date(2025, 6, 30)) == 8
    assert [(t.rule, t.on, start, due) for t, start, due in default_transfer_deadlines(LEAP)] == [
        ("phase-transfer", date(2016, 9, 1), date(2015, 9, 1), date(2016, 2, 14)),
        ("phase-transfer", date(2023, 9, 1), date(2022, 9, 1), date(2023, 2, 14)),
        ("post16-transfer", date(2028, 9, 1), date(2027, 9, 1), date(2028, 3, 30)),
    ]


def plan(dob: date, *, looked_after=False, ap=False, issued=True) -> CaseFacts:
    return CaseFacts(dob, looked_after, ap, plan_issued=issued)


@pytest.mark.parametrize(
    ("facts", "day", "team", "reason"),
    [
        pytest.param(plan(LEAP, issued=False), date(2025, 6, 30), "front-door",
                     "assessment before a final plan", id="assessment"),
        pytest.param(plan(LEAP, looked_after=True, ap=True), date(2016, 1, 1), "virtual-school",
                     "looked after by the authority", id="looked-after-first"),
        pytest.param(plan(LEAP, ap=True), date(2017, 2, 27), "early-years", "under 5",
                     id="leap-day-under-5-beats-ap"),
        pytest.param(plan(LEAP), date(2017, 2, 28), "school-age", "school age (Reception)",
                     id="leap-day-fifth-birthday-28-feb"),
        pytest.param(plan(LEAP, ap=True), date(2017, 2, 28), "access-inclusion",
                     "in alternative provision", id="ap-from-5"),
        pytest.param(plan(LEAP), date(2025, 8, 31), "school-age", "school age (Year 8)",
                     id="last-day-of-year-8"),
        pytest.param(plan(LEAP), date(2025, 9, 1), "young-people", "in Year 9 (Year 9 or above)",
                     id="first-day-of-year-9"),
        # born 31 Aug 2014: Reception Sept 2018 but 4 until 31 Aug 2019
        pytest.param(plan(date(2014, 8, 31)), date(2019, 8, 30), "early-years", "under 5",
                     id="born-31-august-in-reception-aged-4"),
        pytest.param(plan(date(2014, 9, 1)), date(2019, 9, 1), "school-age", "school age (Reception)",
                     id="born-1-september-5-on-first-day"),
    ],
)
def test_allocation(facts, day, team, reason):
    assert (allocation(facts, day).team, allocation(facts, day).reason) == (team, reason)
    assert team_for(facts, day) == team
