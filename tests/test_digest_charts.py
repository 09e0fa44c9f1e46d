"""The inline SVG charts: well-formed, escaped, coloured per label, sane with no data."""

from __future__ import annotations

from datetime import date, datetime
from xml.etree import ElementTree

from edualliance.pipeline.charts import COLOURS, bar_chart, diffusion_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert(1)</script>" onload="x'


def _parse(svg: str) -> ElementTree.Element:
    root = ElementTree.fromstring(svg)  # raises on anything not well-formed
    assert root.tag == f"{SVG}svg"
    assert not list(root.iter(f"{SVG}script"))
    for element in root.iter():
        assert not [name for name in element.attrib if name.lower().startswith("on")]
    return root


def test_line_chart_has_a_line_per_series_in_its_colour_and_escapes_names():
    svg = line_chart({"jiaolianti": [1, 2, 3], "urban_rural": [0, 5, 1]}, ["W1", "W2", HOSTILE],
                     title=HOSTILE, y_title="stories", names={"jiaolianti": HOSTILE})
    root = _parse(svg)
    lines = root.findall(f"{SVG}polyline")
    assert [line.get("stroke") for line in lines] == [COLOURS["jiaolianti"], COLOURS["urban_rural"]]
    assert all(len(line.get("points").split()) == 3 for line in lines)
    assert HOSTILE in "".join(root.itertext())  # shown as text


def test_bar_chart_and_reference_ticks():
    root = _parse(bar_chart({"group_run": 4, "district_community": 0}, title="t",
                            reference={"group_run": 2.5, "district_community": 1.0}))
    bars = [r for r in root.findall(f"{SVG}rect") if r.get("fill") in COLOURS.values()]
    assert [b.get("fill") for b in bars] == [COLOURS["group_run"], COLOURS["district_community"]]
    assert len(root.findall(f"{SVG}line")) == 2


def test_charts_with_no_data_still_render():
    _parse(line_chart({}, [], title="empty", y_title="stories"))
    _parse(bar_chart({}, title="empty"))
    root = _parse(diffusion_chart([], title="nothing yet"))
    assert "No region has reported it yet." in "".join(root.itertext())


def test_diffusion_chart_steps_up_once_per_region():
    points = [(datetime(2024, 3, 1), "浙江省"), (date(2023, 5, 2), HOSTILE), (datetime(2025, 1, 9), "广东省")]
    root = _parse(diffusion_chart(points, title="jiaolianti", colour=COLOURS["jiaolianti"]))
    assert len(root.findall(f"{SVG}circle")) == 3
    path = root.find(f"{SVG}path").get("d")
    assert path.count("V") == 3
    names = [t.text for t in root.findall(f"{SVG}text")]
    assert names.index(HOSTILE) < names.index("浙江省") < names.index("广东省")  # in date order
