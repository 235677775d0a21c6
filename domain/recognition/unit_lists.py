"""专利密集型产品认定管理 in the portal (manual §七): a unit's recognitions by tab — 公示中,
已认定, 撤销认定, 已过期 — with their counts, and the reason and date of each revocation (the
audit row of the revoke transition)."""

from models import AuditLog, Product, Recognition, count_by
from workflows import STATUS_LABELS, RecognitionStatus

# The tabs in the manual's order, each keyed by its status (?tab=notice…).
TABS = (RecognitionStatus.NOTICE, RecognitionStatus.RECOGNISED, RecognitionStatus.REVOKED,
        RecognitionStatus.EXPIRED)
TAB_STATUS = {str(status): status for status in TABS}


def tabs():
    """[(key, label, status)] in the manual's words."""
    return [(str(status), STATUS_LABELS["recognition"][status], status) for status in TABS]


def _of_unit(unit):
    return Recognition.select().join(Product).where(Product.unit == unit)


def counts(unit):
    """{tab key: number of the unit's recognitions in it}."""
    by_status = count_by(_of_unit(unit).where(Recognition.status.in_(list(TAB_STATUS.values()))),
                         Recognition.status)
    return {str(status): by_status.get(status, 0) for status in TABS}


def listing(unit, tab, page, per_page):
    """One page of a tab, newest first; each row with its product loaded."""
    status = TAB_STATUS[tab]
    query = (Recognition.select(Recognition, Product).join(Product)
             .where(Product.unit == unit, Recognition.status == status))
    order = {RecognitionStatus.NOTICE: Recognition.notice_end.desc(),
             RecognitionStatus.RECOGNISED: Recognition.recognised_at.desc(),
             RecognitionStatus.REVOKED: Recognition.revoked_at.desc(),
             RecognitionStatus.EXPIRED: Recognition.valid_until.desc()}[status]
    return list(query.order_by(order, Recognition.id.desc()).paginate(page, per_page))


def revocations(recognition_ids):
    """{recognition id: (reason, when)} from the audit rows of 撤销认定."""
    if not recognition_ids:
        return {}
    rows = (AuditLog.select(AuditLog.object_id, AuditLog.reason, AuditLog.created_at)
            .where(AuditLog.object_type == "recognition", AuditLog.event == "revoke",
                   AuditLog.object_id.in_(list(recognition_ids)))
            .order_by(AuditLog.id))
    return {row.object_id: (row.reason, row.created_at) for row in rows}
