"""Help that reads well at 80 columns: every value named (no typer placeholders), every option whole,
`-h` beside `--help`, `--version`, and shell completion."""

from __future__ import annotations

import re
from importlib.metadata import version

import pytest
import typer.main
from typer.core import TyperArgument, TyperOption

from sendtrack.cli.app import app
from tests.conftest import Cli

ROOT_GROUP = typer.main.get_command(app)
#: typer's own names for values: <str>, <bool>, <int range>, <path>, <a|b>, <list[str]>; {REF}
PLACEHOLDER = re.compile(r"<[a-z][a-z0-9_|\[\] -]*>|\{[A-Za-z_][A-Za-z0-9_]*\}")


def tree(group=ROOT_GROUP, path=()):
    """(path, command) for the app and every command and group under it."""
    yield path, group
    for name, command in sorted(group.commands.items()):
        if getattr(command, "commands", None) is not None:
            yield from tree(command, (*path, name))
        else:
            yield (*path, name), command


COMMANDS = list(tree())
IDS = [" ".join(path) or "sendtrack" for path, _ in COMMANDS]


def help_text(path, monkeypatch, flag="--help") -> str:
    monkeypatch.setenv("COLUMNS", "80")
    result = Cli()([*path, flag])
    assert result.exit_code == 0, result.output
    return result.stdout


def options(command) -> list[TyperOption]:
    return [p for p in command.params if isinstance(p, TyperOption)]


def test_the_placeholder_pattern_sees_what_typer_writes():
    typer_wrote = "Usage: sendtrack record decision [OPTIONS] {REF}  --name <str>  --help <bool>  <int range>"
    assert PLACEHOLDER.findall(typer_wrote + " <assess|refuse> <path>") == [
        "{REF}", "<str>", "<bool>", "<int range>", "<assess|refuse>", "<path>"]
    assert not PLACEHOLDER.findall("--outcome [assess|refuse]  REF  --date DATE  ≤8 wks")


def test_the_walk_finds_every_command():
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"", "add-request", "record", "record decision", "record exception", "overdue", "sample"} <= names
    assert len(COMMANDS) > 40


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_no_typer_placeholder_in_any_help(path, command, monkeypatch):
    out = help_text(path, monkeypatch)
    assert not PLACEHOLDER.findall(out), out


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_every_option_whole_and_every_line_within_80_columns(path, command, monkeypatch):
    out = help_text(path, monkeypatch)
    assert "…" not in out
    assert max(map(len, out.splitlines())) <= 80, out
    for param in options(command):
        for name in [*param.opts, *param.secondary_opts]:
            assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", out), f"{name} not whole:\n{out}"
    assert re.search(r"^  -h, --help +Show this message and exit\.$", out, re.M), out


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_flags_show_no_value_and_options_their_own(path, command, monkeypatch):
    out = help_text(path, monkeypatch)
    for param in options(command):
        names = ", ".join(sorted(param.opts, key=lambda o: len(o) - len(o.lstrip("-"))))
        if param.is_flag:
            off = "".join(f" / {o}" for o in param.secondary_opts)  # --looked-after / --not-looked-after
            assert re.search(rf"^  {re.escape(names + off)}( {{2,}}|$)", out, re.M), f"{names}:\n{out}"
        elif param.metavar:
            assert f"  {names} {param.metavar}" in out, f"{names} {param.metavar}:\n{out}"
    for param in command.params:
        if isinstance(param, TyperArgument):
            shown = param.metavar or param.name.upper()
            assert re.search(rf"^Usage: .* {re.escape(shown)}\b", out, re.M), out


def test_choices_and_values_read_as_click_writes_them(monkeypatch):
    decision = help_text(["record", "decision"], monkeypatch)
    assert "Usage: sendtrack record decision [OPTIONS] REF\n" in decision
    assert re.search(r"^  --outcome \[assess\|refuse\] ", decision, re.M)
    assert re.search(r"^  REF +The case reference\.", decision, re.M)
    add = help_text(["add-request"], monkeypatch)
    # an option without a declared metavar is named after itself; a flag shows none
    assert re.search(r"^  --name NAME +The child", add, re.M)
    assert re.search(r"^  --alternative-provision +In alternative provision\.$", add, re.M)
    assert "--source [parent|young-person|school|health|social-care|other]\n" in add
    void = help_text(["record", "void"], monkeypatch)
    assert "Usage: sendtrack record void [OPTIONS] REF EVENT_ID\n" in void


def test_prose_wraps_between_words_never_at_a_hyphen(monkeypatch):
    """Rule and team ids are names: "issue-decision", "young-people" stay whole."""
    out = " ".join(help_text(["record", "exception"], monkeypatch).split())
    assert "assessment-decision, issue-decision, final-plan, reassessment-final, advice or an order-*" in out
    add = help_text(["add-request"], monkeypatch)
    assert not re.search(r"\w-\n", add), add


def test_commands_list_their_first_sentence_whole(monkeypatch):
    out = help_text([], monkeypatch)
    flat = " ".join(out.split())
    assert ("kpi Timeliness with DfE's definitions: 20 weeks (incl./excl. exceptions), 6-week decisions, "
            "reviews. digest") in flat
    commands = out[out.index("\nCommands:\n"):]
    assert "..." not in commands


@pytest.mark.parametrize("path", [[], ["record"], ["record", "decision"], ["overdue"]], ids=" ".join)
def test_h_is_help(path, monkeypatch):
    assert help_text(path, monkeypatch, "-h") == help_text(path, monkeypatch, "--help")


def test_version(private_db):
    result = Cli()(["--version"])
    assert (result.exit_code, result.stdout) == (0, f"sendtrack {version('sendtrack')}\n")
    assert not private_db.exists()  # nothing opened, nothing created


def test_shell_completion_answers_and_is_documented(monkeypatch):
    from pathlib import Path

    monkeypatch.setenv("_SENDTRACK_COMPLETE", "complete_bash")
    monkeypatch.setenv("COMP_WORDS", "sendtrack overdue --owner ")
    monkeypatch.setenv("COMP_CWORD", "3")
    result = Cli().runner.invoke(app, [], prog_name="sendtrack")
    assert result.stdout.split() == ["la", "partner", "family", "all"], result.output
    monkeypatch.setenv("COMP_WORDS", "sendtrack record dec")
    monkeypatch.setenv("COMP_CWORD", "2")
    assert Cli().runner.invoke(app, [], prog_name="sendtrack").stdout.split() == ["decision"]
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "sendtrack --install-completion" in readme and "--show-completion" in readme
