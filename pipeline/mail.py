"""Send a digest by e-mail over SMTP: the Markdown as the plain-text part, the
self-contained HTML as the alternative a mail client shows.

Settings come from arguments or the environment: EDUALLIANCE_SMTP_HOST
(default localhost), EDUALLIANCE_SMTP_PORT (default 25, or 587 with
STARTTLS), EDUALLIANCE_SMTP_FROM, EDUALLIANCE_SMTP_USER and
EDUALLIANCE_SMTP_PASSWORD (log in only when both are set),
EDUALLIANCE_SMTP_STARTTLS=1.
"""

from __future__ import annotations

import os
import smtplib
import ssl
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


def digest_message(markdown_path: Path, html_path: Path, to: list[str], sender: str) -> EmailMessage:
    week = markdown_path.stem.removeprefix("digest-")
    message = EmailMessage()
    message["Subject"] = f"edualliance policy-trend digest {week}"
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="edualliance.invalid")
    message.set_content(markdown_path.read_text(encoding="utf-8"), subtype="plain", charset="utf-8")
    message.add_alternative(html_path.read_text(encoding="utf-8"), subtype="html", charset="utf-8")
    return message


def send_digest(markdown_path: Path, html_path: Path, to: list[str], settings: SmtpSettings) -> None:
    if not to:
        raise MailError("no recipient given")
    message = digest_message(markdown_path, html_path, to, settings.sender)
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())  # verifies cert and host
            if settings.user and settings.password:
                smtp.login(settings.user, settings.password)
            refused = smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"could not send the digest through {settings.host}:{settings.port}: {exc}") from exc
    if refused:
        raise MailError(f"the server refused {', '.join(sorted(refused))}")
