"""Flask extensions, created once and bound in create_app() with init_app()."""

from flask import current_app, has_request_context, request, session
from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_mailman import Mail
from flask_security import PeeweeUserDatastore, Security
from flask_talisman import Talisman
from flask_wtf import CSRFProtect
from werkzeug.routing import IntegerConverter

from infra.validators import INT_MAX
from models import Role, User, UserRoles, db

babel = Babel()
cache = Cache()
csrf = CSRFProtect()
mail = Mail()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
security = Security()
talisman = Talisman()

# Content-Security-Policy: nothing from another origin (no CDN), no plugins (<object>: PDFs
# are shown as pictures of their pages), no framing by other sites. Portal and back-office
# pages (Flask-Admin) still carry inline scripts; the public pages carry none and get
# PUBLIC_CSP, which forbids them. A stored file opened on its own gets FILE_CSP: a sandbox
# without scripts, should a file ever be rendered as a document.
CSP = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "style-src": "'self' 'unsafe-inline'",
    "script-src": "'self' 'unsafe-inline'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'self'",
}
PUBLIC_CSP = {**CSP, "script-src": "'self'"}
FILE_CSP = {"default-src": "'none'", "img-src": "'self'", "media-src": "'self'", "sandbox": ""}
user_datastore = PeeweeUserDatastore(db, User, Role, UserRoles)

# A Redis that stops answering must not hold a request for long: the limiter then counts in
# memory (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) until Redis answers again.
REDIS_LIMIT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}


def init_limiter(app):
    """Bind the rate limiter. Limits are counted where every worker process sees the same
    count: in Redis at REDIS_URL when it is set, unless RATELIMIT_STORAGE_URI names another
    storage; in this process's memory when there is no Redis (one process: `flask zlcp serve`)."""
    config = app.config
    uri = config.get("RATELIMIT_STORAGE_URI") or config.get("REDIS_URL") or "memory://"
    config["RATELIMIT_STORAGE_URI"] = uri
    if uri.startswith(("redis://", "rediss://", "redis+unix://")):
        config["RATELIMIT_STORAGE_OPTIONS"] = {**REDIS_LIMIT_OPTIONS, **config.get("RATELIMIT_STORAGE_OPTIONS", {})}
    limiter.init_app(app)


def select_locale():
    """?lang=en switches and remembers; otherwise the session's choice; default Chinese."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():  # jobs, CLI: Chinese
        return default
    wanted = request.args.get("lang")
    if wanted in current_app.config["LANGUAGES"]:
        session["lang"] = wanted
    return session.get("lang") or default


class RowIdConverter(IntegerConverter):
    """`<int:…>` in every URL: at most the largest id a column holds. A longer number is no
    address (404); reaching the database it would be a 500 (SQLite: OverflowError)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)
