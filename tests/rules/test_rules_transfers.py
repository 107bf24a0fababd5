"""Phase transfers (reg 18, spec 4.2 and 8.7): school year from date of birth, 14 Feb / 30 Mar (C6),
and moves between post-16 institutions (S - 5 months, C4 backwards)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sendtrack.domain import Status
from sendtrack.rules.transfers import reception_year

MET, LATE, OPEN, OVERDUE = Status.MET, Status.LATE, Status.OPEN, Status.OVERDUE
NA = Status.NOT_APPLICABLE

TRANSFER_RULES = ("phase-transfer", "post16-transfer", "post16-move")


#: a plan event recorded --for-transfer (it names the next placement, spec 8.7)
FT = {"for_transfer": True}


def plan_case(make_case, final: date, events=(), dob: date = date(2014, 10, 10)):
    received = final - timedelta(weeks=19)
    path = [("decision", received + timedelta(weeks=5), {"outcome": "assess"}),
            ("draft", final - timedelta(weeks=4)), ("final", final)]
    return make_case(received, [*path, *events], dob=dob)


def transfer_dues(judged, case, as_of):
    return sorted((j.deadline.rule, j.deadline.due, j.deadline.act_by)
                  for rule in TRANSFER_RULES for j in judged(case, as_of, rule))


# --- the national curriculum year from the date of birth -------------------------------------------

@pytest.mark.parametrize(
    ("dob", "reception"),
    [
        # born 1 Sep Y .. 31 Aug Y+1 -> Reception in September Y+5
        pytest.param(date(2014, 8, 31), 2018, id="born-31-august"),  # Y = 2013
        pytest.param(date(2014, 9, 1), 2019, id="born-1-september"),  # Y = 2014
        pytest.param(date(2015, 1, 1), 2019, id="born-1-january"),  # Y = 2014
        pytest.param(date(2016, 2, 29), 2020, id="born-leap-day"),  # Y = 2015
        pytest.param(date(2014, 10, 10), 2019, id="golden-g08"),  # Y = 2014
    ],
)
def test_reception_year(dob, reception):
    assert reception_year(dob) == reception


# --- default transfers: Reception, Year 6 -> 7 (14 Feb) and Year 11 -> 12 (30 Mar) ------------------

@pytest.mark.parametrize(
    ("dob", "final", "as_of", "expected"),
    [
        # golden G08: born Fri 10 Oct 2014 -> Reception Sept 2019 -> Year 7 Sept 2026: before 15 Feb 2026
        # = Sat 14 Feb 2026 (act-by Fri 13 Feb); Year 12 Sept 2031: before 31 Mar 2031 = Sun 30 Mar 2031
        # (act-by Fri 28 Mar; Good Friday 2031 is 11 Apr)
        pytest.param(date(2014, 10, 10), date(2023, 5, 22), date(2025, 12, 1),
                     [("phase-transfer", date(2026, 2, 14), date(2026, 2, 13)),
                      ("post16-transfer", date(2031, 3, 30), date(2031, 3, 28))], id="golden-g08"),
        # born Sun 31 Aug 2014 -> Reception Sept 2018 -> Year 7 Sept 2025: Fri 14 Feb 2025;
        # Year 12 Sept 2030: Sat 30 Mar 2030 -> act-by Fri 29 Mar 2030 (Good Friday 2030 is 19 Apr)
        pytest.param(date(2014, 8, 31), date(2023, 5, 22), date(2024, 12, 1),
                     [("phase-transfer", date(2025, 2, 14), date(2025, 2, 14)),
                      ("post16-transfer", date(2030, 3, 30), date(2030, 3, 29))], id="born-31-august"),
        # born Mon 1 Sep 2014 -> Reception Sept 2019: same dates as G08
        pytest.param(date(2014, 9, 1), date(2023, 5, 22), date(2025, 12, 1),
                     [("phase-transfer", date(2026, 2, 14), date(2026, 2, 13)),
                      ("post16-transfer", date(2031, 3, 30), date(2031, 3, 28))], id="born-1-september"),
        # born Sat 10 Oct 2020 -> Reception Sept 2025: before 15 Feb 2025 = Fri 14 Feb 2025, plus
        # Year 7 Sept 2032 (Sat 14 Feb 2032 -> Fri 13 Feb) and Year 12 Sept 2037 (Mon 30 Mar 2037;
        # Easter 2037 is 5 Apr, so a working day)
        pytest.param(date(2020, 10, 10), date(2024, 7, 1), date(2024, 8, 1),
                     [("phase-transfer", date(2025, 2, 14), date(2025, 2, 14)),
                      ("phase-transfer", date(2032, 2, 14), date(2032, 2, 13)),
                      ("post16-transfer", date(2037, 3, 30), date(2037, 3, 30))], id="reception-entry"),
        # plan first issued Mon 2 Mar 2026, after the 14 Feb 2026 deadline: no Year 7 deadline (spec 8.7)
        pytest.param(date(2014, 10, 10), date(2026, 3, 2), date(2026, 3, 10),
                     [("post16-transfer", date(2031, 3, 30), date(2031, 3, 28))], id="plan-after-deadline"),
    ],
)
def test_default_transfer_deadlines(make_case, judged, dob, final, as_of, expected):
    assert transfer_dues(judged, plan_case(make_case, final, dob=dob), as_of) == expected


def test_first_plan_for_transfer_completes_it(make_case, judged):
    # first final plan Fri 10 Oct 2025, recorded --for-transfer (names the secondary school): met on the
    # day it was issued, inside the 12 months before Tue 1 Sep 2026 and before Sat 14 Feb 2026
    received = date(2025, 10, 10) - timedelta(weeks=19)
    case = make_case(received, [("decision", received + timedelta(weeks=5), {"outcome": "assess"}),
                                ("draft", date(2025, 9, 12)), ("final", date(2025, 10, 10), FT)],
                     dob=date(2014, 10, 10))
    year7 = [j for j in judged(case, date(2026, 3, 1), "phase-transfer") if j.deadline.due == date(2026, 2, 14)]
    assert [(j.status, j.completed_on) for j in year7] == [(MET, date(2025, 10, 10))]


@pytest.mark.parametrize(
    ("final", "events", "as_of", "status"),
    [
        # Year 7 in Sept 2026, due Sat 14 Feb 2026; plans recorded --for-transfer count from Mon 1 Sep
        # 2025, 12 months before the transfer on Tue 1 Sep 2026 (spec 8.7)
        pytest.param(date(2023, 5, 22), [("amended-plan", date(2025, 9, 1), FT)], date(2026, 3, 1), MET,
                     id="amended-on-1-september-of-year-before"),
        pytest.param(date(2023, 5, 22), [("amended-plan", date(2025, 8, 31), FT)], date(2026, 3, 1), OVERDUE,
                     id="amended-31-august-too-early"),
        pytest.param(date(2023, 5, 22), [("amended-plan", date(2026, 2, 14), FT)], date(2026, 3, 1), MET,
                     id="amended-on-due-date"),
        pytest.param(date(2023, 5, 22), [("amended-plan", date(2026, 2, 16), FT)], date(2026, 3, 1), LATE,
                     id="amended-late"),
        # a no-amendment notice recorded --for-transfer: the plan already names the next school
        pytest.param(date(2023, 5, 22), [("no-amendment", date(2026, 1, 12), FT)], date(2026, 3, 1), MET,
                     id="no-amendment-for-transfer"),
        # an amended plan in the window WITHOUT --for-transfer keeps the primary school: not completed
        pytest.param(date(2023, 5, 22), [("amended-plan", date(2025, 11, 3))], date(2026, 3, 1), OVERDUE,
                     id="amended-not-for-transfer"),
        # the unflagged one first (Mon 3 Nov 2025), the flagged one later (Mon 9 Feb 2026): the latter counts
        pytest.param(date(2023, 5, 22), [("amended-plan", date(2025, 11, 3)),
                                         ("amended-plan", date(2026, 2, 9), FT)], date(2026, 3, 1), MET,
                     id="flagged-after-unflagged"),
        pytest.param(date(2023, 5, 22), [], date(2026, 2, 14), OPEN, id="open-on-due-date"),
        pytest.param(date(2023, 5, 22), [], date(2026, 2, 15), OVERDUE, id="overdue"),
        # a first plan issued Fri 10 Oct 2025 without --for-transfer names the primary school: the
        # Year 7 deadline is still outstanding on 1 Mar 2026 (the flagged case is tested below)
        pytest.param(date(2025, 10, 10), [], date(2026, 3, 1), OVERDUE, id="first-plan-names-primary"),
        # cease decided Thu 1 Jan 2026: maintained until 1 Jan + 2 months = Sun 1 Mar 2026, so the
        # transfer due 14 Feb is overdue on 1 Mar and not applicable from Mon 2 Mar
        pytest.param(date(2023, 5, 22), [("cease", date(2026, 1, 1))], date(2026, 3, 1), OVERDUE,
                     id="ceased-still-maintained"),
        pytest.param(date(2023, 5, 22), [("cease", date(2026, 1, 1))], date(2026, 3, 2), NA, id="ceased"),
        # amended Thu 1 Oct 2026, after the transfer: not within the 12 months before it -> never completed
        pytest.param(date(2023, 5, 22), [("amended-plan", date(2026, 10, 1), FT)], date(2026, 11, 1), OVERDUE,
                     id="amended-after-transfer"),
    ],
)
def test_phase_transfer_status(make_case, judged, final, events, as_of, status):
    year7 = [j for j in judged(plan_case(make_case, final, events), as_of, "phase-transfer")
             if j.deadline.due == date(2026, 2, 14)]
    assert len(year7) == 1
    assert year7[0].status == status


# --- recorded transfers: post-16 moves and local patterns (reg 18(2), spec 4.2 notes) --------------

YOUNG = date(2008, 11, 3)


def move(on: date, kind: str = "post16-move", recorded: date = date(2025, 10, 1)):
    return ("transfer", recorded, {"transfer": kind, "on": on})


@pytest.mark.parametrize(
    ("events", "as_of", "rule", "due", "act_by", "status"),
    [
        # move Tue 1 Sep 2026 - 5 months = Wed 1 Apr 2026
        pytest.param([move(date(2026, 9, 1))], date(2025, 10, 2), "post16-move",
                     date(2026, 4, 1), date(2026, 4, 1), OPEN, id="september-move"),
        # move Sun 31 Jan 2027 - 5 months = Mon 31 Aug 2026 (summer bank holiday) -> act-by Fri 28 Aug
        pytest.param([move(date(2027, 1, 31))], date(2025, 10, 2), "post16-move",
                     date(2026, 8, 31), date(2026, 8, 28), OPEN, id="lands-on-august-bank-holiday"),
        # move Fri 31 Jul 2026 - 5 months = 31 Feb -> Sat 28 Feb 2026 -> act-by Fri 27 Feb
        pytest.param([move(date(2026, 7, 31))], date(2025, 10, 2), "post16-move",
                     date(2026, 2, 28), date(2026, 2, 27), OPEN, id="month-end-clip-31-jul"),
        # amended Sun 1 Mar 2026, within the 12 months before the 1 Sep move, before 1 Apr: met
        pytest.param([move(date(2026, 9, 1)), ("amended-plan", date(2026, 3, 1), FT)], date(2026, 5, 1),
                     "post16-move", date(2026, 4, 1), date(2026, 4, 1), MET, id="move-met"),
        pytest.param([move(date(2026, 9, 1)), ("amended-plan", date(2026, 4, 2), FT)], date(2026, 5, 1),
                     "post16-move", date(2026, 4, 1), date(2026, 4, 1), LATE, id="move-late"),
        pytest.param([move(date(2026, 9, 1))], date(2026, 4, 2), "post16-move",
                     date(2026, 4, 1), date(2026, 4, 1), OVERDUE, id="move-overdue"),
        # an amendment Wed 27 Aug 2025, more than 12 months before the 1 Sep 2026 move, does not count
        pytest.param([("amended-plan", date(2025, 8, 27), FT), move(date(2026, 9, 1))], date(2026, 4, 2),
                     "post16-move", date(2026, 4, 1), date(2026, 4, 1), OVERDUE, id="move-amendment-too-early"),
        # amended Sun 1 Mar 2026 without --for-transfer: the plan still names the old college
        pytest.param([move(date(2026, 9, 1)), ("amended-plan", date(2026, 3, 1))], date(2026, 5, 1),
                     "post16-move", date(2026, 4, 1), date(2026, 4, 1), OVERDUE, id="move-not-for-transfer"),
        # a recorded transfer on Mon 15 Mar 2027 (not 1 Sep): its 12 months start Mon 15 Mar 2026; a plan
        # for it on Fri 13 Mar 2026 is too early, the deadline (5 months before = Fri 15 Oct 2026) open
        pytest.param([move(date(2027, 3, 15)), ("amended-plan", date(2026, 3, 13), FT)], date(2026, 5, 1),
                     "post16-move", date(2026, 10, 15), date(2026, 10, 15), OPEN, id="move-window-12-months"),
        # a recorded infant -> junior transfer on Wed 1 Sep 2027: before 15 Feb 2027 = Sun 14 Feb 2027
        # -> act-by Fri 12 Feb
        pytest.param([move(date(2027, 9, 1), "phase")], date(2025, 10, 2), "phase-transfer",
                     date(2027, 2, 14), date(2027, 2, 12), OPEN, id="recorded-phase"),
        # a recorded post-16 transfer on 1 Sep 2027: before 31 Mar 2027 = Tue 30 Mar 2027, the day
        # after Easter Monday (29 Mar): a working day
        pytest.param([move(date(2027, 9, 1), "post16")], date(2025, 10, 2), "post16-transfer",
                     date(2027, 3, 30), date(2027, 3, 30), OPEN, id="recorded-post16-after-easter"),
    ],
)
def test_recorded_transfers(make_case, one, events, as_of, rule, due, act_by, status):
    found = one(plan_case(make_case, date(2023, 5, 22), events, dob=YOUNG), as_of, rule)
    assert (found.deadline.due, found.deadline.act_by, found.status) == (due, act_by, status)


def test_recorded_transfer_replaces_the_defaults(make_case, judged):
    # born 3 Nov 2008 -> Reception Sept 2013 -> Year 12 Sept 2025 (30 Mar 2025, passed); a recorded
    # post-16 move is the only transfer once recorded
    case = plan_case(make_case, date(2023, 5, 22), [move(date(2026, 9, 1))], dob=YOUNG)
    assert transfer_dues(judged, case, date(2025, 10, 2)) == [
        ("post16-move", date(2026, 4, 1), date(2026, 4, 1))]
