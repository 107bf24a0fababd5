"""SEN2 (issue 12 items 2-3, 5): a fixture of cases with hand-worked expected elements, every file valid
against an XML Schema written from returns.md (tests/data/sen2-YYYY.xsd), planted errors failing it,
kpi's 20-week figures equal to what DfE would compute from the file, and `--check` listing exactly the
planted problems.

Collection 2026: requests of calendar 2025 (1 Jan - 31 Dec 2025) and plans active on the census date,
the third Thursday of January 2026: 1 Jan 2026 is a Thursday, so 1, 8, 15 -> 15 Jan 2026.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from sendtrack.app import returns
from sendtrack.storage.returns import Placement, ReturnCase

xmlschema = pytest.importorskip("xmlschema", reason="xmlschema is in the test extra")

DATA = Path(__file__).parent / "data"
# UPNs of valid form: L919200025001 by hand: digits 9 1 9 2 0 0 0 2 5 0 0 1 at positions 2..13,
# 2*9 + 3*1 + 4*9 + 5*2 + 9*2 + 10*5 + 13*1 = 18 + 3 + 36 + 10 + 18 + 50 + 13 = 148; 148 - 6*23 = 10 -> L.
# The others come from the same algorithm (tested by hand in test_return_fields.py).
UPN = {1: "L919200025001", 2: "A919200025002", 3: "P919200025003", 4: "D919200025004",
       5: "T919200025005", 6: "G919200025006", 7: "W919200025007", 8: "K919200025008",
       9: "Z919200025009"}


def case_values(**given) -> dict:
    """A ReturnCase's values for the fold tests: what a test gives, over a child with no ULN, postcode,
    UPN-unknown reason or secondary need, ethnicity WBRI, not looked after."""
    return {"looked_after": False, "uln": None, "upn_unknown": None, "ethnicity": "WBRI", "postcode": None,
            "secondary_need": None, **given}


def schema(year: int):
    return xmlschema.XMLSchema(str(DATA / f"sen2-{year}.xsd"))


def add(cli, ref, name, dob, received, source, n, extra=""):
    cli.ok(f"add-request --ref {ref} --name '{name}' --dob {dob} --received {received} --source {source} "
           f"--sex {'F' if n % 2 else 'M'} --ethnicity WBRI --upn {UPN[n]} --primary-need ASD {extra}")


def build_fixture(cli):
    # F1: plan in 17 weeks: 6 Jan 2025 + 140 days = 26 May 2025 (Jan 25 + Feb 28 + Mar 31 + Apr 30 + 26);
    # the final on 19 May is 133 days after the request: within 20 weeks, no exception -> Week20 0.
    add(cli, "F1", "Ada Fixture", "2015-03-15", "2025-01-06", "school", 1,
        "--urn 117001 --placement-from 2019-09-01 --placement-phase primary")
    cli.ok("record decision F1 --date 2025-02-10 --outcome assess")
    cli.ok("record draft F1 --date 2025-04-14")
    cli.ok("record final F1 --date 2025-05-19")
    cli.ok("record review-meeting F1 --date 2025-11-17")
    cli.ok("record review-decision F1 --date 2025-11-24 --outcome maintain")
    # F2: 3 Feb 2025 + 140 days = 23 Jun 2025; final 14 Jul = 161 days: late, but an exception (limb c from
    # 1 Apr) is recorded against the final-plan deadline -> Week20 1 (left out of "excluding exceptions").
    add(cli, "F2", "Ben Fixture", "2012-10-01", "2025-02-03", "parent", 2,
        "--urn 117002 --placement-from 2023-09-01 --placement-phase secondary")
    cli.ok("record decision F2 --date 2025-03-10 --outcome assess")
    cli.ok("record exception F2 --limb c --start 2025-04-01 --reason 'family illness'")
    cli.ok("record draft F2 --date 2025-06-09")
    cli.ok("record final F2 --date 2025-07-14")
    # F3: refused -> RequestOutcome N on the decision's date, no Assessment.
    add(cli, "F3", "Cal Fixture", "2018-06-01", "2025-03-03", "health", 3)
    cli.ok("record decision F3 --date 2025-04-07 --outcome refuse")
    # F4: assessed, then a no-plan notice -> AssessmentOutcome N on the notice's date.
    add(cli, "F4", "Dee Fixture", "2016-01-20", "2025-09-01", "school", 4)
    cli.ok("record decision F4 --date 2025-10-06 --outcome assess")
    cli.ok("record no-plan F4 --date 2025-12-01")
    # F5: no decision by the census date -> RequestOutcome A, no date.
    add(cli, "F5", "Eve Fixture", "2019-02-11", "2025-12-01", "parent", 5)
    # F6: a plan from 2022, its cease notified on 10 Mar 2025 (needs met -> CeaseReason 2): historical
    # request and assessment (decided before 1 Jan 2025), not active on the census date. The plan is
    # maintained through the family's appeal window, 10 Mar + 2 months = 10 May 2025 (C4), so it ceased
    # on 11 May 2025 (spec 4.3 cease-effective: "the plan may end from the next day").
    add(cli, "F6", "Fay Fixture", "2008-05-05", "2021-09-06", "school", 6,
        "--urn 117006 --placement-from 2019-09-01 --placement-phase secondary")
    cli.ok("record decision F6 --date 2021-10-11 --outcome assess")
    cli.ok("record draft F6 --date 2021-12-20")
    cli.ok("record final F6 --date 2022-01-24")
    for meeting in ("2023-01-16", "2024-01-15", "2025-01-13"):
        cli.ok(f"record review-meeting F6 --date {meeting}")
    cli.ok("record review-decision F6 --date 2024-01-22 --outcome maintain")
    cli.ok("record review-decision F6 --date 2025-01-27 --outcome cease")
    cli.ok("record cease F6 --date 2025-03-10 --reason needs-met")
    # F7: assessed, then withdrawn -> RequestOutcome Y, AssessmentOutcome W (no date).
    add(cli, "F7", "Gus Fixture", "2014-07-07", "2025-04-07", "parent", 7)
    cli.ok("record decision F7 --date 2025-05-12 --outcome assess")
    cli.ok("record withdrawn F7 --date 2025-06-02")
    # F8: withdrawn before a decision -> RequestOutcome W on the withdrawal's date.
    add(cli, "F8", "Hal Fixture", "2013-08-08", "2025-06-02", "parent", 8)
    cli.ok("record withdrawn F8 --date 2025-06-16")
    # F9: a plan made by another LA in 2020 (its history recorded on the case), transferred in on 1 Apr
    # 2025 from LA 850; a mediation held and an appeal against the plan's contents after it
    add(cli, "F9", "Ivy Fixture", "2012-04-04", "2020-01-06", "parent", 9,
        "--secondary-need SLCN --urn 117009 --placement-from 2024-09-01")
    cli.ok("record decision F9 --date 2020-02-10 --outcome assess")
    cli.ok("record final F9 --date 2020-05-18")
    cli.ok("record transfer-in F9 --date 2025-04-01 --from-la 850")
    cli.ok("record mediation-contact F9 --date 2025-05-20 --wants yes")
    cli.ok("record mediation-held F9 --date 2025-06-02")
    cli.ok("record appeal F9 --date 2025-06-20 --against plan-contents")


FLAGS_REQUEST = ["RequestMediation=0", "RequestTribunal=0", "Exported=0"]
FLAGS_ASSESSMENT = ["AssessmentMediation=0", "AssessmentTribunal=0", "OtherMediation=0", "OtherTribunal=0"]


def person(surname, forename, dob, sex, n):
    return [f"Surname={surname}", f"Forename={forename}", f"PersonBirthDate={dob}", f"Sex={sex}",
            "Ethnicity=WBRI", f"UPN={UPN[n]}"]


# Every element of each Person in document order (path below Person = text), worked from the fixture.
EXPECTED_2026 = {
    "F1": [*person("Fixture", "Ada", "2015-03-15", "F", 1),
           "Requests/ReceivedDate=2025-01-06", "Requests/RequestSource=2",  # school -> 2
           "Requests/RequestOutcomeDate=2025-02-10", "Requests/RequestOutcome=Y",
           *(f"Requests/{f}" for f in FLAGS_REQUEST),
           "Requests/Assessment/AssessmentOutcome=Y", "Requests/Assessment/AssessmentOutcomeDate=2025-05-19",
           *(f"Requests/Assessment/{f}" for f in FLAGS_ASSESSMENT), "Requests/Assessment/Week20=0",
           "Requests/Assessment/NamedPlan/StartDate=2025-05-19",
           # the placement current on the plan's start date
           "Requests/Assessment/NamedPlan/PlanDetail/URN=117001",
           "Requests/Assessment/NamedPlan/PlanDetail/PlacementRank=1",
           "Requests/ActivePlans/PlacementDetail/URN=117001", "Requests/ActivePlans/PlacementDetail/PlacementRank=1",
           "Requests/ActivePlans/PlacementDetail/EntryDate=2019-09-01",
           "Requests/ActivePlans/SENneed/SENtype=ASD", "Requests/ActivePlans/SENneed/SENtypeRank=1",
           "Requests/ActivePlans/ReviewMeeting=2025-11-17", "Requests/ActivePlans/ReviewOutcome=M",
           # born March 2015: Reception Sept 2019, Year 6 -> 7 in Sept 2026, amended before 15 Feb 2026
           "Requests/ActivePlans/PhaseTransferDueDate=2026-02-14",
           "Requests/ActivePlans/LastReview=2025-11-24"],  # 2026: at the end of ActivePlans
    "F2": [*person("Fixture", "Ben", "2012-10-01", "M", 2),
           "Requests/ReceivedDate=2025-02-03", "Requests/RequestSource=1",
           "Requests/RequestOutcomeDate=2025-03-10", "Requests/RequestOutcome=Y",
           *(f"Requests/{f}" for f in FLAGS_REQUEST),
           "Requests/Assessment/AssessmentOutcome=Y", "Requests/Assessment/AssessmentOutcomeDate=2025-07-14",
           *(f"Requests/Assessment/{f}" for f in FLAGS_ASSESSMENT), "Requests/Assessment/Week20=1",
           "Requests/Assessment/NamedPlan/StartDate=2025-07-14",
           "Requests/Assessment/NamedPlan/PlanDetail/URN=117002",
           "Requests/Assessment/NamedPlan/PlanDetail/PlacementRank=1",
           "Requests/ActivePlans/PlacementDetail/URN=117002", "Requests/ActivePlans/PlacementDetail/PlacementRank=1",
           "Requests/ActivePlans/PlacementDetail/EntryDate=2023-09-01",
           # born Oct 2012: Year 11 -> 12 in Sept 2029 (due 30 Mar 2029): beyond a year after the census
           "Requests/ActivePlans/SENneed/SENtype=ASD", "Requests/ActivePlans/SENneed/SENtypeRank=1"],
    "F3": [*person("Fixture", "Cal", "2018-06-01", "F", 3),
           "Requests/ReceivedDate=2025-03-03", "Requests/RequestSource=3",
           "Requests/RequestOutcomeDate=2025-04-07", "Requests/RequestOutcome=N",
           *(f"Requests/{f}" for f in FLAGS_REQUEST)],
    "F4": [*person("Fixture", "Dee", "2016-01-20", "M", 4),
           "Requests/ReceivedDate=2025-09-01", "Requests/RequestSource=2",
           "Requests/RequestOutcomeDate=2025-10-06", "Requests/RequestOutcome=Y",
           *(f"Requests/{f}" for f in FLAGS_REQUEST),
           "Requests/Assessment/AssessmentOutcome=N", "Requests/Assessment/AssessmentOutcomeDate=2025-12-01",
           *(f"Requests/Assessment/{f}" for f in FLAGS_ASSESSMENT), "Requests/Assessment/Week20=0"],
    "F5": [*person("Fixture", "Eve", "2019-02-11", "F", 5),
           "Requests/ReceivedDate=2025-12-01", "Requests/RequestSource=1", "Requests/RequestOutcome=A",
           *(f"Requests/{f}" for f in FLAGS_REQUEST)],
    "F6": [*person("Fixture", "Fay", "2008-05-05", "M", 6),
           "Requests/ReceivedDate=2021-09-06", "Requests/RequestSource=2",
           "Requests/RequestOutcomeDate=2021-10-11", "Requests/RequestOutcome=H",  # decided before 2025
           *(f"Requests/{f}" for f in FLAGS_REQUEST),
           "Requests/Assessment/AssessmentOutcome=H",
           *(f"Requests/Assessment/{f}" for f in FLAGS_ASSESSMENT),
           "Requests/Assessment/NamedPlan/StartDate=2022-01-24",
           "Requests/Assessment/NamedPlan/PlanDetail/URN=117006",
           "Requests/Assessment/NamedPlan/PlanDetail/PlacementRank=1",
           "Requests/Assessment/NamedPlan/CeaseDate=2025-05-11",
           "Requests/Assessment/NamedPlan/CeaseReason=2"],  # needs-met -> 2; ceased: no ActivePlans
    "F7": [*person("Fixture", "Gus", "2014-07-07", "F", 7),
           "Requests/ReceivedDate=2025-04-07", "Requests/RequestSource=1",
           "Requests/RequestOutcomeDate=2025-05-12", "Requests/RequestOutcome=Y",
           *(f"Requests/{f}" for f in FLAGS_REQUEST),
           "Requests/Assessment/AssessmentOutcome=W",
           *(f"Requests/Assessment/{f}" for f in FLAGS_ASSESSMENT)],
    "F8": [*person("Fixture", "Hal", "2013-08-08", "M", 8),
           "Requests/ReceivedDate=2025-06-02", "Requests/RequestSource=1",
           "Requests/RequestOutcomeDate=2025-06-16", "Requests/RequestOutcome=W",
           *(f"Requests/{f}" for f in FLAGS_REQUEST)],
    "F9": [*person("Fixture", "Ivy", "2012-04-04", "F", 9),
           "Requests/ReceivedDate=2020-01-06", "Requests/RequestSource=1",
           "Requests/RequestOutcomeDate=2020-02-10", "Requests/RequestOutcome=H",  # made to the old LA
           *(f"Requests/{f}" for f in FLAGS_REQUEST),
           "Requests/Assessment/AssessmentOutcome=H",
           "Requests/Assessment/AssessmentMediation=0", "Requests/Assessment/AssessmentTribunal=0",
           # the mediation and the appeal came after the plan: "other" (its contents)
           "Requests/Assessment/OtherMediation=1", "Requests/Assessment/OtherTribunal=1",
           "Requests/Assessment/NamedPlan/StartDate=2020-05-18",  # no placement current then: no PlanDetail
           "Requests/ActivePlans/TransferLA=850",
           "Requests/ActivePlans/PlacementDetail/URN=117009", "Requests/ActivePlans/PlacementDetail/PlacementRank=1",
           "Requests/ActivePlans/PlacementDetail/EntryDate=2024-09-01",
           "Requests/ActivePlans/SENneed/SENtype=ASD", "Requests/ActivePlans/SENneed/SENtypeRank=1",
           "Requests/ActivePlans/SENneed/SENtype=SLCN", "Requests/ActivePlans/SENneed/SENtypeRank=2"],
    # born April 2012: Year 11 -> 12 in Sept 2028 (due 30 Mar 2028): beyond a year after the census
}


def flatten(element: ET.Element, prefix: str = "") -> list[str]:
    out = []
    for child in element:
        path = f"{prefix}{child.tag}"
        if len(child):
            out += flatten(child, path + "/")
        else:
            out.append(f"{path}={child.text}")
    return out


def persons_by_ref(path: Path) -> dict[str, list[str]]:
    """Each Person's elements, keyed by the fixture ref its UPN belongs to."""
    refs = {upn: f"F{n}" for n, upn in UPN.items()}
    return {refs[p.findtext("UPN")]: flatten(p) for p in ET.parse(path).getroot().iter("Person")}


@pytest.fixture
def fixture_cli(cli):
    build_fixture(cli)
    return cli


def test_the_fixture_matches_element_for_element_and_is_valid(fixture_cli, tmp_path):
    out = tmp_path / "sen2.xml"
    fixture_cli.ok(f"sen2 --year 2026 --la 919 --out {out}")
    schema(2026).validate(str(out))
    got = persons_by_ref(out)
    assert sorted(got) == sorted(EXPECTED_2026)
    for ref, expected in EXPECTED_2026.items():
        assert got[ref] == expected, ref
    header = flatten(ET.parse(out).getroot().find("Header"))
    assert header[:3] == ["CollectionDetails/Collection=SEN2", "CollectionDetails/Year=2026",
                          "CollectionDetails/ReferenceDate=2026-01-15"]
    assert header[3:6] == ["Source/SourceLevel=L", "Source/LEA=919", "Source/SoftwareCode=sendtrack"]


def test_the_fixture_on_each_backend(backend_cli, tmp_path):
    """The same return from PostgreSQL (dates come back as dates, not text) as from SQLite; the Annex A
    secret is kept there too."""
    build_fixture(backend_cli)
    out = tmp_path / "sen2.xml"
    backend_cli.ok(f"sen2 --year 2026 --la 919 --out {out}")
    schema(2026).validate(str(out))
    assert persons_by_ref(out) == EXPECTED_2026
    assert backend_cli.ok("sen2 --year 2026 --la 919 --check --format json") == "[]\n"
    backend_cli.ok(f"annex-a --out {tmp_path / 'a.xlsx'} --as-of 2026-01-15")


def test_2025_keeps_last_review_before_the_review_outcome(fixture_cli, tmp_path):
    """Collection 2025 (census 16 Jan 2025: 1 Jan 2025 is a Wednesday, Thursdays 2, 9, 16) has none of
    the fixture's 2025 requests; F6's plan is active then (ceased in March), and LastReview stands after
    ReviewMeeting as in the 2025 structure."""
    out = tmp_path / "sen2-2025.xml"
    fixture_cli.ok(f"sen2 --year 2025 --la 919 --out {out}")
    schema(2025).validate(str(out))
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        schema(2026).validate(str(out))  # the other year's order is refused
    got = persons_by_ref(out)
    assert sorted(got) == ["F6"]
    active = [e for e in got["F6"] if e.startswith("Requests/ActivePlans/")]
    assert active == ["Requests/ActivePlans/PlacementDetail/URN=117006",
                      "Requests/ActivePlans/PlacementDetail/PlacementRank=1",
                      "Requests/ActivePlans/PlacementDetail/EntryDate=2019-09-01",
                      "Requests/ActivePlans/SENneed/SENtype=ASD", "Requests/ActivePlans/SENneed/SENtypeRank=1",
                      # the meeting of 13 Jan 2025 is the last before the census; its decision came
                      # later, so the last review decided is 22 Jan 2024's (maintain)
                      "Requests/ActivePlans/ReviewMeeting=2025-01-13",
                      "Requests/ActivePlans/LastReview=2024-01-22",
                      "Requests/ActivePlans/ReviewOutcome=M",
                      # born May 2008: Reception Sept 2012, Year 11 -> 12 in Sept 2024, due the day before
                      # 31 Mar 2024: inside 1 Jan 2024 .. a year after the census; not yet amended for it
                      "Requests/ActivePlans/PhaseTransferDueDate=2024-03-30"]


def dfe_twenty_weeks(path: Path, year: int) -> dict:
    """What DfE computes from a file: plans issued in `year` (AssessmentOutcome Y dated in it), within
    20 weeks when issued no later than ReceivedDate + 140 days; Week20 = 1 leaves a plan out of the
    figure excluding exceptions."""
    within = total = within_ex = total_ex = 0
    for request in ET.parse(path).getroot().iter("Requests"):
        assessment = request.find("Assessment")
        if assessment is None or assessment.findtext("AssessmentOutcome") != "Y":
            continue
        issued = date.fromisoformat(assessment.findtext("AssessmentOutcomeDate"))
        if issued.year != year:
            continue
        on_time = issued <= date.fromisoformat(request.findtext("ReceivedDate")) + timedelta(days=140)
        total += 1
        within += on_time
        if assessment.findtext("Week20") == "0":
            total_ex += 1
            within_ex += on_time
    return {"including_exceptions": (within, total), "excluding_exceptions": (within_ex, total_ex)}


def kpi_twenty_weeks(cli, year: int, census: str) -> dict:
    data = cli.json(f"kpi --year {year} --as-of {census} --format json")["final_plan_20_weeks"]
    return {k: (v["within"], v["total"]) for k, v in data.items()}


def test_kpi_twenty_weeks_equals_dfe_from_the_fixture_file(fixture_cli, tmp_path):
    out = tmp_path / "sen2.xml"
    fixture_cli.ok(f"sen2 --year 2026 --la 919 --out {out}")
    # by hand: F1 within (133 days), F2 late (161 days) with Week20 1: incl. 1 of 2, excl. 1 of 1
    assert dfe_twenty_weeks(out, 2025) == {"including_exceptions": (1, 2), "excluding_exceptions": (1, 1)}
    assert kpi_twenty_weeks(fixture_cli, 2025, "2026-01-15") == dfe_twenty_weeks(out, 2025)


def test_kpi_twenty_weeks_equals_dfe_at_sample_scale(cli, tmp_path):
    cli.ok("sample --cases 400 --seed 7 --as-of 2026-02-01")
    out = tmp_path / "sample.xml"
    cli.ok(f"sen2 --year 2026 --la 919 --out {out}")
    schema(2026).validate(str(out))
    dfe = dfe_twenty_weeks(out, 2025)
    assert dfe["including_exceptions"][1] > 20 and dfe["excluding_exceptions"][1] < dfe["including_exceptions"][1]
    assert kpi_twenty_weeks(cli, 2025, "2026-01-15") == dfe


# --- planted errors fail the schema -----------------------------------------------------------------------

@pytest.mark.parametrize("plant", [
    ("<PersonBirthDate>2015-03-15</PersonBirthDate>", "<PersonBirthDate>03/06/2024</PersonBirthDate>"),
    ("<Sex>F</Sex>", ""),
    ("<RequestOutcome>Y</RequestOutcome>", "<RequestOutcome>X</RequestOutcome>"),
    ("<SENtype>ASD</SENtype>", "<SENtype>AUT</SENtype>"),
    ("<RequestSource>2</RequestSource>", "<RequestSource>6</RequestSource>"),
], ids=["date-dd-mm-yyyy", "missing-sex", "bad-request-outcome", "bad-sen-type", "bad-source"])
def test_a_planted_error_fails_the_schema(fixture_cli, tmp_path, plant):
    out = tmp_path / "sen2.xml"
    fixture_cli.ok(f"sen2 --year 2026 --la 919 --out {out}")
    text = out.read_text(encoding="utf-8")
    old, new = plant
    assert old in text
    bad = tmp_path / "bad.xml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        schema(2026).validate(str(bad))


# --- a transferred-in plan (transfer-in is issue 13's kind: folded here from its events) ---------------------

def test_a_transferred_in_plan_is_historical_with_the_old_la():
    events = ((1, "request", date(2020, 1, 6), {"source": "parent"}),
              (2, "decision", date(2020, 2, 10), {"outcome": "assess"}),
              (3, "final", date(2020, 5, 18), {}),
              (4, "transfer-in", date(2025, 4, 1), {"from_la": "850"}),
              (5, "mediation-held", date(2025, 6, 2), {}),  # after the plan: "other" mediation
              (6, "appeal", date(2025, 6, 20), {"against": "plan-contents"}))
    values = case_values(id=9, ref="T1", name="Ivy May Transfer", dob=date(2012, 4, 4),
                         received=date(2020, 1, 6), source="parent", upn=UPN[1], sex="F", primary_need="SLCN",
                         secondary_need="ASD")
    case = ReturnCase(values, events, (Placement("117009", None, None, 1, date(2024, 9, 1), None, None),),
                      (date(2020, 5, 25), date(2020, 5, 18), None), ())
    record = returns.fold(case, returns.Collection(2026))
    assert record is not None
    element = ET.Element("Person")
    returns._emit(element, "Person", returns.person_values(record), returns.codes.SEN2_STRUCTURE[2026])
    assert flatten(element) == [
        "Surname=Transfer", "Forename=Ivy May", "PersonBirthDate=2012-04-04", "Sex=F", "Ethnicity=WBRI",
        f"UPN={UPN[1]}", "Requests/ReceivedDate=2020-01-06", "Requests/RequestSource=1",
        "Requests/RequestOutcomeDate=2020-02-10", "Requests/RequestOutcome=H",  # made to the old LA
        "Requests/RequestMediation=0", "Requests/RequestTribunal=0", "Requests/Exported=0",
        "Requests/Assessment/AssessmentOutcome=H", "Requests/Assessment/AssessmentMediation=0",
        "Requests/Assessment/AssessmentTribunal=0", "Requests/Assessment/OtherMediation=1",
        "Requests/Assessment/OtherTribunal=1", "Requests/Assessment/NamedPlan/StartDate=2020-05-18",
        # no placement was current on 18 May 2020: no PlanDetail
        "Requests/ActivePlans/TransferLA=850", "Requests/ActivePlans/PlacementDetail/URN=117009",
        "Requests/ActivePlans/PlacementDetail/PlacementRank=1",
        "Requests/ActivePlans/PlacementDetail/EntryDate=2024-09-01",
        "Requests/ActivePlans/SENneed/SENtype=SLCN", "Requests/ActivePlans/SENneed/SENtypeRank=1",
        "Requests/ActivePlans/SENneed/SENtype=ASD", "Requests/ActivePlans/SENneed/SENtypeRank=2"]
    assert record.problems == []


def test_transferred_out_ends_the_plan_with_cease_reason_5():
    events = ((1, "request", date(2023, 1, 9), {}), (2, "decision", date(2023, 2, 13), {"outcome": "assess"}),
              (3, "final", date(2023, 5, 22), {}), (4, "transferred-out", date(2025, 10, 1), {}))
    values = case_values(id=3, ref="T2", name="Jo Out", dob=date(2014, 1, 1), received=date(2023, 1, 9),
                         source="school", upn=UPN[2], sex="M", primary_need="MLD")
    record = returns.fold(ReturnCase(values, events, (), None, ()), returns.Collection(2026))
    assert record is not None and record.active is None
    assert record.named_plan == {"StartDate": date(2023, 5, 22), "CeaseDate": date(2025, 10, 1),
                                 "CeaseReason": "5"}
    assert record.request["Exported"] == "1"


# --- sen2 --check -------------------------------------------------------------------------------------------

def test_check_lists_exactly_the_planted_problems(cli):
    build_fixture(cli)
    assert cli.ok("sen2 --year 2026 --la 919 --check --format json") == "[]\n"  # the fixture is clean
    # planted: P1 no sex, no ethnicity, no UPN and no reason; P2 an active plan with no primary need and no
    # placement; P3 a cease reason SEN2 has no code for; P4 a placement without an entry date
    cli.ok("add-request --ref P1 --name 'Kit Planted' --dob 2016-01-01 --received 2025-03-03")
    cli.ok("add-request --ref P2 --name 'Lou Planted' --dob 2016-01-01 --received 2025-01-13 --sex F "
           "--ethnicity WBRI --upn-unknown UN2")
    cli.ok("record decision P2 --date 2025-02-17 --outcome assess")
    cli.ok("record final P2 --date 2025-05-26")
    cli.ok(f"add-request --ref P3 --name 'Max Planted' --dob 2007-01-01 --received 2021-01-11 --sex M "
           f"--ethnicity WBRI --upn {UPN[1]} --allow-duplicate")  # F1's UPN: add-request asks
    cli.ok("record decision P3 --date 2021-02-15 --outcome assess")
    cli.ok("record final P3 --date 2021-05-24")
    cli.ok("record cease P3 --date 2025-04-01 --reason 'moved to the moon'")
    cli.ok("add-request --ref P4 --name 'Ned Planted' --dob 2016-01-01 --received 2025-01-13 --sex M "
           "--ethnicity WBRI --upn-unknown UN1 --primary-need SLCN --setting-type OLA")
    cli.ok("record decision P4 --date 2025-02-17 --outcome assess")
    cli.ok("record final P4 --date 2025-05-26")
    result = cli.fails("sen2 --year 2026 --la 919 --check --format json")
    problems = [(p["ref"], p["problem"]) for p in json.loads(result.stdout)]
    assert problems == [
        ("F1", "upn-shared"),  # P3 was given F1's UPN
        ("P1", "no-ethnicity"), ("P1", "no-sex"), ("P1", "no-upn"),
        ("P2", "no-placement"), ("P2", "no-primary-need"),
        ("P3", "cease-reason"), ("P3", "upn-shared"),
        ("P4", "no-entry-date"),
    ]
    assert "4 case(s)" not in result.stderr and "5 case(s) with 9 problem(s)" in result.stderr
    for secret in ("Kit Planted", "Lou", "2016-01-01", UPN[1]):
        assert secret not in result.stdout + result.stderr


def test_check_writes_nothing_and_sen2_refuses_while_the_schema_would_break(cli, tmp_path):
    cli.ok("add-request --ref P1 --name 'Kit Planted' --dob 2016-01-01 --received 2025-03-03")
    out = tmp_path / "never.xml"
    cli.fails("sen2 --year 2026 --la 919 --check")
    refused = cli.fails(f"sen2 --year 2026 --la 919 --check --out {out}", code=2)
    assert "--check writes nothing" in refused.stderr
    result = cli.fails(f"sen2 --year 2026 --la 919 --out {out}")
    assert "nothing was written" in result.stderr and "Kit" not in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("line,message", [
    ("sen2 --year 2024 --la 919", "2025 and 2026"),
    ("sen2 --year 2026 --la 91", "3 digits"),
    ("sen2 --year 2026 --la 919 --serial 1", "3 digits"),
    ("sen2 --year 2026 --la 919 --serial ١٢٣", "3 digits"),  # Arabic-Indic digits pass str.isdigit
    ("sen2 --year 2026 --la 919 --serial ²³⁴", "3 digits"),
    ("sen2 --year 2026 --la ９１９", "3 digits"),
])
def test_bad_options_are_refused_in_one_line(cli, line, message):
    result = cli.fails(line)
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


# --- refusals and omissions found by the stop-17 breaker ------------------------------------------------

def test_a_placement_left_after_the_census_date_was_current_on_it():
    # census 15 Jan 2026: a placement leaving 20 Jul 2026 had not ended that day, so it is the current
    # placement (no LeavingDate) and the next one (from 1 Sep 2026) is not in the return at all
    events = ((1, "request", date(2023, 1, 9), {}), (2, "decision", date(2023, 2, 13), {"outcome": "assess"}),
              (3, "final", date(2023, 5, 22), {}))
    values = case_values(id=3, ref="C1", name="Jo Census", dob=date(2014, 1, 1), received=date(2023, 1, 9),
                         source="school", upn=UPN[3], sex="M", primary_need="MLD")
    placed = (Placement("111111", None, None, 1, date(2020, 9, 1), date(2026, 7, 20), None),
              Placement("222222", None, None, 1, date(2026, 9, 1), None, None))
    record = returns.fold(ReturnCase(values, events, placed, None, ()), returns.Collection(2026))
    assert record is not None
    assert record.placements == [{"URN": "111111", "UKPRN": None, "SENSetting": None, "PlacementRank": "1",
                                  "EntryDate": date(2020, 9, 1), "LeavingDate": None}]
    assert "no-placement" not in [code for code, _ in record.problems]


def test_a_one_word_name_is_a_problem_to_check():
    events = ((1, "request", date(2025, 3, 3), {}),)
    values = case_values(id=4, ref="M1", name="Mononym", dob=date(2014, 1, 1), received=date(2025, 3, 3),
                         source="parent", upn=UPN[4], sex="F", primary_need=None)
    record = returns.fold(ReturnCase(values, events, (), None, ()), returns.Collection(2026))
    assert record is not None and [code for code, _ in record.problems] == ["one-name"]
    two = returns.fold(ReturnCase({**values, "name": "Ann Ann"}, events, (), None, ()), returns.Collection(2026))
    assert two is not None and two.problems == []


def test_an_empty_return_is_refused(cli, tmp_path):
    out = tmp_path / "empty.xml"
    result = cli.fails(f"sen2 --year 2026 --la 919 --out {out}")
    assert "at least one person" in result.stderr and not out.exists()


def test_an_erased_case_is_in_no_return(cli, tmp_path):
    add(cli, "E1", "Ada Erasable", "2015-03-15", "2025-01-06", "school", 1,
        "--urn 117001 --placement-from 2019-09-01 --placement-phase primary")
    cli.ok("record decision E1 --date 2025-02-10 --outcome assess")
    cli.ok("record final E1 --date 2025-05-19")
    add(cli, "E2", "Ben Kept", "2012-10-01", "2025-02-03", "parent", 2,
        "--urn 117002 --placement-from 2023-09-01 --placement-phase secondary")
    out = tmp_path / "before.xml"
    cli.ok(f"sen2 --year 2026 --la 919 --out {out}")
    assert out.read_text(encoding="utf-8").count("<Person>") == 2
    # erase refuses an open case with a deadline outstanding (E1's plan has its review due), --force
    # or not: the plan is ceased first, then the closed case erased
    cli.ok("record cease E1 --date 2025-12-01 --reason needs-met")
    cli.ok("erase E1 --reason 'family request'")
    after = tmp_path / "after.xml"
    cli.ok(f"sen2 --year 2026 --la 919 --out {after}")
    text = after.read_text(encoding="utf-8")
    assert text.count("<Person>") == 1 and "(erased)" not in text and "Kept" in text
    schema(2026).validate(str(after))
    book = tmp_path / "a.xlsx"
    cli.ok(f"annex-a --as-of 2026-01-15 --out {book}")
    python_calamine = pytest.importorskip("python_calamine")
    rows = python_calamine.CalamineWorkbook.from_path(str(book)).get_sheet_by_name("List_1").to_python()
    assert len(rows) == 1  # the headings only: E1's plan was the one maintained, and it is erased


def test_no_return_while_an_import_is_unfinished(cli, private_db, tmp_path):
    add(cli, "U1", "Ada Unfinished", "2015-03-15", "2025-01-06", "school", 1)
    from sendtrack.storage import bulk
    from sendtrack.storage.db import Location, open_database

    db = open_database(Location(path=private_db))
    with db.write():
        bulk.put_import_marker(db, {"file": "big.csv", "written": 1200, "cases": 6000, "staging": "x"})
    db.close()
    out = tmp_path / "part.xml"
    for line in (f"sen2 --year 2026 --la 919 --out {out}", "sen2 --year 2026 --la 919 --check",
                 f"annex-a --out {tmp_path / 'a.xlsx'}"):
        result = cli.fails(line)
        assert "import is unfinished" in result.stderr and "1200 of 6000" in result.stderr
    assert not out.exists() and not (tmp_path / "a.xlsx").exists()


def test_the_la_code_is_written_as_checked(cli, tmp_path):
    add(cli, "L1", "Ada Spaced", "2015-03-15", "2025-01-06", "school", 1)
    out = tmp_path / "la.xml"
    cli.ok(["sen2", "--year", "2026", "--la", " 919 ", "--out", str(out)])
    assert "<LEA>919</LEA>" in out.read_text(encoding="utf-8")


def test_a_plan_whose_cease_had_not_taken_effect_is_active_on_the_census_date():
    # cease notified 1 Dec 2025: the appeal window runs to 1 Feb 2026 (C4), after the census date
    # (15 Jan 2026), so the plan was still maintained that day: ActivePlans, no CeaseDate
    events = ((1, "request", date(2023, 1, 9), {}), (2, "decision", date(2023, 2, 13), {"outcome": "assess"}),
              (3, "final", date(2023, 5, 22), {}), (4, "cease", date(2025, 12, 1), {"reason": "needs-met"}))
    values = case_values(id=5, ref="C5", name="Jo Ceasing", dob=date(2010, 1, 1), received=date(2023, 1, 9),
                         source="school", upn=UPN[5], sex="M", primary_need="MLD")
    placed = (Placement("111111", None, None, 1, date(2020, 9, 1), None, None),)
    record = returns.fold(ReturnCase(values, events, placed, None, ()), returns.Collection(2026))
    assert record is not None and record.active is not None
    assert record.named_plan == {"StartDate": date(2023, 5, 22)}
    # the same cease notified 1 Oct 2025: window to 1 Dec 2025, ceased 2 Dec 2025, before the census
    earlier = (*events[:3], (4, "cease", date(2025, 10, 1), {"reason": "needs-met"}))
    record = returns.fold(ReturnCase(values, earlier, placed, None, ()), returns.Collection(2026))
    assert record is not None and record.active is None
    assert record.named_plan == {"StartDate": date(2023, 5, 22), "CeaseDate": date(2025, 12, 2),
                                 "CeaseReason": "2"}
    # appealed on 20 Oct 2025 (inside the window) and no order by the census date: still maintained
    appealed = (*earlier, (5, "appeal", date(2025, 10, 20), {"against": "cease"}))
    record = returns.fold(ReturnCase(values, appealed, placed, None, ()), returns.Collection(2026))
    assert record is not None and record.active is not None and "CeaseDate" not in record.named_plan


def test_a_plan_made_under_a_tribunal_order_to_assess():
    # refused 10 Feb 2025, appealed 1 Mar, the Tribunal ordered the assessment on 1 Jul, the plan
    # issued 1 Oct 2025: the order stands for the decision (Y, dated 1 Jul), the appeal sets
    # RequestTribunal, the plan is active on 15 Jan 2026, and Week20 is 1 (reg 44's periods, not the
    # 20 weeks, applied)
    events = ((1, "request", date(2025, 1, 6), {"source": "parent"}),
              (2, "decision", date(2025, 2, 10), {"outcome": "refuse"}),
              (3, "appeal", date(2025, 3, 1), {"against": "refuse-assess"}),
              (4, "tribunal-order", date(2025, 7, 1), {"order": "assess"}),
              (5, "final", date(2025, 10, 1), {}))
    values = case_values(id=6, ref="O1", name="Jo Ordered", dob=date(2014, 1, 1), received=date(2025, 1, 6),
                         source="parent", upn=UPN[6], sex="M", primary_need="MLD")
    placed = (Placement("111111", None, None, 1, date(2020, 9, 1), None, None),)
    record = returns.fold(ReturnCase(values, events, placed, (date(2025, 5, 26), None, None), ()),
                          returns.Collection(2026))
    assert record is not None and record.active is not None
    assert (record.request["RequestOutcome"], record.request["RequestOutcomeDate"]) == ("Y", date(2025, 7, 1))
    assert record.request["RequestTribunal"] == "1"
    assert record.assessment is not None
    assert (record.assessment["AssessmentOutcome"], record.assessment["AssessmentOutcomeDate"],
            record.assessment["Week20"]) == ("Y", date(2025, 10, 1), "1")
    assert record.problems == []


def test_a_plan_made_under_a_tribunal_order_to_make_one():
    # requested 6 Jan 2025, assessed (decision 10 Feb), notice of no plan 14 Apr, appealed 1 May, the
    # Tribunal ordered a plan on 1 Aug, the plan issued 20 Oct 2025. By hand: RequestOutcome Y (10 Feb);
    # AssessmentOutcome Y dated 20 Oct (the final); AssessmentTribunal 1 (the appeal against the
    # notice); Week20 1: the plan ran to reg 44(2)(d)-(e)'s periods from the order (draft + 5 weeks,
    # final + 11 weeks), not the 20 weeks from the request (due 26 May 2025 = 6 Jan + 140 days; the
    # final came 287 days after the request: 25 + 28 + 31 + 30 + 31 + 30 + 31 + 31 + 30 + 20), and kpi
    # leaves it out of its 20-week figures as it does a plan under an order to assess. It was 0.
    events = ((1, "request", date(2025, 1, 6), {"source": "parent"}),
              (2, "decision", date(2025, 2, 10), {"outcome": "assess"}),
              (3, "no-plan", date(2025, 4, 14), {}),
              (4, "appeal", date(2025, 5, 1), {"against": "no-plan"}),
              (5, "tribunal-order", date(2025, 8, 1), {"order": "make-plan"}),
              (6, "final", date(2025, 10, 20), {}))
    values = case_values(id=7, ref="O2", name="Jo Planned", dob=date(2014, 1, 1), received=date(2025, 1, 6),
                         source="parent", upn=UPN[6], sex="M", primary_need="MLD")
    placed = (Placement("111111", None, None, 1, date(2020, 9, 1), None, None),)
    record = returns.fold(ReturnCase(values, events, placed, (date(2025, 5, 26), None, None), ()),
                          returns.Collection(2026))
    assert record is not None and record.active is not None
    assert (record.request["RequestOutcome"], record.request["RequestOutcomeDate"]) == ("Y", date(2025, 2, 10))
    assert record.assessment is not None
    assert record.assessment["AssessmentTribunal"] == "1"
    assert (record.assessment["AssessmentOutcome"], record.assessment["AssessmentOutcomeDate"],
            record.assessment["Week20"]) == ("Y", date(2025, 10, 20), "1")
