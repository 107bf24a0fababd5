"""Configuration: teams and rule thresholds from a TOML file (Hertfordshire's by default), checked at load
against the schema declared here; every mistake is refused as `FILE: [section] key: what is wrong`."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import astuple, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from sendtrack.domain import Closure, Settings
from sendtrack.errors import ConfigError, RefusedError

DEFAULT_CONFIG = Path(__file__).with_name("data") / "config.toml"


# --- the schema ----------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Key:
    """One key of the configuration: its type, the values or range it may take, and what it means."""

    kind: type  # int, str or list
    help: str
    low: int | None = None
    high: int | None = None
    unit: str = ""
    why: str = ""  # where the range comes from
    choices: tuple[str, ...] = ()
    required: bool = False
    #: whether it changes computed deadlines, and so is part of the configuration's fingerprint
    deadlines: bool = True

    def range(self) -> str:
        text = f"{self.low} to {self.high}{' ' + self.unit if self.unit else ''}"
        return text + (f", {self.why}" if self.why else "")

    def problem(self, value: Any) -> str | None:
        """What is wrong with `value` for this key, or None."""
        if self.kind is int:
            if type(value) is not int:
                return f"{_shown(value)} is not a whole number ({self.range()})"
            assert self.low is not None and self.high is not None, "every int key declares its range"
            if not self.low <= value <= self.high:
                return f"{value} is out of range ({self.range()})"
        elif self.kind is str:
            if type(value) is not str:
                return f"{_shown(value)} is not text"
            if self.choices and value not in self.choices:
                listed = ", ".join(self.choices)
                return f"{_shown(value)} is not one of {listed}{_suggest(value, self.choices)}"
        return None


#: The bounds of every threshold of `Settings`, by field name. The [rules] keys are read from the
#: dataclass: a new setting without an entry here stops sendtrack at import, not at a user's write.
SETTING_KEYS: dict[str, dict[str, Any]] = {
    "annual_review_from": dict(choices=("meeting", "decision"),
                               help="what restarts the 12 months to the next annual review (spec 4.2)"),
    "under5_review_months": dict(low=3, high=6, unit="months", why="CoP 9.178",
                                 help="months between reviews of a child under 5"),
    "at_risk_days": dict(low=0, high=365, unit="days", deadlines=False,
                         help="default warning window of `at-risk` and the digest"),
    "draft_by_weeks": dict(low=1, high=20, unit="weeks", why="inside the 20 weeks of reg 13(2)",
                           help="local milestone draft-by-week-14: weeks after the request"),
    "advice_chase_weeks": dict(low=1, high=6, unit="weeks", why="inside the 6 weeks of reg 8(1)",
                               help="local milestone advice-chase: weeks after advice was asked for"),
    "review_scheduled_weeks": dict(low=1, high=52, unit="weeks", why="inside the review's 12 months",
                                   help="local milestone review-scheduled: weeks before the review is due"),
    "phase_transfer_meeting_weeks": dict(low=1, high=52, unit="weeks", why="inside the transfer year",
                                         help="local milestone phase-transfer-meeting: weeks before the "
                                              "transfer deadline"),
    "contact_weeks": dict(low=1, high=20, unit="weeks", why="inside the 20-week assessment",
                          help="local milestone contact: weeks without contact with the family"),
}

_SETTINGS = [f for f in fields(Settings) if f.name != "closures"]
if {f.name for f in _SETTINGS} != set(SETTING_KEYS):
    raise AssertionError(f"config.SETTING_KEYS must bound every Settings field: "
                         f"{sorted({f.name for f in _SETTINGS} ^ set(SETTING_KEYS))}")

RULES_KEYS: dict[str, Key] = {
    **{f.name: Key(type(f.default), **SETTING_KEYS[f.name]) for f in _SETTINGS},
    "school_calendar": Key(str, "CSV of school closures, relative to this file; empty = the "
                                "Hertfordshire default shipped"),
    "at_risk_days_by_rule": Key(dict, "per-rule warning windows in days, by rule id", deadlines=False),
}
AT_RISK_DAYS = Key(int, "warning window", low=0, high=365, unit="days")
TEAM_KEYS: dict[str, Key] = {
    "id": Key(str, "kebab-case, unique: what --team and the database hold", required=True),
    "name": Key(str, "shown in reports (default: the id)"),
    "ambition": Key(list, "caseload ambition per coordinator, [low, high]", low=1, high=1000,
                    required=True),
    "holds": Key(str, "who the team holds, in words"),
}
TEAM_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAIL_KEYS: dict[str, Key] = {
    "host": Key(str, "the SMTP server's name", deadlines=False),
    "port": Key(int, "the SMTP server's port", low=1, high=65535, deadlines=False),
    "security": Key(str, "starttls (port 587), ssl (port 465) or none (port 25, no login)",
                    choices=("starttls", "ssl", "none"), deadlines=False),
    "user": Key(str, "the login name (no login when left out)", deadlines=False),
    "from": Key(str, "the sender's address", deadlines=False),
    "password_file": Key(str, "a file holding the password (mode 0600), relative to this file",
                         deadlines=False),
    "ca_file": Key(str, "PEM certificates to trust besides the system's, relative to this file",
                   deadlines=False),
    "recipients": Key(dict, "addresses per team id", deadlines=False),
}
#: An address as a mail header takes it, loosely: local@domain of printable ASCII with no spaces, commas,
#: angle brackets or quotes (\Z, not $: a trailing newline would pass $). ASCII only: a non-ASCII local
#: part needs SMTPUTF8, which the standard library's headers refuse, and it keeps out bidi overrides and
#: other invisible characters (README: Mail).
_PART = r"[!#-+\--:=?A-~]+"
ADDRESS = re.compile(rf"^{_PART}@{_PART}\.{_PART}\Z")
#: A mail server's name: DNS labels of letters, digits, hyphens (and underscores, which some councils'
#: internal names carry), or an IP address (checked by `host_problem`).
_HOST_NAME = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9_-]{1,63}(?<!-))*\.?\Z")
CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def host_problem(host: str) -> str | None:
    """Why `host` cannot be a mail server's name (None when it can): `[mail] host` and the URL's host."""
    import ipaddress

    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    if "@" in host:
        return ("is not a server name: a host is the server's name only (the login is [mail] user, the "
                "password SENDTRACK_SMTP_PASSWORD or [mail] password_file)")
    if ":" in host and not host.startswith("["):
        name, _, port = host.rpartition(":")
        if port.isdigit() and _HOST_NAME.match(name):
            return "is not a server name or IP address: give the port as port, not host:port"
        return "is not a server name or IP address: a host is the server's name only (smtp.example.gov.uk)"
    if len(host) <= 253 and _HOST_NAME.match(host):
        return None
    return "is not a server name or IP address (smtp.example.gov.uk, 192.0.2.25 or ::1)"
#: [retention]: how long a closed case's record is kept (`sendtrack retention`, README "Retention and
#: erasure"). The default is the IRMS Information Management Toolkit for Schools' period for SEN files.
RETENTION_KEYS: dict[str, Key] = {
    "years_after_birth": Key(int, "years after the date of birth a closed case is kept (default 31)",
                             low=25, high=120, unit="years",
                             why="a plan can run until the young person is 25", deadlines=False),
}
RETENTION_DEFAULTS: dict[str, Any] = {"years_after_birth": 31}
SECTIONS = ("rules", "teams", "retention", "mail")


def _shown(value: Any) -> str:
    """A value as it was written in the TOML file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        import json

        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        if all(isinstance(v, str | int | float) for v in value):
            return "[" + ", ".join(_shown(v) for v in value) + "]"
        return "an array"
    return str(value)


def _suggest(name: str, known) -> str:
    import difflib  # only a mistake pays for it

    close = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean {close[0]}?" if close else ""


def _unknown(what: str, name: str, known) -> str:
    """`name: unknown key; did you mean …?`, or the known names when none is close."""
    close = _suggest(name, known)
    return f"{name}: unknown {what}" + (close or f" (known: {', '.join(known)})")


# --- the configuration --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Team:
    id: str
    name: str
    ambition_low: int
    ambition_high: int
    holds: str


@dataclass(frozen=True, slots=True)
class Mail:
    """[mail]: how the digest is sent (app/mail.py); paths made absolute from the configuration's folder."""

    host: str | None = None
    port: int | None = None
    security: str = "starttls"
    user: str | None = None
    sender: str | None = None
    password_file: Path | None = None
    ca_file: Path | None = None
    recipients: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def recipients_of(self, team: str) -> tuple[str, ...]:
        return dict(self.recipients).get(team, ())


@dataclass(frozen=True, slots=True)
class Config:
    teams: tuple[Team, ...]
    rules: dict  # [rules] as validated, every key present (defaults filled in)
    path: Path
    closures: tuple[Closure, ...] = ()
    mail: Mail = Mail()
    #: sha256 (short hex) of what changes computed deadlines: stored with them (see `fingerprint`)
    fingerprint: str = ""
    #: [retention] as validated, every key present (defaults filled in)
    retention: dict = field(default_factory=lambda: dict(RETENTION_DEFAULTS))

    def team(self, team_id: str) -> Team:
        for team in self.teams:
            if team.id == team_id:
                return team
        for team in self.teams:  # team names are matched ignoring case everywhere
            if team.id.casefold() == team_id.casefold():
                return team
        known = ", ".join(t.id for t in self.teams)
        raise RefusedError(f"unknown team {team_id!r}: use one of {known}")

    def settings(self, *, with_closures: bool = True) -> Settings:
        values = {f.name: self.rules[f.name] for f in _SETTINGS}
        return Settings(closures=self.closures if with_closures else (), **values)

    def at_risk_days(self, rule: str) -> int:
        return int(self.rules["at_risk_days_by_rule"].get(rule, self.rules["at_risk_days"]))


def fingerprint(settings: Settings) -> str:
    """The configuration's fingerprint: a hash of every setting that changes computed deadlines and
    of the school closures' content (team names and warning windows change no deadline)."""
    import hashlib
    import json

    values = {f.name: getattr(settings, f.name) for f in _SETTINGS if RULES_KEYS[f.name].deadlines}
    closures = sorted([_plain(v) for v in astuple(c)] for c in settings.closures)
    text = json.dumps({"settings": values, "closures": closures}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def load(path: str | None = None) -> Config:
    """The configuration at `path`, else SENDTRACK_CONFIG, else the packaged Hertfordshire default;
    refused (ConfigError) if missing, not TOML, or breaking the schema."""
    given = path or os.environ.get("SENDTRACK_CONFIG") or None
    chosen = Path(given).expanduser() if given else DEFAULT_CONFIG
    where = str(chosen) if path or not given else f"{chosen} (SENDTRACK_CONFIG)"
    try:
        text = chosen.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{where}: no such configuration file"]) from None
    except IsADirectoryError:
        raise ConfigError([f"{where}: is a directory, not a configuration file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{where}: cannot read the configuration ({exc})"]) from None
    if chosen == DEFAULT_CONFIG:
        # the packaged default, as shipped: its checked result kept as values (`default_config`)
        from sendtrack import default_config

        if text == default_config.CONFIG_TEXT and default_config.closures_unchanged():
            kept = default_config.values()
            return Config(teams=tuple(Team(*team) for team in kept["teams"]), rules=kept["rules"],
                          path=chosen, closures=tuple(Closure(*closure) for closure in kept["closures"]),
                          mail=Mail(*kept["mail"]), fingerprint=kept["fingerprint"],
                          retention=kept["retention"])
    return checked(text, chosen, where)


def checked(text: str, chosen: Path, where: str) -> Config:
    """The configuration `text` (read from `chosen`, named `where` in messages), parsed and checked."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{where}: not valid TOML: {exc}"]) from None
    problems: list[str] = []
    config = _validated(data, chosen,
                        lambda section, message: problems.append(f"{where}: {section}{message}"))
    if problems:
        raise ConfigError(problems)
    assert config is not None
    return config


def _validated(data: dict, path: Path, report: Callable[[str, str], None]) -> Config | None:
    """The Config `data` describes, every mistake given to `report(section, message)` on the way."""
    for name in data:
        if name not in SECTIONS:
            report("", _unknown("section", name, SECTIONS))
    rules = _rules(data.get("rules", {}), report)
    teams = _teams(data.get("teams"), report)
    closures = _closures(rules.get("school_calendar", ""), path, report)
    mail = _mail(data.get("mail", {}), path, {t.id for t in teams or ()}, report)
    if teams is None or closures is None:
        return None
    retention = _retention(data.get("retention", {}), report)
    config = Config(teams=teams, rules=rules, path=path, closures=closures, retention=retention,
                    mail=mail)
    return replace(config, fingerprint=fingerprint(config.settings()))


def _rules(section: Any, report) -> dict:
    if not isinstance(section, dict):
        report("", f"rules: {_shown(section)} is not a table: write it as [rules]")
        section = {}
    out: dict[str, Any] = {f.name: f.default for f in _SETTINGS}
    out.update(school_calendar="", at_risk_days_by_rule={})
    for name, value in section.items():
        key = RULES_KEYS.get(name)
        if key is None:
            report("[rules] ", _unknown("key", name, RULES_KEYS))
        elif name == "at_risk_days_by_rule":
            out[name] = _windows(value, report)
        elif (problem := key.problem(value)) is not None:
            report("[rules] ", f"{name}: {problem}")
        else:
            out[name] = value
    return out


def _mail(section: Any, path: Path, teams: set[str], report) -> Mail:
    """[mail], checked: every key typed, every address an address, every team of `recipients` known."""
    if not isinstance(section, dict):
        report("", f"mail: {_shown(section)} is not a table: write it as [mail]")
        return Mail()
    values: dict[str, Any] = {}
    for name, value in section.items():
        key = MAIL_KEYS.get(name)
        if key is None:
            report("[mail] ", _unknown("key", name, MAIL_KEYS))
        elif name == "recipients":
            values[name] = _recipients(value, teams, report)
        elif (problem := key.problem(value)) is not None:
            report("[mail] ", f"{name}: {problem}")
        elif key.kind is str and not value.strip():
            report("[mail] ", f"{name}: is empty")
        elif key.kind is str and CONTROLS.search(value):
            report("[mail] ", f"{name}: {_shown(value)} holds a control character")
        elif name == "host" and (problem := host_problem(value)) is not None:
            # a host holding '@' or ':' may hold a login and password (user:pw@smtp...): never echoed
            shown = "" if "@" in value or ":" in value else f"{_shown(value)} "
            report("[mail] ", f"host: {shown}{problem}")
        elif name == "from" and not ADDRESS.match(value):
            report("[mail] ", f"from: {_shown(value)} is not an address (name@example.gov.uk)")
        else:
            values[name] = value
    if values.get("security") == "none" and "user" in values:
        report("[mail] ", "user: a login over an unencrypted connection would send the password in "
                          "clear: use security = \"starttls\" or \"ssl\"")

    def relative(name: str) -> Path | None:
        return path.parent / Path(values[name]).expanduser() if name in values else None

    return Mail(host=values.get("host"), port=values.get("port"),
                security=values.get("security", "starttls"), user=values.get("user"),
                sender=values.get("from"), password_file=relative("password_file"),
                ca_file=relative("ca_file"), recipients=values.get("recipients", ()))


def _recipients(section: Any, teams: set[str], report) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(section, dict):
        report("[mail] ", f"recipients: {_shown(section)} is not a table: write it as [mail.recipients] "
                          "with a line per team id")
        return ()
    out = []
    for team, addresses in section.items():
        if teams and team not in teams:
            report("[mail.recipients] ", _unknown("team id", team, sorted(teams)))
            continue
        if isinstance(addresses, str):
            addresses = [addresses]
        if not isinstance(addresses, list) or not addresses or not all(isinstance(a, str) for a in addresses):
            report("[mail.recipients] ", f"{team}: {_shown(addresses)} is not a list of addresses")
            continue
        wrong = [a for a in addresses if not ADDRESS.match(a)]
        if wrong:
            report("[mail.recipients] ", f"{team}: {_shown(wrong[0])} is not an address "
                                         "(name@example.gov.uk)")
            continue
        out.append((team, tuple(addresses)))
    return tuple(out)


def _retention(section: Any, report) -> dict:
    if not isinstance(section, dict):
        report("", f"retention: {_shown(section)} is not a table: write it as [retention]")
        section = {}
    out = dict(RETENTION_DEFAULTS)
    for name, value in section.items():
        key = RETENTION_KEYS.get(name)
        if key is None:
            report("[retention] ", _unknown("key", name, RETENTION_KEYS))
        elif (problem := key.problem(value)) is not None:
            report("[retention] ", f"{name}: {problem}")
        else:
            out[name] = value
    return out


def _windows(section: Any, report) -> dict[str, int]:
    from sendtrack.rules.catalogue import RULES

    if not isinstance(section, dict):
        report("[rules] ", f"at_risk_days_by_rule: {_shown(section)} is not a table: write it as "
                           "[rules.at_risk_days_by_rule] with a line per rule id")
        return {}
    out = {}
    for rule, days in section.items():
        if rule not in RULES:
            report("[rules.at_risk_days_by_rule] ", _unknown("rule id", rule, RULES))
        elif (problem := AT_RISK_DAYS.problem(days)) is not None:
            report("[rules.at_risk_days_by_rule] ", f"{rule}: {problem}")
        else:
            out[rule] = days
    return out


def _teams(section: Any, report) -> tuple[Team, ...] | None:
    if section is None or section == []:
        report("", "teams: the configuration defines no teams: add a [[teams]] table for each")
        return None
    if not isinstance(section, list) or not all(isinstance(t, dict) for t in section):
        report("", "teams: write each team as a [[teams]] table")
        return None
    teams: list[Team] = []
    seen: dict[str, int] = {}
    for number, table in enumerate(section, start=1):
        where = f"[[teams]] #{number} "
        values: dict[str, Any] = {}
        for name, value in table.items():
            key = TEAM_KEYS.get(name)
            if key is None:
                report(where, _unknown("key", name, TEAM_KEYS))
            elif name == "ambition":
                values[name] = _ambition(value, where, report)
            elif (problem := key.problem(value)) is not None:
                report(where, f"{name}: {problem}")
            elif key.kind is str and name != "holds" and not value.strip():
                report(where, f"{name}: is empty")
            else:
                values[name] = value
        for name, key in TEAM_KEYS.items():
            if key.required and name not in table:
                report(where, f"{name}: missing ({key.help})")
        team_id = values.get("id")
        if isinstance(team_id, str):
            if not TEAM_ID.match(team_id):
                report(where, f"id: {_shown(team_id)} is not kebab-case (lower-case letters and digits "
                              "joined by single hyphens, e.g. school-age)")
            elif team_id in seen:
                report(where, f"id: {_shown(team_id)} is already the id of team #{seen[team_id]}")
            else:
                seen[team_id] = number
        ambition = values.get("ambition")
        if isinstance(team_id, str) and ambition is not None:
            teams.append(Team(team_id, values.get("name", team_id), ambition[0], ambition[1],
                              values.get("holds", "")))
    return tuple(teams)


def _ambition(value: Any, where: str, report) -> tuple[int, int] | None:
    key = TEAM_KEYS["ambition"]
    assert key.low is not None and key.high is not None, "the ambition key declares its range"
    if not isinstance(value, list) or len(value) != 2:
        report(where, f"ambition: {_shown(value)} is not a pair [low, high] of cases per coordinator")
        return None
    for number in value:
        if type(number) is not int or not key.low <= number <= key.high:
            report(where, f"ambition: {_shown(number)} is not a whole number of cases from {key.low} to "
                          f"{key.high}")
            return None
    low, high = value
    if low > high:
        report(where, f"ambition: low {low} is above high {high}: write [low, high]")
        return None
    return low, high


def _closures(calendar: str, path: Path, report) -> tuple[Closure, ...] | None:
    """The closures of `school_calendar` (relative to the configuration's folder), read and checked."""
    from sendtrack.calendar import load_closures

    file = (path.parent / Path(calendar).expanduser()) if calendar else None
    try:
        closures = load_closures(file)
    except FileNotFoundError:
        absolute = Path(calendar).expanduser().is_absolute()
        relative = "" if absolute else " (a relative path is from the configuration's folder)"
        report("[rules] ", f"school_calendar: no such file {file}{relative}")
        return None
    except (OSError, UnicodeDecodeError) as exc:
        report("[rules] ", f"school_calendar: cannot read {file} ({exc})")
        return None
    except ValueError as exc:
        report("[rules] ", f"school_calendar: {exc}")
        return None
    for closure in closures:
        if closure.reopens <= closure.closed_from:
            report("[rules] ", f"school_calendar: {file.name if file else 'the default calendar'}: "
                               f"{closure.institution} closed from {closure.closed_from} reopens on "
                               f"{closure.reopens}, not after it")
            return None
    return closures
