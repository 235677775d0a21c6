"""The base of every review page: reviewers only; a decision goes through workflows.apply(),
which checks the role again."""

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView
from flask_babel import gettext as _
from flask_security import current_user

import workflows
from admin_app.base import RoleGate
from infra.validators import paging
from models import User
from workflows import Role

PAGE_SIZE = 50  # rows of a review queue's page


def queue_status(states, default):
    """The queue tab the request asks for (?status=), one of `states`; 404 for any other."""
    status = request.values.get("status", default)
    if status not in states:
        abort(404)
    return status


def queue_filters(names, source):
    """The filters of `names` the request fills in (blank ones left out)."""
    return {name: source.get(name, "").strip() for name in names if source.get(name, "").strip()}


def queue_page(total):
    """The queue page of the query string (pages count from 0 in these URLs), with a message
    when it is not the one asked for."""
    page = paging(request.args.get("page"), total, PAGE_SIZE, first=0)
    if page.message:
        flash(page.message, "info")
    return page


def roles_of_me(queue_role):
    """What a queue's templates ask of the signed-in account: administrator, and whether it
    works this queue (`is_reviewer`: offered 认领)."""
    roles = current_user.role_names
    return {"is_admin": Role.ADMIN in roles, "is_reviewer": queue_role in roles}


class ReviewView(RoleGate, BaseView):
    roles = (Role.REVIEWER,)

    def decide(self, obj, endpoint_kwargs):
        """POST of a decision: apply it, then back to the queue (or the item on error). A form
        that sends seen_status (the status its page showed) is refused if it has changed."""
        event = request.form.get("event", "")
        reason = request.form.get("reason", "")
        flags = request.form.getlist("flags")
        try:
            workflows.apply(obj, event, current_user, reason=reason, flags=",".join(flags),
                            seen=request.form.get("seen_status") or None)
        except workflows.WorkflowError as exc:
            flash(exc.message, "danger")
            return redirect(url_for(".detail", **endpoint_kwargs))
        flash(_("已处理：%(status)s", status=workflows.status_label(type(obj).get_by_id(obj.id))), "success")
        return redirect(url_for(".index"))

    def claim_op(self, item, name, service, endpoint_kwargs):
        """认领 / 释放 / 分配 of a queue item (form op = claim / release / assign) through `service`
        (the review module with claim, release and assign), then back to the page it came from
        (a back-office path only), else to the item."""
        op = request.form.get("op", "")
        try:
            if op == "claim":
                service.claim(item, current_user)
                flash(_("已认领：%(name)s", name=name), "success")
            elif op == "release":
                service.release(item, current_user)
                flash(_("已释放：%(name)s", name=name), "success")
            elif op == "assign":
                reviewer = User.get_or_none(User.id == request.form.get("reviewer", type=int))
                service.assign(item, reviewer, current_user)
                flash(_("已分配给%(who)s：%(name)s", who=reviewer.display_name, name=name), "success")
            else:
                abort(400)
        except workflows.WorkflowError as exc:
            flash(exc.message, "danger")
        back = request.form.get("next", "")
        if not back.startswith("/admin/") or back.startswith("//"):
            back = url_for(".detail", **endpoint_kwargs)
        return redirect(back)
