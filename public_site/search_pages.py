"""产品信息查询 (/search): search box, facets, sort, pages, CSV/XLSX export of the results.
Result cards show the main image through product_pages' thumbnail route (public products only)."""

import io
from urllib.parse import urlencode

from flask import abort, render_template, request, send_file, url_for

from domain import search
from infra.extensions import PUBLIC_CSP, talisman
from models import today_shanghai
from public_site.page_cache import cached_page
from public_site.public import bp

PER_PAGE = 20
URL_SAFE = "!$'()*,/:;?@"  # what url_for leaves unquoted in a query (werkzeug.urls._urlencode)


def _args():
    """(q, filters, sort) from the query string: every argument but q/sort/page/lang is a filter
    (unknown ones are reported by search.clean)."""
    q = request.args.get("q", "")
    sort = request.args.get("sort", "relevance")
    filters = {k: v for k, v in request.args.items() if k not in ("q", "sort", "page", "lang")}
    return q, filters, sort


@bp.get("/search")
@talisman(content_security_policy=PUBLIC_CSP)
@cached_page
def search_page():
    q, filters, sort = _args()
    results = search.search(q, filters, sort=sort, page=request.args.get("page", 1), per_page=PER_PAGE)

    page_url = url_for("public.search_page")

    def link(endpoint="public.search_page", **changes):
        """This page's URL with some arguments changed (None removes one); back to page 1. The
        page's own links (some sixty facet values) append their arguments as url_for would
        to the address built once: building each took a tenth of the page's time."""
        args = {"q": results.q, "sort": results.sort, **{k: str(v) for k, v in results.filters.items()}}
        args.update(changes)
        args = {k: v for k, v in args.items() if v not in (None, "")}
        if endpoint != "public.search_page":
            return url_for(endpoint, **args)
        return f"{page_url}?{urlencode(args, safe=URL_SAFE)}" if args else page_url

    def facet_link(name, f):
        """Select a facet value, or, for the selected one, step back out of it."""
        if name == "division":
            return link(industry=search.section_of(f.value) if f.selected else f.value)
        if not f.selected:
            return link(**{name: f.value})
        if name == "category" and len(f.value) > 2 and f.value != search.OTHER_CATEGORY:
            return link(category=f.value[:-2])
        return link(**{name: None})

    return render_template("public/search.html", results=results, link=link, facet_link=facet_link,
                           filter_labels=search.FILTER_LABELS,
                           export_limit=search.EXPORT_LIMIT)


@bp.get("/search/export.<fmt>")
def search_export(fmt):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    q, filters, sort = _args()
    data = search.export_dataset(q, filters, sort)
    name = f"产品信息查询-{today_shanghai():%Y%m%d}.{fmt}"
    if fmt == "csv":
        body = ("\ufeff" + data.export("csv")).encode("utf-8")  # BOM: Excel opens it as UTF-8
        mimetype = "text/csv"  # Werkzeug adds "; charset=utf-8"
    else:
        body = search.widen_columns(data.export("xlsx"))
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return send_file(io.BytesIO(body), mimetype=mimetype, as_attachment=True, download_name=name)
