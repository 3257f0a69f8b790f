"""Official PRC working days (weekends off, statutory holidays off, 调休 weekend days on) and the working-day lag.

The calendar comes from chinesecalendar; years it does not cover yet come from the office's override table
include/calendar_overrides.csv (date,is_workday,holiday_name — only the exceptions to Monday–Friday; a year is
covered once any of its dates is listed). A date covered by neither stops the run (warehouse.md).
"""

from __future__ import annotations

import csv
import datetime as dt
from functools import lru_cache
from pathlib import Path

import chinese_calendar

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OVERRIDES = PROJECT_ROOT / "include" / "calendar_overrides.csv"
CALENDAR_START = dt.date(2004, 1, 1)   # the first year chinesecalendar knows

HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


class CalendarNotCovered(Exception):
    """A date the working-day calendar does not cover: the run must stop rather than guess."""


def _library_years() -> tuple[int, int]:
    days = chinese_calendar.holidays.keys() | chinese_calendar.workdays.keys()
    return min(days).year, max(days).year


@lru_cache(maxsize=8)
def load_overrides(path: str | None = None) -> dict[dt.date, tuple[bool, str | None]]:
    p = Path(path) if path else DEFAULT_OVERRIDES
    out: dict[dt.date, tuple[bool, str | None]] = {}
    if not p.exists():
        return out
    with p.open(encoding="utf-8") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            day = dt.date.fromisoformat(row["date"].strip())
            is_workday = row["is_workday"].strip().lower() in ("1", "true", "yes")
            out[day] = (is_workday, (row.get("holiday_name") or "").strip() or None)
    return out


class WorkCalendar:
    """The working-day calendar: chinesecalendar plus overrides."""

    def __init__(self, overrides_path: str | Path | None = None):
        self.overrides_path = Path(overrides_path) if overrides_path else DEFAULT_OVERRIDES
        self.overrides = load_overrides(str(self.overrides_path))
        self.library_first, self.library_last = _library_years()
        self.override_years = {d.year for d in self.overrides}

    def covers(self, day: dt.date) -> bool:
        return self.library_first <= day.year <= self.library_last or day.year in self.override_years

    @property
    def last_covered_year(self) -> int:
        return max([self.library_last, *self.override_years])

    def require(self, day: dt.date) -> None:
        if not self.covers(day):
            raise CalendarNotCovered(
                f"working-day calendar does not cover {day.isoformat()}: chinesecalendar "
                f"{chinese_calendar.__version__} knows {self.library_first}–{self.library_last}; add {day.year}'s "
                f"official holidays and 调休 working days to {self.overrides_path} "
                f"(columns date,is_workday,holiday_name) or upgrade chinesecalendar"
            )

    def day(self, day: dt.date) -> tuple[bool, str | None, str]:
        """(is_workday, holiday_name, source) of a covered day."""
        self.require(day)
        if day.year in self.override_years:
            is_workday, name = self.overrides.get(day, (day.weekday() < 5, None))
            return is_workday, name, "override"
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        return (not on_holiday), HOLIDAY_NAMES_ZH.get(name, name), "chinesecalendar"

    def is_workday(self, day: dt.date) -> bool:
        return self.day(day)[0]

    def days(self, start: dt.date = CALENDAR_START, end: dt.date | None = None):
        """Every covered day from start to end (default: the end of the last covered year)."""
        end = end or dt.date(self.last_covered_year, 12, 31)
        d = start
        while d <= end:
            if self.covers(d):
                yield (d, *self.day(d))
            d += dt.timedelta(days=1)

    def lag(self, decision: dt.date, submitted: dt.date) -> int:
        """Working days d with decision < d <= submitted (warehouse.md)."""
        n, d = 0, decision + dt.timedelta(days=1)
        while d <= submitted:
            n += self.is_workday(d)
            d += dt.timedelta(days=1)
        return n


def write_calendar(con, calendar: WorkCalendar | None = None) -> int:
    """Replace raw.calendar_days with every covered day (idempotent)."""
    import pandas as pd

    from .db import insert_frame

    calendar = calendar or WorkCalendar()
    rows = list(calendar.days())
    frame = pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in
                          zip(("date", "is_workday", "holiday_name", "source"), zip(*rows))})
    con.execute("BEGIN")
    con.execute("DELETE FROM raw.calendar_days")
    insert_frame(con, "raw.calendar_days", frame)   # one scan, not 8,000 statements (executemany: seconds)
    con.execute("COMMIT")
    return len(rows)
