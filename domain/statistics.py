"""Counts shown on the back-office 工作台 and on 统计分析, and what it warns administrators of.

Every figure is one SQL aggregate (GROUP BY in the database, never a loop over products), so
the pages cost the same at 100,000 products as at 100. Months and years are Beijing ones: the
stored UTC time shifted by eight hours (China keeps no summer time), the same text on SQLite
and PostgreSQL (period()).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from io import BytesIO

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from peewee import SQL, Case, PostgresqlDatabase, fn

import workflows
from domain.objections.intake import fill_missing_deadlines
from domain.search import SearchDoc
from infra import calendar, changes, documents, notifications
from infra.regions import PROVINCES
from models import (
    SHANGHAI,
    Industry,
    Outbox,
    Product,
    Recognition,
    RecognitionRound,
    Role,
    Unit,
    User,
    UserRoles,
    db,
    serialized,
    today_shanghai,
)
from workflows import STATUS_LABELS, ChangeStatus, RecognitionStatus
from workflows import Role as Roles


def calendar_missing():
    """The years whose holiday arrangement administrators must enter now (infra.calendar:
    this year, and next year from 1 November on)."""
    return calendar.missing_years(today_shanghai())


def administrators():
    """Active accounts with the administrator role."""
    return User.select().join(UserRoles).join(Role).where(Role.name == Roles.ADMIN, User.active)


def remind_calendar_missing():
    """Daily job: tell every administrator which years' holiday arrangement is missing, at most
    once a Beijing day each (a second run, or a second worker, finds the day's reminder there).
    Objections received before a year's arrangement was entered get their 处理期限 once it is."""
    fill_missing_deadlines()
    years = calendar_missing()
    if not years:
        return {"queued": 0}
    since = datetime.combine(today_shanghai(), time.min, SHANGHAI).astimezone(UTC).replace(tzinfo=None)
    payload = {"years": "、".join(str(year) for year in years)}
    ids = []
    with serialized("calendar_missing"):
        for admin in administrators():
            reminded = Outbox.select().where(Outbox.template == "calendar_missing", Outbox.user == admin,
                                             Outbox.created_at >= since)
            if not reminded.exists():
                ids += notifications.queue("calendar_missing", email=admin.email, user=admin, payload=payload)
    notifications.deliver_soon(ids)
    return {"queued": len(ids)}


# ---------------------------------------------------------------- 统计分析


def _postgres():
    return isinstance(getattr(db.database, "obj", db.database), PostgresqlDatabase)


def period(field, unit="month"):
    """SQL text of the Beijing month ('2026-03') or year ('2026') of a naive-UTC timestamp,
    the same on SQLite and PostgreSQL."""
    if _postgres():
        return fn.to_char(field + SQL("interval '8 hours'"), "YYYY-MM" if unit == "month" else "YYYY")
    return fn.strftime("%Y-%m" if unit == "month" else "%Y", field, "+8 hours")


def days_between(start, end):
    """SQL: the days (fractional) from `start` to `end`."""
    if _postgres():
        return fn.date_part("epoch", end - start) / 86400
    return fn.julianday(end) - fn.julianday(start)


def utc_start_of(day):
    """The naive-UTC instant of a Beijing day's midnight."""
    return datetime.combine(day, time.min, SHANGHAI).astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Filters:
    """统计分析's filters, each empty for all: the Beijing year of filing, a province (2 digits),
    an industry 门类 (letter), a product category 大类 (2 digits), the unit's type and size."""

    year: int | None = None
    province: str = ""
    section: str = ""
    category: str = ""
    unit_type: str = ""
    size: str = ""

    @classmethod
    def parse(cls, args):
        """Filters from a query string; a value that is no valid choice is dropped (and named in
        `errors`, for the page to say so)."""
        errors = []
        values = {}
        year = (args.get("year") or "").strip()
        if year:
            if year.isdigit() and 2000 <= int(year) <= 2100:
                values["year"] = int(year)
            else:
                errors.append(("year", _l("请选择正确的年度")))
        province = (args.get("province") or "").strip()
        if province:
            if province in PROVINCES:
                values["province"] = province
            else:
                errors.append(("province", _l("请选择正确的省份")))
        section = (args.get("section") or "").strip().upper()
        if section:
            if len(section) == 1 and section.isalpha():
                values["section"] = section
            else:
                errors.append(("section", _l("请选择正确的行业门类")))
        category = (args.get("category") or "").strip()
        if category:
            if category.isdigit() and len(category) == 2:
                values["category"] = category
            else:
                errors.append(("category", _l("请选择正确的产品分类")))
        for name in ("unit_type", "size"):
            value = (args.get(name) or "").strip()
            if value:
                values[name] = value[:40]
        return cls(**values), errors

    def as_args(self):
        return {k: v for k, v in self.__dict__.items() if v}


def filed_products(filters=Filters()):
    """Products that were filed (备案通过, whatever became of them since), filtered."""
    query = Product.select().where(Product.filed_at.is_null(False))
    if filters.province or filters.unit_type or filters.size:
        query = query.join(Unit)
        if filters.province:
            query = query.where(Unit.region_code.startswith(filters.province))
        if filters.unit_type:
            query = query.where(Unit.unit_type == filters.unit_type)
        if filters.size:
            query = query.where(Unit.enterprise_size == filters.size)
    if filters.year:
        query = query.where(Product.filed_at >= utc_start_of(date(filters.year, 1, 1)),
                            Product.filed_at < utc_start_of(date(filters.year + 1, 1, 1)))
    if filters.section:
        divisions = Industry.select(Industry.code).where(Industry.parent_code == filters.section)
        query = query.where(fn.SUBSTR(Product.industry, 1, 2).in_(divisions))
    if filters.category:
        query = query.where(Product.category.startswith(filters.category))
    return query


def months(today, n=24):
    """The last `n` Beijing months up to today's, oldest first, as 'YYYY-MM'."""
    year, month = today.year, today.month
    result = []
    for _ in range(n):
        result.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return result[::-1]


def filings_per_month(filters=Filters(), n=24):
    """[(month, count)] of filings in each of the last `n` months (the year's months when a
    year is chosen), zeros included."""
    today = today_shanghai()
    if filters.year:
        wanted = [f"{filters.year:04d}-{m:02d}" for m in range(1, 13)]
    else:
        wanted = months(today, n)
    first = date(int(wanted[0][:4]), int(wanted[0][5:]), 1)
    month = period(Product.filed_at).alias("month")
    rows = (filed_products(filters).where(Product.filed_at >= utc_start_of(first))
            .select(month, fn.COUNT(Product.id).alias("n")).group_by(SQL("1")).tuples())
    counts = dict(rows)
    return [(m, counts.get(m, 0)) for m in wanted]


def by_province(filters=Filters()):
    """[(province name, count)] of filings, most first; units without a region under 未知."""
    code = fn.SUBSTR(Unit.region_code, 1, 2)
    query = filed_products(filters)
    if not (filters.province or filters.unit_type or filters.size):
        query = query.join(Unit)
    rows = query.select(code.alias("p"), fn.COUNT(Product.id).alias("n")).group_by(SQL("1")).tuples()
    result = [(PROVINCES.get(p, _l("未知")), n) for p, n in rows]
    return sorted(result, key=lambda item: -item[1])


def by_section(filters=Filters()):
    """[(门类 name, count)] of filings by the GB/T 4754 门类 of the product's industry."""
    division = Industry.alias()
    rows = (filed_products(filters)
            .join(division, on=(division.code == fn.SUBSTR(Product.industry, 1, 2)))
            .select(division.parent_code.alias("s"), fn.COUNT(Product.id).alias("n"))
            .group_by(SQL("1")).tuples())
    rows = list(rows)
    names = dict(Industry.select(Industry.code, Industry.name)
                 .where(Industry.code.in_([s for s, _n in rows if s])).tuples())
    result = [(f"{s} {names.get(s, '')}".strip() if s else _l("未知"), n) for s, n in rows]
    return sorted(result, key=lambda item: -item[1])


REVIEW_BUCKETS = ((1, _l("1天内")), (5, _l("2–5天")), (10, _l("6–10天")), (20, _l("11–20天")),
                  (30, _l("21–30天")), (None, _l("30天以上")))


def review_times(filters=Filters()):
    """[(bucket, count)]: how long filings waited from submission (the last one) to 备案通过."""
    days = days_between(Product.submitted_at, Product.filed_at)
    bucket = Case(None, [(days <= limit, i) for i, (limit, _label) in enumerate(REVIEW_BUCKETS) if limit],
                  len(REVIEW_BUCKETS) - 1)
    rows = (filed_products(filters).where(Product.submitted_at.is_null(False))
            .select(bucket.alias("b"), fn.COUNT(Product.id).alias("n")).group_by(SQL("1")).tuples())
    counts = dict(rows)
    return [(label, counts.get(i, 0)) for i, (_limit, label) in enumerate(REVIEW_BUCKETS)]


RECOGNISED_STATES = (RecognitionStatus.RECOGNISED, RecognitionStatus.EXPIRED, RecognitionStatus.REVOKED)


def recognitions_per_year(filters=Filters()):
    """[(round year, count)] of products recognised (已认定, including those since expired or
    revoked), by the year of the round, of the filtered filings."""
    products = filed_products(filters).select(Product.id)
    rows = (Recognition.select(RecognitionRound.year, fn.COUNT(Recognition.id))
            .join(RecognitionRound)
            .where(Recognition.recognised_at.is_null(False), Recognition.product.in_(products))
            .group_by(RecognitionRound.year).order_by(RecognitionRound.year).tuples())
    if filters.year:
        rows = rows.where(RecognitionRound.year == filters.year)
    return [(str(year), n) for year, n in rows]


def figures(filters=Filters()):
    """Every figure of 统计分析 (and the dashboards' charts): {key: (title, kind, rows)}, computed
    once per public change and Beijing day (infra.changes.kept): every filing, revocation and
    recognition, and every change of a unit's data, is a public change (a reindex), so the
    figures are read again after each."""
    return changes.kept(f"statistics:{sorted(filters.as_args().items())}", lambda: _figures(filters))


def _figures(filters):
    return {
        "months": (_l("每月备案数（近24个月）") if not filters.year else _l("%(year)s年每月备案数", year=filters.year),
                   "columns", filings_per_month(filters)),
        "provinces": (_l("各省份备案数"), "bars", by_province(filters)),
        "sections": (_l("各行业门类备案数"), "bars", by_section(filters)),
        "review_times": (_l("备案审核用时分布（提交至备案通过）"), "columns", review_times(filters)),
        "recognitions": (_l("各年度认定数"), "columns", recognitions_per_year(filters)),
    }


def on_status_change(kind, obj, transition):
    """workflows.apply() listener: an approved change of a unit's data (its region, type or
    size: 统计分析's filters) is a change the kept figures must see (search reindexes only for a
    new name)."""
    if kind == "change" and transition.target == ChangeStatus.APPROVED:
        changes.touch()


def init_app(app):
    workflows.listen("statistics", on_status_change)


def export_xlsx(figures_, filters):
    """统计分析 as an XLSX file (bytes): the filters, then one sheet per figure; cells formula-safe."""
    book = Workbook()
    sheet = book.active
    sheet.title = str(_l("筛选条件"))
    for name, value in filters.as_args().items():
        sheet.append([documents.spreadsheet_cell(name), documents.spreadsheet_cell(str(value))])
    for key, (title, _kind, rows) in figures_.items():
        sheet = book.create_sheet(key)
        sheet.append([documents.spreadsheet_cell(str(title))])
        for label, n in rows:
            sheet.append([documents.spreadsheet_cell(str(label)), n])
    buf = BytesIO()
    book.save(buf)
    return buf.getvalue()


def public_summary():
    """The public home page's figures: how many products the register lists in each public
    status, and by province (most first). One GROUP BY over the search index."""
    rows = list(SearchDoc.select(SearchDoc.status, SearchDoc.province, fn.COUNT(SearchDoc.product).alias("n"))
                .group_by(SearchDoc.status, SearchDoc.province).tuples())
    statuses, provinces = {}, {}
    for status, province, n in rows:
        statuses[status] = statuses.get(status, 0) + n
        if province in PROVINCES:
            provinces[province] = provinces.get(province, 0) + n
    labels = STATUS_LABELS["public"]
    return {
        "total": sum(statuses.values()),
        "statuses": [(code, labels[code], statuses[code]) for code in labels if statuses.get(code)],
        "provinces": sorted(((code, PROVINCES[code], n) for code, n in provinces.items()), key=lambda r: -r[2]),
    }
