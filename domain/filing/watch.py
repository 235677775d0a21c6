"""专利失效监控 (SPEC §6.4): filed products whose linked patents lapse or leave the unit.

The daily job takes the registry's legal-status files first (domain.patents), then tells
units about lapsed linked patents and about linked patents that left them — the claim no
longer stands by the rule of 手动新增专利 and the pre-review checks (domain.patents.claim_basis:
the registry's patentees no longer include the unit, the licence ended) — and raises
待确认撤销 through workflows.apply.
"""

from peewee import JOIN, fn

import workflows
from domain import patents, visibility
from infra import notifications
from models import Patent, PatentStatusChange, Product, ProductPatent, Unit, UnitPatent, db, today_shanghai, utcnow
from workflows import ProductStatus

WATCHED = visibility.FILED  # filed, also while a revocation is reviewed
BATCH = 1000  # ids per UPDATE … WHERE id IN (…)


def watch_patents():
    """Daily, after the legal-status update: tell a unit when a patent linked to one of its
    filed products lapses or leaves it, and raise the 待确认撤销 prompt on a filed product
    none of whose linked patents is still valid and held by the unit. Returns (flagged
    products, prompted products)."""
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
    flagged += flag_patents_gone()
    prompted = 0
    for product in products_without_valid_patents():
        try:
            workflows.apply(product, "flag_patents_lapsed", workflows.SYSTEM)
        except workflows.WorkflowError:
            continue  # decided meanwhile (e.g. revoked); nothing to prompt
        prompted += 1
    return flagged, prompted


def flag_patents_gone():
    """Patents linked to watched products whose claim no longer stands because the patent
    left the unit (Claim.gone: transferred away in the registry, or the licence ended): stamp
    UnitPatent.lost_at and tell the unit once per product; a claim that stands again is
    unstamped. Each link of a unit's list is judged once, however many products use it.
    Returns the number of products the units were told about."""
    used = (ProductPatent.select(ProductPatent.id).join(Product)
            .where(ProductPatent.patent == UnitPatent.patent, Product.unit == UnitPatent.unit,
                   Product.status.in_(WATCHED)))
    watched_units = Product.select(fn.DISTINCT(Product.unit)).where(Product.status.in_(WATCHED))
    names = patents.unit_names(uid for (uid,) in watched_units.tuples())
    today = today_shanghai()
    lost, regained = [], []
    links = UnitPatent.select(UnitPatent, Patent.id, Patent.patentees).join(Patent).where(fn.EXISTS(used))
    for link in links.iterator():
        gone = patents.link_claim(link, link.patent, names.get(link.unit_id, []), today).gone
        if gone and link.lost_at is None:
            lost.append(link.id)
        elif not gone and link.lost_at is not None:
            regained.append(link.id)
    per_product = {}
    if lost:
        told = (ProductPatent.select(ProductPatent, Product, Patent).join(Product).switch(ProductPatent).join(Patent)
                .join(UnitPatent, on=((UnitPatent.patent == ProductPatent.patent) & (UnitPatent.unit == Product.unit)))
                .where(UnitPatent.id.in_(lost), Product.status.in_(WATCHED)))
        for row in told:
            per_product.setdefault(row.product, []).append(row.patent.display_number)
    outbox = []
    with db.database.atomic():
        for start in range(0, max(len(lost), len(regained)), BATCH):
            if lost[start:start + BATCH]:
                UnitPatent.update(lost_at=utcnow()).where(UnitPatent.id.in_(lost[start:start + BATCH])).execute()
            if regained[start:start + BATCH]:
                UnitPatent.update(lost_at=None).where(UnitPatent.id.in_(regained[start:start + BATCH])).execute()
        for product, numbers in per_product.items():
            user = product.unit.user
            payload = {"product": product.name, "patents": "、".join(sorted(numbers))}
            outbox += notifications.queue("patent_gone_linked", phone=user.phone, user=user, payload=payload)
    if outbox:
        notifications.deliver_soon(outbox)
    return len(per_product)


def products_without_valid_patents():
    """Filed products, not yet prompted, whose linked patents have all lapsed or left the unit
    (out of its list, or its claim found gone by flag_patents_gone())."""
    usable = (ProductPatent.select(ProductPatent.product).join(Patent).switch(ProductPatent)
              .join(UnitPatent, on=(UnitPatent.patent == ProductPatent.patent))
              .where(Patent.legal_status == "valid", UnitPatent.unit == Product.unit, UnitPatent.lost_at.is_null(),
                     ProductPatent.product == Product.id))
    linked = ProductPatent.select(ProductPatent.product).where(ProductPatent.product == Product.id)
    return (Product.select().where(Product.status == ProductStatus.FILED, Product.revocation_prompt_at.is_null(),
                                   fn.EXISTS(linked), ~fn.EXISTS(usable)))


# ---------------------------------------------------------------- the back office's list



def _gone_links():
    """Links of a product to a patent whose claim the watch found gone (UnitPatent.lost_at),
    correlated with the outer query's Product."""
    return (ProductPatent.select(ProductPatent.id).join(UnitPatent, on=(UnitPatent.patent == ProductPatent.patent))
            .where(ProductPatent.product == Product.id, UnitPatent.unit == Product.unit,
                   UnitPatent.lost_at.is_null(False)))


def patent_watch_query():
    """Filed products (撤销审核中 included: still filed) with at least one linked patent whose
    registry legal status is not 有效 or that left the unit; those already prompted
    (待确认撤销) first."""
    lapsed = (ProductPatent.select(ProductPatent.product).join(Patent)
              .where(Patent.legal_status != "valid"))
    return (Product.select(Product, Unit).join(Unit)
            .where(Product.status.in_(WATCHED), Product.id.in_(lapsed) | fn.EXISTS(_gone_links()))
            .order_by(Product.revocation_prompt_at.desc(nulls="LAST"), Product.filed_at, Product.id))


def lapsed_patents(product_ids):
    """{product_id: ([(Patent, lapsed, gone), ...], number of linked patents)} of the linked
    patents no longer 有效 (lapsed) or no longer the unit's (gone), in two queries."""
    ids = list(product_ids)
    result = {pid: ([], 0) for pid in ids}
    if not ids:
        return result
    totals = dict(ProductPatent.select(ProductPatent.product, fn.COUNT(ProductPatent.id))
                  .where(ProductPatent.product.in_(ids)).group_by(ProductPatent.product).tuples())
    for pid in ids:
        result[pid] = ([], totals.get(pid, 0))
    rows = (ProductPatent.select(ProductPatent, Product, Patent, UnitPatent).join(Product).switch(ProductPatent)
            .join(Patent).switch(ProductPatent)
            .join(UnitPatent, JOIN.LEFT_OUTER,
                  on=((UnitPatent.patent == ProductPatent.patent) & (UnitPatent.unit == Product.unit)), attr="held")
            .where(ProductPatent.product.in_(ids),
                   (Patent.legal_status != "valid") | UnitPatent.lost_at.is_null(False))
            .order_by(ProductPatent.id))
    for link in rows:
        gone = link.held is not None and link.held.lost_at is not None
        result[link.product_id][0].append((link.patent, link.patent.legal_status != "valid", gone))
    return result


def daily():
    """Daily job (jobs.PERIODIC): the registry's legal-status files, then what they mean for
    filed products (and for patents that left their unit)."""
    summary = patents.sync_status_inbox()
    flagged, prompted = watch_patents()
    return {"files": summary, "flagged": flagged, "prompted": prompted}
