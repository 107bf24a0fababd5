"""The allocation rule of spec section 6 (which team should hold a case on a day) and the ages it counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sendtrack.rules.counting import add_months
from sendtrack.rules.transfers import curriculum_year

FRONT_DOOR = "front-door"
EARLY_YEARS = "early-years"
SCHOOL_AGE = "school-age"
YOUNG_PEOPLE = "young-people"
VIRTUAL_SCHOOL = "virtual-school"
ACCESS_INCLUSION = "access-inclusion"
#: Every team the rule can give (spec 6's ids, which the default configuration uses).
RULE_TEAMS = (FRONT_DOOR, VIRTUAL_SCHOOL, EARLY_YEARS, ACCESS_INCLUSION, YOUNG_PEOPLE, SCHOOL_AGE)

#: Year 9 and above go to Services for Young People (preparation for adulthood, reg 20(6)).
YOUNG_PEOPLE_FROM_YEAR = 9


def birthday(dob: date, age: int) -> date:
    """The day a child born on `dob` turns `age`, in calendar months as C3/C4 count them: a child
    born on 29 February has the birthday on 28 February in a common year (as the under-5 review
    rule, CoP 9.178, counts the fifth birthday)."""
    return add_months(dob, 12 * age)


def age_on(dob: date, day: date) -> int:
    """Whole years of age on `day` (a birthday counts from its first day)."""
    years = day.year - dob.year
    return years - 1 if birthday(dob, years) > day else years


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the allocation rule looks at on a day."""

    dob: date
    looked_after: bool
    alternative_provision: bool
    #: a final plan issued on or before the day; before it the case is an assessment
    plan_issued: bool


@dataclass(frozen=True, slots=True)
class Allocation:
    team: str
    reason: str


def allocation(facts: CaseFacts, day: date) -> Allocation:
    """Spec 6, first match: looked after -> virtual-school; under 5 -> early-years; in alternative
    provision -> access-inclusion; Year 9 or above -> young-people; otherwise school-age.
    Assessments before a final plan sit with the front door."""
    if not facts.plan_issued:
        return Allocation(FRONT_DOOR, "assessment before a final plan")
    if facts.looked_after:
        return Allocation(VIRTUAL_SCHOOL, "looked after by the authority")
    if day < birthday(facts.dob, 5):
        return Allocation(EARLY_YEARS, "under 5")
    if facts.alternative_provision:
        return Allocation(ACCESS_INCLUSION, "in alternative provision")
    year = curriculum_year(facts.dob, day)
    if year >= YOUNG_PEOPLE_FROM_YEAR:
        return Allocation(YOUNG_PEOPLE, f"in Year {year} (Year 9 or above)")
    stage = f"Year {year}" if year > 0 else "Reception" if year == 0 else "aged 5, before Reception"
    return Allocation(SCHOOL_AGE, f"school age ({stage})")


def team_for(facts: CaseFacts, day: date) -> str:
    """The id of the team that should hold the case on `day`."""
    return allocation(facts, day).team
