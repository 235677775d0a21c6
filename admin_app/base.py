"""Who may use the back office: every view names its roles (RoleGate.roles) and Flask-Admin
asks is_accessible() on every request of the view (pages, forms, actions, exports)."""

from datetime import datetime

from flask import abort, redirect, request, url_for
from flask_admin.contrib.peewee import ModelView
from flask_admin.model import typefmt
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user

from models import shanghai_time
from workflows import STAFF_ROLES, Role


def staff_gate(roles):
    """None when the current user may enter; else the response (redirect or 403)."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.staff_login", next=request.full_path))
    if not current_user.has_any_role(*roles):
        if not current_user.is_staff:
            abort(403, description=_l("单位账号不能进入管理后台，请从单位登录入口登录。"))
        abort(403, description=_l("您的角色无权访问此页面"))
    return None


class RoleGate:
    """Mixin of every back-office view: the roles that may use it, checked by Flask-Admin
    on every request of the view (pages, forms, actions, exports)."""

    roles = STAFF_ROLES

    def is_accessible(self):
        return current_user.is_authenticated and current_user.has_any_role(*self.roles)

    def inaccessible_callback(self, name, **kwargs):
        return staff_gate(self.roles)


def _beijing(view, value, name):
    return shanghai_time(value, "%Y-%m-%d %H:%M:%S")


class StaffModelView(RoleGate, ModelView):
    """Base of every back-office model view: administrators unless a view says otherwise;
    Beijing time; Chinese defaults."""

    roles = (Role.ADMIN,)
    can_view_details = True
    page_size = 50
    column_type_formatters = {**typefmt.BASE_FORMATTERS, datetime: _beijing}
    column_type_formatters_detail = column_type_formatters

    def search_placeholder(self):
        return _("搜索")


class ReadOnlyView(StaffModelView):
    can_create = can_edit = can_delete = False
