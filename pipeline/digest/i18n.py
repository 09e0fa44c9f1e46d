"""The digest's words in Chinese and English: headings, prose, model names, and
English glosses of Chinese region names.

Titles, outlets and snippets stay as the pages print them (Chinese) in both
languages; only the digest's own prose is translated. Region names keep their
Chinese form in English too, followed by a gloss: the province's English name
from the table below, else the name's pinyin (pypinyin), without the
administrative suffix (广州市 → Guangzhou).
"""

from __future__ import annotations

from functools import lru_cache

LANGS: tuple[str, ...] = ("zh", "en")

#: What a model row is called. ``jiaolianti`` counts the school-alliance sense only;
#: ``jiaolianti_home_school`` is the other sense (家校社协同育人), shown apart.
MODEL_NAMES: dict[str, dict[str, str]] = {
    "zh": {
        "jiaolianti": "教联体（学校联盟）",
        "jiaolianti_home_school": "教联体（家校社协同育人，另计）",
        "group_run": "集团化办学",
        "district_community": "学区制/片区共同体",
        "urban_rural": "城乡学校共同体",
        "none": "不属四类",
    },
    "en": {
        "jiaolianti": "教联体 school alliances (jiaolianti)",
        "jiaolianti_home_school": "教联体 home–school–society sense (counted apart)",
        "group_run": "集团化办学 group-run schooling",
        "district_community": "学区制 school districts",
        "urban_rural": "城乡学校共同体 urban–rural communities",
        "none": "none of the four",
    },
}

#: Short names for chart legends (PNG charts fall back to these without a CJK font).
SHORT_NAMES: dict[str, dict[str, str]] = {
    "zh": {"jiaolianti": "教联体", "jiaolianti_home_school": "教联体(家校社)", "group_run": "集团化办学",
           "district_community": "学区制", "urban_rural": "城乡共同体"},
    "en": {"jiaolianti": "jiaolianti", "jiaolianti_home_school": "jiaolianti (home-school)",
           "group_run": "group-run", "district_community": "districts", "urban_rural": "urban-rural"},
}

#: Provinces' usual English names (the pinyin of the rest would be right but unusual).
PROVINCE_EN: dict[str, str] = {
    "北京市": "Beijing", "天津市": "Tianjin", "上海市": "Shanghai", "重庆市": "Chongqing",
    "河北省": "Hebei", "山西省": "Shanxi", "辽宁省": "Liaoning", "吉林省": "Jilin",
    "黑龙江省": "Heilongjiang", "江苏省": "Jiangsu", "浙江省": "Zhejiang", "安徽省": "Anhui",
    "福建省": "Fujian", "江西省": "Jiangxi", "山东省": "Shandong", "河南省": "Henan",
    "湖北省": "Hubei", "湖南省": "Hunan", "广东省": "Guangdong", "海南省": "Hainan",
    "四川省": "Sichuan", "贵州省": "Guizhou", "云南省": "Yunnan", "陕西省": "Shaanxi",
    "甘肃省": "Gansu", "青海省": "Qinghai", "台湾省": "Taiwan",
    "内蒙古自治区": "Inner Mongolia", "广西壮族自治区": "Guangxi", "西藏自治区": "Tibet",
    "宁夏回族自治区": "Ningxia", "新疆维吾尔自治区": "Xinjiang",
    "香港特别行政区": "Hong Kong", "澳门特别行政区": "Macao",
}

_SUFFIXES = ("自治州", "地区", "新区", "市", "区", "县", "盟", "州", "省")

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "教育政策动态周报 {week}",
        "intro": "{start} 至 {end}（北京时间）：共 {stories} 篇报道（含转载 {articles} 篇）；标签来自模型 `{model}`。",
        "not_collected_week": "本周早于采集开始（{since}），没有数据：以下数字不代表“零报道”。",
        "first_week": "采集从本周开始：本周各地区的报道是语料中的第一批，不计为“首次报道”。",
        "h_models": "各模式报道数",
        "models_note": "报道数（一篇报道及其转载只计一次），占本周全部报道的比例，以及前 {n} 个已采集周的平均值。",
        "share_note": "一篇报道可同时属于多个模式，所以各行比例之和可能超过 100%。",
        "sense_note": "“教联体”只计学校联盟意义上的报道；家校社协同育人意义上的“教联体”另列一行，不计入学校联盟。",
        "col_model": "模式", "col_stories": "报道", "col_articles": "文章（含转载）", "col_share": "占本周比例",
        "col_mean": "前 {n} 周平均",
        "weekly_intro": "{first} 至 {last} 各周报道数（“未采集”表示该周早于采集开始）：",
        "col_week": "周", "col_all": "全部报道", "not_collected": "未采集", "no_mean": "无",
        "h_first": "首次报道某一模式的地区",
        "first_none": "本周没有省份或城市首次报道某一模式。",
        "first_withheld": "采集从本周开始，{n} 个地区的报道是语料中最早的，不计为首次报道。",
        "col_level": "层级", "col_region": "地区", "col_first": "首次报道", "col_article": "文章",
        "col_outlet": "媒体", "level_province": "省", "level_city": "市",
        "h_diffusion": "扩散情况",
        "col_prov_before": "此前省份", "col_prov_now": "现在省份", "col_city_before": "此前城市",
        "col_city_now": "现在城市",
        "h_top": "本周要闻",
        "top_none": "本周没有关于四类模式的报道。",
        "col_story": "报道", "col_outlets": "媒体数", "col_published": "最早发布",
        "untitled": "（无标题）", "carried_by": "刊载：",
        "h_terms": "新出现的词",
        "terms_note": "本周报道中比前 {n} 周更常见的词（本周抽样 {now} 篇，此前 {before} 篇）。",
        "terms_none": "本周没有突出的词。",
        "col_term": "词", "col_term_now": "本周报道", "col_term_share": "比例", "col_term_before": "此前比例",
        "h_sources": "来源状况",
        "runs_none": "本周时间窗内没有运行记录（{start} 至 {end}，北京时间），本周没有采集。",
        "runs_line": "本周时间窗内运行 {runs} 次（{failed} 次失败）；{active} 个来源带来了新的或更新的文章。",
        "later_note": "本周发布的文章由其他时间的运行采集。",
        "col_source": "来源", "col_runs": "运行", "col_listed": "列出", "col_fetched": "抓取",
        "col_new": "新增", "col_updated": "更新", "col_errors": "错误",
        "silent": "本周运行中没有带来文章、而此前运行带来过文章的来源：",
        "col_last_new": "此前新增",
        "flags": "运行标记：",
        "failures": "本周的失败：", "col_stage": "阶段", "col_example": "示例",
        "failed_runs": "失败的运行：", "all_well": "没有来源失败或沉默。",
        "chart_lines": "各模式每周报道数（最近 {n} 周，本周为阴影）",
        "chart_bars": "本周与前 {n} 个已采集周平均（虚线）",
        "chart_diffusion": "{model}：报道它的省份（累计）",
        "y_stories": "报道", "y_regions": "地区",
        "run": "运行", "lang_other": "English",
    },
    "en": {
        "title": "Policy-trend digest {week}",
        "intro": "Week of {start} to {end} (Beijing time): {stories} stories ({articles} articles with reposts);"
                 " labels by `{model}`.",
        "not_collected_week": "This week is before collection began ({since}): there is no data, which is"
                              " not the same as no news.",
        "first_week": "Collection began this week: regions seen this week are the corpus's first, not counted"
                      " as first reports.",
        "h_models": "Stories per model type",
        "models_note": "Stories (a story and its reposts count once) per model type, their share of all stories"
                       " this week, and the mean of the previous {n} collected weeks.",
        "share_note": "A story can belong to several model types, so the shares can add up to more than 100%.",
        "sense_note": "教联体 counts stories in the school-alliance sense only; the home–school–society sense"
                      " (家校社协同育人) is shown apart and not counted with it.",
        "col_model": "model type", "col_stories": "stories", "col_articles": "articles", "col_share": "share of the week",
        "col_mean": "mean of previous {n} weeks",
        "weekly_intro": "Weekly stories per model type, {first} to {last} (\"not collected\": before collection"
                        " began):",
        "col_week": "week", "col_all": "all stories", "not_collected": "not collected", "no_mean": "none",
        "h_first": "Regions reporting a model for the first time",
        "first_none": "No province or city reported a model for the first time this week.",
        "first_withheld": "Collection began this week: {n} regions seen for the first time are the corpus's"
                          " earliest, not counted as first reports.",
        "col_level": "level", "col_region": "region", "col_first": "first report", "col_article": "article",
        "col_outlet": "outlet", "level_province": "province", "level_city": "city",
        "h_diffusion": "Diffusion so far",
        "col_prov_before": "provinces before", "col_prov_now": "provinces now", "col_city_before": "cities before",
        "col_city_now": "cities now",
        "h_top": "Top stories",
        "top_none": "No story about a reform model this week.",
        "col_story": "story", "col_outlets": "outlets", "col_published": "first published",
        "untitled": "(untitled)", "carried_by": "carried by: ",
        "h_terms": "Emerging terms",
        "terms_note": "Words in more of this week's stories than in the previous {n} weeks (sampled {now}"
                      " stories this week, {before} before).",
        "terms_none": "No term stands out this week.",
        "col_term": "term", "col_term_now": "stories this week", "col_term_share": "share",
        "col_term_before": "share before",
        "h_sources": "Sources",
        "runs_none": "No run was recorded in this week's window ({start} to {end}, Beijing time): nothing was"
                     " collected this week.",
        "runs_line": "Runs in this week's window: {runs} ({failed} failed). Sources that delivered new or"
                     " updated articles: {active}.",
        "later_note": "The articles published this week were collected by runs at other times.",
        "col_source": "source", "col_runs": "runs", "col_listed": "listed", "col_fetched": "fetched",
        "col_new": "new", "col_updated": "updated", "col_errors": "errors",
        "silent": "Sources that delivered nothing in this week's runs but did before:",
        "col_last_new": "new in earlier runs",
        "flags": "Flags raised by the runs:",
        "failures": "Failures this week:", "col_stage": "stage", "col_example": "example",
        "failed_runs": "Runs that failed: ", "all_well": "No source failed or went silent.",
        "chart_lines": "Stories per model type, last {n} weeks (this week shaded)",
        "chart_bars": "This week against the mean of the previous {n} collected weeks (dashed)",
        "chart_diffusion": "{model}: provinces reporting it (cumulative)",
        "y_stories": "stories", "y_regions": "regions",
        "run": "run", "lang_other": "中文",
    },
}


def t(lang: str, key: str, **values: object) -> str:
    """The digest's text ``key`` in ``lang``, with ``values`` filled in."""
    return TEXT[lang][key].format(**values)


@lru_cache(maxsize=4096)
def gloss(name: str) -> str:
    """English gloss of a Chinese region name: 浙江省 → Zhejiang, 广州市 → Guangzhou."""
    if name in PROVINCE_EN:
        return PROVINCE_EN[name]
    from pypinyin import lazy_pinyin

    stem = name
    for suffix in _SUFFIXES:
        if stem.endswith(suffix) and len(stem) > len(suffix) + 1:
            stem = stem[: -len(suffix)]
            break
    syllables = lazy_pinyin(stem, errors="ignore")
    return "".join(syllables).capitalize() if syllables else name


def region_name(lang: str, province: str | None, city: str | None = None) -> str:
    """How a region is written: Chinese as printed; in English with glosses (广州市 (Guangzhou))."""
    parts = [p for p in (province, city) if p]
    if lang == "en":
        return " ".join(f"{p} ({gloss(p)})" for p in parts)
    return " ".join(parts)


def model_name(lang: str, label: str) -> str:
    return MODEL_NAMES[lang].get(label, label)
