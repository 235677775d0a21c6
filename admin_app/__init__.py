"""The back office (Flask-Admin, Bootstrap 4 theme). Built per app in init_app()."""

from flask import abort, redirect, request, url_for
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l
from flask_security import current_user

from workflows import STAFF_ROLES


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


class StaffIndexView(RoleGate, AdminIndexView):
    @expose("/")
    def index(self):
        from admin_app.dashboard import dashboard_counts

        return self.render("admin/zlcp_index.html", counts=dashboard_counts())


def init_app(app):
    admin = Admin(
        app,
        name=app.config["SITE_NAME"] + " 管理后台",
        index_view=StaffIndexView(name=_l("工作台"), url="/admin"),
        theme=Bootstrap4Theme(base_template="admin/zlcp_master.html"),
    )
    from admin_app import product_reviews, reviews, views

    reviews.register(admin)
    product_reviews.register(admin)
    views.register(admin)
    return admin
