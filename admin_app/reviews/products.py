"""产品备案审核 and 专利失效监控 in the back office (SPEC §6.5).

The queue (per state, filtered, oldest first, claim/assign, bulk 通过 of clean items), the
review page (every field, file, patent, the unit's asset info, the pre-review checks, the
history, a diff against the previous submission), and a read-only list of filed products
whose linked patents have lapsed. Decisions go through workflows.apply() (ReviewView.decide);
the rest through product_review.
"""

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user

import workflows
from admin_app.base import RoleGate
from admin_app.reviews.base import PAGE_SIZE, ReviewView, queue_filters, queue_page, queue_status, roles_of_me
from domain import patents, units
from domain.filing import review as product_review
from domain.filing import rules as filing_rules
from domain.filing import watch
from domain.filing.snapshots import product_snapshot
from infra.regions import PROVINCES
from models import (
    AssetInfo,
    Industry,
    Patent,
    Product,
    ProductCategory,
    ProductFile,
    ProductPatent,
    ReasonTemplate,
    StoredFile,
    UnitPatent,
)
from workflows import ProductStatus, Role

FILTERS = ("region", "industry", "category", "unit", "since", "until")
# Reason templates offered on the decision form, by the product's state.
TEMPLATE_SCOPES = {ProductStatus.PENDING: "product_filing",
                   ProductStatus.REVOCATION_PENDING: "revocation",
                   ProductStatus.FILED: "revocation"}
CHECK_BADGES = {filing_rules.PASS: ("success", _l("通过")), filing_rules.WARN: ("warning", _l("警告")),
                filing_rules.FAIL: ("danger", _l("不通过"))}


def _product(product_id):
    product = Product.get_or_none(Product.id == product_id)
    if product is None or product.status == ProductStatus.DRAFT:
        abort(404)  # a draft is the unit's own business until it is submitted
    return product


class ProductReviewView(ReviewView):
    """产品备案审核. Administrators come in too: 撤销备案 of a filed product is theirs
    (workflows.apply checks every decision's role again)."""

    roles = (Role.REVIEWER, Role.ADMIN)

    @expose("/")
    def index(self):
        status = queue_status(product_review.QUEUE_STATES, ProductStatus.PENDING)
        filters = queue_filters(FILTERS, request.args)
        query = product_review.queue_query(status, filters)
        counts = product_review.state_counts()
        total = product_review.queue_count(status, filters) if filters else counts[status]
        page = queue_page(total)
        rows = list(query.paginate(page.number, PAGE_SIZE))
        return self.render(
            "admin/review_products.html", rows=rows, total=total, page=page.number - 1, pages=page.pages,
            status=status, states=product_review.QUEUE_STATES, counts=counts,
            filters=filters, claims=product_review.claims_of(r.id for r in rows),
            reviewers=product_review.reviewers(), provinces=PROVINCES,
            industries=Industry.select().where(Industry.level <= 2).order_by(Industry.code),
            categories=ProductCategory.select().where(ProductCategory.level <= 2).order_by(ProductCategory.code),
            queue_time=product_review.queue_time,
            page_url=lambda p: url_for(".index", status=status, page=p, **filters), **roles_of_me(Role.REVIEWER),
        )

    @expose("/bulk", methods=["GET", "POST"])
    def bulk(self):
        """GET: how many items of the filter bulk 通过 would approve (for the confirmation).
        POST: approve them, recomputed on the server."""
        filters = queue_filters(FILTERS, request.values)
        ids = [p.id for p in product_review.queue_query(ProductStatus.PENDING, filters).select(Product.id)]
        if request.method == "GET":
            return jsonify(total=len(ids), clean=product_review.clean_count(ids))
        approved, skipped = product_review.bulk_approve(ids, current_user)
        flash(_("批量通过：已通过%(n)s件，跳过%(m)s件（检查未全部通过、已被他人认领或已处理）。",
                n=approved, m=len(skipped)), "success" if approved else "warning")
        return redirect(url_for(".index", status=ProductStatus.PENDING, **filters))

    @expose("/<int:product_id>/claim", methods=["POST"])
    def claim(self, product_id):
        """认领 / 释放 / 分配 (op = claim / release / assign)."""
        product = _product(product_id)
        return self.claim_op(product, product.name, product_review, {"product_id": product.id})

    @expose("/<int:product_id>", methods=["GET", "POST"])
    def detail(self, product_id):
        product = _product(product_id)
        if request.method == "POST":
            response = self.decide(product, {"product_id": product_id})
            product_review.release_decided([product.id])
            return response
        previous, current = product_review.previous_and_current(product)
        if current is None or product.status != ProductStatus.PENDING:
            current = product_snapshot(product)  # filed data may since have been updated
            previous = None
        changes = product_review.diff(previous, current) if previous is not None else None
        fiscal_year = filing_rules.fiscal_year_of(product) if product.submitted_at else None
        links = list(ProductPatent.select(ProductPatent, Patent).join(Patent)
                     .where(ProductPatent.product == product).order_by(ProductPatent.id))
        held = {u.patent_id: u for u in UnitPatent.select().where(UnitPatent.unit == product.unit_id)}
        names = product.unit.all_names()
        claims = {link.patent_id: patents.link_claim(held[link.patent_id], link.patent, names)
                  for link in links if link.patent_id in held}
        files = list(ProductFile.select(ProductFile, StoredFile).join(StoredFile)
                     .where(ProductFile.product == product).order_by(ProductFile.kind, ProductFile.sort))
        others = (Product.select().where(Product.unit == product.unit_id, Product.id != product.id,
                                         Product.status != ProductStatus.DRAFT).order_by(Product.id.desc()))
        return self.render(
            "admin/review_product.html", product=product, unit=product.unit, data=current,
            changes=changes, changed_fields={c["name"]: c for c in (changes or {}).get("fields", [])},
            labels=product_review.FIELD_LABELS, show=product_review.display_value,
            files=files, file_kinds=filing_rules.FILE_KINDS, links=links, held=held, claims=claims,
            proof_labels=patents.PROOF_LABELS,
            patent_kinds=patents.KIND_LABELS, patent_statuses=patents.STATUS_LABELS,
            acquisitions=patents.ACQUISITIONS, fiscal_year=fiscal_year,
            asset=AssetInfo.get_or_none(AssetInfo.unit == product.unit_id, AssetInfo.fiscal_year == fiscal_year),
            asset_labels=units.ASSET_LABELS, checks=filing_rules.pre_review_checks(product),
            badges=CHECK_BADGES, history=workflows.history(product), others=others,
            actions=workflows.available_actions(product, current_user),
            templates=ReasonTemplate.select().where(
                ReasonTemplate.scope == TEMPLATE_SCOPES.get(product.status, "product_filing"),
                ReasonTemplate.active).order_by(ReasonTemplate.sort),
            claim=product_review.claim_of(product), reviewers=product_review.reviewers(),
            provinces=PROVINCES, queue_time=product_review.queue_time, **roles_of_me(Role.REVIEWER),
        )


class PatentWatchView(RoleGate, BaseView):
    """专利失效监控: filed products with a linked patent that is no longer 有效 (read-only)."""

    roles = (Role.REVIEWER, Role.ADMIN)

    @expose("/")
    def index(self):
        query = watch.patent_watch_query()
        total = query.count()
        page = queue_page(total)
        rows = list(query.paginate(page.number, PAGE_SIZE))
        return self.render(
            "admin/patent_watch.html", rows=rows, total=total, page=page.number - 1, pages=page.pages,
            lapsed=watch.lapsed_patents(r.id for r in rows), statuses=patents.STATUS_LABELS,
            provinces=PROVINCES, page_url=lambda p: url_for(".index", page=p),
        )


def register(admin):
    category = _l("审核管理")
    admin.add_view(ProductReviewView(name=_l("产品备案审核"), endpoint="review_products", category=category))
    admin.add_view(PatentWatchView(name=_l("专利失效监控"), endpoint="patent_watch", category=category))
