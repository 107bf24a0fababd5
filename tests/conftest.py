"""Shared fixtures: every test gets its own database; nothing can touch a real one."""

from __future__ import annotations

import json
import shlex
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sendtrack.cli.app import app
from sendtrack.cli.common import state

SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec"


@pytest.fixture(autouse=True)
def private_db(tmp_path, monkeypatch):
    """Point SENDTRACK_DB at tmp_path and reset global CLI state between tests."""
    path = tmp_path / "sendtrack.db"
    monkeypatch.setenv("SENDTRACK_DB", str(path))
    monkeypatch.delenv("SENDTRACK_DATABASE_URL", raising=False)
    monkeypatch.delenv("SENDTRACK_CONFIG", raising=False)
    monkeypatch.setenv("SENDTRACK_USER", "test-user")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    state.db = state.config = None
    state.debug = False
    return path


class Cli:
    """Runs sendtrack as a user types it; `ok` asserts success, `fails` asserts a refusal."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, line: str | list[str]):
        args = shlex.split(line) if isinstance(line, str) else line
        state.db = state.config = None
        return self.runner.invoke(app, args)

    def ok(self, line: str | list[str]) -> str:
        result = self(line)
        assert result.exit_code == 0, f"{line}\nstdout: {result.stdout}\nstderr: {result.stderr}"
        return result.stdout

    def json(self, line: str):
        return json.loads(self.ok(line))

    def fails(self, line: str | list[str], code: int = 1):
        result = self(line)
        assert result.exit_code == code, f"{line}\nstdout: {result.stdout}\nstderr: {result.stderr}"
        return result


@pytest.fixture
def cli(private_db) -> Cli:
    runner = Cli()
    runner.ok("init")
    return runner


def dump(path: Path) -> str:
    """The whole database as SQL text: equal dumps mean nothing was written."""
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


def golden_cases() -> list[dict]:
    return json.loads((SPEC / "golden-cases.json").read_text())["cases"]
