"""The whole month end to end: `credit-feeds run` on the committed sample feeds runs the real Airflow DAG (GX, dbt
through Cosmos, DuckDB), and the warehouse agrees with what the generator planted (include/sample_feeds_expected.json).
A second run on the same landing zone changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from credit_feeds.feeds import FEEDS

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "include" / "sample_feeds"
EXPECTED = json.loads((ROOT / "include" / "sample_feeds_expected.json").read_text(encoding="utf-8"))
CLI = Path(sys.executable).parent / "credit-feeds"
DISCLOSURE_FEEDS = ("license", "penalty")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, env=os.environ.copy(), timeout=900)


def snapshot(warehouse: Path) -> dict[str, str]:
    """A digest of every table's content (order-independent), outside the columns that record when things ran."""
    volatile = {"received_at", "validated_at", "evaluated_at", "run_id", "batch_id", "result_json", "started_at",
                "finished_at"}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema IN ('raw', 'audit', 'marts') AND table_name <> 'pipeline_runs' ORDER BY 1, 2").fetchall()
        out = {}
        for schema, name in tables:
            cols = [c for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema=? AND table_name=? "
                "ORDER BY ordinal_position", [schema, name]).fetchall() if c not in volatile]
            rows = con.execute(f'SELECT {", ".join(chr(34) + c + chr(34) for c in cols)} FROM {schema}."{name}"').fetchall()
            out[f"{schema}.{name}"] = hashlib.sha256("\n".join(sorted(map(repr, rows))).encode()).hexdigest()
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    base = tmp_path_factory.mktemp("month")
    warehouse, out = base / "warehouse.duckdb", base / "out"
    first = run_cli("run", "--feeds", str(SAMPLE), "--month", "2022-06", "--warehouse", str(warehouse), "--out", str(out))
    assert first.returncode == 0, first.stderr[-3000:]
    return {"warehouse": warehouse, "out": out, "stdout": first.stdout}


@pytest.fixture
def con(month):
    """Read-only, and closed after each test: the rerun below needs the warehouse for writing."""
    c = duckdb.connect(str(month["warehouse"]), read_only=True)
    yield c
    c.close()


def test_run_prints_where_the_bulletin_is(month):
    bulletin = month["out"] / "bulletin-2022-06.md"
    assert str(bulletin) in month["stdout"]
    for ext in ("md", "html", "docx"):
        assert (month["out"] / f"bulletin-2022-06.{ext}").stat().st_size > 1000


def test_every_file_is_accounted_for(con):
    got = dict(con.execute("SELECT path, status FROM audit.files").fetchall())
    expected = {f["path"]: f["expected_status"] for f in EXPECTED["files"]}
    assert got == expected
    assert all(r for (r,) in con.execute("SELECT reason FROM audit.files WHERE status <> 'loaded'").fetchall())


def test_every_row_is_loaded_or_rejected(con):
    loaded_rows = con.execute("SELECT sum(rows_total), sum(rows_accepted) + sum(rows_rejected) FROM audit.files "
                              "WHERE status = 'loaded'").fetchone()
    assert loaded_rows[0] == loaded_rows[1]
    raw_rows = sum(con.execute(f"SELECT count(*) FROM raw.{feed.table}").fetchone()[0] for feed in FEEDS.values())
    malformed = con.execute("SELECT count(*) FROM raw.malformed_lines").fetchone()[0]
    assert raw_rows + malformed == loaded_rows[0]
    assert malformed == EXPECTED["malformed_lines"]


def test_rejections_per_rule_match_what_was_planted(con):
    got = dict(con.execute("SELECT rule_id, count(DISTINCT (file_id, source_row)) FROM audit.rejections "
                           "GROUP BY rule_id").fetchall())
    assert got == EXPECTED["rejections_by_rule"]


def test_unit_monthly_quality_matches_independent_counts(con):
    rows = con.execute("""
        SELECT unit_code, feed, submitted, accepted, compliance_rate, timeliness_base, timely, timeliness_rate
        FROM marts.unit_monthly_quality WHERE report_month = DATE '2022-06-01' AND feed IN ('license', 'penalty')
    """).fetchall()
    got = {(u, f): r for u, f, *r in rows}
    expected = {(u, f): c for u, feeds in EXPECTED["units"].items() for f, c in feeds.items()
                if f in DISCLOSURE_FEEDS and c["submitted"] > 0}
    assert set(got) == set(expected)
    for key, c in expected.items():
        submitted, accepted, compliance, base, timely, timeliness = got[key]
        assert (submitted, accepted, base, timely) == (c["submitted"], c["accepted"], c["timeliness_base"], c["timely"]), key
        assert compliance == pytest.approx(c["accepted"] / c["submitted"])
        assert timeliness == (pytest.approx(c["timely"] / c["timeliness_base"]) if c["timeliness_base"] else None)


def test_seed_like_rates(con):
    """The sample keeps seed 001's character: 江汉区 license near 93.69%, some units at 100%."""
    rate = dict(((u, f), r) for u, f, r in con.execute(
        "SELECT unit_name, feed, compliance_rate FROM marts.unit_monthly_quality").fetchall())
    assert 0.90 <= rate[("江汉区", "license")] <= 0.97
    assert any(r == 1.0 for (u, f), r in rate.items() if f in DISCLOSURE_FEEDS)


def test_bulletin_states_the_totals_from_marts(con, month):
    o = con.execute("SELECT disclosures_submitted, disclosures_accepted, disclosures_compliance_rate, "
                    "disclosures_timeliness_rate FROM marts.monthly_overview WHERE report_month = DATE '2022-06-01'").fetchone()
    expected_submitted = sum(c["submitted"] for feeds in EXPECTED["units"].values()
                             for f, c in feeds.items() if f in DISCLOSURE_FEEDS)
    assert o[0] == expected_submitted
    text = (month["out"] / "bulletin-2022-06.md").read_text(encoding="utf-8")
    sentence = (f"6月份，各区、市各部门报送“双公示”信息总量{o[0] / 10000:.2f}万条，清洗入库{o[1] / 10000:.2f}万条，"
                f"数据合规率{o[2] * 100:.2f}%，及时率{o[3] * 100:.2f}%。")
    assert sentence in text


def test_no_unmasked_id_numbers_outside_raw(con, month):
    ids = [r for (r,) in con.execute(
        "SELECT DISTINCT trim(XK_XDR_ZJHM) FROM raw.license WHERE length(trim(XK_XDR_ZJHM)) = 18 UNION "
        "SELECT DISTINCT trim(CF_XDR_ZJHM) FROM raw.penalty WHERE length(trim(CF_XDR_ZJHM)) = 18").fetchall()]
    assert ids, "the sample should hold natural persons"
    dumped = "\n".join(str(r) for (r,) in con.execute("SELECT value_masked FROM audit.rejections").fetchall())
    dumped += "\n".join(str(r) for r in con.execute("SELECT * FROM marts.fct_disclosures").fetchall())
    dumped += "\n".join(r for (r,) in con.execute("SELECT result_json FROM audit.validation_runs").fetchall())
    for path in month["out"].rglob("*"):
        if path.suffix in (".md", ".html", ".json"):
            dumped += path.read_text(encoding="utf-8", errors="replace")
    leaked = [i for i in ids if i in dumped]
    assert not leaked


def test_rerun_changes_nothing(month):
    before = snapshot(month["warehouse"])
    again = run_cli("run", "--feeds", str(SAMPLE), "--month", "2022-06", "--warehouse", str(month["warehouse"]),
                    "--out", str(month["out"]))
    assert again.returncode == 0, again.stderr[-3000:]
    assert snapshot(month["warehouse"]) == before


def test_clear_errors(tmp_path):
    r = run_cli("run", "--feeds", str(tmp_path / "nowhere"), "--month", "2022-06",
                "--warehouse", str(tmp_path / "w.duckdb"), "--out", str(tmp_path / "o"))
    assert r.returncode != 0 and "nowhere" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = run_cli("run", "--feeds", str(SAMPLE), "--month", "2031-01",
                "--warehouse", str(tmp_path / "w.duckdb"), "--out", str(tmp_path / "o"))
    assert r.returncode != 0 and "calendar" in r.stderr and "calendar_overrides.csv" in r.stderr


def test_audit_site_renders_offline_and_its_links_resolve(month, tmp_path):
    """The auditors' index page in a real headless browser (Debian's chromium), every link pointing at a file."""
    import re
    import shutil

    index = month["out"] / "audit" / "index.html"
    pages = [index, *index.parent.glob("*.html")]
    for page in pages:
        for href in re.findall(r'href="([^"#]+)"', page.read_text(encoding="utf-8")):
            assert (page.parent / href).resolve().exists(), f"{page.name} links to missing {href}"
    text = index.read_text(encoding="utf-8")
    assert "data_docs/index.html" in text and "returns/jianghan-2022-06.xlsx" in text
    assert "UNKNOWN_UNIT" in text and "UNREADABLE" in text
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Debian's chromium is needed (.ci/run installs it)"
    shot = tmp_path / "audit.png"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    subprocess.run([chromium, *flags, f"--screenshot={shot}", "--window-size=1300,1000", index.as_uri()],
                   check=True, capture_output=True, timeout=120)
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
    dom = subprocess.run([chromium, *flags, "--dump-dom", index.as_uri()], check=True, capture_output=True,
                         text=True, timeout=120).stdout
    assert "信用信息报送审计" in dom and "打回清单" in dom


def test_second_run_on_a_busy_warehouse_stops_with_a_clear_message(tmp_path):
    """Another run holds the warehouse: the second stops at once (or waits with --wait), the warehouse untouched."""
    warehouse = tmp_path / "w.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from credit_feeds.cli import file_lock\n"
         f"with file_lock(Path({str(warehouse) + '.lock'!r}), False, 'w'):\n"
         "    print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        r = run_cli("run", "--feeds", str(SAMPLE), "--month", "2022-06", "--warehouse", str(warehouse),
                    "--out", str(tmp_path / "o"))
        assert r.returncode == 1
        assert "in use by another credit-feeds run" in r.stderr and f"pid {holder.pid}" in r.stderr
        assert not warehouse.exists()
    finally:
        holder.kill()
        holder.wait()


# --- every feed, the facts and suspected concealment against the manifest (issue 3) -----------------------------

def test_unit_monthly_quality_matches_the_manifest_for_every_feed(con):
    rows = con.execute("""
        SELECT unit_code, feed, submitted, accepted, compliance_rate, timeliness_base, timely, timeliness_rate
        FROM marts.unit_monthly_quality WHERE report_month = DATE '2022-06-01'
    """).fetchall()
    got = {(u, f): r for u, f, *r in rows}
    expected = {(u, f): c for u, feeds in EXPECTED["units"].items() for f, c in feeds.items() if c["submitted"] > 0}
    assert {f for _, f in expected} == set(FEEDS), "the sample should cover every feed"
    assert set(got) == set(expected)
    for key, c in expected.items():
        submitted, accepted, compliance, base, timely, timeliness = got[key]
        expected_counts = (c["submitted"], c["accepted"], c["timeliness_base"], c["timely"])
        assert (submitted, accepted, base, timely) == expected_counts, key
        assert compliance == pytest.approx(c["accepted"] / c["submitted"])
        if FEEDS[key[1]].deadline_workdays is None:
            assert (base, timely, timeliness) == (None, None, None), key
        else:
            assert timeliness == (pytest.approx(c["timely"] / c["timeliness_base"]) if c["timeliness_base"] else None)


def test_monthly_overview_counts_every_feed_and_the_platforms(con):
    o = con.execute("SELECT * FROM marts.monthly_overview WHERE report_month = DATE '2022-06-01'")
    names = [d[0] for d in o.description]
    overview = dict(zip(names, o.fetchone()))
    for feed in FEEDS.values():
        counts = [c[feed.name] for c in EXPECTED["units"].values() if feed.name in c]
        assert overview[f"{feed.table}_submitted"] == sum(c["submitted"] for c in counts), feed.name
        assert overview[f"{feed.table}_accepted"] == sum(c["accepted"] for c in counts), feed.name
    five = [f for f in FEEDS.values() if f.action_type]
    assert overview["five_kinds_submitted"] == sum(overview[f"{f.table}_submitted"] for f in five)
    with (SAMPLE / "_reference" / "platforms.csv").open(encoding="utf-8-sig") as fh:
        connected = [row["connected_on"].strip() for row in csv.DictReader(fh)]
    assert overview["platforms_connected"] == sum(day <= "2022-06-30" for day in connected) > 0
    assert overview["platforms_new"] == sum(day.startswith("2022-06") for day in connected)
    assert overview["suspected_concealment_rows"] == len(EXPECTED["doc_no_gaps"])


def test_suspected_concealment_finds_exactly_the_planted_gaps(con):
    found = con.execute("SELECT authority_code, doc_prefix, doc_year, missing_serial, authority_name, unit_code, feed, "
                        "report_month FROM marts.suspected_concealment").fetchall()
    gaps = EXPECTED["doc_no_gaps"]
    planted = {(g["authority_code"], g["doc_prefix"], g["doc_year"], g["missing_serial"]) for g in gaps}
    assert planted, "the sample should plant gaps"
    assert {row[:4] for row in found} == planted
    assert len(found) == len(planted)
    # each gap is put to the authority, unit and feed the generator planted it in, found in the run's month
    assert {row[4:7] + row[:4] for row in found} == {
        (g["authority_name"], g["unit_code"], g["feed"], g["authority_code"], g["doc_prefix"], g["doc_year"],
         g["missing_serial"]) for g in gaps}
    assert {row[7] for row in found} == {dt.date(2022, 6, 1)}


def _trim(value):
    """rules.md: white space and full-width spaces are trimmed; blank is empty."""
    if value is None:
        return None
    return value.strip(" \t\n\r\u3000\xa0") or None


# the fact of each feed, and the fact's columns that carry the lineage
FACTS = {"license": "fct_disclosures", "penalty": "fct_disclosures", "enforcement": "fct_admin_actions",
         "confirmation": "fct_admin_actions", "adjudication": "fct_admin_actions", "reward": "fct_admin_actions",
         "inspection": "fct_admin_actions", "other-action": "fct_admin_actions", "commitment": "fct_commitments",
         "fulfilment": "fct_commitment_fulfilment", "grading": "fct_grading_results", "basic-info": "fct_basic_info",
         "joint-case": "fct_joint_cases", "publicity": "fct_publicity_activities"}


@pytest.mark.parametrize("feed", FEEDS.values(), ids=lambda f: f.name)
def test_facts_hold_each_accepted_record_once(con, feed):
    """Counted from raw and audit alone: the fact has one row per record key (feeds.py key_fields, else the whole
    row) among the accepted rows, and each of its rows is an accepted row of the feed."""
    rejected = set(con.execute("SELECT DISTINCT file_id, source_row FROM audit.rejections WHERE feed = ?",
                               [feed.name]).fetchall())
    codes = list(feed.key_fields or feed.codes)
    raw = con.execute(f'SELECT file_id, source_row, {", ".join(chr(34) + c + chr(34) for c in codes)} '
                      f"FROM raw.{feed.table}").fetchall()
    accepted = {(f, r): tuple(_trim(v) for v in key) for f, r, *key in raw if (f, r) not in rejected}
    fact = FACTS[feed.name]
    where = f"WHERE feed = '{feed.name}'" if fact in ("fct_disclosures", "fct_admin_actions") else ""
    lineage = con.execute(f"SELECT file_id, source_row FROM marts.{fact} {where}").fetchall()
    assert len(lineage) == len(set(accepted.values()))
    assert set(lineage) <= set(accepted)


def _units() -> dict[str, tuple[str, str]]:
    import csv

    with (SAMPLE / "_reference" / "reporting_units.csv").open(encoding="utf-8-sig") as fh:
        return {r["unit_code"]: (r["unit_name"], r["unit_kind"]) for r in csv.DictReader(fh)}


def test_docx_carries_every_section_and_sentences_computed_from_the_manifest(month):
    """The circulated .docx: sections 一 to 九 in order, the same totals as the .md, and section 二's commitment
    sentence recomputed here from what the generator planted."""
    import docx

    document = docx.Document(str(month["out"] / "bulletin-2022-06.docx"))
    text = "\n".join(p.text for p in document.paragraphs)
    md = (month["out"] / "bulletin-2022-06.md").read_text(encoding="utf-8")
    headings = ["一、", "二、", "三、", "四、", "五、", "六、", "七、", "八、", "九、"]
    positions = [text.find("\n" + h) for h in headings]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), positions
    assert "关于2022年6月份信用信息报送和平台对接情况的通报" in text
    units = _units()
    commitments = {u: f["commitment"]["submitted"] for u, f in EXPECTED["units"].items()
                   if f.get("commitment", {}).get("submitted")}
    districts = sorted((u for u in commitments if units[u][1] == "district"), key=lambda u: (-commitments[u], u))
    sentence = (f"6月份，{len(districts)}个区共报送信用承诺信息{sum(commitments[u] for u in districts)}条，"
                f"报送数量前3位的是：{'、'.join(units[u][0] for u in districts[:3])}。")
    assert sentence in text and sentence in md
    totals = next(line for line in md.splitlines() if line.startswith("6月份，各区、市各部门报送“双公示”信息总量"))
    assert totals in text
    assert len(document.tables) >= 3  # 附件1, 附件2, 附件3 (and the platform table)
    assert all(t.style.name == "Table Grid" for t in document.tables)


def test_sections_three_to_seven_state_the_districts_figures_from_the_manifest(month):
    """Sections 三–七 in the .md and .docx: the districts' counts, totals, top units and shares, recomputed here."""
    import docx

    units = _units()
    text = "\n".join(p.text for p in docx.Document(str(month["out"] / "bulletin-2022-06.docx")).paragraphs)
    md = (month["out"] / "bulletin-2022-06.md").read_text(encoding="utf-8")

    def district_counts(*feeds):
        counts = {u: sum(f.get(feed, {}).get("submitted", 0) for feed in feeds) for u, f in EXPECTED["units"].items()
                  if units[u][1] == "district"}
        ranked = sorted((u for u, n in counts.items() if n), key=lambda u: (-counts[u], u))
        return counts, ranked

    counts, ranked = district_counts("enforcement", "confirmation", "adjudication", "reward", "inspection")
    total = sum(counts.values())
    top = ranked[0]
    expected = [f"6月份，有{len(ranked)}个区共报送五类行政管理信息{total}条，其中{units[top][0]}报送{counts[top]}条，"
                f"占报送总量{counts[top] / total * 100:.2f}%"]
    counts, ranked = district_counts("other-action")
    expected.append(f"6月份，{len(ranked)}个区报送其他行政行为信息{sum(counts.values())}条")
    counts, ranked = district_counts("grading")
    expected.append(f"6月份，{len(ranked)}个区报送分级分类结果信息{sum(counts.values())}条，报送数量前3位的是："
                    f"{'、'.join(units[u][0] for u in ranked[:3])}")
    counts, ranked = district_counts("basic-info")
    expected.append(f"6月份，{len(ranked)}个区报送基础信息{sum(counts.values())}条")
    counts, ranked = district_counts("joint-case")
    expected.append(f"6月份，{len(ranked)}个区报送联合奖惩案例{sum(counts.values())}个，报送数量前三的是："
                    f"{'、'.join(units[u][0] for u in ranked[:3])}")
    for sentence in expected:
        assert sentence in md, sentence
        assert sentence in text, sentence


def test_sections_eight_and_nine_from_the_reference_and_the_planted_gaps(month):
    import csv

    import docx

    units = _units()
    text = "\n".join(p.text for p in docx.Document(str(month["out"] / "bulletin-2022-06.docx")).paragraphs)
    with (SAMPLE / "_reference" / "platforms.csv").open(encoding="utf-8-sig") as fh:
        on = [r["connected_on"] for r in csv.DictReader(fh)]
    connected = sum(d <= "2022-06-30" for d in on)
    new = sum("2022-06-01" <= d <= "2022-06-30" for d in on)
    assert f"截至6月份，已有{connected}个平台（系统）与市信用信息公共服务平台完成对接，其中本月新增{new}个" in text
    gaps = EXPECTED["doc_no_gaps"]
    kinds = {u: units[u][1] for u in {g["unit_code"] for g in gaps}}
    districts = sum(k == "district" for k in kinds.values())
    departments = len(kinds) - districts
    assert (f"6月份，经文书号连号比对，发现{districts}个区、{departments}个部门疑似瞒报“双公示”信息{len(gaps)}条"
            in text)


def test_every_bulletin_figure_is_a_row_that_its_source_gives_back(con, month):
    """marts.bulletin_figures (issue 4, item 4): each printed figure is a row, its source query returns its value,
    and the numbers printed in section 一 are those rows' values."""
    from credit_feeds.bulletin import pct, wan
    from credit_feeds.bulletin_figures import mismatches

    rows = con.execute("""select section, label, value from marts.bulletin_figures
                          where report_month = DATE '2022-06-01' order by figure_no""").fetchall()
    assert len(rows) > 300
    assert {"一", "二（一）", "二（二）", "三", "四", "五", "六", "七", "八", "九", "附件1", "附件2", "附件3"} <= \
        {section for section, _, _ in rows}
    assert mismatches(con, dt.date(2022, 6, 1)) == []
    values = {(section, label): value for section, label, value in rows}
    md = (month["out"] / "bulletin-2022-06.md").read_text(encoding="utf-8")
    total = values[("一", "“双公示”信息总量（条）")]
    assert total == sum(EXPECTED["units"][u][f]["submitted"] for u in EXPECTED["units"]
                        for f in DISCLOSURE_FEEDS if f in EXPECTED["units"][u])
    assert f"报送“双公示”信息总量{wan(total)}万条，清洗入库{wan(values[('一', '“双公示”信息清洗入库（条）')])}万条" in md
    assert f"数据合规率{pct(values[('一', '“双公示”信息数据合规率')])}" in md
    assert values[("九", "疑似瞒报“双公示”信息（条）")] == len(EXPECTED["doc_no_gaps"])


def test_the_tracing_queries_of_the_docs_lead_from_a_figure_to_its_rows_and_files(con):
    """docs/tracing.md: every query runs as written on the sample month and they agree with each other."""
    import re

    text = (ROOT / "docs" / "tracing.md").read_text(encoding="utf-8")
    results = {}
    for block in re.findall(r"```sql\n(.*?)```", text, re.S):
        step = re.match(r"-- step: (\w+)", block).group(1)
        results[step] = con.execute(block).fetchall()
    assert set(results) == {"figure", "recompute", "rows", "rejections", "fact", "raw", "concealment", "neighbours"}
    (figure,) = results["figure"]
    value, model, where, measure = figure[3:7]
    assert results["recompute"] == [(value,)] == con.execute(f"select {measure} from {model} where {where}").fetchall()
    rows = results["rows"]
    assert len(rows) == value == EXPECTED["units"]["jiangan"]["license"]["submitted"]
    accepted = [r for r in rows if r[3]]
    assert len(results["fact"]) == len(accepted) == EXPECTED["units"]["jiangan"]["license"]["accepted"]
    rejected = {(r[1], r[2]) for r in rows if not r[3]}
    assert rejected and rejected <= {(r[0], r[1]) for r in results["rejections"]}
    assert all((SAMPLE / path).is_file() for *_, path, _ in rows)        # every row names a received file
    assert len(results["raw"]) == 1 and results["raw"][0][0] in {r[1] for r in accepted}
    planted = sorted(g["missing_serial"] for g in EXPECTED["doc_no_gaps"] if g["unit_code"] == "jiangan")
    missing = [r[5] for r in results["concealment"]]
    assert missing == planted and not {r[1] for r in results["neighbours"]} & set(missing)


def test_spot_check_of_every_unit_finds_the_planted_gaps_of_the_upper_ranges(month, tmp_path):
    """`credit-feeds spot-check` on the sample month, all units: the numbers it reports absent are exactly the
    planted gaps (include/sample_feeds_expected.json) lying in the upper quarter of their series' June range."""
    from credit_feeds.spot_check import upper_part

    result = run_cli("spot-check", "--warehouse", str(month["warehouse"]), "--month", "2022-06", "--seed", "7",
                     "--units", "1.0", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    with (tmp_path / "spot_checks" / "spot-check-2022-06-seed7.csv").open(encoding="utf-8-sig", newline="") as f:
        header, *rows = list(csv.reader(f))
    assert header[:6] == ["单位", "单位代码", "类别", "发证/处罚机关", "文书号", "结果"]
    absent = {(r[1], r[4]) for r in rows if r[5] == "未报送（疑似瞒报）"}
    con = duckdb.connect(str(month["warehouse"]), read_only=True)
    try:
        ranges = {(u, a, p, y): (lo, hi) for u, a, p, y, lo, hi in con.execute("""
            select unit_code, authority_code, doc_prefix, doc_year, min(doc_serial), max(doc_serial)
            from marts.int_doc_numbers where report_month = DATE '2022-06-01' and is_parsed
            group by unit_code, authority_code, doc_prefix, doc_year""").fetchall()}
    finally:
        con.close()
    expected = {(g["unit_code"], f"{g['doc_prefix']}〔{g['doc_year']}〕{g['missing_serial']}号")
                for g in EXPECTED["doc_no_gaps"]
                if g["missing_serial"] in upper_part(*ranges[(g["unit_code"], g["authority_code"], g["doc_prefix"],
                                                              g["doc_year"])])}
    assert expected and absent == expected
    assert len(rows) > 300 and {r[5] for r in rows} <= {"已报送", "已报送但未通过校验", "未报送（疑似瞒报）"}
