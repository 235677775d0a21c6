"""Counts shown on the back-office 工作台."""

from models import Outbox, Product, Unit, UnitChangeRequest


def dashboard_counts():
    return {
        "units_pending": Unit.select().where(Unit.status == "pending").count(),
        "changes_pending": UnitChangeRequest.select().where(UnitChangeRequest.status == "pending").count(),
        "products_pending": Product.select().where(Product.status == "pending").count(),
        "revocations_pending": Product.select().where(Product.status == "revocation_pending").count(),
        "outbox_failed": Outbox.select().where(Outbox.status == "failed").count(),
    }
