"""Hostile files for a landing zone, and the accounting every hostile test ends with.

Each `case_*` function writes its files into a landing zone and returns what must become of each path:
{path: (status, reason code)} — "loaded" files then have their rows checked by the test that uses the case.
The per-case tests (test_hostile_*.py) call one case each against a real DuckDB; test_hostile_month.py writes
them all into one landing zone and runs the whole month through `credit-feeds run`.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import random
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from credit_feeds.feeds import FEEDS, LICENSE
from credit_feeds.identifiers import id_check_char, uscc_check_char
from credit_feeds.landing import QUARANTINE_REASONS, REFERENCE_DIR
from credit_feeds.rules import RULES

UNITS = "unit_code,unit_name,unit_kind,uscc\njianghan,江汉区,district,\ntax,市税务局,department,\n"
USCC_OK = "91110000600037341L"
CODES = [f.code for f in LICENSE.fields]              # every license column, in the registry's order
MONTH = "2022-06"


def digits_only_uscc() -> str:
    """A valid USCC made of digits only: Excel takes such a code for a number."""
    for n in range(10 ** 8, 10 ** 8 + 1000):
        first = f"91420100{n}"
        if (check := uscc_check_char(first)).isdigit():
            return first + check
    raise AssertionError("no all-digit USCC found")


def digits_only_id() -> str:
    """A valid 身份证 number made of digits only."""
    for n in range(100, 999):
        first = f"42010619900101{n}"
        if (check := id_check_char(first)).isdigit():
            return first + check
    raise AssertionError("no all-digit ID found")


def license_row(n: int, **changes) -> dict[str, str]:
    """A compliant 行政许可 row of an organisation; `n` makes its record key unique."""
    row = {code: "" for code in CODES}
    row.update({
        "XK_XDR_MC": f"武汉甲{n}号公司", "XK_XDR_LB": "法人及非法人组织", "XK_XDR_SHXYM": USCC_OK, "XK_FRDB": "张三",
        "XK_XKWS": "行政许可决定书", "XK_WSH": f"武江汉许〔2022〕{n}号", "XK_XKLB": "普通", "XK_NR": "食品经营",
        "XK_JDRQ": "2022-06-01", "XK_YXQZ": "2022-06-01", "XK_YXQZI": "2027-05-31", "XK_XKJG": "江汉区市场监督管理局",
        "XK_XKJGDM": USCC_OK, "XK_ZT": "1", "XK_LYDW": "江汉区市场监督管理局", "XK_LYDWDM": USCC_OK,
    })
    row.update(changes)
    return row


def person_row(n: int, id_no: str) -> dict[str, str]:
    """A 行政许可 row of a natural person (自然人) with the given 身份证 number."""
    return license_row(n, XK_XDR_MC=f"李{n}", XK_XDR_LB="自然人", XK_XDR_SHXYM="", XK_FRDB="",
                       XK_XDR_ZJLX="身份证", XK_XDR_ZJHM=id_no)


def csv_line(cells: list[str]) -> str:
    out = []
    for c in cells:
        out.append('"' + c.replace('"', '""') + '"' if any(ch in c for ch in ',"\r\n') else c)
    return ",".join(out) + "\n"


def license_csv(rows: list[dict[str, str]], header: list[str] = CODES) -> str:
    return csv_line(header) + "".join(csv_line([r.get(c, "") for c in header]) for r in rows)


def name(unit: str, feed: str, second: int, ext: str = "csv", day: int = 8) -> str:
    """A conforming upload name submitted on 2022-06-<day>, second `second` after 10:00 (unique per case)."""
    t = dt.datetime(2022, 6, day, 10, 0, 0) + dt.timedelta(seconds=second)
    return f"{unit}__{feed}__{t:%Y%m%dT%H%M%S}.{ext}"


def make_zone(base: Path) -> Path:
    zone = base / "landing"
    (zone / REFERENCE_DIR).mkdir(parents=True)
    (zone / REFERENCE_DIR / "reporting_units.csv").write_text(UNITS, encoding="utf-8")
    return zone


def workbook(rows: list[list], title: str = "Sheet1") -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    return wb


def license_table(rows: list[dict[str, str]], header: list[str] = CODES) -> list[list]:
    return [list(header)] + [[r.get(c, "") or None for c in header] for r in rows]


def set_cell(xml: bytes, ref: str, inner: str, kind: str | None = None) -> bytes:
    """Replace the XML of cell `ref` by `<c r=ref t=kind>inner</c>`; `{f}` in `inner` stands for its formula."""
    text = xml.decode()
    m = re.search(rf'<c r="{ref}"[^>]*?(?:/>|>(.*?)</c>)', text)
    assert m, ref
    formula = re.search(r"<f>(.*?)</f>", m[1] or "")
    kind_attr = f' t="{kind}"' if kind else ""
    cell = f'<c r="{ref}"{kind_attr}>{inner.replace("{f}", formula[1] if formula else "")}</c>'
    return (text[: m.start()] + cell + text[m.end():]).encode()


def rewrite_zip(path: Path, member: str, edit) -> None:
    """Rewrite one member of a zip (an XLSX) with `edit(bytes) -> bytes`, as another program might have written it."""
    with zipfile.ZipFile(path) as zin:
        items = [(i, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            zout.writestr(info, edit(data) if info.filename == member else data)


# ---------------------------------------------------------------------------------------------------- cases
# Each returns {path relative to the landing zone: (status, reason code or None)}.

def case_empty(zone: Path) -> dict:
    p = name("jianghan", "license", 1)
    (zone / p).write_bytes(b"")
    return {p: ("quarantined", "EMPTY_FILE")}


def case_header_only(zone: Path) -> dict:
    csv_only = name("jianghan", "license", 2)
    (zone / csv_only).write_text(license_csv([]), encoding="utf-8")
    blank_lines = name("jianghan", "license", 3)
    (zone / blank_lines).write_text(license_csv([]) + "\n\r\n,,,\n", encoding="utf-8")
    xlsx = name("tax", "license", 4, "xlsx")
    workbook(license_table([])).save(zone / xlsx)
    return {csv_only: ("loaded", None), blank_lines: ("loaded", None), xlsx: ("loaded", None)}


CUT_HEADER = [c for c in CODES if c != "XK_LYDW"] + ["XK_LYDW"]   # a Chinese text column last


def case_cut_off(zone: Path) -> dict:
    """Uploads that stop in the middle of their last row."""
    good = [license_row(11), license_row(12)]
    text = license_csv(good + [license_row(13)])
    # 1. inside an unquoted field, columns missing
    p1 = name("jianghan", "license", 10)
    (zone / p1).write_text(text[: text.rindex("2022-06-01")], encoding="utf-8")
    # 2. inside a quoted field that never closes
    p2 = name("jianghan", "license", 11)
    quoted = license_csv(good + [license_row(14, XK_NR="食品经营,含冷藏冷冻食品")])
    (zone / p2).write_text(quoted[: quoted.index("含冷藏")], encoding="utf-8")
    # 3. UTF-8, every column there but the last one cut in the middle of a character
    p3 = name("jianghan", "license", 12)
    data = license_csv(good + [license_row(15)], CUT_HEADER).encode("utf-8")
    (zone / p3).write_bytes(data[: data.rstrip(b"\n").rindex("局".encode()) + 2])
    # 4. the same in GBK
    p4 = name("jianghan", "license", 13)
    data = license_csv(good + [license_row(16)], CUT_HEADER).encode("gbk")
    (zone / p4).write_bytes(data[: data.rstrip(b"\n").rindex("局".encode("gbk")) + 1])
    # 5. not cut: the last row is complete, only the final line break is missing
    p5 = name("jianghan", "license", 14)
    (zone / p5).write_text(license_csv(good + [license_row(17)]).rstrip("\n"), encoding="utf-8")
    return {p: ("loaded", None) for p in (p1, p2, p3, p4, p5)}


def case_binary_junk(zone: Path) -> dict:
    rng = random.Random(7)
    out = {}
    p = name("jianghan", "penalty", 20)
    (zone / p).write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    out[p] = ("quarantined", "BAD_ENCODING")
    p = name("jianghan", "penalty", 21)
    (zone / p).write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(512)))
    out[p] = ("quarantined", "UNREADABLE")
    p = name("jianghan", "penalty", 22)
    workbook(license_table([license_row(20)])).save(zone / p)       # a workbook saved under a .csv name
    out[p] = ("quarantined", "UNREADABLE")
    p = name("jianghan", "penalty", 23)
    (zone / p).write_bytes(license_csv([license_row(21)]).encode("utf-16"))   # Excel's "Unicode text"
    out[p] = ("quarantined", "BAD_ENCODING")
    p = name("jianghan", "penalty", 24)
    (zone / p).write_bytes(b"\x00\x01\x02\x03garbage\x00\n\x7f\x00more\n")     # ASCII control bytes only
    out[p] = ("quarantined", "NO_HEADER")
    return out


def case_bad_xlsx(zone: Path) -> dict:
    out = {}
    p = name("tax", "license", 30, "xlsx")
    (zone / p).write_bytes(b"this is no zip at all, just text named .xlsx\n")
    out[p] = ("quarantined", "UNREADABLE")
    p = name("tax", "license", 31, "xlsx")
    (zone / p).write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)      # an old .xls renamed
    out[p] = ("quarantined", "UNREADABLE")
    p = name("tax", "license", 32, "xlsx")
    with zipfile.ZipFile(zone / p, "w") as z:                                   # a zip, but no workbook
        z.writestr("readme.txt", "not a workbook")
    out[p] = ("quarantined", "UNREADABLE")
    p = name("tax", "license", 33, "xlsx")
    buf = io.BytesIO()
    workbook(license_table([license_row(30)])).save(buf)
    (zone / p).write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])          # cut off
    out[p] = ("quarantined", "UNREADABLE")
    return out


def case_encodings(zone: Path) -> dict:
    out = {}
    p = name("jianghan", "license", 40)
    (zone / p).write_bytes(license_csv([license_row(40)]).encode("utf-8")
                           + license_csv([license_row(41)]).split("\n", 1)[1].encode("gbk"))
    out[p] = ("quarantined", "MIXED_ENCODING")
    p = name("jianghan", "license", 41)
    (zone / p).write_bytes(license_csv([license_row(42)]).encode("utf-8") + b"\x80\xff\xfe broken\n")
    out[p] = ("quarantined", "BAD_ENCODING")
    p = name("jianghan", "license", 42)
    (zone / p).write_bytes(b"\xef\xbb\xbf" + license_csv([license_row(43)]).encode("gbk"))   # a BOM, then GBK
    out[p] = ("quarantined", "BAD_ENCODING")
    return out


def case_quoted_fields(zone: Path) -> dict:
    p = name("jianghan", "license", 50)
    rows = [license_row(50, XK_NR="食品经营,含冷藏冷冻食品\n（仅限预包装）", BZ='他说："已核实"'),
            license_row(51),
            license_row(52, XK_XKJG="江汉区\r\n市场监督管理局")]
    (zone / p).write_text(license_csv(rows), encoding="utf-8")
    # broken quoting: text after a closing quote (row 2), and a quote opened and closed lines later (rows 4-6
    # become one record: the strict parser refuses it, so it is not silently merged)
    q = name("jianghan", "license", 51)
    lines = license_csv([license_row(53), license_row(54), license_row(55), license_row(56), license_row(57),
                         license_row(58), license_row(59)]).splitlines(keepends=True)
    lines[2] = lines[2].replace("食品经营", '"食品"经营')
    lines[4] = lines[4].replace("食品经营", '"食品经营')
    lines[6] = lines[6].replace("食品经营", '食品经营"')
    (zone / q).write_text("".join(lines), encoding="utf-8")
    return {p: ("loaded", None), q: ("loaded", None)}


MEGABYTE = 1 << 20


def case_one_megabyte_field(zone: Path) -> dict:
    p = name("jianghan", "license", 60)
    rows = [license_row(60), license_row(61, XK_NR="许" * MEGABYTE), license_row(62),
            license_row(63, XK_WSH="文" * MEGABYTE)]   # a document number: the record key of the rejection list
    (zone / p).write_text(license_csv(rows), encoding="utf-8")
    return {p: ("loaded", None)}


def case_extra_columns(zone: Path) -> dict:
    p = name("jianghan", "license", 70)
    header = CODES + [f"自定义{i}" for i in range(200)]
    rows = [{**license_row(70 + n), **{f"自定义{i}": f"v{n}-{i}" for i in range(200)}} for n in range(3)]
    text = license_csv(rows, header)
    text += csv_line([license_row(73)[c] for c in CODES] + [""] * 200 + ["溢出1", "溢出2"])   # beyond the header
    (zone / p).write_text(text, encoding="utf-8")
    return {p: ("loaded", None)}


def case_duplicate_columns(zone: Path) -> dict:
    p = name("jianghan", "license", 80)
    header = CODES + ["XK_WSH", "行政许可决定文书号", "备用", "备用", ""]
    rows = [{**license_row(80)}, {**license_row(81)}]
    body = "".join(csv_line([r[c] for c in CODES] + [f"第二列{i}", f"第三列{i}", "甲", "乙", "空表头"])
                   for i, r in enumerate(rows))
    (zone / p).write_text(csv_line(header) + body, encoding="utf-8")
    return {p: ("loaded", None)}


FW = str.maketrans("0123456789", "０１２３４５６７８９")


def case_full_width(zone: Path) -> dict:
    p = name("jianghan", "license", 90)
    rows = [
        license_row(90, XK_XDR_MC="\u3000武汉\u3000全角空格公司\u3000", XK_XDR_SHXYM="\u3000" + USCC_OK + "\u3000"),
        license_row(91, XK_JDRQ="2022-06-01".translate(FW)),
        license_row(92, XK_XDR_SHXYM=USCC_OK[:10].translate(FW) + USCC_OK[10:]),
        license_row(93, XK_ZT="１"),
        person_row(94, digits_only_id().translate(FW)),
        license_row(95, XK_WSH="武江汉许〔２０２２〕95号"),   # a full-width document number is text: accepted as is
    ]
    (zone / p).write_text(license_csv(rows), encoding="utf-8")
    return {p: ("loaded", None)}


def case_excel_numbers_csv(zone: Path) -> dict:
    p = name("jianghan", "license", 100)
    uscc, id_no = digits_only_uscc(), digits_only_id()
    rows = [person_row(100, "4.20106E+17"),
            license_row(101, XK_XDR_SHXYM="9.14201E+17"),
            person_row(102, id_no[1:]),                      # a leading digit lost
            license_row(103, XK_XKJGDM=uscc[:15] + "000"),   # Excel kept 15 digits: the last three became 0
            person_row(104, id_no),                          # the untouched codes pass
            license_row(105, XK_XDR_SHXYM=uscc)]
    (zone / p).write_text(license_csv(rows), encoding="utf-8")
    return {p: ("loaded", None)}


def case_names(zone: Path) -> dict:
    out = {}
    good = license_csv([license_row(110)])
    for i, bad in enumerate([name("jianghan", "license", 110).replace("__2022", " __2022"),
                             "江汉区__license__20220608T100111.csv",
                             "jianghan__license__20220608T100112 (1).csv",
                             "六月份 报送数据.csv",
                             name("jianghan", "license", 113) + "\n"]):   # a line break after the name
        (zone / bad).write_text(good.replace("110号", f"11{i}号"), encoding="utf-8")
        out[bad] = ("quarantined", "BAD_NAME")
    folder = zone / "六月 报送" / "江汉区"
    folder.mkdir(parents=True)
    p = f"六月 报送/江汉区/{name('jianghan', 'license', 115)}"
    (zone / p).write_text(license_csv([license_row(115)]), encoding="utf-8")
    out[p] = ("loaded", None)
    # a folder and a file whose names are GBK bytes (copied from Windows): not UTF-8, shown as \xNN
    gbk = os.fsdecode("六月".encode("gbk"))
    (zone / gbk).mkdir()
    (zone / gbk / name("jianghan", "license", 116)).write_text(license_csv([license_row(116)]), encoding="utf-8")
    out[f"\\xc1\\xf9\\xd4\\xc2/{name('jianghan', 'license', 116)}"] = ("loaded", None)
    bad = os.fsdecode("江汉".encode("gbk") + b"__license__20220608T100117.csv")
    (zone / bad).write_text(license_csv([license_row(117)]), encoding="utf-8")
    out["\\xbd\\xad\\xba\\xba__license__20220608T100117.csv"] = ("quarantined", "BAD_NAME")
    return out


def case_xlsx_sheets(zone: Path) -> dict:
    out = {}
    p = name("tax", "license", 120, "xlsx")
    wb = workbook(license_table([license_row(120), license_row(121)]), "许可")
    wb.create_sheet("填报说明").append(["说明：每行一条许可信息"])
    wb.create_sheet("第二批").append(CODES)
    wb["第二批"].append([license_row(122)[c] or None for c in CODES])
    wb.save(zone / p)
    out[p] = ("loaded", None)
    q = name("tax", "license", 121, "xlsx")
    wb = workbook([["填报说明：数据在第二个工作表"]], "说明")
    ws = wb.create_sheet("数据")
    for r in license_table([license_row(123)]):
        ws.append(r)
    wb.save(zone / q)
    out[q] = ("quarantined", "NO_HEADER")
    return out


def case_xlsx_merged_header(zone: Path) -> dict:
    out = {}
    p = name("tax", "license", 130, "xlsx")              # a merged title row above the header
    wb = workbook([["江汉区行政许可信息报送表"] + [None] * (len(CODES) - 1)] + license_table([license_row(130)]))
    wb.active.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(CODES))
    wb.save(zone / p)
    out[p] = ("quarantined", "NO_HEADER")
    q = name("tax", "license", 131, "xlsx")              # one header cell merged over two columns
    header = CODES[:2] + [None] + CODES[2:]
    rows = [[r[0], r[1], "第三列的值", *r[2:]] for r in license_table([license_row(131)])[1:]]
    wb = workbook([header] + rows)
    wb.active.merge_cells(start_row=1, start_column=2, end_row=1, end_column=3)
    wb.save(zone / q)
    out[q] = ("loaded", None)
    return out


def case_xlsx_formulas(zone: Path) -> dict:
    """Formulas as Excel saves them (with their results) and as a program writes them (without)."""
    p = name("tax", "license", 140, "xlsx")
    table = license_table([license_row(140), license_row(141), license_row(142)])
    col = {c: openpyxl.utils.get_column_letter(i + 1) for i, c in enumerate(CODES)}
    table[1][CODES.index("XK_WSH")] = '="武江汉许〔2022〕"&140&"号"'
    table[1][CODES.index("XK_NR")] = f"=UPPER({col['XK_XKLB']}2)"
    table[2][CODES.index("XK_NR")] = f"={col['XK_XKLB']}3&\"经营\""        # saved without its result
    table[3][CODES.index("BZ")] = "=1/0"                                     # result: #DIV/0!
    table[3][CODES.index("XK_XKBH")] = "#N/A"                                # an error typed as a value
    workbook(table).save(zone / p)

    def add_results(xml: bytes) -> bytes:   # what Excel saves: each formula with its last result
        xml = set_cell(xml, f"{col['XK_WSH']}2", "<f>{f}</f><v>武江汉许〔2022〕140号</v>", "str")
        xml = set_cell(xml, f"{col['XK_NR']}2", "<f>{f}</f><v>普通</v>", "str")
        return set_cell(xml, f"{col['BZ']}4", "<f>{f}</f><v>#DIV/0!</v>", "e")

    rewrite_zip(zone / p, "xl/worksheets/sheet1.xml", add_results)
    return {p: ("loaded", None)}


def case_xlsx_dates(zone: Path) -> dict:
    out = {}
    p = name("tax", "license", 150, "xlsx")
    table = license_table([license_row(150), license_row(151), license_row(152)])
    for r in (1, 2, 3):
        for c in ("XK_JDRQ", "XK_YXQZ"):
            table[r][CODES.index(c)] = dt.date(2022, 6, 1)
        table[r][CODES.index("XK_YXQZI")] = dt.datetime(2027, 5, 31)
    table[3][CODES.index("XK_JDRQ")] = dt.datetime(2022, 6, 1, 9, 30)   # a date with a time of day
    workbook(table).save(zone / p)
    out[p] = ("loaded", None)
    q = name("tax", "license", 151, "xlsx")                              # the Mac 1904 date system
    wb = workbook(license_table([license_row(153)]))
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    wb.active.cell(row=2, column=CODES.index("XK_JDRQ") + 1, value=dt.date(2022, 6, 1))
    wb.save(zone / q)
    out[q] = ("loaded", None)
    return out


def case_xlsx_numbers(zone: Path) -> dict:
    p = name("tax", "license", 160, "xlsx")
    uscc, id_no = digits_only_uscc(), digits_only_id()
    rows = [person_row(160, "号码"), person_row(161, "号码"), person_row(162, "号码"), license_row(163),
            license_row(164), person_row(165, id_no)]   # 号码: a cell the numbers below replace
    table = license_table(rows)
    workbook(table).save(zone / p)
    col = {c: openpyxl.utils.get_column_letter(i + 1) for i, c in enumerate(CODES)}

    def numbers(xml: bytes) -> bytes:
        xml = set_cell(xml, f"{col['XK_XDR_ZJHM']}2", f"<v>{float(id_no):.14E}</v>", "n")   # as Excel holds it
        xml = set_cell(xml, f"{col['XK_XDR_ZJHM']}3", f"<v>{id_no}</v>", "n")   # all 18 digits, as a program may
        xml = set_cell(xml, f"{col['XK_XDR_ZJHM']}4", f"<v>{id_no[1:]}</v>", "n")   # a leading digit lost
        xml = set_cell(xml, f"{col['XK_XDR_SHXYM']}5", f"<v>{uscc}</v>", "n")
        return set_cell(xml, f"{col['XK_XKJGDM']}6", f"<v>{float(uscc):.14E}</v>", "n")

    rewrite_zip(zone / p, "xl/worksheets/sheet1.xml", numbers)
    return {p: ("loaded", None)}


def case_xlsx_wrong_dimension(zone: Path) -> dict:
    p = name("tax", "license", 170, "xlsx")
    workbook(license_table([license_row(170), license_row(171), license_row(172)])).save(zone / p)
    rewrite_zip(zone / p, "xl/worksheets/sheet1.xml",
                lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:C2"', xml))
    return {p: ("loaded", None)}


def jsonl_line(unit: str, record: dict, feed: str = "license", at: str = "2022-06-08T10:31:00+08:00") -> str:
    return json.dumps({"feed": feed, "unit_code": unit, "submitted_at": at, "record": record}, ensure_ascii=False)


def case_jsonl(zone: Path) -> dict:
    p = "platform__p1__20220608T100200.jsonl"
    lines = [
        jsonl_line("jianghan", license_row(180)),                                   # 1 good
        jsonl_line("../../etc", license_row(181)),                                  # 2 path-like unit
        jsonl_line("jianghan", license_row(182)).replace('"jianghan"', '["jianghan"]'),   # 3 unit is a list
        jsonl_line("jianghan", license_row(183)).replace('"license"', '{"x": 1}'),  # 4 feed is an object
        "[" * 100_000 + "]" * 100_000,                                              # 5 deeper than the stack
        jsonl_line("jianghan", license_row(185), at="0001-01-01T00:00:00+09:00"),   # 6 before year 1 in Beijing
        jsonl_line("jianghan", license_row(186, XK_NR="\ud800")).replace("\ud800", "\\ud800"),  # 7 half a pair
        jsonl_line("jianghan", {**license_row(187), "行政许可决定文书号": "另一个文号"}),   # 8 a field twice
        '{"feed": "license", "unit_code": "jianghan", "submitted_at": "2022-06-08T10:31:00+08:00", "record": {"XK_NR": "cut',
    ]
    data = "\n".join(lines[:-1]).encode("utf-8") + b"\n\xff\xfe\x00junk\n" + lines[-1].encode("utf-8")
    (zone / p).write_bytes(data)
    q = "platform__p1__20220608T100201.jsonl"   # a gzip'd export: no lines to keep
    (zone / q).write_bytes(b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4)
    return {p: ("loaded", None), q: ("quarantined", "UNREADABLE")}


def case_control_characters(zone: Path) -> dict:
    """Control characters inside values (a spreadsheet cannot hold them; HTML and DuckDB can)."""
    p = name("jianghan", "license", 180)
    rows = [license_row(180, XK_NR="食品\x07经营\x00（含冷藏）"),           # accepted: no rule is about them
            license_row(181, XK_WSH="武江汉许\x01〔2022〕181号", XK_ZT="\x1b坏")]   # rejected: ENUM
    (zone / p).write_text(license_csv(rows), encoding="utf-8")
    return {p: ("loaded", None)}


def case_symlinks(zone: Path, outside: Path) -> dict:
    """Links in the landing zone: to a file and a folder outside it, to a file inside it, dangling, a loop."""
    outside.mkdir(parents=True, exist_ok=True)
    secret = outside / "secret.csv"
    secret.write_text(license_csv([license_row(190, XK_NR="机密：不得入库")]), encoding="utf-8")
    (outside / "folder").mkdir(exist_ok=True)
    (outside / "folder" / name("jianghan", "license", 191)).write_text(license_csv([license_row(191)]),
                                                                       encoding="utf-8")
    out = {}
    links = zone / "links"
    links.mkdir()
    real = name("jianghan", "license", 192)
    (links / real).write_text(license_csv([license_row(192)]), encoding="utf-8")
    out[f"links/{real}"] = ("loaded", None)
    for second, target in ((193, secret), (194, outside / "folder"), (195, links / real),
                           (196, outside / "missing.csv"), (197, None)):
        link = links / name("jianghan", "license", second)
        os.symlink(link if target is None else target, link)
        out[f"links/{link.name}"] = ("quarantined", "SYMLINK")
    fifo = links / name("jianghan", "license", 198)
    os.mkfifo(fifo)
    out[f"links/{fifo.name}"] = ("quarantined", "NOT_A_FILE")
    return out


def case_good(zone: Path) -> dict:
    """Ordinary files, so the month has something to report."""
    p = name("jianghan", "license", 200, day=9)
    (zone / p).write_text(license_csv([license_row(200 + i) for i in range(5)]), encoding="utf-8")
    q = name("tax", "license", 201, "xlsx", day=10)
    workbook(license_table([license_row(210 + i) for i in range(3)])).save(zone / q)
    return {p: ("loaded", None), q: ("loaded", None)}


# ---------------------------------------------------------------------------------------------- accounting

@dataclass
class FileOutcome:
    file_id: str
    status: str
    reason: str | None
    rows_total: int
    rows_accepted: int | None
    rows_rejected: int | None

    @property
    def code(self) -> str | None:
        return self.reason.split(":")[0] if self.reason else None


def outcomes(con) -> dict[str, FileOutcome]:
    return {p: FileOutcome(*rest) for p, *rest in con.execute(
        "SELECT path, file_id, status, reason, rows_total, rows_accepted, rows_rejected FROM audit.files").fetchall()}


def rules_by_row(con, file_id: str) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for row, rule in con.execute("SELECT source_row, rule_id FROM audit.rejections WHERE file_id = ?",
                                 [file_id]).fetchall():
        out.setdefault(row, set()).add(rule)
    return out


def rejection(con, file_id: str, row: int, rule: str) -> tuple:
    """(field, value_masked, message_zh, unit_code, feed) of one rejection."""
    return con.execute("SELECT field, value_masked, message_zh, unit_code, feed FROM audit.rejections "
                       "WHERE file_id = ? AND source_row = ? AND rule_id = ?", [file_id, row, rule]).fetchone()


def raw_rows(con, file_id: str, feed: str = "license") -> dict[int, dict]:
    cur = con.execute(f"SELECT * FROM raw.{FEEDS[feed].table} WHERE file_id = ? ORDER BY source_row", [file_id])
    cols = [d[0] for d in cur.description]
    return {r[1]: dict(zip(cols, r)) for r in cur.fetchall()}


def landing_entries(zone: Path) -> set[str]:
    """Every entry a landing zone holds, as ingest names it: links and special files included, folders not."""
    out = set()
    for folder, dirs, files in os.walk(zone):
        for n in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            rel = os.path.relpath(os.path.join(folder, n), zone)
            out.add(os.fsencode(rel).decode("utf-8", "backslashreplace"))
    return out - {f"{REFERENCE_DIR}/reporting_units.csv", f"{REFERENCE_DIR}/platforms.csv"}


def _counts(con, sql: str) -> dict[str, int]:
    return dict(con.execute(sql).fetchall())


def assert_every_byte_accounted(con, zone: Path, expected: dict | None = None) -> dict[str, FileOutcome]:
    """Every entry of the landing zone is in audit.files once; a file not loaded has a reason and no rows; a loaded
    file's rows are all in raw (or raw.malformed_lines) and each is accepted or rejected with a rule ID."""
    got = outcomes(con)
    assert set(got) == landing_entries(zone)
    if expected is not None:
        assert {p: (got[p].status, got[p].code) for p in expected} == expected
    raw = {}
    for feed in FEEDS.values():
        for file_id, n in _counts(con, f"SELECT file_id, count(*) FROM raw.{feed.table} GROUP BY 1").items():
            raw[file_id] = raw.get(file_id, 0) + n
    malformed = _counts(con, "SELECT file_id, count(*) FROM raw.malformed_lines GROUP BY 1")
    rejected_rows = _counts(con, "SELECT file_id, count(DISTINCT (feed, source_row)) FROM audit.rejections GROUP BY 1")
    rules = {r for (r,) in con.execute("SELECT DISTINCT rule_id FROM audit.rejections").fetchall()}
    assert rules <= set(RULES)
    codes = set(QUARANTINE_REASONS) | {"DUPLICATE_FILE"}
    for path, f in got.items():
        rows = (raw.get(f.file_id, 0), malformed.get(f.file_id, 0), rejected_rows.get(f.file_id, 0))
        if f.status != "loaded":
            assert f.code in codes, (path, f.reason)
            assert rows + (f.rows_total,) == (0, 0, 0, 0), path
            continue
        assert f.reason is None, path
        assert rows[0] + rows[1] == f.rows_total, path
        assert f.rows_accepted is not None and f.rows_rejected is not None, f"{path} was not validated"
        assert f.rows_total == f.rows_accepted + f.rows_rejected, path
        assert rows[2] == f.rows_rejected, path
    return got
