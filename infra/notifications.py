"""One notification layer: every SMS, e-mail and 站内消息 is first written to the Outbox
table (inside the caller's transaction), then delivered by a background job with
retries and exponential backoff. Nothing is lost if a channel is down; failures are
listed for staff in the back office.

SMS go out on their own queue ("sms"), e-mail and 站内消息 on "mail", so a mail server that
is slow to answer never holds up a registration code. Every send has a timeout (MAIL_TIMEOUT,
SMS_TIMEOUT), and a claimed row is a lease: a send still unfinished NOTIFY_STUCK_MINUTES
later (a provider that took the message and never answered, a worker killed mid-send) is
taken back and tried again, the try counted.
"""

import hashlib
import hmac
import logging
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_mailman import EmailMessage
from peewee import fn
from werkzeug.utils import import_string

import jobs
from models import Message, Objection, Outbox, OutboxStatus, Product, Recognition, YearlyUpdate, unit_of_obj, utcnow

log = logging.getLogger("zlcp.notifications")

SMS, EMAIL, INBOX = "sms", "email", "inbox"
MAIL_CHANNELS = (EMAIL, INBOX)  # delivered by the "mail" queue's job; SMS by the "sms" queue's
STUCK = "stuck"  # not a state: rows that should have gone out and have not (stuck_condition)
NEEDS_ATTENTION = (STUCK, OutboxStatus.FAILED)  # of delivery_summary(): shown as problems

# One template per event. `to` names who receives it: "unit" (the unit account's phone
# and message centre, and its e-mail for EMAIL), "objector" (the objection's phone and e-mail) or
# "staff" (back-office accounts: e-mail, and a 站内消息 kept for the record).
TEMPLATES = {
    "sms_code": {
        "channels": (SMS,),
        "to": "phone",
        "text": _l("您的验证码为%(code)s，%(minutes)s分钟内有效，请勿泄露给他人。"),
    },
    "email_code": {
        "channels": (EMAIL,),
        "to": "email",
        "title": _l("验证码"),
        "text": _l("您的验证码为%(code)s，%(minutes)s分钟内有效，请勿泄露给他人。"),
    },
    "unit_approved": {
        "channels": (SMS, INBOX),
        "to": "unit",
        "title": _l("单位实名认证审核通过"),
        "text": _l("您的单位实名认证审核通过，可登录平台继续进行专利信息管理、产品备案申报等操作。"),
    },
    "unit_rejected": {
        "channels": (SMS, INBOX),
        "to": "unit",
        "title": _l("单位实名认证审核不通过"),
        "text": _l("您的单位实名认证审核不通过，原因：%(reason)s。请修改单位认证信息后再次提交审核。"),
    },
    "change_approved": {
        "channels": (SMS, INBOX),
        "to": "unit",
        "title": _l("单位信息变更审核通过"),
        "text": _l("您提交的单位实名认证信息已审核通过"),
    },
    "change_rejected": {
        "channels": (SMS, INBOX),
        "to": "unit",
        "title": _l("单位信息变更审核不通过"),
        "text": _l("您提交的单位信息变更审核不通过，原因：%(reason)s。"),
    },
    "product_filed": {
        "channels": (SMS, INBOX),
        "to": "unit",
        "title": _l("产品已备案"),
        "text": _l("您的产品“%(product)s”已备案，备案号%(filing_number)s。"),
    },
    "product_rejected": {
        "channels": (SMS, INBOX),
        "to": "unit",
        "title": _l("产品备案审核不通过"),
        "text": _l("您的产品“%(product)s”备案审核不通过，原因：%(reason)s。可在“不通过”列表中修改后重新提交。"),
    },
    "product_revoked": {
        "channels": (SMS, INBOX),
        "to": "unit",
        "title": _l("产品已撤销备案"),
        "text": _l("您的产品“%(product)s”已撤销备案。%(reason)s"),
    },
    "revocation_rejected": {
        "channels": (INBOX,),
        "to": "unit",
        "title": _l("撤销备案申请未通过"),
        "text": _l("您的产品“%(product)s”撤销备案申请未通过，原因：%(reason)s。"),
    },
    "patents_lapsed": {
        "channels": (SMS, INBOX),
        "to": "unit",
        "title": _l("请确认撤销备案"),
        "text": _l("您的已备案产品“%(product)s”所关联的专利已全部失效或者转让，请登录平台进行撤销确认。"),
    },
    "patent_lapsed_linked": {
        "channels": (SMS, INBOX),
        "to": "unit",
        "title": _l("关联专利失效提醒"),
        "text": _l("您的已备案产品“%(product)s”所关联的专利%(patents)s已失效，请关注；"
                   "产品所关联的专利全部失效或者转让的，须撤销备案。"),
    },
    "patent_gone_linked": {
        "channels": (SMS, INBOX),
        "to": "unit",
        "title": _l("关联专利权属变化提醒"),
        "text": _l("您的已备案产品“%(product)s”所关联的专利%(patents)s已不再由本单位持有或被许可"
                   "（专利库记载的专利权人已不包括本单位，或许可已到期），请关注；"
                   "产品所关联的专利全部失效或者转让的，须撤销备案。"),
    },
    "update_approved": {
        "channels": (INBOX,),
        "to": "unit",
        "title": _l("产品备案信息更新审核通过"),
        "text": _l("您的产品“%(product)s”%(year)s年度备案信息更新已审核通过。"),
    },
    "update_rejected": {
        "channels": (SMS, INBOX),
        "to": "unit",
        "title": _l("产品备案信息更新审核不通过"),
        "text": _l("您的产品“%(product)s”备案信息更新审核不通过，原因：%(reason)s。"),
    },
    "update_window_open": {
        "channels": (SMS, INBOX),
        "to": "unit",
        "title": _l("%(year)s年产品备案信息更新已开放"),
        "text": _l("%(year)s年产品备案信息更新已开放，请于%(closes)s前登录平台完成已备案产品的信息更新；"
                   "未在规定时间内完成信息更新的产品，不参与本年度专利密集型产品认定工作。"),
    },
    "update_assets_missing": {
        "channels": (SMS, INBOX),
        "to": "unit",
        "title": _l("请填报%(fiscal_year)s年度资产信息"),
        "text": _l("您单位尚未填报%(fiscal_year)s年度资产信息。请先在“用户中心 → 资产信息”中填报，"
                   "之后方可进行%(year)s年产品备案信息更新。"),
    },
    "update_due": {
        "channels": (SMS, INBOX),
        "to": "unit",
        "title": _l("产品备案信息更新即将截止"),
        "text": _l("%(year)s年产品备案信息更新将于%(closes)s截止（还有%(days)s天），您单位尚有%(n)s件产品未完成更新"
                   "（未更新或不通过），请及时处理。"),
    },
    "notice_started": {
        "channels": (SMS, INBOX),
        "to": "unit",
        "title": _l("产品进入公示阶段"),
        "text": _l("您的产品“%(product)s”已进入专利密集型产品认定公示阶段，公示期至%(notice_end)s。"),
    },
    "recognised": {
        "channels": (SMS, INBOX),
        "to": "unit",
        "title": _l("专利密集型产品已认定"),
        "text": _l("您的产品“%(product)s”已认定为专利密集型产品，证书编号%(certificate_number)s。"),
    },
    "recognition_revoked": {
        "channels": (SMS, EMAIL, INBOX),
        "to": "unit",
        "title": _l("专利密集型产品撤销认定"),
        "text": _l("您的产品“%(product)s”已撤销认定，原因：%(reason)s。"),
    },
    "recognition_expiring": {
        "channels": (SMS, INBOX),
        "to": "unit",
        "title": _l("专利密集型产品认定即将到期"),
        "text": _l("您的专利密集型产品“%(product)s”（证书编号%(certificate_number)s）认定有效期至%(valid_until)s，"
                   "即将到期。"),
    },
    "recognition_expired": {
        "channels": (SMS, INBOX),
        "to": "unit",
        "title": _l("专利密集型产品认定已过期"),
        "text": _l("您的专利密集型产品“%(product)s”（证书编号%(certificate_number)s）"
                   "认定有效期已于%(valid_until)s届满，认定状态为已过期。"),
    },
    "calendar_missing": {
        "channels": (EMAIL, INBOX),
        "to": "staff",
        "title": _l("请录入%(years)s年法定节假日安排"),
        "text": _l("%(years)s年的法定节假日安排尚未录入。请在国务院办公厅公布后，于管理后台“基础数据 → 法定节假日”"
                   "中录入放假和调休上班日期，并在“已录入节假日年份”中登记该年；录入前，公示期涉及该年的产品无法开始公示。"),
    },
    "objection_received": {
        "channels": (SMS, EMAIL),
        "to": "objector",
        "title": _l("异议已受理"),
        "text": _l("您对“%(product)s”提出的异议已受理，受理编号%(tracking_number)s，处理期限%(deadline)s。"
                   "处理结果将通过短信和邮件告知，也可凭受理编号和手机号或邮箱在平台“异议查询”中查看。"),
    },
    "objection_reply_requested": {
        "channels": (SMS, INBOX),
        "to": "unit",
        "title": _l("请对公众异议作出说明"),
        "text": _l("您的产品“%(product)s”收到公众异议（受理编号%(tracking_number)s），请于%(due)s前登录平台"
                   "在“专利密集型产品认定管理”中查看并作出说明。"),
    },
    "objection_unit_replied": {
        "channels": (EMAIL, INBOX),
        "to": "staff",
        "title": _l("单位已对异议作出说明"),
        "text": _l("%(unit)s已对产品“%(product)s”的异议（受理编号%(tracking_number)s）作出说明，"
                   "请在管理后台“异议处理”中查看。"),
    },
    "objection_upheld": {
        "channels": (SMS, EMAIL),
        "to": "objector",
        "title": _l("异议处理结果：异议成立"),
        "text": _l("您提出的异议（受理编号%(tracking_number)s）经核查异议成立：%(reason)s"),
    },
    "objection_dismissed": {
        "channels": (SMS, EMAIL),
        "to": "objector",
        "title": _l("异议处理结果：异议不成立"),
        "text": _l("您提出的异议（受理编号%(tracking_number)s）经核查异议不成立：%(reason)s"),
    },
}


def render(template, payload):
    spec = TEMPLATES[template]
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = str(spec["text"]) % payload if payload else str(spec["text"])
        title = str(spec.get("title", "")) % payload if spec.get("title") else ""
    return title, text


def queue(template, *, phone=None, email=None, user=None, payload=None):
    """Write the outbox rows of one template; returns their ids. Call inside a transaction."""
    spec = TEMPLATES[template]
    payload = payload or {}
    title, text = render(template, payload)
    ids = []
    for channel in spec["channels"]:
        recipient = {SMS: phone, EMAIL: email, INBOX: user.id if user else None}[channel]
        if not recipient:
            continue
        row = Outbox.create(
            channel=channel,
            recipient=str(recipient),
            user=user,
            template=template,
            payload=payload,
            subject=title,
            body=text,
        )
        ids.append(row.id)
    return ids


def payload_for(obj, reason=""):
    """Template values for a workflow object."""
    values = {"reason": reason or ""}
    product = None
    if isinstance(obj, Product):
        product = obj
    elif isinstance(obj, (YearlyUpdate, Recognition)):
        product = obj.product
        values["year"] = getattr(obj, "year", "")
    elif isinstance(obj, Objection):
        product = obj.recognition.product
        values["tracking_number"] = obj.tracking_number
        values["deadline"] = obj.deadline.isoformat() if obj.deadline else _undecided_deadline()
        values["link"] = f"/portal/objections/{obj.id}"  # the unit's 站内消息 opens its page
    if isinstance(obj, Recognition):
        values["notice_end"] = obj.notice_end.isoformat() if obj.notice_end else ""
        values["certificate_number"] = obj.certificate_number or ""
        values["valid_until"] = obj.valid_until.isoformat() if obj.valid_until else ""
    if product is not None:
        values["product"] = product.name
        values["filing_number"] = product.filing_number or ""
    return values


def _undecided_deadline():
    """An objection's 处理期限 while the holiday arrangement it reaches is not entered."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return _("待节假日安排公布后确定")


def queue_event(template, obj, reason=""):
    """Outbox rows for a workflow event on obj (called by workflows.apply)."""
    spec = TEMPLATES[template]
    payload = payload_for(obj, reason)
    if spec["to"] == "objector":
        ids = queue(template, phone=obj.phone, email=obj.email, payload=payload)
        ids += _copy_to_unit(template, obj, payload)
        return ids
    user = unit_of_obj(obj).user
    return queue(template, phone=user.phone, email=user.email, user=user, payload=payload)


def _copy_to_unit(template, objection, payload):
    """The objection's outcome also goes to the unit's message centre."""
    if template == "objection_received":
        return []
    user = objection.recognition.product.unit.user
    title, text = render(template, payload)
    row = Outbox.create(
        channel=INBOX, recipient=str(user.id), user=user, template=template,
        payload=payload, subject=title, body=text,
    )
    return [row.id]


def deliver_soon(ids):
    """Hand outbox rows to the delivery jobs (after the caller's commit): SMS to the "sms"
    queue's, the others to the "mail" queue's."""
    ids = list(ids)
    if not ids:
        return
    sms = [i for (i,) in Outbox.select(Outbox.id).where(Outbox.id.in_(ids), Outbox.channel == SMS).tuples()]
    others = [i for i in ids if i not in sms]
    for name, batch in (("notifications.deliver_sms", sms), ("notifications.deliver_mail", others)):
        if batch:
            jobs.enqueue(name, batch, queue=jobs.queue_of(name))


# ---------------------------------------------------------------- senders


class LogSmsSender:
    """Default SMS sender: writes the message to the log; the outbox keeps the text.

    A provider's sender (config SMS_SENDER) has the same method: send(phone, text, timeout)
    sends or raises, and gives up after `timeout` seconds (SMS_TIMEOUT)."""

    def send(self, phone, text, timeout):
        log.info("SMS to %s: %s", phone, text)


def sms_sender():
    name = current_app.config["SMS_SENDER"]
    return LogSmsSender() if name == "log" else import_string(name)()


def send_email(to, subject, body):
    prefix = current_app.config["SITE_NAME"]
    EmailMessage(f"【{prefix}】{subject}", body, to=[to]).send()


def _send(row):
    if row.channel == SMS:
        sms_sender().send(row.recipient, row.body, timeout=current_app.config["SMS_TIMEOUT"])
    elif row.channel == EMAIL:
        send_email(row.recipient, row.subject, row.body)
    elif row.channel == INBOX:
        Message.create(user=int(row.recipient), title=row.subject, body=row.body,
                       link=row.payload.get("link", ""))
    else:
        raise ValueError(f"unknown channel {row.channel}")


def deliver(ids=None, channels=None):
    """Deliver pending outbox rows (given ids, or all that are due) of `channels` (all when
    None). Idempotent: a row is claimed with a conditional UPDATE before it is sent. The claim
    holds for NOTIFY_STUCK_MINUTES (next_try_at is its end); sends that outlived theirs are
    taken back first."""
    reclaim_stuck(channels)
    now = utcnow()
    query = Outbox.select().where(Outbox.status == OutboxStatus.PENDING)
    if channels:
        query = query.where(Outbox.channel.in_(channels))
    query = query.where(Outbox.id.in_(ids)) if ids else query.where(Outbox.next_try_at <= now)
    sent = failed = 0
    max_tries = current_app.config["NOTIFY_MAX_TRIES"]
    lease = timedelta(minutes=current_app.config["NOTIFY_STUCK_MINUTES"])
    for row in query.order_by(Outbox.id):
        claimed = (
            Outbox.update(status=OutboxStatus.SENDING, next_try_at=utcnow() + lease)
            .where(Outbox.id == row.id, Outbox.status == OutboxStatus.PENDING)
            .execute()
        )
        if not claimed:
            continue
        try:
            _send(row)
        except Exception as exc:  # noqa: BLE001 - any provider failure is retried
            tries = row.tries + 1
            status = OutboxStatus.FAILED if tries >= max_tries else OutboxStatus.PENDING
            Outbox.update(
                status=status,
                tries=tries,
                last_error=f"{exc.__class__.__name__}: {exc}"[:2000],
                next_try_at=utcnow() + timedelta(minutes=2**tries),
            ).where(Outbox.id == row.id).execute()
            log.warning("delivery of outbox %s failed (%s): %s", row.id, tries, exc)
            failed += 1
        else:
            Outbox.update(status=OutboxStatus.SENT, tries=row.tries + 1, sent_at=utcnow(), last_error="").where(
                Outbox.id == row.id
            ).execute()
            sent += 1
    return {"sent": sent, "failed": failed}


def deliver_sms(ids=None):
    """The "sms" queue's job: SMS rows only (registration and reset codes wait for no e-mail)."""
    return deliver(ids, channels=(SMS,))


def deliver_mail(ids=None):
    """The "mail" queue's job: e-mail and 站内消息 rows."""
    return deliver(ids, channels=MAIL_CHANNELS)


def _stuck_sending(now):
    """Rows whose send outlived its claim (next_try_at is the claim's end while sending)."""
    return (Outbox.status == OutboxStatus.SENDING) & (Outbox.next_try_at <= now)


def stuck_condition():
    """Rows that should have gone out and have not: a send past its claim, or a row due for
    longer than NOTIFY_STUCK_MINUTES (no delivery job is running)."""
    now = utcnow()
    late = now - timedelta(minutes=current_app.config["NOTIFY_STUCK_MINUTES"])
    overdue = (Outbox.status == OutboxStatus.PENDING) & (Outbox.next_try_at <= late)
    return _stuck_sending(now) | overdue


def reclaim_stuck(channels=None):
    """Take back sends that outlived their claim: pending again at once with the try counted,
    or failed once NOTIFY_MAX_TRIES tries are used. Returns how many rows were taken back."""
    cfg = current_app.config
    stuck = _stuck_sending(utcnow())
    if channels:
        stuck &= Outbox.channel.in_(channels)
    with force_locale(cfg["BABEL_DEFAULT_LOCALE"]):
        error = _("发送超时：超过%(minutes)s分钟未完成", minutes=cfg["NOTIFY_STUCK_MINUTES"])
    given_up = (
        Outbox.update(status=OutboxStatus.FAILED, tries=Outbox.tries + 1, last_error=error)
        .where(stuck, Outbox.tries + 1 >= cfg["NOTIFY_MAX_TRIES"])
        .execute()
    )
    retried = (
        Outbox.update(status=OutboxStatus.PENDING, tries=Outbox.tries + 1, last_error=error, next_try_at=utcnow())
        .where(stuck)
        .execute()
    )
    if given_up or retried:
        log.warning("outbox: %s stuck sends taken back (%s retried, %s failed)", given_up + retried, retried, given_up)
    return given_up + retried


def delivery_summary():
    """How delivery stands, for 通知发送记录 and /healthz: rows waiting, being sent, stuck
    (stuck_condition) and failed (until staff send them again)."""
    counts = dict(
        Outbox.select(Outbox.status, fn.COUNT(Outbox.id))
        .where(Outbox.status != OutboxStatus.SENT)
        .group_by(Outbox.status)
        .tuples()
    )
    summary = {state: counts.get(state, 0) for state in (OutboxStatus.PENDING, OutboxStatus.SENDING)}
    summary[STUCK] = Outbox.select().where(stuck_condition()).count()
    summary[OutboxStatus.FAILED] = counts.get(OutboxStatus.FAILED, 0)
    return summary


def retry_failed(ids):
    """Staff action: put failed rows back in the queue now."""
    return (
        Outbox.update(status=OutboxStatus.PENDING, next_try_at=utcnow())
        .where(Outbox.id.in_(ids), Outbox.status == OutboxStatus.FAILED)
        .execute()
    )


def code_hash(code, phone):
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def unread_count(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return Message.unread_count(user)




def mark_read(user, message_id=None):
    """消息中心: mark one of the user's messages (or all of them) read. False when the user
    has no such message."""
    query = Message.select().where(Message.user == user.id)
    if message_id is not None:
        query = query.where(Message.id == message_id)
        if not query.exists():
            return False
    Message.update(read_at=utcnow()).where(Message.id.in_(query.select(Message.id)),
                                           Message.read_at.is_null()).execute()
    return True
