"""公示管理 and what follows it (manual §七, SPEC §7.3): the notice list, the daily job that
recognises and expires, the 已认定 / 撤销认定 / 已过期 lists, 撤销认定 by decision, and the
recognition counts of the officer's 工作台.

The daily job (`recognition.daily`, jobs.PERIODIC; `flask zlcp run-periodic` runs it by hand):
- a notice whose end date has passed (the day after its last day) with no objection open →
  已认定 through workflows.apply (valid one year, certificate number: the transition's effect);
  a notice that ended while an objection is open stays 公示中 until the objection is decided;
- a recognition whose validity has ended (the day after valid_until) → 已过期 (the transition
  tells the unit: SMS and 站内消息, on that day);
- 30 days before valid_until the unit is reminded once (Recognition.expiry_reminded_at, set by
  a conditional UPDATE, so a second run or a second worker sends nothing more).
Every step is idempotent: run it twice, nothing happens twice.
"""

from dataclasses import dataclass
from datetime import timedelta

from peewee import fn

import workflows
from infra import notifications
from infra.calendar import CalendarUnknown, is_workday
from models import (
    AuditLog,
    Objection,
    Product,
    Recognition,
    RecognitionRound,
    Unit,
    db,
    today_shanghai,
    utcnow,
)
from workflows import SYSTEM, ObjectionStatus, RecognitionStatus

OPEN_OBJECTION = (ObjectionStatus.ACCEPTED, ObjectionStatus.PROCESSING)
REMIND_DAYS_BEFORE = 30
LIST_STATES = (RecognitionStatus.RECOGNISED, RecognitionStatus.REVOKED, RecognitionStatus.EXPIRED)


def open_objections(recognition_ids):
    """{recognition id: number of objections 已受理 or 处理中}."""
    ids = list(recognition_ids)
    if not ids:
        return {}
    query = (Objection.select(Objection.recognition, fn.COUNT(Objection.id).alias("n"))
             .where(Objection.recognition.in_(ids), Objection.status.in_(OPEN_OBJECTION))
             .group_by(Objection.recognition))
    return {row["recognition"]: row["n"] for row in query.dicts()}


def working_days_left(notice_end, today=None):
    """Working days of the notice still to come, today included when it is one; 0 once the
    notice is over; None when the holiday arrangement of a day in between is not entered."""
    today = today or today_shanghai()
    if notice_end is None or today > notice_end:
        return 0
    day, left = today, 0
    try:
        while day <= notice_end:
            left += is_workday(day)
            day += timedelta(days=1)
    except CalendarUnknown:
        return None
    return left


def _with_product(query):
    return query.select(Recognition, Product, Unit, RecognitionRound).join(Product).join(Unit).switch(
        Recognition).join(RecognitionRound)


@dataclass
class NoticeRow:
    rec: Recognition
    objections: int  # open ones
    days_left: int | None

    @property
    def ended(self):
        return self.rec.notice_end is not None and today_shanghai() > self.rec.notice_end

    @property
    def held_by_objection(self):
        """公示期已满，异议处理中: the notice is over, an objection keeps it 公示中."""
        return self.ended and self.objections > 0


def notice_query(round_id=None):
    query = _with_product(Recognition.select()).where(Recognition.status == RecognitionStatus.NOTICE)
    if round_id:
        query = query.where(Recognition.round == round_id)
    return query.order_by(Recognition.notice_end, Recognition.id)


def notice_rows(recognitions):
    recognitions = list(recognitions)
    counts = open_objections(r.id for r in recognitions)
    today = today_shanghai()
    return [NoticeRow(r, counts.get(r.id, 0), working_days_left(r.notice_end, today)) for r in recognitions]


def list_query(status):
    """已认定 / 撤销认定 / 已过期: the latest first."""
    order = {RecognitionStatus.RECOGNISED: Recognition.valid_until,
             RecognitionStatus.REVOKED: Recognition.revoked_at.desc(),
             RecognitionStatus.EXPIRED: Recognition.valid_until.desc()}[status]
    return _with_product(Recognition.select()).where(Recognition.status == status).order_by(order, Recognition.id)


def state_counts():
    rows = Recognition.select(Recognition.status, fn.COUNT(Recognition.id).alias("n")).group_by(Recognition.status)
    counts = {row["status"]: row["n"] for row in rows.dicts()}
    return {status: counts.get(status, 0) for status in (RecognitionStatus.NOTICE, *LIST_STATES)}


def get_recognition(rec_id):
    return _with_product(Recognition.select()).where(Recognition.id == rec_id).first()


def revoke(rec, actor, reason, seen=None):
    """撤销认定 by decision (认定管理, administrators; the objection flow revokes through its own
    transition): workflows.apply with the reason, SMS/e-mail/站内消息 to the unit. `seen`: the
    status the officer decided on."""
    return workflows.apply(rec, "revoke", actor, reason=reason, seen=seen)


def revocations(recognition_ids):
    """{recognition id: (reason, actor name)} of the 撤销认定 decisions (the audit trail keeps them)."""
    ids = list(recognition_ids)
    if not ids:
        return {}
    rows = (AuditLog.select().where(AuditLog.object_type == "recognition", AuditLog.event == "revoke",
                                    AuditLog.object_id.in_(ids)).order_by(AuditLog.id))
    return {row.object_id: (row.reason, row.actor_name) for row in rows}


# ---------------------------------------------------------------- the daily job


def daily():
    """Recognise the notices that are over, expire what has lapsed, remind before expiry."""
    today = today_shanghai()
    result = {"recognitions": 0, "held": 0, "expiries": 0, "reminders": 0}
    with workflows.after_commit():
        due = list(Recognition.select().where(Recognition.status == RecognitionStatus.NOTICE,
                                              Recognition.notice_end < today).order_by(Recognition.id))
        held = open_objections(r.id for r in due)
        for rec in due:
            if held.get(rec.id):
                result["held"] += 1
                continue
            result["recognitions"] += _apply(rec, "recognise")
        lapsed = Recognition.select().where(Recognition.status == RecognitionStatus.RECOGNISED,
                                            Recognition.valid_until < today).order_by(Recognition.id)
        for rec in list(lapsed):
            result["expiries"] += _apply(rec, "expire")
        result["reminders"] = _remind_expiring(today)
    return result


def _apply(rec, event):
    try:
        workflows.apply(rec, event, SYSTEM)
    except (workflows.AlreadyDecided, workflows.GuardFailed, workflows.TransitionNotAllowed):
        return 0  # another run decided first, or an objection arrived meanwhile
    return 1


def _remind_expiring(today):
    """Tell each unit once, 30 days before its recognition's validity ends."""
    due = Recognition.select().where(
        Recognition.status == RecognitionStatus.RECOGNISED, Recognition.expiry_reminded_at.is_null(),
        Recognition.valid_until >= today, Recognition.valid_until <= today + timedelta(days=REMIND_DAYS_BEFORE))
    ids, reminded = [], 0
    for rec in list(due):
        with db.database.atomic():
            taken = Recognition.update(expiry_reminded_at=utcnow()).where(
                Recognition.id == rec.id, Recognition.expiry_reminded_at.is_null()).execute()
            if taken:
                ids += notifications.queue_event("recognition_expiring", rec)
                reminded += 1
    notifications.deliver_soon(ids)
    return reminded
