"""基础数据 in the back office: reason templates, options, the holiday calendar, the business
registry and the patent registry (with their imports), the licence-fee-rate reference file."""

import secrets
import tempfile
from pathlib import Path

from flask import abort, current_app, flash, jsonify, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.form import Select2Field
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user
from wtforms import validators as wtv

import jobs
from admin_app.base import ReadOnlyView, RoleGate, StaffModelView
from domain import patents, reference_data
from domain.filing import reference as rate_reference
from domain.units import import_registry
from infra import storage, validators
from models import CalendarYear, Holiday, Option, Patent, ReasonTemplate, RegistryEntry, utcnow
from workflows import Role


class ReasonTemplateView(StaffModelView):
    """驳回理由模板: kept by administrators (reference data); reviewers pick them on the
    decision forms, which read the table themselves."""

    column_list = ("scope", "title", "text", "sort", "active")
    column_labels = {"scope": _l("适用事项"), "code": _l("编码"), "title": _l("标题"), "text": _l("理由内容"),
                     "sort": _l("排序"), "active": _l("启用")}
    column_filters = ("scope", "active")
    scopes = [("unit_verification", _l("单位实名认证")), ("unit_change", _l("单位信息变更")),
              ("product_filing", _l("产品备案")), ("yearly_update", _l("产品备案信息更新")),
              ("revocation", _l("撤销备案")), ("objection", _l("公众异议"))]
    # a select of the manual's words (Flask-Admin's peewee forms ignore form_choices)
    form_overrides = {"scope": Select2Field}
    form_args = {"scope": {"choices": scopes}}
    column_formatters = {"scope": lambda v, c, m, p: str(dict(v.scopes).get(m.scope, m.scope))}


class OptionView(StaffModelView):
    column_list = ("kind", "code", "name", "sort", "active")
    column_labels = {"kind": _l("类别"), "code": _l("编码"), "name": _l("名称"), "sort": _l("排序"),
                     "active": _l("启用")}
    column_filters = ("kind", "active")
    kinds = [("unit_type", _l("备案单位类型")), ("enterprise_type", _l("企业类型")),
             ("enterprise_size", _l("企业规模")), ("filing_purpose", _l("备案目的"))]
    form_overrides = {"kind": Select2Field}
    form_args = {"kind": {"choices": kinds}}
    column_formatters = {"kind": lambda v, c, m, p: str(dict(v.kinds).get(m.kind, m.kind))}

    def on_model_delete(self, model):
        found = reference_data.option_uses(model)
        if found:  # Flask-Admin shows the message and deletes nothing
            raise wtv.ValidationError(reference_data.in_use_message(model.code, found))


class HolidayView(StaffModelView):
    """Official holidays and make-up working days (the library stops at 2026)."""

    column_list = ("day", "is_workday", "name")
    column_labels = {"day": _l("日期"), "is_workday": _l("调休上班"), "name": _l("节日")}
    column_default_sort = ("day", True)
    form_columns = ("day", "is_workday", "name")
    column_filters = ("day", "is_workday")


class CalendarYearView(StaffModelView):
    column_list = ("year", "source", "created_at")
    column_labels = {"year": _l("年份"), "source": _l("来源"), "created_at": _l("录入时间")}
    form_columns = ("year", "source")


class RegistryEntryView(StaffModelView):
    """工商登记信息 behind 获取工商信息: kept by administrators (reference data)."""

    column_list = ("credit_code", "name", "legal_rep", "registered_address", "updated_at")
    column_labels = {"credit_code": _l("统一社会信用代码"), "name": _l("单位名称"),
                     "registered_address": _l("注册地址"), "legal_rep": _l("法定代表人"),
                     "legal_rep_phone": _l("法定代表人电话"), "updated_at": _l("更新时间")}
    column_searchable_list = ("credit_code", "name")
    form_columns = ("credit_code", "name", "registered_address", "legal_rep", "legal_rep_phone")

    def on_model_change(self, form, model, is_created):
        try:
            model.credit_code = validators.uscc(model.credit_code)
        except validators.ValidationError as exc:
            raise wtv.ValidationError(str(exc.message)) from exc
        model.updated_at = utcnow()


class RegistryImportView(RoleGate, BaseView):
    """导入工商登记信息: a CSV upload, imported at once (the file is small). Administrators only."""

    roles = (Role.ADMIN,)

    @expose("/", methods=["GET", "POST"])
    def index(self):
        result = None
        if request.method == "POST":
            upload = request.files.get("file")
            if not upload or not upload.filename.lower().endswith(".csv"):
                flash(_("请选择CSV格式的文件"), "danger")
            else:
                with tempfile.NamedTemporaryFile(suffix=".csv") as tmp:
                    upload.save(tmp.name)
                    result = import_registry(tmp.name)
        return self.render("admin/registry_import.html", result=result)


class PatentView(ReadOnlyView):
    """The patent registry (read-only; fed by the importer)."""

    roles = (Role.ADMIN, Role.REVIEWER)
    column_list = ("display_number", "name", "kind", "patentees", "application_date", "legal_status", "expiry_date")
    column_labels = {"display_number": _l("专利号"), "name": _l("专利名称"), "kind": _l("专利类型"),
                     "patentees": _l("专利权人"), "application_date": _l("申请日"), "grant_date": _l("授权公告日"),
                     "legal_status": _l("法律状态"), "expiry_date": _l("届满日"), "number": _l("申请号"),
                     "updated_at": _l("更新时间")}
    column_searchable_list = ("number", "name")
    column_filters = ("kind", "legal_status", "application_date")
    column_formatters = {
        "patentees": lambda v, c, m, p: "；".join(m.patentees or []),
        "kind": lambda v, c, m, p: str(patents.KIND_LABELS.get(m.kind, m.kind)),
        "legal_status": lambda v, c, m, p: str(patents.STATUS_LABELS.get(m.legal_status, m.legal_status)),
    }


class PatentImportView(RoleGate, BaseView):
    """导入专利数据: upload a registry file; it is imported by a background job."""

    roles = (Role.ADMIN,)

    @expose("/", methods=["GET", "POST"])
    def index(self):
        error = ""
        job_id = request.args.get("job", "")
        if request.method == "POST":
            upload = request.files.get("file")
            delta = request.form.get("mode") == "delta"
            if not upload or not upload.filename.lower().endswith((".csv", ".jsonl")):
                error = _("请选择CSV或JSONL格式的专利数据文件")
            else:
                folder = Path(current_app.instance_path) / "imports"
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / f"{secrets.token_hex(8)}{Path(upload.filename).suffix.lower()}"
                upload.save(path)
                job_id = jobs.enqueue("patents.import", str(path), delta, started_by=current_user.id)
                return redirect(url_for(".index", job=job_id))
        return self.render("admin/patent_import.html", error=error, job_id=job_id)

    @expose("/jobs/<job_id>")
    def job(self, job_id):
        """An import's progress. Imports feed the registry every administrator keeps, so any
        administrator may follow any import; other jobs (a unit's 自动导入专利) are not here."""
        state = jobs.status(job_id, name="patents.import")
        if state is None:
            abort(404)
        return jsonify(state)


class RateReferenceView(RoleGate, BaseView):
    """方法三 (许可费率): the licence-fee-rate reference file units download from the
    产品信息 step. One current file (PDF); a new upload replaces it."""

    roles = (Role.ADMIN,)

    @expose("/", methods=["GET", "POST"])
    def index(self):
        error = None
        if request.method == "POST":
            upload = request.files.get("file")
            if not upload or not upload.filename:
                error = _("请选择要上传的文件")
            else:
                try:
                    rate_reference.replace(upload, current_user)
                except storage.UploadError as exc:
                    error = str(exc.message)
                else:
                    flash(_("许可费率参考文件已更新，单位在产品信息填报页可下载。"), "success")
                    return redirect(url_for(".index"))
        current = rate_reference.current()
        return self.render("admin/rate_reference.html", current=current, error=error)


def register(admin):
    reference = _l("基础数据")
    admin.add_view(ReasonTemplateView(ReasonTemplate, name=_l("驳回理由模板"), endpoint="reasons", category=reference))
    admin.add_view(OptionView(Option, name=_l("选项列表"), endpoint="options", category=reference))
    admin.add_view(HolidayView(Holiday, name=_l("法定节假日"), endpoint="holidays", category=reference))
    admin.add_view(CalendarYearView(CalendarYear, name=_l("已录入节假日年份"), endpoint="calendar", category=reference))
    admin.add_view(RegistryEntryView(RegistryEntry, name=_l("工商登记信息"), endpoint="registry", category=reference))
    admin.add_view(RegistryImportView(name=_l("导入工商登记信息"), endpoint="registry_import", category=reference))
    admin.add_view(PatentView(Patent, name=_l("专利库"), endpoint="patents", category=reference))
    admin.add_view(PatentImportView(name=_l("导入专利数据"), endpoint="patent_import", category=reference))
    admin.add_view(RateReferenceView(name=_l("许可费率参考文件"), endpoint="rate_reference", category=reference))
