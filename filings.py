"""Product data helpers used by workflows: snapshots, numbers, applying yearly updates."""

from decimal import Decimal

from peewee import IntegrityError, fn

from models import (
    PRODUCT_MONEY_FIELDS,
    Patent,
    PatentStatusChange,
    Product,
    ProductFile,
    ProductPatent,
    Recognition,
    Sequence,
    UnitPatent,
    db,
    today_shanghai,
)

# Product columns that make up its filed data (everything a unit enters).
DATA_FIELDS = (
    "gtin", "name", "model", "category", "industry", "trademark", "intro", "purpose",
    "purpose_other", "export_countries", "export_other", "first_year", *PRODUCT_MONEY_FIELDS,
    "market_share", "gross_margin", "contribution_index", "contribution_method", "method_k",
    "method_explanation", "special_industry", "compulsory_cert",
)


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    return value


def product_snapshot(product):
    """Everything the unit filed, as JSON-ready data (fields, patents, files)."""
    fields = {}
    for name in DATA_FIELDS:
        f = Product._meta.fields[name]
        value = getattr(product, f.name + "_id") if hasattr(f, "rel_model") else getattr(product, name)
        fields[name] = _plain(value)
    patents = [
        {"patent_id": link.patent_id, "number": link.patent.display_number, "public": link.public,
         "core": link.core, "litigated": link.litigated, "case_number": link.case_number}
        for link in product.patent_links.order_by(ProductPatent.id)
    ]
    files = [
        {"file_id": pf.file_id, "kind": pf.kind, "name": pf.file.original_name}
        for pf in product.files.order_by(ProductFile.kind, ProductFile.sort)
    ]
    return {"fields": fields, "patents": patents, "files": files}


def apply_update(update):
    """Replace the product's current data with an approved yearly update's data."""
    data = update.data or {}
    fields = {k: v for k, v in (data.get("fields") or {}).items() if k in DATA_FIELDS}
    if fields:
        Product.update(**fields).where(Product.id == update.product_id).execute()
    if "patents" in data:
        ProductPatent.delete().where(ProductPatent.product == update.product_id).execute()
        for p in data["patents"]:
            ProductPatent.create(
                product=update.product_id, patent=p["patent_id"], public=p.get("public", False),
                core=p.get("core", False), litigated=p.get("litigated", False),
                case_number=p.get("case_number", ""),
            )


def take_number(name, used):
    """The next number of the counter `name`, inside the caller's transaction (the row stays
    locked until it commits, so concurrent approvals wait and never share a number).
    `used()` gives the highest number already handed out, for a counter not created yet."""
    number = _bump(name)
    if number is None:
        try:
            with db.database.atomic():  # a savepoint: a concurrent creator wins, we count on
                return Sequence.create(name=name, last=used() + 1).last
        except IntegrityError:
            number = _bump(name)
    return number


def _bump(name):
    """Add one to the counter; its new value, or None when the counter does not exist."""
    update = Sequence.update(last=Sequence.last + 1).where(Sequence.name == name)
    if db.database.returning_clause:  # PostgreSQL: one statement
        rows = list(update.returning(Sequence.last).tuples().execute())
        return rows[0][0] if rows else None
    if not update.execute():
        return None
    return Sequence.select(Sequence.last).where(Sequence.name == name).scalar()


def next_filing_number(product):
    """备案号: year (4) + province division code (2) + sequence within the year (5).

    Example: 20264400012 — the 12th filing approved in 2026, a unit registered in
    Guangdong (44). Unique by database constraint; the sequence comes from the counter
    filing-<year>.
    """
    year = today_shanghai().year
    province = (product.unit.region_code or "00")[:2]

    def used():
        last = (Product.select(fn.MAX(fn.SUBSTR(Product.filing_number, 7, 5)))
                .where(Product.filing_number >= f"{year}", Product.filing_number < f"{year + 1}").scalar())
        return int(last or 0)

    return f"{year}{province}{take_number(f'filing-{year}', used):05d}"


def next_certificate_number(recognition):
    """认定证书编号: ZLCP + year (4) + sequence within the year (6), e.g. ZLCP2026000031."""
    year = today_shanghai().year
    prefix = f"ZLCP{year}"

    def used():
        last = (Recognition.select(fn.MAX(Recognition.certificate_number))
                .where(Recognition.certificate_number.startswith(prefix)).scalar())
        return int(last[len(prefix):]) if last else 0

    return f"{prefix}{take_number(f'certificate-{year}', used):06d}"


# ---------------------------------------------------------------- patent watch (SPEC §6.4)

WATCHED = Product.PUBLIC_STATUSES  # filed, also while a revocation is reviewed


def watch_patents():
    """Daily, after the legal-status update: tell a unit when a patent linked to one of its
    filed products lapses, and raise the 待确认撤销 prompt on a filed product none of whose
    linked patents is still valid and held by the unit. Returns (flagged, prompted)."""
    import notifications
    import workflows

    changes = list(PatentStatusChange.select().where(PatentStatusChange.seen_by_products == False))  # noqa: E712
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
    from workflows import ProductStatus  # workflows imports this module
    usable = (ProductPatent.select(ProductPatent.product).join(Patent).switch(ProductPatent)
              .join(UnitPatent, on=(UnitPatent.patent == ProductPatent.patent))
              .where(Patent.legal_status == "valid", UnitPatent.unit == Product.unit,
                     ProductPatent.product == Product.id))
    linked = ProductPatent.select(ProductPatent.product).where(ProductPatent.product == Product.id)
    return (Product.select().where(Product.status == ProductStatus.FILED, Product.revocation_prompt_at.is_null(),
                                   fn.EXISTS(linked), ~fn.EXISTS(usable)))
