"""系统管理 in the back office: staff accounts, the notification outbox, the audit log, the
agreement and template texts, the yearly-update window. Administrators only."""

from flask import flash, session
from flask_admin.actions import action
from flask_admin.contrib.peewee.filters import BasePeeweeFilter, FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user, hash_password
from wtforms import PasswordField, SelectMultipleField
from wtforms import validators as wtv

from admin_app import records
from admin_app.base import ReadOnlyView, StaffModelView, beijing
from domain import accounts
from infra import notifications, validators
from models import AuditLog, Outbox, OutboxStatus, Page, UpdateWindow, User, utcnow
from workflows import ROLE_LABELS, STAFF_ROLES

# A notification's delivery state (the outbox's own vocabulary, not a workflow status).
OUTBOX_STATUS_LABELS = {OutboxStatus.PENDING: _l("待发送"), OutboxStatus.SENDING: _l("发送中"),
                        OutboxStatus.SENT: _l("已发送"), OutboxStatus.FAILED: _l("发送失败")}
STUCK, STUCK_LABEL = notifications.STUCK, _l("卡住")  # a value of the 发送情况 filter, not a state


class DeliveryFilter(BasePeeweeFilter):
    """发送情况: one of the outbox's states, or 卡住 (notifications.stuck_condition)."""

    def apply(self, query, value):
        if value == STUCK:
            return query.where(notifications.stuck_condition())
        return query.where(Outbox.status == value)

    def operation(self):
        return _l("为")


def _delivery_options():
    states = (OutboxStatus.PENDING, OutboxStatus.SENDING, STUCK, OutboxStatus.FAILED, OutboxStatus.SENT)
    return [(state, str(STUCK_LABEL if state == STUCK else OUTBOX_STATUS_LABELS[state])) for state in states]


class AuditLogView(ReadOnlyView):
    column_list = ("created_at", "actor_name", "object_type", "object_id", "event",
                   "from_status", "to_status", "reason", "ip")
    column_labels = {
        "created_at": _l("时间"), "actor_name": _l("操作人"), "object_type": _l("对象类型"),
        "object_id": _l("对象编号"), "event": _l("操作"), "from_status": _l("原状态"),
        "to_status": _l("新状态"), "reason": _l("理由"), "ip": _l("IP地址"), "data": _l("数据"),
    }
    column_filters = (FilterEqual(AuditLog.object_type, _l("对象类型"), options=records.object_type_options),
                      "object_id", "event", "actor_name", "to_status", "created_at")
    column_searchable_list = ("actor_name", "reason")
    column_default_sort = ("id", True)
    can_export = True
    export_types = ["csv"]
    # The manual's words for the codes (admin_app/records.py), in the list and the export alike.
    column_formatters_export = {
        "object_type": lambda v, c, m, p: records.object_type_label(m.object_type),
        "event": lambda v, c, m, p: records.event_label(m.object_type, m.event),
        "from_status": lambda v, c, m, p: records.status_text(m.object_type, m.from_status),
        "to_status": lambda v, c, m, p: records.status_text(m.object_type, m.to_status),
        "created_at": lambda v, c, m, p: beijing(m.created_at),
    }
    column_formatters = records.on_one_line(column_formatters_export)


class OutboxView(ReadOnlyView):
    """Every notification; failures first-class so staff see what did not arrive: above the
    list, how many wait, are being sent, are stuck and have failed, each a link to those rows."""

    column_list = ("created_at", "channel", "recipient", "template", "body", "status", "tries",
                   "next_try_at", "last_error")
    column_labels = {
        "created_at": _l("创建时间"), "channel": _l("渠道"), "recipient": _l("接收方"),
        "template": _l("模板"), "subject": _l("标题"), "body": _l("内容"), "status": _l("状态"),
        "tries": _l("发送次数"), "next_try_at": _l("下次重试"), "last_error": _l("最近错误"),
        "sent_at": _l("发送时间"),
    }
    column_filters = (DeliveryFilter(Outbox.status, _l("发送情况"), options=_delivery_options),
                      FilterEqual(Outbox.channel, _l("渠道"), options=records.channel_options),
                      FilterEqual(Outbox.template, _l("模板"), options=records.template_options), "created_at")
    column_searchable_list = ("recipient",)
    column_default_sort = ("id", True)
    can_export = True
    export_types = ["csv"]
    column_formatters_export = {
        "channel": lambda v, c, m, p: records.channel_label(m.channel),
        "template": lambda v, c, m, p: records.template_label(m.template),
        "status": lambda v, c, m, p: str(OUTBOX_STATUS_LABELS.get(m.status, m.status)),
        "created_at": lambda v, c, m, p: beijing(m.created_at),
        "next_try_at": lambda v, c, m, p: beijing(m.next_try_at),
        "sent_at": lambda v, c, m, p: beijing(m.sent_at),
    }
    column_formatters = records.on_one_line(column_formatters_export)
    list_template = "admin/outbox_list.html"

    def render(self, template, **kwargs):
        if template == self.list_template:
            kwargs["delivery"] = self.delivery_summary()
        return super().render(template, **kwargs)

    def delivery_summary(self):
        """[(label, count, alarming, url of those rows)] for the summary above the list."""
        counts = notifications.delivery_summary()
        index = next(i for i, flt in enumerate(self._filters) if isinstance(flt, DeliveryFilter))
        arg = f"flt0_{self.get_filter_arg(index, self._filters[index])}"
        return [(STUCK_LABEL if state == STUCK else OUTBOX_STATUS_LABELS[state], count,
                 state in notifications.NEEDS_ATTENTION, self.get_url(f"{self.endpoint}.index_view", **{arg: state}))
                for state, count in counts.items()]

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
        return accounts.staff_accounts()

    def get_count_query(self):
        return self.get_query().select()

    def get_one(self, id):
        key = validators.row_id(id)
        return None if key is None else self.get_query().where(User.id == key).first()

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
        accounts.set_staff_roles(model, form.staff_roles.data, current_user, created=is_created)
        if not is_created and (form.new_password.data or not model.active):
            # a new password or a deactivation signs the account out everywhere (but for the
            # administrator's own browser, when they changed their own password)
            accounts.end_sessions(model, keep=session.get(accounts.SESSION_KEY))


class PageView(StaffModelView):
    """单位注册协议, 诚信承诺书 template and other staff-edited texts."""

    column_list = ("slug", "title", "updated_at")
    column_labels = {"slug": _l("标识"), "title": _l("标题"), "body": _l("正文"), "updated_at": _l("更新时间")}
    form_columns = ("title", "body")
    can_create = can_delete = False

    def on_model_change(self, form, model, is_created):
        model.updated_at = utcnow()


class UpdateWindowView(StaffModelView):
    column_list = ("year", "opens_on", "closes_on")
    column_labels = {"year": _l("年份"), "opens_on": _l("开放日期"), "closes_on": _l("截止日期")}
    form_columns = ("year", "opens_on", "closes_on")

    def on_model_change(self, form, model, is_created):
        if model.closes_on < model.opens_on:
            raise wtv.ValidationError(_("截止日期不能早于开放日期"))


def register(admin):
    system = _l("系统管理")
    admin.add_view(StaffUserView(User, name=_l("工作人员账号"), endpoint="staff", category=system))
    admin.add_view(OutboxView(Outbox, name=_l("通知发送记录"), endpoint="outbox", category=system))
    admin.add_view(AuditLogView(AuditLog, name=_l("审计日志"), endpoint="audit", category=system))
    admin.add_view(PageView(Page, name=_l("协议与模板"), endpoint="pages", category=system))
    admin.add_view(UpdateWindowView(UpdateWindow, name=_l("信息更新开放时间"), endpoint="windows", category=system))
