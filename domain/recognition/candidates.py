"""认定候选 (manual §七, SPEC §7.2): which products take part in a round, their figures against
the round's criteria, and 开始公示 for the ones the officer selects.

Eligible for the round of year Y: a product 已备案 whose unit's 实名认证 still stands, and that
was filed within the round's filing period (Beijing dates) or whose 产品备案信息更新 for Y was
approved (manual §六: 未在上述时间段内进行信息更新的产品，不参与本年度专利密集型产品认定工作).
A filed product that is neither is listed apart with the reason. Products whose recognition
in the round has gone past 待公示 (公示中, 已认定, 撤销认定…) are in the notice and recognition
lists instead; revoked filings are in neither.

The lists are computed in Python over the round's filed products (figures and patents in two
queries), so that "meets every criterion" can be filtered on and counted exactly, the count on
the confirmation page recomputed on the server from the same filter.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from io import BytesIO

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from peewee import JOIN

import workflows
from domain import search, transitions
from domain.recognition import criteria as criteria_rules
from domain.recognition.criteria import Check
from domain.search import section_of
from domain.updates import not_updated_reason, updated_for
from infra import calendar, documents
from infra.calendar import add_working_days
from infra.regions import PROVINCES
from models import (
    SHANGHAI,
    Industry,
    Product,
    ProductCategory,
    Recognition,
    Unit,
    User,
    db,
    new_token,
    today_shanghai,
)
from workflows import ProductStatus, RecognitionStatus, UnitStatus

FILTERS = ("region", "industry", "category", "meets")
MEETS = {"all": _l("符合全部条件"), "not": _l("未符合全部条件")}
BASIS = {"in_period": _l("备案期内备案"), "updated": _l("已完成年度信息更新")}


@dataclass
class Row:
    product: Product
    basis: str  # "in_period" / "updated" (BASIS); "" for a product that is out
    checks: list
    reason: object = ""  # why a product is out

    @property
    def meets_all(self):
        return all(check.met for check in self.checks)

    @property
    def province(self):
        return PROVINCES.get((self.product.unit.region_code or "")[:2], "")

    def check(self, key) -> Check | None:
        return next((c for c in self.checks if c.criterion.key == key), None)


def _utc_start(day):
    return datetime.combine(day, time.min, SHANGHAI).astimezone(UTC).replace(tzinfo=None)


def filed_in_period(round_, filed_at):
    return filed_at is not None and _utc_start(round_.filing_from) <= filed_at < _utc_start(
        round_.filing_to + timedelta(days=1))


def _products(round_, product_ids=None):
    """The filed products (and those whose revocation is being reviewed) with their unit (and
    its account, whom 开始公示 tells), industry and category, less those already past 待公示 in this round."""
    started = Recognition.select(Recognition.product).where(
        Recognition.round == round_, Recognition.status != RecognitionStatus.CANDIDATE)
    query = (Product.select(Product, Unit, User, Industry, ProductCategory)
             .join(Unit).join(User).switch(Product).join(Industry, JOIN.LEFT_OUTER)
             .switch(Product).join(ProductCategory, JOIN.LEFT_OUTER)
             .where(Product.status.in_([ProductStatus.FILED, ProductStatus.REVOCATION_PENDING]),
                    Product.id.not_in(started))
             .order_by(Product.filed_at, Product.id))
    if product_ids is not None:
        query = query.where(Product.id.in_(list(product_ids)))
    return list(query)


def assess(round_, product_ids=None):
    """(eligible rows, rows of products that are out) of the round, each eligible row with its
    checks against the round's criteria. `product_ids`: only these products."""
    products = _products(round_, product_ids)
    ids = [p.id for p in products]
    updated = updated_for(ids, round_.year)  # 产品备案信息更新 approved for the round's year
    eligible, out = [], []
    for product in products:
        if product.unit.status != UnitStatus.APPROVED:
            out.append(Row(product, "", [], _l("单位实名认证未处于审核通过状态")))
        elif product.status != ProductStatus.FILED:
            out.append(Row(product, "", [], _l("撤销备案审核中")))
        elif filed_in_period(round_, product.filed_at):
            eligible.append(Row(product, "in_period", []))
        elif product.id in updated:
            eligible.append(Row(product, "updated", []))
        elif product.filed_at is not None and product.filed_at >= _utc_start(round_.filing_to + timedelta(days=1)):
            out.append(Row(product, "", [], _l("备案时间晚于本批次备案期（%(date)s止），参加下一年度认定",
                                                  date=round_.filing_to.isoformat())))
        else:
            out.append(Row(product, "", [], not_updated_reason(round_.year)))
    figures = criteria_rules.patent_figures(r.product.id for r in eligible) if eligible else {}
    for row in eligible:
        row.checks = criteria_rules.evaluate(round_.criteria, row.product, figures.get(row.product.id))
    return eligible, out


def clean_filters(source):
    values = {name: (source.get(name) or "").strip() for name in FILTERS}
    if values["meets"] not in MEETS:
        values["meets"] = ""
    values["region"] = values["region"] if values["region"] in PROVINCES else ""
    values["industry"] = values["industry"].upper()[:4]
    values["category"] = values["category"][:10]
    return {k: v for k, v in values.items() if v}


def matches(row, filters):
    product = row.product
    if filters.get("region") and not (product.unit.region_code or "").startswith(filters["region"]):
        return False
    industry = filters.get("industry")
    if industry:
        code = product.industry_id or ""
        if not (code.startswith(industry) or (industry.isalpha() and section_of(code) == industry)):
            return False
    if filters.get("category") and not (product.category_id or "").startswith(filters["category"]):
        return False
    if filters.get("meets") == "all" and not row.meets_all:
        return False
    return not (filters.get("meets") == "not" and row.meets_all)


def candidates(round_, filters=None):
    """The round's eligible products that pass `filters` (clean_filters()), oldest filing first."""
    eligible, _out = assess(round_)
    return [row for row in eligible if matches(row, filters or {})]


def out_of_round(round_, filters=None):
    _eligible, out = assess(round_)
    filters = {k: v for k, v in (filters or {}).items() if k != "meets"}
    return [row for row in out if matches(row, filters)]


def selection(round_, product_ids=None, filters=None):
    """The eligible rows 开始公示 would start: the given products (those still eligible), or —
    without ids — every product of `filters` that meets every criterion."""
    if product_ids is not None:
        eligible, _out = assess(round_, product_ids)
        return eligible
    return [row for row in candidates(round_, filters) if row.meets_all]


# ---------------------------------------------------------------- 开始公示


class RoundClosed(workflows.WorkflowError):
    pass


def notice_start_day(round_):
    """The day a notice started now starts: today (a round's planned start in the future refuses)."""
    today = today_shanghai()
    if round_.closed_at is not None:
        raise RoundClosed(_l("认定批次“%(name)s”已关闭，不能再开始公示", name=round_.name))
    if round_.notice_start and round_.notice_start > today:
        raise RoundClosed(_l("本批次公示开始日期为%(date)s，届时方可开始公示", date=round_.notice_start.isoformat()))
    return today


def notice_period(round_):
    """(first day, last day) of a notice started now in the round. Raises RoundClosed, or
    workflows.GuardFailed with the 开始公示 guard's message when the holiday arrangement of a year
    the notice runs into is not entered."""
    start = notice_start_day(round_)
    problem = transitions.guard_notice_end_known(None, {"start": start})
    if problem:
        raise workflows.GuardFailed(problem)
    return start, add_working_days(start, transitions.NOTICE_WORKING_DAYS)


def start_notice_for(round_, product_ids, actor):
    """开始公示 for the products among `product_ids` that are eligible in the round now
    (recomputed here): a 待公示 recognition each (made if missing), then workflows.apply(…,
    "start_notice") each — audit row, SMS and 站内消息 per product — in one transaction whose
    notifications go out after its commit. Returns how many started.

    Raises RoundClosed, or workflows.GuardFailed (the holiday arrangement of a year the notice
    runs into is not entered: nothing starts)."""
    start, _end = notice_period(round_)
    rows = selection(round_, product_ids=list(product_ids))
    if not rows:
        return 0
    actor.cached_roles = actor.role_names  # one role lookup for the whole batch
    started = 0
    # One transaction: the notifications go out after its commit, the search index is written once.
    with workflows.after_commit(), db.database.atomic(), search.deferred(), calendar.remembered():
        ids = [row.product.id for row in rows]
        mine = Recognition.select().where(Recognition.round == round_, Recognition.product.in_(ids))
        have = {product_id for (product_id,) in mine.select(Recognition.product).tuples()}
        missing = [{"product": pid, "round": round_.id, "token": new_token()} for pid in ids if pid not in have]
        for start_row in range(0, len(missing), 300):  # 待公示 (the model's first status)
            Recognition.insert_many(missing[start_row:start_row + 300]).execute()
        recs = {rec.product_id: rec for rec in mine}  # every column loaded: apply() reads none again
        for row in rows:
            rec = recs[row.product.id]
            rec.product = row.product  # with its unit and account: the notification needs them
            try:
                workflows.apply(rec, "start_notice", actor, start=start)
            except workflows.AlreadyDecided:
                continue  # someone else started it meanwhile
            started += 1
    del actor.cached_roles
    return started


# ---------------------------------------------------------------- export


def export_xlsx(round_, rows):
    """认定候选 as an XLSX file (bytes): figures and, per criterion, 符合/不符合; cells formula-safe."""
    book = Workbook()
    sheet = book.active
    sheet.title = "认定候选"
    heads = ["产品名称", "规格型号", "备案号", "单位名称", "地区", "产品所属行业", "产品分类", "参评依据",
             "专利市场贡献指数（%）", "产品上年度销售额（万元）", "产品上年度毛利润率（%）"]
    heads += [str(c.short) for c in criteria_rules.CRITERIA] + ["是否符合全部条件"]
    sheet.append(heads)
    for row in rows:
        p = row.product
        cells = [p.name, p.model, p.filing_number, p.unit.name, row.province,
                 f"{p.industry_id or ''} {p.industry.name if p.industry_id else ''}".strip(),
                 f"{p.category_id or ''} {p.category.name if p.category_id else ''}".strip(),
                 str(BASIS.get(row.basis, "")), p.contribution_index, p.last_year_sales, p.gross_margin]
        for c in criteria_rules.CRITERIA:
            check = row.check(c.key)
            cells.append("" if check is None else ("符合" if check.met else "不符合"))
        cells.append("是" if row.meets_all else "否")
        sheet.append([documents.spreadsheet_cell(v) for v in cells])
    buf = BytesIO()
    book.save(buf)
    return buf.getvalue()
