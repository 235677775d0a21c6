"""Portal: 我的首页 and 消息中心."""

from flask import abort, redirect, render_template, request, url_for
from flask_security import current_user

from infra import notifications
from models import Message, unit_of
from public_site.portal.base import bp

PER_PAGE = 20


@bp.get("/")
def home():
    unit = unit_of(current_user)
    latest = current_user.messages.order_by(Message.id.desc()).limit(5)
    return render_template("portal/home.html", unit=unit, latest=latest)


@bp.get("/messages")
def messages():
    page = max(request.args.get("page", 1, type=int), 1)
    query = current_user.messages.order_by(Message.id.desc())
    total = query.count()
    rows = list(query.paginate(page, PER_PAGE))
    return render_template("portal/messages.html", rows=rows, page=page, total=total, per_page=PER_PAGE)


@bp.post("/messages/<int:message_id>/read")
def read_message(message_id):
    if not notifications.mark_read(current_user, message_id):
        abort(404)
    return redirect(request.form.get("next") or url_for("portal.messages"))


@bp.post("/messages/read-all")
def read_all_messages():
    notifications.mark_read(current_user)
    return redirect(url_for("portal.messages"))
