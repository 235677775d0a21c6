"""Counts shown on the back-office 工作台."""

from models import Outbox, OutboxStatus, Product, Unit, UnitChangeRequest
from workflows import ChangeStatus, ProductStatus, UnitStatus


def dashboard_counts():
    return {
        "units_pending": Unit.select().where(Unit.status == UnitStatus.PENDING).count(),
        "changes_pending": UnitChangeRequest.select().where(UnitChangeRequest.status == ChangeStatus.PENDING).count(),
        "products_pending": Product.select().where(Product.status == ProductStatus.PENDING).count(),
        "revocations_pending": Product.select().where(Product.status == ProductStatus.REVOCATION_PENDING).count(),
        "outbox_failed": Outbox.select().where(Outbox.status == OutboxStatus.FAILED).count(),
    }
