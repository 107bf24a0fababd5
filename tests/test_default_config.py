"""The packaged default configuration kept as values (sendtrack/default_config.py) is the checked load of
the shipped files, and is used only while they are unchanged."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from sendtrack import config as config_module
from sendtrack import default_config
from sendtrack.calendar import DEFAULT_CLOSURES

ROOT = Path(__file__).resolve().parents[1]


def checked_default() -> config_module.Config:
    text = config_module.DEFAULT_CONFIG.read_text(encoding="utf-8")
    return config_module.checked(text, config_module.DEFAULT_CONFIG, str(config_module.DEFAULT_CONFIG))


def test_the_module_is_what_the_tool_makes_from_the_shipped_files():
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "default_config.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert config_module.DEFAULT_CONFIG.read_text(encoding="utf-8") == default_config.CONFIG_TEXT
    assert DEFAULT_CLOSURES.read_bytes() == default_config.CLOSURES


def test_the_kept_default_equals_the_checked_load(monkeypatch):
    monkeypatch.delenv("SENDTRACK_CONFIG", raising=False)
    kept, checked = config_module.load(), checked_default()
    assert kept == checked
    # the same fingerprint the checks and the hash give, and every value of the same type
    assert kept.fingerprint == config_module.fingerprint(checked.settings())
    assert list(kept.rules) == list(checked.rules)
    # fresh values each load: a caller changing one changes no other load
    kept.rules["at_risk_days_by_rule"]["annual-review"] = 1
    assert config_module.load().rules["at_risk_days_by_rule"]["annual-review"] == 28


def test_a_copy_of_the_default_elsewhere_is_checked_as_any_file(tmp_path, monkeypatch):
    copy = tmp_path / "config.toml"
    shutil.copy(config_module.DEFAULT_CONFIG, copy)
    monkeypatch.setattr(default_config, "values", lambda: (_ for _ in ()).throw(AssertionError("kept")))
    loaded = config_module.load(str(copy))
    assert loaded.path == copy
    assert loaded.teams == checked_default().teams


def test_an_edited_default_is_checked_not_taken_from_the_kept_values(tmp_path, monkeypatch):
    edited = tmp_path / "config.toml"
    edited.write_text(config_module.DEFAULT_CONFIG.read_text(encoding="utf-8").replace(
        "contact_weeks = 6", "contact_weeks = 4"), encoding="utf-8")
    # as if the packaged file itself had been edited after the module was generated
    monkeypatch.setattr(config_module, "DEFAULT_CONFIG", edited)
    monkeypatch.delenv("SENDTRACK_CONFIG", raising=False)
    loaded = config_module.load()
    assert loaded.rules["contact_weeks"] == 4
    assert loaded.fingerprint != default_config.values()["fingerprint"]


def test_changed_closures_are_read_not_taken_from_the_kept_values(monkeypatch):
    monkeypatch.setattr(default_config, "CLOSURES", default_config.CLOSURES + b"*,2028-07-21,2028-09-05,yes,\n")
    monkeypatch.delenv("SENDTRACK_CONFIG", raising=False)
    assert not default_config.closures_unchanged()
    assert config_module.load() == checked_default()


def test_the_default_loads_without_the_toml_parser_or_a_hash():
    probe = ("import sys; from sendtrack import config; config.load(); "
             "print(sorted(m for m in ('tomllib', 'hashlib', 'sendtrack.rules.catalogue') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
