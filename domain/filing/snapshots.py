"""A product's filed data as one JSON-ready snapshot (every submitted version keeps one), and
an approved yearly update written back into the product."""

from decimal import Decimal

from models import PRODUCT_MONEY_FIELDS, Product, ProductFile, ProductPatent

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


def product_fields(product):
    """The product's DATA_FIELDS as JSON-ready values (a code for a reference, text for a decimal)."""
    fields = {}
    for name in DATA_FIELDS:
        f = Product._meta.fields[name]
        value = getattr(product, f.name + "_id") if hasattr(f, "rel_model") else getattr(product, name)
        fields[name] = _plain(value)
    return fields


def product_snapshot(product):
    """Everything the unit filed, as JSON-ready data (fields, patents, files)."""
    fields = product_fields(product)
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
