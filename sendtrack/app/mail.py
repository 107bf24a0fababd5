"""Sending mail: the SMTP server from the configuration's [mail] or SENDTRACK_SMTP_URL, the password from
SENDTRACK_SMTP_PASSWORD or a 0600 file (never an argument), and one connection that sends each team's
message and says which were sent and which were not (stdlib smtplib; TLS verified).
"""

from __future__ import annotations

import os
import re
import smtplib
import socket
import ssl
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from sendtrack.config import ADDRESS, CONTROLS, Mail, host_problem
from sendtrack.errors import RefusedError

URL_VARIABLE = "SENDTRACK_SMTP_URL"
PASSWORD_VARIABLE = "SENDTRACK_SMTP_PASSWORD"
#: Each URL scheme's security and default port: smtp:// always upgrades with STARTTLS (a server that
#: does not offer it is refused, never used in clear); smtp+plain:// is for a relay on the same host.
SCHEMES = {"smtp": ("starttls", 587), "smtps": ("ssl", 465), "smtp+plain": ("none", 25)}
DEFAULT_PORTS = {security: port for security, port in SCHEMES.values()}
#: Seconds to wait for the server at each step before giving up (cron must not hang).
TIMEOUT = 30


@dataclass(frozen=True)
class Server:
    """Where and how to send: host, port, security, login, sender, extra certificates to trust."""

    host: str
    port: int
    security: str
    user: str | None
    sender: str
    ca_file: Path | None = None
    password: str | None = field(default=None, repr=False)

    def describe(self) -> str:
        return f"{self.host}:{self.port} ({self.security})"


def server(mail: Mail, environ: os._Environ[str] | dict[str, str] | None = None) -> Server:
    """The server to send through: SENDTRACK_SMTP_URL when set (its parts override [mail]'s), else
    [mail]; refused with what is missing when neither names a host or a sender."""
    env = os.environ if environ is None else environ
    host, port, security, user, sender = mail.host, mail.port, mail.security, mail.user, mail.sender
    url = env.get(URL_VARIABLE)
    if url:
        host, port, security, user, sender = _from_url(url, sender)
    if not host:
        raise RefusedError(f"no mail server: set [mail] host in the configuration or {URL_VARIABLE}")
    if not sender:
        raise RefusedError(f"no sender: set [mail] from in the configuration (or ?from= in {URL_VARIABLE})")
    if not ADDRESS.match(sender):
        raise RefusedError(f"the sender {sender!r} is not an address (name@example.gov.uk)")
    password = _password(mail, env) if user else None
    return Server(host, port or DEFAULT_PORTS[security], security, user, sender, mail.ca_file, password)


def _from_url(url: str, sender: str | None) -> tuple[str, int, str, str | None, str | None]:
    """SENDTRACK_SMTP_URL's host, port, security, user and sender, or a one-line refusal naming the
    setting. A message never shows the URL itself: a malformed one may hold a password."""
    def refused(why: str) -> RefusedError:
        return RefusedError(f"{URL_VARIABLE}: {why} (smtp://user@host:587?from=name@example.gov.uk)")

    if CONTROLS.search(url):
        raise refused("holds a control character")
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed or malformed [IPv6] host
        raise refused("is not a URL: a bracketed [IPv6] host is malformed") from None
    if "[" in parts.netloc and not re.fullmatch(r"(:[0-9]*)?", parts.netloc.partition("]")[2]):
        raise refused("is not a URL: a bracketed [IPv6] host is malformed")  # urlsplit reads [::1]x as ::1
    if parts.scheme not in SCHEMES:
        raise RefusedError(f"{URL_VARIABLE}: the scheme must be smtp:// (STARTTLS), smtps:// (TLS) or "
                           "smtp+plain:// (no encryption, no login)")
    if parts.password is not None:
        raise RefusedError(f"{URL_VARIABLE}: holds a password: put it in {PASSWORD_VARIABLE} or the "
                           "[mail] password_file, never in the URL")
    try:
        given_port = parts.port
    except ValueError:
        given_port = -1
    if given_port is not None and not 1 <= given_port <= 65535:
        raise refused("the port is not a number from 1 to 65535")
    if not parts.hostname:
        raise refused("names no host")
    if host_problem(parts.hostname) is not None:
        raise refused("the host is not a server name or IP address")
    if parts.path not in ("", "/") or parts.fragment:
        raise refused("has a path or #fragment after the host; nothing follows it but ?from=")
    try:
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise refused("its ?query is not name=value pairs") from None
    unknown = sorted(set(query) - {"from"})
    if unknown:
        raise refused(f"?{unknown[0]}= is not a setting of it (only ?from= is)")
    if len(query.get("from", [])) > 1:
        raise refused("gives ?from= more than once")
    security, default_port = SCHEMES[parts.scheme]
    user = unquote(parts.username) if parts.username else None
    if user is not None and CONTROLS.search(user):
        raise refused("the user holds a control character")
    if security == "none" and user:
        raise RefusedError(f"{URL_VARIABLE}: a login over smtp+plain:// would send the password in "
                           "clear: use smtp:// (STARTTLS) or smtps://")
    if "from" in query and query["from"][0] and not ADDRESS.match(query["from"][0]):
        raise refused("?from= is not an address")
    return parts.hostname, given_port or default_port, security, user, query.get("from", [sender])[0]


def _password(mail: Mail, env) -> str:
    """SENDTRACK_SMTP_PASSWORD, else the [mail] password_file: readable by its owner only (as ssh
    insists of a key), so a password never sits in a file others can read."""
    given = env.get(PASSWORD_VARIABLE)
    if given:
        return given
    path = mail.password_file
    if path is None:
        raise RefusedError(f"a login needs a password: set {PASSWORD_VARIABLE} or [mail] password_file")
    try:
        info = os.stat(path)
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise RefusedError(f"[mail] password_file {path} can be read by others (mode "
                               f"{stat.S_IMODE(info.st_mode):o}): chmod 600 it")
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise RefusedError(f"[mail] password_file: no such file {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RefusedError(f"[mail] password_file: cannot read {path} ({type(exc).__name__})") from None
    if not text:
        raise RefusedError(f"[mail] password_file {path} is empty")
    return text


@dataclass
class Outcome:
    """What was sent: team ids sent, and the teams not sent with why (the server's words)."""

    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def _tls(server: Server) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if server.ca_file is not None:
        try:
            context.load_verify_locations(cafile=str(server.ca_file))
        except (OSError, ssl.SSLError) as exc:
            raise RefusedError(f"[mail] ca_file {server.ca_file}: cannot load it ({type(exc).__name__})") \
                from None
    return context


def _words(exc: BaseException) -> str:
    """What went wrong sending, in one printable line (the server's reply, or the network's error)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) \
            else str(exc.smtp_error)
        text = f"the server replied {exc.smtp_code} {reply}"
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        text = "the server refused every recipient"
    elif isinstance(exc, smtplib.SMTPNotSupportedError):
        text = f"the server does not support it ({exc})"
    elif isinstance(exc, ssl.SSLCertVerificationError):
        text = f"its certificate could not be verified ({exc.verify_message}): trust it with [mail] ca_file"
    elif isinstance(exc, ConnectionRefusedError):
        text = "the connection was refused"
    elif isinstance(exc, socket.timeout | TimeoutError):
        text = f"no answer within {TIMEOUT} s"
    elif isinstance(exc, socket.gaierror):
        text = "the host name is unknown"
    else:
        text = f"{type(exc).__name__}: {exc}"
    text = " ".join(text.split())
    return "".join(c if c.isprintable() else "?" for c in text)[:200]


def send(server: Server, messages: Sequence[tuple[str, EmailMessage]]) -> Outcome:
    """Send each (team, message) over one connection. A connection, TLS or login failure leaves every
    team not sent; a message the server refuses leaves its team not sent and the others go on."""
    outcome = Outcome()
    if not messages:
        return outcome
    try:
        smtp = _connect(server)
    except (OSError, smtplib.SMTPException) as exc:
        why = f"{server.describe()}: {_words(exc)}"
        outcome.failed = {team: why for team, _ in messages}
        return outcome
    try:
        for team, message in messages:
            try:
                refused = smtp.send_message(message)
            except smtplib.SMTPServerDisconnected as exc:
                why = f"{server.describe()}: the server closed the connection ({_words(exc)})"
                outcome.failed.update({t: why for t, _ in messages if t not in outcome.sent})
                return outcome
            except (OSError, smtplib.SMTPException) as exc:
                outcome.failed[team] = f"{server.describe()}: {_words(exc)}"
                continue
            if refused:
                outcome.failed[team] = f"{server.describe()}: refused {len(refused)} of the recipients"
            else:
                outcome.sent.append(team)
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return outcome


def _connect(server: Server) -> smtplib.SMTP:
    smtp: smtplib.SMTP
    if server.security == "ssl":
        smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT, context=_tls(server))
    else:
        smtp = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT)
    try:
        smtp.ehlo()
        if server.security == "starttls":
            if not smtp.has_extn("starttls"):
                raise smtplib.SMTPNotSupportedError("STARTTLS is not offered; refusing to send in clear")
            smtp.starttls(context=_tls(server))
            smtp.ehlo()
        if server.user is not None:
            assert server.password is not None, "server() reads the password for a login"
            smtp.login(server.user, server.password)
    except BaseException:
        smtp.close()
        raise
    return smtp
