"""An export always imports (it is the backup path): whatever a database holds comes back in, and `check`
and `import` agree (a breaker's findings on main, issue 9). README, "An export always imports"."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from tests.test_bad_input import JSON_CHILD


def _round_trip(cli, tmp_path, fmt: str = "csv") -> str:
    """Export the test's database, import the export into a fresh one; the new database's `cases` CSV."""
    out = tmp_path / f"export.{fmt}"
    cli.ok(["export", "--format", fmt, "--out", str(out)])
    other = tmp_path / "other.db"
    cli.ok(["--db", str(other), "init"])
    result = cli(["--db", str(other), "import", str(out)])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "no problems" in cli.ok(["--db", str(other), "check"]).lower()
    return cli.ok(["--db", str(other), "cases", "--format", "csv"])


PLACED = ("add-request --ref P1 --name 'Quillonby Testchild' --dob 2015-03-15 --received 2025-01-06 "
          "--urn 117001 --placement-from 2019-09-02")


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_placement_from_before_a_corrected_date_of_birth_round_trips(cli, tmp_path, fmt):
    """The breaker's (a): a 2019 placement, then `edit --dob 2020-01-01`. `check` is clean, so the
    export must import; before the fix: "placement 1 entry is before the child's date of birth"."""
    cli.ok(PLACED)
    cli.ok("edit P1 --dob 2020-01-01 --reason 'birth certificate'")
    assert "no problems" in cli.ok("check").lower()
    assert "P1" in _round_trip(cli, tmp_path, fmt)


@pytest.mark.parametrize("way", ["placements", "placement_from"])
def test_a_planned_placement_after_today_imports(cli, tmp_path, way):
    """The breaker's (c): a placement starting after today (a planned move, as the database may hold
    one) is not refused by import, in the export's `placements` or a tracker's placement_from; before the
    fix: "placement 1 entry is after today"."""
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    child = json.loads(json.dumps(JSON_CHILD))
    if way == "placements":
        child["placements"] = [{"urn": "117001", "entry": tomorrow, "rank": 1}]
    else:
        child.update(urn="117001", placement_from=tomorrow)
    path = tmp_path / "planned.json"
    path.write_text(json.dumps({"format": "sendtrack", "version": 1, "cases": [child]}), encoding="utf-8")
    cli.ok(["import", str(path)])
    assert "no problems" in cli.ok("check").lower()
    assert "J1" in _round_trip(cli, tmp_path)


def test_add_request_and_edit_still_refuse_a_start_before_birth_or_after_today(cli):
    """The guards stay on what a user types (tests/test_input_edges.py covers each date; this is the
    pair the import no longer refuses)."""
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert "after today" in cli.fails(PLACED.replace("2019-09-02", tomorrow)).stderr
    assert "before the child's date of birth" in cli.fails(PLACED.replace("2019-09-02", "2015-03-14")).stderr


def test_a_sample_with_a_child_born_after_1_september_round_trips(cli, tmp_path):
    """The breaker's (b), a regression: `sample` placed a child not yet at school with an early years
    provider from 1 September of the year before the as-of date, before an autumn birth. Seed 200's
    second case (SMP-0000002) is such a child on 2026-12-03 with --years 5 (found by scanning seeds with the old rule,
    entry 2025-09-01 > date of birth); before the fix the export's import was refused at that case."""
    cli.ok("sample --cases 5 --seed 200 --years 5 --as-of 2026-12-03")
    assert "SMP-0000002" in _round_trip(cli, tmp_path)


def test_no_sampled_placement_starts_before_birth():
    """The generator itself, over the 3000 cases of `sample --cases 3000 --seed 7` (6 years) on 2026-12-03 (the
    breaker's run: SMP-0001651 and SMP-0002677 started at an early years provider on 2025-09-01, before
    their autumn births) and a spread of as-of dates: every entry and leaving is on or after the date of
    birth."""
    from sendtrack.app.sample import case_rng, profile, sample_returns

    for seed, as_of, years, count in [(7, date(2026, 12, 3), 6, 3000), (200, date(2026, 12, 3), 5, 300),
                                      (200, date(2025, 12, 31), 5, 300), (42, date(2025, 6, 30), 5, 300)]:
        for number in range(count):
            dob = profile(case_rng(seed, number), as_of, years).dob
            for placement in sample_returns(seed, number, dob, as_of)["placements"]:
                for key in ("entry", "leaving"):
                    if key in placement:
                        assert date.fromisoformat(placement[key]) >= dob, (seed, number, placement)
