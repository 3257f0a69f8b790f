"""Rejection lists (打回清单): one xlsx per unit with its rejected rows, text never turned into formulas."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl

from credit_feeds.compliance import validate_pending
from credit_feeds.ingest import ingest
from credit_feeds.returns import write_returns
from credit_feeds.warehouse import connect, create_schemas

UNITS = "unit_code,unit_name,unit_kind,uscc\njianghan,江汉区,district,\ntax,市税务局,department,\n"
HEADER = ("XK_XDR_MC,XK_XDR_LB,XK_XDR_SHXYM,XK_FRDB,XK_XDR_ZJLX,XK_XDR_ZJHM,XK_XKWS,XK_WSH,XK_XKLB,XK_NR,XK_JDRQ,"
          "XK_YXQZ,XK_YXQZI,XK_XKJG,XK_XKJGDM,XK_ZT,XK_LYDW,XK_LYDWDM")
GOOD = ("武汉甲公司,法人及非法人组织,91110000600037341L,张三,,,许可决定书,武江汉许〔2022〕{n}号,普通,食品经营,2022-06-01,"
        "2022-06-01,2027-05-31,江汉区市场监督管理局,91110000600037341L,1,江汉区市场监督管理局,91110000600037341L")


def test_rejection_list_per_unit(tmp_path):
    zone = tmp_path / "landing"
    (zone / "_reference").mkdir(parents=True)
    (zone / "_reference" / "reporting_units.csv").write_text(UNITS, encoding="utf-8")
    rows = [GOOD.format(n=1),
            GOOD.format(n=2).replace("普通", "=HYPERLINK(\"http://x\")"),             # ENUM, formula-like
            "李四,自然人,,,身份证,420106199001011235,许可决定书,武江汉许〔2022〕3号,普通,食品经营,2022-06-01,2022-06-01,"
            "2027-05-31,江汉区市场监督管理局,91110000600037341L,1,江汉区市场监督管理局,91110000600037341L"]  # bad ID check
    (zone / "jianghan__license__20220608T103100.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    (zone / "tax__license__20220609T103100.xlsx").write_bytes(b"broken")
    con = connect(tmp_path / "w.duckdb")
    create_schemas(con)
    ingest(zone, con)
    validate_pending(con)
    paths = write_returns(con, dt.date(2022, 6, 1), tmp_path / "out")
    assert [p.name for p in paths] == ["jianghan-2022-06.xlsx", "tax-2022-06.xlsx"]

    wb = openpyxl.load_workbook(paths[0])
    ws = wb["打回清单"]
    table = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert [(r[1], r[2], r[5]) for r in table] == [
        ("jianghan__license__20220608T103100.csv", 2, "ENUM"),
        ("jianghan__license__20220608T103100.csv", 3, "ID_CHECKSUM"),
    ]
    enum_row, id_row = table
    assert enum_row[7] == '=HYPERLINK("http://x")' and ws.cell(row=2, column=8).data_type == "s"
    assert "武江汉许〔2022〕2号" in enum_row[4] and "取值不在标准代码范围内" in enum_row[8]
    assert id_row[7] == "4201**********1235" and "420106199001011235" not in json.dumps(table, ensure_ascii=False)
    # no cell of any list is a formula
    for path in paths:
        for sheet in openpyxl.load_workbook(path).worksheets:
            assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)
    quarantined = [[c.value for c in r] for r in openpyxl.load_workbook(paths[1])["隔离文件"].iter_rows(min_row=2)]
    assert quarantined[0][1] == "tax__license__20220609T103100.xlsx" and quarantined[0][3].startswith("UNREADABLE")
    con.close()
