"""The worked cases of spec/golden-cases.json, run through the CLI as a user types them."""

from __future__ import annotations

import pytest

from tests.conftest import golden_cases

CASES = golden_cases()


def record_line(ref: str, event: dict) -> list[str]:
    """`sendtrack record KIND REF --date ... --OPTION ...`: event fields map one to one onto options."""
    fields = dict(event)
    kind = fields.pop("kind")
    args = ["record", kind, ref]
    for key, value in fields.items():
        args += [f"--{key}", str(value)]
    return args


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_golden_case_through_cli(backend_cli, case):
    cli = backend_cli
    request = case["request"]
    ref = cli.ok(["add-request", "--ref", request["ref"], "--name", request["name"],
                  "--dob", request["dob"], "--received", request["received"]]).strip()
    assert ref == request["ref"]
    for event in case["events"]:
        cli.ok(record_line(ref, event))
    view = cli.json(f"timeline {ref} --as-of {case['as_of']} --format json")
    assert view["ref"] == ref and view["as_of"] == case["as_of"]
    for expected in case["expect"]:
        matches = [d for d in view["deadlines"]
                   if d["rule"] == expected["rule"] and d["due"] == expected["due"]
                   and ("subject" not in expected or d["subject"] == expected["subject"])]
        assert len(matches) == 1, f"{expected} not found once in {view['deadlines']}"
        for key, value in expected.items():
            assert matches[0][key] == value, f"{key} of {expected['rule']}: {matches[0]}"


def test_golden_file_has_the_twelve_cases():
    assert len(CASES) == 12
