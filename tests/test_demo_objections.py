"""Demo objections (seed/demo_objections.py): `flask zlcp seed --demo` gives the 异议处理 role a
real queue — objections 已受理 (one past its 处理期限, holding a notice past its end), 处理中
with the unit's reply and 处理中 waiting for it, 异议成立 (its recognition 撤销认定) and
异议不成立 with the reason — each decision demo_handler's through workflows.apply, and a
second run adds nothing."""

from conftest import PASSWORD

from domain.objections import handling
from models import AuditLog, Objection, ObjectionFile, today_shanghai
from workflows import ObjectionStatus, RecognitionStatus


def _audit(objection, event):
    return AuditLog.get_or_none(AuditLog.object_type == "objection", AuditLog.object_id == objection.id,
                                AuditLog.event == event)


def test_the_demo_has_objections_in_every_state(db_session, fixed_clock):
    from seed.demo import load

    load(PASSWORD, products=30)
    today = today_shanghai()
    by_status = {}
    for objection in Objection.select():
        by_status.setdefault(objection.status, []).append(objection)
    assert set(by_status) == set(ObjectionStatus)
    assert len(by_status[ObjectionStatus.ACCEPTED]) >= 2
    for objection in Objection.select():
        assert len(objection.content) >= 20 and objection.phone.startswith("139")
        assert objection.email.endswith("@example.cn")
        assert _audit(objection, "received") is not None  # filed as the public form files it

    # 已受理: the notice held past its end by an open objection, that one past its 处理期限
    held = [o for o in by_status[ObjectionStatus.ACCEPTED]
            if o.recognition.status == RecognitionStatus.NOTICE and o.recognition.notice_end < today]
    assert len(held) == 1
    assert held[0].deadline is not None and handling.is_overdue(held[0], today)
    assert handling.overdue_ids(today) == [held[0].id]

    # 处理中: one answered by the unit (text, time, its attachment), one waiting for the answer
    processing = by_status[ObjectionStatus.PROCESSING]
    replied = [o for o in processing if handling.reply_state(o) == "replied"]
    waiting = [o for o in processing if handling.reply_state(o) == "requested"]
    assert replied and waiting
    answer = replied[0]
    assert len(answer.reply) >= 20 and answer.replied_at is not None and answer.reply_request
    assert answer.reply_requested_at <= answer.replied_at
    assert answer.recognition.product.unit.user.username == "demo_unit"  # shows in demo_unit's portal
    assert ObjectionFile.select().where(ObjectionFile.objection == answer, ObjectionFile.kind == "unit").exists()
    assert _audit(answer, "unit_replied").actor.username == "demo_unit"
    assert waiting[0].reply_due is not None and not waiting[0].reply

    # 异议成立: the recognition went 撤销认定 at once; 异议不成立 with the reason; demo_handler decided
    upheld = by_status[ObjectionStatus.UPHELD][0]
    assert upheld.recognition.status == RecognitionStatus.REVOKED
    assert upheld.recognition.product.unit.user.username != "demo_unit"
    assert ObjectionFile.select().where(ObjectionFile.objection == upheld, ObjectionFile.kind == "objector").exists()
    dismissed = by_status[ObjectionStatus.DISMISSED][0]
    for objection, event in ((upheld, "uphold"), (dismissed, "dismiss")):
        assert objection.outcome and objection.decided_at > objection.created_at
        decision = _audit(objection, event)
        assert decision.actor.username == "demo_handler" and decision.reason == objection.outcome
        assert objection.handler.username == "demo_handler"
    revoke = AuditLog.get(AuditLog.object_type == "recognition", AuditLog.object_id == upheld.recognition_id,
                          AuditLog.event == "revoke")
    assert revoke.actor.username == "demo_handler"

    before = Objection.select().count(), AuditLog.select().count()
    load(PASSWORD, products=30)
    assert (Objection.select().count(), AuditLog.select().count()) == before


def test_without_two_products_to_object_to_the_demo_objections_are_left_out(db_session):
    from seed import demo_objections

    # (whatever the day: demo recognitions may be left out when a year's holidays are not entered)
    assert demo_objections.load() == ["异议演示数据：公示中或已认定的产品不足两个，跳过"]
    assert not Objection.select().exists()
