"""The monthly bulletin written from a real DuckDB file holding the three marts tables it reads.

Expected sentences are recomputed here from the counts (Fraction, rounded half up) and the orders written out by
hand from the rules of the brief and the seed (001_aeac7ec9871086dc.txt), not taken from the module.
"""

from __future__ import annotations

import logging
import re
import shutil
import zipfile
from datetime import date
from fractions import Fraction
from math import floor

import docx
import duckdb
import pytest
from docx.oxml.ns import qn

from credit_feeds.bulletin import write_bulletin
from credit_feeds.bulletin_figures import mismatches, store_figures
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
    "114200005": "市统计局", "114200006": "市民政局", "114200007": "市公管办", "114200008": "市住房保障和房屋管理局",
    "114200009": "市人社局", "114200010": "市自然资源和规划局", "114200011": "市文化和旅游局",
    "114200012": "市市场监督管理局",
}
NAMES = {**DISTRICTS, **DEPARTMENTS}
FIVE_KINDS = ("enforcement", "confirmation", "adjudication", "reward", "inspection")
# 总报送量 (the seed's 信用信息报送情况 group), written out here independently of the module
TOTAL_FEEDS = {"license", "penalty", *FIVE_KINDS, "other-action", "grading", "basic-info"}
DEADLINE_FEEDS = {"license", "penalty", *FIVE_KINDS}

# (unit_code, feed, submitted, accepted, timeliness_base, timely) for June 2022; base/timely None for feeds
# without a deadline
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
    # 二（一）信用承诺: six districts, 江汉区 and 东西湖区 tie for third (unit_code decides); three departments,
    # 市公管办 838 of 1073 = 78.10%; counts are submitted, not accepted
    ("420105", "commitment", 166141, 166000, None, None),
    ("420102", "commitment", 29516, 29516, None, None),
    ("420112", "commitment", 28815, 28800, None, None),
    ("420103", "commitment", 28815, 28815, None, None),
    ("420111", "commitment", 13791, 13791, None, None),
    ("420104", "commitment", 13254, 13254, None, None),
    ("114200007", "commitment", 838, 800, None, None),
    ("114200008", "commitment", 200, 200, None, None),
    ("114200009", "commitment", 35, 35, None, None),
    # 二（二）履约践诺: four districts; two departments, named
    ("420105", "fulfilment", 167578, 167578, None, None),
    ("420102", "fulfilment", 34289, 34289, None, None),
    ("420112", "fulfilment", 31232, 31232, None, None),
    ("420115", "fulfilment", 15, 15, None, None),
    ("114200004", "fulfilment", 100, 100, None, None),
    ("114200008", "fulfilment", 1, 1, None, None),
    # 三 五类: a unit's five kinds are summed; 硚口区 largest; 市交通运输局 and 市住房保障和房屋管理局 the top two
    ("420112", "enforcement", 7643, 7643, 7643, 7643),
    ("420112", "inspection", 1441, 1441, 1441, 1441),
    ("420111", "enforcement", 5756, 5756, 5756, 5756),
    ("420111", "inspection", 7501, 7500, 7501, 7501),
    ("420102", "enforcement", 1536, 1536, 1536, 1536),
    ("420102", "confirmation", 63, 63, 63, 63),
    ("420102", "inspection", 11635, 11635, 11635, 11635),
    ("420104", "enforcement", 373, 373, 373, 373),
    ("420104", "inspection", 32743, 32743, 32743, 32743),
    ("420116", "reward", 1, 1, 1, 1),
    ("114200004", "enforcement", 63, 63, 63, 63),
    ("114200004", "inspection", 5278, 5278, 5278, 5278),
    ("114200008", "adjudication", 117, 117, 117, 117),
    ("114200008", "inspection", 2385, 2385, 2385, 2385),
    ("114200002", "enforcement", 13, 13, 13, 10),
    ("114200002", "adjudication", 2, 2, 2, 2),
    ("114200002", "inspection", 19, 19, 19, 19),
    # 四 其他行政行为: three districts (counted); one department (named)
    ("420115", "other-action", 21878, 21878, None, None),
    ("420102", "other-action", 63, 63, None, None),
    ("420112", "other-action", 1, 1, None, None),
    ("114200009", "other-action", 66, 66, None, None),
    # 五 分级分类: three districts (all named, in order); four departments (counted)
    ("420116", "grading", 676, 676, None, None),
    ("420105", "grading", 400, 400, None, None),
    ("420106", "grading", 8, 8, None, None),
    ("114200010", "grading", 3, 3, None, None),
    ("114200011", "grading", 101, 101, None, None),
    ("114200003", "grading", 9, 9, None, None),
    ("114200009", "grading", 19, 19, None, None),
    # 六 基础信息: no district; one department
    ("114200012", "basic-info", 146704, 146704, None, None),
    # 七 联合奖惩案例 (个): five districts; two departments, each named with its count
    ("420111", "joint-case", 9380, 9380, None, None),
    ("420102", "joint-case", 4018, 4018, None, None),
    ("420104", "joint-case", 3207, 3207, None, None),
    ("420112", "joint-case", 1674, 1674, None, None),
    ("420115", "joint-case", 24, 24, None, None),
    ("114200010", "joint-case", 49, 49, None, None),
    ("114200011", "joint-case", 1, 1, None, None),
    # publicity is 附件3 (its own table), not a count column
    ("420103", "publicity", 2, 2, None, None),
]
# another month that must not leak into June's bulletin, and whose own bulletin has almost nothing
MAY_MONTH = date(2022, 5, 1)
MAY = [("420102", "license", 999, 1, 999, 1), ("114200003", "penalty", 5, 1, 5, 1),
       ("420102", "commitment", 7, 7, None, None)]

# dim_platform: (platform_code, platform_name, owner_unit_code, connected_on); "unknown-unit" is missing from
# dim_reporting_unit (owner_unit_name NULL)
PLATFORMS = [
    *((f"old-{i}", f"旧平台{i}", "114200001", date(2020 + i % 2, 1 + i, 10)) for i in range(10)),
    ("jianghan-bigdata", "江汉区大数据平台", "420103", date(2022, 6, 3)),
    ("transport-law", "市交通运输局执法系统", "114200004", date(2022, 6, 15)),
    ("orphan", "某单位业务系统", "unknown-unit", date(2022, 6, 30)),
    ("july", "七月平台", "420102", date(2022, 7, 1)),
]
# suspected_concealment: (unit_code, report_month, number of missing serials)
CONCEALMENT = [("420103", MONTH, 3), ("114200001", MONTH, 2), ("420102", MONTH, 1), ("420104", date(2022, 7, 1), 1)]
# fct_publicity_activities: (unit_code, media, title, url, activity_date, report_month)
PUBLICITY = [
    ("420103", "搜狐网", "江汉区开展“诚信进社区”宣传活动", "https://www.sohu.com/a/1", date(2022, 6, 10), MONTH),
    ("114200001", "长江日报", "市税务局发布纳税信用典型案例", "https://cjrb.example.cn/2", date(2022, 6, 5), MONTH),
    ("420104", "湖北日报", "硚口区“信用日”宣传", "https://hbrb.example.cn/3", date(2022, 6, 10), MONTH),
    ("420102", "江岸发布", "七月的稿件", "https://example.cn/july", date(2022, 7, 1), date(2022, 7, 1)),
]


def two_decimals(value: Fraction) -> str:
    """Rounded half up."""
    hundredths = floor(value * 100 + Fraction(1, 2))
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def pct(numerator: int, denominator: int) -> str:
    return two_decimals(Fraction(numerator, denominator) * 100) + "%"


def wan(count: int) -> str:
    return two_decimals(Fraction(count, 10000))


def total(code: str) -> int:
    """总报送量: the feeds of the 信用信息报送情况 group."""
    return sum(r[2] for r in JUNE if r[0] == code and r[1] in TOTAL_FEEDS)


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


def submitted(feeds, codes=None) -> int:
    """June's rows submitted of `feeds` by `codes` (all units when None)."""
    return sum(r[2] for r in JUNE if r[1] in feeds and (codes is None or r[0] in codes))


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
    for month, rows in ((MONTH, JUNE), (MAY_MONTH, MAY)):
        for code, feed, n_submitted, accepted, base, timely in rows:
            con.execute("""insert into marts.unit_monthly_quality
                select ?, u.unit_code, u.unit_name, u.unit_kind, ?, ?, ?, ? - ?, ?::double / ?, ?, ?,
                       case when ? > 0 then ?::double / ? end
                from marts.dim_reporting_unit u where u.unit_code = ?""",
                        [month, feed, n_submitted, accepted, n_submitted, accepted, accepted, n_submitted, base,
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
    con.execute("""create table marts.dim_platform (platform_code varchar, platform_name varchar,
                   owner_unit_code varchar, owner_unit_name varchar, connected_on date, connected_month date)""")
    for code, name, owner, connected_on in PLATFORMS:
        con.execute("insert into marts.dim_platform values (?, ?, ?, ?, ?, ?)",
                    [code, name, owner, NAMES.get(owner), connected_on, connected_on.replace(day=1)])
    con.execute("""create table marts.suspected_concealment (authority_code varchar, authority_name varchar,
                   unit_code varchar, feed varchar, doc_prefix varchar, doc_year integer, missing_serial integer,
                   report_month date, smallest_serial integer, largest_serial integer)""")
    for code, month, missing in CONCEALMENT:
        for serial in range(2, 2 + missing):
            con.execute("insert into marts.suspected_concealment values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [f"AUTH{code}", f"{NAMES[code]}机关", code, "license", "武许字", 2022, serial * 2, month,
                         1, 40])
    con.execute("""create table marts.fct_publicity_activities (unit_code varchar, unit_name varchar,
                   media varchar, title varchar, url varchar, activity_date date, submitted_at timestamp,
                   report_month date, file_id varchar, source_row integer)""")
    for i, (code, media, title, url, day, month) in enumerate(PUBLICITY, start=1):
        con.execute("insert into marts.fct_publicity_activities values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [code, NAMES[code], media, title, url, day, day, month, f"file{i}", 1])
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


@pytest.fixture(scope="module")
def may(written):
    """May's bulletin, from the same warehouse: almost nothing to say."""
    base = written[0]["md"].parent.parent
    con = duckdb.connect(str(base / "warehouse.duckdb"), read_only=True)
    result = write_bulletin(con, MAY_MONTH, base / "may", office_name=OFFICE, generated_on=date(2022, 6, 18))
    con.close()
    return result


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
    assert "：。" not in md and "有：；" not in md and "（）" not in md and "是：；" not in md
    # NULL timeliness (江夏区 license, 市交通运输局 penalty) is never printed as 0
    assert "江夏区（0.00%）" not in md and "市交通运输局（0.00%）" not in md
    # no district reported basic information: section 六 names the one department, nothing about districts
    assert "0个区" not in md and "个区报送基础信息" not in md
    # May's figures do not leak into June
    assert "999" not in md and "江岸区报送信用承诺信息7条" not in md


# ------------------------------------------------------------------ sections 二–九

def between(paras: list[str], first: str, last: str) -> list[str]:
    """The paragraphs from the one equal to `first` up to (not including) the one equal to `last`."""
    return paras[paras.index(first):paras.index(last)]


def expected_sections_two_to_seven() -> list[str]:
    """Sums recomputed from JUNE; orders (submitted desc, then unit_code) and phrases written out by hand."""
    d, k = set(DISTRICTS), set(DEPARTMENTS)
    commitments_d, commitments_k = submitted({"commitment"}, d), submitted({"commitment"}, k)
    five_d, five_k = submitted(FIVE_KINDS, d), submitted(FIVE_KINDS, k)
    qiaokou, transport, housing = (submitted(FIVE_KINDS, {c}) for c in ("420104", "114200004", "114200008"))
    # the orders written below rest on these
    assert submitted({"commitment"}, {"420103"}) == submitted({"commitment"}, {"420112"})   # tie: code decides
    assert qiaokou == 373 + 32743 and transport == 63 + 5278 and housing == 117 + 2385
    assert pct(838, commitments_k) == "78.10%"
    return [
        "## 二、信用承诺及履约践诺信息报送情况",
        "### （一）信用承诺信息报送情况",
        f"6月份，6个区共报送信用承诺信息{commitments_d}条，报送数量前3位的是：汉阳区、江岸区、江汉区。",
        f"3个市直单位报送信用承诺信息{commitments_k}条，其中市公管办报送838条，占报送总量{pct(838, commitments_k)}。",
        "### （二）履约践诺信息报送情况",
        f"4个区共报送履约践诺信息{submitted({'fulfilment'}, d)}条，报送数量前3位的是：汉阳区、江岸区、东西湖区；"
        f"市交通运输局、市住房保障和房屋管理局共报送履约践诺信息{submitted({'fulfilment'}, k)}条。",
        "## 三、行政强制、行政确认、行政裁决、行政奖励、行政监督检查等五类行政管理信息报送情况",
        f"6月份，有5个区共报送五类行政管理信息{five_d}条，其中硚口区报送{qiaokou}条，占报送总量{pct(qiaokou, five_d)}；"
        f"3个市直单位报送五类行政管理信息{five_k}条，其中市交通运输局和市住房保障和房屋管理局分别报送"
        f"{transport}条、{housing}条。",
        "## 四、行政征收、行政给付、行政补偿等其他行政行为信息报送情况",
        f"6月份，3个区报送其他行政行为信息{submitted({'other-action'}, d)}条，市人社局报送其他行政行为信息66条。",
        "## 五、分级分类结果信息报送情况",
        f"6月份，3个区报送分级分类结果信息{submitted({'grading'}, d)}条，按报送数量依次是：黄陂区、汉阳区、武昌区；"
        f"4个市直单位共报送分级分类结果信息{submitted({'grading'}, k)}条。",
        "## 六、基础信息报送情况",
        "6月份，市市场监督管理局报送基础信息146704条。",
        "## 七、联合奖惩案例报送情况",
        f"6月份，5个区报送联合奖惩案例{submitted({'joint-case'}, d)}个，报送数量前三的是：洪山区、江岸区、硚口区；"
        "市自然资源和规划局、市文化和旅游局分别报送联合奖惩案例49个和1个。",
    ]


def test_sections_two_to_seven(written):
    paras = paragraphs(written[0]["md"].read_text(encoding="utf-8"))
    assert between(paras, "## 二、信用承诺及履约践诺信息报送情况", "## 八、平台对接情况") == \
        expected_sections_two_to_seven()


def test_platforms_section(written):
    paras = paragraphs(written[0]["md"].read_text(encoding="utf-8"))
    month_end = date(2022, 6, 30)
    connected = sum(1 for p in PLATFORMS if p[3] <= month_end)
    new = sorted((p for p in PLATFORMS if MONTH <= p[3] <= month_end), key=lambda p: (p[3], p[0]))
    assert (connected, len(new)) == (13, 3)   # the 30th counts, the 1st of July does not
    table = ["| 序号 | 所属单位 | 平台名称 |", "| ---: | --- | --- |"]
    table += [f"| {i} | {NAMES.get(owner, owner)} | {name} |" for i, (_, name, owner, _) in enumerate(new, start=1)]
    assert between(paras, "## 八、平台对接情况", "## 九、有关要求") == [
        "## 八、平台对接情况",
        f"截至6月份，已有{connected}个平台（系统）与市信用信息公共服务平台完成对接，其中本月新增{len(new)}个，具体如下：",
        "\n".join(table),
    ]
    # an owner missing from dim_reporting_unit shows its code rather than nothing
    assert "| 3 | unknown-unit | 某单位业务系统 |" in table


def test_requirements_section(written):
    paras = paragraphs(written[0]["md"].read_text(encoding="utf-8"))
    section = between(paras, "## 九、有关要求", "附件：1.6月市直部门报送情况统计表")
    june = [(code, n) for code, month, n in CONCEALMENT if month == MONTH]
    districts = [c for c, _ in june if c in DISTRICTS]
    found = (f"6月份，经文书号连号比对，发现{len(districts)}个区、{len(june) - len(districts)}个部门疑似瞒报“双公示”信息"
             f"{sum(n for _, n in june)}条：江汉区3条、市税务局2条、江岸区1条。")
    assert section[1].startswith("1.坚决杜绝“双公示”数据瞒报。今年以来，国家公共信用信息中心")
    assert section[2] == found + ("各区、各部门要高度重视，今后在报送“双公示”信息时要结合文书号自查，如发现未连号情况"
                                  "要立即核查溯源、厘清原由，坚决杜绝漏报、瞒报。")
    assert [p[:2] for p in section[3:6]] == ["2.", "3.", "4."]
    # the seed's requirements are kept (policy text)
    assert "在作出行政决定之日起14个工作日内将5类行政管理信息全量、及时、准确报送市信用平台" in section[3]
    assert "各区每月、各部门每季度至少开展1次诚信宣传活动" in section[5]
    assert section[6].startswith("联系人：")
    # July's finding is not June's
    assert "硚口区1条" not in "".join(section)


def test_publicity_attachment(written):
    md = written[0]["md"].read_text(encoding="utf-8")
    part = md.split("## 开展诚信宣传活动统计表")[1].strip()
    june = sorted((p for p in PUBLICITY if p[5] == MONTH), key=lambda p: (p[4], p[0]))
    lines = ["| 序号 | 报送单位/区 | 刊发媒体 | 稿件标题 | 网址链接 | 备注 |", "| ---: | --- | --- | --- | --- | --- |"]
    lines += [f"| {i} | {NAMES[code]} | {media} | {title} | {url} | 6月报送 |"
              for i, (code, media, title, url, _, _) in enumerate(june, start=1)]
    assert part == "\n".join(lines)
    assert [line.split(" | ")[1] for line in lines[2:]] == ["市税务局", "江汉区", "硚口区"]
    assert "七月的稿件" not in md


def test_a_month_with_almost_nothing(may):
    """May: one district's commitments, nothing else of sections 二–七, no new platform, no finding, no 附件3 row."""
    md = may["md"].read_text(encoding="utf-8")
    paras = paragraphs(md)
    assert between(paras, "## 二、信用承诺及履约践诺信息报送情况", "## 九、有关要求") == [
        "## 二、信用承诺及履约践诺信息报送情况",
        "### （一）信用承诺信息报送情况",
        "5月份，江岸区报送信用承诺信息7条。",
        "### （二）履约践诺信息报送情况",
        "各区、市直单位均未报送履约践诺信息。",
        "## 三、行政强制、行政确认、行政裁决、行政奖励、行政监督检查等五类行政管理信息报送情况",
        "5月份，各区、市直单位均未报送五类行政管理信息。",
        "## 四、行政征收、行政给付、行政补偿等其他行政行为信息报送情况",
        "5月份，各区、市直单位均未报送其他行政行为信息。",
        "## 五、分级分类结果信息报送情况",
        "5月份，各区、市直单位均未报送分级分类结果信息。",
        "## 六、基础信息报送情况",
        "5月份，各区、市直单位均未报送基础信息。",
        "## 七、联合奖惩案例报送情况",
        "5月份，各区、市直单位均未报送联合奖惩案例。",
        "## 八、平台对接情况",
        f"截至5月份，已有{sum(1 for p in PLATFORMS if p[3] < MONTH)}个平台（系统）与市信用信息公共服务平台完成对接，"
        "本月无新增。",
    ]
    assert any(p.startswith("5月份，经文书号连号比对，未发现疑似瞒报“双公示”信息。各区、各部门要高度重视") for p in paras)
    assert paras[-1] == "本月未收到诚信宣传活动报送。"
    assert "| 序号 |" not in md and "280332" not in md
    figures = {(f.section, f.label): f.value for f in may["figures"]}
    assert figures[("九", "疑似瞒报“双公示”信息（条）")] == 0 and figures[("八", "本月新增对接平台（系统）（个）")] == 0
    assert figures[("二（一）", "区：江岸区（420102）报送信用承诺信息（条）")] == 7


# ------------------------------------------------------------------ 附件1 and 附件2

COUNT_FEEDS = (*FIVE_KINDS, "other-action", "grading", "basic-info", "commitment", "fulfilment", "joint-case")
ATTACHMENT_HEADER = ("| 报送机构 | 总报送量 | 行政许可数量 | 行政许可合规率 | 行政许可及时率 | 行政处罚数量 | 行政处罚合规率 | "
                     "行政处罚及时率 | 行政强制 | 行政确认 | 行政裁决 | 行政奖励 | 行政监督检查 | 其他行政行为信息 | "
                     "分级分类评价结果 | 基础信息 | 信用承诺信息（条） | 履约践诺信息（条） | 联合奖惩案例（个） |")


def expected_row(code: str) -> list[str]:
    cells = [NAMES[code], str(total(code)) if total(code) else ""]
    for feed in ("license", "penalty"):
        found = [r for r in JUNE if r[0] == code and r[1] == feed]
        if not found:
            cells += ["", "", ""]
            continue
        _, _, n_submitted, accepted, base, timely = found[0]
        cells += [str(n_submitted), pct(accepted, n_submitted), pct(timely, base) if base else ""]
    for feed in COUNT_FEEDS:
        found = [r for r in JUNE if r[0] == code and r[1] == feed]
        cells.append(str(found[0][2]) if found else "")
    return cells


def test_attachment_tables(written):
    md = written[0]["md"].read_text(encoding="utf-8")
    tables = md.split(ATTACHMENT_HEADER)[1:]
    assert len(tables) == 2 and "附件1" in md and "附件2" in md

    def table_rows(text: str) -> list[list[str]]:
        lines = [l for l in text.strip().splitlines()[1:] if l.startswith("|")]
        return [[c.strip() for c in l.strip("|").split("|")] for l in lines]

    departments, districts = (table_rows(t.split("\n\n")[0]) for t in tables)

    def shown(codes) -> list[str]:
        """Units with any count column this month (publicity is 附件3), by 总报送量 desc then unit_code."""
        reported = {r[0] for r in JUNE if r[1] != "publicity"}
        return sorted((c for c in codes if c in reported), key=lambda c: (-total(c), c))

    assert departments == [expected_row(c) for c in shown(DEPARTMENTS)]
    assert districts == [expected_row(c) for c in shown(DISTRICTS)]
    # hand checks: 市公管办 (commitments only) last with a blank 总报送量; NULL timeliness blank, never 0
    assert departments[-1] == ["市公管办"] + [""] * 15 + ["838", "", ""]
    transport = next(r for r in departments if r[0] == "市交通运输局")
    assert transport[7] == "" and transport[1] == str(10567 + 63 + 63 + 5278)
    assert districts[0][0] == "硚口区" and districts[0][1] == str(2846 + 373 + 32743)
    assert "| 江夏区 | 22695 | 677 | 96.01% |  | 140 | 77.86% | 67.89% |" in md
    assert md.count("注：各项数量为本月报送量（含未通过校验的记录）；总报送量为“信用信息报送情况”各项之和") == 2


def test_closing_and_figures(written):
    result = written[0]
    md = result["md"].read_text(encoding="utf-8")
    paras = paragraphs(md)
    assert ["附件：1.6月市直部门报送情况统计表", "　　　2.6月各区报送情况统计表", "　　　3.开展诚信宣传活动统计表"] == \
        paras[paras.index("附件：1.6月市直部门报送情况统计表"):][:3]
    sign = paras.index(OFFICE)
    assert paras[sign + 1] == "2022年7月18日"
    figures = result["figures"]
    assert all(len(f) == 4 for f in figures)
    sections = {f.section for f in figures}
    assert {"一", "一（一）1", "一（二）4", "二（一）", "二（二）", "三", "四", "五", "六", "七", "八", "九",
            "附件1", "附件2", "附件3"} <= sections
    # every percentage printed in the sentences of section 一 has a figure with that value
    traced = {f.label.split("：")[-1]: f.value for f in figures if f.section.startswith("一（二）4")}
    assert traced["市统计局（114200005）"] == 0.0 and traced["江夏区（420115）"] == pytest.approx(74 / 109)
    assert ("一", "“双公示”信息总量（条）", sum(r[2] for r in JUNE if r[1] in ("license", "penalty"))) in \
        [f[:3] for f in figures]
    values = {(f.section, f.label): f.value for f in figures}
    assert values[("二（一）", "市直单位：市公管办（114200007）占市直单位报送总量")] == pytest.approx(838 / 1073)
    assert values[("八", "已对接平台（系统）（个）")] == 13 and values[("九", "疑似瞒报“双公示”信息（条）")] == 6
    assert values[("附件3", "诚信宣传活动（条）")] == 3


def test_every_number_of_sections_two_to_nine_is_a_figure(written):
    """Each number printed in 二–九 (but the month and the phrase 前3位) is the value of a figure of its section."""
    result = written[0]
    paras = paragraphs(result["md"].read_text(encoding="utf-8"))
    body = between(paras, "## 二、信用承诺及履约践诺信息报送情况", "## 九、有关要求")
    body += [between(paras, "## 九、有关要求", "附件：1.6月市直部门报送情况统计表")[2]]   # the finding
    section, checked = None, 0
    figures: dict[str, set] = {}
    for f in result["figures"]:
        value = two_decimals(Fraction(str(f.value)) * 100) + "%" if isinstance(f.value, float) else str(f.value)
        figures.setdefault(f.section, set()).add(value)
    keys = {"## 二": "二（一）", "### （二）": "二（二）", "## 三": "三", "## 四": "四", "## 五": "五", "## 六": "六",
            "## 七": "七", "## 八": "八"}
    for para in body:
        for prefix, key in keys.items():
            if para.startswith(prefix):
                section = key
        if para.startswith("#") or para.startswith("|"):
            continue
        text = re.sub(r"^[56]月份，|截至6月份，|前3位|前三", "", para).split("各区、各部门要高度重视")[0]
        for number in re.findall(r"\d+(?:\.\d+)?%?", text):
            assert number in figures[section if "疑似瞒报" not in para else "九"], (section, number, para)
            checked += 1
    assert checked >= 35


def test_html_has_the_same_sentences(written):
    html = written[0]["html"].read_text(encoding="utf-8")
    for line in expected_section_one() + expected_sections_two_to_seven():
        assert line.lstrip("#").strip() in html
    assert "<style>" in html and 'rel="stylesheet"' not in html and "<script" not in html
    # 八, 附件1, 附件2, 附件3; the 附件1/2 header has three rows (信用信息报送情况 over 行政许可 over 数量)
    assert html.count("<table>") == 4 and 'colspan="3"' in html and 'rowspan="3"' in html
    assert '<th colspan="15">信用信息报送情况（条）</th>' in html   # 总报送量 … 基础信息


def test_docx_layout(written):
    path = written[0]["docx"]
    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    assert f"{OFFICE}文件" in texts and "关于2022年6月份信用信息报送和平台对接情况的通报" in texts
    headings = {p.text: p.style.name for p in document.paragraphs if p.style.name.startswith("Heading")}
    assert headings["一、行政许可、行政处罚“双公示”信息报送情况"] == "Heading 1"
    assert headings["（一）行政许可信息报送情况"] == "Heading 2"
    assert headings["4. 行政处罚信息报送及时性较差的单位"] == "Heading 3"
    assert headings["（二）履约践诺信息报送情况"] == "Heading 2" and headings["九、有关要求"] == "Heading 1"
    for line in expected_section_one()[1:] + expected_sections_two_to_seven():
        assert line.lstrip("#").strip() in texts

    # bordered tables: "Table Grid" draws every border. 八, 附件1, 附件2, 附件3
    assert len(document.tables) == 4
    for table in document.tables:
        assert table.style.name == "Table Grid"
        borders = table.style.element.find(qn("w:tblPr")).find(qn("w:tblBorders"))
        assert {b.tag.split("}")[1] for b in borders} >= {"top", "left", "bottom", "right", "insideH", "insideV"}
    platforms, departments, districts, publicity = document.tables
    assert [c.text for c in platforms.rows[0].cells] == ["序号", "所属单位", "平台名称"]
    assert [c.text for c in publicity.rows[0].cells] == ["序号", "报送单位/区", "刊发媒体", "稿件标题", "网址链接", "备注"]
    for table in (departments, districts):
        assert (table.cell(0, 0).text, table.cell(0, 1).text, table.cell(1, 1).text) == \
            ("报送机构", "信用信息报送情况（条）", "总报送量")
        assert (table.cell(1, 2).text, table.cell(2, 2).text, table.cell(2, 4).text) == ("行政许可", "数量", "及时率")
        assert table.cell(2, 0).text == "报送机构" and table.cell(0, 18).text == "联合奖惩案例（个）"
    assert districts.cell(3, 0).text == "硚口区" and departments.cell(3, 0).text == "市市场监督管理局"
    # the wide tables fit the landscape text width: every column at least 1 cm
    assert all(col.width >= docx.shared.Cm(1) for col in departments.columns)

    # 仿宋-like body with an east-asian font name; red masthead on one line (its size fits the text width)
    body = document.styles["通报-正文"].element.rPr.rFonts
    assert body.get(qn("w:eastAsia")) == "仿宋"
    masthead = next(p for p in document.paragraphs if p.text == f"{OFFICE}文件")
    assert str(masthead.style.font.color.rgb) == "C00000"
    section = document.sections[0]
    width_pt = (section.page_width - section.left_margin - section.right_margin) / 12700
    assert masthead.runs[0].font.size.pt * len(masthead.text) <= width_pt
    # 附件 on new pages: a landscape section for 附件1, a page break before 附件2 and 附件3
    assert len(document.sections) == 2 and document.sections[1].page_width > document.sections[1].page_height
    xml = document.element.body.xml
    assert xml.index('w:type="page"') < xml.index(">附件2<") < xml.rindex('w:type="page"') < xml.index(">附件3<")
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
        # the picture's paragraph is single-spaced: the body's fixed 28 pt lines would clip it to a sliver
        document = docx.Document(str(first["docx"]))
        picture = next(p for p in document.paragraphs if p._p.xpath(".//w:drawing"))
        assert picture.paragraph_format.line_spacing == 1.0
        assert first["chart"].read_bytes() == written[1]["chart"].read_bytes()


def test_missing_month_is_a_clear_error(written, tmp_path):
    con = duckdb.connect(str(written[0]["md"].parent.parent / "warehouse.duckdb"), read_only=True)
    with pytest.raises(LookupError, match="2021-01"):
        write_bulletin(con, date(2021, 1, 1), tmp_path, generated_on=ISSUED)
    con.close()
    assert not re.search(r"bulletin-2021", " ".join(p.name for p in tmp_path.iterdir()))


def test_every_figure_is_stored_with_a_source_that_gives_it_back(written, tmp_path):
    """marts.bulletin_figures: one row per printed figure; each row's model/filter/measure gives its value."""
    figures = written[0]["figures"]
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(written[0]["md"].parent.parent / "warehouse.duckdb", path)
    con = duckdb.connect(str(path))
    assert store_figures(con, MONTH, figures) == len(figures) > 200
    assert store_figures(con, MONTH, figures) == len(figures)           # a rerun replaces, never adds
    rows = con.execute("""select section, label, value, model, filter, measure from marts.bulletin_figures
                          where report_month = ? order by figure_no""", [MONTH]).fetchall()
    assert [(r[0], r[1]) for r in rows] == [(f.section, f.label) for f in figures]
    assert mismatches(con, MONTH) == []
    # by hand: 江夏区's 行政许可 timeliness is NULL (base 0): printed blank, so no figure; its compliance is one
    row = next(r for r in rows if r[0] == "附件2" and r[1] == "江夏区（420115）行政许可合规率")
    assert row[2] == pytest.approx(650 / 677) and row[3] == "marts.unit_monthly_quality"
    assert row[4] == ("report_month = DATE '2022-06-01' and feed in ('license') and unit_code = '420115'")
    assert not any(r[1] == "江夏区（420115）行政许可及时率" for r in rows)
    share = next(r for r in rows if r[1] == "市直单位：市公管办（114200007）占市直单位报送总量")
    assert con.execute(f"select {share[5]} from {share[3]} where {share[4]}").fetchone()[0] == \
        pytest.approx(838 / 1073)
    # the check can fail: change a row of marts under the stored figures
    con.execute("update marts.unit_monthly_quality set submitted = submitted + 1 "
                "where unit_code = '420115' and feed = 'license' and report_month = ?", [MONTH])
    broken = mismatches(con, MONTH)
    expected = total("420115")
    assert f"附件2 江夏区（420115）总报送量: stored {float(expected)}, source gives {expected + 1}" in \
        [b.split(" ", 1)[1] for b in broken]
    assert any("江夏区（420115）行政许可数量" in b for b in broken)
    con.close()
