"""The README's operator recipe, run as written: the cron line's command (which the
systemd unit runs too) with a temporary config file, against the fixture web and
a real SMTP server on 127.0.0.1, twice.

The command line is parsed out of the README (as .ci/run does for the test
command); only the program's location and the config file's path are this
machine's. Asserted: the digests of the due weeks exist once; one mail per week
per recipient; nothing on the second run unless a week was revised; the SMTP
password appears in no process argument, output, log file or database row.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import shlex
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import duckdb
import pytest

from edualliance.corpus.fixtureweb.server import FixtureServer
from edualliance.crawler.registry import demo_registry_path
from edualliance.crawler.run import LOOPBACK_SETTINGS
from edualliance.pipeline.store import BEIJING

from local_smtp import LocalSmtpServer

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
PASSWORD = "Tr0ub4dor-only-in-a-file"
RECIPIENTS = ["policy-team@example.org", "lead@example.org"]


def readme_recipe() -> list[str]:
    """The cron line's command, checked to be the systemd unit's ExecStart too."""
    cron = re.search(r"```cron\n(.*?)\n```", README, re.S)[1].strip()
    fields = cron.split(None, 5)
    assert len(fields) == 6, f"not a cron line: {cron!r}"
    command = shlex.split(fields[5])
    exec_start = re.search(r"^ExecStart=(.*)$", README, re.M)[1]
    assert shlex.split(exec_start) == command, "the systemd unit runs another command than the cron line"
    assert not any("=" in word and word.split("=")[0].isupper() for word in command), \
        "the recipe sets environment variables on the command line"
    return command


def test_the_recipe_is_one_command_with_the_config_file():
    command = readme_recipe()
    assert Path(command[0]).name == "edualliance"
    assert command[1:] == ["--config", "/etc/edualliance/config.toml", "run"]


def as_run_here(command: list[str], config: Path) -> list[str]:
    """The recipe with this machine's program and the temporary config file."""
    program = Path(sys.executable).parent / "edualliance"
    assert program.exists(), f"{program}: the README installs the command beside the interpreter"
    return [str(program)] + [str(config) if word == "/etc/edualliance/config.toml" else word
                             for word in command[1:]]


def write_config(tmp_path: Path, base_url: str, smtp_port: int) -> Path:
    registry = tmp_path / "sources.toml"
    registry.write_text(demo_registry_path().read_text(encoding="utf-8").replace("{base}", base_url),
                        encoding="utf-8")
    secret = tmp_path / "smtp-password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    os.chmod(secret, 0o600)
    settings = "\n".join(f"{k} = {v!r}".replace("'", '"').replace("False", "false") for k, v in LOOPBACK_SETTINGS.items())
    config = tmp_path / "config.toml"
    config.write_text(f"""
db = "data/corpus.duckdb"

[crawl]
sources = "sources.toml"
log = "logs/crawl.log"
classifier = "keywords"

[crawl.settings]
{settings}

[digest]
out = "digests"
languages = ["zh", "en"]
feed_base_url = "https://corpus.example.org/digests/"

[mail]
host = "127.0.0.1"
port = {smtp_port}
tls = "none"
user = "edualliance"
from = "edualliance@example.org"
to = {RECIPIENTS!r}
password_file = "smtp-password"
""".replace("'", '"'), encoding="utf-8")
    return config


def clean_environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDUALLIANCE_")}
    env["HOME"] = str(tmp_path / "home")  # nothing from the user's data directory
    return env


def due_weeks_of(db: Path) -> list[str]:
    """The rule, from the database by plain SQL: on a first run, the complete weeks with articles
    (counted in their week as the research views count them), plus last week."""
    today = datetime.now(BEIJING).date()
    last_complete = today - timedelta(days=today.weekday(), weeks=1)
    with duckdb.connect(str(db), read_only=True) as con:
        weeks = {row[0] for row in con.execute(
            "SELECT DISTINCT week_start FROM research_articles WHERE week_start <= ?", [last_complete]).fetchall()}
    weeks.add(last_complete)
    return [f"{w.isocalendar()[0]}-W{w.isocalendar()[1]:02d}" for w in sorted(weeks) if w >= date(1995, 1, 2)]


def mails(server: LocalSmtpServer, start: int = 0) -> list[tuple[str, str]]:
    out = []
    for received in server.received[start:]:
        message = email.message_from_bytes(received.content, policy=email.policy.default)
        assert received.login == "edualliance" and len(received.rcpt_tos) == 1
        out.append((str(message["Subject"]), received.rcpt_tos[0]))
    return sorted(out)


def test_the_readme_recipe_crawls_writes_the_due_digests_and_mails_each_once(tmp_path: Path):
    command = readme_recipe()
    with FixtureServer() as web, LocalSmtpServer(user="edualliance", password=PASSWORD) as smtp:
        config = write_config(tmp_path, web.base_url, smtp.port)
        argv = as_run_here(command, config)
        env = clean_environment(tmp_path)
        first = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
        assert first.returncode == 0, first.stderr[-3000:]

        db = tmp_path / "data" / "corpus.duckdb"
        weeks = due_weeks_of(db)
        assert len(weeks) >= 10  # the fixture web's dated weeks, 2014 to 2024, and last week
        out = tmp_path / "digests"
        assert sorted(p.name for p in out.iterdir() if p.is_dir()) == weeks
        for week in weeks:
            assert sorted(p.name for p in (out / week).iterdir()) == [f"digest-{week}.html", f"digest-{week}.md"]
        index = (out / "index.html").read_text(encoding="utf-8")
        assert all(index.count(f"<b>{week}</b>") == 1 for week in weeks)
        atom = {"a": "http://www.w3.org/2005/Atom"}
        entries = ElementTree.parse(out / "feed.xml").getroot().findall("a:entry", atom)
        assert sorted(e.findtext("a:id", namespaces=atom).rsplit(":", 1)[1] for e in entries) == weeks

        expected = sorted((f"edualliance policy-trend digest {week}", to) for week in weeks for to in RECIPIENTS)
        assert mails(smtp) == expected  # one mail per week per recipient
        assert smtp.logins == [("edualliance", True)]  # one SMTP session, logged in with the file's password
        assert f"digests: {len(weeks)} written" in first.stdout

        sent_before = len(smtp.received)
        second = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
        assert second.returncode == 0, second.stderr[-3000:]
        assert sorted(p.name for p in out.iterdir() if p.is_dir()) == weeks
        with duckdb.connect(str(db), read_only=True) as con:
            revised = [w for (w,) in con.execute("SELECT week FROM digest_weeks WHERE revision > 0").fetchall()]
            queued = con.execute("SELECT count(*) FROM digest_mails WHERE status <> 'sent'").fetchone()[0]
            rows = " ".join(str(r) for r in con.execute(
                "SELECT string_agg(message, ' ') FROM errors UNION ALL SELECT string_agg(counts, ' ') FROM runs"
            ).fetchall())
        assert queued == 0
        # Nothing again, unless a week's counts changed: then its (recent) revision only.
        assert [s for s, _ in mails(smtp, sent_before)] == sorted(
            f"edualliance policy-trend digest {w} (revised)" for w in revised for _ in RECIPIENTS
            if w in weeks[-4:])
        assert revised == [], f"the same fixture web crawled again changed the counts of {revised}"
        assert "digests: 0 written (none due), 0 revised, 0 mails sent" in second.stdout

    # The password: in no argument, output, log or database row.
    for run in (first, second):
        assert PASSWORD not in " ".join(run.args)
        assert PASSWORD not in run.stdout and PASSWORD not in run.stderr
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.name != "smtp-password" and not path.suffix == ".duckdb":
            assert PASSWORD.encode() not in path.read_bytes(), f"the password is in {path}"
    assert PASSWORD not in rows
