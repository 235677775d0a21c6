"""The company portal (/portal): 我的首页 and 消息中心; later features add their pages."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_security import current_user

from models import Message, unit_of, utcnow

bp = Blueprint("portal", __name__)

# The left menu, as in the manual. A feature adds its entry when it lands:
# (endpoint, label). Entries whose endpoint is not registered are not shown.
MENU = [
    ("portal.home", _l("我的首页")),
    ("portal.verification", _l("单位实名认证")),
    ("portal.assets", _l("资产信息")),
    ("portal.patents_list", _l("专利信息管理")),
    ("portal.products", _l("产品备案管理")),
    ("portal.updates", _l("产品备案信息更新")),
    ("portal.messages", _l("消息中心")),
]


def current_unit():
    """The signed-in account's Unit (every portal page has one; 404 otherwise)."""
    unit = unit_of(current_user)
    if unit is None:
        abort(404)
    return unit


@bp.before_request
def require_unit():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path))
    if current_user.is_staff or not current_user.has_any_role("unit"):
        abort(403, description=_l("工作人员账号不能进入单位端，请从管理后台登录。"))
    return None


@bp.app_context_processor
def portal_menu():
    from flask import current_app

    rules = {r.endpoint for r in current_app.url_map.iter_rules()}
    return {"portal_menu": [(e, label) for e, label in MENU if e in rules]}


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
    rows = list(query.paginate(page, 20))
    return render_template("portal/messages.html", rows=rows, page=page, total=total, per_page=20)


@bp.post("/messages/<int:message_id>/read")
def read_message(message_id):
    row = Message.get_or_none(Message.id == message_id, Message.user == current_user.id)
    if row is None:
        abort(404)
    if row.read_at is None:
        Message.update(read_at=utcnow()).where(Message.id == row.id).execute()
    return redirect(request.form.get("next") or url_for("portal.messages"))


@bp.post("/messages/read-all")
def read_all_messages():
    Message.update(read_at=utcnow()).where(
        Message.user == current_user.id, Message.read_at.is_null()
    ).execute()
    return redirect(url_for("portal.messages"))
