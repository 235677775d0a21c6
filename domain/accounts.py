"""Account rules: registration, SMS codes, sign-in with lock-out, sessions, captchas,
password reset, staff TOTP.

Flask-Security-Too owns users, roles and password hashing; the rules of SPEC §2 live here,
and the views in public_site/auth.py stay thin. Whatever a visitor could replay — a solved
captcha, a count of wrong tries, a signed-in session — is kept on the server: the session
cookie is signed, not secret, and an old copy of it can be sent again.

Nothing here tells whether an account exists before the phone's SMS code (registration) or
the account's password (sign-in) is right: a name no account has is refused like a wrong
password, after as long, and 忘记密码 answers the same for any phone.
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_security import hash_password, verify_and_update_password, verify_password
from flask_security.totp import Totp
from peewee import Case, IntegrityError, fn
from redis.exceptions import RedisError

import jobs
from infra import notifications, validators
from infra.extensions import user_datastore
from models import (
    AuditLog,
    Captcha,
    LoginSession,
    Role,
    SignInFailure,
    SmsCode,
    Unit,
    User,
    UserRoles,
    db,
    serialized,
    utcnow,
)
from workflows import STAFF_ROLES
from workflows import Role as Roles

log = logging.getLogger("zlcp.accounts")

class AccountError(Exception):
    """errors: {field: message} — every problem at once."""

    def __init__(self, errors):
        super().__init__(str(errors))
        self.errors = errors


def ensure_roles():
    descriptions = {
        "unit": "单位", "reviewer": "审核员", "officer": "认定管理",
        "handler": "异议处理", "admin": "系统管理员",
    }
    for name, desc in descriptions.items():
        Role.get_or_create(name=name, defaults={"description": desc})


def find_by_identity(identity):
    """One login field: 手机号、用户名或邮箱 (phone first, then e-mail, then username)."""
    identity = (identity or "").strip()
    if not identity or any(ord(c) < 32 for c in identity):  # no account is named so (and
        return None  # PostgreSQL refuses a NUL in a query)
    try:
        phone = validators.mobile(identity)
    except validators.ValidationError:
        phone = None
    if phone:
        user = User.get_or_none(User.phone == phone)
        if user:
            return user
    if "@" in identity:
        return User.get_or_none(fn.LOWER(User.email) == identity.lower())
    return User.get_or_none(fn.LOWER(User.username) == identity.lower())


def _taken(field, value):
    return User.select().where(fn.LOWER(field) == value.lower()).exists()


def _taken_errors(clean):
    """{field: message} for a username, phone or e-mail another account has."""
    errors = {}
    if "username" in clean and _taken(User.username, clean["username"]):
        errors["username"] = _l("该用户名已被注册")
    if "phone" in clean and User.select().where(User.phone == clean["phone"]).exists():
        errors["phone"] = _l("该手机号已被注册")
    if "email" in clean and _taken(User.email, clean["email"]):
        errors["email"] = _l("该邮箱已被注册")
    return errors


def validate_registration(data):
    """Check every field of 单位注册; returns cleaned values or raises AccountError.

    Whether a username, phone or e-mail is taken is said only once the phone's SMS code is
    right: nobody learns who has an account without holding the phone."""
    errors, clean = {}, {}
    checks = (
        ("username", validators.username),
        ("phone", validators.mobile),
        ("email", validators.email),
        ("password", validators.password),
        ("sms_code", validators.sms_code),
    )
    for name, check in checks:
        try:
            clean[name] = check(data.get(name, ""))
        except validators.ValidationError as exc:
            errors[name] = exc.message
    if data.get("password") != data.get("password_confirm"):
        errors["password_confirm"] = _l("两次输入的密码不一致")
    if not data.get("agree"):
        errors["agree"] = _l("请阅读并同意《单位注册协议》")
    if "phone" in clean and "sms_code" in clean:
        problem = check_sms_code(clean["phone"], "register", clean["sms_code"], consume=False)
        if problem:
            errors["sms_code"] = problem
        else:
            errors.update(_taken_errors(clean))
    if errors:
        raise AccountError(errors)
    return clean


def register_unit(data):
    """单位注册: create the unit account (role unit) and its empty Unit record. The SMS code
    is used up in the same transaction: one code, one account."""
    clean = validate_registration(data)
    password = hash_password(clean["password"])  # slow: before the transaction
    user = None
    try:
        with serialized(f"sms:{clean['phone']}"):
            problem = check_sms_code(clean["phone"], "register", clean["sms_code"], consume=True)
            if not problem:
                user = user_datastore.create_user(
                    username=clean["username"], email=clean["email"], phone=clean["phone"],
                    password=password, roles=[Roles.UNIT.value],
                )
                Unit.create(user=user)
    except IntegrityError:  # the name, phone or e-mail was taken a moment ago
        raise AccountError(_taken_errors(clean) or {"username": _l("该用户名已被注册")}) from None
    if problem:
        raise AccountError({"sms_code": problem})
    return user


def create_staff(username, email, password, roles, full_name="", phone=None):
    bad = [r for r in roles if r not in STAFF_ROLES]
    if bad or not roles:
        raise AccountError({"roles": _l("请选择工作人员角色")})
    with db.database.atomic():
        user = user_datastore.create_user(
            username=username, email=email, phone=phone, full_name=full_name,
            password=hash_password(password), roles=list(roles),
        )
    return user


def staff_accounts():
    """Every account with a staff role."""
    staff = UserRoles.select(UserRoles.user).join(Role).where(Role.name != Roles.UNIT)
    return User.select().where(User.id.in_(staff))


def set_staff_roles(user, roles, actor, created=False):
    """The staff roles of an account, as an administrator set them (audited)."""
    with db.database.atomic():
        UserRoles.delete().where(UserRoles.user == user).execute()
        for name in roles:
            UserRoles.create(user=user, role=Role.get(Role.name == name))
        AuditLog.create(actor=actor.id, actor_name=actor.display_name, object_type="user", object_id=user.id,
                        event="create_staff" if created else "edit_staff",
                        data={"roles": sorted(roles), "active": user.active})


# ---------------------------------------------------------------- SMS codes


def send_sms_code(phone, purpose, ip):
    """Issue a 6-digit code for phone; raises AccountError({'phone': …}) when not allowed.

    The limits — one code per SMS_RESEND_SECONDS for a phone and purpose, daily caps per phone
    and per IP — are checked and the code written in one transaction serialized on the phone
    and the IP, so parallel requests cannot all pass the check. The answer does not say
    whether the phone has an account: a 'register' code goes to any phone (the registration
    form says the phone is taken once its code is right); a 'reset' code is sent only to a
    registered phone, but recorded, counted and answered alike for any other.
    """
    cfg = current_app.config
    phone = validators.mobile(phone)
    code = f"{secrets.randbelow(10**6):06d}"
    ttl = cfg["SMS_CODE_TTL_SECONDS"]
    ids = []
    with serialized(f"sms:{phone}", f"sms-ip:{ip}"):
        _check_sms_limits(phone, purpose, ip)
        SmsCode.create(phone=phone, purpose=purpose, ip=ip, code_hash=notifications.code_hash(code, phone),
                       expires_at=utcnow() + timedelta(seconds=ttl))
        if purpose == "register" or User.select().where(User.phone == phone).exists():
            ids = notifications.queue("sms_code", phone=phone, payload={"code": code, "minutes": ttl // 60})
    notifications.deliver_soon(ids)
    return cfg["SMS_RESEND_SECONDS"]


def _check_sms_limits(phone, purpose, ip):
    cfg = current_app.config
    now = utcnow()
    recent = (SmsCode.select(SmsCode.created_at).where(SmsCode.phone == phone, SmsCode.purpose == purpose)
              .order_by(SmsCode.id.desc()).first())
    waited = (now - recent.created_at).total_seconds() if recent else None
    if waited is not None and waited < cfg["SMS_RESEND_SECONDS"]:
        wait = cfg["SMS_RESEND_SECONDS"] - int(waited)
        raise AccountError({"phone": _l("请%(seconds)s秒后再获取验证码", seconds=wait)})
    day_ago = now - timedelta(days=1)
    per_phone = SmsCode.select().where(SmsCode.phone == phone, SmsCode.created_at > day_ago).count()
    per_ip = SmsCode.select().where(SmsCode.ip == ip, SmsCode.created_at > day_ago).count()
    if per_phone >= cfg["SMS_DAILY_PER_PHONE"] or per_ip >= cfg["SMS_DAILY_PER_IP"]:
        raise AccountError({"phone": _l("今日获取验证码次数已达上限，请明天再试")})


def check_sms_code(phone, purpose, code, consume):
    """None when code is the phone's latest for purpose (with consume: and is now used up);
    else a message. Conditional UPDATEs decide, by their row counts, whether a wrong try still
    counted and whether this request used the code: of parallel requests with one code, one
    wins. With consume, call it inside serialized(f"sms:{phone}") with the writes it allows."""
    max_tries = current_app.config["SMS_CODE_MAX_TRIES"]
    row = (SmsCode.select().where(SmsCode.phone == phone, SmsCode.purpose == purpose)
           .order_by(SmsCode.id.desc()).first())
    if row is None:
        return _l("请先获取短信验证码")
    if row.used_at is not None:
        return _l("短信验证码已使用，请重新获取")
    now = utcnow()
    if row.expires_at < now:
        return _l("短信验证码已过期，请重新获取")
    this = SmsCode.id == row.id
    if notifications.code_hash(code, phone) != row.code_hash:
        counted = SmsCode.update(attempts=SmsCode.attempts + 1).where(this, SmsCode.attempts < max_tries).execute()
        return _l("短信验证码不正确") if counted else _l("短信验证码错误次数过多，请重新获取")
    if row.attempts >= max_tries:
        return _l("短信验证码错误次数过多，请重新获取")
    if consume and not SmsCode.update(used_at=now).where(
            this, SmsCode.used_at.is_null(), SmsCode.attempts < max_tries).execute():
        return _l("短信验证码已使用，请重新获取")
    return None


# ---------------------------------------------------------------- sign in: tries, sessions


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest()


def _tries_of(user=None, key=None):
    """The wrong-try counter of an account's password (on its User row), or of `key` (a
    SignInFailure row): (model, where, failures column, locked-until column)."""
    if user is not None:
        return User, User.id == user.id, User.failed_logins, User.locked_until
    SignInFailure.insert(key=key).on_conflict_ignore().execute()
    return SignInFailure, SignInFailure.key == key, SignInFailure.failures, SignInFailure.locked_until


def _take_try(tries):
    """Take one try before the answer is checked, in one conditional UPDATE, so parallel
    guesses cannot outrun the count; the try that reaches LOGIN_MAX_FAILURES locks the counter
    for LOGIN_LOCK_MINUTES (a right answer unlocks it: _give_back).

    Returns (minutes still locked, tries left should this answer be wrong); the try was
    taken when minutes is 0."""
    cfg = current_app.config
    model, where, failures, locked_until = tries
    now = utcnow()
    last = failures + 1 >= cfg["LOGIN_MAX_FAILURES"]
    taken = model.update({
        failures: Case(None, [(last, 0)], failures + 1),
        locked_until: Case(None, [(last, now + timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"]))], None),
    }).where(where, locked_until.is_null() | (locked_until <= now)).execute()
    count, until = model.select(failures, locked_until).where(where).tuples().first() or (0, None)
    if not taken:
        return (int((until - now).total_seconds() // 60) + 1 if until else 1), 0
    return 0, (0 if until else cfg["LOGIN_MAX_FAILURES"] - count)


def _give_back(tries):
    model, where, failures, locked_until = tries
    model.update({failures: 0, locked_until: None}).where(where).execute()


def _locked(minutes):
    return AccountError({"identity": _l("密码错误次数过多，账号已锁定，请%(minutes)s分钟后再试", minutes=minutes)})


def prepare_sign_in(app):
    """At start-up (public_site/auth.py): the hash a name no account has is checked against —
    made like the accounts' (same algorithm and cost) from a password nobody knows, before the
    first request, whose answer would otherwise take one hash longer."""
    with app.app_context():
        app.extensions["zlcp_unknown_hash"] = hash_password(secrets.token_urlsafe(24))


def _no_ones_password_matches(password):
    """As long as checking an account's password, for a name no account has."""
    verify_password(password, current_app.extensions["zlcp_unknown_hash"])
    return False


def _identity_key(identity):
    text = (identity or "").strip()
    try:
        text = validators.mobile(text)
    except validators.ValidationError:
        text = text.lower()
    return "identity:" + _digest(text)


def authenticate(identity, password):
    """Returns the user, or raises AccountError with a message under 'identity'/'password'.

    After LOGIN_MAX_FAILURES wrong passwords the account is locked for LOGIN_LOCK_MINUTES;
    the message says until when. A name no account has gets the same messages, counted and
    locked alike, after a password check as long as an account's.
    """
    cfg = current_app.config
    user = find_by_identity(identity)
    tries = _tries_of(user=user) if user else _tries_of(key=_identity_key(identity))
    minutes, left = _take_try(tries)
    if minutes:
        raise _locked(minutes)
    if user is None:
        right = _no_ones_password_matches(password or "")
    else:
        right = verify_and_update_password(password or "", user)
    if not right:
        if not left:
            raise _locked(cfg["LOGIN_LOCK_MINUTES"])
        raise AccountError({"password": _l("账号或密码不正确，还可尝试%(left)s次", left=left)})
    _give_back(tries)
    if not user.active:  # said only to whoever knows the password
        raise AccountError({"identity": _l("该账号已停用，请联系平台管理员")})
    return User.get_by_id(user.id)


SESSION_KEY = "zlcp_session"  # the session cookie's token of its LoginSession row


def start_session(user, ip):
    """A signed-in browser: returns the token its cookie keeps under SESSION_KEY."""
    token = secrets.token_urlsafe(32)
    LoginSession.create(token_hash=_digest(token), user=user, ip=ip or "")
    return token


def end_session(token):
    """Signing out: this browser's session ends, and a saved copy of its cookie with it."""
    if isinstance(token, str):
        LoginSession.update(ended_at=utcnow()).where(
            LoginSession.token_hash == _digest(token), LoginSession.ended_at.is_null()).execute()


def end_sessions(user, keep=None):
    """Every session of the account ends (password reset, new password, deactivation), except
    the one whose token is `keep` (an administrator changing their own password stays in)."""
    query = LoginSession.update(ended_at=utcnow()).where(LoginSession.user == user, LoginSession.ended_at.is_null())
    if isinstance(keep, str):
        query = query.where(LoginSession.token_hash != _digest(keep))
    return query.execute()


def session_user(user_id, token):
    """The active account a session cookie names (Flask-Login's user id is fs_uniquifier),
    provided its token is of a live session of that account; else None."""
    if not user_id or not isinstance(token, str):
        return None
    return (User.select().join(LoginSession)
            .where(User.fs_uniquifier == str(user_id), User.active,
                   LoginSession.token_hash == _digest(token), LoginSession.ended_at.is_null())
            .first())


def reset_password(data):
    """忘记密码: phone + SMS code + new password twice. The code is used up by the reset (one
    code, one reset) and every session of the account ends."""
    errors, clean = {}, {}
    for name, check in (("phone", validators.mobile), ("sms_code", validators.sms_code),
                        ("password", validators.password)):
        try:
            clean[name] = check(data.get(name, ""))
        except validators.ValidationError as exc:
            errors[name] = exc.message
    if data.get("password") != data.get("password_confirm"):
        errors["password_confirm"] = _l("两次输入的密码不一致")
    if errors:
        raise AccountError(errors)
    password = hash_password(clean["password"])  # slow: before the transaction
    user = None
    with serialized(f"sms:{clean['phone']}"):
        problem = check_sms_code(clean["phone"], "reset", clean["sms_code"], consume=True)
        if not problem:
            user = User.get_or_none(User.phone == clean["phone"])
        if user is not None:
            User.update(password=password, failed_logins=0, locked_until=None).where(User.id == user.id).execute()
            end_sessions(user)
    if problem:
        raise AccountError({"sms_code": problem})
    if user is None:  # a phone with no account was sent no code
        raise AccountError({"sms_code": _l("短信验证码不正确")})
    return user


# ---------------------------------------------------------------- captcha


CAPTCHA_TTL_SECONDS = 600


def _captcha_hash(text):
    key = current_app.config["SECRET_KEY"]
    return hashlib.sha256(f"{key}:{text.strip().upper()}".encode()).hexdigest()


def _redis():
    """Redis when REDIS_URL is configured (shared by every worker), else None."""
    return jobs.connection() if current_app.config.get("REDIS_URL") else None


def issue_captcha(text):
    """Keep the answer of a new captcha image on the server; returns the token the session
    cookie names it by. Redis when configured (the database when it is not, or is down)."""
    token = secrets.token_urlsafe(24)
    answer = _captcha_hash(text)
    redis = _redis()
    if redis is not None:
        try:
            redis.set(f"zlcp:captcha:{token}", answer, ex=CAPTCHA_TTL_SECONDS)
            return token
        except RedisError as exc:
            log.warning("captcha kept in the database, Redis failed: %s", exc)
    Captcha.create(token=token, answer_hash=answer, expires_at=utcnow() + timedelta(seconds=CAPTCHA_TTL_SECONDS))
    return token


def _take_captcha(token):
    """The answer hash kept for token, taken: nobody can use it again. None when there is none."""
    redis = _redis()
    if redis is not None:
        key = f"zlcp:captcha:{token}"
        try:
            answer, _deleted = redis.pipeline(transaction=True).get(key).delete(key).execute()
            if answer is not None:
                return answer.decode()
        except RedisError as exc:
            log.warning("captcha looked up in the database, Redis failed: %s", exc)
    row = Captcha.get_or_none(Captcha.token == token)
    if row is None or not Captcha.delete().where(Captcha.token == token).execute():
        return None  # never issued, or another request took it first
    return row.answer_hash if row.expires_at > utcnow() else None


def take_captcha(token, answer):
    """None when answer is right for the captcha the session names by token; else a message.
    A captcha answers once: right or wrong, it is gone, whatever copy of the cookie comes back."""
    stored = _take_captcha(token) if isinstance(token, str) else None
    if not answer:
        return _l("请输入验证码")
    if stored is None:
        return _l("验证码已过期，请单击图片刷新")
    if _captcha_hash(answer) != stored:
        return _l("验证码不正确，请单击图片刷新后重新输入")
    return None


def purge_expired():
    """Daily: sign-in state nobody can use any more."""
    now = utcnow()
    Captcha.delete().where(Captcha.expires_at < now).execute()
    LoginSession.delete().where(LoginSession.ended_at < now - timedelta(days=1)).execute()
    SignInFailure.delete().where(SignInFailure.created_at < now - timedelta(days=1),
                                 SignInFailure.locked_until.is_null() | (SignInFailure.locked_until < now)).execute()


# ---------------------------------------------------------------- staff two-factor (TOTP)


def totp():
    """Flask-Security's TOTP helper (secrets encrypted with SECURITY_TOTP_SECRETS)."""
    cfg = current_app.config
    return Totp(cfg["SECURITY_TOTP_SECRETS"], cfg["SECURITY_TOTP_ISSUER"])


def enable_totp(user, secret):
    """The staff account's authenticator, confirmed by its first code."""
    User.update(tf_totp_secret=secret, tf_primary_method="authenticator").where(User.id == user.id).execute()


def verify_totp_code(user, secret, code):
    code = (code or "").strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return False
    return totp().verify_totp(code, secret, user, window=30)


def check_staff_code(user, secret, code):
    """The second step of a staff sign-in: None when code is the authenticator's; else raises
    AccountError — {'code': …} for a wrong code, {'locked': …} when no try is left. Wrong codes
    are counted per account on the server, so a replayed cookie brings no fresh tries."""
    cfg = current_app.config
    tries = _tries_of(key=f"totp:{user.id}")
    minutes, left = _take_try(tries)
    if not minutes and verify_totp_code(user, secret, code):
        _give_back(tries)
        return
    if minutes or not left:
        raise AccountError({"locked": _l("动态验证码错误次数过多，请%(minutes)s分钟后再试",
                                         minutes=minutes or cfg["LOGIN_LOCK_MINUTES"])})
    raise AccountError({"code": _l("动态验证码不正确，还可尝试%(left)s次", left=left)})
