"""China's official working-day calendar (holidays and make-up working days).

The Holiday table is the truth: seeded from `chinesecalendar` for the years it knows
and extended by staff in the back office as the State Council publishes each year's
arrangement. A year not marked complete in CalendarYear is refused loudly: a public
notice end date must never be guessed.
"""

import threading
from contextlib import contextmanager
from datetime import date, timedelta

import chinese_calendar
from flask_babel import lazy_gettext as _l

from models import CalendarYear, Holiday


class CalendarUnknown(Exception):
    def __init__(self, year):
        self.year = year
        super().__init__(str(_l("%(year)s年的法定节假日安排尚未录入，无法计算工作日", year=year)))


# The State Council publishes a year's arrangement late in the year before; from this day of
# the year on (month, day), next year's is needed: a public notice started in late December
# already ends in it.
NEXT_YEAR_NEEDED_FROM = (11, 1)


def year_entered(year) -> bool:
    return CalendarYear.select().where(CalendarYear.year == year).exists()


def missing_years(today: date) -> list[int]:
    """The years whose arrangement is needed by `today` and not entered: this year, and next
    year from 1 November on."""
    needed = [today.year]
    if (today.month, today.day) >= NEXT_YEAR_NEEDED_FROM:
        needed.append(today.year + 1)
    return [year for year in needed if not year_entered(year)]


_batch = threading.local()


@contextmanager
def remembered():
    """Inside the block each year's arrangement is read from the tables once, not each day's
    (开始公示 for a thousand products counts the same working days a thousand times). Use it
    around one batch only: what staff enter meanwhile is seen by the next block."""
    if getattr(_batch, "years", None) is not None:  # nested: the outer block remembers
        yield
        return
    _batch.years = {}
    try:
        yield
    finally:
        _batch.years = None


def _year_of(year):
    """(entered, {day: is_workday} or None): the days are read at once inside remembered()."""
    years = getattr(_batch, "years", None)
    if years is None:
        return year_entered(year), None
    if year not in years:
        days = Holiday.select(Holiday.day, Holiday.is_workday).where(
            Holiday.day.between(date(year, 1, 1), date(year, 12, 31)))
        years[year] = (year_entered(year), dict(days.tuples()))
    return years[year]


def is_workday(day: date) -> bool:
    entered, days = _year_of(day.year)
    if not entered:
        raise CalendarUnknown(day.year)
    if days is not None:
        return days.get(day, day.weekday() < 5)
    special = Holiday.get_or_none(Holiday.day == day)
    if special is not None:
        return special.is_workday
    return day.weekday() < 5


def add_working_days(start: date, n: int) -> date:
    """The n-th working day counting `start` itself when it is a working day.

    A notice starting on a working day and lasting 10 working days ends on the
    10th working day (same convention as chinesecalendar.find_workday(10, d)).
    """
    day = start
    count = 1 if is_workday(day) else 0
    while count < n:
        day += timedelta(days=1)
        if is_workday(day):
            count += 1
    return day


def seed_from_library(years=None):
    """Copy chinesecalendar's holidays and make-up days into the Holiday table."""
    years = years or sorted({d.year for d in chinese_calendar.holidays})
    zh_names = {h.value: h.chinese for h in chinese_calendar.Holiday}
    for year in years:
        if CalendarYear.select().where(CalendarYear.year == year).exists():
            continue  # already entered: keep what staff may have corrected
        day = date(year, 1, 1)
        while day.year == year:
            weekend = day.weekday() >= 5
            try:
                workday = chinese_calendar.is_workday(day)
            except NotImplementedError:
                break
            if workday == weekend:  # differs from the plain week: a holiday or a make-up day
                _, name = chinese_calendar.get_holiday_detail(day)
                label = zh_names.get(name, name or "")
                Holiday.insert(day=day, is_workday=workday, name=label).on_conflict(
                    conflict_target=[Holiday.day], update={Holiday.is_workday: workday, Holiday.name: label}
                ).execute()
            day += timedelta(days=1)
        else:
            CalendarYear.insert(year=year, source="chinesecalendar").on_conflict_ignore().execute()
    return years
