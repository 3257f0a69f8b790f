"""The monthly bulletin written from a real DuckDB file holding the three marts tables it reads.

Expected sentences are recomputed here from the counts (Fraction, rounded half up) and the orders written out by
hand from the rules of the brief and the seed (001_aeac7ec9871086dc.txt), not taken from the module.
"""

from __future__ import annotations

import logging
import re
import zipfile
from datetime import date
from fractions import Fraction
from math import floor

import docx
import duckdb
import pytest
from docx.oxml.ns import qn

from credit_feeds.bulletin import write_bulletin
from credit_feeds.bulletin_chart import find_cjk_font

MONTH = date(2022, 6, 1)
ISSUED = date(2022, 7, 18)
OFFICE = "武汉市社会信用体系建设领导小组办公室"

DISTRICTS = {
    "420102": "江岸区", "420103": "江汉区", "420104": "硚口区", "420105": "汉阳区", "420106": "武昌区",
    "420107": "青山区", "420111": "洪山区", "420112": "东西湖区", "420115": "江夏区", "420116": "黄陂区",
}
DEPARTMENTS = {
    "114200001": "市税务局", "114200002": "市卫健委", "114200003": "市气象局", "114200004": "市交通运输局",
    "114200005": "市统计局", "114200006": "市民政局", "114200007": "市公管办",
}
NAMES = {**DISTRICTS, **DEPARTMENTS}

# (unit_code, feed, submitted, accepted, timeliness_base, timely) for June 2022
JUNE = [
    # 行政许可, districts: none at 100% compliance; 洪山区/黄陂区 tie on rate and submitted (unit_code decides);
    # 硚口区/江岸区 tie on rate (submitted decides); 武昌区 157/160 = 98.125% (half up: 98.13%);
    # timeliness all >= 99% except 江夏区 whose base is 0 (NULL timeliness)
    ("420102", "license", 1423, 1380, 1423, 1419),
    ("420103", "license", 491, 460, 491, 491),
    ("420104", "license", 2846, 2760, 2846, 2846),
    ("420105", "license", 1165, 1142, 1165, 1165),
    ("420106", "license", 160, 157, 160, 159),
    ("420107", "license", 316, 308, 316, 316),
    ("420111", "license", 1306, 1286, 1306, 1303),
    ("420112", "license", 18057, 17988, 18057, 18057),
    ("420115", "license", 677, 650, 0, 0),
    ("420116", "license", 1306, 1286, 1306, 1306),
    # 行政许可, departments: all timely
    ("114200001", "license", 7074, 7066, 7074, 7074),
    ("114200002", "license", 491, 490, 491, 491),
    ("114200003", "license", 24, 20, 24, 24),
    ("114200004", "license", 10567, 10567, 10567, 10567),
    ("114200006", "license", 12, 12, 12, 12),
    # 行政处罚, districts: 洪山区 at 100% compliance; three at 100% timeliness; 东西湖区 50/64 = 78.125%
    ("420102", "penalty", 41, 33, 30, 26),
    ("420103", "penalty", 59, 48, 48, 42),
    ("420111", "penalty", 18, 18, 18, 15),
    ("420112", "penalty", 64, 50, 50, 50),
    ("420115", "penalty", 140, 109, 109, 74),
    ("420107", "penalty", 8, 5, 5, 5),
    ("420106", "penalty", 4, 2, 2, 2),
    # 行政处罚, departments: all compliant; 市交通运输局 has no timeliness base (NULL)
    ("114200001", "penalty", 7052, 7052, 7052, 7052),
    ("114200002", "penalty", 13, 13, 13, 10),
    ("114200005", "penalty", 1, 1, 1, 0),
    ("114200004", "penalty", 63, 63, 0, 0),
    # other feeds: enforcement counts in 总报送量, a commitment does not (and shows no row yet)
    ("420112", "enforcement", 7643, 7643, 7643, 7643),
    ("114200007", "commitment", 838, 838, 0, 0),
]
# another month that must not leak into June's bulletin
MAY = [("420102", "license", 999, 1, 999, 1), ("114200003", "penalty", 5, 1, 5, 1)]


def two_decimals(value: Fraction) -> str:
    """Rounded half up."""
    hundredths = floor(value * 100 + Fraction(1, 2))
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def pct(numerator: int, denominator: int) -> str:
    return two_decimals(Fraction(numerator, denominator) * 100) + "%"


def wan(count: int) -> str:
    return two_decimals(Fraction(count, 10000))


def total(code: str) -> int:
    """总报送量: every feed but the commitment."""
    return sum(r[2] for r in JUNE if r[0] == code and r[1] != "commitment")


def row(code: str, feed: str) -> tuple:
    return next(r for r in JUNE if r[0] == code and r[1] == feed)


def compliance(code: str, feed: str) -> str:
    _, _, submitted, accepted, _, _ = row(code, feed)
    return pct(accepted, submitted)


def timeliness(code: str, feed: str) -> str:
    _, _, _, _, base, timely = row(code, feed)
    return pct(timely, base)


def listed(codes: list[str], rate=None, feed: str = "") -> str:
    if rate is None:
        return "、".join(NAMES[c] for c in codes)
    return "、".join(f"{NAMES[c]}（{rate(c, feed)}）" for c in codes)


def build_warehouse(path) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("""create table marts.dim_reporting_unit (unit_code varchar, unit_name varchar,
                   unit_kind varchar, uscc varchar)""")
    for code, name in NAMES.items():
        con.execute("insert into marts.dim_reporting_unit values (?, ?, ?, ?)",
                    [code, name, "district" if code in DISTRICTS else "department", None])
    con.execute("""create table marts.unit_monthly_quality (report_month date, unit_code varchar,
                   unit_name varchar, unit_kind varchar, feed varchar, submitted bigint, accepted bigint,
                   rejected bigint, compliance_rate double, timeliness_base bigint, timely bigint,
                   timeliness_rate double)""")
    for month, rows in ((MONTH, JUNE), (date(2022, 5, 1), MAY)):
        for code, feed, submitted, accepted, base, timely in rows:
            con.execute("""insert into marts.unit_monthly_quality
                select ?, u.unit_code, u.unit_name, u.unit_kind, ?, ?, ?, ? - ?, ?::double / ?, ?, ?,
                       case when ? > 0 then ?::double / ? end
                from marts.dim_reporting_unit u where u.unit_code = ?""",
                        [month, feed, submitted, accepted, submitted, accepted, accepted, submitted, base,
                         timely, base, timely, base, code])
    con.execute("""create table marts.monthly_overview as
        select report_month,
               sum(submitted) as disclosures_submitted, sum(accepted) as disclosures_accepted,
               sum(accepted)::double / sum(submitted) as disclosures_compliance_rate,
               sum(timely) as disclosures_timely, sum(timeliness_base) as disclosures_timeliness_base,
               sum(timely)::double / sum(timeliness_base) as disclosures_timeliness_rate,
               sum(submitted) filter (where feed = 'license') as license_submitted,
               sum(accepted) filter (where feed = 'license') as license_accepted,
               null::double as license_compliance_rate, null::double as license_timeliness_rate,
               sum(submitted) filter (where feed = 'penalty') as penalty_submitted,
               sum(accepted) filter (where feed = 'penalty') as penalty_accepted,
               null::double as penalty_compliance_rate, null::double as penalty_timeliness_rate,
               count(distinct unit_code) as units_reporting, 0 as files_received, 0 as files_loaded,
               0 as files_duplicate, 0 as files_quarantined
        from marts.unit_monthly_quality where feed in ('license', 'penalty')
        group by report_month""")
    con.close()


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    base = tmp_path_factory.mktemp("bulletin")
    build_warehouse(base / "warehouse.duckdb")
    con = duckdb.connect(str(base / "warehouse.duckdb"), read_only=True)
    first = write_bulletin(con, MONTH, base / "first", office_name=OFFICE, generated_on=ISSUED)
    second = write_bulletin(con, MONTH, base / "second", office_name=OFFICE, generated_on=ISSUED)
    con.close()
    return first, second


def paragraphs(md: str) -> list[str]:
    return [p.strip("\n ") for p in md.split("\n\n")]


def expected_section_one() -> list[str]:
    disclosures = [r for r in JUNE if r[1] in ("license", "penalty")]
    submitted = sum(r[2] for r in disclosures)
    accepted = sum(r[3] for r in disclosures)
    base, timely = sum(r[4] for r in disclosures), sum(r[5] for r in disclosures)
    lic, pen = "license", "penalty"
    # lowest license timeliness among districts with a base: 武昌区 159/160 = 99.375% -> floored 99.3
    assert Fraction(159, 160) == min(Fraction(r[5], r[4]) for r in JUNE if r[1] == lic and r[0] in DISTRICTS and r[4])
    return [
        "## 一、行政许可、行政处罚“双公示”信息报送情况",
        f"6月份，各区、市各部门报送“双公示”信息总量{wan(submitted)}万条，清洗入库{wan(accepted)}万条，"
        f"数据合规率{pct(accepted, submitted)}，及时率{pct(timely, base)}。",
        "### （一）行政许可信息报送情况",
        "#### 1. 行政许可信息报送合规性较好的单位",
        f"行政许可信息合规率较高的区有：{listed(['420112', '420111', '420116'], compliance, lic)}。",
        f"市直单位行政许可信息合规率达到100%的有：{listed(['114200004', '114200006'])}。",
        "#### 2. 行政许可信息报送及时性较好的单位",
        "各区行政许可信息及时率均超过99.3%，市直单位行政许可信息及时率均达到100%。",
        "#### 3. 行政许可信息报送合规性较差的单位",
        f"行政许可信息合规率较低的区有：{listed(['420103', '420115', '420104'], compliance, lic)}。",
        f"市直单位行政许可信息合规率未达到100%的有：{listed(['114200003', '114200002', '114200001'], compliance, lic)}。",
        "### （二）行政处罚信息报送情况",
        "#### 1. 行政处罚信息报送合规性较好的单位",
        "行政处罚信息合规率达到100%的区有：洪山区；市直单位行政处罚信息合规率均达到100%。",
        "#### 2. 行政处罚信息报送及时性较好的单位",
        f"行政处罚信息及时率达到100%的区有：{listed(['420112', '420107', '420106'])}。",
        "市直单位行政处罚信息及时率达到100%的有：市税务局。",
        "#### 3. 行政处罚信息报送合规性较差的单位",
        f"行政处罚信息合规率较低的区有：{listed(['420106', '420107', '420115'], compliance, pen)}。",
        "#### 4. 行政处罚信息报送及时性较差的单位",
        f"行政处罚信息及时率较低的区有：{listed(['420115', '420111', '420102'], timeliness, pen)}。",
        f"市直单位行政处罚信息及时率未达到100%的有：{listed(['114200005', '114200002'], timeliness, pen)}。",
    ]


def test_heading_and_section_one_sentences(written):
    md = written[0]["md"].read_text(encoding="utf-8")
    paras = paragraphs(md)
    assert paras[:5] == [
        f"**{OFFICE}文件**",
        "X信用办〔2022〕  号",
        "# 关于2022年6月份信用信息报送和平台对接情况的通报",
        "各区人民政府，市相关部门及有关单位：",
        "为持续提升我市信用信息报送质量，推进系统平台对接，促进信用信息互通共享，现将2022年6月各区、"
        "市各部门信用信息报送以及系统平台对接情况通报如下：",
    ]
    expected = expected_section_one()
    start = paras.index(expected[0])
    assert paras[start:start + len(expected)] == expected
    # spot checks of the recomputation itself: the seed's rounding cases
    assert compliance("420106", "license") == "98.13%" and compliance("420112", "penalty") == "78.13%"


def test_empty_lists_are_left_out(written):
    md = written[0]["md"].read_text(encoding="utf-8")
    # every district's license timeliness is summarised (均超过) and every department is timely: no subsection 4
    assert "行政许可信息报送及时性较差的单位" not in md
    assert "行政许可信息及时率较低的区有" not in md
    # all departments compliant for penalties: no list of those below 100%, nothing printed empty
    assert "市直单位行政处罚信息合规率未达到100%" not in md
    assert "：。" not in md and "有：；" not in md and "（）" not in md
    # NULL timeliness (江夏区 license, 市交通运输局 penalty) is never printed as 0
    assert "江夏区（0.00%）" not in md and "市交通运输局（0.00%）" not in md
    # May's figures do not leak into June
    assert "999" not in md


def test_attachment_tables(written):
    md = written[0]["md"].read_text(encoding="utf-8")
    header = ("| 报送机构 | 总报送量 | 行政许可数量 | 行政许可合规率 | 行政许可及时率 | 行政处罚数量 | "
              "行政处罚合规率 | 行政处罚及时率 |")
    tables = md.split(header)[1:]
    assert len(tables) == 2 and "附件1" in md and "附件2" in md

    def table_rows(text: str) -> list[list[str]]:
        lines = [l for l in text.strip().splitlines()[1:] if l.startswith("|")]
        return [[c.strip() for c in l.strip("|").split("|")] for l in lines]

    departments, districts = (table_rows(t.split("\n\n")[0]) for t in tables)

    def expected_row(code: str) -> list[str]:
        cells = [NAMES[code], str(total(code))]
        for feed in ("license", "penalty"):
            found = [r for r in JUNE if r[0] == code and r[1] == feed]
            if not found:
                cells += ["", "", ""]
                continue
            _, _, submitted, accepted, base, timely = found[0]
            cells += [str(submitted), pct(accepted, submitted), pct(timely, base) if base else ""]
        return cells

    # 市直部门 by 总报送量 desc; 市公管办 (a commitment only) has no row yet
    assert [r[0] for r in departments] == ["市税务局", "市交通运输局", "市卫健委", "市气象局", "市民政局", "市统计局"]
    assert departments == [expected_row(c) for c in
                           ["114200001", "114200004", "114200002", "114200003", "114200006", "114200005"]]
    assert departments[1][-1] == ""          # NULL timeliness: blank, not 0
    # 各区: 东西湖区 first, its enforcement rows counted in 总报送量
    assert districts[0] == expected_row("420112") and districts[0][1] == str(18057 + 64 + 7643)
    assert len(districts) == len(DISTRICTS)
    assert districts == [expected_row(c) for c in sorted(DISTRICTS, key=lambda c: (-total(c), c))]
    assert "| 江夏区 | 817 | 677 | 96.01% |  | 140 | 77.86% | 67.89% |" in md


def test_closing_and_figures(written):
    result = written[0]
    md = result["md"].read_text(encoding="utf-8")
    paras = paragraphs(md)
    assert "附件：1.6月市直部门报送情况统计表" in paras and "　　　2.6月各区报送情况统计表" in paras
    sign = paras.index(OFFICE)
    assert paras[sign + 1] == "2022年7月18日"
    figures = result["figures"]
    assert all(len(f) == 3 for f in figures)
    sections = {f.section for f in figures}
    assert {"一", "一（一）1", "一（二）4", "附件1", "附件2"} <= sections
    # every percentage printed in the sentences of section 一 has a figure with that value
    traced = {f.label.split("：")[-1]: f.value for f in figures if f.section.startswith("一（二）4")}
    assert traced["市统计局（114200005）"] == 0.0 and traced["江夏区（420115）"] == pytest.approx(74 / 109)
    assert ("一", "“双公示”信息总量（条）", sum(r[2] for r in JUNE if r[1] in ("license", "penalty"))) in figures


def test_html_has_the_same_sentences(written):
    html = written[0]["html"].read_text(encoding="utf-8")
    for line in expected_section_one():
        assert line.lstrip("#").strip() in html
    assert "<style>" in html and 'rel="stylesheet"' not in html and "<script" not in html
    assert html.count("<table>") == 2 and 'colspan="3"' in html


def test_docx_layout(written):
    path = written[0]["docx"]
    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    assert f"{OFFICE}文件" in texts and "关于2022年6月份信用信息报送和平台对接情况的通报" in texts
    headings = {p.text: p.style.name for p in document.paragraphs if p.style.name.startswith("Heading")}
    assert headings["一、行政许可、行政处罚“双公示”信息报送情况"] == "Heading 1"
    assert headings["（一）行政许可信息报送情况"] == "Heading 2"
    assert headings["4. 行政处罚信息报送及时性较差的单位"] == "Heading 3"
    for line in expected_section_one()[1:]:
        assert line.lstrip("#").strip() in texts

    # bordered tables: "Table Grid" draws every border
    assert len(document.tables) == 2
    for table in document.tables:
        assert table.style.name == "Table Grid"
        borders = table.style.element.find(qn("w:tblPr")).find(qn("w:tblBorders"))
        assert {b.tag.split("}")[1] for b in borders} >= {"top", "left", "bottom", "right", "insideH", "insideV"}
        assert table.cell(0, 2).text == "行政许可" and table.cell(1, 2).text == "数量"
    assert document.tables[1].cell(2, 0).text == "东西湖区"

    # 仿宋-like body with an east-asian font name; red masthead
    body = document.styles["通报-正文"].element.rPr.rFonts
    assert body.get(qn("w:eastAsia")) == "仿宋"
    masthead = next(p for p in document.paragraphs if p.text == f"{OFFICE}文件")
    assert str(masthead.style.font.color.rgb) == "C00000"
    # 附件 on new pages: a landscape section for 附件1, a page break before 附件2
    assert len(document.sections) == 2 and document.sections[1].page_width > document.sections[1].page_height
    xml = document.element.body.xml
    assert xml.index('w:type="page"') < xml.index("附件2")
    assert document.core_properties.title == "关于2022年6月份信用信息报送和平台对接情况的通报"
    assert document.core_properties.created.date() == ISSUED


def test_same_data_same_bytes(written):
    first, second = written
    for kind in ("md", "html", "docx"):
        assert first[kind].read_bytes() == second[kind].read_bytes(), kind
    with zipfile.ZipFile(first["docx"]) as package:
        assert {info.date_time for info in package.infolist()} == {(2022, 7, 18, 0, 0, 0)}


def test_chart_only_with_a_cjk_font(written, tmp_path, caplog):
    first = written[0]
    md = first["md"].read_text(encoding="utf-8")
    if find_cjk_font() is None:
        assert first["chart"] is None and "![" not in md
        # the skip is logged as a warning
        con = duckdb.connect(str(first["md"].parent.parent / "warehouse.duckdb"), read_only=True)
        with caplog.at_level(logging.WARNING, logger="credit_feeds.bulletin_chart"):
            write_bulletin(con, MONTH, tmp_path, office_name=OFFICE, generated_on=ISSUED)
        con.close()
        assert any("chart skipped" in r.getMessage() for r in caplog.records)
    else:
        assert first["chart"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"]({first['chart'].name})" in md
        assert "data:image/png;base64," in first["html"].read_text(encoding="utf-8")
        with zipfile.ZipFile(first["docx"]) as package:
            assert any(name.startswith("word/media/") for name in package.namelist())
        assert first["chart"].read_bytes() == written[1]["chart"].read_bytes()


def test_missing_month_is_a_clear_error(written, tmp_path):
    con = duckdb.connect(str(written[0]["md"].parent.parent / "warehouse.duckdb"), read_only=True)
    with pytest.raises(LookupError, match="2021-01"):
        write_bulletin(con, date(2021, 1, 1), tmp_path, generated_on=ISSUED)
    con.close()
    assert not re.search(r"bulletin-2021", " ".join(p.name for p in tmp_path.iterdir()))
