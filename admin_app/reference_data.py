"""基础数据 catalogues in the back office: 国民经济行业分类, 统计用产品分类目录 (with how complete
the loaded catalogue is), 国家和地区 — list, search, edit names, 停用/启用 (a code in use is
never deleted) — and 导入基础数据: a catalogue CSV imported by a background job with progress,
bad rows reported by line and nothing loaded then (domain/reference_data.py). Administrators."""

import secrets
from pathlib import Path

from flask import abort, current_app, flash, jsonify, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user
from wtforms import validators as wtv

import jobs
from admin_app.base import RoleGate, StaffModelView
from domain import reference_data
from models import Country, Industry, ProductCategory
from workflows import Role


class ActiveActions:
    """停用 / 启用 of the selected rows, and a delete refused while the code is in use."""

    def uses(self, model):
        return reference_data.uses(self.model, model.code)

    @action("deactivate", _l("停用"), _l("确定停用选中的记录？停用后单位不能再选择，已使用的记录不受影响。"))
    def action_deactivate(self, ids):
        n = reference_data.set_active(self.model, ids, False)
        flash(_("已停用%(n)s条记录。", n=n), "success")

    @action("activate", _l("启用"))
    def action_activate(self, ids):
        n = reference_data.set_active(self.model, ids, True)
        flash(_("已启用%(n)s条记录。", n=n), "success")

    def on_model_delete(self, model):
        found = self.uses(model)
        if found:
            # Flask-Admin shows the message and deletes nothing.
            raise wtv.ValidationError(reference_data.in_use_message(getattr(model, "code", model.id), found))


class CatalogueView(ActiveActions, StaffModelView):
    can_create = False  # new codes come by 导入基础数据 (checked as a whole)
    form_columns = ("name", "active")
    column_default_sort = "code"
    page_size = 100


class IndustryView(CatalogueView):
    column_labels = {"code": _l("行业代码"), "name": _l("行业名称"), "level": _l("层级"),
                     "parent_code": _l("上级代码"), "active": _l("启用")}
    column_list = ("code", "name", "level", "parent_code", "active")
    column_searchable_list = ("code", "name")
    column_filters = ("level", "active")


class ProductCategoryView(CatalogueView):
    """统计用产品分类目录, with how complete the loaded catalogue is above the list."""

    column_list = ("code", "name", "level", "parent_code", "initials", "active")
    column_labels = {"code": _l("分类代码"), "name": _l("分类名称"), "level": _l("层级"),
                     "parent_code": _l("上级代码"), "initials": _l("拼音首字母"), "active": _l("启用")}
    column_searchable_list = ("code", "name", "initials")
    column_filters = ("level", "active")
    list_template = "admin/category_list.html"

    def on_model_change(self, form, model, is_created):
        model.initials = reference_data._category_initials(model.name)

    def render(self, template, **kwargs):
        if template == self.list_template:
            kwargs["completeness"] = reference_data.category_completeness()
            kwargs["missing_divisions"] = reference_data.missing_divisions()
        return super().render(template, **kwargs)


class CountryView(CatalogueView):
    column_list = ("code", "name_zh", "name_en", "active")
    column_labels = {"code": _l("代码"), "name_zh": _l("中文名称"), "name_en": _l("英文名称"), "active": _l("启用")}
    column_searchable_list = ("code", "name_zh", "name_en")
    column_filters = ("active",)
    form_columns = ("name_zh", "name_en", "active")


class ReferenceImportView(RoleGate, BaseView):
    """导入基础数据: upload a catalogue CSV; a background job checks every row and loads the
    file only when all are right (re-importing the same file changes nothing)."""

    roles = (Role.ADMIN,)

    @expose("/", methods=["GET", "POST"])
    def index(self):
        errors = {}
        job_id = request.args.get("job", "")
        kind = request.values.get("kind", "categories")
        if request.method == "POST":
            upload = request.files.get("file")
            if kind not in reference_data.KINDS:
                errors["kind"] = _("请选择要导入的基础数据")
            if not upload or not upload.filename:
                errors["file"] = _("请选择要导入的CSV文件")
            elif not upload.filename.lower().endswith(".csv"):
                errors["file"] = _("请选择CSV格式的文件")
            if not errors:
                folder = Path(current_app.instance_path) / "imports"
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / f"{secrets.token_hex(8)}.csv"
                upload.save(path)
                job_id = jobs.enqueue("reference.import", str(path), kind, started_by=current_user.id)
                return redirect(url_for(".index", job=job_id, kind=kind))
        return self.render("admin/reference_import.html", errors=errors, job_id=job_id, kind=kind,
                           kinds=reference_data.KINDS), (400 if errors else 200)

    @expose("/jobs/<job_id>")
    def job(self, job_id):
        """An import's progress (any administrator may follow any catalogue import)."""
        state = jobs.status(job_id, name="reference.import")
        if state is None:
            abort(404)
        return jsonify(state)


def register(admin):
    reference = _l("基础数据")
    admin.add_view(IndustryView(Industry, name=_l("国民经济行业分类"), endpoint="industries", category=reference))
    admin.add_view(ProductCategoryView(ProductCategory, name=_l("统计用产品分类目录"), endpoint="categories",
                                       category=reference))
    admin.add_view(CountryView(Country, name=_l("国家和地区"), endpoint="countries", category=reference))
    admin.add_view(ReferenceImportView(name=_l("导入基础数据"), endpoint="reference_import", category=reference))
