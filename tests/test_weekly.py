"""The weekly digest step on a corpus built in the test: which weeks are due, the
archive, index and feed, one mail per week per recipient over a real SMTP server,
nothing twice, revisions marked and re-mailed only when recent, failed mails retried."""

from __future__ import annotations

import email
import email.policy
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from xml.etree import ElementTree

import pyarrow as pa
import pytest

from edualliance.pipeline.config import parse_config
from edualliance.pipeline.records import LABELS
from edualliance.pipeline.snapshot import open_snapshot
from edualliance.pipeline.store import Store
from edualliance.pipeline.weekly import update_archive
from edualliance.pipeline.weeks import WeeklyError, describe_changes, due_weeks, last_complete_week, week_name

from local_smtp import LocalSmtpServer

W = date.fromisocalendar  # W(2026, 10, 1): Monday of 2026-W10


# -- the rule ---------------------------------------------------------------------------------


def test_a_week_is_complete_once_its_sunday_has_passed_in_beijing():
    sunday_night = datetime(2026, 3, 8, 15, 59, tzinfo=timezone.utc)  # Sunday 23:59 in Beijing
    assert last_complete_week(sunday_night) == W(2026, 9, 1)
    monday_morning = datetime(2026, 3, 8, 16, 1, tzinfo=timezone.utc)  # Monday 00:01 in Beijing
    assert last_complete_week(monday_morning) == W(2026, 10, 1)


def test_first_run_writes_the_weeks_with_articles_and_last_week():
    with_articles = [W(2013, 5, 1), W(2024, 47, 1), W(2026, 2, 1), W(2026, 11, 1)]
    assert due_weeks(None, with_articles, W(2026, 10, 1)) == [W(2013, 5, 1), W(2024, 47, 1), W(2026, 2, 1),
                                                             W(2026, 10, 1)]
    assert due_weeks(None, with_articles, W(2026, 10, 1), first_week=W(2025, 1, 1)) == [W(2026, 2, 1), W(2026, 10, 1)]
    assert due_weeks(None, [W(1970, 1, 1)], W(2026, 10, 1)) == [W(2026, 10, 1)]  # a misread date starts nothing


def test_later_runs_write_every_week_after_the_newest_empty_or_not():
    assert due_weeks(W(2026, 7, 1), [W(2026, 9, 1)], W(2026, 10, 1)) == [W(2026, 8, 1), W(2026, 9, 1), W(2026, 10, 1)]
    assert due_weeks(W(2026, 10, 1), [W(2026, 10, 1)], W(2026, 10, 1)) == []


def test_changes_are_described_per_total_and_label():
    old = {"stories": 3, "articles": 4, "labels": {"group_run": {"stories": 1, "articles": 1}}}
    new = {"stories": 4, "articles": 4, "labels": {"group_run": {"stories": 2, "articles": 2}}}
    assert describe_changes(old, new) == "stories 3 → 4; group_run stories 1 → 2, articles 1 → 2"
    assert describe_changes(new, new) == ""


# -- the archive on a corpus --------------------------------------------------------------------

NOW = datetime(2026, 3, 11, 4, 0, tzinfo=timezone.utc)  # Wednesday of 2026-W11: W10 is the last complete week
_n = 0


def add_articles(db: Path, rows: list[tuple[date, str | None, str]]) -> None:
    """(day published, label or None, title) articles, each its own story; publishes the snapshot."""
    global _n
    articles, labels = [], []
    for day, label, title in rows:
        _n += 1
        published = datetime.combine(day, datetime.min.time()) + timedelta(hours=10)
        article_id = f"w{_n:05d}"
        articles.append({
            "article_id": article_id, "page_id": f"p{_n}", "page_key": f"https://ex.cn/{_n}", "part": 0,
            "url": f"https://ex.cn/{_n}", "path": None, "source": "test", "site": "ex.cn", "title": title,
            "published_at": published, "outlet": "中国教育报", "reposted_from": None, "author": None,
            "text": "集团化办学。", "text_normalized": "集团化办学。", "content_hash": f"h{_n}", "script": "simplified",
            "extractor_version": "t", "region_province": "浙江省", "region_city": None, "region_county": None,
            "stored_at": published, "updated_at": published, "cluster_id": article_id, "is_canonical": True,
        })
        labels += [{"article_id": article_id, "model_version": "test-1", "label": name,
                    "score": 0.9 if name == label else 0.1, "assigned": name == label,
                    "is_primary": name == label, "sense": None, "classified_at": published} for name in LABELS]
    with Store(db) as store:
        store.bulk_load_articles(pa.Table.from_pylist(articles))
        store.bulk_load_classifications(pa.Table.from_pylist(labels))
        store.publish_snapshot()


def config_for(tmp_path: Path, port: int, **mail) -> object:
    mail = {"tls": "none", **mail}
    extra = "".join(f"{k} = {v!r}\n".replace("'", '"') for k, v in mail.items())
    return parse_config(
        f'db = "corpus.duckdb"\n[digest]\nout = "digests"\nfeed_base_url = "https://corpus.example.edu/d/"\n'
        f'[mail]\nhost = "127.0.0.1"\nport = {port}\nfrom = "digest@example.org"\n'
        f'to = ["a@example.org", "b@example.org"]\n{extra}', tmp_path / "config.toml")


def run(config, now=NOW, **kw):
    with Store(config.db) as store, open_snapshot(config.db) as snapshot:
        return update_archive(store, snapshot, config, now=now, **kw)


def subjects(server: LocalSmtpServer) -> list[tuple[str, str]]:
    out = []
    for received in server.received:
        message = email.message_from_bytes(received.content, policy=email.policy.default)
        out.append((message["Subject"], received.rcpt_tos[0]))
    return sorted(out)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    db = tmp_path / "corpus.duckdb"
    add_articles(db, [
        (W(2025, 40, 2), "group_run", "秋季集团化办学"),
        (W(2026, 8, 3), "group_run", "二月集团化办学"),
        (W(2026, 9, 2), "urban_rural", "城乡共同体"), (W(2026, 9, 4), None, "其他"),
        (W(2026, 11, 1), "group_run", "本周（未完）"),  # this week: not complete, not due
    ])
    return db


def test_archive_index_feed_and_one_mail_per_week_per_recipient_then_nothing(corpus, tmp_path):
    with LocalSmtpServer() as server:
        config = config_for(tmp_path, server.port)
        report = run(config)
        assert report.written == ["2025-W40", "2026-W08", "2026-W09", "2026-W10"]
        assert report.mail_failures == [] and len(report.sent) == 8
        assert subjects(server) == sorted((f"edualliance policy-trend digest {w}", r)
                                          for w in report.written for r in ("a@example.org", "b@example.org"))
        out = tmp_path / "digests"
        assert sorted(p.name for p in out.iterdir()) == ["2025-W40", "2026-W08", "2026-W09", "2026-W10",
                                                         "feed.xml", "index.html"]
        assert (out / "2026-W09" / "digest-2026-W09.en.md").read_text(encoding="utf-8").count("): 2 stories (") == 1
        assert (out / "2026-W09" / "digest-2026-W09.zh.md").exists()  # both languages (issue 16)
        index = (out / "index.html").read_text(encoding="utf-8")
        assert index.count("<td class=muted>2 sent</td>") == 4  # what went out, written after sending
        feed = ElementTree.parse(out / "feed.xml").getroot()
        ns = {"a": "http://www.w3.org/2005/Atom"}
        ids = [e.findtext("a:id", namespaces=ns) for e in feed.findall("a:entry", ns)]
        assert ids == [f"urn:edualliance:digest:{w}" for w in ("2026-W10", "2026-W09", "2026-W08", "2025-W40")]
        link = feed.find("a:entry/a:link", ns).get("href")
        assert link == "https://corpus.example.edu/d/2026-W10/digest-2026-W10.zh.html"

        again = run(config)
        assert (again.written, again.revised, again.sent) == ([], [], [])
        assert len(server.received) == 8

        # A week later: only the new week, though empty.
        later = run(config, now=NOW + timedelta(weeks=1))
        assert later.written == ["2026-W11"] and len(later.sent) == 2


def test_a_revised_week_is_marked_and_remailed_only_when_recent(corpus, tmp_path):
    with LocalSmtpServer() as server:
        config = config_for(tmp_path, server.port, remail_revised_weeks=4)
        run(config)
        sent_before = len(server.received)
        # Late articles: one published in W09 (recent), one in 2025-W40 (old), collected now.
        add_articles(corpus, [(W(2026, 9, 5), "group_run", "迟到的集团化办学"),
                              (W(2025, 40, 4), "urban_rural", "旧闻")])
        report = run(config)
        assert report.written == []
        assert dict(report.revised) == {
            "2025-W40": "stories 1 → 2, articles 1 → 2; urban_rural stories 0 → 1, articles 0 → 1",
            "2026-W09": "stories 2 → 3, articles 2 → 3; group_run stories 0 → 1, articles 0 → 1",
        }
        new = subjects(server)[:]
        revised = [s for s in new if "(revised)" in s[0]]
        assert revised == [("edualliance policy-trend digest 2026-W09 (revised)", "a@example.org"),
                           ("edualliance policy-trend digest 2026-W09 (revised)", "b@example.org")]
        assert len(server.received) == sent_before + 2
        body = email.message_from_bytes(server.received[-1].content, policy=email.policy.default)
        assert "group_run stories 0 → 1" in body.get_body(("plain",)).get_content()
        assert "共 3 篇报道" in body.get_body(("plain",)).get_content()  # the rewritten digest (Chinese: mailed first)
        out = tmp_path / "digests"
        index = (out / "index.html").read_text(encoding="utf-8")
        assert index.count("revised 1×") == 2 and "group_run stories 0 → 1" in index
        assert index.count("<td class=muted>4 sent</td>") == 1  # 2026-W09: the digest and its revision
        feed = (out / "feed.xml").read_text(encoding="utf-8")
        assert "Policy-trend digest 2025-W40 (revised)" in feed and "urban_rural stories 0 → 1" in feed
        assert run(config).revised == [] and len(server.received) == sent_before + 2


def test_a_mail_that_could_not_be_sent_is_retried_by_the_next_run(corpus, tmp_path):
    with LocalSmtpServer() as server:
        port = server.port
    config = config_for(tmp_path, port)  # nobody listens there now
    report = run(config)
    assert len(report.written) == 4 and len(report.mail_failures) == 8 and report.sent == []
    assert "could not connect to 127.0.0.1" in report.mail_failures[0][2]
    with LocalSmtpServer() as server:
        config = config_for(tmp_path, server.port)
        retry = run(config)
        assert retry.written == [] and len(retry.sent) == 8 and len(server.received) == 8
        assert run(config).sent == []


def test_resend_is_explicit_and_names_a_week_in_the_archive(corpus, tmp_path):
    with LocalSmtpServer() as server:
        config = config_for(tmp_path, server.port)
        run(config)
        report = run(config, resend=("2026-W09",))
        assert sorted(report.sent) == [("2026-W09", "a@example.org", "resend"), ("2026-W09", "b@example.org", "resend")]
        with pytest.raises(WeeklyError, match="the archive has no digest of 2026-W01"):
            run(config, resend=("2026-W01",))


def test_the_login_uses_the_password_from_the_environment(corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("EDUALLIANCE_SMTP_PASSWORD", "pw-from-env")
    with LocalSmtpServer(user="digest", password="pw-from-env") as server:
        report = run(config_for(tmp_path, server.port, user="digest"))
        assert len(report.sent) == 8 and server.logins == [("digest", True)]
    monkeypatch.setenv("EDUALLIANCE_SMTP_PASSWORD", "wrong")
    add_articles(corpus, [(W(2026, 10, 2), "group_run", "新")])
    with LocalSmtpServer(user="digest", password="pw-from-env") as server:
        report = run(config_for(tmp_path, server.port, user="digest"))
        assert report.mail_failures and "refused the login of 'digest'" in report.mail_failures[0][2]
        assert all("wrong" not in why for _, _, why in report.mail_failures)


def test_the_archive_says_week_names_as_iso_weeks():
    assert week_name(W(2026, 1, 1)) == "2026-W01" and week_name(date(2027, 1, 1)) == "2026-W53"


# -- TLS: STARTTLS is verified ------------------------------------------------------------------


def test_starttls_verifies_the_certificate_and_logs_in_over_tls(corpus, tmp_path, monkeypatch):
    from local_smtp import self_signed_context

    context, cert = self_signed_context(tmp_path)
    monkeypatch.setenv("EDUALLIANCE_SMTP_PASSWORD", "pw-over-tls")
    with LocalSmtpServer(user="digest", password="pw-over-tls", tls_context=context) as server:
        config = config_for(tmp_path, server.port, tls="starttls", user="digest")
        report = run(config)  # a certificate no trusted CA signed: refused before any login
        assert len(report.mail_failures) == 8 and "CERTIFICATE_VERIFY_FAILED" in report.mail_failures[0][2]
        assert server.logins == [] and server.received == []
        monkeypatch.setenv("SSL_CERT_FILE", cert)  # the operator trusts their own CA this way
        retry = run(config)
        assert len(retry.sent) == 8 and server.logins == [("digest", True)] and len(server.received) == 8


def test_no_password_is_sent_without_tls_except_to_loopback(corpus, tmp_path, monkeypatch):
    from edualliance.pipeline.mail import Mailer, MailError, SmtpSettings

    settings = SmtpSettings(host="smtp.example.edu", port=25, user="digest", password="pw")
    with pytest.raises(MailError, match="refusing to send the SMTP password to smtp.example.edu without TLS"):
        Mailer(settings).__enter__()
    assert "pw" not in repr(settings)
