"""Public product detail (/products/<token>), the phone page the QR code opens (/m/<token>),
the QR codes and the product's main image. What the public may see of a product is
domain.visibility's to say; these pages show it."""

import io
import os
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from peewee import JOIN
from PIL import Image

from domain import visibility
from domain.recognition import certificates
from domain.visibility import main_image, public_data, view_of
from infra import documents, storage
from infra.extensions import PUBLIC_CSP, talisman
from models import Industry, Prepared, Product, ProductCategory, Unit
from public_site.page_cache import cached_page

bp = Blueprint("products_public", __name__)

THUMB_WIDTH = 480  # phone page image: ≤ 480 px wide JPEG
THUMB_QUALITY = 70


def site_url(endpoint, **values):
    """The absolute address of a page of the site: the configured SITE_URL, never the Host
    header of the request (anyone can send any)."""
    return current_app.config["SITE_URL"].rstrip("/") + url_for(endpoint, **values)


def phone_url(product):
    """The absolute address printed in the QR code."""
    return site_url("products_public.phone", token=product.token)


BY_TOKEN = Prepared(lambda slot: (
    Product.select(Product, Unit, ProductCategory, Industry).join(Unit).switch(Product)
    .join(ProductCategory, JOIN.LEFT_OUTER).switch(Product).join(Industry, JOIN.LEFT_OUTER)
    .where(Product.token == slot("token"))))


def by_token(token):
    """The product of a public token with what its pages show beside it (unit, category,
    industry) in one query; None when there is none."""
    return BY_TOKEN.first(token=token)


def product_or_404(token):
    """(product, view) of a token the public may look up; 404 for unknown or never-public."""
    product = by_token(token)
    view = view_of(product)
    if view is None:
        abort(404)
    return product, view


# ---------------------------------------------------------------- pages


@bp.get("/products/<token>")
@talisman(content_security_policy=PUBLIC_CSP)
@cached_page
def detail(token):
    product, view = product_or_404(token)
    data = public_data(product, view)
    return render_template("public/product.html", product=product, data=data, image_size=image_size(product, data),
                           status=view, objection=visibility.objection_allowed(view))


@bp.get("/m/<token>")
@talisman(content_security_policy=PUBLIC_CSP)
@cached_page
def phone(token):
    product = by_token(token)
    status = view_of(product)
    if status is None:
        return render_template("public/product_phone.html", data=None), 404
    data = public_data(product, status)
    resp = Response(render_template("public/product_phone.html", data=data, status=status,
                                    image_size=image_size(product, data),
                                    **scanned_certificate(product, status)))
    # Revalidated on every scan (an ETag makes that cheap): a revocation shows at once.
    resp.headers["Cache-Control"] = "no-cache"
    resp.add_etag()
    return resp.make_conditional(request)


def image_size(product, data):
    """The (width, height) the pages write on the main image's <img>, None without one."""
    return thumbnail_size(main_image(product)) if data.get("has_image") else None


def scanned_certificate(product, status):
    """What the phone page says of the certificate a signed QR code names (c, v, s): whether the
    signature matches, and the certificate's live status (认定有效 / 已过期 / 撤销认定). A plain
    product QR code carries none: the page then speaks of the product's current certificate."""
    check = certificates.check_signature(product.token, request.args)
    rec = None
    if check is not None:
        found = certificates.find_certificate(check.certificate_number)
        rec = found if found is not None and found.product_id == product.id else None
    elif status.recognition is not None and status.recognition.certificate_number:
        rec = status.recognition
    if rec is not None and rec.product_id == product.id:
        rec.product = product  # loaded already, with its unit
    return {"signature": check, "certificate": certificates.certificate_view(rec) if rec else None}


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
    """A small JPEG of the main image for the product and phone pages (the original is a link away)."""
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


_thumbnail_sizes = {}  # sha256 of an image -> its thumbnail's (width, height)


def thumbnail_size(stored):
    """(width, height) of the product and phone pages' image, written on its <img> so that
    nothing moves when it arrives; kept per image content (else every view of the page would
    read the thumbnail back and decode it)."""
    size = _thumbnail_sizes.get(stored.sha256)
    if size is None:
        with Image.open(io.BytesIO(thumbnail_bytes(stored))) as img:
            size = img.size
        if len(_thumbnail_sizes) >= 4096:
            _thumbnail_sizes.clear()
        _thumbnail_sizes[stored.sha256] = size
    return size


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

