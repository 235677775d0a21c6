"""专利失效监控 (SPEC §6.4): filed products whose linked patents lapse or leave the unit.

The daily job takes the registry's legal-status files first (domain.patents), then tells
units about lapsed linked patents and raises 待确认撤销 through workflows.apply.
"""

from peewee import fn

import workflows
from domain import patents, visibility
from infra import notifications
from models import Patent, PatentStatusChange, Product, ProductPatent, Unit, UnitPatent, db
from workflows import ProductStatus

WATCHED = visibility.FILED  # filed, also while a revocation is reviewed


def watch_patents():
    """Daily, after the legal-status update: tell a unit when a patent linked to one of its
    filed products lapses, and raise the 待确认撤销 prompt on a filed product none of whose
    linked patents is still valid and held by the unit. Returns (flagged, prompted)."""
    changes = list(PatentStatusChange.select().where(PatentStatusChange.seen_by_products == False))
    lapsed = {c.patent_id for c in changes if c.new_status != "valid"}
    flagged = 0
    if lapsed:
        per_product = {}
        links = (ProductPatent.select(ProductPatent, Patent, Product).join(Patent).switch(ProductPatent)
                 .join(Product).where(ProductPatent.patent.in_(list(lapsed)), Product.status.in_(WATCHED)))
        for link in links:
            per_product.setdefault(link.product, []).append(link.patent.display_number)
        outbox = []
        with db.database.atomic():
            for product, numbers in per_product.items():
                user = product.unit.user
                payload = {"product": product.name, "patents": "、".join(sorted(numbers))}
                outbox += notifications.queue("patent_lapsed_linked", phone=user.phone, user=user, payload=payload)
                flagged += 1
            PatentStatusChange.update(seen_by_products=True).where(
                PatentStatusChange.id.in_([c.id for c in changes])).execute()
        if outbox:
            notifications.deliver_soon(outbox)
    prompted = 0
    for product in products_without_valid_patents():
        try:
            workflows.apply(product, "flag_patents_lapsed", workflows.SYSTEM)
        except workflows.WorkflowError:
            continue  # decided meanwhile (e.g. revoked); nothing to prompt
        prompted += 1
    return flagged, prompted


def products_without_valid_patents():
    """Filed products, not yet prompted, whose linked patents have all lapsed or left the unit."""
    usable = (ProductPatent.select(ProductPatent.product).join(Patent).switch(ProductPatent)
              .join(UnitPatent, on=(UnitPatent.patent == ProductPatent.patent))
              .where(Patent.legal_status == "valid", UnitPatent.unit == Product.unit,
                     ProductPatent.product == Product.id))
    linked = ProductPatent.select(ProductPatent.product).where(ProductPatent.product == Product.id)
    return (Product.select().where(Product.status == ProductStatus.FILED, Product.revocation_prompt_at.is_null(),
                                   fn.EXISTS(linked), ~fn.EXISTS(usable)))


# ---------------------------------------------------------------- the back office's list



def patent_watch_query():
    """Filed products (撤销审核中 included: still filed) with at least one linked patent whose
    registry legal status is not 有效; those already prompted (待确认撤销) first."""
    lapsed = (ProductPatent.select(ProductPatent.product).join(Patent)
              .where(Patent.legal_status != "valid"))
    return (Product.select(Product, Unit).join(Unit)
            .where(Product.status.in_(WATCHED), Product.id.in_(lapsed))
            .order_by(Product.revocation_prompt_at.desc(nulls="LAST"), Product.filed_at, Product.id))


def lapsed_patents(product_ids):
    """{product_id: ([lapsed Patent, ...], number of linked patents)} in two queries."""
    ids = list(product_ids)
    result = {pid: ([], 0) for pid in ids}
    if not ids:
        return result
    totals = dict(ProductPatent.select(ProductPatent.product, fn.COUNT(ProductPatent.id))
                  .where(ProductPatent.product.in_(ids)).group_by(ProductPatent.product).tuples())
    for pid in ids:
        result[pid] = ([], totals.get(pid, 0))
    rows = (ProductPatent.select(ProductPatent, Patent).join(Patent)
            .where(ProductPatent.product.in_(ids), Patent.legal_status != "valid")
            .order_by(ProductPatent.id))
    for link in rows:
        result[link.product_id][0].append(link.patent)
    return result


def daily():
    """Daily job (jobs.PERIODIC): the registry's legal-status files, then what they mean for
    filed products (and for patents that left their unit)."""
    summary = patents.sync_status_inbox()
    flagged, prompted = watch_patents()
    return {"files": summary, "flagged": flagged, "prompted": prompted}
