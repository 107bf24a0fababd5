"""`sendtrack sample` uses the product's rules: teams as `allocate` gives them, the engine's year groups
and transfer deadlines, the configured teams; its histories pass `check`; the same seed gives the same
data however many workers make it."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date

import pytest

from sendtrack.app import batch, sample
from sendtrack.output.render import initials
from tests.conftest import dump

AS_OF = "2025-06-30"
LEAP = date(2012, 2, 29)


def rows(path, sql: str, params=()) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture
def leap_day_children(monkeypatch):
    """Every sampled child born on 29 February 2012 (the rest of each case drawn as usual)."""
    drawn = sample.profile
    monkeypatch.setattr(sample, "profile", lambda rng, as_of, years: replace(drawn(rng, as_of, years), dob=LEAP))
    monkeypatch.setenv("SENDTRACK_WORKERS", "0")  # the patch is in this process


def test_names_are_synthetic_distinct_and_their_initials_vary(cli, private_db):
    cli.ok(["sample", "--cases", "300", "--seed", "1", "--as-of", AS_OF])
    names = [name for (name,) in rows(private_db, "SELECT name FROM cases")]
    assert len(set(names)) == 300
    assert len({initials(name) for name in names}) >= 250  # of 300
    assert len({name[0] for name in names}) >= 24
    for name in names:
        *given, surname = name.split()
        assert surname in sample.SURNAMES and surname.startswith(
            ("Sample", "Example", "Testing", "Madeup", "Fiction", "Demo")), name
        assert 1 <= len(given) <= 2 and set(given) <= set(sample.GIVEN_NAMES), name
    # a fixed permutation of the case id: the first million ids never share a name
    assert len({sample.child_name(case_id) for case_id in range(1, 200_001)}) == 200_000
    assert sample.NAMES > 1_000_000


def test_allocate_moves_nothing_in_a_sample(cli, private_db):
    cli.ok(["sample", "--cases", "600", "--seed", "5", "--as-of", AS_OF])
    assert cli.json(f"allocate --as-of {AS_OF} --format json") == []
    teams = dict(rows(private_db, "SELECT team, COUNT(*) FROM cases GROUP BY team"))
    assert len(teams) == 6, teams


@pytest.mark.parametrize(("as_of", "plans_with"), [
    # born 29 Feb 2012: 5 on 28 Feb 2017 (as the engine's under-5 review and `allocate` count it)
    pytest.param("2017-02-27", "early-years", id="day-before-fifth-birthday"),
    pytest.param("2017-02-28", "school-age", id="fifth-birthday-28-february"),
])
def test_leap_day_children_are_allocated_as_allocate_does(cli, private_db, leap_day_children, as_of,
                                                          plans_with):
    cli.ok(["sample", "--cases", "300", "--seed", "3", "--years", "3", "--as-of", as_of])
    assert cli.json(f"allocate --as-of {as_of} --format json") == []
    plain = rows(private_db, "SELECT DISTINCT team FROM cases WHERE team <> 'front-door' "
                             "AND NOT looked_after AND NOT alternative_provision")
    assert plain == [(plans_with,)]


def test_leap_day_children_transfer_on_the_engines_dates(cli, private_db, leap_day_children):
    """Born 29 Feb 2012 -> Reception Sept 2016, Year 7 Sept 2023, Year 12 Sept 2028 (spec 4.2): the
    engine's deadlines are 14 Feb 2016, 14 Feb 2023 and 30 Mar 2028, and the sample amends its plans
    for the Year 7 move by then (mostly on time), so it must be using the same dates."""
    cli.ok(["sample", "--cases", "400", "--seed", "8", "--years", "9", "--as-of", AS_OF])
    dues = rows(private_db, "SELECT DISTINCT rule, due FROM deadlines WHERE rule LIKE '%transfer' ORDER BY due")
    assert set(dues) <= {("phase-transfer", "2016-02-14"), ("phase-transfer", "2023-02-14"),
                         ("post16-transfer", "2028-03-30")}
    year7 = rows(private_db, "SELECT completed_on, ended_on FROM deadlines "
                             "WHERE rule = 'phase-transfer' AND due = '2023-02-14'")
    assert len(year7) > 20
    amended = [done for done, ended in year7 if ended is None]
    assert sum(done is not None for done in amended) >= 0.9 * len(amended)
    on_time = [done for done in amended if done is not None and done <= "2023-02-14"]
    assert len(on_time) >= 0.7 * len(amended)
    assert "check: no problems found" in cli.ok("check")


def test_same_data_in_process_and_in_two_workers(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "CHUNK", 40)  # several tasks, so the two workers share the work
    dumps = []
    for workers in ("0", "2"):
        monkeypatch.setenv("SENDTRACK_WORKERS", workers)
        path = tmp_path / f"w{workers}.db"
        cli.ok(["--db", str(path), "init"])
        cli.ok(["--db", str(path), "sample", "--cases", "170", "--seed", "12", "--as-of", AS_OF])
        dumps.append(dump(path))
    assert dumps[0] == dumps[1]


def test_every_sampled_history_passes_check(cli):
    cli.ok(["sample", "--cases", "500", "--seed", "21", "--years", "10", "--as-of", AS_OF])
    assert cli.ok("check").strip() == "check: no problems found"


def test_teams_and_ambitions_come_from_the_configuration(cli, private_db, tmp_path):
    """Another authority's teams: the front door keeps assessments, plans whose rule team is not
    configured go to the first team, coordinators are sized to that team's ambition."""
    config = tmp_path / "other.toml"
    config.write_text('[[teams]]\nid = "north-area"\nambition = [20, 20]\n\n'
                      '[[teams]]\nid = "front-door"\nambition = [10, 30]\n')
    cli.ok(["--config", str(config), "sample", "--cases", "400", "--seed", "2", "--as-of", AS_OF])
    held = dict(rows(private_db, "SELECT team, COUNT(DISTINCT coordinator) FROM cases GROUP BY team"))
    assert set(held) == {"north-area", "front-door"}
    plans = rows(private_db, "SELECT COUNT(*) FROM cases WHERE team = 'north-area'")[0][0]
    assert held["north-area"] == -(-plans // 20)  # every coordinator of ceil(plans / 20) holds a case
    coordinators = {c for (c,) in rows(private_db, "SELECT DISTINCT coordinator FROM cases")}
    assert {c.rsplit("-", 1)[0] for c in coordinators} == {"Sample Coordinator NA", "Sample Coordinator FD"}
    assert cli.json(["--config", str(config), "allocate", "--as-of", AS_OF, "--format", "json"]) == []
    assert "no problems" in cli.ok(["--config", str(config), "check"])


def test_the_samples_deadline_rows_are_batchs():
    """sample._deadline_rows (dates' text from a cache) gives batch.deadline_rows's rows exactly, every
    optional date field included (each is set in some deadline of these 300 cases, but known_until,
    which a sample never sets: set here by hand)."""
    from sendtrack.calendar import england
    from sendtrack.config import DEFAULT_CONFIG, load
    from sendtrack.domain import Case, Event, Settings
    from sendtrack.rules.engine import compute

    today, calendar, settings = date.fromisoformat(AS_OF), england(), Settings()
    staff = sample.staffing(4, 300, as_of=today, years=8, teams=load(str(DEFAULT_CONFIG)).teams)
    set_fields: set[int] = set()
    compared = 0
    for number in range(300):
        values, events = sample.generate(4, number, as_of=today, years=8, staff=staff)
        voided = {voids for kind, _, _, voids, _, _ in events if kind == "void"}
        live = tuple(Event(index, kind, when, pairs) for index, (kind, when, pairs, _, _, _) in enumerate(events)
                     if kind != "void" and index not in voided)
        case = Case(ref="T", dob=values["dob"], received=values["received"], looked_after=values["looked_after"],
                    alternative_provision=values["alternative_provision"], setting=values["setting"], events=live)
        items = compute(case, calendar, settings)
        items += [replace(item, known_until=date(2031, 2, 28)) for item in items[:1]]
        mine, theirs = sample._deadline_rows(number, items), batch.deadline_rows(number, items)
        assert mine == theirs
        set_fields |= {i for row in mine for i, value in enumerate(row) if value is not None}
        compared += len(mine)
    assert compared > 3000
    assert set_fields == set(range(15))  # every column, the optional dates too


def test_the_staffing_pass_is_the_same_however_it_is_split(monkeypatch):
    """Coordinators are sized from counts summed over tasks: tasks of 7 cases or of all 500 agree."""
    from sendtrack.config import DEFAULT_CONFIG, load

    teams, today = load(str(DEFAULT_CONFIG)).teams, date.fromisoformat(AS_OF)
    whole = sample.staffing(9, 500, as_of=today, years=6, teams=teams)
    monkeypatch.setattr(sample, "STAFFING_CHUNK", 7)
    parts = sample.staffing(9, 500, as_of=today, years=6, teams=teams)
    assert parts == whole
    assert sum(whole.coordinators.values()) > len(teams)  # some team needs more than one


def test_an_absurd_case_count_is_refused_before_anything_is_made(cli, private_db):
    """`--cases` beyond 10 million (England holds ~640,000) is refused by the option's range, exit 2,
    nothing written: 10^20 used to fill memory with the task list (a breaker's finding)."""
    before = dump(private_db)
    refused = cli.fails(["sample", "--cases", "99999999999999999999"], code=2)
    assert "--cases" in refused.stderr
    assert dump(private_db) == before
    assert cli.ok(["sample", "--cases", "3", "--seed", "2"]).startswith("sampled 3 cases")


def test_case_rows_with_their_return_values_are_what_put_return_values_writes(cli, private_db, tmp_path):
    """The sample writes each case's return values in its INSERT and its placement rows made in the
    worker (storage/sample_rows.py); the same cases written the way add-request and import write them
    (the case row, then `put_return_values`) hold the same values, each of the same storage class."""
    from sendtrack.app.record import put_return_values
    from sendtrack.storage import columns
    from sendtrack.storage.bulk import insert_rows
    from sendtrack.storage.db import Location, open_database

    cli.ok(["sample", "--cases", "300", "--seed", "5", "--as-of", AS_OF])
    other = tmp_path / "other.db"
    cli.ok(["--db", str(other), "init"])
    typed = "SELECT {} FROM {} ORDER BY id"
    case_columns = ", ".join(f"{c}, typeof({c})" for c in (*columns.CASES, *columns.CASE_RETURNS))
    place_columns = ", ".join(f"{c}, typeof({c})" for c in columns.PLACEMENTS)
    sampled = rows(private_db, f"SELECT {', '.join(columns.CASES)} FROM cases ORDER BY id")
    db = open_database(Location(path=other))
    try:
        with db.write():
            insert_rows(db, cases=sampled)
            put_return_values(db, [(row[0], sample.sample_returns(5, number, date.fromisoformat(row[3]),
                                                                  date.fromisoformat(AS_OF)))
                                   for number, row in enumerate(sampled)])
    finally:
        db.close()
    for table, names in (("cases", case_columns), ("placements", place_columns)):
        mine, theirs = rows(private_db, typed.format(names, table)), rows(other, typed.format(names, table))
        assert mine == theirs, table
    returned = rows(private_db, "SELECT COUNT(upn), COUNT(upn_unknown), COUNT(secondary_need), COUNT(uln) "
                                "FROM cases")[0]
    assert all(returned), returned  # each return column is set in some case (and NULL in others)
    assert len(rows(private_db, "SELECT id FROM placements")) > 300  # some cases have two placements


def test_every_reference_holds_and_the_connection_checks_them_again_after(cli, private_db, monkeypatch):
    """The sample writes with foreign keys unchecked row by row (storage/sample_rows.py): every row it
    wrote refers to a stored case or event, and the connection checks foreign keys again afterwards,
    after a refused sample too."""
    from sendtrack.app.sample import write_sample
    from sendtrack.cli.common import context
    from sendtrack.errors import RefusedError
    from sendtrack.storage import bulk
    from sendtrack.storage.db import Location, open_database

    db = open_database(Location(path=private_db))
    try:
        written = write_sample(db, cases=300, seed=8, years=5, as_of=date.fromisoformat(AS_OF),
                               context=context())
        assert db.one("PRAGMA foreign_keys") == (1,)
        monkeypatch.setattr(bulk, "ref_in_range", lambda db, first, last: first)  # a clash, found in the write
        with pytest.raises(RefusedError):
            write_sample(db, cases=300, seed=8, years=5, as_of=date.fromisoformat(AS_OF), context=context())
        assert db.one("PRAGMA foreign_keys") == (1,)
    finally:
        db.close()
    assert written.events > 3000 and rows(private_db, "SELECT COUNT(*) FROM events WHERE voids IS NOT NULL")[0][0]
    assert rows(private_db, "PRAGMA foreign_key_check") == []


def test_deadline_rows_say_no_value_with_absent_in_the_nullable_columns_only():
    """The worker's deadline rows on SQLite (storage.sample_rows.ABSENT for no value) are batch's rows
    with ABSENT where those have None, in the columns that may be NULL (the INSERT's NULLIF turns it
    back); a NOT NULL column is never given ABSENT."""
    from sendtrack.calendar import england
    from sendtrack.config import DEFAULT_CONFIG, load
    from sendtrack.domain import Case, Event, Settings
    from sendtrack.rules.engine import compute
    from sendtrack.storage import columns
    from sendtrack.storage.sample_rows import _NULLABLE, ABSENT

    nullable = {1 + columns.DEADLINE_FIELDS.index(name) for name in _NULLABLE}  # after case_id
    assert len(nullable) == 6
    today, calendar, settings = date.fromisoformat(AS_OF), england(), Settings()
    staff = sample.staffing(6, 200, as_of=today, years=8, teams=load(str(DEFAULT_CONFIG)).teams)
    absent_seen: set[int] = set()
    for number in range(200):
        values, events = sample.generate(6, number, as_of=today, years=8, staff=staff)
        live = tuple(Event(i, kind, when, pairs) for i, (kind, when, pairs, _, _, _) in enumerate(events)
                     if kind != "void")
        case = Case(ref="T", dob=values["dob"], received=values["received"], looked_after=values["looked_after"],
                    alternative_provision=values["alternative_provision"], setting=values["setting"], events=live)
        items = compute(case, calendar, settings)
        case_id = 1000 + number
        for mine, theirs in zip(sample._deadline_rows(case_id, items, ABSENT),
                                batch.deadline_rows(case_id, items), strict=True):
            expected = tuple(ABSENT if value is None and i in nullable else value for i, value in enumerate(theirs))
            assert mine == expected and all(type(a) is type(b) for a, b in zip(mine, expected, strict=True))
            absent_seen |= {i for i, value in enumerate(mine) if value is ABSENT}
    assert absent_seen == nullable  # each nullable column is empty in some row
