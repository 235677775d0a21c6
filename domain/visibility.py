"""What the public may see of a product and of its recognition: the one rule.

Search (its index and its result pages), the product page, the phone page the QR code
opens, the open-data API and the exports all ask this module, so the rule that public
notice, objections and expiry change lives in one place:

- 已备案 (filed): a filed product, also while its revocation is being reviewed.
- 公示中 / 已认定 (notice / recognised): a filed product whose latest recognition is in notice
  or recognised; its details are public, all linked patents once recognised.
- 已撤销 (revoked filing) and 已撤销认定 (a recognition revoked by decision or an upheld
  objection): stated plainly, with the date, without the product's details; the product
  leaves search.
- 已过期 (expired recognition): the filing still stands, so the details stay public and the
  product is listed as 已备案 in search.
- Drafts, submissions waiting for review and rejected filings were never public (404).

`public_data()` is the one whitelist of fields: economic figures, files other than the main
image, contacts, phone numbers, case numbers and patents the unit kept private never enter it.
"""

from dataclasses import dataclass

from domain import patents
from models import (
    Country,
    Option,
    Patent,
    Prepared,
    Product,
    ProductFile,
    ProductPatent,
    Recognition,
    StoredFile,
    shanghai_time,
)
from workflows import STATUS_LABELS, ProductStatus, PublicStatus, RecognitionStatus

# A filed product stays public while its revocation is reviewed.
FILED = (ProductStatus.FILED, ProductStatus.REVOCATION_PENDING)
# The public states search lists (its index holds one of them per product).
LISTED = (PublicStatus.FILED, PublicStatus.NOTICE, PublicStatus.RECOGNISED)
LABELS = STATUS_LABELS["public"]
LISTED_LABELS = {code: LABELS[code] for code in LISTED}
# States in which the public may object (我有异议).
OBJECTABLE = (PublicStatus.NOTICE, PublicStatus.RECOGNISED)


def listed_status(recognition_statuses):
    """The state search lists a filed product under, from its recognitions' statuses:
    filed / notice / recognised, or None when a recognition was revoked (it leaves search)."""
    statuses = set(recognition_statuses)
    if RecognitionStatus.REVOKED in statuses:
        return None
    if RecognitionStatus.RECOGNISED in statuses:
        return PublicStatus.RECOGNISED
    if RecognitionStatus.NOTICE in statuses:
        return PublicStatus.NOTICE
    return PublicStatus.FILED


def listed_products():
    """The products search may list: filed, and no recognition revoked."""
    revoked = Recognition.select(Recognition.product).where(Recognition.status == RecognitionStatus.REVOKED)
    return Product.select().where(Product.status.in_(FILED), Product.id.not_in(revoked))


@dataclass(frozen=True)
class View:
    """What the public is told of one product."""

    code: PublicStatus
    label: object
    public: bool  # False: only the status, the product name and the unit name are shown
    recognition: Recognition | None = None


# A product's recognitions past 候选, newest first (view_of); its public patents, all or those
# marked 备案阶段公开 (public_patents); its main image (main_image): each page asks them.
RECOGNITIONS = Prepared(lambda slot: (
    Recognition.select().where(Recognition.product == slot("product"),
                               Recognition.status != RecognitionStatus.CANDIDATE)
    .order_by(Recognition.id.desc())))
_LINKED = Prepared(lambda slot: (
    ProductPatent.select(ProductPatent, Patent).join(Patent)
    .where(ProductPatent.product == slot("product")).order_by(Patent.number)))
_LINKED_PUBLIC = Prepared(lambda slot: (
    ProductPatent.select(ProductPatent, Patent).join(Patent)
    .where(ProductPatent.product == slot("product"), ProductPatent.public == True)
    .order_by(Patent.number)))
_MAIN_IMAGE = Prepared(lambda slot: (
    ProductFile.select(ProductFile, StoredFile).join(StoredFile)
    .where(ProductFile.product == slot("product"), ProductFile.kind == "main_image")
    .order_by(ProductFile.sort, ProductFile.id).limit(1)))


def view_of(product):
    """The public view of a product, or None when it was never public (the pages answer 404)."""
    if product is None:
        return None
    if product.status not in FILED:
        if product.status == ProductStatus.REVOKED:
            return View(PublicStatus.REVOKED, LABELS[PublicStatus.REVOKED], False)
        return None
    recognitions = RECOGNITIONS.rows(product=product.id)

    def latest(status):
        return next((r for r in recognitions if r.status == status), None)

    code = listed_status(r.status for r in recognitions)
    if code is None:
        return View(PublicStatus.RECOGNITION_REVOKED, LABELS[PublicStatus.RECOGNITION_REVOKED], False,
                    latest(RecognitionStatus.REVOKED))
    if code == PublicStatus.NOTICE:
        return View(code, LABELS[code], True, latest(RecognitionStatus.NOTICE))
    if code == PublicStatus.RECOGNISED:
        return View(code, LABELS[code], True, latest(RecognitionStatus.RECOGNISED))
    lapsed = latest(RecognitionStatus.EXPIRED)
    if lapsed is not None:
        return View(PublicStatus.EXPIRED, LABELS[PublicStatus.EXPIRED], True, lapsed)
    return View(PublicStatus.FILED, LABELS[PublicStatus.FILED], True)


DATES_SLOTS = 100  # a search page's most cards: the statement is rendered once (models.Prepared)
# All the products' recognitions (a few each), the states picked in Python: with the state in the
# WHERE, SQLite walks the status index over every notice and recognition instead (2 ms at 100k).
_DATES = Prepared(lambda slot: (
    Recognition.select(Recognition.product, Recognition.status, Recognition.notice_end,
                       Recognition.certificate_number, Recognition.valid_until)
    .where(Recognition.product.in_(slot.many("ids", DATES_SLOTS))).order_by(Recognition.id)))


def recognition_dates(product_ids):
    """{product id: the dates a result card shows} of the listed products in notice (公示截止日期)
    or recognised (证书编号, 有效期至): the latest such recognition of each."""
    product_ids = list(product_ids)
    out = {}
    for start in range(0, len(product_ids), DATES_SLOTS):
        for rec in _DATES.rows(ids=product_ids[start:start + DATES_SLOTS]):
            if rec.status == RecognitionStatus.NOTICE:
                out[rec.product_id] = {"notice_end": _date(rec.notice_end)}
            elif rec.status == RecognitionStatus.RECOGNISED:
                out[rec.product_id] = {"certificate_number": rec.certificate_number,
                                       "valid_until": _date(rec.valid_until)}
    return out


def listing_data(products, listed):
    """The public fields of a list of products (the API's list items), in a fixed number of
    statements whatever their number: products come with unit, industry and category loaded,
    `listed` is {product id: the status search lists it under}; a filed product whose
    recognition lapsed is 已过期 here, as on its page (view_of)."""
    ids = [p.id for p in products]
    expired = {pid for (pid,) in Recognition.select(Recognition.product)
               .where(Recognition.product.in_(ids), Recognition.status == RecognitionStatus.EXPIRED).tuples()}
    out = []
    for product in products:
        code = listed.get(product.id, PublicStatus.FILED)
        if code == PublicStatus.FILED and product.id in expired:
            code = PublicStatus.EXPIRED
        category, industry = product.category, product.industry  # joined by the caller: no query
        out.append({
            "token": product.token,
            "name": product.name,
            "model": product.model,
            "trademark": product.trademark,
            "unit_name": product.unit.name,
            "status": str(code),
            "status_label": str(LABELS[code]),
            "filing_number": product.filing_number,
            "filed_on": _date(product.filed_at),
            "category": {"code": category.code, "name": category.name} if category else (
                {"code": "other", "name": product.category_other} if product.category_other else None),
            "industry": {"code": industry.code, "name": industry.name} if industry else None,
        })
    return out


def objection_allowed(view):
    return view.code in OBJECTABLE


def _date(value):
    if value is None:
        return None
    if hasattr(value, "hour"):
        return shanghai_time(value, "%Y-%m-%d")
    return value.isoformat()


def public_patents(product, view):
    """Linked patents the public may see: those marked 备案阶段公开, all once recognised."""
    query = (_LINKED if view.code == PublicStatus.RECOGNISED else _LINKED_PUBLIC).rows(product=product.id)
    return [{
        "number": link.patent.display_number,
        "name": link.patent.name,
        "type": link.patent.kind,
        "type_label": str(patents.KIND_LABELS.get(link.patent.kind, link.patent.kind)),
        "legal_status": link.patent.legal_status,
        "legal_status_label": str(patents.STATUS_LABELS.get(link.patent.legal_status,
                                                            link.patent.legal_status)),
    } for link in query]


def main_image(product):
    if "_main_image" not in product.__dict__:  # a page asks more than once (data, then its size)
        link = _MAIN_IMAGE.first(product=product.id)
        product._main_image = link.file if link else None
    return product._main_image


def _purpose(product):
    if product.purpose == "other":
        return product.purpose_other
    return Option.name_of("filing_purpose", product.purpose)


def _countries(product):
    codes = [c for c in product.export_countries or [] if c != "other"]
    names = Country.names(codes)
    result = [names.get(c, c) for c in codes]
    if "other" in (product.export_countries or []) and product.export_other:
        result.append(product.export_other)
    return result


def public_data(product, view=None):
    """Every field the public may see, as plain JSON-ready values. With a view that is not
    public (revoked…) only the status, the product name and the unit name."""
    view = view or view_of(product)
    rec = view.recognition
    data = {
        "token": product.token,
        "name": product.name,
        "unit_name": product.unit.name,
        "status": str(view.code),
        "status_label": str(view.label),
        "public": view.public,
    }
    if not view.public:
        if view.code == PublicStatus.REVOKED:
            data["revoked_on"] = _date(product.revoked_at)
        elif view.code == PublicStatus.RECOGNITION_REVOKED:
            data["revoked_on"] = _date(rec.revoked_at)
        return data
    recognised = rec if rec and view.code == PublicStatus.RECOGNISED else None
    image = main_image(product)
    data.update({
        "model": product.model,
        "trademark": product.trademark,
        "category": {"code": product.category_id, "name": product.category.name} if product.category else (
            {"code": "other", "name": product.category_other} if product.category_other else None),
        "industry": {"code": product.industry_id, "name": product.industry.name} if product.industry else None,
        "intro": product.intro,
        "export_countries": _countries(product),
        "first_year": product.first_year,
        "purpose": _purpose(product),
        "filing_number": product.filing_number,
        "filed_on": _date(product.filed_at),
        "notice_start": _date(rec.notice_start) if rec else None,
        "notice_end": _date(rec.notice_end) if rec else None,
        "recognised_on": _date(recognised.recognised_at) if recognised else None,
        "certificate_number": recognised.certificate_number if recognised else None,
        "valid_until": _date(rec.valid_until) if rec and view.code in (PublicStatus.RECOGNISED,
                                                                       PublicStatus.EXPIRED) else None,
        "patents": public_patents(product, view),
        "has_image": image is not None,
    })
    return data
