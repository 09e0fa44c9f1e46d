"""A generated corpus, for benchmarks and tests of the research layer (not shipped).

Articles are built from sentence templates naming real provinces, cities,
outlets and the four reform models, spread over a span of weeks, with a
share of reposts (same story, another outlet). The result is two Arrow
tables shaped like ``articles`` and ``classifications``, ready for
``Store.bulk_load_articles`` / ``Store.bulk_load_classifications``.
Deterministic for a given seed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from edualliance.pipeline.records import LABELS, sha256_hex

if TYPE_CHECKING:
    import pyarrow as pa

PROVINCES: dict[str, tuple[str, ...]] = {
    "北京市": ("北京市",), "上海市": ("上海市",), "天津市": ("天津市",), "重庆市": ("重庆市",),
    "河北省": ("石家庄市", "保定市", "唐山市"), "山西省": ("太原市", "大同市"),
    "辽宁省": ("沈阳市", "大连市"), "吉林省": ("长春市", "吉林市"), "黑龙江省": ("哈尔滨市", "齐齐哈尔市"),
    "江苏省": ("南京市", "苏州市", "无锡市"), "浙江省": ("杭州市", "宁波市", "温州市"),
    "安徽省": ("合肥市", "芜湖市"), "福建省": ("福州市", "厦门市"), "江西省": ("南昌市", "赣州市"),
    "山东省": ("济南市", "青岛市", "潍坊市"), "河南省": ("郑州市", "洛阳市"), "湖北省": ("武汉市", "宜昌市"),
    "湖南省": ("长沙市", "株洲市"), "广东省": ("广州市", "深圳市", "揭阳市"), "海南省": ("海口市", "三亚市"),
    "四川省": ("成都市", "绵阳市"), "贵州省": ("贵阳市", "遵义市"), "云南省": ("昆明市", "曲靖市"),
    "陕西省": ("西安市", "宝鸡市"), "甘肃省": ("兰州市", "天水市"), "青海省": ("西宁市",),
    "内蒙古自治区": ("呼和浩特市", "包头市"), "广西壮族自治区": ("南宁市", "柳州市"),
    "西藏自治区": ("拉萨市",), "宁夏回族自治区": ("银川市",), "新疆维吾尔自治区": ("乌鲁木齐市",),
}

OUTLETS: tuple[str, ...] = (
    "中国教育报", "中国教育新闻网", "人民日报", "光明日报", "新华网", "中国青年报", "教育部网站",
    "澎湃新闻", "中国新闻网", "央广网",
) + tuple(f"{p[:2]}教育发布" for p in PROVINCES) + tuple(f"{p[:2]}日报" for p in PROVINCES)

#: label → (title template, sentence templates). {p} province, {c} city.
TEMPLATES: dict[str, tuple[str, tuple[str, ...]]] = {
    "jiaolianti": (
        "{c}推进“教联体”建设 促进家校社协同育人",
        (
            "{c}教育局印发方案，全面推进教联体建设，构建学校家庭社会协同育人新格局。",
            "各教联体成员单位定期召开联席会议，统筹课后服务与社会实践资源。",
            "{p}将教联体建设纳入年度教育督导重点。",
        ),
    ),
    "group_run": (
        "{c}深化集团化办学 扩大优质教育资源覆盖面",
        (
            "{c}新组建紧密型教育集团12个，集团化办学覆盖率达到八成。",
            "集团校之间实行教师交流轮岗和课程共享，名校+模式持续推进。",
            "{p}出台意见，推动集团化办学提质扩面。",
        ),
    ),
    "district_community": (
        "{c}推行学区制管理改革 片区共同体提升办学质量",
        (
            "{c}全面实施学区制管理，每个学区设立学区长，统筹学区内师资调配。",
            "片区学校共同体开展联片教研，实现资源共享和优势互补。",
            "{p}大学区改革试点经验在全省推广。",
        ),
    ),
    "urban_rural": (
        "{c}组建城乡教育共同体 推动县域义务教育优质均衡",
        (
            "{c}城区学校与乡村学校组建城乡教育共同体，开展结对帮扶。",
            "通过教共体建设，乡村学校教师到城区学校跟岗研修，课堂质量明显提升。",
            "{p}推进城乡学校共同体建设，实现县域内结对互助全覆盖。",
        ),
    ),
}

FILLER: tuple[str, ...] = (
    "会议强调，要坚持以人民为中心的发展思想，办好人民满意的教育。",
    "据了解，当地今年新建改扩建中小学校若干所，新增学位数千个。",
    "下一步，将持续加强督导评估，确保各项举措落地见效。",
    "学校负责人表示，将进一步完善管理机制，提升育人质量。",
    "家长普遍反映，孩子在家门口就能享受到优质教育资源。",
    "此次活动吸引了来自各地的教育工作者参加。",
)

NONE_TITLE = "{c}召开全市教育工作会议 部署新学年重点任务"

PROVINCE_LIST = tuple(PROVINCES)


def generate(n: int, *, end: datetime = datetime(2026, 11, 22, 12, 0), years: float = 5.0,
             seed: int = 7, repost_share: float = 0.3, model_version: str = "bench-1",
             with_clusters: bool = False) -> tuple[pa.Table, pa.Table]:
    """(articles, classifications) Arrow tables with ``n`` articles over ``years`` years before ``end``.

    About a fifth of the articles carry no label; labelled ones name one model
    (sometimes two). A ``repost_share`` of articles repeat an earlier story
    under another outlet; with ``with_clusters`` the tables carry
    ``cluster_id``/``is_canonical`` the way the cleaning stage writes them.
    """
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    span = int(years * 365 * 24 * 3600)
    # Later years carry more articles (the reforms spread): skew the times toward the end.
    offsets = (np.sqrt(rng.random(n)) * span).astype(np.int64)
    offsets.sort()
    start = end - timedelta(seconds=span)
    published = np.datetime64(start, "s") + offsets.astype("timedelta64[s]")
    province_idx = rng.integers(0, len(PROVINCE_LIST), n)
    # Each model reaches each province at some point (diffusion): before it, articles there carry no label.
    label_choice = rng.choice(5, n, p=[0.2, 0.2, 0.15, 0.25, 0.2])  # 4 = none
    adoption = rng.random((4, len(PROVINCE_LIST))) * span * 0.8
    labelled = label_choice < 4
    not_yet = np.zeros(n, dtype=bool)
    not_yet[labelled] = offsets[labelled] < adoption[label_choice[labelled], province_idx[labelled]]
    label_choice[not_yet] = 4
    second = rng.random(n) < 0.1
    outlet_idx = rng.integers(0, len(OUTLETS), n)
    city_pick = rng.integers(0, 3, n)
    filler_pick = rng.integers(0, len(FILLER), (n, 3))
    is_repost = rng.random(n) < repost_share
    repost_of = np.maximum(np.arange(n) - rng.integers(1, 50, n), 0)

    article_ids, titles, texts, provinces, cities, outlets, clusters, canonical = [], [], [], [], [], [], [], []
    for i in range(n):
        label = int(label_choice[i])
        src = int(repost_of[i]) if is_repost[i] and i > 0 else i
        if src != i:
            # A repost: the story's text and region, another outlet.
            titles.append(titles[src])
            texts.append(texts[src])
            provinces.append(provinces[src])
            cities.append(cities[src])
            label_choice[i] = label_choice[src]
            second[i] = second[src]
            clusters.append(clusters[src])
            canonical.append(False)
        else:
            province = PROVINCE_LIST[int(province_idx[i])]
            city_options = PROVINCES[province]
            city = city_options[int(city_pick[i]) % len(city_options)]
            if label == 4:
                title = NONE_TITLE.format(c=city)
                sentences = [FILLER[int(k)] for k in filler_pick[i]]
            else:
                title_t, body = TEMPLATES[LABELS[label]]
                title = title_t.format(c=city)
                sentences = [s.format(p=province, c=city) for s in body]
                if second[i]:
                    other = LABELS[(label + 1) % 4]
                    sentences.append(TEMPLATES[other][1][0].format(p=province, c=city))
                sentences += [FILLER[int(k)] for k in filler_pick[i][:2]]
            titles.append(title)
            texts.append("\n".join(sentences))
            provinces.append(province)
            cities.append(city)
            clusters.append(None)  # set below, once the id exists
            canonical.append(True)
        article_id = sha256_hex(f"synthetic:{seed}:{i}")[:20]
        article_ids.append(article_id)
        if clusters[-1] is None:
            clusters[-1] = article_id
        outlets.append(OUTLETS[int(outlet_idx[i])])

    keys = [f"https://news.example.cn/{seed}/{i}.html" for i in range(n)]
    hashes = [sha256_hex(t) for t in texts]
    pub_list = published.astype("datetime64[us]")
    stored = pub_list + np.timedelta64(3, "h")
    columns = {
        "article_id": article_ids,
        "page_id": [sha256_hex(k)[:24] for k in keys],
        "page_key": keys,
        "part": pa.array(np.zeros(n, dtype=np.int32)),
        "url": keys,
        "path": pa.nulls(n, pa.string()),
        "source": pa.array(["synthetic"] * n),
        "site": pa.array(["news.example.cn"] * n),
        "title": titles,
        "published_at": pa.array(pub_list, pa.timestamp("us")),
        "outlet": outlets,
        "reposted_from": pa.nulls(n, pa.string()),
        "author": pa.nulls(n, pa.string()),
        "text": texts,
        "text_normalized": texts,
        "content_hash": hashes,
        "script": pa.array(["simplified"] * n),
        "extractor_version": pa.array(["synthetic-1"] * n),
        "region_province": provinces,
        "region_city": cities,
        "region_county": pa.nulls(n, pa.string()),
        "stored_at": pa.array(stored, pa.timestamp("us")),
        "updated_at": pa.array(stored, pa.timestamp("us")),
    }
    if with_clusters:
        columns["cluster_id"] = clusters
        columns["is_canonical"] = canonical
    articles = pa.table(columns)

    # Classifications: four rows per article.
    labels_col = np.tile(np.array(LABELS, dtype=object), n)
    primary_idx = np.repeat(label_choice, 4)
    label_pos = np.tile(np.arange(4), n)
    second_rep = np.repeat(second, 4)
    is_primary = (primary_idx == label_pos) & (primary_idx < 4)
    is_second = second_rep & (primary_idx < 4) & (((primary_idx + 1) % 4) == label_pos)
    assigned = is_primary | is_second
    noise = rng.random(4 * n) * 0.3
    score = np.where(is_primary, 0.7 + noise, np.where(is_second, 0.55 + noise * 0.5, noise))
    classified = np.repeat(stored, 4)
    classifications = pa.table({
        "article_id": np.repeat(np.array(article_ids, dtype=object), 4),
        "model_version": pa.array([model_version] * (4 * n)),
        "label": labels_col,
        "score": score,
        "assigned": assigned,
        "is_primary": is_primary,
        "sense": pa.array(np.where((label_pos == 0) & assigned, "school_alliance", None)),
        "classified_at": pa.array(classified, pa.timestamp("us")),
    })
    return articles, classifications
