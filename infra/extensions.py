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

from models import Role, User, UserRoles, db

babel = Babel()
cache = Cache()
csrf = CSRFProtect()
mail = Mail()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
security = Security()
talisman = Talisman()

# Content-Security-Policy: nothing from another origin (no CDN), embedded objects only from
# our own files (PDFs shown in place), no framing by other sites. Portal and back-office
# pages (Flask-Admin) still carry inline scripts; the public pages carry none and get
# PUBLIC_CSP, which forbids them.
CSP = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "style-src": "'self' 'unsafe-inline'",
    "script-src": "'self' 'unsafe-inline'",
    "object-src": "'self'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'self'",
}
PUBLIC_CSP = {**CSP, "script-src": "'self'"}
user_datastore = PeeweeUserDatastore(db, User, Role, UserRoles)


def select_locale():
    """?lang=en switches and remembers; otherwise the session's choice; default Chinese."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():  # jobs, CLI: Chinese
        return default
    wanted = request.args.get("lang")
    if wanted in current_app.config["LANGUAGES"]:
        session["lang"] = wanted
    return session.get("lang") or default
