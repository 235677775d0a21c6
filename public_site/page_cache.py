"""Rendered public pages kept for anonymous visitors (home, 产品信息查询, product and phone
pages): most scans and searches repeat, and a broad search costs the database hundreds of
milliseconds each time it is rendered afresh.

A page is filed under the public-data counter search.generation() (bumped in the transaction
of every reindex and of search.touch()), the Shanghai date (notices and validity dates are
read against today), the locale and the path with its query string. A change made in this
process shows on the next request; one made in another worker shows within
GENERATION_MAX_AGE seconds (that long a worker trusts its last reading of the counter).
Nothing is kept for a signed-in user (the header names them), a visitor with a pending flash
message, or a response that sets a cookie; PAGE_CACHE_SECONDS bounds how long an entry lives
(0 turns the cache off).

Two doors serve a kept page: `cached_page` on the view, for any anonymous visitor, and
`KeptPages`, a WSGI layer in front of the application for a request without cookies (a
phone that scanned a QR code): it answers before Flask opens a session or loads a user.

The store is Flask-Caching's (config: CACHE_TYPE, CACHE_THRESHOLD, …): SimpleCache in the
process by default, so each worker keeps its own copies and nothing else has to run.
"""

import hashlib
from functools import wraps

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.wrappers import Response

import search
from extensions import cache
from models import db, today_shanghai

KEPT_STATUSES = (200, 404)
GENERATION_MAX_AGE = 1.0  # seconds


def _key(environ, locale):
    """The entry of this request's page under the current generation and date."""
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "") + "?" + environ.get("QUERY_STRING", "")
    digest = hashlib.sha1(path.encode("latin-1", "replace")).hexdigest()
    generation = search.generation(max_age=GENERATION_MAX_AGE)
    return f"page:{generation}:{today_shanghai():%Y%m%d}:{locale}:{digest}"


def _response(kept, environ):
    body, status, headers = kept
    resp = Response(body, status=status, headers=headers)
    return resp.make_conditional(environ) if status == 200 else resp


def _cacheable():
    return (current_app.config["PAGE_CACHE_SECONDS"] > 0 and request.method == "GET"
            and not current_user.is_authenticated and "_flashes" not in session)


def cached_page(view):
    """Serve a public GET view from the page cache when the visitor is anonymous, and keep
    what it renders."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not _cacheable():
            return view(*args, **kwargs)
        key = _key(request.environ, get_locale())
        kept = cache.get(key)
        if kept is not None:
            return _response(kept, request.environ)
        resp = current_app.make_response(view(*args, **kwargs))
        if (resp.status_code in KEPT_STATUSES and "Set-Cookie" not in resp.headers
                and not resp.direct_passthrough):
            cache.set(key, (resp.get_data(), resp.status_code, list(resp.headers.items())),
                      timeout=current_app.config["PAGE_CACHE_SECONDS"])
        return resp

    return wrapper


class KeptPages:
    """WSGI layer: a GET without cookies (so anonymous, in the default language) for a page
    `cached_page` has kept is answered from the cache; everything else goes to the app."""

    def __init__(self, app):
        self.app = app
        self.wsgi_app = app.wsgi_app

    def __call__(self, environ, start_response):
        if (environ.get("REQUEST_METHOD") == "GET" and "HTTP_COOKIE" not in environ
                and "HTTP_AUTHORIZATION" not in environ and self.app.config["PAGE_CACHE_SECONDS"] > 0):
            with self.app.app_context():
                was_closed = db.database.is_closed()
                try:
                    kept = cache.get(_key(environ, self.app.config["BABEL_DEFAULT_LOCALE"]))
                finally:
                    if was_closed and not db.database.is_closed():
                        db.database.close()
            if kept is not None:
                return _response(kept, environ)(environ, start_response)
        return self.wsgi_app(environ, start_response)


def init_app(app):
    app.wsgi_app = KeptPages(app)
