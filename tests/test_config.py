"""The configuration: every mistake refused at load naming the file and key, by every command alike, and
its fingerprint stored with the deadlines so two configurations are never mixed."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
import typer

from sendtrack import config
from sendtrack.cli.app import app
from sendtrack.config import DEFAULT_CONFIG
from tests.conftest import dump

DEFAULT = DEFAULT_CONFIG.read_text(encoding="utf-8")
AS_OF = "2025-06-30"


def variant(tmp_path, name: str, *, replace: tuple[str, str] | None = None, rules: str = "",
            append: str = "") -> str:
    """The default configuration with one change: a line replaced, lines added to [rules], or a table
    appended. Returns its path."""
    text = DEFAULT
    if replace is not None:
        assert replace[0] in text, replace[0]
        text = text.replace(replace[0], replace[1])
    if rules:
        text = text.replace("[rules]\n", f"[rules]\n{rules}\n", 1)
    path = tmp_path / name
    path.write_text(text + append, encoding="utf-8")
    return str(path)


@pytest.fixture
def held(cli):
    """A database holding one case, recorded under the default configuration."""
    cli.ok("add-request --ref K1 --name 'Test Child' --dob 2015-03-15 --received 2025-01-06")
    cli.ok("record decision K1 --date 2025-02-10 --outcome assess")
    return cli


def refused(cli, private_db, args: list[str], *, config_path: str, line: str) -> None:
    """`args` exits 1 with exactly `sendtrack: CONFIG: line` on stderr, and writes nothing."""
    before = dump(private_db)
    result = cli.fails(["--config", config_path, *args])
    assert result.stderr == f"sendtrack: {config_path}: {line}\n"
    assert result.stdout == ""
    assert dump(private_db) == before


RECORD = ["record", "contact", "K1", "--date", "2025-03-01"]


# --- one test per mistake, each through a write, the database unchanged --------------------------------

def test_an_unknown_key_is_refused_with_the_close_name(held, private_db, tmp_path):
    path = variant(tmp_path, "typo.toml", rules="draft_by_week = 10")
    refused(held, private_db, RECORD, config_path=path,
            line="[rules] draft_by_week: unknown key; did you mean draft_by_weeks?")


def test_an_unknown_key_with_nothing_close_lists_the_known_ones(held, private_db, tmp_path):
    path = variant(tmp_path, "far.toml", rules="colour = 3")
    keys = ", ".join(config.RULES_KEYS)
    refused(held, private_db, RECORD, config_path=path, line=f"[rules] colour: unknown key (known: {keys})")


def test_an_unknown_section_is_refused(held, private_db, tmp_path):
    path = variant(tmp_path, "section.toml", append="\n[rule]\nx = 1\n")
    refused(held, private_db, RECORD, config_path=path, line="rule: unknown section; did you mean rules?")


def test_a_value_outside_the_allowed_ones_is_refused(held, private_db, tmp_path):
    path = variant(tmp_path, "enum.toml", replace=('annual_review_from = "meeting"',
                                                   'annual_review_from = "meting"'))
    refused(held, private_db, RECORD, config_path=path,
            line='[rules] annual_review_from: "meting" is not one of meeting, decision; did you mean meeting?')


@pytest.mark.parametrize("value, shown", [('"six"', '"six"'), ("6.5", "6.5"), ("true", "true"),
                                          ("[6]", "[6]")])
def test_a_value_of_the_wrong_type_is_refused(held, private_db, tmp_path, value, shown):
    path = variant(tmp_path, "type.toml", replace=("contact_weeks = 6", f"contact_weeks = {value}"))
    refused(held, private_db, RECORD, config_path=path,
            line=f"[rules] contact_weeks: {shown} is not a whole number (1 to 20 weeks, inside the "
                 "20-week assessment)")


@pytest.mark.parametrize("line, message", [
    ("under5_review_months = 12", "under5_review_months: 12 is out of range (3 to 6 months, CoP 9.178)"),
    ("under5_review_months = 2", "under5_review_months: 2 is out of range (3 to 6 months, CoP 9.178)"),
    ("contact_weeks = 0", "contact_weeks: 0 is out of range (1 to 20 weeks, inside the 20-week assessment)"),
    ("draft_by_weeks = 21", "draft_by_weeks: 21 is out of range (1 to 20 weeks, inside the 20 weeks of "
                            "reg 13(2))"),
    ("advice_chase_weeks = 7", "advice_chase_weeks: 7 is out of range (1 to 6 weeks, inside the 6 weeks of "
                               "reg 8(1))"),
    ("at_risk_days = -1", "at_risk_days: -1 is out of range (0 to 365 days)"),
])
def test_a_value_out_of_range_is_refused(held, private_db, tmp_path, line, message):
    name = line.split(" = ")[0]
    old = next(x for x in DEFAULT.splitlines() if x.startswith(f"{name} = ")).split("#")[0].strip()
    path = variant(tmp_path, "range.toml", replace=(old, line))
    refused(held, private_db, RECORD, config_path=path, line=f"[rules] {message}")


def test_an_unknown_rule_id_in_the_warning_windows_is_refused(held, private_db, tmp_path):
    path = variant(tmp_path, "rule.toml", replace=("annual-review = 28", "annual-reveiw = 28"))
    refused(held, private_db, RECORD, config_path=path,
            line="[rules.at_risk_days_by_rule] annual-reveiw: unknown rule id; did you mean annual-review?")


def test_a_warning_window_of_the_wrong_type_is_refused(held, private_db, tmp_path):
    path = variant(tmp_path, "window.toml", replace=("phase-transfer = 28", 'phase-transfer = "4 weeks"'))
    refused(held, private_db, RECORD, config_path=path,
            line='[rules.at_risk_days_by_rule] phase-transfer: "4 weeks" is not a whole number (0 to 365 days)')


def test_a_duplicate_team_is_refused(held, private_db, tmp_path):
    path = variant(tmp_path, "twice.toml", append='\n[[teams]]\nid = "school-age"\nambition = [1, 2]\n')
    refused(held, private_db, RECORD, config_path=path,
            line='[[teams]] #7 id: "school-age" is already the id of team #3')


def test_a_team_id_not_in_kebab_case_is_refused(held, private_db, tmp_path):
    path = variant(tmp_path, "kebab.toml", replace=('id = "early-years"', 'id = "Early_Years"'))
    refused(held, private_db, RECORD, config_path=path,
            line='[[teams]] #2 id: "Early_Years" is not kebab-case (lower-case letters and digits joined '
                 'by single hyphens, e.g. school-age)')


@pytest.mark.parametrize("ambition, message", [
    ("[60, 50]", "low 60 is above high 50: write [low, high]"),
    ("[250]", "[250] is not a pair [low, high] of cases per coordinator"),
    ('[50, "sixty"]', '"sixty" is not a whole number of cases from 1 to 1000'),
    ("[0, 10]", "0 is not a whole number of cases from 1 to 1000"),
])
def test_a_bad_ambition_is_refused(held, private_db, tmp_path, ambition, message):
    path = variant(tmp_path, "ambition.toml", replace=("ambition = [50, 60]\nholds = \"children aged 0-5\"",
                                                       f"ambition = {ambition}\nholds = \"children aged 0-5\""))
    refused(held, private_db, RECORD, config_path=path, line=f"[[teams]] #2 ambition: {message}")


def test_a_configuration_without_teams_is_refused(held, private_db, tmp_path):
    path = tmp_path / "empty.toml"
    path.write_text("[rules]\ncontact_weeks = 6\n")
    refused(held, private_db, RECORD, config_path=str(path),
            line="teams: the configuration defines no teams: add a [[teams]] table for each")


def test_a_missing_configuration_file_is_refused(held, private_db, tmp_path):
    refused(held, private_db, RECORD, config_path=str(tmp_path / "nowhere.toml"),
            line="no such configuration file")


def test_a_missing_file_named_by_sendtrack_config_is_refused(held, private_db, tmp_path, monkeypatch):
    missing = tmp_path / "nowhere.toml"
    monkeypatch.setenv("SENDTRACK_CONFIG", str(missing))
    before = dump(private_db)
    result = held.fails(RECORD)
    assert result.stderr == f"sendtrack: {missing} (SENDTRACK_CONFIG): no such configuration file\n"
    assert dump(private_db) == before


def test_malformed_toml_is_refused(held, private_db, tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[rules\ncontact_weeks = 6\n")
    refused(held, private_db, RECORD, config_path=str(path),
            line="not valid TOML: Expected ']' at the end of a table declaration (at line 1, column 7)")


def test_a_missing_school_calendar_file_is_refused(held, private_db, tmp_path):
    path = variant(tmp_path, "calendar.toml", replace=('school_calendar = ""', 'school_calendar = "closures.csv"'))
    refused(held, private_db, RECORD, config_path=path,
            line=f"[rules] school_calendar: no such file {tmp_path / 'closures.csv'} (a relative path is "
                 "from the configuration's folder)")


def test_a_school_calendar_that_does_not_parse_is_refused(held, private_db, tmp_path):
    (tmp_path / "closures.csv").write_text("institution,closed_from,reopens,estimated\n*,2025-07-23,soon,no\n")
    path = variant(tmp_path, "calendar.toml", replace=('school_calendar = ""', 'school_calendar = "closures.csv"'))
    refused(held, private_db, RECORD, config_path=path,
            line="[rules] school_calendar: closures.csv: row 2: reopens is not a real date in the form "
                 "YYYY-MM-DD")


@pytest.mark.parametrize("closed_from", ["2022-W29-4", "20220721", "2022-07-21T00:00", "2022-02-30", ""])
def test_a_school_calendar_date_not_in_the_form_yyyy_mm_dd_is_refused(held, private_db, tmp_path, closed_from):
    """codes.iso_date, as every other way in: date.fromisoformat alone took week dates and basic forms."""
    (tmp_path / "closures.csv").write_text("institution,closed_from,reopens,estimated\n"
                                           "*,2022-07-21,2022-09-01,no\n"
                                           f"*,{closed_from},2023-09-01,no\n")
    path = variant(tmp_path, "calendar.toml", replace=('school_calendar = ""', 'school_calendar = "closures.csv"'))
    refused(held, private_db, RECORD, config_path=path,
            line="[rules] school_calendar: closures.csv: row 3: closed_from is not a real date in the form "
                 "YYYY-MM-DD")


def test_a_school_calendar_date_with_spaces_around_it_is_trimmed(held, tmp_path):
    from sendtrack.calendar import load_closures

    (tmp_path / "closures.csv").write_text("institution,closed_from,reopens,estimated\n"
                                           "*, 2022-07-21 ,2022-09-01,no\n")
    assert [(c.closed_from, c.reopens) for c in load_closures(tmp_path / "closures.csv")] == [
        (date(2022, 7, 21), date(2022, 9, 1))]


def test_a_school_calendar_row_missing_its_columns_is_one_line(held, private_db, tmp_path):
    (tmp_path / "closures.csv").write_text("institution,closed_from,reopens,estimated\n*\n")
    path = variant(tmp_path, "calendar.toml", replace=('school_calendar = ""', 'school_calendar = "closures.csv"'))
    refused(held, private_db, RECORD, config_path=path,
            line="[rules] school_calendar: closures.csv: row 2: closed_from is not a real date in the form "
                 "YYYY-MM-DD")


def test_a_closure_that_reopens_before_it_closes_is_refused(held, private_db, tmp_path):
    (tmp_path / "closures.csv").write_text("institution,closed_from,reopens,estimated\n"
                                           "*,2025-07-23,2025-07-01,no\n")
    path = variant(tmp_path, "calendar.toml", replace=('school_calendar = ""', 'school_calendar = "closures.csv"'))
    refused(held, private_db, RECORD, config_path=path,
            line="[rules] school_calendar: closures.csv: * closed from 2025-07-23 reopens on 2025-07-01, "
                 "not after it")


def test_every_mistake_is_listed_a_line_each(held, private_db, tmp_path):
    path = tmp_path / "many.toml"
    path.write_text(DEFAULT.replace("[rules]\n", "[rules]\ndraft_by_week = 10\n")
                    .replace('annual_review_from = "meeting"', 'annual_review_from = "meting"')
                    .replace("contact_weeks = 6", 'contact_weeks = "six"'))
    before = dump(private_db)
    result = held.fails(["--config", str(path), *RECORD])
    assert result.stderr.splitlines() == [f"sendtrack: {path}: {line}" for line in (
        "[rules] draft_by_week: unknown key; did you mean draft_by_weeks?",
        '[rules] annual_review_from: "meting" is not one of meeting, decision; did you mean meeting?',
        '[rules] contact_weeks: "six" is not a whole number (1 to 20 weeks, inside the 20-week assessment)',
    )]
    assert dump(private_db) == before


def test_the_shipped_configuration_is_valid_and_gives_the_defaults():
    loaded = config.load(str(DEFAULT_CONFIG))
    from sendtrack.domain import Settings

    assert loaded.settings(with_closures=False) == Settings()
    assert [t.id for t in loaded.teams] == ["front-door", "early-years", "school-age", "young-people",
                                            "virtual-school", "access-inclusion"]
    assert loaded.closures  # the Hertfordshire default calendar


def test_the_rules_keys_are_the_settings_fields():
    """[rules] takes every Settings field (read from the dataclass) and the two configuration-only keys."""
    from dataclasses import fields

    from sendtrack.domain import Settings

    assert set(config.RULES_KEYS) == ({f.name for f in fields(Settings)} - {"closures"}
                                      | {"school_calendar", "at_risk_days_by_rule"})


def test_the_readme_documents_every_key_with_its_range():
    readme = (DEFAULT_CONFIG.parents[2] / "README.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line for line in readme.splitlines() if line.startswith("| `[")}
    for name, key in config.RULES_KEYS.items():
        row = rows.get(f"`[rules] {name}`") or rows.get("`[rules.at_risk_days_by_rule] RULE_ID`")
        assert row is not None, name
        if key.kind is int:
            assert f"{key.low} to {key.high}" in row, name
        for choice in key.choices:
            assert f"`{choice}`" in row, name
    for name in config.TEAM_KEYS:
        assert f"`[[teams]] {name}`" in rows, name
    for name, key in config.RETENTION_KEYS.items():
        row = rows.get(f"`[retention] {name}`")
        assert row is not None and f"{key.low} to {key.high}" in row, name


# --- every command refuses a malformed configuration alike ----------------------------------------------

READERS = [
    ["cases"],
    ["overdue", "--as-of", AS_OF],
    ["kpi", "--as-of", AS_OF],
    ["history", "K1"],
    ["timeline", "K1", "--as-of", AS_OF],
    ["record", "contact", "K1", "--date", "2025-03-01"],
    ["at-risk", "--as-of", AS_OF],
    ["caseload"],
    ["digest", "--as-of", AS_OF],
    ["check"],
    ["export"],
    ["recompute"],
    ["assign", "K1", "--team", "school-age"],
    ["init"],
]


@pytest.mark.parametrize("args", READERS, ids=lambda a: " ".join(a[:2]))
def test_a_malformed_configuration_is_refused_by_every_command(held, private_db, tmp_path, args):
    path = variant(tmp_path, "typo.toml", rules="draft_by_week = 10")
    refused(held, private_db, args, config_path=path,
            line="[rules] draft_by_week: unknown key; did you mean draft_by_weeks?")


@pytest.mark.parametrize("args", READERS, ids=lambda a: " ".join(a[:2]))
def test_a_missing_configuration_is_refused_by_every_command(held, private_db, tmp_path, args):
    refused(held, private_db, args, config_path=str(tmp_path / "nowhere.toml"),
            line="no such configuration file")


def _commands(group, prefix=()):
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from _commands(command, (*prefix, name))
        else:
            yield " ".join((*prefix, name)), command


def test_every_command_loads_the_configuration_at_the_edge():
    """Every command is registered behind the edge, which loads the configuration before anything else
    (a command added with a bare app.command would skip it: this test names it)."""
    from sendtrack.cli.common import edge

    marker = edge(lambda: None).__code__
    # typer wraps each callback once more (functools.update_wrapper): ours is its __wrapped__
    commands = dict(_commands(typer.main.get_command(app)))
    assert {"init", "cases", "overdue", "record contact", "recompute"} <= set(commands)
    skipped = [name for name, command in commands.items()
               if getattr(getattr(command.callback, "__wrapped__", None), "__code__", None) is not marker]
    assert skipped == []


# --- the fingerprint stored with the deadlines ---------------------------------------------------------

def stored(private_db) -> list[tuple]:
    with sqlite3.connect(private_db) as conn:
        return conn.execute("SELECT name, value FROM meta WHERE name = 'config_fingerprint'").fetchall()


def warning(stored_print: str, current: str) -> str:
    return (f"the stored deadlines were computed under another configuration (fingerprint {stored_print}, "
            f"this one {current}): run `sendtrack recompute` to recompute them under this one, or use the "
            "configuration they were made with")


@pytest.fixture
def other(tmp_path) -> str:
    """A configuration that changes computed deadlines (contact every 4 weeks, not 6)."""
    return variant(tmp_path, "contact4.toml", replace=("contact_weeks = 6", "contact_weeks = 4"))


def test_a_fresh_database_has_no_fingerprint_and_the_first_write_sets_it(cli, private_db):
    assert stored(private_db) == []
    cli.ok("add-request --ref K1 --name 'Test Child' --dob 2015-03-15 --received 2025-01-06")
    assert stored(private_db) == [("config_fingerprint", config.load().fingerprint)]


def test_the_fingerprint_is_of_what_changes_deadlines(tmp_path):
    default = config.load(str(DEFAULT_CONFIG)).fingerprint
    assert len(default) == 12 and int(default, 16) >= 0

    def of(**change) -> str:
        return config.load(variant(tmp_path, "x.toml", **change)).fingerprint

    assert of(replace=("contact_weeks = 6", "contact_weeks = 4")) != default
    assert of(replace=('annual_review_from = "meeting"', 'annual_review_from = "decision"')) != default
    # team names, ambitions, warning windows and comments change no deadline
    assert of(replace=('name = "Early Years"', 'name = "Under Fives"')) == default
    assert of(replace=("ambition = [30, 40]", "ambition = [20, 30]")) == default
    assert of(replace=("at_risk_days = 14", "at_risk_days = 7")) == default
    assert of(replace=("annual-review = 28", "annual-review = 42")) == default
    # the closures' content counts, not the file's name or row order
    rows = DEFAULT_CONFIG.with_name("school-closures.csv").read_text()
    (tmp_path / "same.csv").write_text(rows)
    assert of(replace=('school_calendar = ""', 'school_calendar = "same.csv"')) == default
    (tmp_path / "more.csv").write_text(rows + "Oak Primary,2025-10-20,2025-11-03,no\n")
    assert of(replace=('school_calendar = ""', 'school_calendar = "more.csv"')) != default


@pytest.mark.parametrize("args", [
    ["record", "contact", "K1", "--date", "2025-03-01"],
    ["record", "void", "K1", "2", "--reason", "mistake"],
    ["add-request", "--ref", "K2", "--name", "Other Child", "--dob", "2016-01-01", "--received", "2025-02-03"],
    ["sample", "--cases", "3", "--as-of", AS_OF],
    ["import", "IMPORT"],
], ids=lambda a: a[0] if a[0] != "record" else f"record {a[1]}")
def test_a_write_under_another_configuration_is_refused(held, private_db, tmp_path, other, args):
    if args == ["import", "IMPORT"]:
        (tmp_path / "in.csv").write_text(held.ok("export").replace("K1", "K9"))
        args = ["import", str(tmp_path / "in.csv")]
    before = dump(private_db)
    result = held.fails(["--config", other, *args])
    ours = config.load(other).fingerprint
    assert result.stderr == f"sendtrack: {warning(config.load().fingerprint, ours)}\n"
    assert dump(private_db) == before


def test_a_dry_run_import_under_another_configuration_writes_nothing_and_is_not_refused(held, tmp_path,
                                                                                         other):
    (tmp_path / "in.csv").write_text(held.ok("export").replace("K1", "K9"))
    assert "would import 1 cases" in held.ok(["--config", other, "import", "--dry-run", str(tmp_path / "in.csv")])


def test_assign_materialises_nothing_and_is_not_refused(held, other):
    assert "K1: now with school-age" in held.ok(["--config", other, "assign", "K1", "--team", "school-age"])


@pytest.mark.parametrize("args", [["overdue", "--as-of", AS_OF], ["cases", "--as-of", AS_OF],
                                  ["timeline", "K1", "--as-of", AS_OF], ["kpi", "--as-of", AS_OF],
                                  ["digest", "--as-of", AS_OF]], ids=lambda a: a[0])
def test_a_report_under_another_configuration_warns_once(held, other, args):
    same = held(args)
    assert same.exit_code == 0 and same.stderr == ""
    result = held(["--config", other, *args])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == (f"sendtrack: warning: "
                             f"{warning(config.load().fingerprint, config.load(other).fingerprint)}\n")
    assert result.stdout == same.stdout or args[0] == "timeline"  # the timeline computes live


def test_check_reports_another_configuration(held, other):
    assert "no problems" in held.ok("check")
    result = held.fails(["--config", other, "check"])
    lines = result.stdout.splitlines()
    assert lines[0] == f"-: configuration: {warning(config.load().fingerprint, config.load(other).fingerprint)}"


def test_recompute_switches_the_stored_configuration(held, private_db, other):
    ours, theirs = config.load().fingerprint, config.load(other).fingerprint
    out = held.ok(["--config", other, "recompute"])
    assert out.splitlines()[1] == (f"the stored deadlines now follow this configuration (fingerprint {theirs}, "
                                   f"was {ours})")
    assert stored(private_db) == [("config_fingerprint", theirs)]
    assert "no problems" in held.ok(["--config", other, "check"])
    held.ok(["--config", other, *RECORD])
    # and now the default configuration is the other one
    result = held.fails(RECORD)
    assert result.stderr == f"sendtrack: {warning(theirs, ours)}\n"
    assert "recomputed 1 cases" in held.ok("recompute")
    assert stored(private_db) == [("config_fingerprint", ours)]


def test_a_team_renamed_is_the_same_configuration(held, tmp_path):
    renamed = variant(tmp_path, "renamed.toml", replace=('name = "Early Years"', 'name = "Under Fives"'))
    held.ok(["--config", renamed, *RECORD])
    assert held(["--config", renamed, "overdue", "--as-of", AS_OF]).stderr == ""
