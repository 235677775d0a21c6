"""工作台: the back office's first page."""

from flask_admin import AdminIndexView, expose

from admin_app.base import RoleGate
from domain.statistics import dashboard_counts


class StaffIndexView(RoleGate, AdminIndexView):
    @expose("/")
    def index(self):
        return self.render("admin/zlcp_index.html", counts=dashboard_counts())
