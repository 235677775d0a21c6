"""异议处理 (manual §九, SPEC §8): the handler's queue of objections (per state, filtered,
oldest first, each with its 处理期限 and overdue ones marked), claims, 请单位说明 and the
unit's reply, the audited view of the objector's contact details, and the reason templates
of a decision.

Statuses change only in workflows.apply() (start_processing, uphold — the recognition goes
撤销认定 at once —, dismiss); this module selects, records the reply exchange and tells
the people concerned."""


from flask_babel import lazy_gettext as _l

import workflows
from domain.filing import review as product_review
from domain.objections import OPEN, deadline_for, received_day, reply_working_days
from infra import notifications
from models import (
    AuditLog,
    Objection,
    ObjectionFile,
    Product,
    ReasonTemplate,
    Recognition,
    Role,
    StoredFile,
    Unit,
    User,
    UserRoles,
    db,
    status_counts,
    today_shanghai,
    utcnow,
)
from workflows import ObjectionStatus

OBJECT_TYPE = "objection"  # ReviewClaim.object_type and AuditLog.object_type of objections
# The queue's tabs, in the order an objection goes through them.
QUEUE_STATES = (ObjectionStatus.ACCEPTED, ObjectionStatus.PROCESSING, ObjectionStatus.UPHELD,
                ObjectionStatus.DISMISSED)
FILTERS = ("product", "unit", "region", "since", "until", "overdue")
REQUEST_MAX = 1000
REPLY_MIN, REPLY_MAX = 10, 2000
REPLY_FILES_MAX = 5
UNIT_FILE, OBJECTOR_FILE = "unit", "objector"

# Audit events of an objection written outside the transition table (its history shows them).
EVENT_LABELS = {
    "reply_requested": _l("请单位说明"),
    "unit_replied": _l("单位已说明"),
    "contacts_viewed": _l("查看联系方式"),
}


def portal_path(objection):
    """The unit's page of the objection (the link of its 站内消息)."""
    return f"/portal/objections/{objection.id}"


# ---------------------------------------------------------------- the queue


def queue_query(status, filters):
    """Objections in `status` with their recognition, product and unit, filtered by `filters`
    (product / unit: part of the name; region: the province code prefix of the unit's region
    code; since / until: Beijing dates of receipt, inclusive; overdue: the open ones past their
    处理期限, whatever `status`), oldest first."""
    query = (Objection.select(Objection, Recognition, Product, Unit)
             .join(Recognition).join(Product).join(Unit))
    if filters.get("overdue"):
        query = query.where(Objection.id.in_(overdue_ids()))
    else:
        query = query.where(Objection.status == status)
    product = (filters.get("product") or "").strip()
    if product:
        query = query.where(Product.name.contains(product))
    query = product_review.unit_and_dates(query, filters, Objection.created_at)
    return query.order_by(Objection.created_at, Objection.id)


def state_counts():
    """{status: count} of the queue's tabs."""
    return status_counts(Objection, QUEUE_STATES)


def deadline_of(objection):
    """The objection's 处理期限: the stored one, else counted from its receipt (None while the
    holiday arrangement of a year it runs into is not entered)."""
    return objection.deadline or deadline_for(received_day(objection))


def is_overdue(objection, today=None):
    """Still open and its 处理期限 has passed."""
    deadline = deadline_of(objection)
    return objection.status in OPEN and deadline is not None and deadline < (today or today_shanghai())


def overdue_ids(today=None):
    """The ids of the open objections past their 处理期限 (the 工作台's count; open ones are few)."""
    today = today or today_shanghai()
    return [o.id for o in Objection.select().where(Objection.status.in_(OPEN)) if is_overdue(o, today)]


def reply_state(objection):
    """None, "requested" (waiting for the unit) or "replied"."""
    if objection.replied_at is not None:
        return "replied"
    return "requested" if objection.reply_requested_at is not None else None


# ---------------------------------------------------------------- claims


CLAIMS = product_review.ReviewClaims(OBJECT_TYPE, Objection, OPEN, roles=(workflows.Role.HANDLER,),
                                     pick_message=_l("请选择异议处理人员"))
claims_of, claim_of = CLAIMS.claims_of, CLAIMS.claim_of
claim, release, assign, release_decided = CLAIMS.claim, CLAIMS.release, CLAIMS.assign, CLAIMS.release_decided


def handlers():
    """Active accounts with the 异议处理 role (the 分配 select)."""
    return list(User.select().join(UserRoles).join(Role)
                .where(Role.name == workflows.Role.HANDLER, User.active)
                .order_by(User.full_name, User.username))


# ---------------------------------------------------------------- 请单位说明 and the reply


def _audit(objection, actor, event, reason="", name=None):
    return AuditLog.create(
        actor=actor, actor_name=name or actor.display_name, object_type=OBJECT_TYPE, object_id=objection.id,
        event=event, from_status=objection.status, to_status=objection.status, reason=reason,
        ip=workflows._client_ip(),
    )


def _is_staff_handler(user):
    return user.has_any_role(workflows.Role.HANDLER, workflows.Role.ADMIN)


def start_processing(objection, actor, seen=None):
    """开始处理: 已受理 → 处理中 (workflows.apply); a handler who starts it also holds it (认领), so
    that it no longer waits in the queue for someone to claim it."""
    with db.database.atomic():
        objection = workflows.apply(objection, "start_processing", actor, seen=seen)
        if claim_of(objection) is None and actor.has_any_role(workflows.Role.HANDLER):
            claim(objection, actor)
    return objection


def request_reply(objection, actor, message):
    """请单位说明: ask the objection's unit to reply within reply_working_days() working days
    (SMS and 站内消息 with a link to its portal page). An objection 已受理 goes 处理中 first.
    Raises a WorkflowError with the reason when it cannot be asked now."""
    if not _is_staff_handler(actor):
        raise workflows.PermissionDenied(_l("您没有权限执行此操作"))
    message = (message or "").strip()
    if objection.status not in OPEN:
        raise workflows.TransitionNotAllowed(
            _l("当前状态（%(status)s）不能请单位说明", status=workflows.status_label(objection)))
    if reply_state(objection) == "requested":
        raise workflows.GuardFailed(_l("已请单位说明，单位尚未答复，请等待单位答复后再提出"))
    if not message:
        raise workflows.GuardFailed(_l("请填写需要单位说明的内容"))
    if len(message) > REQUEST_MAX:
        raise workflows.GuardFailed(_l("说明要求不能超过%(n)s字", n=REQUEST_MAX))
    due = deadline_for(today_shanghai(), reply_working_days())
    if due is None:
        raise workflows.GuardFailed(_l("节假日安排未录入，无法计算单位说明期限，请先录入节假日安排"))
    with workflows.after_commit() as pending, db.database.atomic():
        if objection.status == ObjectionStatus.ACCEPTED:
            objection = start_processing(objection, actor)
        Objection.update(reply_request=message, reply_requested_at=utcnow(), reply_due=due,
                         reply="", replied_at=None).where(Objection.id == objection.id).execute()
        objection = Objection.get_by_id(objection.id)
        _audit(objection, actor, "reply_requested", message)
        user = objection.recognition.product.unit.user
        payload = {**notifications.payload_for(objection), "due": due.isoformat(), "request": message,
                   "link": portal_path(objection)}
        pending.outbox += notifications.queue("objection_reply_requested", phone=user.phone, user=user,
                                              payload=payload)
    return objection


def reply_problems(text, files=()):
    """{field: message} of a unit's reply (empty: fine)."""
    text = (text or "").strip()
    errors = {}
    if not text:
        errors["reply"] = _l("请填写说明内容")
    elif len(text) < REPLY_MIN:
        errors["reply"] = _l("说明内容不能少于%(n)s字", n=REPLY_MIN)
    elif len(text) > REPLY_MAX:
        errors["reply"] = _l("说明内容不能超过%(n)s字", n=REPLY_MAX)
    if len(files) > REPLY_FILES_MAX:
        errors["files"] = _l("附件最多%(n)s个", n=REPLY_FILES_MAX)
    return errors


def may_reply(objection):
    """The unit may answer now: a reply is requested, not given, and the objection is open."""
    return objection.status in OPEN and reply_state(objection) == "requested"


def _asker(objection):
    """The account that asked for the reply (the last 请单位说明), else the objection's handler."""
    row = (AuditLog.select().where(AuditLog.object_type == OBJECT_TYPE, AuditLog.object_id == objection.id,
                                   AuditLog.event == "reply_requested")
           .order_by(AuditLog.id.desc()).first())
    user = row.actor if row is not None and row.actor_id else None
    return user or (objection.handler if objection.handler_id else None)


def unit_reply(objection, user, text, files=()):
    """The unit's reply to 请单位说明: text (REPLY_MIN–REPLY_MAX characters) and files (StoredFile
    rows already checked, kept as ObjectionFile kind "unit"). Only the account of the
    objection's unit, only while a reply is requested and the objection is open. The handler
    who asked is told. Raises GuardFailed ({field: message} in .fields) or PermissionDenied /
    TransitionNotAllowed / AlreadyDecided."""
    if objection.recognition.product.unit.user_id != user.id:
        raise workflows.PermissionDenied(_l("您没有权限执行此操作"))
    if not may_reply(objection):
        raise workflows.TransitionNotAllowed(_l("该异议当前无需说明或已说明"))
    files = list(files)
    errors = reply_problems(text, files)
    if errors:
        error = workflows.GuardFailed(next(iter(errors.values())), list(errors.values()))
        error.fields = errors
        raise error
    with workflows.after_commit() as pending, db.database.atomic():
        done = (Objection.update(reply=text.strip(), replied_at=utcnow())
                .where(Objection.id == objection.id, Objection.replied_at.is_null(),
                       Objection.status.in_(OPEN)).execute())
        if done != 1:
            raise workflows.AlreadyDecided(_l("该异议已处理或已说明，请刷新后查看"))
        for stored in files:
            ObjectionFile.create(objection=objection, file=stored, kind=UNIT_FILE)
        objection = Objection.get_by_id(objection.id)
        # kept if a further reply is asked for; the history names the unit, not its login
        _audit(objection, user, "unit_replied", objection.reply, name=objection.recognition.product.unit.name)
        asker = _asker(objection)
        if asker is not None:
            payload = {**notifications.payload_for(objection), "unit": objection.recognition.product.unit.name}
            pending.outbox += notifications.queue("objection_unit_replied", email=asker.email, user=asker,
                                                  payload=payload)
    return objection


def files_of(objection, kind):
    """The objection's StoredFile rows of `kind` (objector / unit), in upload order."""
    return list(StoredFile.select().join(ObjectionFile)
                .where(ObjectionFile.objection == objection, ObjectionFile.kind == kind)
                .order_by(ObjectionFile.id))


# ---------------------------------------------------------------- the objector's contact details


def mask_phone(phone):
    phone = phone or ""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 8 else "****"


def mask_email(email):
    name, at, domain = (email or "").partition("@")
    return f"{name[:1]}***@{domain}" if at else "***"


def contacts_viewed(objection, actor):
    """查看联系方式: the actor (a handler or an administrator) sees the objector's phone and
    e-mail; every view is an audit row."""
    if not _is_staff_handler(actor):
        raise workflows.PermissionDenied(_l("您没有权限执行此操作"))
    return _audit(objection, actor, "contacts_viewed")


# ---------------------------------------------------------------- the page's other parts


def decision_templates():
    """The active reason templates of objection decisions."""
    return list(ReasonTemplate.select().where(ReasonTemplate.scope == "objection", ReasonTemplate.active)
                .order_by(ReasonTemplate.sort))


def others_of_unit(objection):
    """The unit's other objections, newest first, with their products."""
    unit_id = objection.recognition.product.unit_id
    return list(Objection.select(Objection, Recognition, Product).join(Recognition).join(Product)
                .where(Product.unit == unit_id, Objection.id != objection.id)
                .order_by(Objection.id.desc()))


def of_unit(unit):
    """Every objection against the unit's products, newest first (the portal's list)."""
    return (Objection.select(Objection, Recognition, Product).join(Recognition).join(Product)
            .where(Product.unit == unit).order_by(Objection.id.desc()))


def counts_by_product(product_ids):
    """{product id: number of objections} (the portal's 异议 N 件)."""
    ids = list(product_ids)
    if not ids:
        return {}
    rows = (Objection.select(Recognition.product, Objection.id).join(Recognition)
            .where(Recognition.product.in_(ids)).tuples())
    counts = {}
    for product_id, _id in rows:
        counts[product_id] = counts.get(product_id, 0) + 1
    return counts
