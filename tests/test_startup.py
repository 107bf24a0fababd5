"""Start-up: the command table and the modules agree, and a command imports only what it needs.

A command imports its own module of sendtrack/cli and builds only its own part of the tree
(sendtrack/cli/app.py, COMMANDS); `sendtrack --help` builds nothing (tests/test_help.py holds it complete).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.main import get_command_name

from sendtrack.cli.app import COMMANDS, adopt, summary

ROOT = Path(__file__).resolve().parents[1]
CLI = ROOT / "sendtrack" / "cli"


def declared() -> dict[str, str]:
    """Every command and group a module of sendtrack/cli registers -> its module."""
    import importlib

    found: dict[str, str] = {}
    for path in sorted(CLI.glob("*.py")):
        if path.stem in {"__init__", "app", "common"}:
            continue
        module = importlib.import_module(f"sendtrack.cli.{path.stem}")
        if not hasattr(module, "register"):
            continue
        sub = typer.Typer()
        module.register(sub)
        for info in sub.registered_commands:
            assert info.callback is not None
            found[info.name or get_command_name(info.callback.__name__)] = path.stem
        for group in sub.registered_groups:
            assert group.name is not None
            found[group.name] = path.stem
    return found


def test_the_command_table_lists_every_registered_command_and_its_module():
    modules = declared()
    missing = {name: module for name, module in modules.items() if name not in COMMANDS}
    assert not missing, ("add to COMMANDS in sendtrack/cli/app.py:\n" + "\n".join(
        f'    "{name}": ("{module}", "..."),' for name, module in missing.items()))
    assert {name: COMMANDS[name][0] for name in modules} == modules
    assert set(COMMANDS) == set(modules), f"listed but declared nowhere: {set(COMMANDS) - set(modules)}"


def test_each_summary_is_the_commands_own_first_sentence():
    from typer.main import get_command_from_info, get_group_from_info

    wrong = []
    for name, (module_name, line) in COMMANDS.items():
        import importlib

        sub = typer.Typer(rich_markup_mode=None)
        importlib.import_module(f"sendtrack.cli.{module_name}").register(sub)
        adopt(sub)
        built = [get_command_from_info(i, pretty_exceptions_short=True, rich_markup_mode=None)
                 for i in sub.registered_commands]
        built += [get_group_from_info(g, pretty_exceptions_short=True, rich_markup_mode=None,
                                      suggest_commands=True) for g in sub.registered_groups]
        own = next(summary(c) for c in built if c.name == name)
        if own != line:
            wrong.append(f'    "{name}": ("{module_name}", {own!r}),')
    assert not wrong, "COMMANDS summaries differ from the commands' help; paste:\n" + "\n".join(wrong)


#: never at run time for these commands: the ORM (~0.5 s), SQLAlchemy Core (~0.25 s), Alembic,
#: `holidays` (the shipped table replaces it) and rich (machine formats and writes print plain text)
HEAVY = ("sqlmodel", "sqlalchemy", "alembic", "holidays", "rich")

PROBE = """
import json, sys
sys.argv = ["sendtrack", *json.loads(sys.argv[1])]
from sendtrack.cli.app import main
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
sys.stderr.write("PROBE " + json.dumps({"code": code, "modules": sorted(sys.modules)}) + "\\n")
"""


def probe(args: list[str]) -> tuple[int, set[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    line = next(line for line in done.stderr.splitlines() if line.startswith("PROBE "))
    found = json.loads(line[len("PROBE "):])
    return found["code"], set(found["modules"])


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("startup") / "s.db")
    for args in (["init"], ["add-request", "--name", "Ada Byron", "--dob", "2015-03-01", "--received",
                           "2025-01-06", "--ref", "S-1"]):
        done = subprocess.run([sys.executable, "-m", "sendtrack", "--db", db, *args], capture_output=True,
                              text=True, timeout=120, cwd=ROOT)
        assert done.returncode == 0, done.stderr
    return db


LINES = {  # a typical command -> the one module of sendtrack/cli it should import
    "--help": None,
    "add-request --name X --dob 2014-01-01 --received 2025-01-06": "recording",
    "record decision S-1 --date 2025-02-03 --outcome assess": "recording",
    "timeline S-1 --as-of 2025-06-30 --format json": "reading",
    "cases --format csv": "reading",
    "overdue --as-of 2025-06-30 --format csv": "reports",
    "at-risk --as-of 2025-06-30 --format csv": "reports",
    "digest --as-of 2025-06-30": "reports",
    "export": "data",
}


@pytest.mark.parametrize("line", list(LINES))
def test_a_command_imports_its_own_module_and_nothing_heavy(database, line):
    args = line.split() if line == "--help" else ["--db", database, *line.split()]
    code, modules = probe(args)
    assert code == 0
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert heavy == [], f"{line}: imported {heavy}"
    own = {m.split(".")[2] for m in modules if m.startswith("sendtrack.cli.")} - {"app", "common"}
    assert own == ({LINES[line]} if LINES[line] else set()), f"{line}: imported the modules of {own}"


# --- coercion without pydantic (cli/app.QuickCoercion) -------------------------------------------

def every_command():
    """Every command and group of the tree, built as it runs (sub-commands of groups included)."""
    from sendtrack.cli.app import app, build

    stack = [typer.main.get_group(app), *(build(name) for name in COMMANDS)]
    while stack:
        command = stack.pop()
        yield command
        stack.extend(getattr(command, "commands", {}).values() if command.name != "sendtrack" else ())


def candidates(param) -> list:
    """Values a user could give `param`: None, text of every shape, numbers in and out of range and in
    odd spellings, its choices in their own and other cases, and bools."""
    values: list = [None, "", "abc", " abc ", "Abc Déf", "\udcff", "2024", "0", "007", "-5", "+5", " 5",
                    "1_000", "5.0", "99999999999999999999", "٣", "true", "no", "x.csv", True, False, 3]
    info = param.type_descriptor.parameter_info
    for bound in (info.min, info.max):
        if bound is not None:
            values += [str(bound), str(bound - 1), str(bound + 1), bound, bound - 1, bound + 1]
    for choice in param.type_descriptor.choices or ():
        spelt = getattr(choice, "value", choice)
        values += [choice, spelt, str(spelt).upper(), str(spelt).title(), f" {spelt}"]
    return values


def outcome(coercion, value, param, ctx):
    try:
        got = coercion.coerce(value, param=param, ctx=ctx)
    except Exception as exc:  # noqa: BLE001 - the refusal itself is what is compared
        return ("refused", type(exc).__name__, str(exc))
    return ("value", type(got), got)


def test_quick_coercion_gives_what_typers_pydantic_adapters_give_on_every_parameter():
    from typer._coercion import build_runtime_param
    from typer.core import _TyperParameter

    from sendtrack.cli.app import Context, QuickCoercion

    compared = quick = 0
    for command in every_command():
        ctx = Context(command)
        for param in command.get_params(ctx):
            if not isinstance(param, _TyperParameter) or param.type_descriptor.file_annotation is not None:
                continue  # a file parameter opens its file: typer's own coercion, not answered here
            assert isinstance(param._runtime_param, QuickCoercion), (command.name, param.name)
            for value in candidates(param):
                mine = QuickCoercion(param.type_descriptor)
                expected = outcome(build_runtime_param(param.type_descriptor), value, param, ctx)
                assert outcome(mine, value, param, ctx) == expected, (command.name, param.name, value)
                compared += 1
                quick += mine._typer is None  # answered without pydantic
    # every command's parameters were compared, and most values answered without an adapter
    assert compared > 5000 and quick > compared // 3, (compared, quick)


def test_typical_commands_never_import_pydantic(database):
    for line in ("overdue --as-of 2025-06-30 --format csv", "kpi --as-of 2025-06-30 --year 2024 --format csv",
                 "add-request --name Quick --dob 2014-02-02 --received 2025-01-06",
                 "timeline S-1 --as-of 2025-06-30 --format json", "cases --team school-age",
                 "digest --as-of 2025-06-30 --format text"):
        code, modules = probe(["--db", database, *line.split()])
        assert code == 0, line
        assert "pydantic" not in modules, line  # ~60 ms of start-up
