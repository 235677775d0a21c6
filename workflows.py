"""Every status in ZLCP changes here and nowhere else: the workflow engine.

apply() checks that the transition exists, the actor's role and ownership, the guards;
performs a conditional UPDATE on the old status (so two reviewers cannot both decide);
runs the transition's effect; tells the listeners that keep derived data in step (the
public search index) and writes the audit row and the outbox rows, all in the same
transaction; after the commit it hands the outbox to the delivery job and queues the
transition's jobs (documents…).

The status words live here and nowhere else: the enums, their labels in the manual's words
(STATUS_LABELS, shown through status_label() and the templates' status macro), and each
model's first status (models.INITIAL_STATUS, filled below).

The table itself — which event leads from which status to which, for whom, with which
guards and effects — reads like the manual's state diagrams in domain/transitions.py, the
domains' rules being its guards and effects; create_app() hands it to register(). This
module imports only the models and the infrastructure it drives (notifications, jobs), so
every domain module can call apply().
"""

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l

import jobs
from infra import notifications
from models import (
    INITIAL_STATUS,
    AuditLog,
    Objection,
    Product,
    Recognition,
    Unit,
    UnitChangeRequest,
    YearlyUpdate,
    db,
    shanghai_time,
    unit_of_obj,
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


class CertificateStatus(StrEnum):
    """What 证书查询 (/verify) and the phone page say of a certificate number, from the live
    status of its recognition (domain.recognition.certificates)."""

    VALID = "valid"
    EXPIRED = "expired"  # the recognition lapsed (已过期)
    REVOKED = "revoked"  # the recognition was revoked (撤销认定)


class ObjectionStatus(StrEnum):
    ACCEPTED = "accepted"
    PROCESSING = "processing"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


class PublicStatus(StrEnum):
    """What the public is told of a product (domain.visibility derives it from the product's
    and its recognitions' statuses); the search index stores the first three."""

    FILED = "filed"
    NOTICE = "notice"
    RECOGNISED = "recognised"
    REVOKED = "revoked"  # the filing was revoked (已撤销)
    RECOGNITION_REVOKED = "recognition_revoked"  # an upheld objection or a decision (已撤销认定)
    EXPIRED = "expired"  # the recognition lapsed; the filing stands (已过期)


# Every object starts in its first status (the models' column default).
INITIAL_STATUS.update({
    "Unit": UnitStatus.DRAFT,
    "UnitChangeRequest": ChangeStatus.PENDING,
    "Product": ProductStatus.DRAFT,
    "YearlyUpdate": UpdateStatus.DRAFT,
    "Recognition": RecognitionStatus.CANDIDATE,
    "Objection": ObjectionStatus.ACCEPTED,
})


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
    "certificate": {
        CertificateStatus.VALID: _l("有效"),
        CertificateStatus.EXPIRED: _l("已过期"),
        CertificateStatus.REVOKED: _l("撤销认定"),
    },
    "objection": {
        ObjectionStatus.ACCEPTED: _l("已受理"),
        ObjectionStatus.PROCESSING: _l("处理中"),
        ObjectionStatus.UPHELD: _l("异议成立"),
        ObjectionStatus.DISMISSED: _l("异议不成立"),
    },
    "public": {
        PublicStatus.FILED: _l("已备案"),
        PublicStatus.NOTICE: _l("公示中"),
        PublicStatus.RECOGNISED: _l("已认定"),
        PublicStatus.REVOKED: _l("已撤销"),
        PublicStatus.RECOGNITION_REVOKED: _l("已撤销认定"),
        PublicStatus.EXPIRED: _l("已过期"),
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


# What every template may use (public_site and admin_app put it in Jinja's globals, so macros
# imported without context see it too): status_label(), which the status macro
# (templates/_status.html) shows, and the enums to compare a status with
# ({% if product.status == ProductStatus.FILED %}), never a quoted word.
TEMPLATE_GLOBALS = {
    "status_label": status_label,
    **{enum.__name__: enum for enum in (UnitStatus, ChangeStatus, ProductStatus, UpdateStatus, RecognitionStatus,
                                        ObjectionStatus, PublicStatus, CertificateStatus)},
}


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


# ---------------------------------------------------------------- the table


def guard(link=None):
    """Mark a guard function: (obj, ctx) -> None, a message, or a list of messages. `link` is
    the portal endpoint where a unit fixes what it refused."""

    def mark(function):
        function.link = link
        return function

    return mark


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
    jobs: tuple = ()  # jobs.JOBS names, queued with the object's id after the commit
    confirm: bool = False  # the button asks for confirmation
    meta: dict = field(default_factory=dict)


_table = []


def register(transitions):
    """Use this table (domain/transitions.py's TRANSITIONS); replaces any earlier one."""
    _table[:] = transitions


MODELS = {kind: model for model, kind in KINDS.items()}


def transitions_for(kind, status=None):
    return [t for t in _table if t.kind == kind and (status is None or status in t.sources)]


def find_transition(kind, status, event):
    for t in _table:
        if t.kind == kind and t.event == event and status in t.sources:
            return t
    return None


# ---------------------------------------------------------------- ownership, roles


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
    """The address that connected, or the one trusted proxies forwarded (PROXY_FIX, applied
    in create_app()); never a header any client can send."""
    if has_request_context():
        return request.remote_addr or ""
    return ""


def _last_decision(obj, kind):
    return (
        AuditLog.select()
        .where(AuditLog.object_type == kind, AuditLog.object_id == obj.id)
        .order_by(AuditLog.id.desc())
        .first()
    )


# ---------------------------------------------------------------- listeners, after commit

_listeners = {}


def listen(name, callback):
    """callback(kind, obj, transition) runs inside the transaction of every status change,
    after the effect (obj is the object as it is now), so derived data changes with the
    status or not at all. The search index listens (domain.search.init_app). Registering
    the same name again replaces the callback."""
    _listeners[name] = callback


class AfterCommit:
    """What the transitions of one transaction hand on once it has committed: outbox rows
    to deliver and jobs to queue."""

    def __init__(self):
        self.outbox = []
        self.jobs = {}  # (job name, queue, args) in order, each once

    def job(self, name, *args, queue="default"):
        self.jobs[(name, queue, args)] = None

    def run(self):
        if self.outbox:
            notifications.deliver_soon(self.outbox)
        for name, queue, args in self.jobs:
            jobs.enqueue(name, *args, queue=queue)


_pending = threading.local()


@contextmanager
def after_commit():
    """Collect the notifications and jobs of every transition applied inside the block and
    hand them on when the block ends without an error. Put the block around the
    transaction (bulk 通过: one block per batch it commits); apply() opens one of its own,
    and a nested block (an effect that applies a second transition) joins the outer one."""
    current = getattr(_pending, "value", None)
    if current is not None:
        yield current
        return
    _pending.value = current = AfterCommit()
    try:
        yield current
    finally:
        _pending.value = None
    current.run()


def apply(obj, event, actor, reason=None, seen=None, **data):
    """Trigger `event` on `obj` as `actor` (a User or SYSTEM). Returns the refreshed obj.

    Raises TransitionNotAllowed, PermissionDenied, GuardFailed or AlreadyDecided.
    `seen` is the status the actor decided on (the page they read); if it has changed since,
    AlreadyDecided names who decided meanwhile. Notifications and the transition's jobs go
    out after the commit (see after_commit()).
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
    ctx = {
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
        links += [getattr(guard, "link", None)] * len(found)
    if errors:
        raise GuardFailed(errors[0], errors, links)

    old = obj.status
    with after_commit() as pending, db.database.atomic():
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
        fresh = _after(obj, {**values, **(extra or {})})
        for callback in list(_listeners.values()):
            callback(kind, fresh, transition)
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
        for template in transition.notify:
            pending.outbox += notifications.queue_event(template, fresh, reason=reason)
        for name in transition.jobs:
            pending.job(name, obj.id, queue=jobs.queue_of(name))
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
