"""Open data API (/api/v1): public products as JSON, read-only, rate limited per IP, open to
other origins (CORS, GET only).

Fields are those of the public product page (domain.visibility.public_data). Lists are paged by
an opaque cursor in id order, so a page is stable while products are added.

Parameters mean exactly what openapi.py says: a value is taken as sent (no blanks trimmed), and
an empty one is as wrong as any other bad value (400) — only an empty q means no text. Every
absolute link starts with the configured SITE_URL, never with the request's Host header.
"""

import re

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_cors import CORS
from peewee import InterfaceError, OperationalError

from domain import search, visibility
from infra.extensions import limiter
from infra.validators import INT_MAX
from public_site.product_pages import phone_url, product_or_404, site_url

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
    "lang": _l("参数 lang 须为 zh_Hans_CN 或 en"),
}


class BadRequest(ValueError):
    pass


# ---------------------------------------------------------------- errors as JSON


@bp.errorhandler(BadRequest)
def bad_request(error):
    return jsonify(error=str(error)), 400


ERRORS = {404: _l("产品不存在或未公开"), 405: _l("不支持的请求方法"), 429: _l("请求过于频繁，请稍后再试"),
          500: _l("服务器内部错误，请稍后再试")}


# Registered per code: the site's own 404/429 handlers (HTML pages) are code-specific too, and a
# code-specific handler wins over a class-based one.
def http_error(error):
    """{"error": "…"} with the headers HTTP asks for: a 405 names the methods allowed (Allow)."""
    headers = {k: v for k, v in error.get_headers() if k == "Allow"}
    return jsonify(error=str(ERRORS[error.code])), error.code, headers


for _code in ERRORS:
    bp.register_error_handler(_code, http_error)


@bp.errorhandler(OperationalError)
@bp.errorhandler(InterfaceError)
def database_unavailable(error):
    """The database does not answer (down, restarting, out of connections): 503 in the API's
    error shape, so clients retry, never the site's HTML error page."""
    return jsonify(error=str(_l("服务暂时不可用，请稍后再试"))), 503, {"Retry-After": "30"}


# ---------------------------------------------------------------- parameters


# A cursor is "c" and the position (the last product's id) in base 36. Every string of this
# form is a cursor the server takes (a position past the end gives an empty page), so the
# OpenAPI document can state it exactly: a request the document allows is never refused.
CURSOR_PATTERN = "c[0-9a-z]{1,7}"
BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def encode_cursor(product_id):
    digits = ""
    while True:
        product_id, rest = divmod(product_id, 36)
        digits = BASE36[rest] + digits
        if not product_id:
            return "c" + digits


def decode_cursor(text):
    if not re.fullmatch(CURSOR_PATTERN, text):
        raise BadRequest(_("参数 cursor 无效"))
    return min(int(text[1:], 36), INT_MAX)  # beyond every id: an empty page


def _limit(args):
    text = args.get("limit")
    if text is None:
        return DEFAULT_LIMIT
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_LIMIT:
        raise BadRequest(_("参数 limit 须为 1 到 %(max)s 之间的整数", max=MAX_LIMIT))
    return int(text)


def filtered(args):
    """(q, filters) of the request (400 on a bad value). The filters are search.py's (the same
    index, rules and query path as 产品信息查询); here they are only checked."""
    unknown = sorted(set(args) - set(FILTERS))
    if unknown:
        raise BadRequest(_("不支持的参数：%(names)s", names="、".join(unknown)))
    filters = {}
    for name in search.FILTERS:
        value = args.get(name)
        if value is not None:
            filters[name] = search.filter_value(name, value)
            if filters[name] is None:
                raise BadRequest(str(FILTER_ERRORS[name]))
    if "lang" in args and args["lang"] not in current_app.config["LANGUAGES"]:
        raise BadRequest(str(FILTER_ERRORS["lang"]))
    q = args.get("q", "")
    if len(q) > search.MAX_QUERY:
        raise BadRequest(_("参数 q 不能超过%(n)s个字", n=search.MAX_QUERY))
    return q, filters


# ---------------------------------------------------------------- endpoints


def _item(data):
    """A list item: the public list fields (visibility.listing_data) and its links."""
    return {**data, "url": site_url("api.product", token=data["token"]),
            "page_url": site_url("products_public.detail", token=data["token"])}


@bp.get("/products")
def products():
    args = request.args
    limit = _limit(args)
    q, filters = filtered(args)
    cursor = args.get("cursor")
    after = decode_cursor(cursor) if cursor is not None else 0
    items, more, last = search.api_page(q, filters, after, limit)
    return jsonify(items=[_item(data) for data in items], next_cursor=encode_cursor(last) if more else None)


@bp.get("/products/<token>")
def product(token):
    found, view = product_or_404(token)
    data = visibility.public_data(found, view)
    if view.public:
        data["links"] = {
            "page": site_url("products_public.detail", token=token),
            "phone": phone_url(found),
            "qr_png": site_url("products_public.qr_png", token=token),
            "qr_svg": site_url("products_public.qr_svg", token=token),
            "image": site_url("products_public.image", token=token) if data["has_image"] else None,
        }
    return jsonify(data)
