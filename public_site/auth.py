"""单位注册, 单位登录 / 工作人员登录, 忘记密码, captcha and SMS-code endpoints.

A signed-in session is one the server knows (domain/accounts.py, LoginSession): the session
cookie carries its token, and Flask-Login's user loader (load_user) accepts the cookie only
while that session is live — signing out, a password reset or an administrator's change of
the account ends it, whatever copy of the cookie comes back.
"""

import secrets
import time
from urllib.parse import urlsplit

from captcha.image import ImageCaptcha
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user, login_user, logout_user
from flask_security.utils import set_request_attr

from domain import accounts
from infra import documents
from infra.extensions import limiter
from models import User

bp = Blueprint("auth", __name__)

CAPTCHA_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _client_ip():
    return request.remote_addr or ""


@bp.record_once
def _init_sign_in(state):
    # Run by public_site.init_app(), after security.init_app() set up Flask-Login.
    state.app.login_manager.user_loader(load_user)
    accounts.prepare_sign_in(state.app)


def load_user(user_id):
    """Flask-Login's user loader: the account of a live session, else nobody."""
    user = accounts.session_user(user_id, session.get(accounts.SESSION_KEY))
    if user is not None:  # what Flask-Security's own loader records
        set_request_attr("fs_authn_via", "session")
        set_request_attr("fs_paa", session.get("fs_paa", 0))
    return user


# ---------------------------------------------------------------- captcha


@bp.get("/captcha.png")
def captcha_image():
    text = "".join(secrets.choice(CAPTCHA_ALPHABET) for _ in range(4))
    session["captcha"] = accounts.issue_captcha(text)
    data = ImageCaptcha(width=120, height=44, font_sizes=(30, 34, 36)).generate(text).getvalue()
    return Response(data, mimetype="image/png", headers={"Cache-Control": "no-store"})


def check_captcha(answer):
    """None when right; a message otherwise. A captcha answers once (the server forgets it)."""
    if not current_app.config["CAPTCHA_ENABLED"]:
        return None
    return accounts.take_captcha(session.pop("captcha", None), answer)


# ---------------------------------------------------------------- register


def _account_form(action, template, done_message):
    """A form whose POST calls an accounts function: errors next to the fields, or
    a flash and the login page."""
    errors = {}
    if request.method == "POST":
        try:
            action(request.form)
        except accounts.AccountError as exc:
            errors = exc.errors
        else:
            flash(done_message, "success")
            return redirect(url_for("auth.login"))
    return render_template(template, form=request.form, errors=errors)


def _account_form_limit():
    return current_app.config["ACCOUNT_FORM_RATE_LIMIT"]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_account_form_limit, methods=["POST"])
def register():
    return _account_form(accounts.register_unit, "auth/register.html", _l("注册成功，请登录。"))


@bp.post("/sms-code")
@limiter.limit(lambda: current_app.config["SMS_RATE_LIMIT"])
def sms_code():
    """获取验证码 for 'register' or 'reset'; JSON for the page's countdown."""
    purpose = request.form.get("purpose", "register")
    if purpose not in ("register", "reset"):
        abort(400)
    try:
        wait = accounts.send_sms_code(request.form.get("phone", ""), purpose, _client_ip())
    except accounts.AccountError as exc:
        return jsonify(ok=False, errors={k: str(v) for k, v in exc.errors.items()}), 400
    except accounts.validators.ValidationError as exc:
        return jsonify(ok=False, errors={"phone": str(exc.message)}), 400
    if purpose == "reset":  # the same answer whether or not the phone has an account
        return jsonify(ok=True, wait=wait, message=_("如该手机号已注册，验证码已发送，请注意查收短信"))
    return jsonify(ok=True, wait=wait, message=_("验证码已发送，请注意查收短信"))


# ---------------------------------------------------------------- login / logout

SIDES = {
    "unit": {"title": _l("单位登录"), "home": "portal.home"},
    "staff": {"title": _l("工作人员登录"), "home": "admin.index"},
}


def safe_next(default):
    """Where to go after a form: the request's `next` when it is a path of this site, else
    url_for(default). A browser reads "//host", "/\\host" and "/<tab>/host" (it drops tabs and
    newlines) as another site: refused, as is anything with a scheme or host."""
    target = request.values.get("next") or ""
    if (target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in target) and not urlsplit(target).netloc):
        return target
    return url_for(default)


def _login(side):
    errors = {}
    if request.method == "POST":
        errors = _sign_in(side)
        if errors is None:  # password right, the second factor is next
            return redirect(url_for("auth.staff_two_factor", next=request.values.get("next")))
        if not errors:
            return redirect(safe_next(SIDES[side]["home"]))
    return render_template(
        "auth/login.html", side=side, title=SIDES[side]["title"], form=request.form, errors=errors
    )


def _sign_in(side):
    form = request.form
    errors = {}
    problem = check_captcha(form.get("captcha", ""))
    if problem:
        errors["captcha"] = problem
    if not form.get("identity", "").strip():
        errors["identity"] = _l("请输入手机号、用户名或邮箱")
    if not form.get("password"):
        errors["password"] = _l("请输入密码")
    if errors:
        return errors
    try:
        user = accounts.authenticate(form["identity"], form["password"])
    except accounts.AccountError as exc:
        return exc.errors
    if side == "unit" and user.is_staff:
        return {"identity": _l("工作人员账号请从管理后台登录")}
    if side == "staff" and not user.is_staff:
        return {"identity": _l("单位账号请从单位登录入口登录")}
    if side == "staff" and current_app.config["STAFF_TWO_FACTOR"]:
        session["tf_pending"] = {"uid": user.fs_uniquifier, "at": int(time.time())}
        return None
    _complete_login(user)
    return {}


def _complete_login(user):
    accounts.end_session(session.pop(accounts.SESSION_KEY, None))  # this browser's earlier sign-in
    login_user(user, remember=False, authn_via=["password"])
    session[accounts.SESSION_KEY] = accounts.start_session(user, _client_ip())
    session.permanent = True


TWO_FACTOR_TTL = 300


@bp.route("/admin/login/verify", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def staff_two_factor():
    """Second step for staff when STAFF_TWO_FACTOR is on: set up, then enter, a TOTP code."""
    pending = session.get("tf_pending")
    if not pending or time.time() - pending["at"] > TWO_FACTOR_TTL:
        session.pop("tf_pending", None)
        flash(_("登录已超时，请重新登录。"), "warning")
        return redirect(url_for("auth.staff_login"))
    user = User.get_or_none(User.fs_uniquifier == pending["uid"])
    if user is None:
        abort(400)
    setup = not user.tf_totp_secret
    if setup and "tf_secret" not in session:
        session["tf_secret"] = accounts.totp().generate_totp_secret()
    secret = session["tf_secret"] if setup else user.tf_totp_secret
    errors = {}
    if request.method == "POST":
        try:
            accounts.check_staff_code(user, secret, request.form.get("code"))
        except accounts.AccountError as exc:
            errors = exc.errors
        else:
            if setup:
                accounts.enable_totp(user, secret)
            session.pop("tf_pending", None)
            session.pop("tf_secret", None)
            _complete_login(User.get_by_id(user.id))
            return redirect(safe_next("admin.index"))
        if "locked" in errors:
            session.pop("tf_pending", None)
            flash(errors["locked"], "danger")
            return redirect(url_for("auth.staff_login"))
    context = {}
    if setup:
        factory = accounts.totp()
        context = {"qr": documents.qr_data_uri(factory.get_totp_uri(user.username, secret)),
                   "key": factory.get_totp_pretty_key(secret)}
    return render_template("auth/two_factor.html", setup=setup, errors=errors, form=request.form, **context)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    return _login("unit")


@bp.route("/admin/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def staff_login():
    return _login("staff")


@bp.post("/logout")
def logout():
    staff = current_user.is_authenticated and current_user.is_staff
    accounts.end_session(session.pop(accounts.SESSION_KEY, None))
    logout_user()
    flash(_("您已安全退出。"), "info")
    return redirect(url_for("auth.staff_login" if staff else "public.home"))


# ---------------------------------------------------------------- reset


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_account_form_limit, methods=["POST"])
def reset():
    return _account_form(accounts.reset_password, "auth/reset.html",
                         _l("密码已重置，请使用新密码登录。"))
