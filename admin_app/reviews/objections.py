"""异议处理 in the back office (manual §九, SPEC §8): the queue of public objections (per state,
filtered, oldest first, 处理期限 with overdue ones marked, claim / release / assign), and the
objection page: the objection and its attachments, the objector (contact details masked until
查看联系方式, each view audited), the product as filed and its recognition, the unit's other
objections, 请单位说明 and the unit's reply beside the objection, the decision 异议成立 /
异议不成立 (workflows.apply: 异议成立 revokes the recognition at once) and the history."""

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user

import workflows
from admin_app.reviews.base import PAGE_SIZE, ReviewView, queue_filters, queue_page, queue_status, roles_of_me
from domain.filing import review as product_review
from domain.filing.snapshots import product_snapshot
from domain.objections import handling
from infra.regions import PROVINCES
from models import Objection, today_shanghai
from workflows import ObjectionStatus, Role

# The filed fields shown beside an objection (the whole filing is on the product's pages).
PRODUCT_FIELDS = ("name", "model", "gtin", "category", "industry", "trademark", "intro")
DECISIONS = ("uphold", "dismiss")


def _objection(objection_id):
    objection = Objection.get_or_none(Objection.id == objection_id)
    if objection is None:
        abort(404)
    return objection


class ObjectionReviewView(ReviewView):
    """异议处理: handlers and administrators (workflows.apply checks each decision's role again)."""

    roles = (Role.HANDLER, Role.ADMIN)

    @expose("/")
    def index(self):
        status = queue_status(handling.QUEUE_STATES, ObjectionStatus.ACCEPTED)
        filters = queue_filters(handling.FILTERS, request.args)
        query = handling.queue_query(status, filters)
        total = query.count()
        page = queue_page(total)
        rows = list(query.paginate(page.number, PAGE_SIZE))
        today = today_shanghai()
        return self.render(
            "admin/review_objections.html", rows=rows, total=total, page=page.number - 1, pages=page.pages,
            status=status, states=handling.QUEUE_STATES, counts=handling.state_counts(), filters=filters,
            claims=handling.claims_of(r.id for r in rows), reviewers=handling.handlers(), provinces=PROVINCES,
            deadline_of=handling.deadline_of, overdue={r.id for r in rows if handling.is_overdue(r, today)},
            reply_state=handling.reply_state, open_states=handling.OPEN,
            page_url=lambda p: url_for(".index", status=status, page=p, **filters), **roles_of_me(Role.HANDLER),
        )

    @expose("/<int:objection_id>/claim", methods=["POST"])
    def claim(self, objection_id):
        """认领 / 释放 / 分配 (op = claim / release / assign)."""
        objection = _objection(objection_id)
        return self.claim_op(objection, objection.tracking_number, handling, {"objection_id": objection.id})

    @expose("/<int:objection_id>/start", methods=["POST"])
    def start(self, objection_id):
        """开始处理: 已受理 → 处理中."""
        objection = _objection(objection_id)
        try:
            handling.start_processing(objection, current_user, seen=request.form.get("seen_status") or None)
        except workflows.WorkflowError as exc:
            flash(exc.message, "danger")
        else:
            flash(_("已开始处理：%(number)s", number=objection.tracking_number), "success")
        return redirect(url_for(".detail", objection_id=objection.id))

    @expose("/<int:objection_id>/request-reply", methods=["POST"])
    def request_reply(self, objection_id):
        """请单位说明 (message); the unit is told by SMS and 站内消息."""
        objection = _objection(objection_id)
        message = request.form.get("message", "")
        try:
            handling.request_reply(objection, current_user, message)
        except workflows.WorkflowError as exc:
            return self._detail(objection, request_error=exc.message, request_message=message)
        flash(_("已请单位说明：%(number)s", number=objection.tracking_number), "success")
        return redirect(url_for(".detail", objection_id=objection.id))

    @expose("/<int:objection_id>/contacts", methods=["POST"])
    def contacts(self, objection_id):
        """查看联系方式: the page with the objector's phone and e-mail, the view audited."""
        objection = _objection(objection_id)
        try:
            handling.contacts_viewed(objection, current_user)
        except workflows.WorkflowError as exc:
            flash(exc.message, "danger")
            return redirect(url_for(".detail", objection_id=objection.id))
        return self._detail(objection, show_contacts=True)

    @expose("/<int:objection_id>", methods=["GET", "POST"])
    def detail(self, objection_id):
        objection = _objection(objection_id)
        if request.method == "POST":
            if request.form.get("event") not in DECISIONS:
                abort(400)
            response = self.decide(objection, {"objection_id": objection_id})
            handling.release_decided([objection.id])
            return response
        return self._detail(objection)

    def _detail(self, objection, show_contacts=False, request_error=None, request_message=""):
        recognition = objection.recognition
        product = recognition.product
        snapshot = product_snapshot(product)
        return self.render(
            "admin/review_objection.html", objection=objection, recognition=recognition, product=product,
            unit=product.unit, fields=[(name, product_review.FIELD_LABELS[name],
                                        product_review.display_value(name, snapshot["fields"].get(name)))
                                       for name in PRODUCT_FIELDS],
            patents=snapshot["patents"], received=handling.received_day(objection),
            deadline=handling.deadline_of(objection), overdue=handling.is_overdue(objection),
            objector_files=handling.files_of(objection, handling.OBJECTOR_FILE),
            unit_files=handling.files_of(objection, handling.UNIT_FILE),
            reply_state=handling.reply_state(objection), others=handling.others_of_unit(objection),
            show_contacts=show_contacts, phone=handling.mask_phone(objection.phone),
            email=handling.mask_email(objection.email),
            history=list(workflows.history(objection)), event_labels=handling.EVENT_LABELS,
            actions=[t for t in workflows.available_actions(objection, current_user) if t.event in DECISIONS],
            can_start=any(t.event == "start_processing"
                          for t in workflows.available_actions(objection, current_user)),
            templates=handling.decision_templates(), claim=handling.claim_of(objection),
            reviewers=handling.handlers(), request_error=request_error, request_message=request_message,
            request_max=handling.REQUEST_MAX, open_states=handling.OPEN, provinces=PROVINCES,
            **roles_of_me(Role.HANDLER),
        )


def register(admin):
    admin.add_view(ObjectionReviewView(name=_l("异议处理"), endpoint="review_objections", category=_l("审核管理")))
