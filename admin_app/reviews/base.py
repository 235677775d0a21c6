"""The base of every review page: reviewers only; a decision goes through workflows.apply(),
which checks the role again."""

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView
from flask_babel import gettext as _
from flask_security import current_user

import workflows
from admin_app.base import RoleGate
from models import User
from workflows import Role


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
