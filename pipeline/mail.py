"""Send a digest by e-mail over SMTP, once, in every language written: the
Markdown files as the plain-text part, the HTML as the alternative a mail
client shows, with the charts as PNG images attached inline (``cid:``), since
Gmail and Outlook show no inline SVG.

Settings come from arguments or the environment: EDUALLIANCE_SMTP_HOST
(default localhost), EDUALLIANCE_SMTP_PORT (default 25, or 587 with
STARTTLS), EDUALLIANCE_SMTP_FROM, EDUALLIANCE_SMTP_USER and
EDUALLIANCE_SMTP_PASSWORD (log in only when both are set),
EDUALLIANCE_SMTP_STARTTLS=1.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

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


def _digest_files(paths: list[Path]) -> tuple[str, dict[str, dict[str, Path]]]:
    """(week, lang → {'md'|'html'|chart name: path}) from the files ``write_digest`` returned."""
    weeks, by_lang = set(), {}
    for path in paths:
        match = _DIGEST_FILE.match(Path(path).name)
        if match:
            weeks.add(match[1])
            kind = match[3].removesuffix(".png")
            by_lang.setdefault(match[2], {})[kind] = Path(path)
    if len(weeks) != 1:
        raise MailError(f"expected the digest files of one week, got {sorted(weeks) or 'none'}")
    for lang, files in by_lang.items():
        if "md" not in files or "html" not in files:
            raise MailError(f"the {lang} digest lacks its .md or .html file")
    return weeks.pop(), by_lang


def digest_message(paths: list[Path], to: list[str], sender: str) -> EmailMessage:
    """One message with every language of one week's digest (Chinese first)."""
    week, by_lang = _digest_files(paths)
    langs = [lang for lang in ("zh", "en") if lang in by_lang]
    message = EmailMessage()
    message["Subject"] = " / ".join(_SUBJECT[lang].format(week=week) for lang in langs)
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="edualliance.invalid")
    plain = "\n\n----------------------------------------\n\n".join(
        by_lang[lang]["md"].read_text(encoding="utf-8") for lang in langs)
    message.set_content(plain, subtype="plain", charset="utf-8")
    images: list[tuple[str, Path]] = []
    bodies = []
    for lang in langs:
        files = by_lang[lang]
        page = files["html"].read_text(encoding="utf-8")

        def to_image(match: re.Match, lang: str = lang, files: dict = files) -> str:
            png = files.get(match[1])
            if png is None:
                return match[0]  # no PNG written: keep the SVG
            cid = make_msgid(idstring=f"{lang}-{match[1]}", domain="edualliance.invalid")
            images.append((cid, png))
            return f'<figure class="chart"><img src="cid:{cid[1:-1]}" alt="{match[1]}"></figure>'

        page = _FIGURE.sub(to_image, page)
        body = _BODY.search(page)
        bodies.append((page, body[1] if body else page))
    first_page = bodies[0][0]
    html = first_page[:first_page.index("<body>") + 6] + "\n<hr>\n".join(b for _, b in bodies) + "</body></html>\n" \
        if "<body>" in first_page else "\n".join(b for _, b in bodies)
    message.add_alternative(html, subtype="html", charset="utf-8")
    related = message.get_payload()[1]
    for cid, png in images:
        related.add_related(png.read_bytes(), maintype="image", subtype="png", cid=cid, filename=png.name)
    return message


def send_digest(paths: list[Path], to: list[str], settings: SmtpSettings) -> None:
    """Send the digest files of one week (what ``write_digest`` returned) to ``to``."""
    if not to:
        raise MailError("no recipient given")
    message = digest_message(paths, to, settings.sender)
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
