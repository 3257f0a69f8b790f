"""A plain XLSX sheet is read by calamine, any other by openpyxl's parser: both give the same cell texts."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference

from credit_feeds.readers import NotAValue, _Workbook, xlsx_table

SAMPLE = Path(__file__).resolve().parents[1] / "include" / "sample_feeds"


def _plain(path: Path) -> bool:
    wb = _Workbook(path)
    try:
        return wb.plain_first_sheet()
    finally:
        wb.close()


def _save(tmp_path: Path, name: str, fill) -> Path:
    wb = openpyxl.Workbook()
    fill(wb)
    path = tmp_path / name
    wb.save(path)
    return path


def _values(ws):
    ws.append(["XK_XDR_MC", "XK_WSH", "金额", "标志", "备注"])
    ws.append(["  武汉某某科技有限公司 ", "武江汉审批〔2022〕1号", 1200, True, "第一行\n第二行"])
    ws.append(["某店", 420106199001011234, 0.1, False, None])          # an ID Excel made a number
    ws.append([None, 123456789012345, -3.25, None, 1e-7])
    ws.append([])                                                      # an empty row inside the data
    ws.append(["末行", "x", 10 ** 16, 2.5e20, "尾"])
    ws["H9"] = "表头以外的单元格"                                        # beyond the header, below the data


def _leading_gaps(wb):
    ws = wb.active
    ws["C3"] = "XK_WSH"
    ws["D3"] = "XK_XDR_MC"
    ws["C5"] = "武江汉审批〔2022〕2号"
    ws["D6"] = "只有名称"


def _merged(wb):
    ws = wb.active
    ws.append(["江汉区行政许可信息报送表", None, None])
    ws.merge_cells("A1:C1")
    ws.append(["XK_WSH", "XK_XDR_MC", None])
    ws.merge_cells("B2:C2")
    ws.append(["1号", "甲", "第三列的值"])


def _sheets(wb):
    wb.active.title = "数据"
    _values(wb.active)
    other = wb.create_sheet("第二批")
    other.append(["XK_WSH"])
    other.append(["不读"])


def _chart_first(wb):
    ws = wb.active
    ws.title = "数据"
    _values(ws)
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=3, min_row=1, max_row=4))
    wb.create_chartsheet("图表", 0).add_chart(chart)


def _dates(wb):
    ws = wb.active
    ws.append(["XK_JDRQ", "XK_YXQZ", "XK_WSH"])
    ws.append([dt.date(2022, 6, 1), dt.date(1900, 1, 15), "1号"])   # (Excel's serial < 60: its leap-year bug)
    ws.append([44713, 3, "2号"])


def _dates_styled(number_format: str, values=(44713, 44713.5, 61, 1)):
    def fill(wb):
        ws = wb.active
        ws.append(["XK_JDRQ", "XK_WSH"])
        for value in values:
            ws.append([value, "号"])
            ws.cell(ws.max_row, 1).number_format = number_format
    return fill


def _datetimes(wb):
    ws = wb.active
    ws.append(["XK_JDRQ", "XK_WSH"])
    ws.append([dt.datetime(2022, 6, 2, 8, 30, 15, 123456), "1号"])


def _formulas(wb):
    ws = wb.active
    ws.append(["XK_WSH", "XK_NR"])
    ws.append(["1号", '="普通"'])


def _empty_shared_string(path: Path) -> None:
    """A cell holding the empty text (openpyxl writes "" as no value; other programs write an empty string)."""
    with zipfile.ZipFile(path) as src:
        parts = {name: src.read(name) for name in src.namelist()}
    for name in parts:   # openpyxl writes inline strings; other programs shared ones
        parts[name] = parts[name].replace(b"<t>EMPTY</t>", b"<t></t>")
    assert any(b"<t></t>" in data for data in parts.values())
    with zipfile.ZipFile(path, "w") as dst:
        for name, data in parts.items():
            dst.writestr(name, data)


def _values_book(wb):
    _values(wb.active)


CASES = [("values", _values_book, True), ("leading_gaps", _leading_gaps, True), ("merged", _merged, True),
         ("sheets", _sheets, True), ("chart_first", _chart_first, True), ("dates", _dates, True),
         ("chinese_dates", _dates_styled('yyyy"年"m"月"d"日"'), True), ("builtin_date", _dates_styled("mm-dd-yy"), True),
         ("datetimes", _datetimes, False), ("time_format", _dates_styled("h:mm"), False),
         ("duration", _dates_styled("[h]:mm:ss"), False), ("negative_date", _dates_styled("yyyy-mm-dd", [-1, 5]), True),
         ("text_format", _dates_styled("@"), True), ("money", _dates_styled('#,##0.00"元"'), False),
         ("formulas", _formulas, False)]


@pytest.mark.parametrize(("name", "fill", "plain"), CASES, ids=[c[0] for c in CASES])
def test_both_engines_give_the_same_texts(tmp_path, name, fill, plain):
    path = _save(tmp_path, f"{name}.xlsx", fill)
    assert _plain(path) is plain   # which engine reads it
    fast, slow = xlsx_table(path), xlsx_table(path, fast=False)
    assert _normal(fast) == _normal(slow)
    assert any(cell is not None for row in fast[0] for cell in row)


def test_what_the_texts_are(tmp_path):
    path = _save(tmp_path, "values.xlsx", _values_book)
    table = xlsx_table(path)[0]
    assert table[1] == ["  武汉某某科技有限公司 ", "武江汉审批〔2022〕1号", "1200", "TRUE", "第一行\n第二行"]
    assert table[2][:4] == ["某店", "4.20106199001011E+17", "0.1", "FALSE"]   # as Excel shows them
    assert table[3] == [None, "123456789012345", "-3.25", None, "1E-07"]
    assert table[5] == ["末行", "x", "1E+16", "2.5E+20", "尾"]
    assert table[8][7] == "表头以外的单元格"
    path = _save(tmp_path, "dates.xlsx", _dates)
    assert xlsx_table(path)[0][1:] == [["2022-06-01", "1900-01-15", "1号"], ["44713", "3", "2号"]]


def test_formulas_and_empty_strings_take_openpyxls_path(tmp_path):
    path = _save(tmp_path, "formulas.xlsx", _formulas)
    assert isinstance(xlsx_table(path)[0][1][1], NotAValue)   # never calculated: no saved result
    path = _save(tmp_path, "empty.xlsx", lambda wb: [wb.active.append(r) for r in (["XK_WSH", "XK_NR"], ["1号", "EMPTY"])])
    _empty_shared_string(path)
    assert not _plain(path)
    assert xlsx_table(path)[0][1] == ["1号", ""]   # the empty text, not an absent value


def test_every_sample_workbook_reads_the_same_either_way():
    books = sorted(SAMPLE.rglob("*.xlsx"))
    assert len(books) > 10
    readable = 0
    for path in books:
        try:
            fast = xlsx_table(path)
        except Exception:   # the sample's broken workbooks: the openpyxl path refuses them too
            with pytest.raises(Exception):
                xlsx_table(path, fast=False)
            continue
        assert _normal(fast) == _normal(xlsx_table(path, fast=False)), path
        readable += 1
    assert readable > 10


def _normal(result):
    """The table without the empty cells that end a row and the empty rows that end the sheet (openpyxl's rows
    end at their last cell, calamine's grid is rectangular: the same records either way), its sheet names."""
    table, name, others = result
    rows = [row[:max((i + 1 for i, c in enumerate(row) if c is not None), default=0)] for row in table]
    while rows and not rows[-1]:
        rows.pop()
    return rows, name, others
