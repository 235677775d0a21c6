"""产品备案审核 (SPEC §6.5): the reviewer's queue, claims, bulk approval of clean items, and
the difference between two submitted versions of a product.

Statuses still change only in workflows.apply(); this module selects, compares and
calls it. The back-office views (admin_app/reviews/products.py) and the review-queue
benchmark use the functions here.
"""

from collections import namedtuple
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from peewee import JOIN, IntegrityError, fn, prefetch

import workflows
from domain import search
from domain.filing import rules as filing_rules
from domain.filing.snapshots import DATA_FIELDS
from models import (
    Country,
    Industry,
    Option,
    Patent,
    Product,
    ProductCategory,
    ProductPatent,
    ProductVersion,
    ReviewClaim,
    Role,
    Unit,
    User,
    UserRoles,
    db,
    shanghai_time,
    status_counts,
)
from workflows import ProductStatus

OBJECT_TYPE = "product"  # ReviewClaim.object_type of product filings

# The states a reviewer works through (the queue's tabs, named by the workflow's labels), each
# with the time shown and filtered on — when the unit submitted, asked for revocation (the
# status change stamps updated_at; filed data is locked), or when the product was filed — and
# the order, oldest first. The 已备案 list (where an administrator finds a product to revoke)
# runs to 100,000s of rows: it goes in id order, which the status index yields without sorting.
QueueState = namedtuple("QueueState", "time_field time_label order")
QUEUE_STATES = {
    ProductStatus.PENDING: QueueState(Product.submitted_at, _l("提交时间"), Product.submitted_at),
    ProductStatus.REVOCATION_PENDING: QueueState(Product.updated_at, _l("申请撤销时间"), Product.updated_at),
    ProductStatus.FILED: QueueState(Product.filed_at, _l("备案时间"), Product.id),
}

# Every field of a filing with the manual's label, in the form's order.
FIELD_LABELS = {
    "gtin": _l("商品条码"), "name": _l("产品名称"), "model": _l("规格型号"),
    "category": _l("产品分类"), "category_other": _l("产品分类（其他）"), "industry": _l("产品所属行业"),
    "trademark": _l("商标"), "intro": _l("产品简介"),
    "purpose": _l("备案目的"), "purpose_other": _l("其他备案目的"), "export_countries": _l("出口地"),
    "export_other": _l("其他出口地"), "first_year": _l("本产品首次生产年份"),
    **dict(filing_rules.MONEY),
    "market_share": _l("产品市场份额"), "gross_margin": _l("产品上年度毛利润率"),
    "contribution_index": _l("专利市场贡献指数"), "contribution_method": _l("测算方式"),
    "method_k": _l("系数K"), "method_explanation": _l("计算说明"),
    "special_industry": _l("属于国家特殊行业管理要求的产品"), "compulsory_cert": _l("属于国家强制性认证产品"),
}
assert tuple(FIELD_LABELS) == DATA_FIELDS
PERCENT_FIELDS = ("market_share", "gross_margin", "contribution_index")
MONEY_FIELDS = tuple(dict(filing_rules.MONEY))
NUMBER_FIELDS = (*MONEY_FIELDS, *PERCENT_FIELDS, "method_k")

Skipped = namedtuple("Skipped", "product_id name reason")


# ---------------------------------------------------------------- the queue


def _beijing_day(text):
    """A YYYY-MM-DD Beijing date as the naive-UTC instant of its midnight, or None."""
    try:
        day = datetime.strptime((text or "").strip(), "%Y-%m-%d")
    except ValueError:
        return None
    return day - timedelta(hours=8)


def queue_query(status, args):
    """Products in `status`, filtered by `args` (a mapping, e.g. request.args), oldest first.

    args: region (province code, 2 digits, of the unit's region code), industry (a GB/T 4754
    code prefix, or a 门类 letter), category (a 统计用产品分类目录 code prefix), unit (part of
    the unit's name), since / until (YYYY-MM-DD, Beijing dates, inclusive) on the queue's time.
    The query selects Product with its Unit and Industry joined (no query per row).
    """
    query = (
        Product.select(Product, Unit, Industry)
        .join(Unit)
        .switch(Product)
        .join(Industry, JOIN.LEFT_OUTER)
    )
    order = QUEUE_STATES.get(status, QUEUE_STATES[ProductStatus.PENDING]).order
    return _filtered(query, status, args).order_by(order, Product.id)  # never null in its state


def queue_count(status, args):
    """len(queue_query(status, args)), without the joins the filters do not need."""
    query = Product.select(Product.id)
    if (args.get("region") or "").strip() or (args.get("unit") or "").strip():
        query = query.join(Unit)
    return _filtered(query, status, args).count()


def _filtered(query, status, args):
    time_field = QUEUE_STATES.get(status, QUEUE_STATES[ProductStatus.PENDING]).time_field
    query = unit_and_dates(query.where(Product.status == status), args, time_field)
    industry = (args.get("industry") or "").strip().split(" ")[0].upper()
    if len(industry) == 1 and industry.isalpha():  # 门类: its 大类 are two-digit codes
        divisions = Industry.select(Industry.code).where(Industry.parent_code == industry)
        query = query.where(fn.SUBSTR(Product.industry, 1, 2).in_(divisions))
    elif industry:
        query = query.where(Product.industry.startswith(industry))
    category = (args.get("category") or "").strip().split(" ")[0]
    if category:
        query = query.where(Product.category.startswith(category))
    return query


def unit_and_dates(query, args, time_field):
    """The filters every review queue shares (its query joins Unit): the unit's province
    (`region`, a prefix of its division code), part of its name (`unit`), and `since` / `until`
    (Beijing dates, both days included) on time_field."""
    region = (args.get("region") or "").strip()
    if region:
        query = query.where(Unit.region_code.startswith(region))
    unit = (args.get("unit") or "").strip()
    if unit:
        query = query.where(Unit.name.contains(unit))
    since = _beijing_day(args.get("since"))
    if since is not None:
        query = query.where(time_field >= since)
    until = _beijing_day(args.get("until"))
    if until is not None:
        query = query.where(time_field < until + timedelta(days=1))
    return query


def state_counts():
    """{status: count} of every queue state (the tabs' badges)."""
    return status_counts(Product, QUEUE_STATES)


# ---------------------------------------------------------------- claims


class ReviewClaims:
    """认领 / 释放 / 分配 of one review queue: ReviewClaim rows of `object_type` for rows of
    `model` while their status is one of `waiting`. Claims are not decisions: they write no
    audit row (workflows names the last audit row's actor when a decision comes too late, and
    that must be the one who decided)."""

    def __init__(self, object_type, model, waiting, roles=None, pick_message=None):
        self.object_type, self.model, self.waiting = object_type, model, tuple(waiting)
        # Who works the queue (claims, is assigned): the reviewers unless a queue names others.
        self.roles = tuple(roles or (workflows.Role.REVIEWER,))
        self.pick_message = pick_message or _l("请选择审核员")

    def claims_of(self, ids):
        """{id: ReviewClaim (reviewer joined)} for the given items."""
        ids = list(ids)
        if not ids:
            return {}
        rows = (ReviewClaim.select(ReviewClaim, User).join(User)
                .where(ReviewClaim.object_type == self.object_type, ReviewClaim.object_id.in_(ids)))
        return {c.object_id: c for c in rows}

    def claim_of(self, item):
        return self.claims_of([item.id]).get(item.id)

    def _claimable(self, item):
        if item.status not in self.waiting:
            raise workflows.TransitionNotAllowed(
                _l("当前状态（%(status)s）不能认领", status=workflows.status_label(item)))

    def claim(self, item, actor):
        """认领: the actor takes an unclaimed item. Raises WorkflowError naming the holder."""
        if not _is_reviewer(actor, self.roles):
            raise workflows.PermissionDenied(_l("您没有权限执行此操作"))
        self._claimable(item)
        held = self.claim_of(item)
        if held is None:
            try:
                with db.database.atomic():
                    ReviewClaim.create(object_type=self.object_type, object_id=item.id, reviewer=actor)
                return
            except IntegrityError:  # claimed by someone else in the meantime
                held = self.claim_of(item)
        if held is not None and held.reviewer_id != actor.id:
            raise workflows.AlreadyDecided(_l("该事项已由%(who)s认领", who=held.reviewer.display_name))

    def release(self, item, actor):
        """释放: the holder (or an administrator) gives the item back to the queue."""
        with db.database.atomic():
            held = self.claim_of(item)
            if held is None:
                return
            if held.reviewer_id != actor.id and not actor.has_any_role(workflows.Role.ADMIN):
                raise workflows.PermissionDenied(
                    _l("该事项已由%(who)s认领，只有认领人可以释放", who=held.reviewer.display_name))
            held.delete_instance()

    def assign(self, item, reviewer, actor):
        """分配: give the item to a reviewer (replacing any earlier claim)."""
        if not (_is_reviewer(actor, self.roles) or actor.has_any_role(workflows.Role.ADMIN)):
            raise workflows.PermissionDenied(_l("您没有权限执行此操作"))
        if reviewer is None or not reviewer.active or not _is_reviewer(reviewer, self.roles):
            raise workflows.GuardFailed(self.pick_message)
        self._claimable(item)
        with db.database.atomic():
            ReviewClaim.delete().where(ReviewClaim.object_type == self.object_type,
                                       ReviewClaim.object_id == item.id).execute()
            ReviewClaim.create(object_type=self.object_type, object_id=item.id, reviewer=reviewer)

    def release_decided(self, ids):
        """Drop the claims of items that have left the review states."""
        ids = list(ids)
        waiting = self.model.select(self.model.id).where(self.model.id.in_(ids), self.model.status.in_(self.waiting))
        ReviewClaim.delete().where(ReviewClaim.object_type == self.object_type, ReviewClaim.object_id.in_(ids),
                                   ReviewClaim.object_id.not_in(waiting)).execute()


def _is_reviewer(user, roles=(workflows.Role.REVIEWER,)):
    return user.has_any_role(*roles)


def reviewers():
    """Active accounts with the reviewer role (the assign select)."""
    return list(User.select().join(UserRoles).join(Role)
                .where(Role.name == workflows.Role.REVIEWER, User.active)
                .order_by(User.full_name, User.username))



CLAIMS = ReviewClaims(OBJECT_TYPE, Product, (ProductStatus.PENDING, ProductStatus.REVOCATION_PENDING))
claims_of, claim_of = CLAIMS.claims_of, CLAIMS.claim_of
claim, release, assign, release_decided = CLAIMS.claim, CLAIMS.release, CLAIMS.assign, CLAIMS.release_decided


# ---------------------------------------------------------------- bulk approval


def is_clean(checks):
    return all(c.level == filing_rules.PASS for c in checks)


def _problems(checks):
    return "；".join(str(c.message) for c in checks if c.level != filing_rules.PASS)


def _with_patents(query):
    """The products of `query` with their patent links and patents loaded in two queries
    (pre_review_checks() reads product.patent_links and link.patent)."""
    return prefetch(query, ProductPatent.select(ProductPatent, Patent).join(Patent))


def clean_count(product_ids):
    """How many of the products would bulk_approve() approve now (for its confirmation)."""
    products = _with_patents(Product.select().where(Product.id.in_(list(product_ids)),
                                                    Product.status == ProductStatus.PENDING))
    facts = filing_rules.UnitFacts(p.unit_id for p in products)
    return sum(1 for p in products if is_clean(filing_rules.pre_review_checks(p, facts)))


BATCH = 200  # approvals per transaction: few commits, short write locks


def bulk_approve(product_ids, actor):
    """通过 every pending product of `product_ids` whose pre-review checks have no fail and
    no warn, each through workflows.apply(). Items claimed by another reviewer, no longer
    pending, or with a warning/failing check are skipped.

    Returns (approved_count, skipped) with skipped a list of Skipped(product_id, name, reason).
    Notifications are delivered after each batch's commit.
    """
    ids = list(dict.fromkeys(int(i) for i in product_ids))
    products = {p.id: p for p in _with_patents(Product.select(Product, Unit, User).join(Unit).join(User)
                                                 .where(Product.id.in_(ids)))}
    claims = claims_of(ids)
    facts = filing_rules.UnitFacts(p.unit_id for p in products.values())
    actor.cached_roles = actor.role_names  # one role lookup for the whole batch
    approved, skipped = 0, []
    for start in range(0, len(ids), BATCH):
        # One commit per batch; its notifications go out after it, its products reindexed once.
        with workflows.after_commit(), db.database.atomic(), search.deferred():
            for pid in ids[start:start + BATCH]:
                product = products.get(pid)
                if product is None:
                    skipped.append(Skipped(pid, "", _l("产品不存在")))
                    continue
                held = claims.get(pid)
                if held is not None and held.reviewer_id != actor.id:
                    skipped.append(Skipped(pid, product.name,
                                           _l("已由%(who)s认领", who=held.reviewer.display_name)))
                    continue
                if product.status != ProductStatus.PENDING:
                    skipped.append(Skipped(pid, product.name,
                                           _l("当前状态为%(status)s", status=workflows.status_label(product))))
                    continue
                checks = filing_rules.pre_review_checks(product, facts)
                if not is_clean(checks):
                    skipped.append(Skipped(pid, product.name, _problems(checks)))
                    continue
                try:  # apply() runs in a savepoint: a refused item leaves the batch intact
                    workflows.apply(product, "approve", actor)
                except workflows.WorkflowError as exc:
                    skipped.append(Skipped(pid, product.name, exc.message))
                    continue
                approved += 1
    del actor.cached_roles
    release_decided(ids)
    return approved, skipped


# ---------------------------------------------------------------- versions and their difference


def previous_and_current(product):
    """(previous data, current data) of the last two submitted versions; previous is None
    for a first submission."""
    versions = list(product.versions.order_by(ProductVersion.number.desc()).limit(2))
    if not versions:
        return None, None
    previous = versions[1].data if len(versions) > 1 else None
    return previous, versions[0].data


_PATENT_FLAGS = ("public", "core", "litigated", "case_number")


def diff(previous_data, current_data):
    """What changed between two snapshots (ProductVersion.data).

    Returns {"fields": [{"name", "old", "new"}], "patents": [{"number", "change", "old",
    "new"}], "files": [{"kind", "name", "change"}]} where change is added / removed /
    changed; old and new of a changed patent are its flags. Empty lists: nothing changed.
    """
    previous_data = previous_data or {}
    current_data = current_data or {}
    old_fields = previous_data.get("fields") or {}
    new_fields = current_data.get("fields") or {}
    fields = [
        {"name": name, "old": old_fields.get(name), "new": new_fields.get(name)}
        for name in dict.fromkeys([*old_fields, *new_fields])
        if _normal(name, old_fields.get(name)) != _normal(name, new_fields.get(name))
    ]
    old_patents = {p["patent_id"]: p for p in previous_data.get("patents") or []}
    new_patents = {p["patent_id"]: p for p in current_data.get("patents") or []}
    patents = []
    for pid, p in new_patents.items():
        if pid not in old_patents:
            patents.append({"number": p["number"], "change": "added", "old": None, "new": p})
        elif any(old_patents[pid].get(k) != p.get(k) for k in _PATENT_FLAGS):
            patents.append({"number": p["number"], "change": "changed", "old": old_patents[pid], "new": p})
    patents += [{"number": p["number"], "change": "removed", "old": p, "new": None}
                for pid, p in old_patents.items() if pid not in new_patents]
    old_files = {f["file_id"]: f for f in previous_data.get("files") or []}
    new_files = {f["file_id"]: f for f in current_data.get("files") or []}
    files = [{"kind": f["kind"], "name": f["name"], "change": "added"}
             for fid, f in new_files.items() if fid not in old_files]
    files += [{"kind": f["kind"], "name": f["name"], "change": "removed"}
              for fid, f in old_files.items() if fid not in new_files]
    return {"fields": fields, "patents": patents, "files": files}


def _normal(name, value):
    """Equal values compare equal whatever their JSON spelling ("35.00" and "35", "" and None)."""
    if value in (None, "", []):
        return None
    if name in NUMBER_FIELDS:
        return _number(value).normalize()
    return value


# ---------------------------------------------------------------- display


def display_value(name, value):
    """A snapshot field value as a reviewer reads it (names for codes, 万元, %, 是/否)."""
    if value in (None, "", []):
        return ""
    if name == "category":
        row = ProductCategory.get_or_none(ProductCategory.code == value)
        return f"{value} {row.name}" if row else value
    if name == "industry":
        row = Industry.get_or_none(Industry.code == value)
        return f"{value} {row.name}" if row else value
    if name == "purpose":
        return Option.name_of("filing_purpose", value)
    if name == "export_countries":
        names = Country.names(c for c in value if c != "other")
        return "、".join(str(_l("其他")) if c == "other" else names.get(c, c) for c in value)
    if name == "contribution_method":
        return str(filing_rules.METHODS.get(value, value))
    if name in MONEY_FIELDS:
        return str(_l("%(amount)s 万元", amount=f"{_number(value):,.2f}"))
    if name in PERCENT_FIELDS:
        return f"{_number(value):.2f}%"
    if isinstance(value, bool):
        return str(_l("是") if value else _l("否"))
    return str(value)


def _number(value):
    return Decimal(str(value))


def queue_time(product, status):
    """The time that orders the product in its queue, as Beijing time text."""
    field = QUEUE_STATES.get(status, QUEUE_STATES[ProductStatus.PENDING]).time_field
    return shanghai_time(getattr(product, field.name))
