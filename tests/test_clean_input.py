"""Decoding, and bad input: every bad page is a CleaningError with a clear message, never a crash."""

from __future__ import annotations

import codecs
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edualliance.pipeline.clean import MAX_PAGE_BYTES, CleaningError, clean_page
from edualliance.pipeline.decode import DecodeError, common_han_share, decode
from edualliance.pipeline.records import RawPage

ARTICLE = ("为推动城乡义务教育优质均衡发展，全县中小学组成六个教育联合体，由城区优质学校牵头，"
           "乡村学校共同参与，实行管理互通、研训联动、质量共进的运行机制。")
TRADITIONAL = ("為推動城鄉義務教育優質均衡發展，全縣中小學組成六個教育聯合體，由城區優質學校牽頭，"
               "鄉村學校共同參與，實行管理互通、研訓聯動、質量共進的運行機制。")


def raw(body: bytes, **kw) -> RawPage:
    return RawPage(body=body, source="test", fetched_at=datetime.now(timezone.utc), **kw)


def html(text: str, title: str = "教育联合体") -> str:
    return f"<html><head><title>{title}</title></head><body><h1>{title}</h1><p>{text}</p></body></html>"


# -- decoding ---------------------------------------------------------------------------


def test_bom_wins_and_is_recorded():
    decoded = decode(codecs.BOM_UTF8 + ARTICLE.encode("utf-8"))
    assert decoded.used_encoding == "utf-8-sig" and decoded.text == ARTICLE


def test_strict_utf8_beats_a_wrong_declaration():
    decoded = decode(html(ARTICLE).encode("utf-8"), "text/html; charset=gbk")
    assert decoded.declared_encoding == "gbk" and decoded.used_encoding == "utf-8"


def test_declared_gb2312_is_read_with_the_gb18030_superset():
    body = html(ARTICLE + "镕").encode("gb18030")  # 镕 is GBK, not GB2312
    decoded = decode(body, "text/html; charset=gb2312")
    assert decoded.declared_encoding == "gb2312" and decoded.used_encoding == "gb18030"
    assert "镕" in decoded.text


def test_undeclared_gbk_and_big5():
    assert decode(html(ARTICLE).encode("gbk")).used_encoding == "gb18030"
    decoded = decode(html(TRADITIONAL, "教育聯合體").encode("big5"))
    assert decoded.used_encoding == "big5hkscs" and TRADITIONAL in decoded.text


def test_big5_bytes_read_as_gb18030_are_implausible():
    garbled = TRADITIONAL.encode("big5").decode("gb18030", "replace")
    assert common_han_share(garbled) < 0.8 < common_han_share(ARTICLE)


def test_one_truncated_character_does_not_lose_the_page():
    body = html(ARTICLE * 20).encode("gbk")
    cut = body.replace("教育联合体</title>".encode("gbk"), "教育联合".encode("gbk") + b"\xcc</title>", 1)
    decoded = decode(cut, "text/html; charset=gb2312")
    assert decoded.used_encoding == "gb18030" and ARTICLE in decoded.text


def test_undecodable_bytes_are_a_decode_error():
    # lead bytes of GBK/Big5 each followed by DEL: no CJK encoding has such pairs
    noise = b"".join(bytes((0x81 + (i * 37) % 0x7E, 0x7F)) for i in range(4000))
    with pytest.raises(DecodeError, match="undecodable"):
        decode(noise)


# -- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, message",
    [
        (b"", "empty"),
        (b"   \n\t  ", "empty"),
        (bytes(range(256)) * 64, "binary"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000, "binary"),
        (b"".join(bytes((0x81 + (i * 37) % 0x7E, 0x7F)) for i in range(4000)), "undecodable"),
    ],
    ids=["empty", "whitespace", "binary", "png", "undecodable"],
)
def test_bad_bytes_are_cleaning_errors(body, message):
    with pytest.raises(CleaningError, match=message):
        clean_page(raw(body, content_type="text/html"))


def test_truncated_page_is_cleaned_or_refused_cleanly():
    body = html(ARTICLE * 5).encode("utf-8")
    for cut in (len(body) // 3, len(body) // 2, len(body) - 7):
        try:
            result = clean_page(raw(body[:cut], content_type="text/html"))
        except CleaningError as exc:
            assert str(exc)
        else:
            assert all(a.text for a in result.articles)


def test_page_over_the_size_limit():
    body = b"<html><body>" + ("<p>" + ARTICLE + "</p>").encode("utf-8") * (30 * 2**20 // 250) + b"</body></html>"
    assert len(body) > MAX_PAGE_BYTES
    with pytest.raises(CleaningError, match="MB page limit"):
        clean_page(raw(body, content_type="text/html"))


def test_five_thousand_levels_of_nesting_keep_their_text():
    # libxml2 drops text below 256 levels: such a page is read without a tree, not refused.
    body = ("<html><body>" + "<div>" * 5000 + ARTICLE + "</div>" * 5000 + "</body></html>").encode("utf-8")
    (article,) = clean_page(raw(body, content_type="text/html")).articles
    assert ARTICLE in article.text


def test_moderate_nesting_is_fine():
    body = ("<html><body>" + "<div>" * 200 + f"<p>{ARTICLE}</p>" + "</div>" * 200 + "</body></html>").encode()
    (article,) = clean_page(raw(body, content_type="text/html")).articles
    assert ARTICLE in article.text


def test_markup_without_text():
    with pytest.raises(CleaningError, match="no article text"):
        clean_page(raw(b"<html><body><div><img src='a.png'></div></body></html>", content_type="text/html"))


# -- damaged pages ----------------------------------------------------------------------

_FIXTURES = sorted((Path(__file__).parent / "fixtures" / "pages").iterdir())


@settings(max_examples=60, deadline=None)
@given(page=st.sampled_from(_FIXTURES), cut=st.floats(0, 1), noise=st.binary(max_size=64),
       at=st.floats(0, 1), content_type=st.sampled_from([None, "text/html", "text/html; charset=utf-8"]))
def test_damaged_pages_clean_or_raise_cleaning_error(page, cut, noise, at, content_type):
    body = page.read_bytes()
    body = body[: int(len(body) * cut)]
    i = int(len(body) * at)
    body = body[:i] + noise + body[i:]
    try:
        result = clean_page(raw(body, content_type=content_type))
    except CleaningError as exc:
        assert str(exc)
    else:
        assert all(a.text and a.article_id for a in result.articles)
