"""Open data API (/api/v1): public products as JSON, read-only, rate limited per IP, open to
other origins (CORS, GET only).

Fields are those of the public product page (domain.visibility.public_data). Lists are paged by
an opaque cursor in id order, so a page is stable while products are added.
"""

import base64
import binascii

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_cors import CORS

from domain import search, visibility
from infra.extensions import limiter
from models import Product
from public_site.product_pages import phone_url, product_or_404

bp = Blueprint("api", __name__, url_prefix="/api/v1")
CORS(bp, methods=["GET", "OPTIONS"], origins="*", send_wildcard=True, max_age=86400)
limiter.limit(lambda: current_app.config["API_RATE_LIMIT"])(bp)

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
FILTERS = (*search.FILTERS, "q", "cursor", "limit", "lang")  # lang: the language of the labels
FILTER_ERRORS = {
    "status": _l("参数 status 须为 filed（已备案）、notice（公示中）或 recognised（已认定）"),
    "industry": _l("参数 industry 不是有效的行业代码"),
    "category": _l("参数 category 不是有效的产品分类代码"),
    "province": _l("参数 province 须为省级行政区划代码，如 44 或 440000"),
    "year": _l("参数 year 须为备案年份，如 2025"),
}


class BadRequest(ValueError):
    pass


# ---------------------------------------------------------------- errors as JSON


@bp.errorhandler(BadRequest)
def bad_request(error):
    return jsonify(error=str(error)), 400


ERRORS = {404: _l("产品不存在或未公开"), 405: _l("不支持的请求方法"), 429: _l("请求过于频繁，请稍后再试")}


# Registered per code: the site's own 404/429 handlers (HTML pages) are code-specific too, and a
# code-specific handler wins over a class-based one.
def http_error(error):
    return jsonify(error=str(ERRORS[error.code])), error.code


for _code in ERRORS:
    bp.register_error_handler(_code, http_error)


# ---------------------------------------------------------------- parameters


def encode_cursor(product_id):
    return base64.urlsafe_b64encode(f"p{product_id}".encode()).decode().rstrip("=")


def decode_cursor(text):
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        if not raw.startswith("p") or not raw[1:].isascii() or not raw[1:].isdigit() or len(raw) > 19:
            raise ValueError
        return int(raw[1:])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadRequest(_("参数 cursor 无效")) from None


def _limit(args):
    text = args.get("limit", "")
    if not text:
        return DEFAULT_LIMIT
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_LIMIT:
        raise BadRequest(_("参数 limit 须为 1 到 %(max)s 之间的整数", max=MAX_LIMIT))
    return int(text)


def filtered(args):
    """The public products matching the request's filters (400 on a bad value). The filters
    are search.py's (the same index and rules as 产品信息查询); here they are only checked."""
    unknown = sorted(set(args) - set(FILTERS))
    if unknown:
        raise BadRequest(_("不支持的参数：%(names)s", names="、".join(unknown)))
    filters = {}
    for name in search.FILTERS:
        value = args.get(name, "").strip()
        if value:
            filters[name] = search.filter_value(name, value)
            if filters[name] is None:
                raise BadRequest(str(FILTER_ERRORS[name]))
    q = args.get("q", "").strip()
    if len(q) > search.MAX_QUERY:
        raise BadRequest(_("参数 q 不能超过%(n)s个字", n=search.MAX_QUERY))
    return search.public_query(q, filters)


# ---------------------------------------------------------------- endpoints


def _item(product):
    data = visibility.public_data(product)
    return {
        "token": data["token"],
        "name": data["name"],
        "model": data.get("model"),
        "trademark": data.get("trademark"),
        "unit_name": data["unit_name"],
        "status": data["status"],
        "status_label": data["status_label"],
        "filing_number": data.get("filing_number"),
        "filed_on": data.get("filed_on"),
        "category": data.get("category"),
        "industry": data.get("industry"),
        "url": url_for("api.product", token=product.token, _external=True),
        "page_url": url_for("products_public.detail", token=product.token, _external=True),
    }


@bp.get("/products")
def products():
    args = request.args
    limit = _limit(args)
    query = filtered(args)
    cursor = args.get("cursor", "").strip()
    if cursor:
        query = query.where(Product.id > decode_cursor(cursor))
    rows = list(query.order_by(Product.id).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    return jsonify(items=[_item(p) for p in rows],
                   next_cursor=encode_cursor(rows[-1].id) if more else None)


@bp.get("/products/<token>")
def product(token):
    found, view = product_or_404(token)
    data = visibility.public_data(found, view)
    if view.public:
        data["links"] = {
            "page": url_for("products_public.detail", token=token, _external=True),
            "phone": phone_url(found),
            "qr_png": url_for("products_public.qr_png", token=token, _external=True),
            "qr_svg": url_for("products_public.qr_svg", token=token, _external=True),
            "image": url_for("products_public.image", token=token, _external=True) if data["has_image"] else None,
        }
    return jsonify(data)
