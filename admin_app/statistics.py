"""统计分析 (staff): the 工作台's figures with filters — year, province, industry 门类, product
category 大类, unit type and size — as tables and charts, and as an XLSX file."""

from io import BytesIO

from flask import request, send_file
from flask_admin import BaseView, expose
from flask_babel import lazy_gettext as _l

from admin_app.base import RoleGate
from admin_app.dashboard import draw
from domain import statistics
from infra.regions import PROVINCES
from models import Industry, Option, ProductCategory, today_shanghai

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class StatisticsView(RoleGate, BaseView):
    @expose("/")
    def index(self):
        filters, errors = statistics.Filters.parse(request.args)
        figures = statistics.figures(filters)
        this_year = today_shanghai().year
        return self.render(
            "admin/statistics.html", figures=figures, charts=draw(figures), filters=filters,
            errors=dict(errors), args=request.args, years=range(this_year, this_year - 6, -1),
            provinces=PROVINCES, sections=Industry.select().where(Industry.level == 1).order_by(Industry.code),
            categories=ProductCategory.select().where(ProductCategory.level == 1).order_by(ProductCategory.code),
            unit_types=Option.choices("unit_type"), sizes=Option.choices("enterprise_size"))

    @expose("/export")
    def export(self):
        filters, _errors = statistics.Filters.parse(request.args)
        data = statistics.export_xlsx(statistics.figures(filters), filters)
        return send_file(BytesIO(data), mimetype=XLSX, as_attachment=True,
                         download_name=f"统计分析-{today_shanghai().isoformat()}.xlsx")


def register(admin):
    admin.add_view(StatisticsView(name=_l("统计分析"), endpoint="statistics"))
