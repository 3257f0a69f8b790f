"""The spot check (抽查, seed 001 九、1) on a real warehouse built by dbt from known document numbers.

Report month 2022-06. Planted (each unit's June range, its upper quarter, what is in it):
- hongshan license 洪市监许〔2022〕: June sent 1–20 without 14, 17, 18; 19 was rejected (DATE_FORMAT); 17 came in July
  (late), with 21 and 22. Range 1–20, upper part 16–20: drawn 16, 19, 20; gaps next to them 17 (filled in July:
  已报送, 补报) and 18 (absent). 14 is below the upper part and not listed.
- hongshan penalty 洪城管罚〔2022〕 1–8: upper part 7–8, both present.
- jiangxia penalty 江夏罚〔2022〕: 1–10 in May, 11–40 in June without 35, 36; 38 written 江夏罚[2022]３８号. June's range
  11–40, upper part 33–40: 35 and 36 absent.
- market-regulation license 武市监许〔2022〕 1–200: upper part 151–200, 50 numbers: 25 drawn, all present.
- caidian (its prefix starts with "=": still text), jiangan, wuchang: 1–4 each, upper part 4.
- wuchang license 武昌审批许〔2022〕 1, 2 and a wild 100000: upper part 75001–100000; only the 25 gaps nearest to 100000
  are listed, the other 24,974 are counted as not listed.
- huangpi sent only in July; health only numbers that do not parse: neither is a June candidate.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from credit_feeds import cli
from credit_feeds.feeds import LICENSE, PENALTY
from credit_feeds.spot_check import (ABSENT, ACCEPTED, GAP, HEADER, REJECTED, SAMPLED, SpotCheckError, spot_check,
                                     upper_part, write_spot_check)
from credit_feeds.warehouse import create_schemas, raw_feed_columns
from test_dbt_models import PROJECT_DIR, _calendar_days

JUNE = dt.date(2022, 6, 1)
CLI = Path(sys.executable).parent / "credit-feeds"

UNITS = [
    ("caidian", "蔡甸区", "district", None), ("hongshan", "洪山区", "district", None),
    ("huangpi", "黄陂区", "district", None), ("jiangan", "江岸区", "district", None),
    ("jiangxia", "江夏区", "district", None), ("wuchang", "武昌区", "district", None),
    ("market-regulation", "市市场监督管理局", "department", None), ("health", "市卫生健康委员会", "department", None),
]
JUNE_CANDIDATES = ["caidian", "hongshan", "jiangan", "jiangxia", "market-regulation", "wuchang"]

AUTH = {  # prefix -> (authority code, authority name)
    "洪市监许": ("11420111MB0000011A", "洪山区市场监督管理局"),
    "洪城管罚": ("11420111MB0000012B", "洪山区城市管理执法局"),
    "江夏罚": ("11420115MB0000022B", "江夏区市场监督管理局"),
    "武市监许": ("11420100MB0000033C", "市市场监督管理局"),
    "=蔡审批许": ("11420114MB0000044D", "蔡甸区行政审批局"),
    "岸审批许": ("11420102MB0000055E", "江岸区行政审批局"),
    "武昌城管罚": ("11420106MB0000066F", "武昌区城市管理执法局"),
    "武昌审批许": ("11420106MB0000067G", "武昌区行政审批局"),
    "黄陂罚": ("11420116MB0000077G", "黄陂区市场监督管理局"),
    "武卫罚字第": ("11420100MB0000088H", "市卫生健康委员会"),
}


def _numbers(prefix, serials):
    return [f"{prefix}〔2022〕{n}号" for n in serials]


# file_id -> (unit, feed, submitted_at, prefix, document numbers)
FILES = {
    "HL1": ("hongshan", LICENSE, "2022-06-10 10:00:00", "洪市监许",
            _numbers("洪市监许", [n for n in range(1, 21) if n not in (14, 17, 18)])),
    "HP1": ("hongshan", PENALTY, "2022-06-12 10:00:00", "洪城管罚", _numbers("洪城管罚", range(1, 9))),
    "HL2": ("hongshan", LICENSE, "2022-07-05 10:00:00", "洪市监许", _numbers("洪市监许", [17, 21, 22])),
    "JP0": ("jiangxia", PENALTY, "2022-05-09 10:00:00", "江夏罚", _numbers("江夏罚", range(1, 11))),
    "JP1": ("jiangxia", PENALTY, "2022-06-08 10:00:00", "江夏罚",
            [("江夏罚[2022]３８号" if n == 38 else f"江夏罚〔2022〕{n}号") for n in range(11, 41) if n not in (35, 36)]),
    "ML1": ("market-regulation", LICENSE, "2022-06-15 10:00:00", "武市监许", _numbers("武市监许", range(1, 201))),
    "CL1": ("caidian", LICENSE, "2022-06-20 10:00:00", "=蔡审批许", _numbers("=蔡审批许", range(1, 5))),
    "AL1": ("jiangan", LICENSE, "2022-06-21 10:00:00", "岸审批许", _numbers("岸审批许", range(1, 5))),
    "WP1": ("wuchang", PENALTY, "2022-06-22 10:00:00", "武昌城管罚", _numbers("武昌城管罚", range(1, 5))),
    "WL1": ("wuchang", LICENSE, "2022-06-22 11:00:00", "武昌审批许", _numbers("武昌审批许", [1, 2, 100000])),
    "YP1": ("huangpi", PENALTY, "2022-07-02 10:00:00", "黄陂罚", _numbers("黄陂罚", range(1, 4))),
    "HE1": ("health", PENALTY, "2022-06-23 10:00:00", "武卫罚字第", [f"武卫罚字第{n}号" for n in range(1, 4)]),
}
REJECTED_ROWS = [("HL1", "洪市监许〔2022〕19号", "DATE_FORMAT")]


def _build_raw(path: Path) -> None:
    con = duckdb.connect(str(path))
    create_schemas(con)
    con.executemany("INSERT INTO raw.reporting_units VALUES (?, ?, ?, ?)", UNITS)
    con.executemany("INSERT INTO raw.calendar_days VALUES (?, ?, ?, ?)",
                    list(_calendar_days(dt.date(2022, 5, 1), dt.date(2022, 7, 31))))
    for file_id, (unit, feed, submitted_at, prefix, numbers) in FILES.items():
        cols = [c for c, _ in raw_feed_columns(feed)]
        code, name = AUTH[prefix]
        decided = "2022-05-20" if feed is LICENSE else "2022-05-21"
        rows = []
        for source_row, doc_no in enumerate(numbers, start=1):
            values = {"file_id": file_id, "source_row": source_row, "unit_code": unit, "submitted_at": submitted_at,
                      feed.doc_no_field: doc_no, feed.authority_code_field: code, feed.authority_name_field: name,
                      feed.subject_name_field: f"企业{source_row}", feed.event_date: decided}
            rows.append([values.get(c) for c in cols])
        quoted = ", ".join(f'"{c}"' for c in cols)
        con.executemany(f"INSERT INTO raw.{feed.table} ({quoted}) VALUES ({', '.join('?' for _ in cols)})", rows)
        con.execute("INSERT INTO audit.files (file_id, path, sha256, size_bytes, unit_code, feed, submitted_at,"
                    " received_at, status) VALUES (?, ?, ?, 100, ?, ?, ?, ?, 'loaded')",
                    [file_id, f"{file_id}.csv", file_id.lower().ljust(64, "0"), unit, feed.name, submitted_at,
                     submitted_at])
    for file_id, doc_no, rule_id in REJECTED_ROWS:
        unit, feed, _, _, numbers = FILES[file_id]
        con.execute("INSERT INTO audit.rejections (file_id, source_row, unit_code, feed, rule_id, message_zh) "
                    "VALUES (?, ?, ?, ?, ?, '测试')", [file_id, numbers.index(doc_no) + 1, unit, feed.name, rule_id])
    con.close()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """dbt runs in its own process: dbt-duckdb keeps its connection open in the process that ran it, and DuckDB
    refuses a read-only connection (what the spot check opens) beside it."""
    tmp = tmp_path_factory.mktemp("spot")
    path = tmp / "warehouse.duckdb"
    _build_raw(path)
    target = tmp / "target"
    done = subprocess.run(
        [str(CLI.parent / "dbt"), "run", "--select", "+fct_disclosures", "+suspected_concealment",
         "+dim_reporting_unit", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR), "--target-path", str(target),
         "--log-path", str(target / "logs")],
        capture_output=True, text=True, timeout=600, env={**os.environ, "CREDIT_FEEDS_WAREHOUSE": str(path)})
    assert done.returncode == 0, done.stdout[-3000:]
    return path


@pytest.fixture
def con(warehouse):
    c = duckdb.connect(str(warehouse), read_only=True)
    yield c
    c.close()


def _by_number(result, unit, feed="license"):
    return {(c.series.doc_prefix, c.serial): (c.origin, c.result) for c in result.checks
            if c.unit_code == unit and c.feed == feed}


def test_upper_part_is_the_top_quarter_of_the_range():
    assert upper_part(1, 20) == range(16, 21)
    assert upper_part(11, 40) == range(33, 41)      # 30 serials: ⌈30/4⌉ = 8
    assert upper_part(1, 200) == range(151, 201)
    assert upper_part(4, 4) == range(4, 5) and upper_part(1, 2) == range(2, 3)


def test_all_units_planted_gaps_late_submission_and_rejection(con):
    result = spot_check(con, JUNE, seed=1, units=1.0)
    assert result.candidates == JUNE_CANDIDATES and result.units == JUNE_CANDIDATES
    assert _by_number(result, "hongshan") == {
        ("洪市监许", 16): (SAMPLED, ACCEPTED), ("洪市监许", 17): (GAP, ACCEPTED), ("洪市监许", 18): (GAP, ABSENT),
        ("洪市监许", 19): (SAMPLED, REJECTED), ("洪市监许", 20): (SAMPLED, ACCEPTED)}
    assert _by_number(result, "hongshan", "penalty") == {("洪城管罚", 7): (SAMPLED, ACCEPTED),
                                                          ("洪城管罚", 8): (SAMPLED, ACCEPTED)}
    assert _by_number(result, "jiangxia", "penalty") == {
        **{("江夏罚", n): (SAMPLED, ACCEPTED) for n in (33, 34, 37, 38, 39, 40)},
        ("江夏罚", 35): (GAP, ABSENT), ("江夏罚", 36): (GAP, ABSENT)}
    market = _by_number(result, "market-regulation")
    assert len(market) == 25 and all(151 <= n <= 200 and v == (SAMPLED, ACCEPTED) for (_, n), v in market.items())
    for unit, feed, prefix in (("caidian", "license", "=蔡审批许"), ("jiangan", "license", "岸审批许"),
                               ("wuchang", "penalty", "武昌城管罚")):
        assert _by_number(result, unit, feed) == {(prefix, 4): (SAMPLED, ACCEPTED)}
    assert _by_number(result, "wuchang") == {("武昌审批许", 100000): (SAMPLED, ACCEPTED),
                                             **{("武昌审批许", n): (GAP, ABSENT) for n in range(99975, 100000)}}
    assert (result.count(ACCEPTED), result.count(REJECTED), result.count(ABSENT)) == (40, 1, 28)
    assert result.gaps_not_listed == {("wuchang", "license"): 25000 - 1 - 25}
    notes = {(c.series.doc_prefix, c.serial): c.note for c in result.checks}
    assert "已于2022-07补报" in notes[("洪市监许", 17)]
    assert "DATE_FORMAT 日期格式错误" in notes[("洪市监许", 19)] and "请更正后重新报送" in notes[("洪市监许", 19)]
    assert "报送写法：江夏罚[2022]３８号" in notes[("江夏罚", 38)]
    assert notes[("江夏罚", 35)].startswith("上段缺号：截至2022年06月末未收到") and "请核查" in notes[("江夏罚", 35)]


def test_every_absent_number_is_a_suspected_concealment(con):
    result = spot_check(con, JUNE, seed=1, units=1.0)
    listed = set(con.execute("SELECT authority_code, doc_prefix, doc_year, missing_serial "
                             "FROM marts.suspected_concealment").fetchall())
    absent = {(*c.series, c.serial) for c in result.checks if c.result == ABSENT}
    assert absent and absent <= listed


@pytest.mark.parametrize("seed", range(8))
def test_a_small_sample_lists_only_the_gaps_next_to_drawn_numbers(con, seed):
    result = spot_check(con, JUNE, seed=seed, units=1.0, sample=3)
    jiangxia = _by_number(result, "jiangxia", "penalty")
    drawn = {n for (_, n), (origin, _) in jiangxia.items() if origin == SAMPLED}
    gaps = {n for (_, n), (origin, _) in jiangxia.items() if origin == GAP}
    assert len(drawn) == 3 and drawn <= {33, 34, 37, 38, 39, 40}
    assert gaps == ({35, 36} if drawn & {34, 37} else set())
    assert result.gaps_not_listed.get(("jiangxia", "penalty"), 0) == 2 - len(gaps)
    assert len(_by_number(result, "market-regulation")) == 3
    assert _by_number(result, "wuchang") == {("武昌审批许", 100000): (SAMPLED, ACCEPTED),
                                             **{("武昌审批许", n): (GAP, ABSENT) for n in (99997, 99998, 99999)}}


def test_units_are_drawn_by_the_seed(con):
    picks = {seed: spot_check(con, JUNE, seed=seed, units=2).units for seed in range(10)}
    assert all(len(p) == 2 and set(p) <= set(JUNE_CANDIDATES) for p in picks.values())
    assert len({tuple(p) for p in picks.values()}) > 1   # different seeds, different units
    assert spot_check(con, JUNE, seed=3, units=2).units == picks[3]
    assert len(spot_check(con, JUNE, seed=3, units=0.5).units) == 3    # half of 6
    assert len(spot_check(con, JUNE, seed=3, units=99).units) == 6


def test_july_candidates_and_a_month_without_numbers(con):
    assert spot_check(con, dt.date(2022, 7, 1), seed=1).candidates == ["hongshan", "huangpi"]
    with pytest.raises(SpotCheckError, match="nothing to spot-check"):
        spot_check(con, dt.date(2022, 8, 1), seed=1)
    with pytest.raises(SpotCheckError):
        spot_check(con, JUNE, seed=1, units=0)
    with pytest.raises(SpotCheckError):
        spot_check(con, JUNE, seed=1, sample=0)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_files_are_deterministic_and_the_xlsx_holds_text_only(con, tmp_path):
    first = write_spot_check(spot_check(con, JUNE, seed=7, units=1.0), tmp_path / "a")
    again = write_spot_check(spot_check(con, JUNE, seed=7, units=1.0), tmp_path / "b")
    assert first["xlsx"] == tmp_path / "a" / "spot_checks" / "spot-check-2022-06-seed7.xlsx"
    assert {k: _sha(p) for k, p in first.items()} == {k: _sha(p) for k, p in again.items()}
    other = write_spot_check(spot_check(con, JUNE, seed=8, units=1.0), tmp_path / "c")
    assert _sha(other["csv"]) != _sha(first["csv"])   # market-regulation's 25 of 50 differ

    rows = list(csv.reader(io.StringIO(first["csv"].read_text(encoding="utf-8-sig"))))
    assert tuple(rows[0]) == HEADER and len(rows) == 1 + 69
    wb = openpyxl.load_workbook(first["xlsx"])
    assert wb.sheetnames == ["抽查结果", "抽查说明"]
    ws = wb["抽查结果"]
    cells = [c for row in ws.iter_rows() for c in row]
    assert all(c.data_type == "s" for c in cells if c.value is not None)
    sheet = [[c.value for c in row] for row in ws.iter_rows()]
    # the CSV leads a cell starting with "=" with ' (a spreadsheet would run it); the xlsx keeps it as text
    assert [[v.lstrip("'") for v in r] for r in rows] == sheet
    caidian = next(r for r in sheet if r[1] == "caidian")
    assert caidian == ["蔡甸区", "caidian", "行政许可", "蔡甸区行政审批局（11420114MB0000044D）", "=蔡审批许〔2022〕4号",
                       ACCEPTED, "抽样：本单位本月报送的上段文书号"]
    assert ["洪山区", "hongshan", "行政许可", "洪山区市场监督管理局（11420111MB0000011A）", "洪市监许〔2022〕18号",
            ABSENT] == next(r for r in sheet if r[4] == "洪市监许〔2022〕18号")[:6]
    with zipfile.ZipFile(first["xlsx"]) as z:
        assert not any("<f>" in z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
        # nothing records when it was written (the two writes above may fall in the same second)
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert z.read("docProps/core.xml").decode().count("2022-06-01T00:00:00Z") == 2
    info = dict(wb["抽查说明"].iter_rows(values_only=True))
    assert info["随机种子"] == "7" and info["核对结果"].startswith("核对69个")
    md = first["md"].read_text(encoding="utf-8")
    assert md.count("\n| ") == 1 + 69 and f"| 洪市监许〔2022〕18号 | {ABSENT} |" in md


# --- the command ---------------------------------------------------------------------------------------------

def _cli(capsys, *args):
    code = cli.main(["spot-check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_command_writes_the_files_and_leaves_the_warehouse_alone(warehouse, tmp_path):
    before = _sha(warehouse)
    done = subprocess.run([str(CLI), "spot-check", "--warehouse", str(warehouse), "--month", "2022-06", "--seed", "7",
                           "--units", "2", "--out", str(tmp_path)], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=300)
    assert done.returncode == 0, done.stderr
    assert "抽中2个" in done.stdout and "spot-check-2022-06-seed7.xlsx" in done.stdout
    assert sorted(p.name for p in (tmp_path / "spot_checks").iterdir()) == [
        "spot-check-2022-06-seed7.csv", "spot-check-2022-06-seed7.md", "spot-check-2022-06-seed7.xlsx"]
    assert _sha(warehouse) == before


@pytest.mark.parametrize("args, message", [
    (["--month", "2022-13"], "is not YYYY-MM"),
    (["--month", "2022-08"], "nothing to spot-check"),
    (["--units", "0"], "at least 1"),
    (["--units", "1.5"], "(0, 1]"),
    (["--units", "some"], "--units"),
    (["--sample", "0"], "--sample"),
    (["--seed", "-1"], "--seed"),
])
def test_command_errors(warehouse, tmp_path, capsys, args, message):
    base = {"--warehouse": str(warehouse), "--month": "2022-06", "--seed": "1", "--out": str(tmp_path)}
    base.update(dict(zip(args[::2], args[1::2])))
    code, out, err = _cli(capsys, *[x for kv in base.items() for x in kv])
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("credit-feeds: ") and message in err


def test_command_errors_on_the_warehouse(tmp_path, capsys):
    common = ["--month", "2022-06", "--seed", "1", "--out", str(tmp_path / "out")]
    code, _, err = _cli(capsys, "--warehouse", str(tmp_path / "none.duckdb"), *common)
    assert code == 1 and "does not exist" in err and err.count("\n") == 1
    (tmp_path / "text.duckdb").write_text("not a database")
    code, _, err = _cli(capsys, "--warehouse", str(tmp_path / "text.duckdb"), *common)
    assert code == 1 and "cannot open warehouse" in err and err.count("\n") == 1
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    code, _, err = _cli(capsys, "--warehouse", str(tmp_path / "empty.duckdb"), *common)
    assert code == 1 and "run `credit-feeds run`" in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()
