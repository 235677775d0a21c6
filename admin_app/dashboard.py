"""工作台: the back office's first page."""

from flask_admin import AdminIndexView, expose
from flask_security import current_user

from admin_app.base import RoleGate
from domain.recognition import notices as recognition_notices
from domain.statistics import calendar_missing, dashboard_counts
from domain.updates import reminders as update_reminders
from workflows import Role


class StaffIndexView(RoleGate, AdminIndexView):
    @expose("/")
    def index(self):
        # Administrators keep the holiday calendar: they are told when a needed year is missing.
        missing = calendar_missing() if current_user.has_role(Role.ADMIN) else []
        return self.render("admin/zlcp_index.html", counts=dashboard_counts(), calendar_missing=missing,
                           update_counts=update_reminders.counts(),
                           recognition=recognition_notices.dashboard()
                           if current_user.has_any_role(Role.OFFICER, Role.ADMIN) else None)
