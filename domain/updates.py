"""产品备案信息更新 (manual §六): the yearly window in which filed products are updated.

The update itself is a YearlyUpdate whose draft the drafts service (domain.filing.drafts)
writes and whose status workflows.apply changes.
"""

from dataclasses import dataclass
from datetime import date

from models import Setting, UpdateWindow


@dataclass
class Window:
    opens_on: date
    closes_on: date


def update_window(year: int) -> Window:
    """The yearly-update window: staff's row for that year, else the default 1 Jan – 31 Mar."""
    row = UpdateWindow.get_or_none(UpdateWindow.year == year)
    if row is not None:
        return Window(row.opens_on, row.closes_on)
    default = Setting.get_value("update_window_default", {"opens": "01-01", "closes": "03-31"})
    om, od = map(int, default["opens"].split("-"))
    cm, cd = map(int, default["closes"].split("-"))
    return Window(date(year, om, od), date(year, cm, cd))
