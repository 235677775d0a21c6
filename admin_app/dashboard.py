"""工作台: the back office's first page, one block per role the signed-in user has (README:
dashboards per role), each count a link to the list it counts, and the charts of 统计分析."""

from flask_admin import AdminIndexView, expose
from flask_security import current_user

from admin_app.base import RoleGate
from admin_app.records import OBJECT_TYPES
from domain import dashboards
from domain.statistics import calendar_missing, figures
from domain.updates import reminders as update_reminders
from infra import charts
from workflows import Role


def draw(figures_):
    """{key: (title, svg)} of statistics figures (svg None: no figure to draw)."""
    draw_ = {"columns": charts.columns, "bars": charts.bars}
    return {key: (title, draw_[kind](title, rows, key=key) if any(n for _label, n in rows) else None)
            for key, (title, kind, rows) in figures_.items()}


class StaffIndexView(RoleGate, AdminIndexView):
    def _view(self, endpoint):
        return next((v for v in self.admin._views if v.endpoint == endpoint), None)

    @expose("/")
    def index(self):
        roles = current_user.role_names
        blocks = {}
        if Role.REVIEWER in roles:
            claimed = dashboards.claimed_products(current_user)
            decided = dashboards.decisions_today(current_user)
            blocks["reviewer"] = {"queues": dashboards.review_queues(), "target": dashboards.target_days(),
                                  "claimed": claimed, "decided": decided,
                                  "updates": update_reminders.counts()}
        if Role.OFFICER in roles:
            blocks["officer"] = dashboards.officer()
        if Role.HANDLER in roles:
            blocks["handler"] = {"objections": dashboards.open_objections()}
        if Role.ADMIN in roles:
            figures_ = dashboards.administrator()
            blocks["admin"] = {**figures_, "staff": self._view("staff").get_count_query().count(),
                               "delivery": self._view("outbox").delivery_summary(),
                               "storage": dashboards.human_size(figures_["storage_bytes"])}
        # Administrators keep the holiday calendar: they are told when a needed year is missing.
        missing = calendar_missing() if Role.ADMIN in roles else []
        return self.render("admin/zlcp_index.html", blocks=blocks, calendar_missing=missing, charts=draw(figures()),
                           object_types=OBJECT_TYPES)
