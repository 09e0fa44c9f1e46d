"""Property-based fuzzing of decode, clean, classify input and ingest (issue 12).

Properties: decoding returns text that is valid UTF-8 or raises DecodeError;
cleaning returns records or raises CleaningError; JSON Lines reading yields a
record or a line error for every non-blank line and never raises; ingesting a
folder of hostile files (``support/hostile.py``, the generator behind
``bench/fuzz_inputs.py``) accounts for every input and keeps every stored row.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.hostile import BOGUS_CHARSETS, SENTENCES, generate

from edualliance.models.keywords import KeywordClassifier
from edualliance.pipeline import jsonl
from edualliance.pipeline.clean import CleaningError, clean_page
from edualliance.pipeline.decode import DecodeError, decode
from edualliance.pipeline.ingest import ingest_paths
from edualliance.pipeline.records import RawPage
from edualliance.pipeline.store import Store

CHARSETS = st.sampled_from([None, "utf-8", "gbk", "gb2312", "big5", "latin-1", "utf-16", "shift_jis",
                            *BOGUS_CHARSETS])
ENCODINGS = st.sampled_from(["utf-8", "gb18030", "big5", "utf-16-le", "utf-16-be", "utf-32-le", "latin-1"])

#: HTML built from real-looking parts, so that the fuzzer reaches the extractor, not only the decoder.
FRAGMENTS = st.sampled_from([
    "<p>", "</p>", "<div>", "</div>", "<table><tr><td>", "</td></tr></table>", "<a href='/x'>", "</a>",
    "<h1>", "</h1>", "<br>", "<script>", "</script>", "<!--", "-->", "<?xml version='1.0' encoding='gbk'?>",
    "<meta charset='undefined'>", "&#xD800;", "&#0;", "\x00", "\ud800", "来源：某某日报", "2023年3月15日",
    "1、", "2、", "一、", "国发〔2023〕9号", "各区县教育局：", "县教育局", "相关阅读", "责任编辑：王某",
    *SENTENCES,
])


def _raw(body: bytes, content_type: str | None) -> RawPage:
    return RawPage(body=body, source="fuzz", fetched_at=datetime.now(timezone.utc), content_type=content_type)


def _encode_or_fail(text: str | None) -> None:
    if text is not None:
        text.encode("utf-8")  # raises on a lone surrogate


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=3000), charset=CHARSETS)
def test_decode_returns_utf8_text_or_a_decode_error(body, charset):
    try:
        decoded = decode(body, f"text/html; charset={charset}" if charset else None)
    except DecodeError as exc:
        assert str(exc)
        return
    _encode_or_fail(decoded.text)
    assert "\x00" not in decoded.text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(FRAGMENTS, max_size=40), encoding=ENCODINGS, charset=CHARSETS,
       noise=st.binary(max_size=16), at=st.floats(0, 1))
def test_clean_page_returns_records_or_a_cleaning_error(parts, encoding, charset, noise, at):
    body = ("<html><head><title>学区制改革</title></head><body>" + "".join(parts) + "</body></html>").encode(
        encoding, "surrogatepass" if encoding.startswith("utf") else "replace")
    i = int(len(body) * at)
    body = body[:i] + noise + body[i:]
    try:
        result = clean_page(_raw(body, f"text/html; charset={charset}" if charset else None))
    except CleaningError as exc:
        assert str(exc)
        return
    for article in result.articles:
        assert article.text
        for value in (article.text, article.title, article.outlet, article.author, article.path):
            _encode_or_fail(value)


JSON_LINE = st.one_of(
    st.builds(lambda t: json.dumps({"text": t}, ensure_ascii=False), st.text(max_size=50)),
    st.builds(lambda t: json.dumps({"text": t}), st.text(max_size=50)),  # \\ud800 escapes included
    st.binary(max_size=60).map(lambda b: b.decode("latin-1")),
    st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
    st.just('{"text": "学区", "title": 3}'),
)


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(JSON_LINE, max_size=12), encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]))
def test_jsonl_reading_accounts_for_every_line_and_never_raises(lines, encoding):
    data = "\n".join(lines).encode(encoding, "surrogatepass" if encoding == "utf-8" else "replace")
    out = list(jsonl.read_records(data))
    for item in out:
        if isinstance(item, dict):
            jsonl.dumps(item).encode("utf-8")
            assert isinstance(item["text"], str)
        else:
            assert item.line >= 1 and item.message
    non_blank = sum(1 for _, text, problem in jsonl._lines(data) if problem or (text or "").strip())
    assert len(out) == non_blank


def _rows(store: Store) -> tuple[dict, dict]:
    return (dict(store.conn.execute("SELECT article_id, content_hash FROM articles").fetchall()),
            dict(store.conn.execute("SELECT page_id, content_hash FROM pages").fetchall()))


def _unaccounted(inputs, errors, store: Store) -> list[str]:
    """Inputs with neither a stored article nor an error line: silent drops."""
    with_articles = {h for (h,) in store.conn.execute(
        "SELECT DISTINCT p.content_hash FROM pages p JOIN articles a USING (page_id)").fetchall()}
    named = {Path(e.target).name[:5] for e in errors}
    dropped = []
    for item in inputs:
        digest = None if item.role == "special" else hashlib.sha256(item.path.read_bytes()).hexdigest()
        if item.path.name[:5] not in named and digest not in with_articles:
            dropped.append(f"{item.path.name} ({item.kind})")
    return dropped


def test_a_hostile_folder_after_a_good_one_accounts_for_every_input_and_keeps_every_row(tmp_path: Path):
    good = Path(__file__).parent / "fixtures" / "govdocs" / "pages"
    inputs = generate(tmp_path / "hostile", 70, seed=3, with_huge=False)
    with Store(tmp_path / "fuzz.duckdb") as store:
        ingest_paths(store, [good], KeywordClassifier())
        before = _rows(store)
        errors = []
        ingest_paths(store, [tmp_path / "hostile"], KeywordClassifier(), on_error=errors.append)
        after = _rows(store)
        assert _unaccounted(inputs, errors, store) == []
    assert before[0] and all(after[0].get(k) == v for k, v in before[0].items())
    assert all(after[1].get(k) == v for k, v in before[1].items())
    assert not [e for e in errors if e.message.startswith("unexpected error")]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000))
def test_ingest_accounts_for_every_input_of_generated_folders(tmp_path_factory, seed):
    folder = tmp_path_factory.mktemp("fuzz")
    inputs = generate(folder / "in", 15, seed=seed, with_huge=False)
    with Store(folder / "db.duckdb") as store:
        errors = []
        ingest_paths(store, [folder / "in"], KeywordClassifier(), on_error=errors.append)
        assert _unaccounted(inputs, errors, store) == []
    assert not [e for e in errors if e.message.startswith("unexpected error")]
