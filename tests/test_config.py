"""The operator's config file: the README's example loads, every key is documented,
bad input is an error naming the file and the key, and the SMTP password is taken
only from the environment or a private file."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from edualliance.pipeline import config as cfg
from edualliance.pipeline.config import ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
EXAMPLE = ROOT / "docs" / "example-config.toml"


def readme_config_example() -> str:
    """The TOML block that follows the README's config-example marker."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- config-example: docs/example-config.toml -->\s*```toml\n(.*?)```", text, re.S)
    assert match, "README.md lost its config example (the marker and the ```toml block after it)"
    return match[1]


def test_the_readme_config_example_is_the_shipped_example_and_loads():
    block = readme_config_example()
    assert block == EXAMPLE.read_text(encoding="utf-8"), "README's config example differs from docs/example-config.toml"
    config = load_config(EXAMPLE)
    assert config.db == Path("/srv/edualliance/corpus.duckdb")
    assert config.crawl.sources == Path("/etc/edualliance/sources.toml")
    assert config.crawl.settings["USER_AGENT"].startswith("edualliance-crawler/")
    assert config.digest.languages == ("zh", "en")
    assert config.digest_out == Path("/srv/edualliance/digests")
    assert config.digest.first_week == "2026-W45"
    mail = config.mail
    assert (mail.host, mail.effective_port, mail.tls, mail.user) == ("smtp.example.edu", 587, "starttls", "edualliance")
    assert mail.to == ("policy-team@example.edu", "lead@example.edu")
    assert mail.password_file == Path("/etc/edualliance/smtp-password")


def test_every_config_key_is_documented_in_the_readme():
    text = README.read_text(encoding="utf-8")
    table = text[text.index("### Config file keys"):]
    table = table[:table.index("\n## ")]
    documented = set(re.findall(r"^\| `([a-z_.]+)`", table, re.M))
    keys = {k for k in cfg.TOP_KEYS if k not in ("crawl", "digest", "mail")}
    keys |= {f"crawl.{k}" for k in cfg.CRAWL_KEYS} | {f"digest.{k}" for k in cfg.DIGEST_KEYS}
    keys |= {f"mail.{k}" for k in cfg.MAIL_KEYS}
    assert keys == documented


def load(tmp_path: Path, text: str) -> cfg.Config:
    path = tmp_path / "edualliance.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_relative_paths_are_relative_to_the_config_file_and_defaults_apply(tmp_path):
    config = load(tmp_path, 'db = "data/corpus.duckdb"\n[crawl]\nsources = "sources.toml"\n')
    assert config.db == tmp_path / "data" / "corpus.duckdb"
    assert config.crawl.sources == tmp_path / "sources.toml"
    assert config.digest_out == tmp_path / "digests"
    assert config.digest.languages == ("zh", "en") and config.mail is None


@pytest.mark.parametrize("text, message", [
    ('db = "x"\ndatabase = "y"\n', "unknown key 'database'"),
    ('[mail]\nhost = "h"\nto = ["a@b.cn"]\nrecipients = ["c@d.cn"]\n', "unknown key 'mail.recipients'"),
    ('[crawl]\nclassifier = "svm"\n', "crawl.classifier must be one of auto, model, keywords"),
    ('[crawl.settings]\ndownload_delay = 3\n', "crawl.settings.download_delay"),
    ('[digest]\nlanguages = ["zh", "fr"]\n', "digest.languages must list zh and/or en"),
    ('[digest]\nfirst_week = "2026-48"\n', "digest.first_week must be an ISO week like 2026-W45"),
    ('[digest]\nfirst_week = "2026-W54"\n', "digest.first_week: 2026-W54 does not exist"),
    ('[digest]\nfeed_base_url = "ftp://x/"\n', "digest.feed_base_url must be an http(s) address"),
    ('[mail]\nhost = "h"\n', "[mail] needs to"),
    ('[mail]\nhost = "h"\nto = "a@b.cn"\n', "mail.to must be a list"),
    ('[mail]\nhost = "h"\nto = ["team"]\n', "'team' is not an e-mail address"),
    ('[mail]\nhost = "h"\nto = ["a@b.cn"]\ntls = "yes"\n', "mail.tls must be one of starttls, ssl, none"),
    ('[mail]\nhost = "h"\nto = ["a@b.cn"]\nport = "587"\n', "mail.port must be an integer"),
    ('[mail]\nhost = "h"\nto = ["a@b.cn"]\nport = 70000\n', "mail.port must be between 1 and 65535"),
    ('[mail]\nhost = "h"\nto = ["a@b.cn"]\nlanguage = "en"\n[digest]\nlanguages = ["zh"]\n',
     "mail.language must be one of digest.languages"),
    ('[mail]\nhost = "h"\nto = ["a@b.cn"]\npassword_env = "hunter 2"\n', "mail.password_env must name an environment"),
    ('db = "x"\n[mail\n', "not valid TOML"),
])
def test_bad_config_is_an_error_naming_the_file_and_the_key(tmp_path, text, message):
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text)
    assert message in str(info.value)
    assert str(tmp_path / "edualliance.toml") in str(info.value)


@pytest.mark.parametrize("key", ["password", "pass", "secret"])
def test_a_password_in_the_config_file_is_refused_with_where_to_put_it(tmp_path, key):
    with pytest.raises(ConfigError) as info:
        load(tmp_path, f'[mail]\nhost = "h"\nto = ["a@b.cn"]\nuser = "u"\n{key} = "hunter2"\n')
    message = str(info.value)
    assert f"mail.{key}: a password is not accepted in the config file" in message
    assert "EDUALLIANCE_SMTP_PASSWORD" in message and "mail.password_file" in message
    assert "hunter2" not in message


MAIL = '[mail]\nhost = "smtp.example.edu"\nto = ["a@b.cn"]\nuser = "u"\n'


def test_the_password_comes_from_the_environment_first(tmp_path, monkeypatch):
    monkeypatch.setenv("EDUALLIANCE_SMTP_PASSWORD", "from-env")
    assert load(tmp_path, MAIL).mail.password() == "from-env"
    monkeypatch.setenv("OTHER_SECRET", "other")
    assert load(tmp_path, MAIL + 'password_env = "OTHER_SECRET"\n').mail.password() == "other"


def test_the_password_file_must_be_private(tmp_path, monkeypatch):
    monkeypatch.delenv("EDUALLIANCE_SMTP_PASSWORD", raising=False)
    secret = tmp_path / "smtp-password"
    secret.write_text("from-file\n", encoding="utf-8")
    os.chmod(secret, 0o600)
    config = load(tmp_path, MAIL + 'password_file = "smtp-password"\n')
    assert config.mail.password() == "from-file"
    os.chmod(secret, 0o644)
    with pytest.raises(ConfigError, match="readable by every user .*chmod 600"):
        config.mail.password()
    secret.unlink()
    with pytest.raises(ConfigError, match="mail.password_file .*cannot read it"):
        config.mail.password()


def test_a_user_without_a_password_says_where_to_put_it(tmp_path, monkeypatch):
    monkeypatch.delenv("EDUALLIANCE_SMTP_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="no password was found: put it in the environment variable"):
        load(tmp_path, MAIL).mail.password()
    assert load(tmp_path, '[mail]\nhost = "h"\nto = ["a@b.cn"]\n').mail.password() is None


def test_ports_follow_the_tls_mode(tmp_path):
    base = '[mail]\nhost = "h"\nto = ["a@b.cn"]\n'
    assert load(tmp_path, base).mail.effective_port == 587
    assert load(tmp_path, base + 'tls = "ssl"\n').mail.effective_port == 465
    assert load(tmp_path, base + 'tls = "none"\n').mail.effective_port == 25
    assert load(tmp_path, base + 'tls = "none"\nport = 2525\n').mail.effective_port == 2525


def test_config_path_prefers_the_option_to_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("EDUALLIANCE_CONFIG", str(tmp_path / "env.toml"))
    assert cfg.config_path(str(tmp_path / "given.toml")) == tmp_path / "given.toml"
    assert cfg.config_path(None) == tmp_path / "env.toml"
    monkeypatch.delenv("EDUALLIANCE_CONFIG")
    assert cfg.config_path(None) is None
