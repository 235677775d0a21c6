"""Product data helpers used by workflows: snapshots, numbers, applying yearly updates."""

from decimal import Decimal

from peewee import fn

from models import (
    PRODUCT_MONEY_FIELDS,
    Product,
    ProductFile,
    ProductPatent,
    Recognition,
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


def next_filing_number(product):
    """备案号: year (4) + province division code (2) + sequence within the year (5).

    Example: 20264400012 — the 12th filing approved in 2026, a unit registered in
    Guangdong (44). Unique by database constraint.
    """
    year = today_shanghai().year
    province = (product.unit.region_code or "00")[:2]
    prefix = f"{year}"
    last = (
        Product.select(fn.MAX(fn.SUBSTR(Product.filing_number, 7, 5)))
        .where(Product.filing_number.startswith(prefix))
        .scalar()
    )
    seq = int(last or 0) + 1
    return f"{year}{province}{seq:05d}"


def next_certificate_number(recognition):
    """认定证书编号: ZLCP + year (4) + sequence within the year (6), e.g. ZLCP2026000031."""
    year = today_shanghai().year
    prefix = f"ZLCP{year}"
    last = (
        Recognition.select(fn.MAX(Recognition.certificate_number))
        .where(Recognition.certificate_number.startswith(prefix))
        .scalar()
    )
    seq = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{seq:06d}"
