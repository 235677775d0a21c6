"""Demo recognition (manual §七), so that `make run` shows the whole lifecycle: last year's round
(closed) with a recognition that has since expired, and this year's round with its criteria,
candidates, products 公示中 (one ending in the future, one past its end held by an open
objection, filed as the public form files it: seed/demo_objections.py), 已认定 products and one 撤销认定.

Every status moves through workflows.apply() — 开始公示 by demo_officer (with the day the
notice started, so notices lie in the past), 已认定 and 已过期 by the daily job, 撤销认定 by the
officer's decision. Only the recognition dates are then set back to the days they would have
had (a recognition is dated when the job ran). Works whatever today's date is: a step whose
notice would need a holiday arrangement not entered yet is left out, and said so. Loaded once:
nothing is added when this year's round exists.
"""

from datetime import UTC, datetime, time, timedelta

import workflows
from domain.recognition import candidates as recognition_candidates
from domain.recognition import notices as recognition_notices
from domain.transitions import one_year_from
from models import (
    SHANGHAI,
    Product,
    Recognition,
    RecognitionRound,
    Unit,
    User,
    db,
    today_shanghai,
)
from seed import demo_objections
from workflows import ProductStatus

CRITERIA = {
    "base": {"min_contribution_index": "20.00", "min_sales": "300.00", "min_gross_margin": None,
             "min_invention_patents": 1, "core_patent": True, "litigation_case_number": True},
    "rules": [{"scope": "industry", "code": "C", "min_gross_margin": "10.00"}],
}
REVOKE_REASON = "经核查，该产品上年度销售额与经济效益证明文件不符，撤销认定。"


def _utc(day):
    return datetime.combine(day, time(9), SHANGHAI).astimezone(UTC).replace(tzinfo=None)


def _filed(limit, unit_username=None, offset=0):
    query = Product.select().join(Unit).join(User).where(Product.status == ProductStatus.FILED)
    if unit_username:
        query = query.where(User.username == unit_username)
    else:
        query = query.where(User.username != "demo_unit")
    return list(query.order_by(Product.id).offset(offset).limit(limit))


def _start(rec, officer, start, skipped):
    try:
        return workflows.apply(rec, "start_notice", officer, start=start)
    except workflows.GuardFailed as exc:
        skipped.append(str(exc.message)[:40])
        return None


def _backdate(rec_id, recognised_on):
    Recognition.update(recognised_at=_utc(recognised_on), valid_until=one_year_from(recognised_on)).where(
        Recognition.id == rec_id).execute()


def load():
    """The demo rounds and recognitions; returns lines to print (none when they exist)."""
    today = today_shanghai()
    if RecognitionRound.select().where(RecognitionRound.year == today.year).exists():
        return []
    officer = User.get(User.username == "demo_officer")
    own = _filed(3, "demo_unit")
    others = _filed(8)
    if not own or len(others) < 6:
        return ["认定演示数据：已备案产品不足，跳过"]
    later = own[1:3] if len(own) == 3 else others[4:6]  # 公示中 from today, ending in the future
    skipped = []
    with workflows.after_commit(), db.database.atomic():
        last = RecognitionRound.create(
            year=today.year - 1, name=f"{today.year - 1}年度专利密集型产品认定", created_by=officer,
            filing_from=today.replace(month=1, day=1) - timedelta(days=730), filing_to=today - timedelta(days=420),
            notice_start=today - timedelta(days=400), criteria=CRITERIA, closed_at=_utc(today - timedelta(days=300)))
        current = RecognitionRound.create(
            year=today.year, name=f"{today.year}年度专利密集型产品认定", created_by=officer,
            filing_from=today.replace(month=1, day=1) - timedelta(days=365), filing_to=today.replace(month=12, day=31),
            notice_start=today - timedelta(days=45), criteria=CRITERIA)
        # last year's round: recognised, then expired
        expired = _start(Recognition.create(product=others[0], round=last), officer,
                         today - timedelta(days=400), skipped)
        # this year's, started 40 days ago: 已认定 ×2 (one of them demo_unit's), 撤销认定, and a
        # notice held past its end by an objection still open
        recognised = [_start(Recognition.create(product=p, round=current), officer, today - timedelta(days=40),
                             skipped) for p in (own[0], others[1], others[2])]
        held = _start(Recognition.create(product=others[3], round=current), officer, today - timedelta(days=40),
                      skipped)
        if held is not None:
            demo_objections.held_notice(held)  # received during the notice, still open
    recognition_notices.daily()  # as at 00:15: the notices that are over → 已认定
    for rec in [expired, *recognised]:
        if rec is not None:
            _backdate(rec.id, Recognition.get_by_id(rec.id).notice_end + timedelta(days=1))
    recognition_notices.daily()  # last year's recognition is past its validity → 已过期
    if recognised[2] is not None:
        recognition_notices.revoke(Recognition.get_by_id(recognised[2].id), officer, REVOKE_REASON)
    started = 0
    try:
        started = recognition_candidates.start_notice_for(current, [p.id for p in later], officer)
    except workflows.WorkflowError as exc:
        skipped.append(str(exc.message)[:40])
    lines = [(f"认定演示数据：{current.name}，公示中 {started + (held is not None)} 个；"
             "已认定、撤销认定、已过期见管理后台“认定管理”。")]
    if skipped:
        lines.append("  部分认定演示数据未生成：" + "；".join(dict.fromkeys(skipped)))
    return lines
