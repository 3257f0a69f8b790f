"""Rejection lists (打回清单, bulletin.md): `returns/<unit_code>-YYYY-MM.xlsx` for every unit with rejected rows
in the report month, one row per rejected record with its file, row, record key, rule IDs and Chinese messages,
so the unit can correct and resubmit. A second sheet lists the unit's quarantined files of the month.

Values come from audit.rejections (already masked) and the record key from raw (document numbers and unit
codes, never 证件号码). Every cell is written as text: a value beginning with = + - @ never becomes a formula.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

from .feeds import FEEDS, ID_NO
from .identifiers import mask_id_numbers

HEADER = ("序号", "文件", "行号", "数据类别", "记录键", "规则编号", "问题字段", "问题值（已脱敏）", "打回说明")
QUARANTINE_HEADER = ("序号", "文件", "报送时间", "隔离原因")
FORMULA_START = ("=", "+", "-", "@")
CELL_MAX = 32_767   # characters a spreadsheet cell holds


def _key_columns(feed) -> list[str]:
    """What identifies a record to its unit: the record key, else the document number or subject, never an ID."""
    cols = list(feed.key_fields) or [c for c in (feed.doc_no_field, feed.subject_name_field, feed.subject_code_field)
                                     if c]
    if not cols:  # publicity: title and link
        cols = [f.code for f in feed.fields if f.is_required][:2]
    return [c for c in cols if feed.by_code[c].kind != ID_NO]


def _rows(con, month_start: dt.date, month_end: dt.date) -> dict[str, list[tuple]]:
    """unit_code -> [(path, source_row, feed, key text, rule_ids, fields, values, messages)] of the month."""
    out: dict[str, list[tuple]] = defaultdict(list)
    for feed in FEEDS.values():
        key_cols = _key_columns(feed)
        key_expr = " || '；' || ".join(f"'{c}=' || coalesce(trim(r.\"{c}\"), '')" for c in key_cols) or "''"
        rows = con.execute(f"""
            SELECT r.unit_code, f.path, j.source_row, {key_expr} AS record_key,
                   string_agg(j.rule_id, ',' ORDER BY j.rule_id),
                   string_agg(coalesce(j.field, ''), '；' ORDER BY j.rule_id),
                   string_agg(coalesce(j.value_masked, ''), '；' ORDER BY j.rule_id),
                   string_agg(j.rule_id || ' ' || j.message_zh, '；' ORDER BY j.rule_id)
            FROM audit.rejections j
            JOIN raw.{feed.table} r ON r.file_id = j.file_id AND r.source_row = j.source_row
            JOIN audit.files f ON f.file_id = j.file_id
            WHERE j.feed = ? AND r.submitted_at >= ? AND r.submitted_at < ?
            GROUP BY 1, 2, 3, 4
            ORDER BY f.path, j.source_row""", [feed.name, month_start, month_end]).fetchall()
        for unit, path, source_row, key, rule_ids, fields, values, messages in rows:
            # the key comes from raw: an ID number typed into the subject's code is masked here
            out[unit].append((path, source_row, f"{feed.name_zh}（{feed.name}）", mask_id_numbers(key), rule_ids,
                              fields, values, messages))
    return out


def _quarantined(con, month_start: dt.date, month_end: dt.date) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = defaultdict(list)
    for unit, path, submitted_at, reason in con.execute("""
            SELECT unit_code, path, submitted_at, reason FROM audit.files
            WHERE status = 'quarantined' AND unit_code IS NOT NULL AND submitted_at >= ? AND submitted_at < ?
            ORDER BY path""", [month_start, month_end]).fetchall():
        out[unit].append((path, str(submitted_at), reason))
    return out


def _text_cell(ws, row: int, col: int, value) -> None:
    """Write a value as text, so '=1+1' or '@SUM(A1)' stays text in every spreadsheet program."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = ws.cell(row=row, column=col)
    if value is None:
        return
    if isinstance(value, int):
        cell.value = value
        return
    # control characters (a unit's \x07, say) cannot be stored in a worksheet: shown as \xNN instead; a cell
    # holds 32,767 characters at most (a 1 MB document number is shown by its start and length)
    value = ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m[0]):02x}", str(value))
    if len(value) > CELL_MAX:
        value = f"{value[:CELL_MAX - 100]}…（共{len(value)}个字符）"
    cell.value = value
    cell.data_type = "s"
    if str(value).startswith(FORMULA_START):
        cell.quotePrefix = True


def _sheet(ws, header: tuple, rows: list[tuple], widths: tuple) -> None:
    from openpyxl.styles import Font

    for col, title in enumerate(header, start=1):
        _text_cell(ws, 1, col, title)
        ws.cell(row=1, column=col).font = Font(bold=True)
    for i, row in enumerate(rows, start=1):
        _text_cell(ws, i + 1, 1, i)
        for col, value in enumerate(row, start=2):
            _text_cell(ws, i + 1, col, value)
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = width
    ws.freeze_panes = "A2"


def write_returns(con, report_month: dt.date, out_dir: Path) -> list[Path]:
    """Write one rejection list per unit with rejected rows or quarantined files in the month; their paths."""
    import openpyxl

    month_end = (report_month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    rows, quarantined = _rows(con, report_month, month_end), _quarantined(con, report_month, month_end)
    names = dict(con.execute("SELECT unit_code, unit_name FROM raw.reporting_units").fetchall())
    folder = Path(out_dir) / "returns"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for unit in sorted(set(rows) | set(quarantined)):
        if unit not in names:  # only units of the registry get a list; the name is a path component
            continue
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "打回清单"
        _sheet(ws, HEADER, rows.get(unit, []), (6, 48, 6, 18, 40, 24, 24, 24, 60))
        _sheet(wb.create_sheet("隔离文件"), QUARANTINE_HEADER, quarantined.get(unit, []), (6, 48, 20, 60))
        stamp = dt.datetime.combine(report_month, dt.time())   # fixed properties: same data, same bytes
        wb.properties.created = wb.properties.modified = stamp
        wb.properties.title = f"{names[unit]}{report_month:%Y年%m月}打回清单"
        path = folder / f"{unit}-{report_month:%Y-%m}.xlsx"
        wb.save(path)
        written.append(path)
    return written
