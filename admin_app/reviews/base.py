"""The base of every review page: reviewers only; a decision goes through workflows.apply(),
which checks the role again."""

from flask import flash, redirect, request, url_for
from flask_admin import BaseView
from flask_babel import gettext as _
from flask_security import current_user

import workflows
from admin_app.base import RoleGate
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
