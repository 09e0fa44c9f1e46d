"""Send digests by e-mail over SMTP: the Markdown as the plain-text part, the
self-contained HTML as the alternative a mail client shows.

Settings come from the config file's ``[mail]`` section (``SmtpSettings.from_config``)
or, for `edualliance digest --email`, from arguments and the environment:
EDUALLIANCE_SMTP_HOST (default localhost), EDUALLIANCE_SMTP_PORT (default 25, or
587 with STARTTLS), EDUALLIANCE_SMTP_FROM, EDUALLIANCE_SMTP_USER and
EDUALLIANCE_SMTP_PASSWORD, EDUALLIANCE_SMTP_STARTTLS=1.

TLS is verified (certificate chain and host name, Python's default context):
``starttls`` upgrades a plain connection (port 587), ``ssl`` speaks TLS from the
start (port 465). A password is never sent over a connection without TLS,
except to the loopback interface (a relay on the same machine).
"""

from __future__ import annotations

import ipaddress
import os
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path


class MailError(RuntimeError):
    pass


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 25
    sender: str = "edualliance@localhost"
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 30.0
    implicit_tls: bool = False  # SMTPS (port 465): TLS from the first byte

    def __repr__(self) -> str:  # never print the password, whoever logs the settings
        return (f"SmtpSettings(host={self.host!r}, port={self.port}, sender={self.sender!r}, user={self.user!r},"
                f" password={'***' if self.password else None}, starttls={self.starttls},"
                f" implicit_tls={self.implicit_tls})")

    @property
    def tls(self) -> str:
        return "ssl" if self.implicit_tls else "starttls" if self.starttls else "none"

    @classmethod
    def from_env(cls, **given) -> SmtpSettings:
        env = os.environ
        starttls = given.get("starttls")
        if starttls is None:
            starttls = env.get("EDUALLIANCE_SMTP_STARTTLS", "") in ("1", "true", "yes")
        port = given.get("port") or env.get("EDUALLIANCE_SMTP_PORT") or (587 if starttls else 25)
        return cls(
            host=given.get("host") or env.get("EDUALLIANCE_SMTP_HOST", "localhost"),
            port=int(port),
            sender=given.get("sender") or env.get("EDUALLIANCE_SMTP_FROM", "edualliance@localhost"),
            user=env.get("EDUALLIANCE_SMTP_USER") or None,
            password=env.get("EDUALLIANCE_SMTP_PASSWORD") or None,
            starttls=bool(starttls),
        )

    @classmethod
    def from_config(cls, mail) -> SmtpSettings:
        """From a validated ``[mail]`` section (``pipeline.config.MailConfig``); reads the password."""
        return cls(host=mail.host, port=mail.effective_port, sender=mail.sender, user=mail.user,
                   password=mail.password(), starttls=mail.tls == "starttls", implicit_tls=mail.tls == "ssl",
                   timeout=mail.timeout)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def digest_message(markdown_path: Path, html_path: Path, to: list[str], sender: str, *,
                   subject: str | None = None, preface: str = "") -> EmailMessage:
    """The digest as a message; ``preface`` (plain text) goes before both parts' content."""
    week = markdown_path.name.removeprefix("digest-").split(".")[0]
    message = EmailMessage()
    message["Subject"] = subject or f"edualliance policy-trend digest {week}"
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="edualliance.invalid")
    text = markdown_path.read_text(encoding="utf-8")
    html = html_path.read_text(encoding="utf-8")
    if preface:
        from html import escape

        text = preface.rstrip("\n") + "\n\n" + text
        block = "".join(f"<p><b>{escape(line)}</b></p>" for line in preface.splitlines() if line.strip())
        html = html.replace("<body>", "<body>" + block, 1) if "<body>" in html else block + html
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    return message


class Mailer:
    """One SMTP session for the messages of a run: ``with Mailer(settings) as m: m.send(message)``."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def _where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def __enter__(self) -> Mailer:
        s = self.settings
        if s.user and not s.password:
            raise MailError(f"SMTP user {s.user!r} has no password: set it in the environment or a password"
                            " file (see the README's [mail] keys)")
        if s.user and s.tls == "none" and not _is_loopback(s.host):
            raise MailError(f"refusing to send the SMTP password to {s.host} without TLS:"
                            " set mail.tls = \"starttls\" or \"ssl\"")
        context = ssl.create_default_context()  # verifies the certificate chain and the host name
        try:
            if s.implicit_tls:
                self.smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
            else:
                self.smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.starttls:
                    self.smtp.starttls(context=context)
            if s.user:
                self.smtp.login(s.user, s.password)
        except smtplib.SMTPAuthenticationError as exc:
            self._quit()
            raise MailError(f"{self._where()} refused the login of {s.user!r} (SMTP {exc.smtp_code});"
                            " check mail.user and the password") from exc
        except (OSError, smtplib.SMTPException) as exc:
            self._quit()
            raise MailError(f"could not connect to {self._where()} ({s.tls}): {exc}") from exc
        return self

    def send(self, message: EmailMessage, to: Iterable[str]) -> None:
        """Send ``message`` to the envelope recipients ``to``; MailError names who was refused."""
        assert self.smtp is not None, "use Mailer as a context manager"
        to = list(to)
        try:
            refused = self.smtp.send_message(message, from_addr=self.settings.sender, to_addrs=to)
        except smtplib.SMTPRecipientsRefused as exc:
            raise MailError(f"{self._where()} refused {', '.join(sorted(exc.recipients))}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"could not send through {self._where()}: {exc}") from exc
        if refused:
            raise MailError(f"{self._where()} refused {', '.join(sorted(refused))}")

    def _quit(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None

    def __exit__(self, *exc: object) -> None:
        self._quit()


def send_digest(markdown_path: Path, html_path: Path, to: list[str], settings: SmtpSettings) -> None:
    if not to:
        raise MailError("no recipient given")
    message = digest_message(markdown_path, html_path, to, settings.sender)
    try:
        with Mailer(settings) as mailer:
            mailer.send(message, to)
    except MailError as exc:
        raise MailError(f"could not send the digest through {settings.host}:{settings.port}: {exc}") from exc
