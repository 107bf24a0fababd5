"""Input edges a breaker found on main (issue 9: one clear line, non-zero exit, nothing written, by
every way in; issue 12: the return fields): each refused in words, never "unexpected error"."""

from __future__ import annotations

import json

import pytest

from tests.test_bad_input import JSON_CHILD, _rows, _write

# --- imported event ids: 1..2**53 (JSON-safe), so the next id recorded always fits ---------------


def _json_file(tmp_path, event_id) -> str:
    child = json.loads(json.dumps(JSON_CHILD))
    child["events"][0]["id"] = event_id
    path = tmp_path / "ids.json"
    path.write_text(json.dumps({"format": "sendtrack", "version": 1, "cases": [child]}), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("event_id", [2 ** 63 - 1, 10 ** 20, 2 ** 53 + 1, 0, -1],
                         ids=["sqlite-max", "ten-to-the-20", "just-over-2-to-the-53", "zero", "minus-one"])
def test_json_import_refuses_an_event_id_outside_1_to_2_53(cli, tmp_path, event_id):
    result = cli(["import", _json_file(tmp_path, event_id)])
    assert result.exit_code == 1, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and "unexpected error" not in result.stderr
    assert "must be a positive whole number" in result.stderr and "used twice" not in result.stderr
    assert "J1" in result.stderr  # the row is named
    assert cli.ok("cases --format csv").strip().count("\n") == 0  # header only: nothing written


def test_json_import_keeps_2_53_and_a_later_write_works(cli, tmp_path):
    cli.ok(["import", _json_file(tmp_path, 2 ** 53)])
    cli.ok("record contact J1 --date 2025-01-07 --note called")  # the next id, 2**53 + 1, fits SQLite
    ids = [e["id"] for e in cli.json("history J1 --format json")]
    assert ids == [2 ** 53, 2 ** 53 + 1]


@pytest.mark.parametrize("event_id", ["9223372036854775807", "100000000000000000000", "0", "-1"])
def test_csv_import_refuses_an_event_id_outside_1_to_2_53(cli, tmp_path, event_id):
    cli.ok(["import", _json_file(tmp_path, 1)])
    out = tmp_path / "good.csv"
    cli.ok(["export", "--format", "csv", "--out", str(out)])
    rows = _rows(out.read_text(encoding="utf-8"))
    rows[1][rows[0].index("event_id")] = event_id
    path = _write(tmp_path, rows)
    other = tmp_path / "other.db"
    cli.ok(["--db", str(other), "init"])
    result = cli(["--db", str(other), "import", str(path)])
    assert result.exit_code == 1, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and "unexpected error" not in result.stderr
    assert "line 2" in result.stderr and "must be a positive whole number" in result.stderr, result.stderr
    assert cli.ok(["--db", str(other), "cases", "--format", "csv"]).strip().count("\n") == 0
