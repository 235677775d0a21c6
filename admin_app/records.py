"""The audit log's and the outbox's codes in the manual's words, for the back office's lists,
filters and exports: object types, actions (the transition table's labels), statuses
(workflows.STATUS_LABELS), notification templates and channels."""

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

import workflows
from infra import notifications

OBJECT_TYPES = {
    "unit": _l("单位"), "change": _l("单位信息变更"), "product": _l("产品备案"), "update": _l("产品备案信息更新"),
    "recognition": _l("专利密集型产品认定"), "certificate": _l("认定证书"), "objection": _l("公众异议"),
    "user": _l("账号"),
}

# Audit events written outside the transition table.
OTHER_EVENTS = {
    "create_staff": _l("新建工作人员账号"), "edit_staff": _l("修改工作人员账号"),
    "credit_code_conflict": _l("统一社会信用代码冲突"),
    "reply_requested": _l("请单位说明"), "unit_replied": _l("单位已说明"), "contacts_viewed": _l("查看联系方式"),
}

CHANNELS = {"sms": _l("短信"), "email": _l("邮件"), "inbox": _l("站内消息")}

TEMPLATES = {
    "sms_code": _l("验证码（短信）"), "email_code": _l("验证码（邮件）"),
    "unit_approved": _l("实名认证审核通过"), "unit_rejected": _l("实名认证审核不通过"),
    "change_approved": _l("单位信息变更审核通过"), "change_rejected": _l("单位信息变更审核不通过"),
    "product_filed": _l("产品已备案"), "product_rejected": _l("产品备案审核不通过"),
    "product_revoked": _l("产品备案已撤销"), "revocation_rejected": _l("撤销申请未通过"),
    "patents_lapsed": _l("专利失效提醒"), "patent_lapsed_linked": _l("关联专利失效提醒"),
    "patent_gone_linked": _l("关联专利转出提醒"), "update_approved": _l("信息更新审核通过"),
    "update_rejected": _l("信息更新审核不通过"), "update_window_open": _l("信息更新开放提醒"),
    "update_assets_missing": _l("资产信息未填报提醒"), "update_due": _l("信息更新截止提醒"),
    "notice_started": _l("认定公示开始"),  # 已认定, 撤销认定…: their titles (template_label)
    "recognition_expiring": _l("认定即将到期提醒"), "recognition_expired": _l("认定已到期"),
    "calendar_missing": _l("节假日安排未录入提醒"), "objection_received": _l("收到公众异议"),
    "objection_upheld": _l("异议成立"), "objection_dismissed": _l("异议不成立"),
    "objection_reply_requested": _l("请单位说明异议"), "objection_unit_replied": _l("单位已说明异议"),
}


def object_type_label(code):
    return str(OBJECT_TYPES.get(code, code))


def event_label(kind, event):
    """An audit event as the manual says it: the transition's label (通过, 提交审核…)."""
    for transition in workflows.transitions_for(kind):
        if transition.event == event:
            return str(transition.label)
    return str(OTHER_EVENTS.get(event, event))


def status_text(kind, status):
    if not status:
        return ""
    return str(workflows.STATUS_LABELS.get(kind, {}).get(status, status))


def template_label(name):
    """A notification template's name in Chinese (its title, for one not listed here)."""
    if name in TEMPLATES:
        return str(TEMPLATES[name])
    title = notifications.TEMPLATES.get(name, {}).get("title")
    return str(title) if title else name


def channel_label(code):
    return str(CHANNELS.get(code, code))


def object_type_options():
    return [(code, str(label)) for code, label in OBJECT_TYPES.items()]


def template_options():
    return [(name, template_label(name)) for name in notifications.TEMPLATES]


def channel_options():
    return [(code, str(label)) for code, label in CHANNELS.items()]


def nowrap(text):
    """A short cell kept on one line (no 已/发/送 one character a line)."""
    return Markup('<span class="text-nowrap">%s</span>') % escape(text)


def on_one_line(formatters):
    """The list's formatters: the export's text, each kept on one line."""
    def one_line(formatter):
        return lambda view, context, model, name: nowrap(formatter(view, context, model, name))
    return {name: one_line(f) for name, f in formatters.items()}
