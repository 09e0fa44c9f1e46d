"""Send digests by e-mail over SMTP: the Markdown as the plain-text part, the
HTML as the alternative a mail client shows, its charts as PNG images attached
inline (``cid:``) when the PNGs were written beside it, since Gmail and Outlook
show no inline SVG. One message can carry several languages of a week
(``send_digest``: Chinese first).

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

import os
import re
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from .hosts import is_loopback

#: digest-2026-W47.zh.md | .html | .weekly.png …
_DIGEST_FILE = re.compile(r"^digest-(\d{4}-W\d{2})\.(zh|en)\.(md|html|[a-z_-]+\.png)$")
#: A chart in the digest's own HTML (crawled text inside is escaped: no raw tags).
_FIGURE = re.compile(r'<figure class="chart" data-chart="([a-z_-]+)">.*?</figure>', re.S)
_BODY = re.compile(r"<body>(.*)</body>", re.S)
_SUBJECT = {"zh": "教育政策动态周报 {week}", "en": "edualliance policy-trend digest {week}"}


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



def _with_png_charts(html: str, html_path: Path) -> tuple[str, list[tuple[str, Path]]]:
    """The page with each chart that has a PNG beside it (digest-W.lang.CHART.png) as a cid: image."""
    images: list[tuple[str, Path]] = []
    stem = html_path.name.removesuffix(".html")

    def to_image(match: re.Match) -> str:
        png = html_path.with_name(f"{stem}.{match[1]}.png")
        if not png.exists():
            return match[0]  # no PNG written: keep the SVG
        cid = make_msgid(idstring=f"{stem}-{match[1]}", domain="edualliance.invalid")
        images.append((cid, png))
        return f'<figure class="chart"><img src="cid:{cid[1:-1]}" alt="{match[1]}"></figure>'

    return _FIGURE.sub(to_image, html), images


def digest_message(markdown_path: Path | list[Path], html_path: Path | list[Path], to: list[str], sender: str, *,
                   subject: str | None = None, preface: str = "") -> EmailMessage:
    """The digest as a message; several languages (lists of paths, in order) become one message,
    their texts one after the other. ``preface`` (plain text) goes before both parts' content."""
    md_paths = markdown_path if isinstance(markdown_path, list) else [markdown_path]
    html_paths = html_path if isinstance(html_path, list) else [html_path]
    week = md_paths[0].name.removeprefix("digest-").split(".")[0]
    message = EmailMessage()
    message["Subject"] = subject or f"edualliance policy-trend digest {week}"
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="edualliance.invalid")
    text = "\n\n----------------------------------------\n\n".join(p.read_text(encoding="utf-8") for p in md_paths)
    images: list[tuple[str, Path]] = []
    bodies = []
    for path in html_paths:
        page, found = _with_png_charts(path.read_text(encoding="utf-8"), path)
        images += found
        body = _BODY.search(page)
        bodies.append((page, body[1] if body else page))
    first = bodies[0][0]
    joined = "\n<hr>\n".join(body for _, body in bodies)
    html = first[:first.index("<body>") + 6] + joined + "</body></html>\n" if "<body>" in first else joined
    if preface:
        from html import escape

        text = preface.rstrip("\n") + "\n\n" + text
        block = "".join(f"<p><b>{escape(line)}</b></p>" for line in preface.splitlines() if line.strip())
        html = html.replace("<body>", "<body>" + block, 1) if "<body>" in html else block + html
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    if images:
        related = message.get_payload()[1]
        for cid, png in images:
            related.add_related(png.read_bytes(), maintype="image", subtype="png", cid=cid, filename=png.name)
    return message


def _digest_files(paths: list[Path]) -> tuple[str, list[Path], list[Path]]:
    """(week, Markdown files, HTML files), Chinese first, of the files ``write_digest`` returned."""
    weeks, by_lang = set(), {}
    for path in paths:
        match = _DIGEST_FILE.match(Path(path).name)
        if match and match[3] in ("md", "html"):
            weeks.add(match[1])
            by_lang.setdefault(match[2], {})[match[3]] = Path(path)
    if len(weeks) != 1:
        raise MailError(f"expected the digest files of one week, got {sorted(weeks) or 'none'}")
    langs = [lang for lang in ("zh", "en") if lang in by_lang]
    for lang in langs:
        if set(by_lang[lang]) != {"md", "html"}:
            raise MailError(f"the {lang} digest lacks its .md or .html file")
    return weeks.pop(), [by_lang[lang]["md"] for lang in langs], [by_lang[lang]["html"] for lang in langs]


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
        if s.user and s.tls == "none" and not is_loopback(s.host):
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


def send_digest(paths: list[Path], to: list[str], settings: SmtpSettings) -> None:
    """Send one week's digest files (what ``write_digest`` returned), every language in one message."""
    if not to:
        raise MailError("no recipient given")
    week, md_paths, html_paths = _digest_files(paths)
    langs = [p.name.split(".")[-2] for p in md_paths]
    subject = " / ".join(_SUBJECT[lang].format(week=week) for lang in langs)
    message = digest_message(md_paths, html_paths, to, settings.sender, subject=subject)
    try:
        with Mailer(settings) as mailer:
            mailer.send(message, to)
    except MailError as exc:
        raise MailError(f"could not send the digest through {settings.host}:{settings.port}: {exc}") from exc
