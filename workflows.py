"""Every status in ZLCP changes here and nowhere else.

TRANSITIONS reads like the manual's state diagrams. apply() checks the transition,
the actor's role and ownership, the guards; performs a conditional UPDATE on the old
status (so two reviewers cannot both decide); runs the transition's effect; writes
the audit row and the outbox rows in the same transaction; and hands the outbox to
the delivery job after commit.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l

import notifications
import search
from models import (
    AssetInfo,
    AuditLog,
    Objection,
    Product,
    ProductVersion,
    Recognition,
    Unit,
    UnitChangeRequest,
    UnitNameHistory,
    YearlyUpdate,
    db,
    last_fiscal_year,
    shanghai_time,
    today_shanghai,
    utcnow,
)


class Role(StrEnum):
    UNIT = "unit"
    REVIEWER = "reviewer"
    OFFICER = "officer"
    HANDLER = "handler"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.UNIT: _l("单位"),
    Role.REVIEWER: _l("审核员"),
    Role.OFFICER: _l("认定管理"),
    Role.HANDLER: _l("异议处理"),
    Role.ADMIN: _l("系统管理员"),
}
STAFF_ROLES = (Role.REVIEWER, Role.OFFICER, Role.HANDLER, Role.ADMIN)
SYSTEM = "system"  # the actor of scheduled jobs


class UnitStatus(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ChangeStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ProductStatus(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    REJECTED = "rejected"
    FILED = "filed"
    REVOCATION_PENDING = "revocation_pending"
    REVOKED = "revoked"


class UpdateStatus(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    REJECTED = "rejected"
    APPROVED = "approved"


class RecognitionStatus(StrEnum):
    CANDIDATE = "candidate"
    NOTICE = "notice"
    RECOGNISED = "recognised"
    REVOKED = "revoked"
    EXPIRED = "expired"


class ObjectionStatus(StrEnum):
    ACCEPTED = "accepted"
    PROCESSING = "processing"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


# The manual's own words for every state.
STATUS_LABELS = {
    "unit": {
        UnitStatus.DRAFT: _l("未提交"),
        UnitStatus.PENDING: _l("等待审核"),
        UnitStatus.APPROVED: _l("审核通过"),
        UnitStatus.REJECTED: _l("审核不通过"),
    },
    "change": {
        ChangeStatus.PENDING: _l("待审核"),
        ChangeStatus.APPROVED: _l("审核通过"),
        ChangeStatus.REJECTED: _l("不通过"),
    },
    "product": {
        ProductStatus.DRAFT: _l("未提交"),
        ProductStatus.PENDING: _l("待审核"),
        ProductStatus.REJECTED: _l("不通过"),
        ProductStatus.FILED: _l("已备案"),
        ProductStatus.REVOCATION_PENDING: _l("撤销审核中"),
        ProductStatus.REVOKED: _l("已撤销"),
    },
    "update": {
        UpdateStatus.DRAFT: _l("未更新"),
        UpdateStatus.PENDING: _l("待审核"),
        UpdateStatus.REJECTED: _l("不通过"),
        UpdateStatus.APPROVED: _l("已更新"),
    },
    "recognition": {
        RecognitionStatus.CANDIDATE: _l("待公示"),
        RecognitionStatus.NOTICE: _l("公示中"),
        RecognitionStatus.RECOGNISED: _l("已认定"),
        RecognitionStatus.REVOKED: _l("撤销认定"),
        RecognitionStatus.EXPIRED: _l("已过期"),
    },
    "objection": {
        ObjectionStatus.ACCEPTED: _l("已受理"),
        ObjectionStatus.PROCESSING: _l("处理中"),
        ObjectionStatus.UPHELD: _l("异议成立"),
        ObjectionStatus.DISMISSED: _l("异议不成立"),
    },
}

KINDS = {
    Unit: "unit",
    UnitChangeRequest: "change",
    Product: "product",
    YearlyUpdate: "update",
    Recognition: "recognition",
    Objection: "objection",
}


def status_label(obj_or_kind, status=None):
    kind = obj_or_kind if isinstance(obj_or_kind, str) else KINDS[type(obj_or_kind)]
    status = status if status is not None else obj_or_kind.status
    return STATUS_LABELS[kind].get(status, status)


# ---------------------------------------------------------------- errors


class WorkflowError(Exception):
    def __init__(self, message, errors=None):
        super().__init__(str(message))
        self.message = message
        self.errors = list(errors or [message])


class TransitionNotAllowed(WorkflowError):
    """No such event from the object's current status."""


class PermissionDenied(WorkflowError):
    """The actor's roles (or ownership) do not allow the event."""


class GuardFailed(WorkflowError):
    """The event exists and is allowed, but a rule is not met; .errors lists every one,
    .links the portal endpoint where each can be fixed (or None)."""

    def __init__(self, message, errors=None, links=None):
        super().__init__(message, errors)
        self.links = list(links or [None] * len(self.errors))


class AlreadyDecided(WorkflowError):
    """Someone else changed the status first."""


# ---------------------------------------------------------------- guards
# A guard takes (obj, ctx) and returns None or a message (optionally with a link).


def guard_unit_complete(unit, ctx):
    missing = [label for name, label in UNIT_REQUIRED if not getattr(unit, name)]
    if unit.unit_type == "enterprise":
        missing += [label for name, label in ENTERPRISE_REQUIRED if not getattr(unit, name)]
    if missing:
        return _l("请填写：%(fields)s", fields="、".join(str(m) for m in missing))
    return None


UNIT_REQUIRED = (
    ("unit_type", _l("备案单位类型")),
    ("credit_code", _l("统一社会信用代码")),
    ("name", _l("单位名称")),
    ("registered_address", _l("注册地址")),
    ("office_address", _l("办公地址")),
    ("registered_capital", _l("注册资本")),
    ("industry", _l("国民经济行业分类")),
    ("legal_rep", _l("法定代表人")),
    ("legal_rep_phone", _l("法定代表人电话")),
    ("contact", _l("联系人")),
    ("contact_phone", _l("联系电话")),
    ("license_file", _l("营业执照或组织机构代码证")),
    ("commitment_file", _l("诚信承诺书")),
)
ENTERPRISE_REQUIRED = (("enterprise_type", _l("企业类型")), ("enterprise_size", _l("企业规模")))


def guard_asset_info_present(obj, ctx):
    """Asset info of last fiscal year must exist before filing or yearly update."""
    unit = unit_of_obj(obj)
    year = last_fiscal_year()
    if not AssetInfo.select().where(AssetInfo.unit == unit, AssetInfo.fiscal_year == year).exists():
        return _l("请先填报%(year)s年度资产信息", year=year)
    return None


def guard_unit_approved(obj, ctx):
    if unit_of_obj(obj).status != UnitStatus.APPROVED:
        return _l("单位实名认证审核通过后方可办理")
    return None


def guard_no_pending_change(obj, ctx):
    unit = unit_of_obj(obj)
    pending = UnitChangeRequest.select().where(
        UnitChangeRequest.unit == unit, UnitChangeRequest.status == ChangeStatus.PENDING
    )
    if pending.exists():
        return _l("单位信息变更正在审核中，审核通过后方可办理")
    return None


def guard_filing_rules(product, ctx):
    """The product filing rules of SPEC §6.1–6.3 (filing_rules.py), every one at once."""
    from filing_rules import filing_rules

    return filing_rules(product) or None


def guard_revocation_prompted(product, ctx):
    if product.revocation_prompt_at is None:
        return _l("该产品没有待确认的撤销提示")
    return None


def guard_update_window_open(update, ctx):
    from workdays import update_window

    window = update_window(update.year)
    today = today_shanghai()
    if not (window.opens_on <= today <= window.closes_on):
        return _l(
            "产品备案信息更新开放时间为%(start)s至%(end)s",
            start=window.opens_on.isoformat(),
            end=window.closes_on.isoformat(),
        )
    return None


def guard_notice_over_and_no_open_objection(rec, ctx):
    if rec.notice_end is None or today_shanghai() <= rec.notice_end:
        return _l("公示期尚未结束")
    open_ = rec.objections.where(
        Objection.status.in_([ObjectionStatus.ACCEPTED, ObjectionStatus.PROCESSING])
    )
    if open_.exists():
        return _l("尚有未处理完毕的异议")
    return None


def guard_validity_over(rec, ctx):
    if rec.valid_until is None or today_shanghai() <= rec.valid_until:
        return _l("认定有效期尚未届满")
    return None


# Where a unit fixes what a guard refused (portal endpoints).
GUARD_LINKS = {
    guard_asset_info_present: "portal.assets",
    guard_unit_approved: "portal.verification",
    guard_no_pending_change: "portal.change",
    guard_unit_complete: "portal.verification",
}


# ---------------------------------------------------------------- effects
# An effect takes (obj, ctx) and returns a dict of extra columns for the UPDATE, and may
# write related rows. It runs inside the transaction, after the guards.


def effect_unit_submitted(unit, ctx):
    return {"submitted_at": utcnow(), "review_flags": None}


def effect_unit_rejected(unit, ctx):
    """Keep the fields the reviewer flagged, so the portal highlights them."""
    flags = [f for f in (ctx.get("flags") or "").split(",") if f]
    return {"review_flags": flags or None}


def effect_unit_approved(unit, ctx):
    return {"approved_at": utcnow(), "review_flags": None}


def effect_change_approved(change, ctx):
    unit = change.unit
    new = change.new_values
    if "name" in new and new["name"] != unit.name and unit.name:
        UnitNameHistory.create(unit=unit, name=unit.name)
    Unit.update(**{**new, "updated_at": utcnow()}).where(Unit.id == unit.id).execute()
    if "name" in new:
        search.reindex_unit(unit.id)  # its products are found by the new and the former names
    return {"decided_at": utcnow()}


def effect_decided(obj, ctx):
    return {"decided_at": utcnow()}


def snapshot(product, kind, actor):
    """Store the product's complete current data as the next version."""
    from filings import product_snapshot

    last = product.versions.order_by(ProductVersion.number.desc()).first()
    return ProductVersion.create(
        product=product,
        number=(last.number + 1) if last else 1,
        kind=kind,
        data=product_snapshot(product),
        submitted_by=actor if not isinstance(actor, str) else None,
    )


def effect_product_submitted(product, ctx):
    snapshot(product, "filing", ctx["actor"])
    return {"submitted_at": utcnow()}


def effect_product_filed(product, ctx):
    from filings import next_filing_number

    number = product.filing_number or next_filing_number(product)
    return {"filed_at": utcnow(), "filing_number": number, "revocation_reason": ""}


def effect_revocation_requested(product, ctx):
    return {"revocation_reason": ctx["reason"]}


def effect_product_revoked(product, ctx):
    return {"revoked_at": utcnow(), "revocation_prompt_at": None}


def effect_patents_lapsed(product, ctx):
    return {"revocation_prompt_at": utcnow()}


def effect_update_submitted(update, ctx):
    return {"submitted_at": utcnow()}


def effect_update_approved(update, ctx):
    from filings import apply_update

    apply_update(update)
    snapshot(update.product, "update", ctx["actor"])
    return {"decided_at": utcnow()}


def effect_notice_started(rec, ctx):
    from workdays import add_working_days

    start = ctx.get("start") or today_shanghai()
    return {"notice_start": start, "notice_end": add_working_days(start, 10)}


def effect_recognised(rec, ctx):
    from filings import next_certificate_number

    today = today_shanghai()
    return {
        "recognised_at": utcnow(),
        "valid_until": today.replace(year=today.year + 1) - timedelta(days=1),
        "certificate_number": rec.certificate_number or next_certificate_number(rec),
    }


def effect_recognition_revoked(rec, ctx):
    return {"revoked_at": utcnow()}


def effect_objection_upheld(objection, ctx):
    rec = objection.recognition
    if rec.status in (RecognitionStatus.NOTICE, RecognitionStatus.RECOGNISED):
        apply(rec, "revoke", ctx["actor"], reason=ctx["reason"], _outbox=ctx["outbox"])
    return {"decided_at": utcnow(), "outcome": ctx["reason"], "handler": ctx["actor_id"]}


def effect_objection_dismissed(objection, ctx):
    return {"decided_at": utcnow(), "outcome": ctx["reason"], "handler": ctx["actor_id"]}


def effect_objection_processing(objection, ctx):
    return {"handler": ctx["actor_id"]}


# ---------------------------------------------------------------- the table


@dataclass(frozen=True)
class Transition:
    kind: str
    sources: tuple
    event: str
    target: str
    roles: tuple  # Role values, or SYSTEM
    label: object
    reason_required: bool = False
    guards: tuple = ()
    effect: object = None
    notify: tuple = ()  # notification template names (notifications.TEMPLATES)
    confirm: bool = False  # the button asks for confirmation
    meta: dict = field(default_factory=dict)


U, R, O, H, A = Role.UNIT, Role.REVIEWER, Role.OFFICER, Role.HANDLER, Role.ADMIN
US, CS, PS, YS, RS, OS = (
    UnitStatus,
    ChangeStatus,
    ProductStatus,
    UpdateStatus,
    RecognitionStatus,
    ObjectionStatus,
)
T = Transition

TRANSITIONS = (
    # 单位实名认证 (manual §三)
    T("unit", (US.DRAFT, US.REJECTED), "submit", US.PENDING, (U,), _l("提交审核"),
      guards=(guard_unit_complete,), effect=effect_unit_submitted),
    T("unit", (US.PENDING,), "approve", US.APPROVED, (R,), _l("通过"),
      effect=effect_unit_approved, notify=("unit_approved",)),
    T("unit", (US.PENDING,), "reject", US.REJECTED, (R,), _l("不通过"), reason_required=True,
      effect=effect_unit_rejected, notify=("unit_rejected",)),
    # 变更单位信息 (manual §八)
    T("change", (CS.PENDING,), "approve", CS.APPROVED, (R,), _l("通过"),
      effect=effect_change_approved, notify=("change_approved",)),
    T("change", (CS.PENDING,), "reject", CS.REJECTED, (R,), _l("不通过"), reason_required=True,
      effect=effect_decided, notify=("change_rejected",)),
    # 产品备案 (manual §五, SPEC §6.4)
    T("product", (PS.DRAFT, PS.REJECTED), "submit", PS.PENDING, (U,), _l("提交审核"),
      guards=(guard_unit_approved, guard_no_pending_change, guard_asset_info_present,
              guard_filing_rules),
      effect=effect_product_submitted),
    T("product", (PS.PENDING,), "approve", PS.FILED, (R,), _l("通过"),
      effect=effect_product_filed, notify=("product_filed",)),
    T("product", (PS.PENDING,), "reject", PS.REJECTED, (R,), _l("不通过"), reason_required=True,
      notify=("product_rejected",)),
    T("product", (PS.FILED,), "request_revocation", PS.REVOCATION_PENDING, (U,),
      _l("申请撤销备案"), reason_required=True, effect=effect_revocation_requested),
    T("product", (PS.REVOCATION_PENDING,), "approve_revocation", PS.REVOKED, (R,),
      _l("同意撤销"), effect=effect_product_revoked, notify=("product_revoked",)),
    T("product", (PS.REVOCATION_PENDING,), "reject_revocation", PS.FILED, (R,),
      _l("不同意撤销"), reason_required=True, notify=("revocation_rejected",)),
    T("product", (PS.FILED,), "flag_patents_lapsed", PS.FILED, (SYSTEM,), _l("提示确认撤销"),
      effect=effect_patents_lapsed, notify=("patents_lapsed",)),
    T("product", (PS.FILED,), "confirm_revocation", PS.REVOKED, (U,), _l("确认撤销"),
      guards=(guard_revocation_prompted,), effect=effect_product_revoked, confirm=True,
      notify=("product_revoked",)),
    T("product", (PS.FILED,), "admin_revoke", PS.REVOKED, (A,), _l("撤销备案"),
      reason_required=True, effect=effect_product_revoked, confirm=True,
      notify=("product_revoked",)),
    # 产品备案信息更新 (manual §六)
    T("update", (YS.DRAFT, YS.REJECTED), "submit", YS.PENDING, (U,), _l("提交审核"),
      guards=(guard_update_window_open, guard_no_pending_change, guard_asset_info_present),
      effect=effect_update_submitted),
    T("update", (YS.PENDING,), "approve", YS.APPROVED, (R,), _l("通过"),
      effect=effect_update_approved, notify=("update_approved",)),
    T("update", (YS.PENDING,), "reject", YS.REJECTED, (R,), _l("不通过"), reason_required=True,
      effect=effect_decided, notify=("update_rejected",)),
    # 认定 (manual §七)
    T("recognition", (RS.CANDIDATE,), "start_notice", RS.NOTICE, (O,), _l("开始公示"),
      effect=effect_notice_started, notify=("notice_started",)),
    T("recognition", (RS.NOTICE,), "recognise", RS.RECOGNISED, (SYSTEM,), _l("认定"),
      guards=(guard_notice_over_and_no_open_objection,), effect=effect_recognised,
      notify=("recognised",)),
    T("recognition", (RS.NOTICE, RS.RECOGNISED), "revoke", RS.REVOKED, (H,), _l("撤销认定"),
      reason_required=True, effect=effect_recognition_revoked, notify=("recognition_revoked",)),
    T("recognition", (RS.RECOGNISED,), "expire", RS.EXPIRED, (SYSTEM,), _l("过期"),
      guards=(guard_validity_over,)),
    # 公众异议 (manual §九)
    T("objection", (OS.ACCEPTED,), "start_processing", OS.PROCESSING, (H,), _l("开始处理"),
      effect=effect_objection_processing),
    T("objection", (OS.ACCEPTED, OS.PROCESSING), "uphold", OS.UPHELD, (H,), _l("异议成立"),
      reason_required=True, effect=effect_objection_upheld, confirm=True,
      notify=("objection_upheld",)),
    T("objection", (OS.ACCEPTED, OS.PROCESSING), "dismiss", OS.DISMISSED, (H,), _l("异议不成立"),
      reason_required=True, effect=effect_objection_dismissed, notify=("objection_dismissed",)),
)

MODELS = {kind: model for model, kind in KINDS.items()}


def transitions_for(kind, status=None):
    return [t for t in TRANSITIONS if t.kind == kind and (status is None or status in t.sources)]


def find_transition(kind, status, event):
    for t in TRANSITIONS:
        if t.kind == kind and t.event == event and status in t.sources:
            return t
    return None


# ---------------------------------------------------------------- ownership, roles


def unit_of_obj(obj):
    if isinstance(obj, Unit):
        return obj
    if isinstance(obj, (UnitChangeRequest, Product)):
        return obj.unit
    if isinstance(obj, YearlyUpdate):
        return obj.product.unit
    if isinstance(obj, Recognition):
        return obj.product.unit
    if isinstance(obj, Objection):
        return obj.recognition.product.unit
    raise TypeError(obj)


def actor_roles(actor):
    if actor == SYSTEM:
        return {SYSTEM}
    if actor is None or not getattr(actor, "is_authenticated", True):
        return set()
    # A caller deciding many items at once may look the roles up once (bulk 通过).
    return set(getattr(actor, "cached_roles", None) or actor.role_names)


def may(actor, transition, obj):
    """Role and ownership: a unit acts only on its own objects."""
    allowed = actor_roles(actor) & set(transition.roles)
    if not allowed:
        return False
    if allowed == {Role.UNIT}:
        return unit_of_obj(obj).user_id == actor.id
    return True


def available_actions(obj, actor):
    """Transitions the actor may trigger on obj now (guards are checked on apply)."""
    kind = KINDS[type(obj)]
    return [t for t in transitions_for(kind, obj.status) if may(actor, t, obj)]


# ---------------------------------------------------------------- apply


def _client_ip():
    if has_request_context():
        return request.headers.get("X-Real-IP") or request.remote_addr or ""
    return ""


def _last_decision(obj, kind):
    return (
        AuditLog.select()
        .where(AuditLog.object_type == kind, AuditLog.object_id == obj.id)
        .order_by(AuditLog.id.desc())
        .first()
    )


# Kinds whose transitions change what public search shows of a product.
REINDEXED = ("product", "recognition", "update")


def apply(obj, event, actor, reason=None, _outbox=None, seen=None, **data):
    """Trigger `event` on `obj` as `actor` (a User or SYSTEM). Returns the refreshed obj.

    Raises TransitionNotAllowed, PermissionDenied, GuardFailed or AlreadyDecided.
    `seen` is the status the actor decided on (the page they read); if it has changed since,
    AlreadyDecided names who decided meanwhile.
    `_outbox` is for an effect that applies a second transition inside this one: its
    notifications are then delivered with the outer transition's, after the commit.
    """
    kind = KINDS[type(obj)]
    model = type(obj)
    if seen and seen != obj.status:
        raise _already_decided(obj, kind)
    transition = find_transition(kind, obj.status, event)
    if transition is None:
        raise TransitionNotAllowed(
            _l("当前状态（%(status)s）不能执行此操作", status=status_label(obj))
        )
    if not may(actor, transition, obj):
        raise PermissionDenied(_l("您没有权限执行此操作"))
    reason = (reason or "").strip()
    if transition.reason_required and not reason:
        raise GuardFailed(_l("请填写理由"))
    outbox_ids = [] if _outbox is None else _outbox
    ctx = {
        "outbox": outbox_ids,
        "actor": actor,
        "actor_id": None if actor == SYSTEM else actor.id,
        "reason": reason,
        **data,
    }
    errors, links = [], []
    for guard in transition.guards:
        result = guard(obj, ctx)
        found = list(result) if isinstance(result, (list, tuple)) else [result] if result else []
        errors += found
        links += [GUARD_LINKS.get(guard)] * len(found)
    if errors:
        raise GuardFailed(errors[0], errors, links)

    old = obj.status
    with db.database.atomic():
        # The conditional UPDATE comes first: it takes the row (PostgreSQL) or the write
        # lock (SQLite) before anything is read, so a concurrent decision waits and then
        # finds the status changed.
        values = {"status": transition.target}
        if "updated_at" in model._meta.fields:
            values["updated_at"] = utcnow()
        rows = model.update(**values).where(model.id == obj.id, model.status == old).execute()
        if rows != 1:
            raise _already_decided(obj, kind)
        extra = transition.effect(obj, ctx) if transition.effect else {}
        if extra:
            model.update(**extra).where(model.id == obj.id).execute()
        if kind in REINDEXED:  # the product's public status or text may have changed
            search.reindex([obj.id if kind == "product" else obj.product_id])
        AuditLog.create(
            actor=None if actor == SYSTEM else actor,
            actor_name=_actor_name(actor),
            object_type=kind,
            object_id=obj.id,
            event=event,
            from_status=old,
            to_status=transition.target,
            reason=reason,
            ip=_client_ip(),
            data={k: v for k, v in data.items() if isinstance(v, (str, int, float, bool))} or None,
        )
        fresh = _after(obj, {**values, **(extra or {})})
        for template in transition.notify:
            outbox_ids += notifications.queue_event(template, fresh, reason=reason)
    if outbox_ids and _outbox is None:
        notifications.deliver_soon(outbox_ids)
    return fresh


def _after(obj, changed):
    """obj as it is now in the database (this transaction wrote `changed`), without reading
    it again; the related rows already loaded (unit, user) stay loaded."""
    model = type(obj)
    if set(model._meta.fields) - set(obj.__data__) - set(changed):  # loaded with some columns only
        return model.get_by_id(obj.id)
    fresh = model(**{**obj.__data__, **changed})
    fresh.__rel__ = dict(obj.__rel__)
    fresh._dirty = set()
    return fresh


def _actor_name(actor):
    return "系统" if actor == SYSTEM else actor.display_name


def _already_decided(obj, kind):
    last = _last_decision(obj, kind)
    if last is not None:
        return AlreadyDecided(
            _l(
                "该事项已由%(who)s于%(when)s处理（%(status)s），请刷新后查看",
                who=last.actor_name or "—",
                when=shanghai_time(last.created_at),
                status=status_label(kind, last.to_status),
            )
        )
    return AlreadyDecided(_l("该事项已被他人处理，请刷新后查看"))


def history(obj):
    """The audit trail of one object, oldest first."""
    kind = KINDS[type(obj)]
    return (
        AuditLog.select()
        .where(AuditLog.object_type == kind, AuditLog.object_id == obj.id)
        .order_by(AuditLog.id)
    )
