"""The auditors' site: `<out>/audit/index.html` and its pages, static and browsable offline.

For the report month it links the GX Data Docs, lists every validation (suite version = SHA-256 of the suite file,
GX version, counts), every quarantined or duplicate file with its reason, the rejections by unit and rule, and the
units' rejection lists. It shows only audit data: masked values, never raw rows.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

from .rules import RULES

STYLE = """
body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #999;padding:.25em .6em;font-size:14px}
th{background:#eee}td.n{text-align:right}code{font-size:12px}nav a{margin-right:1.5em}
"""


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{STYLE}</style></head><body><nav><a href=\"index.html\">审计首页</a></nav>"
            f"<h1>{html.escape(title)}</h1>{body}</body></html>\n")


def _table(header: list[str], rows: list[list], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td{" class=n" if i in numeric else ""}>{c}</td>' for i, c in enumerate(r)) + "</tr>"
        for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>" if rows else "<p>（无）</p>"


def _e(value) -> str:
    return "" if value is None else html.escape(str(value))


def write_audit_site(con, report_month: dt.date, out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    site = out_dir / "audit"
    site.mkdir(parents=True, exist_ok=True)
    month_end = (report_month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    span = [report_month, month_end]
    label = f"{report_month.year}年{report_month.month}月"

    files = con.execute("""
        SELECT file_id, path, unit_code, coalesce(feed, platform_code), status, reason, rows_total,
               rows_accepted, rows_rejected, sha256, submitted_at
        FROM audit.files
        WHERE (submitted_at >= ? AND submitted_at < ?)
           OR submitted_at IS NULL  -- a name without a submission time belongs to no month: shown in every month
        ORDER BY path""", span).fetchall()
    runs = con.execute("""
        SELECT f.path, v.feed, v.suite_name, v.suite_version, v.gx_version, v.rows_evaluated, v.rows_rejected,
               v.success, v.evaluated_at, v.batch_id
        FROM audit.validation_runs v JOIN audit.files f USING (file_id)
        WHERE f.submitted_at >= ? AND f.submitted_at < ? ORDER BY f.path, v.feed""", span).fetchall()
    by_rule = con.execute("""
        SELECT coalesce(j.unit_code, '（无单位）'), j.rule_id, count(*)
        FROM audit.rejections j JOIN audit.files f USING (file_id)
        WHERE f.submitted_at >= ? AND f.submitted_at < ? GROUP BY 1, 2 ORDER BY 1, 2""", span).fetchall()

    (site / "validation_runs.html").write_text(_page(f"{label} 校验记录（audit.validation_runs）", _table(
        ["文件", "数据类别", "规则集", "规则集版本（SHA-256）", "GX版本", "校验行数", "打回行数", "通过", "校验时间（UTC）", "校验批次"],
        [[_e(p), _e(f), _e(s), f"<code>{_e(v)}</code>", _e(g), n, r, "是" if ok else "否", _e(t), f"<code>{_e(b)}</code>"]
         for p, f, s, v, g, n, r, ok, t, b in runs], {5, 6})), encoding="utf-8")
    (site / "files.html").write_text(_page(f"{label} 接收文件（audit.files）", _table(
        ["文件", "单位", "数据类别/平台", "状态", "原因", "行数", "合规", "打回", "SHA-256", "报送时间"],
        [[_e(p), _e(u), _e(f), _e(s), _e(r), t, _e(a), _e(j), f"<code>{_e(h)}</code>", _e(at)]
         for _id, p, u, f, s, r, t, a, j, h, at in files], {5, 6, 7})), encoding="utf-8")
    (site / "rejections.html").write_text(_page(f"{label} 打回统计（按单位、规则）", _table(
        ["单位", "规则编号", "说明", "条数"],
        [[_e(u), _e(r), _e(RULES.get(r, "")), n] for u, r, n in by_rule], {3})), encoding="utf-8")

    quarantined = [f for f in files if f[4] != "loaded"]
    returns = sorted((out_dir / "returns").glob(f"*-{report_month:%Y-%m}.xlsx"))
    data_docs = out_dir / "data_docs" / "index.html"
    bulletin = [p for p in (out_dir / f"bulletin-{report_month:%Y-%m}.{x}" for x in ("docx", "html", "md")) if p.exists()]
    body = [
        f"<p>接收文件 {len(files)} 个，其中隔离或重复 {len(quarantined)} 个；校验记录 {len(runs)} 条；"
        f"打回 {sum(n for *_, n in by_rule)} 条（按规则计）。</p>",
        "<h2>链接</h2><ul>",
        f'<li><a href="../data_docs/index.html">Great Expectations 数据文档（Data Docs）</a></li>' if data_docs.exists()
        else "<li>Great Expectations 数据文档：本次未生成</li>",
        '<li><a href="validation_runs.html">校验记录</a></li>',
        '<li><a href="files.html">接收文件</a></li>',
        '<li><a href="rejections.html">打回统计</a></li>',
        *[f'<li><a href="../{p.name}">通报 {p.suffix[1:]}</a></li>' for p in bulletin],
        "</ul>",
        "<h2>隔离与重复文件</h2>",
        _table(["文件", "状态", "原因"], [[_e(f[1]), _e(f[4]), _e(f[5])] for f in quarantined]),
        "<h2>打回清单</h2>",
        "<ul>" + "".join(f'<li><a href="../returns/{html.escape(p.name)}">{html.escape(p.name)}</a></li>'
                         for p in returns) + "</ul>" if returns else "<p>（无）</p>",
    ]
    index = site / "index.html"
    index.write_text(_page(f"{label} 信用信息报送审计", "".join(body)), encoding="utf-8")
    return index
