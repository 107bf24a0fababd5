"""Retention and erasure (issue 9, UK GDPR): `retention` lists closed cases past date of birth + 31
years; `erase` replaces a case's name and date of birth with a tombstone as an audited event, leaving
past KPIs, deadlines and the audit chain's verification as they were, and a raw edit still caught."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.conftest import Backend
from tests.test_audit import ALTERED, REQUEST_ALTERED, check_lines, copy_without_triggers

#: Every case received 2025-01-06: the 6-week decision is due 2025-02-17 (6 x 7 = 42 days on) and
#: the final plan 2025-05-26 (20 x 7 = 140 days on: 25 days of January left + 28 + 31 + 30 + 26).
CASES = {
    # withdrawn before any decision; 31st birthday 2041-05-20
    "C1": ("Alice Example", "2010-05-20"),
    # refused on 2025-02-03 (within the 6 weeks); 31st birthday 2043-09-01
    "C2": ("Bob Sample", "2012-09-01"),
    # open: decided (assess) on 2025-02-10, within; never listed however old
    "C3": ("Cara Open", "2001-01-10"),
    # plan issued 2025-05-01 (within the 20 weeks) and ceased 2025-09-01; born 29 February, so the
    # 31st birthday is 28 February 2039 (2039 is a common year), the 40th 29 February 2048
    "C4": ("Dan Leap", "2008-02-29"),
    # decided (assess) on 2025-03-03, after 2025-02-17: late; notice of no plan 2025-06-01;
    # 31st birthday 2042-12-31
    "C5": ("Eve Noplan", "2011-12-31"),
}


def caseload(cli) -> None:
    for ref, (name, dob) in CASES.items():
        cli.ok(["add-request", "--ref", ref, "--name", name, "--dob", dob, "--received", "2025-01-06"])
    cli.ok("record withdrawn C1 --date 2025-02-01")
    cli.ok("record decision C2 --date 2025-02-03 --outcome refuse")
    cli.ok("record decision C3 --date 2025-02-10 --outcome assess")
    cli.ok("record decision C4 --date 2025-02-10 --outcome assess")
    cli.ok("record final C4 --date 2025-05-01")
    cli.ok("assign C4 --team school-age --coordinator 'Sam Patel'")
    cli.ok("record cease C4 --date 2025-09-01 --reason 'moved out of area'")
    cli.ok("record decision C5 --date 2025-03-03 --outcome assess")
    cli.ok("record no-plan C5 --date 2025-06-01")


@pytest.fixture
def closed(backend_cli):
    caseload(backend_cli)
    return backend_cli


def listed(cli, *args: str, config: str | None = None) -> list[tuple]:
    line = [*(["--config", config] if config else []), "retention", "--format", "json", *args]
    return [(r["ref"], r["closed"], r["closed_on"]) for r in cli.json(line)]


# --- retention ------------------------------------------------------------------------------------

@pytest.mark.parametrize("as_of,expected", [
    ("2039-02-27", []),
    ("2039-02-28", [("C4", "ceased", "2025-09-01")]),
    ("2041-05-19", [("C4", "ceased", "2025-09-01")]),
    ("2041-05-20", [("C1", "withdrawn", "2025-02-01"), ("C4", "ceased", "2025-09-01")]),
    ("2042-12-30", [("C1", "withdrawn", "2025-02-01"), ("C4", "ceased", "2025-09-01")]),
    ("2042-12-31", [("C1", "withdrawn", "2025-02-01"), ("C4", "ceased", "2025-09-01"),
                    ("C5", "no-plan", "2025-06-01")]),
    ("2043-08-31", [("C1", "withdrawn", "2025-02-01"), ("C4", "ceased", "2025-09-01"),
                    ("C5", "no-plan", "2025-06-01")]),
    ("2043-09-01", [("C1", "withdrawn", "2025-02-01"), ("C2", "refused", "2025-02-03"),
                    ("C4", "ceased", "2025-09-01"), ("C5", "no-plan", "2025-06-01")]),
    ("2060-12-31", [("C1", "withdrawn", "2025-02-01"), ("C2", "refused", "2025-02-03"),
                    ("C4", "ceased", "2025-09-01"), ("C5", "no-plan", "2025-06-01")]),
], ids=["day-before-29-feb-birthday", "28-feb-in-a-common-year", "day-before-31st", "31st-birthday",
        "day-before-new-years-eve-birthday", "new-years-eve-birthday", "day-before-1-sep-birthday",
        "1-sep-birthday", "all-closed-never-the-open-one"])
def test_retention_lists_closed_cases_from_the_31st_birthday(closed, as_of, expected):
    assert listed(closed, "--as-of", as_of) == expected


def test_retention_shows_initials_unless_names_and_the_date_of_birth_only_with_names(closed):
    row = closed.json("retention --as-of 2041-05-20 --format json")[0]
    assert row == {"ref": "C1", "initials": "A.E.", "team": "front-door", "coordinator": None,
                   "closed": "withdrawn", "closed_on": "2025-02-01"}
    text = closed.ok("retention --as-of 2041-05-20 --format csv") + closed.ok("retention --as-of 2041-05-20 "
                                                                              "--format table")
    assert "Alice" not in text and "2010" not in text and "2041-05-20" in text  # the as-of day, in the title
    named = closed.json("retention --as-of 2041-05-20 --format json --names")[0]
    assert (named["name"], named["dob"], named["retain_until"]) == ("Alice Example", "2010-05-20", "2041-05-20")


def test_retention_filters_by_team_and_coordinator(closed):
    assert listed(closed, "--as-of", "2060-12-31", "--team", "school-age") == [("C4", "ceased", "2025-09-01")]
    assert listed(closed, "--as-of", "2060-12-31", "--coordinator", "Sam Patel") == [
        ("C4", "ceased", "2025-09-01")]
    assert listed(closed, "--as-of", "2060-12-31", "--team", "early-years") == []
    assert "no closed case is past its retention period" in closed.ok(
        "retention --as-of 2030-01-01 --format table")


def test_the_retention_period_comes_from_the_configuration(closed, tmp_path):
    from sendtrack.config import DEFAULT_CONFIG

    config = tmp_path / "forty.toml"
    config.write_text(DEFAULT_CONFIG.read_text().replace("years_after_birth = 31", "years_after_birth = 40"))
    # 2008-02-29 + 40 years = 29 February 2048, a leap day
    assert listed(closed, "--as-of", "2048-02-28", config=str(config)) == []
    assert listed(closed, "--as-of", "2048-02-29", config=str(config)) == [("C4", "ceased", "2025-09-01")]
    assert "(date of birth + 40 years)" in closed.ok(["--config", str(config), "retention", "--as-of",
                                                       "2048-02-29", "--format", "table"])


@pytest.mark.parametrize("value,message", [
    ("24", "[retention] years_after_birth: 24 is out of range (25 to 120 years, a plan can run until the "
           "young person is 25)"),
    ('"31"', '[retention] years_after_birth: "31" is not a whole number'),
    ("31.5", "[retention] years_after_birth: 31.5 is not a whole number"),
])
def test_a_bad_retention_period_is_refused_like_every_key(closed, backend, tmp_path, value, message):
    from sendtrack.config import DEFAULT_CONFIG

    config = tmp_path / "bad.toml"
    config.write_text(DEFAULT_CONFIG.read_text().replace("years_after_birth = 31", f"years_after_birth = {value}"))
    before = backend.snapshot()
    result = closed.fails(["--config", str(config), "retention"])
    assert message in result.stderr, result.stderr
    assert backend.snapshot() == before


def test_an_unknown_retention_key_is_refused(closed, tmp_path):
    from sendtrack.config import DEFAULT_CONFIG

    config = tmp_path / "typo.toml"
    config.write_text(DEFAULT_CONFIG.read_text().replace("years_after_birth = 31", "years_after_brith = 31"))
    result = closed.fails(["--config", str(config), "retention"])
    assert "[retention] years_after_brith: unknown key; did you mean years_after_birth?" in result.stderr


# --- erase ----------------------------------------------------------------------------------------

def case_row(backend: Backend, ref: str) -> tuple:
    db = backend.open()
    try:
        return tuple(db.one("SELECT name, dob, team, coordinator, received FROM cases WHERE ref = ?", (ref,)))
    finally:
        db.close()


def test_erase_replaces_name_and_date_of_birth_and_is_an_audited_event(closed, backend):
    out = closed.ok("erase C1 --reason 'retention period over' --by records-officer")
    assert out.startswith("C1: erased (event ") and "retention period over" not in out
    name, dob, team, coordinator, received = case_row(backend, "C1")
    # born 2010-05-20: the school year of birth began 1 September 2009
    assert (name, str(dob)[:10], team, str(received)[:10]) == ("(erased)", "2009-09-01", "front-door",
                                                              "2025-01-06")
    last = closed.json("history C1 --format json")[-1]
    assert (last["kind"], last["recorded_by"], last["details"]["reason"]) == (
        "erase", "records-officer", "retention period over")
    assert len(last["details"]["request"]) == 64
    assert "no problems" in closed.ok("check")
    assert [r[0] for r in listed(closed, "--as-of", "2060-12-31")] == ["C2", "C4", "C5"]
    assert "Alice" not in closed.ok("cases --names --format csv") + closed.ok("timeline C1 --format json")


def test_erase_leaves_past_kpis_and_every_deadline_as_they_were(closed):
    # C3 is open with its final plan outstanding: erase refuses it even with --force (its deadline
    # would stay live for good), so it is closed first, as README says (withdrawn after its decision)
    closed.ok("record withdrawn C3 --date 2025-03-01")
    kpi = closed.json("kpi --year 2025 --format json --as-of 2026-06-30")
    # hand-checked (see CASES): decisions due 2025-02-17; C2 (02-03), C3 (02-10), C4 (02-10) within,
    # C5 (03-03) late, C1 withdrawn before any decision: 3 of 4 = 75.0%; C4's plan on 2025-05-01 is
    # within its 2025-05-26: 1 of 1
    assert kpi["assessment_decision_6_weeks"] == {"within": 3, "total": 4, "percent": 75.0}
    assert kpi["final_plan_20_weeks"]["including_exceptions"] == {"within": 1, "total": 1, "percent": 100.0}
    timelines = {ref: closed.json(f"timeline {ref} --format json --as-of 2026-06-30")["deadlines"]
                 for ref in CASES}
    for ref in ("C1", "C2", "C4", "C5"):
        closed.ok(f"erase {ref} --reason 'retention period over'")
    closed.ok("erase C3 --reason 'withdrawn, then erased on request'")
    assert closed.json("kpi --year 2025 --format json --as-of 2026-06-30") == kpi
    for ref in CASES:
        assert closed.json(f"timeline {ref} --format json --as-of 2026-06-30")["deadlines"] == timelines[ref], ref
    assert "no problems" in closed.ok("check")
    # the stored deadlines are what the rules give from the tombstone: recompute changes none
    assert "0 deadlines changed in 0 cases" in closed.ok("recompute")


def test_an_erased_case_is_still_guarded_by_the_chain_on_every_backend(closed, backend):
    closed.ok("erase C1 --reason 'retention period over'")
    # putting the old date of birth back, or any other value, breaks the request's link
    # (and `check` says which erased value is no longer the tombstone: tests/test_tombstone.py)
    backend.execute("UPDATE cases SET dob = '2010-05-20' WHERE ref = 'C1'")
    assert check_lines(closed) == [f"C1: audit-chain: event 1 (request, 2025-01-06): {REQUEST_ALTERED}",
                                   erased_value("dob")]
    backend.execute("UPDATE cases SET dob = '2009-09-01' WHERE ref = 'C1'")
    assert "no problems" in closed.ok("check")
    backend.execute("UPDATE cases SET name = 'Alice Example' WHERE ref = 'C1'")
    assert check_lines(closed) == [f"C1: audit-chain: event 1 (request, 2025-01-06): {REQUEST_ALTERED}",
                                   erased_value("name")]


def erased_value(field: str) -> str:
    return (f"C1: erased-value: the case was erased but its {field} holds a value again (an erasure "
            "leaves the name (erased), a date of birth on 1 September and no upn, uln or postcode): "
            "restore the last backup")


@pytest.mark.parametrize("sql,line", [
    ("UPDATE events SET date = '2025-01-07' WHERE kind = 'request' AND case_id = 1",
     f"C1: audit-chain: event 1 (request, 2025-01-07): {REQUEST_ALTERED}"),
    # a forged commitment no longer vouches for the request: the first broken link is the request's
    ("UPDATE events SET details = '{\"reason\": \"x\", \"request\": \"' || hash || '\"}' WHERE kind = 'erase'",
     f"C1: audit-chain: event 1 (request, 2025-01-06): {REQUEST_ALTERED}"),
    ("UPDATE events SET details = json_set(details, '$.reason', 'edited') WHERE kind = 'erase'",
     "C1: audit-chain: event {erase} (erase, {today}): " + ALTERED),
    ("UPDATE events SET recorded_by = 'someone else' WHERE kind = 'erase'",
     "C1: audit-chain: event {erase} (erase, {today}): " + ALTERED),
    ("UPDATE cases SET received = '2025-01-07' WHERE ref = 'C1'",
     f"C1: audit-chain: event 1 (request, 2025-01-06): {REQUEST_ALTERED}"),
], ids=["request-date", "erase-commitment", "erase-reason", "erase-recorder", "kept-case-value"])
def test_an_erased_case_edited_in_a_copy_makes_check_fail(closed, backend, private_db, tmp_path, sql, line):
    if not backend.is_sqlite:
        pytest.skip("a copy of the SQLite file")
    out = closed.ok("erase C1 --reason 'retention period over'")
    erase = out.split("(event ")[1].split(")")[0]
    today = closed.json("history C1 --format json")[-1]["date"]
    copy = copy_without_triggers(private_db, tmp_path)
    with sqlite3.connect(copy) as conn:
        conn.execute(sql)
    found = [f for f in check_lines(closed, "--db", str(copy)) if ": audit-chain:" in f]
    assert found == [line.format(erase=erase, today=today)], found


def test_an_erased_case_exported_and_imported_verifies(closed, tmp_path):
    closed.ok("erase C4 --reason 'retention period over'")
    exported = tmp_path / "all.json"
    closed.ok(["export", "--format", "json", "--out", str(exported)])
    assert "Dan Leap" not in exported.read_text() and "2008-02-29" not in exported.read_text()
    copy = tmp_path / "copy.db"
    closed.ok(["--db", str(copy), "init"])
    closed.ok(["--db", str(copy), "import", str(exported)])
    assert "no problems" in closed.ok(["--db", str(copy), "check"])
    case = next(c for c in json.loads(exported.read_text())["cases"] if c["ref"] == "C4")
    assert (case["name"], case["dob"]) == ("(erased)", "2007-09-01")
    refused = closed.fails(["--db", str(copy), "erase", "C4", "--reason", "again"])
    assert "C4 was erased already" in refused.stderr


def test_open_cases_erased_with_force_are_not_taken_for_one_child(backend_cli):
    """Two open requests for children born in the same school year: after erasure both read
    "(erased)", born 1 September 2014, which check's same-child test must not match."""
    backend_cli.ok("add-request --ref F1 --name 'Fay Onerow' --dob 2014-10-01 --received 2025-01-06")
    backend_cli.ok("add-request --ref F2 --name 'Gus Tworow' --dob 2015-03-01 --received 2025-01-06")
    for ref in ("F1", "F2"):
        # the README's two steps for a request made for the wrong child: void the request, erase
        backend_cli.ok(f"record void {ref} {request_id(backend_cli, ref)} --reason 'wrong child'")
        backend_cli.ok(f"erase {ref} --force --reason 'request made for the wrong child'")
    assert "no problems" in backend_cli.ok("check")


def test_an_import_cannot_mark_a_named_case_erased(backend_cli, backend, tmp_path):
    path = tmp_path / "forged.csv"
    path.write_text('ref,name,dob,kind,date,details\n'
                    'X1,Test Named,2015-03-15,request,2025-01-06,\n'
                    'X1,,,withdrawn,2025-02-01,\n'
                    'X1,,,erase,2025-03-01,"{""reason"": ""retention""}"\n')
    before = backend.snapshot()
    result = backend_cli.fails(["import", str(path)])
    assert "X1: an erase row needs the request row's tombstone" in result.stderr, result.stderr
    assert "Test Named" not in result.stderr and "2015-03-15" not in result.stderr
    assert backend.snapshot() == before
    # the tombstone itself, as an export of an erased case carries it, is accepted
    path.write_text(path.read_text().replace("Test Named,2015-03-15", "(erased),2014-09-01"))
    assert backend_cli.ok(["import", str(path)]).startswith("imported 1 cases")
    assert "no problems" in backend_cli.ok("check")


def request_id(cli, ref: str) -> int:
    return next(e["id"] for e in cli.json(f"history {ref} --format json") if e["kind"] == "request")


OUTSTANDING = "has outstanding statutory deadlines"


def test_an_open_case_with_outstanding_deadlines_is_not_erased_even_with_force(backend_cli, backend):
    """An open case erased with --force kept its deadlines live for good (overdue in every report,
    digest --fail-on-overdue exiting 4, and withdrawn/void refused after the erase): refused instead,
    and each way out the message names works (a breaker's finding)."""
    cli = backend_cli
    for ref in ("W1", "W2"):
        cli.ok(["add-request", "--ref", ref, "--name", "Testchild Wrongref", "--dob", "2014-10-03",
                "--received", "2025-01-06", "--allow-duplicate"])
    before = backend.snapshot()
    refused = cli.fails("erase W1 --force --reason 'request made for the wrong child'")
    assert OUTSTANDING in refused.stderr and "record withdrawn" in refused.stderr
    assert "record void" in refused.stderr
    assert backend.snapshot() == before
    # the wrong child: void the request, then erase (still open by closure, so --force)
    cli.ok(f"record void W1 {request_id(cli, 'W1')} --reason 'wrong child'")
    voided = cli.fails("erase W1 --reason 'request made for the wrong child'")
    assert "request is voided" in voided.stderr and "--force" in voided.stderr  # the way on, named
    cli.ok("erase W1 --force --reason 'request made for the wrong child'")
    # an erasure agreed before closure: withdraw, then erase (closed: no --force)
    cli.ok("record withdrawn W2 --date 2025-02-01")
    cli.ok("erase W2 --reason 'agreed with the family'")
    # nothing left live: the 2025-02-17 decisions would be overdue on 2026-06-30
    assert cli.json("overdue --format json --as-of 2026-06-30") == []
    cli.ok("digest --fail-on-overdue --as-of 2026-06-30")
