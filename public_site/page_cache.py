"""Rendered public pages kept for anonymous visitors (home, 产品信息查询, product and phone
pages): most scans and searches repeat, and a broad search costs the database hundreds of
milliseconds each time it is rendered afresh.

A page is filed under the public-data counter infra.changes.generation() (bumped in the
transaction of every reindex and of every other public change), the Shanghai date (notices and validity dates are
read against today), the locale, the path with its query string and the Accept-Encoding header (the
body is kept compressed as sent). A change made in this
process shows on the next request; one made in another worker shows within
GENERATION_MAX_AGE seconds (that long a worker trusts its last reading of the counter).
Nothing is kept for a signed-in user (the header names them), a visitor with a pending flash
message, or a response that sets a cookie; PAGE_CACHE_SECONDS bounds how long an entry lives
(0 turns the cache off).

`cached_page` marks a view: for an anonymous visitor it answers from the cache or lets the
view render and asks for the result to be kept. `KeptPages`, a WSGI layer around the whole
application, keeps what was finally sent (after every after-request step, so exactly those
headers) and answers a request it can tell is anonymous in the default language (no cookie,
as from a phone that scanned a QR code, or a session cookie without a user, flash message
or language) before Flask runs its request hooks or loads a user.

The store is Flask-Caching's (config: CACHE_TYPE, CACHE_THRESHOLD, …): SimpleCache in the
process by default, so each worker keeps its own copies and nothing else has to run.
"""

import hashlib
from functools import wraps

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user
from peewee import DatabaseError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from infra import changes
from infra.extensions import cache
from models import db, today_shanghai

KEPT_STATUSES = ("200 OK", "404 NOT FOUND")
GENERATION_MAX_AGE = 1.0  # seconds
KEEP = "zlcp.page_cache.key"  # environ entry: the key the view's response is to be kept under
# Session entries that make a visitor's page their own: a signed-in user (Flask-Login),
# a pending flash message, a chosen language.
ANONYMOUS_SESSION_BLOCKERS = ("_user_id", "_flashes", "lang")


def _key(environ, locale):
    """The entry of this request's page under the current generation and date."""
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "") + "?" + environ.get("QUERY_STRING", "")
    path += "|" + environ.get("HTTP_ACCEPT_ENCODING", "")  # kept as sent: compressed or not (infra/assets.py)
    digest = hashlib.sha1(path.encode("latin-1", "replace")).hexdigest()
    generation = changes.generation(max_age=GENERATION_MAX_AGE)
    return f"page:{generation}:{today_shanghai():%Y%m%d}:{locale}:{digest}"


def _response(kept, environ):
    status, headers, body = kept
    resp = Response(body, status=status, headers=headers)
    return resp.make_conditional(environ) if resp.status_code == 200 else resp


def cached_page(view):
    """Serve a public GET view from the page cache when the visitor is anonymous, and have
    what it renders kept."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not (current_app.config["PAGE_CACHE_SECONDS"] > 0 and request.method == "GET"
                and not current_user.is_authenticated and "_flashes" not in session):
            return view(*args, **kwargs)
        key = _key(request.environ, get_locale())
        kept = cache.get(key)
        if kept is not None:
            return _response(kept, request.environ)
        request.environ[KEEP] = key
        return view(*args, **kwargs)

    wrapper.keeps_pages = True  # KeptPages answers only for such views
    return wrapper


class KeptPages:
    """WSGI layer: keeps the responses `cached_page` asked for, and answers a GET without
    cookies (so anonymous, in the default language) from them; the rest goes to the app."""

    def __init__(self, app):
        self.app = app
        self.wsgi_app = app.wsgi_app
        self.store = app.extensions["cache"][cache]  # the backend: no app context needed

    def _enabled(self):
        return self.app.config["PAGE_CACHE_SECONDS"] > 0

    def _keeps(self, environ):
        """Whether the address is one of a `cached_page` view (not a static file, /healthz…)."""
        try:
            endpoint, _args = self.app.url_map.bind_to_environ(environ).match()
        except HTTPException:
            return False
        return getattr(self.app.view_functions.get(endpoint), "keeps_pages", False)

    def _lookup(self, environ):
        """The kept page, or None; a database that does not answer is the app's to report."""
        was_closed = db.database.is_closed()
        try:
            return self.store.get(_key(environ, self.app.config["BABEL_DEFAULT_LOCALE"]))
        except DatabaseError:
            return None
        finally:
            if was_closed and not db.database.is_closed():
                db.database.close()

    def _anonymous(self, environ):
        """True when the request is surely from an anonymous visitor in the default language:
        no cookie, or only a session cookie holding no user, flash message or language."""
        if "HTTP_AUTHORIZATION" in environ:
            return False
        if "HTTP_COOKIE" not in environ:
            return True
        request = self.app.request_class(environ)
        if set(request.cookies) != {self.app.config["SESSION_COOKIE_NAME"]}:
            return False  # a remember-me cookie, or something else the app reads
        session = self.app.session_interface.open_session(self.app, request)
        return session is not None and not any(k in session for k in ANONYMOUS_SESSION_BLOCKERS)

    def __call__(self, environ, start_response):
        if (self._enabled() and environ.get("REQUEST_METHOD") == "GET" and self._keeps(environ)
                and self._anonymous(environ)):
            kept = self._lookup(environ)
            if kept is not None:
                return _response(kept, environ)(environ, start_response)
        sent = {}

        def capture(status, headers, exc_info=None):
            sent.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, capture)
        key = environ.get(KEEP)
        if key is None or sent.get("status") not in KEPT_STATUSES or any(
                name.lower() == "set-cookie" for name, _value in sent["headers"]):
            return body
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        self.store.set(key, (sent["status"], list(sent["headers"]), data),
                       timeout=self.app.config["PAGE_CACHE_SECONDS"])
        return [data]


def init_app(app):
    app.wsgi_app = KeptPages(app)
