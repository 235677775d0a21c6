"""Back-office model views. StaffModelView owns permissions: every view names its roles,
and is_accessible() is checked by Flask-Admin on every request of the view (list,
forms, actions, exports), so a hidden menu entry is never the only protection.
"""

from datetime import datetime

from flask import abort, flash, redirect, url_for
from flask_admin import BaseView, expose
from flask_admin.actions import action
from flask_admin.contrib.peewee import ModelView
from flask_admin.model import typefmt
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user, hash_password
from wtforms import PasswordField, SelectMultipleField, validators as wtv

import notifications
import patents
import validators
from admin_app import RoleGate
from models import (
    AuditLog,
    CalendarYear,
    Holiday,
    Option,
    Outbox,
    Page,
    Patent,
    RegistryEntry,
    ReasonTemplate,
    Role as RoleModel,
    UpdateWindow,
    User,
    UserRoles,
    db,
    shanghai_time,
    utcnow,
)
from workflows import ROLE_LABELS, STAFF_ROLES, Role


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


# ---------------------------------------------------------------- system


class AuditLogView(ReadOnlyView):
    column_list = ("created_at", "actor_name", "object_type", "object_id", "event",
                   "from_status", "to_status", "reason", "ip")
    column_labels = {
        "created_at": _l("时间"), "actor_name": _l("操作人"), "object_type": _l("对象类型"),
        "object_id": _l("对象编号"), "event": _l("操作"), "from_status": _l("原状态"),
        "to_status": _l("新状态"), "reason": _l("理由"), "ip": _l("IP地址"), "data": _l("数据"),
    }
    column_filters = ("object_type", "object_id", "event", "actor_name", "to_status", "created_at")
    column_searchable_list = ("actor_name", "reason")
    column_default_sort = ("id", True)
    can_export = True
    export_types = ["csv"]


class OutboxView(ReadOnlyView):
    """Every notification; failures first-class so staff see what did not arrive."""

    column_list = ("created_at", "channel", "recipient", "template", "body", "status", "tries",
                   "next_try_at", "last_error")
    column_labels = {
        "created_at": _l("创建时间"), "channel": _l("渠道"), "recipient": _l("接收方"),
        "template": _l("模板"), "subject": _l("标题"), "body": _l("内容"), "status": _l("状态"),
        "tries": _l("发送次数"), "next_try_at": _l("下次重试"), "last_error": _l("最近错误"),
        "sent_at": _l("发送时间"),
    }
    column_filters = ("status", "channel", "template", "created_at")
    column_searchable_list = ("recipient",)
    column_default_sort = ("id", True)
    column_formatters = {
        "channel": lambda v, c, m, p: {"sms": "短信", "email": "邮件", "inbox": "站内消息"}.get(m.channel, m.channel),
        "status": lambda v, c, m, p: {"pending": "待发送", "sending": "发送中", "sent": "已发送",
                                       "failed": "发送失败"}.get(m.status, m.status),
    }

    @action("retry", _l("重新发送"), _l("确定重新发送选中的失败通知？"))
    def action_retry(self, ids):
        count = notifications.retry_failed([int(i) for i in ids])
        notifications.deliver_soon([int(i) for i in ids])
        flash(_("已重新发送%(n)s条通知。", n=count), "success")


def _roles_chosen(form, field):
    # gettext (not lazy): Flask-Admin renders only plain-str errors next to the field.
    if not field.data:
        raise wtv.StopValidation(_("请至少选择一个角色"))


def _role_choices():
    return [(r.value, str(ROLE_LABELS[r])) for r in STAFF_ROLES]


class StaffUserView(StaffModelView):
    """工作人员账号: created by an administrator; roles, activation, password."""

    column_list = ("username", "full_name", "email", "phone", "roles", "active", "last_login_at")
    column_labels = {"username": _l("用户名"), "full_name": _l("姓名"), "email": _l("邮箱"),
                     "phone": _l("手机号"), "roles": _l("角色"), "active": _l("启用"),
                     "last_login_at": _l("上次登录")}
    column_searchable_list = ("username", "full_name", "email")
    column_formatters = {
        "roles": lambda v, c, m, p: "、".join(
            str(ROLE_LABELS.get(n, n)) for n in sorted(m.role_names)),
    }
    form_columns = ("username", "full_name", "email", "phone", "active")
    form_args = {"username": {"label": _l("用户名")}, "full_name": {"label": _l("姓名")},
                 "email": {"label": _l("邮箱")}, "phone": {"label": _l("手机号")},
                 "active": {"label": _l("启用")}}
    can_delete = False  # deactivate instead: the audit trail keeps pointing at the account

    def get_query(self):
        staff = UserRoles.select(UserRoles.user).join(RoleModel).where(RoleModel.name != "unit")
        return User.select().where(User.id.in_(staff))

    def get_count_query(self):
        return self.get_query().select()

    def get_one(self, id):
        return self.get_query().where(User.id == id).first()

    def scaffold_form(self):
        form = super().scaffold_form()
        form.staff_roles = SelectMultipleField(_l("角色"), choices=_role_choices(),
                                               validators=[_roles_chosen])
        form.new_password = PasswordField(_l("密码"), description=_l("新建时必填；修改时留空则不变"))
        return form

    def on_form_prefill(self, form, id):
        form.staff_roles.data = sorted(self.get_one(id).role_names - {"unit"})

    def on_model_change(self, form, model, is_created):
        problems = []
        checks = [("username", validators.username), ("email", validators.email)]
        if model.phone:
            checks.append(("phone", validators.mobile))
        for name, check in checks:
            try:
                setattr(model, name, check(getattr(model, name)))
            except validators.ValidationError as exc:
                problems.append(str(exc.message))
        for name, label in (("username", _("用户名")), ("email", _("邮箱")), ("phone", _("手机号"))):
            value = getattr(model, name)
            field = getattr(User, name)
            if value and User.select().where(field == value, User.id != (model.id or 0)).exists():
                problems.append(_("%(label)s已被使用", label=label))
        if form.new_password.data:
            try:
                validators.password(form.new_password.data)
            except validators.ValidationError as exc:
                problems.append(str(exc.message))
            model.password = hash_password(form.new_password.data)
        elif is_created:
            problems.append(_("请设置初始密码"))
        model.phone = model.phone or None
        if problems:
            raise wtv.ValidationError("；".join(problems))

    def after_model_change(self, form, model, is_created):
        with db.database.atomic():
            UserRoles.delete().where(UserRoles.user == model).execute()
            for name in form.staff_roles.data:
                UserRoles.create(user=model, role=RoleModel.get(RoleModel.name == name))
        AuditLog.create(actor=current_user.id, actor_name=current_user.display_name,
                        object_type="user", object_id=model.id,
                        event="create_staff" if is_created else "edit_staff",
                        data={"roles": sorted(form.staff_roles.data), "active": model.active})


# ---------------------------------------------------------------- reference data


class ReasonTemplateView(StaffModelView):
    roles = (Role.ADMIN, Role.REVIEWER)
    column_list = ("scope", "title", "text", "sort", "active")
    column_labels = {"scope": _l("适用事项"), "code": _l("编码"), "title": _l("标题"), "text": _l("理由内容"),
                     "sort": _l("排序"), "active": _l("启用")}
    column_filters = ("scope", "active")
    form_choices = {"scope": [
        ("unit_verification", "单位实名认证"), ("unit_change", "单位信息变更"),
        ("product_filing", "产品备案"), ("yearly_update", "产品备案信息更新"),
        ("revocation", "撤销备案"), ("objection", "公众异议")]}


class PageView(StaffModelView):
    """单位注册协议, 诚信承诺书 template and other staff-edited texts."""

    column_list = ("slug", "title", "updated_at")
    column_labels = {"slug": _l("标识"), "title": _l("标题"), "body": _l("正文"), "updated_at": _l("更新时间")}
    form_columns = ("title", "body")
    can_create = can_delete = False

    def on_model_change(self, form, model, is_created):
        model.updated_at = utcnow()


class OptionView(StaffModelView):
    column_list = ("kind", "code", "name", "sort", "active")
    column_labels = {"kind": _l("类别"), "code": _l("编码"), "name": _l("名称"), "sort": _l("排序"),
                     "active": _l("启用")}
    column_filters = ("kind", "active")
    form_choices = {"kind": [("unit_type", "备案单位类型"), ("enterprise_type", "企业类型"),
                             ("enterprise_size", "企业规模"), ("filing_purpose", "备案目的")]}


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


class UpdateWindowView(StaffModelView):
    column_list = ("year", "opens_on", "closes_on")
    column_labels = {"year": _l("年份"), "opens_on": _l("开放日期"), "closes_on": _l("截止日期")}
    form_columns = ("year", "opens_on", "closes_on")

    def on_model_change(self, form, model, is_created):
        if model.closes_on < model.opens_on:
            raise wtv.ValidationError(_("截止日期不能早于开放日期"))


class RegistryEntryView(StaffModelView):
    roles = (Role.ADMIN, Role.REVIEWER)
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


def register(admin):
    system, reference = _l("系统管理"), _l("基础数据")
    admin.add_view(StaffUserView(User, name=_l("工作人员账号"), endpoint="staff", category=system))
    admin.add_view(OutboxView(Outbox, name=_l("通知发送记录"), endpoint="outbox", category=system))
    admin.add_view(AuditLogView(AuditLog, name=_l("审计日志"), endpoint="audit", category=system))
    admin.add_view(PageView(Page, name=_l("协议与模板"), endpoint="pages", category=system))
    admin.add_view(UpdateWindowView(UpdateWindow, name=_l("信息更新开放时间"), endpoint="windows", category=system))
    admin.add_view(ReasonTemplateView(ReasonTemplate, name=_l("驳回理由模板"), endpoint="reasons", category=reference))
    admin.add_view(OptionView(Option, name=_l("选项列表"), endpoint="options", category=reference))
    admin.add_view(HolidayView(Holiday, name=_l("法定节假日"), endpoint="holidays", category=reference))
    admin.add_view(CalendarYearView(CalendarYear, name=_l("已录入节假日年份"), endpoint="calendar", category=reference))
    admin.add_view(RegistryEntryView(RegistryEntry, name=_l("工商登记信息"), endpoint="registry", category=reference))
    admin.add_view(RegistryImportView(name=_l("导入工商登记信息"), endpoint="registry_import", category=reference))
    admin.add_view(PatentView(Patent, name=_l("专利库"), endpoint="patents", category=reference))
    admin.add_view(PatentImportView(name=_l("导入专利数据"), endpoint="patent_import", category=reference))
    admin.add_view(RateReferenceView(name=_l("许可费率参考文件"), endpoint="rate_reference", category=reference))


class RegistryImportView(RoleGate, BaseView):
    """导入工商登记信息: a CSV upload, imported at once (the file is small)."""

    roles = (Role.ADMIN, Role.REVIEWER)

    @expose("/", methods=["GET", "POST"])
    def index(self):
        import tempfile

        from flask import request

        from units import import_registry

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
        import secrets
        from pathlib import Path

        from flask import current_app, request

        import jobs

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
                job_id = jobs.enqueue("patents.import", str(path), delta)
                return redirect(url_for(".index", job=job_id))
        return self.render("admin/patent_import.html", error=error, job_id=job_id)

    @expose("/jobs/<job_id>")
    def job(self, job_id):
        from flask import jsonify

        import jobs

        state = jobs.status(job_id)
        if state is None:
            abort(404)
        return jsonify(state)


class RateReferenceView(RoleGate, BaseView):
    """方法三 (许可费率): the licence-fee-rate reference file units download from the
    产品信息 step. One current file (PDF); a new upload replaces it."""

    roles = (Role.ADMIN,)
    SETTING = "rate_reference_file"

    @expose("/", methods=["GET", "POST"])
    def index(self):
        from flask import request

        import storage
        from models import Setting, StoredFile

        error = None
        if request.method == "POST":
            upload = request.files.get("file")
            if not upload or not upload.filename:
                error = _("请选择要上传的文件")
            else:
                try:
                    stored = storage.save_upload(upload, ("pdf",), owner=current_user)
                except storage.UploadError as exc:
                    error = str(exc.message)
                else:
                    StoredFile.update(public=True).where(StoredFile.id == stored.id).execute()
                    Setting.insert(key=self.SETTING, value=stored.key).on_conflict(
                        conflict_target=[Setting.key], update={Setting.value: stored.key}).execute()
                    flash(_("许可费率参考文件已更新，单位在产品信息填报页可下载。"), "success")
                    return redirect(url_for(".index"))
        key = Setting.get_value(self.SETTING)
        current = StoredFile.get_or_none(StoredFile.key == key) if key else None
        return self.render("admin/rate_reference.html", current=current, error=error)
