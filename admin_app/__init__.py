"""The back office (Flask-Admin, Bootstrap 4 theme), one module per area; built per app in
init_app() (a module-level Admin would break the second app of the tests)."""

from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from admin_app import recognition, reference, reference_data, statistics, system
from admin_app.dashboard import StaffIndexView
from admin_app.reviews import objections, products, units, updates
from infra import storage
from workflows import TEMPLATE_GLOBALS


def init_app(app):
    # The back office's templates show and compare statuses as the site's do (templates/_status.html).
    app.jinja_env.globals.update(TEMPLATE_GLOBALS)
    app.jinja_env.globals["pdf_preview"] = storage.pdf_preview  # PDFs as pictures (admin/_decision.html)
    admin = Admin(
        app,
        name=app.config["SITE_NAME"] + " 管理后台",
        index_view=StaffIndexView(name=_l("工作台"), url="/admin"),
        theme=Bootstrap4Theme(base_template="admin/zlcp_master.html"),
    )
    units.register(admin)
    products.register(admin)
    updates.register(admin)
    objections.register(admin)
    recognition.register(admin)
    system.register(admin)
    reference.register(admin)
    reference_data.register(admin)
    statistics.register(admin)
    return admin
