"""工作台: the back office's first page."""

from flask_admin import AdminIndexView, expose
from flask_security import current_user

from admin_app.base import RoleGate
from domain.statistics import calendar_missing, dashboard_counts
from workflows import Role


class StaffIndexView(RoleGate, AdminIndexView):
    @expose("/")
    def index(self):
        # Administrators keep the holiday calendar: they are told when a needed year is missing.
        missing = calendar_missing() if current_user.has_role(Role.ADMIN) else []
        return self.render("admin/zlcp_index.html", counts=dashboard_counts(), calendar_missing=missing)
