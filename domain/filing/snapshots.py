"""A product's filed data as one JSON-ready snapshot (every submitted version keeps one), and
an approved yearly update written back into the product."""

from decimal import Decimal

from peewee import DecimalField

from models import PRODUCT_MONEY_FIELDS, Product, ProductFile, ProductPatent

# Product columns that make up its filed data (everything a unit enters).
DATA_FIELDS = (
    "gtin", "name", "model", "category", "category_other", "industry", "trademark", "intro", "purpose",
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
    """Replace the product's current data with an approved yearly update's data; the linked
    patents and the files are rewritten only where they differ (a no-change update writes the
    fields alone). Returns the product's data now, in the snapshot's shape."""
    data = update.data or {}
    pid = update.product_id
    fields = {k: v for k, v in (data.get("fields") or {}).items() if k in DATA_FIELDS}
    before = product_fields(update.product)
    changed = {k: v for k, v in fields.items() if not _same(k, before.get(k), v)}
    if changed:
        Product.update(**changed).where(Product.id == pid).execute()
    patents = [{"patent_id": p["patent_id"], "number": p.get("number", ""), "public": bool(p.get("public")),
                "core": bool(p.get("core")), "litigated": bool(p.get("litigated")),
                "case_number": p.get("case_number") or ""} for p in data.get("patents") or []]
    stored = [(r.patent_id, r.public, r.core, r.litigated, r.case_number) for r in
              ProductPatent.select().where(ProductPatent.product == pid).order_by(ProductPatent.id)]
    if "patents" in data and stored != [(p["patent_id"], p["public"], p["core"], p["litigated"], p["case_number"])
                                        for p in patents]:
        ProductPatent.delete().where(ProductPatent.product == pid).execute()
        if patents:
            ProductPatent.insert_many([{"product": pid, "patent": p["patent_id"], "public": p["public"],
                                        "core": p["core"], "litigated": p["litigated"],
                                        "case_number": p["case_number"]} for p in patents]).execute()
    files = list(data.get("files") or [])
    current = [(r.file_id, r.kind) for r in ProductFile.select().where(ProductFile.product == pid)
               .order_by(ProductFile.kind, ProductFile.sort)]
    if "files" in data and sorted(current) != sorted((f["file_id"], f["kind"]) for f in files):
        ProductFile.delete().where(ProductFile.product == pid).execute()  # earlier versions keep theirs
        sorts = {}
        for f in files:
            sort = sorts[f["kind"]] = sorts.get(f["kind"], -1) + 1
            ProductFile.create(product=pid, file=f["file_id"], kind=f["kind"], sort=sort)
    return {"fields": {**before, **fields}, "patents": patents, "files": files}


def _same(name, old, new):
    """Equal as stored: decimals by value ("1200" and "1200.00")."""
    if old == new:
        return True
    if old is None or new is None or not isinstance(Product._meta.fields[name], DecimalField):
        return False
    return Decimal(str(old)) == Decimal(str(new))
