"""Taxonomy patterns as features: how often each name or construction of docs/taxonomy.md occurs.

Bag-of-words sees 片区, 教研 and 共同体 as three words; the patterns see
"片区 … 共同体" as one construction, however many words stand between (新桥片区
小学教研共同体), and 城区/县城 … 乡村/农村 … 学校 as a pairing of town and country
schools. Each pattern is one feature (SCALE × log(1 + count)); the linear models
learn how much each one counts for each label, including the boundary
patterns (学区房, 医共体, 职教集团 …) that count against.
"""

from __future__ import annotations

import re

#: (readable name, pattern). Patterns run on Simplified prose.
PATTERNS: tuple[tuple[str, str], ...] = (
    # jiaolianti
    ("教联体", r"教联体"),
    # the union's official full name (县域义务教育一体化联合发展共同体), which documents use unabbreviated
    ("教育联合体/联合发展共同体", r"教育联合体|城乡教育联合体|联合发展共同体"),
    ("融合型/共建型/协作型", r"(?:融合|共建|协作|紧密)型(?:教联体|教共体|共同体)"),
    ("家校社协同育人", r"家校社|校家社|协同育人"),
    # a 教联体 sentence about town and country schools: the union's urban–rural aim (docs/taxonomy.md)
    ("教联体…城乡", r"教联体[^。；;]{0,80}(?:城乡|乡村|农村|村小|乡镇|偏远)|(?:城乡|乡村|农村|村小|乡镇|偏远)[^。；;]{0,80}教联体"),
    ("十七部门方案", r"十七部门|17部门|以学校为圆心"),
    # group_run
    ("集团化办学", r"集团化办学|集团化管理|办学集团化|教育集团化"),
    ("教育集团", r"教育集团|集团校|集团内|集团成员|(?:紧密|松散|协作)型(?:教育)?集团"),
    ("总校长/一校多区", r"总校长|总校|一校多[区址]|名校办分校|名校\+"),
    ("成员校/牵头校", r"成员校|成员学校|牵头学校|牵头校|龙头学校|核心校"),
    ("深度联盟", r"深度联盟|学校联盟|联盟学校"),
    # district_community
    ("学区制/学区化", r"学区制|学区化|学区治理|学区一体化"),
    ("大学区", r"大学区|学区长"),
    ("学区", r"学区(?!房)"),
    ("片区…共同体", r"片区[^，。；,;]{0,12}共同体|片区学校|片区教研|片区内"),
    ("联片教研", r"联片|教研片区|教研共同体"),
    # urban_rural
    ("城乡…共同体", r"城乡[^，。；,;]{0,10}共同体|城乡[^，。；,;]{0,6}联盟|城乡[^，。；,;]{0,6}联合体"),
    ("教共体", r"教共体"),
    ("结对", r"结对|结成对子|姊妹学?校"),
    ("帮扶", r"帮扶|对口支援|东西部协作|山海协作|支教"),
    ("托管/委托管理", r"委托管理|受托管理|托管(?!班)"),
    ("捆绑", r"捆绑"),
    ("城镇…乡村学校", r"(?:城区|城镇|县城|城市|市区|镇区)[^。；;]{0,20}(?:乡村|农村|乡镇|村小|偏远)[^。；;]{0,8}(?:学校|小学|中学|初中|校)"),
    ("以城带乡/以强带弱", r"以城带乡|以强带弱|强校带弱校|城乡一体"),
    # boundary cases (count against)
    ("学区房", r"学区房|学位房"),
    ("划片/就近入学", r"划片|对口入学|就近入学|招生范围|服务范围"),
    ("医共体/医联体", r"医共体|医联体|医疗卫生共同体|医疗集团|卫生院"),
    ("职教/产教", r"职教集团|职业教育集团|产教融合|校企合作|职业院校"),
    ("企业/公司", r"企业集团|集团公司|股份|上市|营收|有限公司"),
    ("高校/产业联盟", r"高校联盟|大学联盟|战略联盟|产业联盟"),
    ("命运/学习共同体", r"命运共同体|民族共同体|学习共同体"),
    ("课后/暑期托管", r"课后托管|暑期托管|假期托管|托管班|托管服务"),
)

_COMPILED = tuple(re.compile(p) for _, p in PATTERNS)
#: The default scale; the pipeline passes its own (build.DEFAULT_PARAMS["pattern_scale"]).
SCALE = 0.1


def pattern_counts(texts, scale: float = SCALE):
    """texts → (n, len(PATTERNS)) matrix of scale × log(1 + count)."""
    # numpy and scipy here, not at import: pipeline.facts reads PATTERNS in processes
    # (a crawl's storing process) that load no model libraries.
    import numpy as np
    from scipy import sparse

    rows = [[len(pattern.findall(text)) for pattern in _COMPILED] for text in texts]
    dense = scale * np.log1p(np.asarray(rows, dtype=np.float64).reshape(len(rows), len(_COMPILED)))
    return sparse.csr_matrix(dense)


def pattern_names(transformer=None, input_features=None) -> np.ndarray:
    """Feature names (FunctionTransformer's ``feature_names_out`` callable)."""
    import numpy as np

    return np.array([f"«{name}»" for name, _ in PATTERNS], dtype=object)
