"""The event-kind registry is the one source: the CLI, import, the engine's guards and the docs agree
with it, and its value sets are enforced by every way in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer

from sendtrack import kinds
from sendtrack.cli.app import app
from sendtrack.rules import guards

ROOT = Path(__file__).resolve().parents[1]


def record_commands() -> dict:
    group = typer.main.get_command(app).commands["record"]  # type: ignore[attr-defined]
    return dict(group.commands)


def test_every_recordable_kind_is_a_record_command_and_nothing_else_is():
    names = set(record_commands()) - {"void"}
    assert names == {k.name for k in kinds.recordable()}


@pytest.mark.parametrize("entry", kinds.recordable(), ids=lambda k: k.name)
def test_command_options_are_the_registry_options(entry):
    command = record_commands()[entry.name]
    flags = {opt for p in command.params for opt in p.opts if opt.startswith("--")}
    assert flags == {entry.date_flag, *(o.flag for o in entry.options), "--by"}
    for option in entry.options:
        param = next(p for p in command.params if option.flag in p.opts)
        assert param.required == option.required, option.flag
        if option.type == "choice":
            values = tuple(member.value for member in param.type_descriptor.annotation)
            assert values == option.choices, option.flag
    assert command.help and command.help.strip().startswith(entry.help.split(" (")[0][:20])


def test_every_guard_named_exists_and_every_guard_is_used():
    named = [name for k in kinds.KINDS for name in k.guards]
    assert set(named) <= set(guards.GUARDS), set(named) - set(guards.GUARDS)
    assert set(guards.GUARDS) <= set(named), set(guards.GUARDS) - set(named)
    assert {k.phase for k in kinds.KINDS} <= set(kinds.PHASES) == set(guards.PHASE_GUARDS)


def test_phase_sets_come_from_the_registry():
    assert "final" in kinds.ASSESSMENT_KINDS and "review-meeting" in kinds.PLAN_KINDS
    assert not kinds.ASSESSMENT_KINDS & kinds.PLAN_KINDS
    assert "request" not in kinds.ASSESSMENT_KINDS  # a request is never refused for being withdrawn


def details_table() -> str:
    """The import-format table of each kind's details, as the registry declares them."""
    lines = ["| kind | details (required in bold) |", "|---|---|"]
    for entry in kinds.KINDS:
        cells = []
        for option in entry.options:
            values = f" (`{'`, `'.join(option.choices)}`)" if option.choices else (
                " (`YYYY-MM-DD`)" if option.type == "date" else "")
            cell = f"`{option.key}`{values}"
            cells.append(f"**{cell}**" if option.required else cell)
        lines.append(f"| `{entry.name}` | {', '.join(cells) or '—'} |")
    return "\n".join(lines)


def test_import_format_lists_every_kind_with_its_details():
    doc = (ROOT / "docs" / "import-format.md").read_text(encoding="utf-8")
    expected = details_table()
    assert expected in doc, "docs/import-format.md's details table differs from the registry; it should be:\n" \
                            + expected


def test_readme_names_every_record_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for entry in kinds.recordable():
        assert f"`sendtrack record {entry.name}`" in readme, entry.name


# --- the value sets are enforced by every way in --------------------------------------------------------

BAD_DETAILS = {
    "bad-choice": ("contact", {"with": "neighbour"}, "contact --with"),
    "unknown-detail": ("draft", {"colour": "red"}, "no detail 'colour'"),
    "missing-required": ("decision", {}, "needs 'outcome'"),
    "bad-date": ("review-scheduled", {"meeting": "10/09/2025"}, "not a real date"),
    "not-text": ("cease", {"reason": 5}, "must be text"),
    "control-character": ("contact", {"note": "a\x1bb"}, "control character"),
}


@pytest.mark.parametrize("kind,details,message", BAD_DETAILS.values(), ids=BAD_DETAILS.keys())
def test_check_details_refuses(kind, details, message):
    with pytest.raises(kinds.RefusedError) as refused:
        kinds.check_details(kind, details, first_year=1995, last_year=2060)
    assert message in str(refused.value)


@pytest.mark.parametrize("kind,details,message", BAD_DETAILS.values(), ids=BAD_DETAILS.keys())
def test_import_refuses_what_the_registry_refuses(cli, tmp_path, kind, details, message):
    """What `record` refuses, import refuses too, with the same words (one path in)."""
    rows = [
        {"ref": "K1", "name": "Test Kind", "dob": "2015-03-15", "kind": "request", "date": "2025-01-06",
         "details": ""},
        {"ref": "K1", "kind": "decision", "date": "2025-02-10", "details": json.dumps({"outcome": "assess"})},
        {"ref": "K1", "kind": "final", "date": "2025-05-20", "details": ""},
    ]
    if kind != "decision":
        rows.append({"ref": "K1", "kind": kind, "date": "2025-06-02", "details": json.dumps(details)})
    else:
        rows[1]["details"] = json.dumps(details)
    path = tmp_path / "in.csv"
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["ref", "name", "dob", "kind", "date", "details"])
        writer.writeheader()
        writer.writerows(rows)
    result = cli(["import", str(path), "--dry-run"])
    assert result.exit_code == 1, result.stdout + result.stderr
    assert message in result.stdout + result.stderr
    assert "\x1b" not in result.stdout + result.stderr


def test_clean_text_refuses_exactly_the_ascii_control_characters():
    """Every ASCII character between two letters: refused when it is a control character (U+0000 to
    U+001F and U+007F, by the Unicode standard's Cc category), kept otherwise; whitespace alone is
    empty. clean_text takes a shortcut for printable ASCII: this is what it must agree with."""
    for code in range(128):
        text = f"a{chr(code)}b"
        if code < 0x20 or code == 0x7F:
            with pytest.raises(kinds.RefusedError, match="control character"):
                kinds.clean_text(text, "note")
        else:
            assert kinds.clean_text(text, "note") == text
    for blank in (" ", "  \t ", "\n"):
        with pytest.raises(kinds.RefusedError, match="is empty"):
            kinds.clean_text(blank, "note")
    assert kinds.clean_text("  Amelia O'Neil-Jones  ", "name") == "Amelia O'Neil-Jones"
    # beyond ASCII the long way still runs: an invisible joiner alone, a bidi override
    with pytest.raises(kinds.RefusedError, match="no visible character"):
        kinds.clean_text("\u200d", "note")
    with pytest.raises(kinds.RefusedError, match="U\\+202E"):
        kinds.clean_text("a\u202eb", "note")
