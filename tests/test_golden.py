"""The worked cases of spec/golden-cases.json (the repository's copy in tests/data), run through the CLI
as a user types them."""

from __future__ import annotations

import pytest

from tests.conftest import GOLDEN, NOT_YET_SUPPORTED, SPEC_GOLDEN, golden_cases

CASES = golden_cases()


def golden_param(case: dict):
    """One worked case as a test parameter; a case issue 13 has not built yet is a strict xfail."""
    reason = NOT_YET_SUPPORTED.get(case["request"]["ref"])
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(case, id=case["name"], marks=marks)


def record_line(ref: str, event: dict) -> list[str]:
    """`sendtrack record KIND REF --date ... --OPTION ...`: event fields map one to one onto options
    (`for_transfer: true` is the flag `--for-transfer`, spec/cli-contract.md)."""
    fields = dict(event)
    kind = fields.pop("kind")
    args = ["record", kind, ref]
    for key, value in fields.items():
        option = "--" + key.replace("_", "-")
        if value is True:
            args.append(option)
        elif value is False:
            args.append("--no-" + option[2:])
        else:
            args += [option, str(value)]
    return args


@pytest.mark.parametrize("case", [golden_param(c) for c in CASES])
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


def test_golden_file_has_the_fifteen_cases():
    assert [c["request"]["ref"] for c in CASES] == [f"G{n:02d}" for n in range(1, 16)]
    assert set(NOT_YET_SUPPORTED) <= {c["request"]["ref"] for c in CASES}


@pytest.mark.skipif(not SPEC_GOLDEN.exists(), reason=f"no spec beside the repository ({SPEC_GOLDEN}): "
                                                     "nothing to compare tests/data's copy with")
def test_golden_file_is_the_specs_copy():
    assert GOLDEN.read_bytes() == SPEC_GOLDEN.read_bytes(), (
        f"{GOLDEN} differs from {SPEC_GOLDEN}: copy the spec's file over (cp {SPEC_GOLDEN} {GOLDEN})")
