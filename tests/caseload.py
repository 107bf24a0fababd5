"""A fixed small caseload for the report tests, built through the CLI as a user types it.

Seen on Tuesday 27 May 2025 (the day after the late-May bank holiday). Every expected figure in
tests/test_reports.py is worked out by hand from these dates and the law (spec sections 1-7).
"""

from __future__ import annotations

AS_OF = "2025-05-27"

#: ref, name, dob, received, team, coordinator, extra add-request options, then `record` lines.
CASES = [
    # Final plan due Mon 26 May 2025 (6 Jan + 20 weeks, a bank holiday; act by Fri 23 May): not issued,
    # so 1 day overdue on 27 May and newly overdue since the previous working day (Fri 23 May).
    # Psychology advice asked 12 Feb: due 26 Mar (partner, overdue 62 days); advice-chase 19 Mar.
    ("A01", "Amelia Jones", "2016-05-04", "2025-01-06", "front-door", "Sam Patel", [], [
        "decision A01 --date 2025-02-10 --outcome assess",
        "advice-requested A01 --date 2025-02-12 --from psychology",
        "draft A01 --date 2025-04-14",
        "contact A01 --date 2025-04-30",
    ]),
    # Received 1 Jul 2024; 20 weeks: 18 Nov 2024. Final plan 13 Jan 2025: late, counted in 2025.
    ("B02", "Ben Smith", "2014-09-10", "2024-07-01", "school-age", "Ann Brown", [], [
        "decision B02 --date 2024-08-05 --outcome assess",
        "draft B02 --date 2024-10-28",
        "final B02 --date 2025-01-13",
    ]),
    # Exception (c) from 4 Nov 2024 covers issue-decision (23 Dec) and final-plan (20 Jan 2025);
    # final plan 24 Feb 2025: late but excepted. Still with front-door after the plan.
    ("C03", "Chloe Evans", "2012-03-01", "2024-09-02", "front-door", "Jo Lee", [], [
        "decision C03 --date 2024-10-07 --outcome assess",
        "exception C03 --limb c --start 2024-11-04 --reason 'family illness'",
        "draft C03 --date 2025-01-06",
        "final C03 --date 2025-02-24",
    ]),
    # On time: 20 weeks from 13 Jan 2025 is 2 Jun; final 19 May. Under 5, still with front-door.
    ("E05", "Emily Hughes", "2021-02-01", "2025-01-13", "front-door", "Sam Patel", [], [
        "decision E05 --date 2025-02-17 --outcome assess",
        "draft E05 --date 2025-04-22",
        "final E05 --date 2025-05-19",
    ]),
    # On time (20 weeks: Easter Monday 21 Apr 2025) with an exception (d) recorded while open.
    ("F06", "Freya Khan", "2013-06-15", "2024-12-02", "school-age", "Ann Brown", [], [
        "decision F06 --date 2025-01-06 --outcome assess",
        "exception F06 --limb d --start 2025-01-20 --end 2025-03-03 --reason 'abroad for six weeks'",
        "draft F06 --date 2025-03-17",
        "final F06 --date 2025-04-14",
    ]),
    # On time: 20 weeks from 4 Nov 2024 is 24 Mar 2025; final 17 Mar. Year 9: young-people.
    ("G07", "George Wood", "2010-10-10", "2024-11-04", "young-people", "Pat Owen", [], [
        "decision G07 --date 2024-12-09 --outcome assess",
        "draft G07 --date 2025-02-10",
        "final G07 --date 2025-03-17",
    ]),
    # Late plan in 2024 (due 27 May 2024, issued 10 Jun). Review meeting 20 May 2025: report due
    # 3 Jun, decision due min(17 Jun, annual review due 9 Jun) = 9 Jun, both open on 27 May.
    ("H08", "Harry Ford", "2019-03-03", "2024-01-08", "school-age", "Ann Brown", [], [
        "decision H08 --date 2024-02-12 --outcome assess",
        "draft H08 --date 2024-05-13",
        "final H08 --date 2024-06-10",
        "review-scheduled H08 --date 2025-04-01 --meeting 2025-05-20",
        "invitations-sent H08 --date 2025-05-01",
        "review-meeting H08 --date 2025-05-20",
    ]),
    # Refused on 24 Mar 2025, a week after the 6 weeks (17 Mar).
    ("I09", "Isla Morgan", "2017-07-07", "2025-02-03", "front-door", "Jo Lee", [], [
        "decision I09 --date 2025-03-24 --outcome refuse",
    ]),
    # Withdrawn: every deadline not-applicable.
    ("J10", "Jack Reid", "2018-08-08", "2025-03-03", "front-door", "Sam Patel", [], [
        "withdrawn J10 --date 2025-03-20",
    ]),
    # Decision due 19 May 2025, none: overdue 8 days; no family contact for 6 weeks (since 7 Apr).
    ("K11", "Kai Patel", "2016-11-11", "2025-04-07", "front-door", "Sam Patel", [], []),
    # Decision due Tue 3 Jun 2025: open, 7 days left.
    ("L12", "Lily Shaw", "2015-12-12", "2025-04-22", "front-door", "Jo Lee", [], []),
    # Plan 26 Feb 2024 (on time); meeting 17 Feb 2025; decision due min(17 Mar, 25 Feb) = 25 Feb;
    # decided 10 Mar: late against the deadline, within 4 weeks of the meeting for DfE.
    ("M13", "Mia Clark", "2015-01-20", "2023-10-16", "school-age", "Ann Brown", [], [
        "decision M13 --date 2023-11-20 --outcome assess",
        "draft M13 --date 2024-01-29",
        "final M13 --date 2024-02-26",
        "review-meeting M13 --date 2025-02-17",
        "review-report M13 --date 2025-02-28",
        "review-decision M13 --date 2025-03-10 --outcome maintain",
    ]),
    # Plan on the due date itself (22 Jan 2024); meeting 15 Jan 2025, report never received (due
    # 29 Jan: overdue 118 days), decision 20 Feb: more than 4 weeks after the meeting. The plan names
    # the college for Year 12 (Sept 2024): recorded --for-transfer, it completes the post-16 transfer
    # due 30 Mar 2024 (spec 8.7).
    ("N14", "Noah Bell", "2008-05-05", "2023-09-04", "young-people", "Pat Owen", [], [
        "decision N14 --date 2023-10-09 --outcome assess",
        "draft N14 --date 2023-12-04",
        "final N14 --date 2024-01-22 --for-transfer",
        "review-meeting N14 --date 2025-01-15",
        "review-decision N14 --date 2025-02-20 --outcome maintain",
    ]),
    # Exception (c) from 3 Feb 2025 while issue-decision (31 Mar) and final-plan (28 Apr) were open;
    # neither done: excepted, outstanding, never overdue. No draft at week 14 (17 Mar).
    ("P15", "Priya Das", "2017-02-14", "2024-12-09", "front-door", "Jo Lee", [], [
        "decision P15 --date 2025-01-13 --outcome assess",
        "exception P15 --limb c --start 2025-02-03 --reason 'bereavement'",
        "contact P15 --date 2025-05-01",
    ]),
    # Turned 5 on 20 Sep 2024, in Reception, still with early-years. Its first plan (11 Sep 2023) names
    # the Reception class for Sept 2024, so it is recorded --for-transfer and completes that transfer
    # (due 14 Feb 2024; spec 8.7).
    ("Q16", "Quinn Adams", "2019-09-20", "2023-05-02", "early-years", "Kit Cole", [], [
        "decision Q16 --date 2023-06-05 --outcome assess",
        "draft Q16 --date 2023-08-21",
        "final Q16 --date 2023-09-11 --for-transfer --names-setting 'Oak Primary'",
        "review-meeting Q16 --date 2024-09-02",
        "review-report Q16 --date 2024-09-10",
        "review-decision Q16 --date 2024-09-20 --outcome maintain",
    ]),
    # Looked after, held by school-age. Year 6 -> 7 in Sept 2025: plan to be amended by 14 Feb 2025,
    # not done (overdue 102 days). Annual review due 14 Jul 2025, none scheduled by 19 May.
    ("R17", "Rosa Lima", "2014-01-10", "2024-03-04", "school-age", "Ann Brown", ["--looked-after"], [
        "decision R17 --date 2024-04-08 --outcome assess",
        "draft R17 --date 2024-06-17",
        "final R17 --date 2024-07-15",
    ]),
]

NAMES = [case[1] for case in CASES]


def build(cli, db: str) -> None:
    """Record every case through the CLI into the database at `db`."""
    import shlex

    for ref, name, dob, received, team, coordinator, extra, events in CASES:
        cli.ok(["--db", db, "add-request", "--ref", ref, "--name", name, "--dob", dob, "--received",
                received, "--team", team, "--coordinator", coordinator, *extra])
        for line in events:
            cli.ok(["--db", db, "record", *shlex.split(line)])


def built(tmp_path_factory, name: str) -> str:
    """A database holding the fixed caseload, built once per test module through the CLI."""
    import pytest

    from tests.conftest import Cli

    path = str(tmp_path_factory.mktemp(name) / "caseload.db")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SENDTRACK_USER", "test-user")
        mp.delenv("SENDTRACK_CONFIG", raising=False)
        runner = Cli()
        runner.ok(["--db", path, "init"])
        build(runner, path)
    return path
