"""The monthly bulletin (月度通报), composed from `marts` alone (spec: bulletin.md, warehouse.md).

Modelled on seeds/001_aeac7ec9871086dc.txt (市信用办关于2022年6月份信用信息报送和平台对接情况的通报): its wording,
order and layout. Every number printed comes from `marts` (monthly_overview, unit_monthly_quality, dim_platform,
suspected_concealment, fct_publicity_activities), sums and shares included (the SELECTs compute them); this
module only formats, orders and selects, and records each printed number as a `Figure` with its `Source`: the
marts table, filter and measure that give it back (stored in marts.bulletin_figures by bulletin_figures.py).

Counts in sections 二–七 and in 附件1/2 are 报送量 (`submitted`: rows received in the month, accepted or not, as
warehouse.md defines it), so a sentence and its unit's table cell always agree, as in the seed.

Reading order: WORDING (every phrase of the document) → reading marts → formatting → the sentence rules of
section 一 → sections 二–九 → attachments → the document → write_bulletin.
To add a section: write a function `(month, doc) -> None` and list it in SECTIONS.
To add a table column: add the feed (and its metrics) to ATTACHMENT_FEEDS.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Callable, NamedTuple
from zoneinfo import ZoneInfo

from credit_feeds import bulletin_render as r
from credit_feeds.feeds import get_feed

log = logging.getLogger(__name__)

# =============================================================================================== WORDING
# Every phrase of the bulletin, in the seed's words. {feed} is a feed's Chinese name (行政许可), {metric} 合规率 or
# 及时率; a phrase ending in "：" is followed by a list such as 江汉区（93.69%）、东湖风景区（94.87%）.
# Numbers are filled in from marts, never written here ("达到100%" is a phrase, not a figure).

MASTHEAD = "{office}文件"
DOC_NO = "X信用办〔{year}〕  号"   # the number is given by the office when it issues the document
TITLE = "关于{year}年{month}月份信用信息报送和平台对接情况的通报"
ADDRESSEES = "各区人民政府，市相关部门及有关单位："
INTRO = ("为持续提升我市信用信息报送质量，推进系统平台对接，促进信用信息互通共享，现将{year}年{month}月各区、"
         "市各部门信用信息报送以及系统平台对接情况通报如下：")

DISCLOSURES_HEADING = "一、行政许可、行政处罚“双公示”信息报送情况"
DISCLOSURES_TOTALS = "{month}月份，各区、市各部门报送“双公示”信息总量{submitted}万条，清洗入库{accepted}万条"
DISCLOSURES_COMPLIANCE = "，数据合规率{rate}"
DISCLOSURES_TIMELINESS = "，及时率{rate}"
FEED_HEADING = "（{number}）{feed}信息报送情况"
SUBSECTION = "{number}. {feed}信息报送{aspect}{verdict}的单位"
ASPECTS = {"compliance_rate": "合规性", "timeliness_rate": "及时性"}
GOOD, POOR = "较好", "较差"
METRICS = {"compliance_rate": "合规率", "timeliness_rate": "及时率"}

DISTRICTS_ALL_AT_100 = "各区{feed}信息{metric}均达到100%"
DISTRICTS_ALL_ABOVE = "各区{feed}信息{metric}均超过{floor}%"
DISTRICTS_AT_100 = "{feed}信息{metric}达到100%的区有："
DISTRICTS_HIGHEST = "{feed}信息{metric}较高的区有："
DISTRICTS_LOWEST = "{feed}信息{metric}较低的区有："
DEPARTMENTS_ALL_AT_100 = "市直单位{feed}信息{metric}均达到100%"
DEPARTMENTS_AT_100 = "市直单位{feed}信息{metric}达到100%的有："
DEPARTMENTS_BELOW_100 = "市直单位{feed}信息{metric}未达到100%的有："
UNIT_WITH_RATE = "{name}（{rate}）"
LIST_SEPARATOR = "、"
END = "。"
AFTER_SUMMARY, AFTER_LIST = "，", "；"   # joining a department summary to the districts' sentence (seed)

CHART_CAPTION = "图1  {month}月各区行政许可、行政处罚信息合规率、及时率"
CHART_TITLE = "{year}年{month}月各区“双公示”信息合规率、及时率"

ATTACHMENT_LIST_FIRST = "附件：{number}.{title}"
ATTACHMENT_LIST_NEXT = "　　　{number}.{title}"   # aligned under the first item, as in the seed
ATTACHMENT_LABEL = "附件{number}"
ATTACHMENTS = (("department", "{month}月市直部门报送情况统计表"), ("district", "{month}月各区报送情况统计表"),
               ("publicity", "开展诚信宣传活动统计表"))
UNIT_COLUMN = "报送机构"
TOTAL_COLUMN = "总报送量"
METRIC_COLUMNS = {"submitted": "数量", "compliance_rate": "合规率", "timeliness_rate": "及时率"}
DATE_LINE = "{year}年{month}月{day}日"
SUPERGROUP_COLUMN = "信用信息报送情况（条）"   # 附件1/2: the group summed in 总报送量
# 附件1/2 column labels of feeds shown by their count alone, where the seed's label is not the feed's name
COUNT_COLUMNS = {"other-action": "其他行政行为信息", "commitment": "信用承诺信息（条）",
                 "fulfilment": "履约践诺信息（条）", "joint-case": "联合奖惩案例（个）"}
ATTACHMENT_TABLE_NOTE = ("注：各项数量为本月报送量（含未通过校验的记录）；总报送量为“信用信息报送情况”各项之和"
                         "（行政许可至基础信息），不含信用承诺、履约践诺信息和联合奖惩案例；比率空白表示无可计算的记录。")

# Sections 二–七: counts by districts (区) and departments (市直单位). {subject} is the section's name of what is
# counted (信用承诺信息), {unit} 条 or 个. Which phrase a section uses is set in VOLUME_SECTIONS below.
COMMITMENTS_HEADING = "二、信用承诺及履约践诺信息报送情况"
COMMITMENT_HEADING = "（一）信用承诺信息报送情况"
FULFILMENT_HEADING = "（二）履约践诺信息报送情况"
FIVE_KINDS_HEADING = "三、行政强制、行政确认、行政裁决、行政奖励、行政监督检查等五类行政管理信息报送情况"
OTHER_ACTIONS_HEADING = "四、行政征收、行政给付、行政补偿等其他行政行为信息报送情况"
GRADING_HEADING = "五、分级分类结果信息报送情况"
BASIC_INFO_HEADING = "六、基础信息报送情况"
JOINT_CASES_HEADING = "七、联合奖惩案例报送情况"
MONTH_LEAD = "{month}月份，"
NONE_REPORTED = "各区、市直单位均未报送{subject}"
SINGLE_UNIT = "{name}报送{subject}{count}{unit}"            # one unit of its kind: named, not counted
DISTRICTS_JOINTLY = "{n}个区共报送{subject}{count}{unit}"
DISTRICTS_HAVE_JOINTLY = "有{n}个区共报送{subject}{count}{unit}"
DISTRICTS_PLAIN = "{n}个区报送{subject}{count}{unit}"
TOP_THREE = "，报送数量前3位的是：{names}"
TOP_THREE_SHORT = "，报送数量前三的是：{names}"             # section 七's words
ALL_IN_ORDER = "，按报送数量依次是：{names}"                # two or three districts: all of them (not in the seed)
LARGEST_SHARE = "，其中{name}报送{count}{unit}，占报送总量{share}"
DEPARTMENTS_PLAIN = "{n}个市直单位报送{subject}{count}{unit}"
DEPARTMENTS_JOINTLY = "{n}个市直单位共报送{subject}{count}{unit}"
LARGEST_TWO = "，其中{name1}和{name2}分别报送{count1}{unit}、{count2}{unit}"
FEW_JOINTLY = "{names}共报送{subject}{count}{unit}"        # 市交通运输局、市住房保障和房屋管理局共报送…101条
FEW_EACH = "{names}分别报送{subject}{counts}"              # …分别报送联合奖惩案例49个和1个
COUNT_WITH_UNIT = "{count}{unit}"
LAST_SEPARATOR = "和"

PLATFORMS_HEADING = "八、平台对接情况"
PLATFORMS_WITH_NEW = ("截至{month}月份，已有{connected}个平台（系统）与市信用信息公共服务平台完成对接，"
                      "其中本月新增{new}个，具体如下：")
PLATFORMS_NONE_NEW = "截至{month}月份，已有{connected}个平台（系统）与市信用信息公共服务平台完成对接，本月无新增。"
PLATFORM_COLUMNS = ("序号", "所属单位", "平台名称")

# 九、有关要求: the office's standing requirements (policy text, not data: edit freely), then item 1's finding.
REQUIREMENTS_HEADING = "九、有关要求"
CONCEALMENT_POLICY = (
    "1.坚决杜绝“双公示”数据瞒报。今年以来，国家公共信用信息中心每月抽取我市5-7个部门和行业，在报送数据中选取较大"
    "文书号为划定范围，分别随机抽取25条行政许可、行政处罚文书号在数据库中比对，如数据库中没有，作为疑似瞒报数据，"
    "由各地核查，如核查属实瞒报，将扣减我市城市信用状况监测分。")
CONCEALMENT_FOUND = "{month}月份，经文书号连号比对，发现{units}疑似瞒报“双公示”信息{count}条：{items}。"
CONCEALMENT_NONE = "{month}月份，经文书号连号比对，未发现疑似瞒报“双公示”信息。"
CONCEALMENT_DISTRICTS, CONCEALMENT_DEPARTMENTS = "{n}个区", "{n}个部门"
CONCEALMENT_ITEM = "{name}{count}条"
UNKNOWN_UNIT = "未登记单位"                                  # a row without a unit code (should not happen)
CONCEALMENT_FOLLOW_UP = ("各区、各部门要高度重视，今后在报送“双公示”信息时要结合文书号自查，如发现未连号情况要立即"
                         "核查溯源、厘清原由，坚决杜绝漏报、瞒报。")
OTHER_REQUIREMENTS = (
    "2.提升行政强制等5类数据报送质效。行政强制、行政确认、行政裁决、行政奖励、行政监督检查等5类行政管理信息报送的"
    "数量和合规性，已纳入国家公共信用信息中心《城市信用状况监测预警指标（2022年版）》考核，各区、各部门要严格按照"
    "《5类行政管理信息数据归集标准（试行）》，在作出行政决定之日起14个工作日内将5类行政管理信息全量、及时、准确"
    "报送市信用平台。",
    # the seed's clause naming one department (市卫生健康委要加快…) was that month's; the office adds such clauses
    "3.着力推进系统平台对接。各区、各部门要深度梳理本区、本部门产生与应用信用信息的平台系统，做到与市信用平台应接"
    "尽接；对接成功后要推进机制化数据报送和调用数据，形成信用信息归集共享应用的良好循环。",
    # the seed's one-off dates (7月底报送1-7月…，从8月份开始…) become the standing monthly rule
    "4.积极开展各类诚信宣传活动。按照国家公共信用信息中心《城市信用状况监测预警指标（2022年版）》要求，我市每年要"
    "开展120次以上诚信宣传活动。诚信宣传活动是指通过诚信典型案例发布、政策权威解读、组织开展“信用日”宣传等方式，"
    "开展进校园、进企业、进街道社区、进村镇等诚信文化和信用建设方面的宣传活动，必须与信用强相关。各区每月、各部门"
    "每季度至少开展1次诚信宣传活动，并填制《开展诚信宣传活动统计表》（附件3），每月底报市信用办（邮箱：×××），"
    "诚信宣传活动采纳情况纳入月度通报和季度营商环境考核。",
)
# ××× are for the office to fill in (the seed's contacts are real people's; they are not copied)
CONTACTS = ("联系人：市信用办，×××，××××××××", "　　　　市信用平台，×××，××××××××")

PUBLICITY_COLUMNS = ("序号", "报送单位/区", "刊发媒体", "稿件标题", "网址链接", "备注")
PUBLICITY_REMARK = "{month}月报送"
PUBLICITY_NONE = "本月未收到诚信宣传活动报送。"
ATTACHMENT_NONE = "本月无报送。"

# ============================================================================================ WHAT IS SHOWN
DISTRICT, DEPARTMENT = "district", "department"
DISCLOSURE_FEEDS = ("license", "penalty")          # section 一, one subsection each
FIVE_KINDS = ("enforcement", "confirmation", "adjudication", "reward", "inspection")   # section 三
# Attachment columns after 总报送量, in the seed's order (附件2): (feed, metrics shown).
RATED = ("submitted", "compliance_rate", "timeliness_rate")
ATTACHMENT_FEEDS = (
    ("license", RATED), ("penalty", RATED),
    *((feed, ("submitted",)) for feed in FIVE_KINDS),
    ("other-action", ("submitted",)), ("grading", ("submitted",)), ("basic-info", ("submitted",)),
    ("commitment", ("submitted",)), ("fulfilment", ("submitted",)), ("joint-case", ("submitted",)),
)
# 总报送量 is the seed's 信用信息报送情况 group: 双公示, the five kinds, other actions, grading, basic information;
# not commitments, fulfilment, joint cases (their own columns). Checked on the seed: 东湖高新区 149359 =
# 967 + 20 + 3213 + 127988 + 10109 + 105 + 6957. Publicity is not a count column: it is 附件3.
TOTAL_FEEDS = ("license", "penalty", *FIVE_KINDS, "other-action", "grading", "basic-info")
FEW = 3            # up to three departments are named rather than counted (seed: 二（二）, 五, 七)
TOP = 3            # 较高 / 较低 lists name three districts
NEARLY_ALL = Decimal("0.99")   # from this minimum on, districts' timeliness is summarised as 均超过 (seed)
CHINESE_NUMBERS = "一二三四五六七八九十"
BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class VolumeSection:
    """One paragraph of sections 二–七: what it counts and which of the phrases above it says it with.
    A kind with one unit is named (SINGLE_UNIT); districts: lead + detail (two or three districts: ALL_IN_ORDER
    instead of TOP_THREE); departments: `few` when 2–FEW of them, else lead + detail."""
    key: str                         # the section as figures name it: "二（一）"
    headings: tuple[tuple[int, str], ...]
    feeds: tuple[str, ...]
    subject: str                     # 信用承诺信息
    districts: str
    district_detail: str | None
    departments: str
    department_detail: str | None = None
    few: str | None = None
    joint: str | None = "；"          # joins the two clauses into one sentence; None: two paragraphs
    with_month: bool = True          # "6月份，" in front (二（二） continues 二（一） without it)
    unit: str = "条"


VOLUME_SECTIONS = (
    VolumeSection("二（一）", ((1, COMMITMENTS_HEADING), (2, COMMITMENT_HEADING)),
                  ("commitment",), "信用承诺信息", DISTRICTS_JOINTLY, TOP_THREE, DEPARTMENTS_PLAIN, LARGEST_SHARE,
                  joint=None),
    VolumeSection("二（二）", ((2, FULFILMENT_HEADING),),
                  ("fulfilment",), "履约践诺信息", DISTRICTS_JOINTLY, TOP_THREE, DEPARTMENTS_JOINTLY,
                  few=FEW_JOINTLY, with_month=False),
    VolumeSection("三", ((1, FIVE_KINDS_HEADING),),
                  FIVE_KINDS, "五类行政管理信息", DISTRICTS_HAVE_JOINTLY, LARGEST_SHARE, DEPARTMENTS_PLAIN,
                  LARGEST_TWO),
    VolumeSection("四", ((1, OTHER_ACTIONS_HEADING),),
                  ("other-action",), "其他行政行为信息", DISTRICTS_PLAIN, None, DEPARTMENTS_PLAIN,
                  few=FEW_EACH, joint="，"),
    VolumeSection("五", ((1, GRADING_HEADING),),
                  ("grading",), "分级分类结果信息", DISTRICTS_PLAIN, TOP_THREE, DEPARTMENTS_JOINTLY, few=FEW_JOINTLY),
    VolumeSection("六", ((1, BASIC_INFO_HEADING),),
                  ("basic-info",), "基础信息", DISTRICTS_PLAIN, None, DEPARTMENTS_JOINTLY, few=FEW_JOINTLY),
    VolumeSection("七", ((1, JOINT_CASES_HEADING),),
                  ("joint-case",), "联合奖惩案例", DISTRICTS_PLAIN, TOP_THREE_SHORT, DEPARTMENTS_PLAIN,
                  few=FEW_EACH, unit="个"),
)


class Source(NamedTuple):
    """Where a figure comes from: `select <measure> from <model> where <where>` gives its value back."""
    model: str
    where: str
    measure: str

    def sql(self) -> str:
        return f"select {self.measure} from {self.model} where {self.where}"


class Figure(NamedTuple):
    """One printed number: where it is printed, what it is, its value in the warehouse (rates as fractions)
    and the source that gives it back."""
    section: str
    label: str
    value: int | float | Decimal | None
    source: Source


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def quality_source(month: date, measure: str, feeds, unit_code: str | None = None,
                   unit_kind: str | None = None, where: str = "") -> Source:
    """A figure of marts.unit_monthly_quality: the month, one feed or several, one unit or one kind of unit."""
    parts = [f"report_month = {_date(month)}", f"feed in ({_in(feeds)})"]
    if unit_code is not None:
        parts.append(f"unit_code = '{unit_code}'")
    if unit_kind is not None:
        parts.append(f"unit_kind = '{unit_kind}'")
    if where:
        parts.append(where)
    return Source("marts.unit_monthly_quality", " and ".join(parts), measure)


# ============================================================================================ READING MARTS
# Plain SELECTs with the month as a DATE literal, so the same SQL runs on DuckDB and PostgreSQL.

@dataclass(frozen=True)
class UnitFeed:
    """One row of marts.unit_monthly_quality."""
    report_month: date
    unit_code: str
    unit_name: str
    unit_kind: str
    feed: str
    submitted: int
    compliance_rate: float | None
    timeliness_rate: float | None

    def rate(self, metric: str) -> float | None:
        return getattr(self, metric)

    def source(self, metric: str) -> Source:
        return quality_source(self.report_month, metric, (self.feed,), unit_code=self.unit_code)


@dataclass(frozen=True)
class Volume:
    """One unit's count for a section of 二–七, with its kind's totals (computed by the SELECT)."""
    unit_code: str
    unit_name: str
    unit_kind: str
    submitted: int
    kind_units: int          # units of this kind that reported
    kind_submitted: int      # their total
    kind_share: float        # submitted / kind_submitted
    report_month: date
    feeds: tuple[str, ...]   # the section's feeds, summed

    def source(self, measure: str = "sum(submitted)", per_kind: bool = False, where: str = "") -> Source:
        """This unit's row (or, per_kind, its kind's rows) of the section's feeds in unit_monthly_quality."""
        unit = {"unit_kind": self.unit_kind} if per_kind else {"unit_code": self.unit_code}
        return quality_source(self.report_month, measure, self.feeds, where=where, **unit)


@dataclass(frozen=True)
class Platform:
    platform_code: str
    platform_name: str
    owner_unit_code: str | None
    owner_unit_name: str | None
    connected_on: date


@dataclass(frozen=True)
class Concealment:
    """A unit's suspected concealed records found this month (rows of marts.suspected_concealment)."""
    unit_code: str
    unit_name: str | None
    unit_kind: str | None
    records: int
    month_records: int       # all units' records of the month


@dataclass(frozen=True)
class Publicity:
    unit_code: str
    unit_name: str | None
    media: str
    title: str
    url: str
    activity_date: date | None


@dataclass(frozen=True)
class Month:
    report_month: date
    overview: dict
    quality: tuple[UnitFeed, ...]
    totals: dict[str, int]   # unit_code -> 总报送量
    volumes: dict[str, tuple[Volume, ...]] = field(default_factory=dict)   # VolumeSection.key -> units
    platforms_connected: int = 0
    new_platforms: tuple[Platform, ...] = ()
    concealment: tuple[Concealment, ...] = ()
    publicity: tuple[Publicity, ...] = ()

    def units(self, feed: str, kind: str) -> list[UnitFeed]:
        return [u for u in self.quality if u.feed == feed and u.unit_kind == kind]


def _select(con, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _date(day: date) -> str:
    return f"DATE '{day.isoformat()}'"


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def _read_volumes(con, first: date, feeds: tuple[str, ...]) -> tuple[Volume, ...]:
    """Units that reported any of `feeds`, with their kind's number of units, total and their share of it."""
    month, names = _date(first), _in(feeds)
    rows = _select(con, f"""
        select unit_code, unit_name, unit_kind, submitted,
               count(*) over (partition by unit_kind) as kind_units,
               sum(submitted) over (partition by unit_kind) as kind_submitted,
               cast(submitted as double precision) / sum(submitted) over (partition by unit_kind) as kind_share
        from (
            select unit_code, unit_name, unit_kind, sum(submitted) as submitted
            from marts.unit_monthly_quality
            where report_month = {month} and feed in ({names}) and unit_kind in ('{DISTRICT}', '{DEPARTMENT}')
            group by unit_code, unit_name, unit_kind
            having sum(submitted) > 0
        ) as per_unit
        order by unit_kind, submitted desc, unit_code""")
    return tuple(Volume(**{**row, "submitted": int(row["submitted"]), "kind_units": int(row["kind_units"]),
                           "kind_submitted": int(row["kind_submitted"])}, report_month=first, feeds=feeds)
                 for row in rows)


def read_month(con, report_month: date) -> Month:
    first = report_month.replace(day=1)
    month, next_month = _date(first), _date(_next_month(first))
    overview = _select(con, f"""
        select report_month, disclosures_submitted, disclosures_accepted, disclosures_compliance_rate,
               disclosures_timeliness_rate
        from marts.monthly_overview
        where report_month = {month}""")
    if not overview:
        raise LookupError(f"marts.monthly_overview 无 {report_month:%Y-%m} 的数据，无法生成通报 "
                          f"(no row for {report_month:%Y-%m})")
    quality = _select(con, f"""
        select report_month, unit_code, unit_name, unit_kind, feed, submitted, compliance_rate, timeliness_rate
        from marts.unit_monthly_quality
        where report_month = {month}""")
    feeds = _in(TOTAL_FEEDS)
    totals = _select(con, f"""
        select unit_code, sum(submitted) as total_submitted
        from marts.unit_monthly_quality
        where report_month = {month} and feed in ({feeds})
        group by unit_code""")
    connected = _select(con, f"""
        select count(*) as connected from marts.dim_platform where connected_on < {next_month}""")
    platforms = _select(con, f"""
        select platform_code, platform_name, owner_unit_code, owner_unit_name, connected_on
        from marts.dim_platform
        where connected_on >= {month} and connected_on < {next_month}
        order by connected_on, platform_code""")
    concealment = _select(con, f"""
        select s.unit_code, u.unit_name, u.unit_kind, count(*) as records,
               sum(count(*)) over () as month_records
        from marts.suspected_concealment as s
        left join marts.dim_reporting_unit as u on s.unit_code = u.unit_code
        where s.report_month = {month}
        group by s.unit_code, u.unit_name, u.unit_kind
        order by count(*) desc, s.unit_code""")
    publicity = _select(con, f"""
        select unit_code, unit_name, media, title, url, activity_date
        from marts.fct_publicity_activities
        where report_month = {month}
        order by activity_date, unit_code, title, url, file_id, source_row""")
    return Month(
        report_month=first,
        overview=overview[0],
        quality=tuple(UnitFeed(**{**row, "submitted": int(row["submitted"])}) for row in quality),
        totals={row["unit_code"]: int(row["total_submitted"]) for row in totals},
        volumes={v.key: _read_volumes(con, first, v.feeds) for v in VOLUME_SECTIONS},
        platforms_connected=int(connected[0]["connected"]),
        new_platforms=tuple(Platform(**row) for row in platforms),
        concealment=tuple(Concealment(**{**row, "records": int(row["records"]),
                                          "month_records": int(row["month_records"])}) for row in concealment),
        publicity=tuple(Publicity(**row) for row in publicity),
    )


# ============================================================================================== FORMATTING
# Decimal from the shortest repr of the stored double, rounded half up: 0.99605 prints 99.61%, the same on
# every platform.

def _percent(rate) -> Decimal:
    return Decimal(str(rate)) * 100


def pct(rate) -> str:
    """0.9962 -> '99.62%'. Never called with NULL: a NULL rate is left out or left blank."""
    return f"{_percent(rate).quantize(Decimal('0.01'), ROUND_HALF_UP):f}%"


def floor_one_decimal(rate) -> str:
    """0.99425 -> '99.4' (均超过99.4%: the floor keeps the statement true)."""
    return f"{_percent(rate).quantize(Decimal('0.1'), ROUND_FLOOR):f}"


def wan(count) -> str:
    """117500 -> '11.75' (万条)."""
    return f"{(Decimal(int(count)) / 10000).quantize(Decimal('0.01'), ROUND_HALF_UP):f}"


def date_line(day: date) -> str:
    return DATE_LINE.format(year=day.year, month=day.month, day=day.day)


# ======================================================================== SECTION 一: THE SENTENCE RULES
# Orders (tie-breaks: rate, then submitted desc, then unit_code).

def _highest(units: list[UnitFeed], metric: str) -> list[UnitFeed]:
    return sorted(units, key=lambda u: (-u.rate(metric), -u.submitted, u.unit_code))


def _lowest(units: list[UnitFeed], metric: str) -> list[UnitFeed]:
    return sorted(units, key=lambda u: (u.rate(metric), -u.submitted, u.unit_code))


def _biggest(units: list[UnitFeed]) -> list[UnitFeed]:
    return sorted(units, key=lambda u: (-u.submitted, u.unit_code))


@dataclass
class Clause:
    """A sentence without its full stop. A summary (…均达到100%) may be joined to the districts' sentence."""
    text: str
    summary: bool = False
    figures: list[tuple[str, object, Source]] = field(default_factory=list)   # (label, value, source)


def _list_clause(template: str, units: list[UnitFeed], metric: str, feed_zh: str, with_rates: bool) -> Clause:
    """"<phrase>：A（x%）、B（y%）" (or names only); each unit named is a figure, its rate the value."""
    head = template.format(feed=feed_zh, metric=METRICS[metric])
    items = [UNIT_WITH_RATE.format(name=u.unit_name, rate=pct(u.rate(metric))) if with_rates else u.unit_name
             for u in units]
    figures = [(f"{head.rstrip('：')}：{u.unit_name}（{u.unit_code}）", u.rate(metric), u.source(metric))
               for u in units]
    return Clause(head + LIST_SEPARATOR.join(items), figures=figures)


def _rated(units: list[UnitFeed], metric: str) -> list[UnitFeed]:
    return [u for u in units if u.rate(metric) is not None]   # NULL: no deadline or no valid base


def districts_good(districts: list[UnitFeed], metric: str, feed_zh: str) -> Clause | None:
    at_100 = _biggest([u for u in districts if u.rate(metric) >= 1])
    words = {"feed": feed_zh, "metric": METRICS[metric]}
    if metric == "timeliness_rate" and districts:
        lowest = _lowest(districts, metric)[0]
        if len(at_100) == len(districts):
            return Clause(DISTRICTS_ALL_AT_100.format(**words), summary=True)
        if Decimal(str(lowest.rate(metric))) >= NEARLY_ALL:
            floor = floor_one_decimal(lowest.rate(metric))
            return Clause(DISTRICTS_ALL_ABOVE.format(**words, floor=floor), summary=True,
                          figures=[(f"各区{feed_zh}信息{METRICS[metric]}最低：{lowest.unit_name}（{lowest.unit_code}）",
                                    lowest.rate(metric),
                                    quality_source(lowest.report_month, f"min({metric})", (lowest.feed,),
                                                   unit_kind=DISTRICT))])
    if at_100:
        return _list_clause(DISTRICTS_AT_100, at_100, metric, feed_zh, with_rates=False)
    if metric == "compliance_rate" and districts:
        return _list_clause(DISTRICTS_HIGHEST, _highest(districts, metric)[:TOP], metric, feed_zh, with_rates=True)
    return None


def departments_good(departments: list[UnitFeed], metric: str, feed_zh: str) -> Clause | None:
    at_100 = _biggest([u for u in departments if u.rate(metric) >= 1])
    if departments and len(at_100) == len(departments):
        return Clause(DEPARTMENTS_ALL_AT_100.format(feed=feed_zh, metric=METRICS[metric]), summary=True)
    if at_100:
        return _list_clause(DEPARTMENTS_AT_100, at_100, metric, feed_zh, with_rates=False)
    return None


def districts_poor(districts: list[UnitFeed], metric: str, feed_zh: str) -> Clause | None:
    below = _lowest([u for u in districts if u.rate(metric) < 1], metric)[:TOP]
    return _list_clause(DISTRICTS_LOWEST, below, metric, feed_zh, with_rates=True) if below else None


def departments_poor(departments: list[UnitFeed], metric: str, feed_zh: str) -> Clause | None:
    below = _lowest([u for u in departments if u.rate(metric) < 1], metric)
    return _list_clause(DEPARTMENTS_BELOW_100, below, metric, feed_zh, with_rates=True) if below else None


def _paragraphs(districts: Clause | None, departments: Clause | None) -> list[Clause]:
    """The seed joins a department summary to the districts' sentence ("…洪山区；市直单位…均达到100%。",
    "…均超过99.4%，市直单位…均达到100%。"); anything else stands as its own paragraph."""
    if districts and departments and departments.summary:
        joint = AFTER_SUMMARY if districts.summary else AFTER_LIST
        return [Clause(districts.text + joint + departments.text, figures=districts.figures + departments.figures)]
    return [c for c in (districts, departments) if c]


def feed_subsections(month: Month, feed: str) -> list[tuple[str, str, list[Clause]]]:
    """(aspect, verdict, paragraphs) of one feed, in the seed's order, leaving out the empty ones."""
    feed_zh = get_feed(feed).name_zh
    out = []
    for verdict in (GOOD, POOR):
        for metric in ("compliance_rate", "timeliness_rate"):
            districts = _rated(month.units(feed, DISTRICT), metric)
            departments = _rated(month.units(feed, DEPARTMENT), metric)
            if verdict == GOOD:
                paragraphs = _paragraphs(districts_good(districts, metric, feed_zh),
                                         departments_good(departments, metric, feed_zh))
            else:
                district_clause = districts_poor(districts, metric, feed_zh)
                good = districts_good(districts, metric, feed_zh)
                if good and good.summary:
                    # the seed does not list districts again as poor once it said 各区…均超过99.4%
                    district_clause = None
                paragraphs = _paragraphs(district_clause, departments_poor(departments, metric, feed_zh))
            if paragraphs:
                out.append((ASPECTS[metric], verdict, paragraphs))
    return out


# ============================================================================================ THE DOCUMENT

@dataclass
class Bulletin:
    blocks: list[r.Block] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)

    def add(self, block: r.Block) -> None:
        self.blocks.append(block)

    def paragraph(self, text: str, style: str = r.BODY) -> None:
        self.blocks.append(r.Paragraph(text, style))

    def heading(self, level: int, text: str) -> None:
        self.blocks.append(r.Heading(level, text))

    def figure(self, section: str, label: str, value, source: Source) -> None:
        self.figures.append(Figure(section, label, value, source))


def section_disclosures(month: Month, doc: Bulletin) -> None:
    """一、行政许可、行政处罚“双公示”信息报送情况."""
    o, m = month.overview, month.report_month.month
    overview = partial(Source, "marts.monthly_overview", f"report_month = {_date(month.report_month)}")
    doc.heading(1, DISCLOSURES_HEADING)
    sentence = DISCLOSURES_TOTALS.format(month=m, submitted=wan(o["disclosures_submitted"]),
                                         accepted=wan(o["disclosures_accepted"]))
    doc.figure("一", "“双公示”信息总量（条）", o["disclosures_submitted"], overview("disclosures_submitted"))
    doc.figure("一", "“双公示”信息清洗入库（条）", o["disclosures_accepted"], overview("disclosures_accepted"))
    if o["disclosures_compliance_rate"] is not None:
        sentence += DISCLOSURES_COMPLIANCE.format(rate=pct(o["disclosures_compliance_rate"]))
        doc.figure("一", "“双公示”信息数据合规率", o["disclosures_compliance_rate"],
                   overview("disclosures_compliance_rate"))
    if o["disclosures_timeliness_rate"] is not None:
        sentence += DISCLOSURES_TIMELINESS.format(rate=pct(o["disclosures_timeliness_rate"]))
        doc.figure("一", "“双公示”信息及时率", o["disclosures_timeliness_rate"],
                   overview("disclosures_timeliness_rate"))
    doc.paragraph(sentence + END)

    printed = 0
    for feed in DISCLOSURE_FEEDS:
        subsections = feed_subsections(month, feed)
        if not subsections:
            continue
        printed += 1
        number = CHINESE_NUMBERS[printed - 1]
        feed_zh = get_feed(feed).name_zh
        doc.heading(2, FEED_HEADING.format(number=number, feed=feed_zh))
        for i, (aspect, verdict, paragraphs) in enumerate(subsections, start=1):
            doc.heading(3, SUBSECTION.format(number=i, feed=feed_zh, aspect=aspect, verdict=verdict))
            for clause in paragraphs:
                doc.paragraph(clause.text + END)
                for label, value, source in clause.figures:
                    doc.figure(f"一（{number}）{i}", label, value, source)


def district_chart(month: Month, doc: Bulletin, path: Path) -> None:
    """图1 at the end of section 一 (not in the seed; bulletin.md asks for it), when a CJK font is installed."""
    from credit_feeds.bulletin_chart import draw_district_chart   # matplotlib only when a chart is drawn

    order = _attachment_units(month, DISTRICT)
    panels = []
    for feed in DISCLOSURE_FEEDS:
        by_unit = {u.unit_code: u for u in month.units(feed, DISTRICT)}
        rows = [(by_unit[code].unit_name, by_unit[code].compliance_rate, by_unit[code].timeliness_rate)
                for code, _ in order if code in by_unit]
        panels.append((get_feed(feed).name_zh, rows))
    m, y = month.report_month.month, month.report_month.year
    if draw_district_chart(panels, path, CHART_TITLE.format(year=y, month=m)) is not None:
        doc.add(r.Image(path, CHART_CAPTION.format(month=m)))


# =========================================================== SECTIONS 二–七: COUNTS BY DISTRICTS AND DEPARTMENTS

KIND_ZH = {DISTRICT: "区", DEPARTMENT: "市直单位"}


def _names(units: list[Volume]) -> str:
    return LIST_SEPARATOR.join(u.unit_name for u in units)


def _counts_each(units: list[Volume], unit: str) -> str:
    """"49个和1个", "66条、12条和3条"."""
    counts = [COUNT_WITH_UNIT.format(count=u.submitted, unit=unit) for u in units]
    return counts[0] if len(counts) == 1 else LIST_SEPARATOR.join(counts[:-1]) + LAST_SEPARATOR + counts[-1]


def volume_clause(spec: VolumeSection, units: list[Volume], kind: str) -> Clause | None:
    """The clause about one kind of unit (units by submitted desc, unit_code), or None when none reported."""
    if not units:
        return None
    kind_zh, words = KIND_ZH[kind], {"subject": spec.subject, "unit": spec.unit}
    first = units[0]

    def counted(u: Volume) -> tuple[str, object, Source]:
        return f"{kind_zh}：{u.unit_name}（{u.unit_code}）报送{spec.subject}（{spec.unit}）", u.submitted, u.source()

    kind_total = (f"{kind_zh}报送{spec.subject}（{spec.unit}）", first.kind_submitted, first.source(per_kind=True))
    if len(units) == 1:
        return Clause(SINGLE_UNIT.format(name=first.unit_name, count=first.submitted, **words),
                      figures=[counted(first)])
    if kind == DEPARTMENT and spec.few and len(units) <= FEW:
        text = spec.few.format(names=_names(units), count=first.kind_submitted,
                               counts=_counts_each(units, spec.unit), **words)
        return Clause(text, figures=[kind_total] if spec.few == FEW_JOINTLY else [counted(u) for u in units])

    lead = spec.districts if kind == DISTRICT else spec.departments
    text = lead.format(n=first.kind_units, count=first.kind_submitted, **words)
    figures = [(f"报送{spec.subject}的{kind_zh}（个）", first.kind_units,
                first.source("count(distinct unit_code)", per_kind=True, where="submitted > 0")), kind_total]
    detail = spec.district_detail if kind == DISTRICT else spec.department_detail
    if detail in (TOP_THREE, TOP_THREE_SHORT):
        top = units[:TOP]
        text += (detail if len(units) > TOP else ALL_IN_ORDER).format(names=_names(top))
        figures += [counted(u) for u in top]
    elif detail == LARGEST_SHARE:
        text += LARGEST_SHARE.format(name=first.unit_name, count=first.submitted, share=pct(first.kind_share),
                                     unit=spec.unit)
        share = (f"cast(sum(case when unit_code = '{first.unit_code}' then submitted else 0 end) "
                 f"as double precision) / sum(submitted)")
        figures += [counted(first),
                    (f"{kind_zh}：{first.unit_name}（{first.unit_code}）占{kind_zh}报送总量", first.kind_share,
                     first.source(share, per_kind=True))]
    elif detail == LARGEST_TWO:
        a, b = units[:2]
        text += LARGEST_TWO.format(name1=a.unit_name, name2=b.unit_name, count1=a.submitted, count2=b.submitted,
                                   unit=spec.unit)
        figures += [counted(a), counted(b)]
    return Clause(text, figures=figures)


def volume_section(spec: VolumeSection, month: Month, doc: Bulletin) -> None:
    """One paragraph (or two) of sections 二–七: districts' clause, then departments'."""
    for level, text in spec.headings:
        doc.heading(level, text)
    units = month.volumes.get(spec.key, ())
    clauses = [c for c in (volume_clause(spec, [u for u in units if u.unit_kind == kind], kind)
                           for kind in (DISTRICT, DEPARTMENT)) if c]
    if not clauses:
        paragraphs = [Clause(NONE_REPORTED.format(subject=spec.subject))]
    elif spec.joint is None:
        paragraphs = clauses
    else:
        paragraphs = [Clause(spec.joint.join(c.text for c in clauses), figures=[f for c in clauses for f in c.figures])]
    lead = MONTH_LEAD.format(month=month.report_month.month) if spec.with_month else ""
    for i, clause in enumerate(paragraphs):
        doc.paragraph((lead if i == 0 else "") + clause.text + END)
        for label, value, source in clause.figures:
            doc.figure(spec.key, label, value, source)


# ====================================================================== SECTION 八: PLATFORMS · 九: REQUIREMENTS

def section_platforms(month: Month, doc: Bulletin) -> None:
    """八、平台对接情况: platforms connected so far, and this month's new ones as a table."""
    m, new = month.report_month.month, month.new_platforms
    doc.heading(1, PLATFORMS_HEADING)
    first, next_month = _date(month.report_month), _date(_next_month(month.report_month))
    doc.figure("八", "已对接平台（系统）（个）", month.platforms_connected,
               Source("marts.dim_platform", f"connected_on < {next_month}", "count(*)"))
    doc.figure("八", "本月新增对接平台（系统）（个）", len(new),
               Source("marts.dim_platform", f"connected_on >= {first} and connected_on < {next_month}", "count(*)"))
    if not new:
        doc.paragraph(PLATFORMS_NONE_NEW.format(month=m, connected=month.platforms_connected))
        return
    doc.paragraph(PLATFORMS_WITH_NEW.format(month=m, connected=month.platforms_connected, new=len(new)))
    columns = tuple(r.Column(label, width=w, left=i > 0)
                    for i, (label, w) in enumerate(zip(PLATFORM_COLUMNS, (0.6, 2.2, 3.2))))
    rows = tuple((str(i), p.owner_unit_name or p.owner_unit_code or "", p.platform_name)
                 for i, p in enumerate(new, start=1))   # an owner missing from dim_reporting_unit shows its code
    doc.add(r.Table(columns, rows))


def concealment_sentence(month: Month, doc: Bulletin) -> str:
    """Item 1's finding: units with suspected concealed 双公示 records (marts.suspected_concealment)."""
    m, found = month.report_month.month, month.concealment
    total = found[0].month_records if found else 0
    this_month = f"s.report_month = {_date(month.report_month)}"
    concealed = partial(Source, "marts.suspected_concealment as s left join marts.dim_reporting_unit as u "
                                "on s.unit_code = u.unit_code")
    doc.figure("九", "疑似瞒报“双公示”信息（条）", total, concealed(this_month, "count(*)"))
    if not found:
        return CONCEALMENT_NONE.format(month=m)
    districts = [c for c in found if c.unit_kind == DISTRICT]
    departments = [c for c in found if c.unit_kind != DISTRICT]   # an unknown unit counts with the departments
    units = []
    if districts:
        units.append(CONCEALMENT_DISTRICTS.format(n=len(districts)))
        doc.figure("九", "疑似瞒报的区（个）", len(districts),
                   concealed(f"{this_month} and u.unit_kind = '{DISTRICT}'", "count(distinct s.unit_code)"))
    if departments:
        units.append(CONCEALMENT_DEPARTMENTS.format(n=len(departments)))
        doc.figure("九", "疑似瞒报的部门（个）", len(departments),
                   concealed(f"{this_month} and coalesce(u.unit_kind, '') <> '{DISTRICT}'",
                             "count(distinct coalesce(s.unit_code, ''))"))
    items = []
    for c in found:
        name = c.unit_name or c.unit_code or UNKNOWN_UNIT
        items.append(CONCEALMENT_ITEM.format(name=name, count=c.records))
        unit = "s.unit_code is null" if c.unit_code is None else f"s.unit_code = '{c.unit_code}'"
        doc.figure("九", f"疑似瞒报：{name}（{c.unit_code}）（条）", c.records,
                   concealed(f"{this_month} and {unit}", "count(*)"))
    return CONCEALMENT_FOUND.format(month=m, units=LIST_SEPARATOR.join(units), count=total,
                                    items=LIST_SEPARATOR.join(items))


def section_requirements(month: Month, doc: Bulletin) -> None:
    """九、有关要求: the standing requirements, item 1 followed by this month's concealment finding."""
    doc.heading(1, REQUIREMENTS_HEADING)
    doc.paragraph(CONCEALMENT_POLICY)
    doc.paragraph(concealment_sentence(month, doc) + CONCEALMENT_FOLLOW_UP)
    for text in OTHER_REQUIREMENTS:
        doc.paragraph(text)
    for line in CONTACTS:
        doc.paragraph(line)


SECTIONS: tuple[Callable[[Month, Bulletin], None], ...] = (
    *(partial(volume_section, spec) for spec in VOLUME_SECTIONS),
    section_platforms,
    section_requirements,
)


# ============================================================================================= ATTACHMENTS

def _attachment_units(month: Month, kind: str) -> list[tuple[str, str]]:
    """(unit_code, unit_name) of the units of a kind with something to show this month (a feed counted in
    总报送量 or shown in a column), by 总报送量 desc then unit_code."""
    shown = set(TOTAL_FEEDS) | {feed for feed, _ in ATTACHMENT_FEEDS}
    units = {u.unit_code: u.unit_name for u in month.quality if u.unit_kind == kind and u.feed in shown}
    return sorted(units.items(), key=lambda item: (-month.totals.get(item[0], 0), item[0]))


def attachment_columns() -> tuple[r.Column, ...]:
    """The seed's header: 报送机构 | 信用信息报送情况（条）over 总报送量, 行政许可 (数量/合规率/及时率), …, 基础信息 |
    信用承诺信息（条） | 履约践诺信息（条） | 联合奖惩案例（个）."""
    columns = [r.Column(UNIT_COLUMN, width=2.6, left=True),
               r.Column(TOTAL_COLUMN, supergroup=SUPERGROUP_COLUMN, width=1.2)]
    for feed, metrics in ATTACHMENT_FEEDS:
        group = get_feed(feed).name_zh if len(metrics) > 1 else None
        supergroup = SUPERGROUP_COLUMN if feed in TOTAL_FEEDS else None
        for metric in metrics:
            label = METRIC_COLUMNS[metric] if group else COUNT_COLUMNS.get(feed, get_feed(feed).name_zh)
            columns.append(r.Column(label, group=group, supergroup=supergroup,
                                    width=1.0 if metric == "submitted" else 1.15))
    return tuple(columns)


def attachment_table(month: Month, kind: str, section: str, doc: Bulletin) -> r.Table:
    """附件1 (department) / 附件2 (district): one row per unit with something to show, every feed's count."""
    columns = attachment_columns()
    cells = {(u.unit_code, u.feed): u for u in month.quality}
    rows = []
    for code, name in _attachment_units(month, kind):
        total = month.totals.get(code, 0)
        row = [name, str(total) if total else ""]
        if total:
            doc.figure(section, f"{name}（{code}）{TOTAL_COLUMN}", total,
                       quality_source(month.report_month, "sum(submitted)", TOTAL_FEEDS, unit_code=code))
        for feed, metrics in ATTACHMENT_FEEDS:
            unit = cells.get((code, feed))
            for metric in metrics:
                value = None if unit is None else getattr(unit, metric)
                if value is None:           # not reported, or a NULL rate: blank, never 0
                    row.append("")
                    continue
                row.append(str(value) if metric == "submitted" else pct(value))
                doc.figure(section, f"{name}（{code}）{get_feed(feed).name_zh}{METRIC_COLUMNS[metric]}", value,
                           unit.source(metric))
        rows.append(tuple(row))
    return r.Table(columns, tuple(rows))


def publicity_table(month: Month, section: str, doc: Bulletin) -> r.Table | None:
    """附件3 开展诚信宣传活动统计表: the month's activities (marts.fct_publicity_activities), None when there are none."""
    doc.figure(section, "诚信宣传活动（条）", len(month.publicity),
               Source("marts.fct_publicity_activities", f"report_month = {_date(month.report_month)}", "count(*)"))
    if not month.publicity:
        return None
    remark = PUBLICITY_REMARK.format(month=month.report_month.month)
    columns = tuple(r.Column(label, width=w, left=label in (PUBLICITY_COLUMNS[3], PUBLICITY_COLUMNS[4]))
                    for label, w in zip(PUBLICITY_COLUMNS, (0.65, 1.7, 1.5, 3.4, 4.3, 0.9)))
    rows = tuple((str(i), a.unit_name or a.unit_code, a.media, a.title, a.url, remark)
                 for i, a in enumerate(month.publicity, start=1))
    return r.Table(columns, rows)


# ============================================================================================ COMPOSITION

def compose(month: Month, office_name: str, generated_on: date, chart_path: Path | None = None) -> Bulletin:
    y, m = month.report_month.year, month.report_month.month
    doc = Bulletin()
    doc.paragraph(MASTHEAD.format(office=office_name), r.MASTHEAD)
    doc.paragraph(DOC_NO.format(year=generated_on.year), r.DOC_NO)
    doc.paragraph(TITLE.format(year=y, month=m), r.TITLE)
    doc.paragraph(ADDRESSEES, r.ADDRESSEES)
    doc.paragraph(INTRO.format(year=y, month=m))

    section_disclosures(month, doc)
    if chart_path is not None:
        district_chart(month, doc, chart_path)
    for section in SECTIONS:
        section(month, doc)

    titles = [title.format(month=m) for _, title in ATTACHMENTS]
    for number, title in enumerate(titles, start=1):
        template = ATTACHMENT_LIST_FIRST if number == 1 else ATTACHMENT_LIST_NEXT
        doc.paragraph(template.format(number=number, title=title), r.ATTACHMENT_LIST)
    doc.paragraph(office_name, r.SIGNATURE)
    doc.paragraph(date_line(generated_on), r.SIGNATURE)

    for number, ((kind, _), title) in enumerate(zip(ATTACHMENTS, titles), start=1):
        doc.add(r.PageBreak(landscape=True))
        label = ATTACHMENT_LABEL.format(number=number)
        doc.paragraph(label, r.ATTACHMENT_LABEL)
        doc.paragraph(title, r.ATTACHMENT_TITLE)
        if kind == "publicity":
            table = publicity_table(month, label, doc)
            if table is None:
                doc.paragraph(PUBLICITY_NONE)
            else:
                doc.add(table)
        else:
            table = attachment_table(month, kind, label, doc)
            if table.rows:
                doc.add(table)
                doc.paragraph(ATTACHMENT_TABLE_NOTE, r.NOTE)
            else:
                doc.paragraph(ATTACHMENT_NONE)
    return doc


def write_bulletin(con, report_month: date, out_dir: Path,
                   office_name: str = "市社会信用体系建设领导小组办公室",
                   generated_on: date | None = None) -> dict:
    """Write bulletin-YYYY-MM.md, .html and .docx (and the chart PNG when a CJK font is installed) into out_dir.

    Returns {"md": path, "html": path, "docx": path, "chart": path or None, "figures": [Figure, …]}.
    The same marts and the same generated_on give the same bytes.
    """
    from credit_feeds.bulletin_docx import write_docx   # python-docx only when a bulletin is written

    generated_on = generated_on or datetime.now(BEIJING).date()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"bulletin-{report_month:%Y-%m}"
    month = read_month(con, report_month)
    doc = compose(month, office_name, generated_on, chart_path=out_dir / f"{stem}-chart.png")
    title = TITLE.format(year=month.report_month.year, month=month.report_month.month)

    paths = {"md": out_dir / f"{stem}.md", "html": out_dir / f"{stem}.html", "docx": out_dir / f"{stem}.docx"}
    paths["md"].write_text(r.render_markdown(doc.blocks), encoding="utf-8")
    paths["html"].write_text(r.render_html(doc.blocks, title), encoding="utf-8")
    write_docx(doc.blocks, paths["docx"], title=title, author=office_name, dated=generated_on)
    charts = [b.path for b in doc.blocks if isinstance(b, r.Image)]
    log.info("通报已生成 %s (%d figures)", paths["docx"], len(doc.figures))
    return {**paths, "chart": charts[0] if charts else None, "figures": doc.figures}
