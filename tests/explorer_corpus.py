"""A small corpus for the explorer tests: reposts of one story, regions, both 教联体
senses, and an article whose title and outlet carry script (test scaffolding)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa

from edualliance.pipeline.snapshot import publish_snapshot
from edualliance.pipeline.store import Store

from test_digest import _article, _labels

#: Would change the page if it ever ran: the tests look for these marks.
SCRIPT_TITLE = ('<script>document.title="PWNED";document.body.dataset.pwned="1"</script>'
                '<img src=x onerror="document.body.dataset.pwned=2">教联体成员校联合教研')
SCRIPT_OUTLET = '"><svg onload="document.body.dataset.pwned=3">日报'
TOKEN = "explorer-test-token-0123456789"


def build(db: Path) -> Path:
    articles, labels, n = [], [], 0
    base = datetime(2025, 3, 3, 9)

    def add(label_list, sense=None, **kw):
        nonlocal n
        n += 1
        row = _article(n, **kw)
        articles.append(row)
        labels.extend(_labels(row["article_id"], label_list, row["stored_at"], sense))

    for k, outlet in enumerate(("温州日报", "浙江在线", "中国教育新闻网")):
        add(["jiaolianti"], published=base + timedelta(hours=k), title="温州启动教联体建设", province="浙江省",
            city="温州市", outlet=outlet, cluster="story-wz", canonical=k == 0,
            text="温州市教联体建设启动，三所名校牵头组建教联体，带动薄弱学校共同发展。")
    add(["urban_rural"], published=base + timedelta(days=7), title="成都城乡教育共同体扩容", province="四川省",
        city="成都市", outlet="四川日报", text="成都市城乡教育共同体扩容，结对帮扶乡村学校。")
    add(["jiaolianti"], sense="home_school_society", published=base + timedelta(days=14), title="长沙家校社教联体",
        province="湖南省", city="长沙市", outlet="长沙晚报", text="长沙市家校社协同育人教联体成立。")
    add(["group_run"], published=base + timedelta(days=21), title="南京组建教育集团", province="江苏省",
        city="南京市", outlet="新华日报", text="南京市组建紧密型教育集团，集团化办学覆盖率达到八成。")
    add(["jiaolianti"], published=base + timedelta(days=28), title=SCRIPT_TITLE, province="广东省", city="广州市",
        outlet=SCRIPT_OUTLET, url="javascript:document.body.dataset.pwned=4",
        text="广州市教联体成员校联合教研。<script>document.body.dataset.pwned=5</script>")
    with Store(db) as store:
        store.publish_on_finish = False
        store.bulk_load_articles(pa.Table.from_pylist(articles))
        store.bulk_load_classifications(pa.Table.from_pylist(labels))
        for row in articles:  # the raw capture each article came from
            store.conn.execute(
                "INSERT INTO pages (page_id, page_key, url, final_url, source, fetched_at, status, content_type,"
                " declared_encoding, detected_encoding, content_hash, body, run_id)"
                " VALUES (?, ?, ?, ?, 'test', ?, 200, 'text/html', NULL, 'utf-8', ?, ?, 1)",
                [row["page_id"], row["page_key"], row["url"], row["url"], row["stored_at"], "c" * 64,
                 f"<html><title>{row['title']}</title></html>".encode()])
        # what later stages found (the article page shows them): a figure in the Wenzhou story,
        # a policy document named in the article whose title carries script
        store.conn.execute(
            "INSERT INTO facts (article_id, seq, value, unit, counted, noun, model, province, city, year, is_target,"
            " as_written, sentence, paragraph, char_offset) VALUES (?, 0, 3, '所', 'schools', '名校', 'jiaolianti',"
            " '浙江省', '温州市', 2025, false, '三所', '三所名校牵头组建教联体', 0, 8)", [articles[0]["article_id"]])
        store.conn.execute(
            "INSERT INTO document_mentions (article_id, seq, document_key, title, kind, issuers, level, models,"
            " relation, sentence) VALUES (?, 0, 'doc-1', ?, '方案', ['广州市教育局'], 'city', ['jiaolianti'],"
            " 'cites', ?)", [articles[-1]["article_id"], SCRIPT_TITLE + "实施方案", "根据《" + SCRIPT_TITLE + "》"])
        return publish_snapshot(store)
