"""The monthly bulletin (月度通报), composed from `marts` alone (spec: bulletin.md, warehouse.md).

Modelled on seeds/001_aeac7ec9871086dc.txt (市信用办关于2022年6月份信用信息报送和平台对接情况的通报): its wording,
order and layout. Every number printed comes from marts.monthly_overview or marts.unit_monthly_quality; this
module only formats, orders and selects, and records each printed number as a `Figure` so it can be traced
(and later stored in marts.bulletin_figures).

Reading order: WORDING (every phrase of the document) → reading marts → formatting → the sentence rules of
section 一 → attachments → the document → write_bulletin.
To add a section: write a function `(month, doc) -> None` and list it in SECTIONS.
To add a table column: add the feed (and its metrics) to ATTACHMENT_FEEDS.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
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
ATTACHMENTS = (("department", "{month}月市直部门报送情况统计表"), ("district", "{month}月各区报送情况统计表"))
UNIT_COLUMN = "报送机构"
TOTAL_COLUMN = "总报送量"
METRIC_COLUMNS = {"submitted": "数量", "compliance_rate": "合规率", "timeliness_rate": "及时率"}
DATE_LINE = "{year}年{month}月{day}日"

# ============================================================================================ WHAT IS SHOWN
DISTRICT, DEPARTMENT = "district", "department"
DISCLOSURE_FEEDS = ("license", "penalty")          # section 一, one subsection each
# Attachment columns after 总报送量: (feed, metrics shown). Later issues add the other feeds here.
ATTACHMENT_FEEDS = (
    ("license", ("submitted", "compliance_rate", "timeliness_rate")),
    ("penalty", ("submitted", "compliance_rate", "timeliness_rate")),
)
# 总报送量 is the seed's 信用信息报送情况 group: 双公示, the five kinds, other actions, grading, basic information;
# not commitments, fulfilment, joint cases (their own columns). Checked on the seed: 东湖高新区 149359 =
# 967 + 20 + 3213 + 127988 + 10109 + 105 + 6957.
TOTAL_FEEDS = ("license", "penalty", "enforcement", "confirmation", "adjudication", "reward", "inspection",
               "other-action", "grading", "basic-info")
TOP = 3            # 较高 / 较低 lists name three districts
NEARLY_ALL = Decimal("0.99")   # from this minimum on, districts' timeliness is summarised as 均超过 (seed)
CHINESE_NUMBERS = "一二三四五六七八九十"
BEIJING = ZoneInfo("Asia/Shanghai")


class Figure(NamedTuple):
    """One printed number: where it is printed, what it is, its value in the warehouse (rates as fractions)."""
    section: str
    label: str
    value: int | float | Decimal | None


# ============================================================================================ READING MARTS
# Plain SELECTs with the month as a DATE literal, so the same SQL runs on DuckDB and PostgreSQL.

@dataclass(frozen=True)
class UnitFeed:
    """One row of marts.unit_monthly_quality."""
    unit_code: str
    unit_name: str
    unit_kind: str
    feed: str
    submitted: int
    compliance_rate: float | None
    timeliness_rate: float | None

    def rate(self, metric: str) -> float | None:
        return getattr(self, metric)


@dataclass(frozen=True)
class Month:
    report_month: date
    overview: dict
    quality: tuple[UnitFeed, ...]
    totals: dict[str, int]   # unit_code -> 总报送量

    def units(self, feed: str, kind: str) -> list[UnitFeed]:
        return [u for u in self.quality if u.feed == feed and u.unit_kind == kind]


def _select(con, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def read_month(con, report_month: date) -> Month:
    month = f"DATE '{report_month.replace(day=1).isoformat()}'"
    overview = _select(con, f"""
        select report_month, disclosures_submitted, disclosures_accepted, disclosures_compliance_rate,
               disclosures_timeliness_rate
        from marts.monthly_overview
        where report_month = {month}""")
    if not overview:
        raise LookupError(f"marts.monthly_overview 无 {report_month:%Y-%m} 的数据，无法生成通报 "
                          f"(no row for {report_month:%Y-%m})")
    quality = _select(con, f"""
        select unit_code, unit_name, unit_kind, feed, submitted, compliance_rate, timeliness_rate
        from marts.unit_monthly_quality
        where report_month = {month}""")
    feeds = ", ".join(f"'{f}'" for f in TOTAL_FEEDS)
    totals = _select(con, f"""
        select unit_code, sum(submitted) as total_submitted
        from marts.unit_monthly_quality
        where report_month = {month} and feed in ({feeds})
        group by unit_code""")
    return Month(
        report_month=report_month.replace(day=1),
        overview=overview[0],
        quality=tuple(UnitFeed(**{**row, "submitted": int(row["submitted"])}) for row in quality),
        totals={row["unit_code"]: int(row["total_submitted"]) for row in totals},
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
    figures: list[tuple[str, object]] = field(default_factory=list)   # (label, value)


def _list_clause(template: str, units: list[UnitFeed], metric: str, feed_zh: str, with_rates: bool) -> Clause:
    """"<phrase>：A（x%）、B（y%）" (or names only); each unit named is a figure, its rate the value."""
    head = template.format(feed=feed_zh, metric=METRICS[metric])
    items = [UNIT_WITH_RATE.format(name=u.unit_name, rate=pct(u.rate(metric))) if with_rates else u.unit_name
             for u in units]
    figures = [(f"{head.rstrip('：')}：{u.unit_name}（{u.unit_code}）", u.rate(metric)) for u in units]
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
                                    lowest.rate(metric))])
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

    def figure(self, section: str, label: str, value) -> None:
        self.figures.append(Figure(section, label, value))


def section_disclosures(month: Month, doc: Bulletin) -> None:
    """一、行政许可、行政处罚“双公示”信息报送情况."""
    o, m = month.overview, month.report_month.month
    doc.heading(1, DISCLOSURES_HEADING)
    sentence = DISCLOSURES_TOTALS.format(month=m, submitted=wan(o["disclosures_submitted"]),
                                         accepted=wan(o["disclosures_accepted"]))
    doc.figure("一", "“双公示”信息总量（条）", o["disclosures_submitted"])
    doc.figure("一", "“双公示”信息清洗入库（条）", o["disclosures_accepted"])
    if o["disclosures_compliance_rate"] is not None:
        sentence += DISCLOSURES_COMPLIANCE.format(rate=pct(o["disclosures_compliance_rate"]))
        doc.figure("一", "“双公示”信息数据合规率", o["disclosures_compliance_rate"])
    if o["disclosures_timeliness_rate"] is not None:
        sentence += DISCLOSURES_TIMELINESS.format(rate=pct(o["disclosures_timeliness_rate"]))
        doc.figure("一", "“双公示”信息及时率", o["disclosures_timeliness_rate"])
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
                for label, value in clause.figures:
                    doc.figure(f"一（{number}）{i}", label, value)


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


# Later sections (二 … 九) go here, each `(month, doc) -> None`, and into SECTIONS below.
SECTIONS: tuple[Callable[[Month, Bulletin], None], ...] = ()


# ============================================================================================= ATTACHMENTS

def _attachment_units(month: Month, kind: str) -> list[tuple[str, str]]:
    """(unit_code, unit_name) of the units of a kind with something to show this month (a feed counted in
    总报送量 or shown in a column), by 总报送量 desc then unit_code."""
    shown = set(TOTAL_FEEDS) | {feed for feed, _ in ATTACHMENT_FEEDS}
    units = {u.unit_code: u.unit_name for u in month.quality if u.unit_kind == kind and u.feed in shown}
    return sorted(units.items(), key=lambda item: (-month.totals.get(item[0], 0), item[0]))


def attachment_table(month: Month, kind: str, section: str, doc: Bulletin) -> r.Table:
    columns = [r.Column(UNIT_COLUMN), r.Column(TOTAL_COLUMN)]
    for feed, metrics in ATTACHMENT_FEEDS:
        columns += [r.Column(METRIC_COLUMNS[metric], group=get_feed(feed).name_zh) for metric in metrics]
    cells = {(u.unit_code, u.feed): u for u in month.quality}
    rows = []
    for code, name in _attachment_units(month, kind):
        total = month.totals.get(code, 0)
        row = [name, str(total) if total else ""]
        if total:
            doc.figure(section, f"{name}（{code}）{TOTAL_COLUMN}", total)
        for feed, metrics in ATTACHMENT_FEEDS:
            unit = cells.get((code, feed))
            for metric in metrics:
                value = None if unit is None else getattr(unit, metric)
                if value is None:           # not reported, or a NULL rate: blank, never 0
                    row.append("")
                    continue
                row.append(str(value) if metric == "submitted" else pct(value))
                doc.figure(section, f"{name}（{code}）{get_feed(feed).name_zh}{METRIC_COLUMNS[metric]}", value)
        rows.append(tuple(row))
    return r.Table(tuple(columns), tuple(rows))


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
        doc.add(attachment_table(month, kind, label, doc))
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
