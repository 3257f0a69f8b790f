"""marts.bulletin_figures: every number the bulletin prints, with the query that gives it back (issue 4, item 4).

The bulletin records each printed number as a `bulletin.Figure` (section, label, value, source). This module
stores them, one row per figure and month, and re-runs each figure's source query to prove the stored value
is what marts hold: `select <measure> from <model> where <filter>`. docs/tracing.md shows how an auditor goes on
from that query to the rows of the facts and to the file and row each came from.
"""

from __future__ import annotations

import math
from datetime import date

from credit_feeds.bulletin import Figure

TABLE = "marts.bulletin_figures"

DDL = f"""
create table if not exists {TABLE} (
    report_month date not null,      -- first day of the bulletin's month
    figure_no integer not null,      -- order of printing, from 1
    section varchar not null,        -- 一, 一（二）4, 二（一）, …, 九, 附件1, 附件2, 附件3
    label varchar not null,          -- what the number is, in the bulletin's words, with the unit and its code
    value double precision,          -- as stored in marts (rates as fractions 0–1), NULL never printed
    model varchar not null,          -- the marts table(s) it comes from (a FROM clause)
    filter varchar not null,         -- the WHERE clause that selects its rows
    measure varchar not null,        -- the SELECT expression over those rows
    primary key (report_month, figure_no)
)"""


def store_figures(con, report_month: date, figures: list[Figure]) -> int:
    """Replace the month's rows of marts.bulletin_figures with `figures` (one transaction); returns the count."""
    first = report_month.replace(day=1)
    rows = [(first, n, f.section, f.label, None if f.value is None else float(f.value),
             f.source.model, f.source.where, f.source.measure) for n, f in enumerate(figures, start=1)]
    con.execute(DDL)
    con.execute("begin")
    try:
        con.execute(f"delete from {TABLE} where report_month = ?", [first])
        if rows:
            con.executemany(f"insert into {TABLE} values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return len(rows)


def recompute(con, model: str, where: str, measure: str):
    """The value a figure's source gives now (one row, one column)."""
    rows = con.execute(f"select {measure} from {model} where {where}").fetchall()
    if len(rows) != 1:
        raise ValueError(f"{model} where {where}: {len(rows)} rows, expected one")
    return rows[0][0]


def same(stored, recomputed) -> bool:
    if stored is None or recomputed is None:
        return stored is None and recomputed is None
    return math.isclose(float(stored), float(recomputed), rel_tol=1e-12, abs_tol=1e-12)


def mismatches(con, report_month: date) -> list[str]:
    """Rows of marts.bulletin_figures for the month whose source no longer gives their value (empty: all trace)."""
    rows = con.execute(f"""
        select figure_no, section, label, value, model, filter, measure
        from {TABLE} where report_month = ? order by figure_no""", [report_month.replace(day=1)]).fetchall()
    out = []
    for figure_no, section, label, value, model, where, measure in rows:
        got = recompute(con, model, where, measure)
        if not same(value, got):
            out.append(f"#{figure_no} {section} {label}: stored {value}, source gives {got}")
    return out
