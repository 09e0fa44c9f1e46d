"""`label` holds no lock while it waits for the researcher: a crawl or an ingest stores meanwhile (issue 13)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from edualliance.corpus.fixtureweb.build import site_root
from edualliance.corpus.fixtureweb.server import FixtureServer
from edualliance.crawler.registry import demo_registry_path, load_registry
from edualliance.crawler.run import LOOPBACK_SETTINGS, run_crawl
from edualliance.models.keywords import KeywordClassifier
from edualliance.pipeline.ingest import ingest_paths
from edualliance.pipeline.store import Store


def cli(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "edualliance.pipeline.cli", "--db", str(db), *args]


@contextlib.contextmanager
def label_waiting(db_path: Path, seeds_dir: Path, tmp_path: Path):
    """A `label` session on a store of the seeds, shown its first article and waiting for the researcher.

    Yields the environment for the body's run (a crawl or an ingest). Afterwards the researcher
    answers group_run for the first article and quits at the second; the run must have stored
    articles and the answer must be stored too.
    """
    with Store(db_path) as store:
        ingest_paths(store, [seeds_dir], KeywordClassifier())
        before = store.article_count()
    env = {**os.environ, "EDUALLIANCE_MODELS": str(tmp_path / "models"), "PYTHONUNBUFFERED": "1"}
    labeler = subprocess.Popen(cli(db_path, "label", "--limit", "2", "--classifier", "keywords", "--labeler", "t"),
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env=env, text=True, encoding="utf-8")
    shown: list[str] = []
    reader = threading.Thread(target=lambda: shown.extend(iter(lambda: labeler.stdout.read(1), "")), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while "labels: j=" not in "".join(shown):
            assert labeler.poll() is None, "".join(shown)
            assert time.monotonic() < deadline, "label never asked: " + "".join(shown)
            time.sleep(0.1)
        yield env  # the researcher is reading: the body runs a crawl or an ingest meanwhile
        labeler.stdin.write("g\nq\n")
        labeler.stdin.flush()
        assert labeler.wait(timeout=120) == 0, "".join(shown)
    finally:
        if labeler.poll() is None:
            labeler.kill()
    reader.join(timeout=10)
    assert "stopped: 1 stored" in "".join(shown)
    with Store(db_path, read_only=True) as store:
        assert store.article_count() > before, "the run stored nothing"
        assert [row[3] for row in store.researcher_labels()] == [["group_run"]]


def test_an_ingest_run_succeeds_while_label_waits_for_input(db_path: Path, seeds_dir: Path,
                                                             bundled_pages_dir: Path, tmp_path: Path):
    with label_waiting(db_path, seeds_dir, tmp_path) as env:
        run = subprocess.run(cli(db_path, "ingest", str(bundled_pages_dir), "--classifier", "keywords"),
                             capture_output=True, text=True, env=env, timeout=300)
        assert run.returncode == 0, run.stderr
        assert "cannot open" not in run.stderr


def test_a_crawl_succeeds_while_label_waits_for_input(db_path: Path, seeds_dir: Path, tmp_path: Path):
    with label_waiting(db_path, seeds_dir, tmp_path), FixtureServer(site_root()) as server:
        sources = load_registry(demo_registry_path(), base_url=server.base_url)
        with Store(db_path) as store:
            report = run_crawl(store, sources, "keywords", settings=LOOPBACK_SETTINGS)
        assert report.status == "finished", report.counts


def test_an_answer_given_while_a_run_holds_the_database_waits_and_is_stored_next_time(db_path: Path,
                                                                                      seeds_dir: Path):
    from edualliance.models.database import PendingAnswers, store_answers
    from edualliance.pipeline.store import StoreError

    with Store(db_path) as store:
        ingest_paths(store, [seeds_dir], KeywordClassifier())
        article_id = store.unlabeled_articles(1)[0][0]
    answer = {"article_id": article_id, "labels": ["urban_rural"], "primary": "urban_rural", "sense": None,
              "labeler": "t", "model_version": "keywords-1", "note": None}
    pending = PendingAnswers(db_path.with_name("pending.jsonl"))

    def busy():
        raise StoreError("cannot open: another process holds it")

    assert store_answers(busy, [answer], pending, wait=0.3) is False
    assert pending.read() == [answer]
    assert store_answers(lambda: Store(db_path), [], pending) is True
    assert pending.read() == []
    with Store(db_path, read_only=True) as store:
        assert [row[0] for row in store.researcher_labels()] == [article_id]
