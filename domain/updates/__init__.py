"""产品备案信息更新 (manual §六, SPEC §7.1): the yearly window in which filed products are
updated, which products are due, what an update may change, its rules, and whether a
product counts as updated for a year (the recognition's candidate list reads it).

An update is a YearlyUpdate whose draft (its `data`, in the snapshot shape) the drafts
service (domain.filing.drafts) writes and whose status workflows.apply changes. This module
is what domain.transitions needs (the window, the update's rules) and so imports neither of
them; editing.py (更新, 确认无变化), review.py (信息更新审核) and reminders.py (the periodic
reminders, the dashboard's counts) build on it.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from peewee import JOIN, DecimalField

from domain.filing import rules as filing_rules
from domain.filing.snapshots import DATA_FIELDS, product_snapshot
from models import (
    SHANGHAI,
    Patent,
    Product,
    ProductPatent,
    ProductVersion,
    Setting,
    StoredFile,
    UpdateWindow,
    YearlyUpdate,
    today_shanghai,
)
from workflows import ProductStatus, UpdateStatus

# Filed products (also while a revocation is reviewed) are the ones updated each year.
FILED = (ProductStatus.FILED, ProductStatus.REVOCATION_PENDING)

# What an update may not change (SPEC §7.1: economic data, product info and linked patents are
# updated; what names the product is not): 商品条码, 产品名称 and 规格型号 identify the filed
# product and 本产品首次生产年份 is a fact of its past — a different product is a new filing.
LOCKED_FIELDS = ("gtin", "name", "model", "first_year")
LOCKED_MESSAGE = _l("产品名称、规格型号、商品条码和首次生产年份不能在信息更新中修改；"
                    "如产品已变化，请重新进行产品备案。")


@dataclass
class Window:
    opens_on: date
    closes_on: date

    def is_open(self, today):
        return self.opens_on <= today <= self.closes_on

    @property
    def opens_at(self):
        """The window's first instant as naive UTC (Beijing midnight of its first day)."""
        return _utc(self.opens_on)


def _utc(day):
    return datetime.combine(day, time.min, SHANGHAI).astimezone(UTC).replace(tzinfo=None)


def update_window(year: int) -> Window:
    """The yearly-update window: staff's row for that year, else the default 1 Jan – 31 Mar."""
    row = UpdateWindow.get_or_none(UpdateWindow.year == year)
    if row is not None:
        return Window(row.opens_on, row.closes_on)
    default = Setting.get_value("update_window_default", {"opens": "01-01", "closes": "03-31"})
    om, od = map(int, default["opens"].split("-"))
    cm, cd = map(int, default["closes"].split("-"))
    return Window(date(year, om, od), date(year, cm, cd))


@dataclass
class WindowState:
    """Where today (Asia/Shanghai) stands: the year whose update is open or was last open,
    that year's window, whether it is open, and when the next one opens."""

    year: int
    window: Window
    open: bool
    next_opens: date
    today: date

    @property
    def days_left(self):
        return (self.window.closes_on - self.today).days if self.open else None


def window_state(today=None):
    today = today or today_shanghai()
    window = update_window(today.year)
    if window.is_open(today):
        return WindowState(today.year, window, True, update_window(today.year + 1).opens_on, today)
    if today < window.opens_on:  # this year's window is still ahead; last year's was the last
        return WindowState(today.year - 1, update_window(today.year - 1), False, window.opens_on, today)
    return WindowState(today.year, window, False, update_window(today.year + 1).opens_on, today)


# ---------------------------------------------------------------- which products, which tab


def due_products(year):
    """The products to be updated in `year`: filed (已备案) before that year's window opened.
    A product filed in the window itself is that year's filing: nothing to update yet."""
    return Product.select().where(Product.status.in_(FILED), Product.filed_at < update_window(year).opens_at)


# The portal's tabs, by the update's status; 未更新 also holds due products not started.
TABS = (UpdateStatus.DRAFT, UpdateStatus.PENDING, UpdateStatus.REJECTED, UpdateStatus.APPROVED)


def tab_query(unit, year, tab):
    """(Product, its YearlyUpdate of the year or None) of the unit in a tab, as Product rows
    with `.yearly` set."""
    update = YearlyUpdate.alias()
    query = (Product.select(Product, update).join(
        update, JOIN.LEFT_OUTER, on=((update.product == Product.id) & (update.year == year)), attr="yearly")
        .where(Product.unit == unit))
    if tab == UpdateStatus.DRAFT:
        due = due_products(year).select(Product.id)
        query = query.where(Product.id.in_(due), update.id.is_null() | (update.status == UpdateStatus.DRAFT))
    else:
        query = query.where(update.status == tab)
    return query.order_by(Product.filed_at, Product.id)


def tab_counts(unit, year):
    return {tab: tab_query(unit, year, tab).count() for tab in TABS}


def update_of(product, year):
    return YearlyUpdate.get_or_none(YearlyUpdate.product == product, YearlyUpdate.year == year)


def updated_for(product_ids, year):
    """The ids among `product_ids` whose update for `year` was approved (已更新): with a
    filing within the round's period, what makes a product a candidate of that year's
    recognition (SPEC §7.2)."""
    ids = list(product_ids)
    return {pid for (pid,) in YearlyUpdate.select(YearlyUpdate.product).where(
        YearlyUpdate.product.in_(ids), YearlyUpdate.year == year,
        YearlyUpdate.status == UpdateStatus.APPROVED).tuples()}


def not_updated_reason(year):
    return _l("未在%(year)s年产品备案信息更新期间完成信息更新", year=year)


# ---------------------------------------------------------------- the filed version and the rules


def filed_data(update):
    """The product's filed data the update is compared with: the version it started from (its
    base_version), else the product's latest version."""
    version = update.base_version
    if version is None:
        version = (ProductVersion.select().where(ProductVersion.product == update.product_id)
                   .order_by(ProductVersion.number.desc()).first())
    return version.data if version is not None else None


class _Rows(list):
    """A list that answers .join() with itself, so the filing rules read an update's patents
    as they read a product's patent_links."""

    def join(self, *args, **kwargs):
        return self


@dataclass
class _File:
    kind: str
    file_id: int


def as_product(update, data=None, patents_by_id=None):
    """The update's data as an unsaved Product (fields, patent_links, files), so the filing
    rules and the pre-review checks read it as they read a filing. `patents_by_id` supplies
    the Patent rows when checking many updates at once."""
    data = data if data is not None else (update.data or {})
    product = update.product
    if not {"fields", "patents", "files"} <= data.keys():  # not written yet: the product's current data
        data = {**product_snapshot(product), **data}
    fields = {k: v for k, v in (data.get("fields") or {}).items() if k in DATA_FIELDS}
    proxy = Product(id=product.id, unit=product.unit_id, status=product.status, filing_number=product.filing_number,
                    submitted_at=update.submitted_at)
    for name, value in fields.items():
        f = Product._meta.fields[name]
        if hasattr(f, "rel_model"):
            setattr(proxy, f.name + "_id", value)
        elif value is not None and isinstance(f, DecimalField):
            setattr(proxy, name, Decimal(str(value)))
        else:
            setattr(proxy, name, value)
    entries = data.get("patents") or []
    if patents_by_id is None:
        ids = [e["patent_id"] for e in entries]
        patents_by_id = {p.id: p for p in Patent.select().where(Patent.id.in_(ids))} if ids else {}
    links = _Rows()
    for e in entries:
        patent = patents_by_id.get(e["patent_id"])
        if patent is None:
            continue
        link = ProductPatent(product=product.id, public=e.get("public", False), core=e.get("core", False),
                             litigated=e.get("litigated", False), case_number=e.get("case_number") or "")
        link.patent = patent
        links.append(link)
    proxy.patent_links = links
    proxy.files = [_File(f["kind"], f["file_id"]) for f in data.get("files") or []]
    return proxy


def update_rules(update):
    """Every reason the update cannot be submitted yet: the filing's rules over its data."""
    return filing_rules.filing_rules(as_product(update))


def pre_review_checks(update, facts=None, patents_by_id=None):
    """The automated checks a reviewer sees, over the update's data."""
    return filing_rules.pre_review_checks(as_product(update, patents_by_id=patents_by_id), facts)


def stored_files(data):
    """{StoredFile id: StoredFile} of the files an update's data names."""
    ids = [f["file_id"] for f in (data or {}).get("files") or []]
    return {f.id: f for f in StoredFile.select().where(StoredFile.id.in_(ids))} if ids else {}
