"""The official working-day calendar and the working-day lag (warehouse.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from credit_feeds.pipeline import require_calendar
from credit_feeds.warehouse import connect, create_schemas
from credit_feeds.workdays import CalendarNotCovered, WorkCalendar, write_calendar

D = dt.date


def test_holidays_and_adjusted_weekends():
    cal = WorkCalendar()
    assert cal.day(D(2022, 6, 3)) == (False, "端午节", "chinesecalendar")   # Dragon Boat Festival, a Friday
    assert cal.is_workday(D(2022, 10, 8))                                 # 调休: a Saturday worked
    assert not cal.is_workday(D(2022, 6, 4))                              # an ordinary Saturday


@pytest.mark.parametrize("decision, submitted, lag", [
    (D(2022, 5, 31), D(2022, 6, 8), 5),     # 6/3 holiday, 6/4-5 weekend
    (D(2022, 6, 8), D(2022, 6, 8), 0),      # same day
    (D(2022, 9, 30), D(2022, 10, 9), 2),    # National Day week; 10/8 and 10/9 are 调休 working days
    (D(2021, 12, 30), D(2022, 1, 4), 2),    # across the year boundary: 12/31 and 1/4 (1/1-3 New Year)
])
def test_lag_counts_working_days_after_the_decision(decision, submitted, lag):
    assert WorkCalendar().lag(decision, submitted) == lag


def test_uncovered_year_stops_with_instructions_and_overrides_cover_it(tmp_path):
    with pytest.raises(CalendarNotCovered, match="calendar_overrides.csv"):
        require_calendar(D(2031, 1, 1))
    overrides = tmp_path / "overrides.csv"
    overrides.write_text("# test\ndate,is_workday,holiday_name\n2031-01-01,false,元旦\n2031-01-04,true,\n",
                         encoding="utf-8")
    cal = WorkCalendar(overrides)
    require_calendar(D(2031, 1, 1), cal)
    assert cal.day(D(2031, 1, 1)) == (False, "元旦", "override")
    assert cal.is_workday(D(2031, 1, 4))          # a Saturday made a working day
    assert not cal.is_workday(D(2031, 1, 5))      # Sunday
    assert cal.lag(D(2031, 1, 2), D(2031, 1, 6)) == 3   # 1/3 Friday, 1/4 调休 Saturday, 1/6 Monday


def test_calendar_table_is_contiguous_and_replaced(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    create_schemas(con)
    n1 = write_calendar(con)
    n2 = write_calendar(con)
    first, last, count = con.execute("SELECT min(date), max(date), count(*) FROM raw.calendar_days").fetchone()
    assert n1 == n2 == count == (last - first).days + 1
    assert first == D(2004, 1, 1)
