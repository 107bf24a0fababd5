"""`digest --send` against a real SMTP server on 127.0.0.1 (aiosmtpd) that requires STARTTLS and a login,
with a self-signed certificate made for the test by openssl: what arrives is parsed and checked, and
a refused login, an unreachable server, a server without STARTTLS and a refused recipient exit 5
naming the teams sent and not sent.

Expected counts are the fixed caseload's (tests/caseload.py), worked out by hand in tests/test_reports.py
(test_digest_json): on Tue 27 May 2025 front-door has 2 overdue (K11's decision, A01's final plan; A01's
new since Fri 23 May), 1 to act on within 5 working days (L12's decision, due Tue 3 Jun) and 3 local
milestones at risk (P15, A01, K11); school-age has 1 overdue (R17), 1 to act on (H08's report, 3 Jun)
and 3 at risk (R17 twice, H08's decision); early-years has nothing.
"""

from __future__ import annotations

import email
import email.policy
import html
import os
import re
import shutil
import socket
import ssl
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sendtrack.errors import MailNotSent
from tests.caseload import AS_OF, CASES, built
from tests.conftest import Cli

aiosmtpd = pytest.importorskip("aiosmtpd", reason="aiosmtpd is in the test extra: pip install -e '.[test]'")
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None,
                                reason="openssl makes the test server's certificate")

USER, PASSWORD = "digest-sender", "correct horse battery"
SENDER = "send-deadlines@council.example"


def free_port() -> int:
    """A port nothing listens on now (aiosmtpd's port=0 cannot report the port it was given)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, valid for a day."""
    where = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@dataclass
class Inbox:
    """What the server accepted: (envelope sender, recipients, message bytes)."""

    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def login(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode()
          and auth_data.password == PASSWORD.encode())
    # handled=False: aiosmtpd answers a refusal with 535 itself (its default, handled=True, answers nothing)
    return AuthResult(success=ok, handled=False)


@dataclass
class Server:
    port: int
    inbox: Inbox
    cert: Path


@pytest.fixture
def smtp(certificate):
    """A real SMTP server on 127.0.0.1: STARTTLS required, then a login required."""
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=context,
                            require_starttls=True, auth_required=True, auth_require_tls=True,
                            authenticator=login)
    controller.start()
    try:
        yield Server(port, inbox, cert)
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    return built(tmp_path_factory, "mail")


RECIPIENTS = {"front-door": ["fd-manager@council.example", "fd-team@council.example"],
              "school-age": ["sa-team@council.example"],
              "early-years": ["ey-team@council.example"]}


def configuration(tmp_path, port: int, cert: Path | None, *, security="starttls", user=USER,
                  recipients=RECIPIENTS, extra="") -> str:
    from sendtrack.config import DEFAULT_CONFIG

    lines = ["[mail]", 'host = "127.0.0.1"', f"port = {port}", f'security = "{security}"',
             f'from = "{SENDER}"']
    if user:
        lines.append(f'user = "{user}"')
    if cert:
        lines.append(f'ca_file = "{cert}"')
    lines += [extra, "", "[mail.recipients]"]
    lines += [f'{team} = [{", ".join(chr(34) + a + chr(34) for a in addresses)}]'
              for team, addresses in recipients.items()]
    path = tmp_path / "mail.toml"
    path.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8") + "\n" + "\n".join(lines) + "\n",
                    encoding="utf-8")
    return str(path)


@pytest.fixture
def send(db, monkeypatch):
    """`send(config, *options)`: digest --send on the fixed caseload as of Tue 27 May 2025."""
    monkeypatch.setenv("SENDTRACK_SMTP_PASSWORD", PASSWORD)
    monkeypatch.delenv("SENDTRACK_SMTP_URL", raising=False)

    def run(config: str | None, *options: str):
        args = ["--db", db, *(["--config", config] if config else []), "digest", "--send",
                "--as-of", AS_OF, *options]
        return Cli()(args)

    return run


def parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


#: Every fixture child's name, first name, initials (as the digest prints them) and date of birth, as
#: patterns on word boundaries (a surname alone is left out: Kai Patel shares one with Sam Patel, a
#: coordinator, whom the digest names).
CHILD_DETAILS = sorted({rf"\b{re.escape(detail)}(?![\w.])" for _, name, dob, *_ in CASES
                        for detail in [name, name.split()[0], ".".join(p[0] for p in name.split()) + ".",
                                       dob]})


def test_each_team_gets_its_digest_as_text_and_html_with_no_childs_details(send, smtp, tmp_path, db):
    result = send(configuration(tmp_path, smtp.port, smtp.cert))
    assert result.exit_code == 0, result.output
    assert result.stdout == ("sent front-door to 2 recipients\n"
                             "sent early-years to 1 recipient\n"
                             "sent school-age to 1 recipient\n"
                             "not sent young-people: no recipients in [mail.recipients]\n"
                             "not sent virtual-school: no recipients in [mail.recipients]\n"
                             "not sent access-inclusion: no recipients in [mail.recipients]\n")
    assert result.stderr == ""
    by_first = {rcpt[0]: (sender, rcpt, raw) for sender, rcpt, raw in smtp.inbox.received}
    assert sorted(by_first) == ["ey-team@council.example", "fd-manager@council.example",
                                "sa-team@council.example"]
    envelope_from, rcpt, raw = by_first["fd-manager@council.example"]
    assert envelope_from == SENDER and rcpt == RECIPIENTS["front-door"]
    msg = parsed(raw)
    assert msg["Subject"] == ("SEND deadlines 2025-05-27, front-door: 2 overdue (1 new), "
                              "1 to act on within 5 working days, 3 at risk")
    assert msg["From"] == SENDER
    assert msg["To"] == "fd-manager@council.example, fd-team@council.example"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["Message-ID"].endswith("@council.example>") and msg["Date"]
    assert msg.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in msg.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    plain = msg.get_body(("plain",)).get_content()
    page = html.unescape(msg.get_body(("html",)).get_content())
    for body in (plain, page):
        # the cases are there, by reference: K11's and A01's overdue deadlines, L12's decision due soon
        for ref in ("K11", "A01", "L12", "P15"):
            assert ref in body
        assert "school-age" not in body and "R17" not in body  # only the team's own cases
        assert "Case references only: no child's name, initials or date of birth." in body
    assert "Child" not in plain.splitlines()[8:] and "<th" in page and ">Child<" not in page
    whole = raw.decode("utf-8", "replace")
    # the same check finds the initials the printed digest shows, so it can fail
    printed = Cli().ok(["--db", db, "digest", "--as-of", AS_OF, "--team", "front-door"])
    assert [p for p in CHILD_DETAILS if re.search(p, printed)]
    for pattern in CHILD_DETAILS:
        assert not re.search(pattern, whole), pattern
    quiet = parsed(by_first["ey-team@council.example"][2])
    assert quiet["Subject"] == ("SEND deadlines 2025-05-27, early-years: 0 overdue, "
                                "0 to act on within 5 working days, 0 at risk")
    school = parsed(by_first["sa-team@council.example"][2])
    assert school["Subject"] == ("SEND deadlines 2025-05-27, school-age: 1 overdue, "
                                 "1 to act on within 5 working days, 3 at risk")


def test_to_team_and_only_if_any(send, smtp, tmp_path):
    config = configuration(tmp_path, smtp.port, smtp.cert)
    result = send(config, "--team", "early-years", "--only-if-any")
    assert result.exit_code == 0, result.output
    assert result.stdout == ("not sent early-years: nothing overdue, to act on or at risk "
                             "(--only-if-any)\n")
    assert smtp.inbox.received == []
    result = send(config, "--team", "school-age", "--to", "head@council.example", "--to",
                  "deputy@council.example")
    assert result.exit_code == 0, result.output
    assert result.stdout == "sent school-age to 2 recipients\n"
    [(_, rcpt, raw)] = smtp.inbox.received
    assert rcpt == ["head@council.example", "deputy@council.example"]
    assert "school-age" in parsed(raw)["Subject"]


def test_a_team_without_recipients_is_named(send, smtp, tmp_path):
    config = configuration(tmp_path, smtp.port, smtp.cert, recipients={"front-door": RECIPIENTS["front-door"]})
    result = send(config, "--only-if-any")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:3] == ["sent front-door to 2 recipients",
                                              "not sent early-years: no recipients in [mail.recipients]",
                                              "not sent school-age: no recipients in [mail.recipients]"]
    result = send(config, "--team", "school-age")
    assert result.exit_code == 1
    assert result.stderr == ("sendtrack: no recipients for school-age: set [mail.recipients] in the "
                             "configuration or give --to\n")


def test_a_refused_login_sends_nothing_and_exits_5(send, smtp, tmp_path, monkeypatch):
    monkeypatch.setenv("SENDTRACK_SMTP_PASSWORD", "wrong")
    result = send(configuration(tmp_path, smtp.port, smtp.cert))
    assert result.exit_code == MailNotSent.exit_code == 5, result.output
    assert smtp.inbox.received == []
    assert "sent front-door" not in result.stdout and "not sent front-door" not in result.stdout
    assert result.stderr.startswith("sendtrack: mail not sent for front-door, early-years, school-age "
                                    f"(127.0.0.1:{smtp.port} (starttls): the server replied 535 ")
    assert result.stderr.endswith("; sent: none\n")
    assert "wrong" not in result.stderr and PASSWORD not in result.stderr


def test_an_unreachable_server_exits_5_naming_the_teams(send, tmp_path, certificate):
    port = free_port()  # nothing listens there
    result = send(configuration(tmp_path, port, certificate[0]), "--team", "front-door")
    assert result.exit_code == 5, result.output
    assert result.stderr == (f"sendtrack: mail not sent for front-door (127.0.0.1:{port} (starttls): "
                             "the connection was refused); sent: none\n")


def test_a_refused_recipient_fails_its_team_only(send, smtp, tmp_path):
    smtp.inbox.refuse = {"sa-team@council.example"}
    result = send(configuration(tmp_path, smtp.port, smtp.cert))
    assert result.exit_code == 5, result.output
    assert result.stdout.splitlines()[:2] == ["sent front-door to 2 recipients", "sent early-years to 1 recipient"]
    assert result.stderr == (f"sendtrack: mail not sent for school-age (127.0.0.1:{smtp.port} (starttls): "
                             "the server refused every recipient); sent: front-door, early-years\n")
    assert len(smtp.inbox.received) == 2


def test_a_server_without_starttls_is_not_used_in_clear(send, tmp_path):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        result = send(configuration(tmp_path, port, None, user=None), "--team", "front-door")
    finally:
        controller.stop()
    assert result.exit_code == 5, result.output
    assert "STARTTLS is not offered; refusing to send in clear" in result.stderr
    assert inbox.received == []


def test_an_untrusted_certificate_is_refused(send, smtp, tmp_path):
    result = send(configuration(tmp_path, smtp.port, None), "--team", "front-door")
    assert result.exit_code == 5, result.output
    assert "its certificate could not be verified" in result.stderr and "ca_file" in result.stderr
    assert smtp.inbox.received == []


def test_the_url_and_a_password_file(send, smtp, tmp_path, monkeypatch):
    config = configuration(tmp_path, 1, smtp.cert, user=None, extra='password_file = "smtp-password"')
    secret = tmp_path / "smtp-password"
    secret.write_text(PASSWORD + "\n")
    secret.chmod(0o644)
    monkeypatch.delenv("SENDTRACK_SMTP_PASSWORD")
    monkeypatch.setenv("SENDTRACK_SMTP_URL", f"smtp://{USER}@127.0.0.1:{smtp.port}")
    result = send(config, "--team", "front-door")
    assert result.exit_code == 1
    assert result.stderr == (f"sendtrack: [mail] password_file {secret} can be read by others (mode 644): "
                             "chmod 600 it\n")
    secret.chmod(0o600)
    result = send(config, "--team", "front-door")
    assert result.exit_code == 0, result.output
    assert len(smtp.inbox.received) == 1
    monkeypatch.setenv("SENDTRACK_SMTP_URL", f"smtp://{USER}:{PASSWORD}@127.0.0.1:{smtp.port}")
    result = send(config, "--team", "front-door")
    assert result.exit_code == 1
    assert "holds a password" in result.stderr and PASSWORD not in result.stderr


def test_send_needs_a_server_and_options_need_send(send, db, tmp_path):
    result = send(None)
    assert result.exit_code == 1
    assert result.stderr == ("sendtrack: no mail server: set [mail] host in the configuration or "
                             "SENDTRACK_SMTP_URL\n")
    result = Cli()(["--db", db, "digest", "--to", "a@council.example", "--as-of", AS_OF])
    assert result.exit_code == 2
    result = send(configuration(tmp_path, 1, None), "--to", "not an address")
    assert result.exit_code == 1 and "is not an address" in result.stderr


@pytest.mark.parametrize(("extra", "line"), [
    ('[mail]\nhots = "x"', "[mail] hots: unknown key; did you mean host?"),
    ('[mail]\nport = 0', "[mail] port: 0 is out of range (1 to 65535)"),
    ('[mail]\nsecurity = "tls"', '[mail] security: "tls" is not one of starttls, ssl, none'),
    ('[mail]\nfrom = "nobody"', '[mail] from: "nobody" is not an address (name@example.gov.uk)'),
    ('[mail]\nsecurity = "none"\nuser = "x"', '[mail] user: a login over an unencrypted connection would '
                                              'send the password in clear: use security = "starttls" or "ssl"'),
    ('[mail.recipients]\nfront-dor = ["a@b.example"]',
     "[mail.recipients] front-dor: unknown team id; did you mean front-door?"),
    ('[mail.recipients]\nfront-door = ["a@b"]', '[mail.recipients] front-door: "a@b" is not an address '
                                                "(name@example.gov.uk)"),
    ('[mail.recipients]\nfront-door = 3', "[mail.recipients] front-door: 3 is not a list of addresses"),
    # a trial user's finding: bad server names and control characters were taken as they were
    ('[mail]\nhost = "ho st"', '[mail] host: "ho st" is not a server name or IP address (smtp.example.gov.uk, '
                               '192.0.2.25 or ::1)'),
    ('[mail]\nhost = "[::1"', '[mail] host: "[::1" is not a server name or IP address (smtp.example.gov.uk, '
                              '192.0.2.25 or ::1)'),
    ('[mail]\nhost = "smtp://relay"', '[mail] host: "smtp://relay" is not a server name or IP address: give '
                                      'the port as port, not host:port'),
    ('[mail]\nhost = "relay:25"', '[mail] host: "relay:25" is not a server name or IP address: give the port '
                                  'as port, not host:port'),
    ('[mail]\nhost = "-relay"', '[mail] host: "-relay" is not a server name or IP address (smtp.example.gov.uk, '
                                '192.0.2.25 or ::1)'),
    ('[mail]\nhost = "re\\u001blay"', '[mail] host: "re\\u001blay" holds a control character'),
    ('[mail]\nuser = "u\\u009b"', '[mail] user: "u\u009b" holds a control character'),
    ('[mail]\nfrom = "a@b.example\\n"', '[mail] from: "a@b.example\\n" holds a control character'),
    ('[mail]\nport = "587"', '[mail] port: "587" is not a whole number (1 to 65535)'),
    ('[mail.recipients]\nfront-door = ["a@b.example\\u001b"]', '[mail.recipients] front-door: '
                                                             '"a@b.example\\u001b" is not an address '
                                                             '(name@example.gov.uk)'),
])
def test_the_mail_section_is_checked_like_every_other(cli, tmp_path, extra, line):
    from sendtrack.config import DEFAULT_CONFIG

    path = tmp_path / "bad.toml"
    path.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8") + "\n" + extra + "\n", encoding="utf-8")
    result = cli.fails(["--config", str(path), "cases"])
    assert result.stderr == f"sendtrack: {path}: {line}\n"


def test_the_environment_never_leaks_into_the_message(send, smtp, tmp_path):
    # the password and the login are the server's business only
    send(configuration(tmp_path, smtp.port, smtp.cert), "--team", "front-door")
    [(_, _, raw)] = smtp.inbox.received
    assert PASSWORD.encode() not in raw and USER.encode() not in raw
    assert os.environ["SENDTRACK_SMTP_PASSWORD"] == PASSWORD


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_implicit_tls_with_security_ssl(send, certificate, tmp_path):
    """security = "ssl" (port 465's TLS from the first byte), login required, same checks."""
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    port = free_port()
    # aiosmtpd counts only STARTTLS as TLS for AUTH: on a connection that is TLS from the start it has
    # to be told that login is fine
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=context, auth_required=True,
                            auth_require_tls=False, authenticator=login)
    controller.start()
    try:
        result = send(configuration(tmp_path, port, cert, security="ssl"), "--team", "school-age")
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    assert result.stdout == "sent school-age to 1 recipient\n"
    [(_, rcpt, raw)] = inbox.received
    assert rcpt == RECIPIENTS["school-age"] and parsed(raw)["Auto-Submitted"] == "auto-generated"


def test_fail_on_overdue_after_a_successful_send(send, smtp, tmp_path):
    config = configuration(tmp_path, smtp.port, smtp.cert)
    result = send(config, "--team", "front-door", "--fail-on-overdue")
    assert result.exit_code == 4, result.output  # K11's and A01's deadlines are overdue
    assert result.stdout == "sent front-door to 2 recipients\n" and len(smtp.inbox.received) == 1
    assert result.stderr == "sendtrack: 2 overdue deadlines\n"
    assert send(config, "--team", "early-years", "--fail-on-overdue").exit_code == 0


#: Malformed SENDTRACK_SMTP_URLs (a trial user's finding: the first gave "unexpected error (ValueError)"),
#: each with the refusal's words after "SENDTRACK_SMTP_URL: ".
BAD_URLS = [
    ("smtp+plain://[::1?from=x@b.example", "is not a URL: a bracketed [IPv6] host is malformed"),
    ("smtp://digest:sekrit@[::1", "is not a URL: a bracketed [IPv6] host is malformed"),
    ("smtp://[zz]:25", "is not a URL: a bracketed [IPv6] host is malformed"),
    ("smtp://[::1]]:25", "is not a URL: a bracketed [IPv6] host is malformed"),
    ("smtp://[::1]x:25", "is not a URL: a bracketed [IPv6] host is malformed"),
    ("smtp://relay:abc", "the port is not a number from 1 to 65535"),
    ("smtp://relay:0", "the port is not a number from 1 to 65535"),
    ("smtp://relay:65536", "the port is not a number from 1 to 65535"),
    ("smtp://relay:-25", "the port is not a number from 1 to 65535"),
    ("smtp://relay:25:26", "the port is not a number from 1 to 65535"),
    ("smtp://relay:\u0662\u0665", "the port is not a number from 1 to 65535"),  # Arabic-Indic 25
    ("ftp://relay", "the scheme must be smtp://"),
    ("relay.council.example", "the scheme must be smtp://"),
    ("smtp://", "names no host"),
    ("smtp://:25", "names no host"),
    ("smtp://re lay:25", "the host is not a server name or IP address"),
    ("smtp://re%20lay:25", "the host is not a server name or IP address"),
    ("smtp://relay\n?from=a@b.example", "holds a control character"),
    ("smtp://re\x1blay", "holds a control character"),
    ("smtp://relay/path", "has a path or #fragment after the host"),
    ("smtp://relay#x", "has a path or #fragment after the host"),
    ("smtp://relay?junk", "its ?query is not name=value pairs"),
    ("smtp://relay?to=a@b.example", "?to= is not a setting of it (only ?from= is)"),
    ("smtp://relay?from=a@b.example&from=c@d.example", "gives ?from= more than once"),
    ("smtp://relay?from=nobody", "?from= is not an address"),
    ("smtp://relay?from=a%0A@b.example", "?from= is not an address"),
    ("smtp://digest:sekrit@relay", "holds a password"),
    ("smtp+plain://digest@relay", "a login over smtp+plain:// would send the password in clear"),
]


@pytest.mark.parametrize(("url", "why"), BAD_URLS, ids=[u for u, _ in BAD_URLS])
def test_a_malformed_url_is_one_line_naming_the_setting_and_nothing_is_sent(send, smtp, tmp_path, monkeypatch,
                                                                          url, why):
    monkeypatch.setenv("SENDTRACK_SMTP_URL", url)
    result = send(configuration(tmp_path, smtp.port, smtp.cert), "--team", "front-door")
    assert result.exit_code == 1, result.output  # refused input (spec: exit codes), not 5: nothing tried
    assert result.stderr.startswith(f"sendtrack: SENDTRACK_SMTP_URL: {why}"), result.stderr
    assert result.stderr.count("\n") == 1 and "unexpected" not in result.stderr
    assert "sekrit" not in result.stderr and PASSWORD not in result.stderr
    assert result.stdout == "" and smtp.inbox.received == []
