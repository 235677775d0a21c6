"""The company portal (/portal): its blueprint, its left menu, and its gates.

Gates, each with one answer:
- signed in as a unit: every portal request (the blueprint's before_request); a visitor
  goes to the login page, a staff account gets 403 with the way to the back office;
- `@verified`: the unit's 实名认证 is approved; otherwise the locked page (403) with the
  unit's status and the way to 实名认证;
- `owned(model, id)`: the object belongs to this unit; another unit's object does not
  exist for it (404).
"""

from functools import wraps

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_security import current_user

from models import unit_of, unit_of_obj
from workflows import Role, UnitStatus

bp = Blueprint("portal", __name__)

# The left menu, as in the manual: (endpoint, label) or (label, [entries]) for a group.
# An entry whose endpoint is not registered yet (a later feature) is not shown.
MENU = (
    ("portal.home", _l("我的首页")),
    (_l("用户中心"), (
        ("portal.verification", _l("实名认证")),
        ("portal.assets", _l("资产信息")),
        ("portal.change", _l("变更单位信息")),
    )),
    ("portal.patents_list", _l("专利信息管理")),
    ("portal.products", _l("产品备案管理")),
    ("portal.updates", _l("产品备案信息更新")),
    ("portal.recognitions", _l("专利密集型产品认定管理")),
    ("portal.messages", _l("消息中心")),
)


def current_unit():
    """The signed-in account's Unit (every unit account has one; 404 otherwise)."""
    unit = unit_of(current_user)
    if unit is None:
        abort(404)
    return unit


@bp.before_request
def require_unit():
    """Gate: signed in with a unit account."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path))
    if current_user.is_staff or not current_user.has_any_role(Role.UNIT):
        abort(403, description=_l("工作人员账号不能进入单位端，请从管理后台登录。"))
    return None


def _menu_entries():
    for entry, value in MENU:
        yield from (value if isinstance(value, tuple) else ((entry, value),))


def page_name(endpoint):
    """The menu's name of the page an endpoint belongs to: its own entry, else the entry
    whose view lives in the same module (手动新增专利 → 专利信息管理)."""
    views = current_app.view_functions
    labels = dict(_menu_entries())
    if endpoint in labels:
        return labels[endpoint]
    module = getattr(views.get(endpoint), "__module__", None)
    return next((label for e, label in labels.items() if e in views and views[e].__module__ == module),
                _l("管理中心"))


def verified(view):
    """Gate: the unit's 实名认证 is approved (SPEC §3: nothing else before it)."""

    @wraps(view)
    def gated(*args, **kwargs):
        unit = current_unit()
        if unit.status != UnitStatus.APPROVED:
            return render_template("portal/locked.html", title=page_name(request.endpoint), unit=unit), 403
        return view(*args, **kwargs)

    return gated


def owned(model, object_id):
    """Gate: the object of this id belongs to the signed-in unit; 404 for anyone else's
    (another unit's object does not exist for this one)."""
    obj = model.get_or_none(model.id == object_id)
    if obj is None or unit_of_obj(obj).user_id != current_user.id:
        abort(404)
    return obj


@bp.app_context_processor
def portal_menu():
    """[(endpoint, label, None) or (None, group label, [(endpoint, label), …])]."""
    rules = {r.endpoint for r in current_app.url_map.iter_rules()}
    menu = []
    for entry, value in MENU:
        if isinstance(value, tuple):
            children = [(e, label) for e, label in value if e in rules]
            if children:
                menu.append((None, entry, children))
        elif entry in rules:
            menu.append((entry, value, None))
    return {"portal_menu": menu}
