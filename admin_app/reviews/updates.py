"""信息更新审核 in the back office (SPEC §7.1): the queue of yearly updates (per state,
filtered, oldest first, claim / assign, bulk 通过 of updates with no change and clean
pre-review checks), the list of products not updated yet, and the update page that leads
with the difference against the product's filed version, then the pre-review checks, then
the full data. Decisions go through workflows.apply() (ReviewView.decide)."""

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user

import workflows
from admin_app.reviews.base import PAGE_SIZE, ReviewView, queue_filters, queue_page, queue_status, roles_of_me
from admin_app.reviews.products import CHECK_BADGES
from domain import patents, units, updates
from domain.filing import review as product_review
from domain.filing import rules as filing_rules
from domain.updates import review as update_review
from domain.updates.reminders import not_done_products
from infra.regions import PROVINCES
from models import AssetInfo, Patent, ReasonTemplate, YearlyUpdate
from workflows import Role, UpdateStatus


def _update(update_id):
    update = YearlyUpdate.get_or_none(YearlyUpdate.id == update_id)
    if update is None or update.status == UpdateStatus.DRAFT:
        abort(404)  # a draft is the unit's own business until it is submitted
    return update


class UpdateReviewView(ReviewView):
    roles = (Role.REVIEWER, Role.ADMIN)

    @expose("/")
    def index(self):
        status = queue_status(update_review.QUEUE_STATES, UpdateStatus.PENDING)
        filters = queue_filters(update_review.FILTERS, request.args)
        query = update_review.queue_query(status, filters)
        counts = update_review.state_counts()
        total = query.count()
        page = queue_page(total)
        rows = list(query.paginate(page.number, PAGE_SIZE))
        return self.render(
            "admin/review_updates.html", rows=rows, total=total, page=page.number - 1, pages=page.pages,
            status=status, states=update_review.QUEUE_STATES, counts=counts, filters=filters,
            claims=update_review.claims_of(r.id for r in rows), reviewers=product_review.reviewers(),
            provinces=PROVINCES, not_started=len(not_done_products()),
            page_url=lambda p: url_for(".index", status=status, page=p, **filters), **roles_of_me(Role.REVIEWER),
        )

    @expose("/not-updated")
    def not_updated(self):
        """The products of the year still 未更新 or 不通过 (the 工作台's count links here)."""
        rows = not_done_products()
        return self.render("admin/review_updates_missing.html", rows=rows, state=updates.window_state(),
                           provinces=PROVINCES)

    @expose("/bulk", methods=["GET", "POST"])
    def bulk(self):
        """GET: how many of the filter's pending updates bulk 通过 would approve. POST: approve
        them, recomputed on the server."""
        filters = queue_filters(update_review.FILTERS, request.values)
        ids = [u.id for u in update_review.queue_query(UpdateStatus.PENDING, filters).select(YearlyUpdate.id)]
        if request.method == "GET":
            return jsonify(total=len(ids), clean=update_review.clean_count(ids, current_user))
        approved, skipped = update_review.bulk_approve(ids, current_user)
        flash(_("批量通过：已通过%(n)s件，跳过%(m)s件（信息有变化、检查未全部通过、已被他人认领或已处理）。",
                n=approved, m=len(skipped)), "success" if approved else "warning")
        return redirect(url_for(".index", status=UpdateStatus.PENDING, **filters))

    @expose("/<int:update_id>/claim", methods=["POST"])
    def claim(self, update_id):
        """认领 / 释放 / 分配 (op = claim / release / assign)."""
        update = _update(update_id)
        return self.claim_op(update, update.product.name, update_review, {"update_id": update.id})

    @expose("/<int:update_id>", methods=["GET", "POST"])
    def detail(self, update_id):
        update = _update(update_id)
        if request.method == "POST":
            response = self.decide(update, {"update_id": update_id})
            update_review.release_decided([update.id])
            return response
        product = update.product
        data = update.data or {}
        changes = update_review.changes(update)
        ids = [e["patent_id"] for e in data.get("patents") or []]
        by_id = {p.id: p for p in Patent.select().where(Patent.id.in_(ids))} if ids else {}
        fiscal_year = update.year - 1
        return self.render(
            "admin/review_update.html", update=update, product=product, unit=product.unit, data=data,
            changes=changes, unchanged=not (changes["fields"] or changes["patents"] or changes["files"]),
            labels=product_review.FIELD_LABELS, show=product_review.display_value,
            files=updates.stored_files(data), file_kinds=filing_rules.FILE_KINDS, patents_by_id=by_id,
            patent_kinds=patents.KIND_LABELS, patent_statuses=patents.STATUS_LABELS,
            checks=updates.pre_review_checks(update, patents_by_id=by_id), badges=CHECK_BADGES,
            fiscal_year=fiscal_year, asset_labels=units.ASSET_LABELS,
            asset=AssetInfo.get_or_none(AssetInfo.unit == product.unit_id, AssetInfo.fiscal_year == fiscal_year),
            history=workflows.history(update), actions=workflows.available_actions(update, current_user),
            templates=ReasonTemplate.select().where(ReasonTemplate.scope == "product_filing",
                                                    ReasonTemplate.active).order_by(ReasonTemplate.sort),
            claim=update_review.claim_of(update), reviewers=product_review.reviewers(),
            provinces=PROVINCES, **roles_of_me(Role.REVIEWER),
        )


def register(admin):
    admin.add_view(UpdateReviewView(name=_l("信息更新审核"), endpoint="review_updates", category=_l("审核管理")))
