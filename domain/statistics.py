"""Counts shown on the back-office 工作台, and what it warns administrators of."""

from datetime import UTC, datetime, time

from infra import calendar, notifications
from models import (
    SHANGHAI,
    Outbox,
    OutboxStatus,
    Product,
    Role,
    Unit,
    UnitChangeRequest,
    User,
    UserRoles,
    serialized,
    today_shanghai,
)
from workflows import ChangeStatus, ProductStatus, UnitStatus
from workflows import Role as Roles


def dashboard_counts():
    return {
        "units_pending": Unit.select().where(Unit.status == UnitStatus.PENDING).count(),
        "changes_pending": UnitChangeRequest.select().where(UnitChangeRequest.status == ChangeStatus.PENDING).count(),
        "products_pending": Product.select().where(Product.status == ProductStatus.PENDING).count(),
        "revocations_pending": Product.select().where(Product.status == ProductStatus.REVOCATION_PENDING).count(),
        "outbox_failed": Outbox.select().where(Outbox.status == OutboxStatus.FAILED).count(),
    }


def calendar_missing():
    """The years whose holiday arrangement administrators must enter now (infra.calendar:
    this year, and next year from 1 November on)."""
    return calendar.missing_years(today_shanghai())


def administrators():
    """Active accounts with the administrator role."""
    return User.select().join(UserRoles).join(Role).where(Role.name == Roles.ADMIN, User.active)


def remind_calendar_missing():
    """Daily job: tell every administrator which years' holiday arrangement is missing, at most
    once a Beijing day each (a second run, or a second worker, finds the day's reminder there)."""
    years = calendar_missing()
    if not years:
        return {"queued": 0}
    since = datetime.combine(today_shanghai(), time.min, SHANGHAI).astimezone(UTC).replace(tzinfo=None)
    payload = {"years": "、".join(str(year) for year in years)}
    ids = []
    with serialized("calendar_missing"):
        for admin in administrators():
            reminded = Outbox.select().where(Outbox.template == "calendar_missing", Outbox.user == admin,
                                             Outbox.created_at >= since)
            if not reminded.exists():
                ids += notifications.queue("calendar_missing", email=admin.email, user=admin, payload=payload)
    notifications.deliver_soon(ids)
    return {"queued": len(ids)}
