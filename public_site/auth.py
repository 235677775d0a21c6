"""单位注册, 单位登录 / 工作人员登录, 忘记密码, captcha and SMS-code endpoints."""

import hashlib
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

from domain import accounts
from infra import documents
from infra.extensions import limiter
from models import User

bp = Blueprint("auth", __name__)

CAPTCHA_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CAPTCHA_TTL = 600


def _client_ip():
    return request.remote_addr or ""


# ---------------------------------------------------------------- captcha


@bp.get("/captcha.png")
def captcha_image():
    text = "".join(secrets.choice(CAPTCHA_ALPHABET) for _ in range(4))
    session["captcha"] = {"hash": _captcha_hash(text), "at": int(time.time())}
    data = ImageCaptcha(width=120, height=44, font_sizes=(30, 34, 36)).generate(text).getvalue()
    return Response(data, mimetype="image/png", headers={"Cache-Control": "no-store"})


def _captcha_hash(text):
    key = current_app.config["SECRET_KEY"]
    return hashlib.sha256(f"{key}:{text.upper()}".encode()).hexdigest()


def check_captcha(answer):
    """None when right; a message otherwise. A captcha answers once."""
    if not current_app.config["CAPTCHA_ENABLED"]:
        return None
    stored = session.pop("captcha", None)
    if not answer:
        return _l("请输入验证码")
    if not stored or time.time() - stored["at"] > CAPTCHA_TTL:
        return _l("验证码已过期，请单击图片刷新")
    if _captcha_hash(answer.strip()) != stored["hash"]:
        return _l("验证码不正确，请单击图片刷新后重新输入")
    return None


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


@bp.route("/register", methods=["GET", "POST"])
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
    return jsonify(ok=True, wait=wait, message=_("验证码已发送，请注意查收短信"))


# ---------------------------------------------------------------- login / logout

SIDES = {
    "unit": {"title": _l("单位登录"), "home": "portal.home"},
    "staff": {"title": _l("工作人员登录"), "home": "admin.index"},
}


def _safe_next(default):
    target = request.values.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return url_for(default)


def _login(side):
    errors = {}
    if request.method == "POST":
        errors = _sign_in(side)
        if errors is None:  # password right, the second factor is next
            return redirect(url_for("auth.staff_two_factor", next=request.values.get("next")))
        if not errors:
            return redirect(_safe_next(SIDES[side]["home"]))
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
        session["tf_pending"] = {"uid": user.fs_uniquifier, "at": int(time.time()), "tries": 0}
        return None
    _complete_login(user)
    return {}


def _complete_login(user):
    login_user(user, remember=False, authn_via=["password"])
    session.permanent = True


TWO_FACTOR_TTL = 300


@bp.route("/admin/login/verify", methods=["GET", "POST"])
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
        if accounts.verify_totp_code(user, secret, request.form.get("code")):
            if setup:
                accounts.enable_totp(user, secret)
            session.pop("tf_pending", None)
            session.pop("tf_secret", None)
            _complete_login(User.get_by_id(user.id))
            return redirect(_safe_next("admin.index"))
        pending["tries"] += 1
        session["tf_pending"] = pending
        if pending["tries"] >= 5:
            session.pop("tf_pending", None)
            flash(_("动态验证码错误次数过多，请重新登录。"), "danger")
            return redirect(url_for("auth.staff_login"))
        errors["code"] = _l("动态验证码不正确")
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
    logout_user()
    flash(_("您已安全退出。"), "info")
    return redirect(url_for("auth.staff_login" if staff else "public.home"))


# ---------------------------------------------------------------- reset


@bp.route("/reset", methods=["GET", "POST"])
def reset():
    return _account_form(accounts.reset_password, "auth/reset.html",
                         _l("密码已重置，请使用新密码登录。"))
