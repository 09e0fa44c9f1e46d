"""`edualliance --config FILE <command>`: the config file fills in what the command line
leaves out, explicit options win, $EDUALLIANCE_CONFIG is the default, a password on the
command line is refused, and `run` exits with the codes the README documents."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from edualliance.corpus.fixtureweb.server import FixtureServer
from edualliance.pipeline.cli import main

from local_smtp import LocalSmtpServer


def invoke(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_config_names_the_database_and_explicit_options_win(tmp_path, seeds_dir, monkeypatch):
    monkeypatch.delenv("EDUALLIANCE_DB", raising=False)
    config = write(tmp_path / "c.toml", 'db = "from-config.duckdb"\n')
    seed = str(seeds_dir / "000_3a03fd8061864d4f.txt")
    assert invoke("--config", str(config), "ingest", seed).exit_code == 0
    assert (tmp_path / "from-config.duckdb").exists()
    result = invoke("--config", str(config), "sql", "SELECT count(*) AS n FROM articles", "--csv")
    assert result.output.splitlines()[1] == "1"
    monkeypatch.setenv("EDUALLIANCE_CONFIG", str(config))  # the default config
    assert invoke("sql", "SELECT count(*) AS n FROM articles", "--csv").output.splitlines()[1] == "1"
    assert invoke("--db", str(tmp_path / "explicit.duckdb"), "ingest", seed).exit_code == 0
    assert (tmp_path / "explicit.duckdb").exists()


def test_a_bad_config_stops_every_command_naming_the_key(tmp_path):
    config = write(tmp_path / "c.toml", '[digest]\nlanguage = ["zh"]\n')
    result = CliRunner().invoke(main, ["--config", str(config), "sources", "list"])
    assert result.exit_code == 1
    assert f"{config}: unknown key 'digest.language'" in result.output
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "missing.toml"), "sources", "list"])
    assert result.exit_code == 1 and "cannot read the config file" in result.output


def test_the_config_registry_is_used_unless_sources_is_given(tmp_path):
    registry = write(tmp_path / "mine.toml", '[[source]]\nname = "only-mine"\nkind = "feed"\n'
                                             'start_urls = ["https://example.cn/rss.xml"]\n')
    config = write(tmp_path / "c.toml", '[crawl]\nsources = "mine.toml"\n')
    assert "only-mine" in invoke("--config", str(config), "sources", "list").output
    other = write(tmp_path / "other.toml", '[[source]]\nname = "other"\nkind = "feed"\n'
                                           'start_urls = ["https://example.cn/rss.xml"]\n')
    output = invoke("--config", str(config), "sources", "list", "--sources", str(other)).output
    assert "other" in output and "only-mine" not in output
    assert registry.exists()


@pytest.mark.parametrize("args", [
    ["--smtp-password", "hunter2", "sources", "list"],
    ["run", "--smtp-password", "hunter2"],
    ["digest", "--password", "hunter2"],
])
def test_a_password_on_the_command_line_is_refused_with_where_to_put_it(args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "a password on the command line is visible to every user" in result.output
    assert "EDUALLIANCE_SMTP_PASSWORD" in result.output and "mail.password_file" in result.output
    assert "hunter2" not in result.output


# -- run: exit codes ----------------------------------------------------------------------------

ONE_SITE = '[[source]]\nname = "jynews"\nkind = "listing"\nstart_urls = ["{start}"]\nallow = ["/jynews/"]\n'


def run_config(tmp_path: Path, base: str, start: str, smtp_port: int, user: str | None = None) -> Path:
    write(tmp_path / "sources.toml", ONE_SITE.format(start=base + start))
    login = f'user = "{user}"\n' if user else ""
    return write(tmp_path / "c.toml", f"""db = "corpus.duckdb"
[crawl]
sources = "sources.toml"
classifier = "keywords"
[crawl.settings]
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = false
[mail]
host = "127.0.0.1"
port = {smtp_port}
tls = "none"
to = ["team@example.org"]
{login}""")


def test_run_without_the_password_fails_before_crawling(tmp_path, monkeypatch):
    monkeypatch.delenv("EDUALLIANCE_SMTP_PASSWORD", raising=False)
    config = run_config(tmp_path, "http://127.0.0.1:9", "/jynews/edu/", 25, user="digest")
    result = CliRunner().invoke(main, ["--config", str(config), "run"])
    assert result.exit_code == 1
    assert "mail.user is set but no password was found" in result.output
    assert not (tmp_path / "corpus.duckdb").exists()  # nothing crawled, nothing opened


def test_run_exit_codes_a_mail_not_sent_then_a_source_flagged(tmp_path, monkeypatch):
    monkeypatch.delenv("EDUALLIANCE_SMTP_PASSWORD", raising=False)
    with LocalSmtpServer() as smtp:
        dead_port = smtp.port
    with FixtureServer() as web:
        config = run_config(tmp_path, web.base_url, "/jynews/edu/", dead_port)
        first = CliRunner().invoke(main, ["--config", str(config), "run"])
        assert first.exit_code == 4, first.output  # the digests are written, the mails are not
        assert "mail(s) not sent, queued for the next run" in first.output
        with duckdb.connect(str(tmp_path / "corpus.duckdb"), read_only=True) as con:
            assert con.execute("SELECT count(*) FROM digest_mails WHERE status = 'failed'").fetchone()[0] > 0
        with LocalSmtpServer() as smtp:
            config = run_config(tmp_path, web.base_url, "/jynews/no-such-list/", smtp.port)
            second = CliRunner().invoke(main, ["--config", str(config), "run"])
            assert second.exit_code == 3, second.output  # the source went silent; the queued mails went out
            assert "FLAG:" in second.output and "jynews" in second.output
            assert len(smtp.received) > 0
    assert os.path.isdir(tmp_path / "digests")
