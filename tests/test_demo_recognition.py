"""Demo recognition (seed/demo_recognition.py): `flask zlcp seed --demo` shows the whole
lifecycle of manual §七 — this year's open round with candidates, products 公示中 (one ending
later, one held past its end by an open objection), 已认定, 撤销认定 and 已过期 — every status
reached through workflows.apply, and a second run adds nothing."""

from conftest import PASSWORD

from domain.recognition import candidates, notices
from domain.recognition.rounds import current_round
from models import AuditLog, Recognition, today_shanghai
from workflows import RecognitionStatus


def test_the_demo_shows_every_stage_of_recognition(db_session, fixed_clock):
    from seed.demo import load

    load(PASSWORD, products=30)
    today = today_shanghai()
    by_status = {}
    for rec in Recognition.select():
        by_status.setdefault(rec.status, []).append(rec)
    # 已认定 ×2, one of them then revoked by an upheld demo objection (seed/demo_objections.py)
    assert {s: len(v) for s, v in by_status.items()} == {
        RecognitionStatus.NOTICE: 3, RecognitionStatus.RECOGNISED: 1, RecognitionStatus.REVOKED: 2,
        RecognitionStatus.EXPIRED: 1}
    rows = notices.notice_rows(notices.notice_query())
    assert sum(r.held_by_objection for r in rows) == 1
    assert sum(r.rec.notice_end > today for r in rows) == 2
    assert all(r.valid_until > today for r in by_status[RecognitionStatus.RECOGNISED])
    assert any(r.product.unit.user.username == "demo_unit" for r in by_status[RecognitionStatus.RECOGNISED])
    # every status change went through workflows.apply: one audit row each
    events = {(a.object_id, a.event) for a in AuditLog.select().where(AuditLog.object_type == "recognition")}
    assert {(r.id, "recognise") for r in by_status[RecognitionStatus.EXPIRED]} <= events
    assert {(r.id, "expire") for r in by_status[RecognitionStatus.EXPIRED]} <= events
    assert {(r.id, "revoke") for r in by_status[RecognitionStatus.REVOKED]} <= events
    round_ = current_round()
    assert round_.year == today.year and candidates.candidates(round_)

    before = Recognition.select().count()
    load(PASSWORD, products=30)
    assert Recognition.select().count() == before
