"""Portal: 我的首页 and 消息中心."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_security import current_user

from infra import notifications
from infra.validators import paging
from models import Message, unit_of
from public_site.auth import safe_next
from public_site.portal.base import bp

PER_PAGE = 20


@bp.get("/")
def home():
    unit = unit_of(current_user)
    latest = current_user.messages.order_by(Message.id.desc()).limit(5)
    return render_template("portal/home.html", unit=unit, latest=latest)


@bp.get("/messages")
def messages():
    query = current_user.messages.order_by(Message.id.desc())
    total = query.count()
    page = paging(request.args.get("page"), total, PER_PAGE)
    if page.message:
        flash(page.message, "info")
    rows = list(query.paginate(page.number, PER_PAGE))
    return render_template("portal/messages.html", rows=rows, page=page.number, total=total, per_page=PER_PAGE)


@bp.post("/messages/<int:message_id>/read")
def read_message(message_id):
    if not notifications.mark_read(current_user, message_id):
        abort(404)
    return redirect(safe_next("portal.messages"))


@bp.post("/messages/read-all")
def read_all_messages():
    notifications.mark_read(current_user)
    return redirect(url_for("portal.messages"))
