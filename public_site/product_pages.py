"""Public product detail (/products/<token>), the phone page the QR code opens (/m/<token>),
the QR codes and the product's main image.

`public_data()` is the one list of what the public may see of a product; the pages and the
open-data API (public_site/api.py) both read it, so a private field cannot leak through one
of them alone. Economic figures, files other than the main image, contacts, phone numbers,
case numbers and patents the unit kept private never enter it.
"""

import io
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from peewee import JOIN
from PIL import Image

import documents
import patents
import search
import storage
from models import (
    Country,
    Industry,
    Option,
    Patent,
    Product,
    ProductCategory,
    ProductFile,
    ProductPatent,
    Recognition,
    Unit,
    shanghai_time,
)
from extensions import PUBLIC_CSP, talisman
from public_site.page_cache import cached_page
from workflows import ProductStatus, RecognitionStatus

bp = Blueprint("products_public", __name__)

THUMB_WIDTH = 480  # phone page image: ≤ 480 px wide JPEG
THUMB_QUALITY = 70


# ---------------------------------------------------------------- what the public sees


@dataclass(frozen=True)
class PublicStatus:
    code: str  # filed / notice / recognised / revoked / recognition_revoked / expired
    label: object
    public: bool  # False: only the status, the product name and the unit name are shown
    recognition: Recognition | None = None


STATUS_TEXT = {
    **search.PUBLIC_STATUS_LABELS,  # filed, notice, recognised
    "revoked": _l("已撤销"),
    "recognition_revoked": _l("已撤销认定"),
    "expired": _l("已过期"),
}


def public_status(product):
    """What the public is told about a product, or None when it was never public (404).

    已备案 while filed (also while its revocation is being reviewed), 公示中 / 已认定 from its
    recognitions by search.public_status(), the one rule the index also follows. A revoked
    filing (已撤销) and an upheld objection (已撤销认定) are stated plainly without the
    product's details; a lapsed recognition (已过期) keeps them (the filing still stands)."""
    if product is None:
        return None
    if product.status not in Product.PUBLIC_STATUSES:
        if product.status == ProductStatus.REVOKED:
            return PublicStatus("revoked", STATUS_TEXT["revoked"], False)
        return None
    recognitions = list(Recognition.select()
                        .where(Recognition.product == product, Recognition.status != RecognitionStatus.CANDIDATE)
                        .order_by(Recognition.id.desc()))

    def latest(status):
        return next((r for r in recognitions if r.status == status), None)

    code = search.public_status(r.status for r in recognitions)
    if code is None:
        return PublicStatus("recognition_revoked", STATUS_TEXT["recognition_revoked"], False,
                            latest(RecognitionStatus.REVOKED))
    if code != "filed":
        return PublicStatus(code, STATUS_TEXT[code], True, latest(code))
    lapsed = latest(RecognitionStatus.EXPIRED)
    if lapsed is not None:
        return PublicStatus("expired", STATUS_TEXT["expired"], True, lapsed)
    return PublicStatus("filed", STATUS_TEXT["filed"], True)


def _date(value):
    if value is None:
        return None
    if hasattr(value, "hour"):
        return shanghai_time(value, "%Y-%m-%d")
    return value.isoformat()


def public_patents(product, status):
    """Linked patents the public may see: those marked 备案阶段公开, all once recognised."""
    query = (ProductPatent.select(ProductPatent, Patent).join(Patent)
             .where(ProductPatent.product == product).order_by(Patent.number))
    if status.code != "recognised":
        query = query.where(ProductPatent.public == True)  # noqa: E712 - peewee expression
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
    link = (ProductFile.select().where(ProductFile.product == product, ProductFile.kind == "main_image")
            .order_by(ProductFile.sort, ProductFile.id).first())
    return link.file if link else None


def phone_url(product):
    """The absolute address printed in the QR code."""
    return current_app.config["SITE_URL"].rstrip("/") + url_for("products_public.phone", token=product.token)


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


def public_data(product, status=None):
    """Every field the public may see, as plain JSON-ready values. With a status that is not
    public (revoked, expired…) only the status, the product name and the unit name."""
    status = status or public_status(product)
    rec = status.recognition
    data = {
        "token": product.token,
        "name": product.name,
        "unit_name": product.unit.name,
        "status": status.code,
        "status_label": str(status.label),
        "public": status.public,
    }
    if not status.public:
        if status.code == "revoked":
            data["revoked_on"] = _date(product.revoked_at)
        elif status.code == "recognition_revoked":
            data["revoked_on"] = _date(rec.revoked_at)
        elif status.code == "expired":
            data["valid_until"] = _date(rec.valid_until)
        return data
    image = main_image(product)
    data.update({
        "model": product.model,
        "trademark": product.trademark,
        "category": {"code": product.category_id, "name": product.category.name} if product.category else None,
        "industry": {"code": product.industry_id, "name": product.industry.name} if product.industry else None,
        "intro": product.intro,
        "export_countries": _countries(product),
        "first_year": product.first_year,
        "purpose": _purpose(product),
        "filing_number": product.filing_number,
        "filed_on": _date(product.filed_at),
        "notice_start": _date(rec.notice_start) if rec else None,
        "notice_end": _date(rec.notice_end) if rec else None,
        "recognised_on": _date(rec.recognised_at) if rec and status.code == "recognised" else None,
        "certificate_number": rec.certificate_number if rec and status.code == "recognised" else None,
        "valid_until": _date(rec.valid_until) if rec and status.code in ("recognised", "expired") else None,
        "patents": public_patents(product, status),
        "has_image": image is not None,
    })
    return data


def by_token(token):
    """The product of a public token with what its pages show beside it (unit, category,
    industry) in one query; None when there is none."""
    return (Product.select(Product, Unit, ProductCategory, Industry).join(Unit).switch(Product)
            .join(ProductCategory, JOIN.LEFT_OUTER).switch(Product).join(Industry, JOIN.LEFT_OUTER)
            .where(Product.token == token).first())


def product_or_404(token):
    """(product, status) of a token the public may look up; 404 for unknown or never-public."""
    product = by_token(token)
    status = public_status(product)
    if status is None:
        abort(404)
    return product, status


def objection_allowed(status):
    return status.code in ("notice", "recognised")


# ---------------------------------------------------------------- pages


@bp.get("/products/<token>")
@talisman(content_security_policy=PUBLIC_CSP)
@cached_page
def detail(token):
    product, status = product_or_404(token)
    return render_template("public/product.html", product=product, data=public_data(product, status),
                           status=status, objection=objection_allowed(status))


@bp.get("/m/<token>")
@talisman(content_security_policy=PUBLIC_CSP)
@cached_page
def phone(token):
    product = by_token(token)
    status = public_status(product)
    if status is None:
        return render_template("public/product_phone.html", data=None), 404
    resp = Response(render_template("public/product_phone.html", data=public_data(product, status),
                                    status=status))
    # Revalidated on every scan (an ETag makes that cheap): a revocation shows at once.
    resp.headers["Cache-Control"] = "no-cache"
    resp.add_etag()
    return resp.make_conditional(request)


def _public_image_or_404(token):
    product, status = product_or_404(token)
    stored = main_image(product) if status.public else None
    if stored is None:
        abort(404)
    return stored


def _image_response(data, mimetype):
    resp = Response(data, mimetype=mimetype)
    # Revalidated on every scan (an ETag makes that cheap): a revocation shows at once.
    resp.headers["Cache-Control"] = "no-cache"
    resp.add_etag()
    return resp.make_conditional(request)


@bp.get("/products/<token>/image")
def image(token):
    """The main image of a public product (stored files are otherwise owner-only)."""
    stored = _public_image_or_404(token)
    return _image_response(storage.read(stored), stored.content_type)


@bp.get("/products/<token>/thumb.jpg")
def thumbnail(token):
    """A small JPEG of the main image for the phone page."""
    stored = _public_image_or_404(token)
    return _image_response(thumbnail_bytes(stored), "image/jpeg")


def thumbnail_bytes(stored, width=THUMB_WIDTH):
    """≤ `width` px wide JPEG of a stored image, made once and kept under instance/cache/."""
    cache = Path(current_app.instance_path) / "cache" / "thumbs" / f"{stored.sha256}-{width}.jpg"
    if cache.exists():
        return cache.read_bytes()
    with Image.open(io.BytesIO(storage.read(stored))) as img:
        img = img.convert("RGB")
        img.thumbnail((width, width * 2))
        out = io.BytesIO()
        img.save(out, "JPEG", quality=THUMB_QUALITY, optimize=True, progressive=True)
    data = out.getvalue()
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(cache)
    return data


QR_FORMATS = {"png": (documents.qr_png, "image/png"), "svg": (documents.qr_svg, "image/svg+xml")}


@lru_cache(maxsize=512)
def _qr(kind, url):
    return QR_FORMATS[kind][0](url)


def _qr_response(token, kind):
    """The product's QR code (to its phone page) as a PNG or SVG download."""
    product, _status = product_or_404(token)
    resp = _image_response(_qr(kind, phone_url(product)), QR_FORMATS[kind][1])
    resp.headers["Content-Disposition"] = f'inline; filename="qr-{product.token}.{kind}"'
    return resp


@bp.get("/products/<token>/qr.png")
def qr_png(token):
    return _qr_response(token, "png")


@bp.get("/products/<token>/qr.svg")
def qr_svg(token):
    return _qr_response(token, "svg")

