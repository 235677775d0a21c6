"""Account rules: registration, SMS codes, sign-in with lock-out, password reset.

Flask-Security-Too owns users, roles, password hashing and the login session; the
rules of SPEC §2 live here, and the views in public_site/auth.py stay thin.
"""

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_security import hash_password, verify_and_update_password
from flask_security.totp import Totp
from peewee import fn

from infra import notifications, validators
from infra.extensions import user_datastore
from models import AuditLog, Role, SmsCode, Unit, User, UserRoles, db, utcnow
from workflows import STAFF_ROLES
from workflows import Role as Roles


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
    if not identity:
        return None
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


def validate_registration(data):
    """Check every field of 单位注册; returns cleaned values or raises AccountError."""
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
    if "username" in clean and _taken(User.username, clean["username"]):
        errors["username"] = _l("该用户名已被注册")
    if "phone" in clean and User.select().where(User.phone == clean["phone"]).exists():
        errors["phone"] = _l("该手机号已被注册")
    if "email" in clean and _taken(User.email, clean["email"]):
        errors["email"] = _l("该邮箱已被注册")
    if data.get("password") != data.get("password_confirm"):
        errors["password_confirm"] = _l("两次输入的密码不一致")
    if not data.get("agree"):
        errors["agree"] = _l("请阅读并同意《单位注册协议》")
    if "phone" in clean and "sms_code" in clean and not errors.get("phone"):
        problem = check_sms_code(clean["phone"], "register", clean["sms_code"], consume=False)
        if problem:
            errors["sms_code"] = problem
    if errors:
        raise AccountError(errors)
    return clean


def register_unit(data):
    """单位注册: create the unit account (role unit) and its empty Unit record."""
    clean = validate_registration(data)
    with db.database.atomic():
        problem = check_sms_code(clean["phone"], "register", clean["sms_code"], consume=True)
        if problem:
            raise AccountError({"sms_code": problem})
        user = user_datastore.create_user(
            username=clean["username"],
            email=clean["email"],
            phone=clean["phone"],
            password=hash_password(clean["password"]),
            roles=[Roles.UNIT.value],
        )
        Unit.create(user=user)
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
    """Issue a 6-digit code for phone; raises AccountError({'phone': …}) when not allowed."""
    cfg = current_app.config
    phone = validators.mobile(phone)
    now = utcnow()
    recent = (
        SmsCode.select()
        .where(SmsCode.phone == phone, SmsCode.purpose == purpose)
        .order_by(SmsCode.id.desc())
        .first()
    )
    if recent and (now - recent.created_at).total_seconds() < cfg["SMS_RESEND_SECONDS"]:
        wait = cfg["SMS_RESEND_SECONDS"] - int((now - recent.created_at).total_seconds())
        raise AccountError({"phone": _l("请%(seconds)s秒后再获取验证码", seconds=wait)})
    day_ago = now - timedelta(days=1)
    per_phone = SmsCode.select().where(SmsCode.phone == phone, SmsCode.created_at > day_ago).count()
    per_ip = SmsCode.select().where(SmsCode.ip == ip, SmsCode.created_at > day_ago).count()
    if per_phone >= cfg["SMS_DAILY_PER_PHONE"] or per_ip >= cfg["SMS_DAILY_PER_IP"]:
        raise AccountError({"phone": _l("今日获取验证码次数已达上限，请明天再试")})
    if purpose == "register" and User.select().where(User.phone == phone).exists():
        raise AccountError({"phone": _l("该手机号已被注册")})
    if purpose == "reset" and not User.select().where(User.phone == phone).exists():
        raise AccountError({"phone": _l("该手机号尚未注册")})
    code = f"{secrets.randbelow(10**6):06d}"
    ttl = cfg["SMS_CODE_TTL_SECONDS"]
    with db.database.atomic():
        SmsCode.create(
            phone=phone, purpose=purpose, ip=ip, code_hash=notifications.code_hash(code, phone),
            expires_at=now + timedelta(seconds=ttl),
        )
        ids = notifications.queue(
            "sms_code", phone=phone, payload={"code": code, "minutes": ttl // 60}
        )
    notifications.deliver_soon(ids)
    return cfg["SMS_RESEND_SECONDS"]


def check_sms_code(phone, purpose, code, consume):
    """None when the latest code matches; else a message. Wrong tries are counted."""
    row = (
        SmsCode.select()
        .where(SmsCode.phone == phone, SmsCode.purpose == purpose, SmsCode.used_at.is_null())
        .order_by(SmsCode.id.desc())
        .first()
    )
    if row is None:
        return _l("请先获取短信验证码")
    if row.expires_at < utcnow():
        return _l("短信验证码已过期，请重新获取")
    if row.attempts >= current_app.config["SMS_CODE_MAX_TRIES"]:
        return _l("短信验证码错误次数过多，请重新获取")
    if notifications.code_hash(code, phone) != row.code_hash:
        SmsCode.update(attempts=SmsCode.attempts + 1).where(SmsCode.id == row.id).execute()
        return _l("短信验证码不正确")
    if consume:
        SmsCode.update(used_at=utcnow()).where(SmsCode.id == row.id).execute()
    return None


# ---------------------------------------------------------------- sign in


def authenticate(identity, password):
    """Returns the user, or raises AccountError with a message under 'identity'/'password'.

    After LOGIN_MAX_FAILURES wrong passwords the account is locked for
    LOGIN_LOCK_MINUTES; the message says until when.
    """
    cfg = current_app.config
    user = find_by_identity(identity)
    generic = _l("账号或密码不正确")
    if user is None:
        raise AccountError({"password": generic})
    now = utcnow()
    if user.locked_until and user.locked_until > now:
        minutes = int((user.locked_until - now).total_seconds() // 60) + 1
        raise AccountError({"identity": _l("密码错误次数过多，账号已锁定，请%(minutes)s分钟后再试", minutes=minutes)})
    if not user.active:
        raise AccountError({"identity": _l("该账号已停用，请联系平台管理员")})
    if not verify_and_update_password(password or "", user):
        failures = user.failed_logins + 1
        locked = now + timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"]) if failures >= cfg["LOGIN_MAX_FAILURES"] else None
        User.update(failed_logins=0 if locked else failures, locked_until=locked).where(
            User.id == user.id
        ).execute()
        if locked:
            raise AccountError({"identity": _l("密码错误次数过多，账号已锁定，请%(minutes)s分钟后再试",
                                               minutes=cfg["LOGIN_LOCK_MINUTES"])})
        left = cfg["LOGIN_MAX_FAILURES"] - failures
        raise AccountError({"password": _l("账号或密码不正确，还可尝试%(left)s次", left=left)})
    User.update(failed_logins=0, locked_until=None).where(User.id == user.id).execute()
    return User.get_by_id(user.id)


def reset_password(data):
    """忘记密码: phone + SMS code + new password twice."""
    errors, clean = {}, {}
    for name, check in (("phone", validators.mobile), ("sms_code", validators.sms_code),
                        ("password", validators.password)):
        try:
            clean[name] = check(data.get(name, ""))
        except validators.ValidationError as exc:
            errors[name] = exc.message
    if data.get("password") != data.get("password_confirm"):
        errors["password_confirm"] = _l("两次输入的密码不一致")
    user = User.get_or_none(User.phone == clean["phone"]) if "phone" in clean else None
    if "phone" in clean and user is None:
        errors["phone"] = _l("该手机号尚未注册")
    if not errors:
        problem = check_sms_code(clean["phone"], "reset", clean["sms_code"], consume=False)
        if problem:
            errors["sms_code"] = problem
    if errors:
        raise AccountError(errors)
    with db.database.atomic():
        check_sms_code(clean["phone"], "reset", clean["sms_code"], consume=True)
        User.update(password=hash_password(clean["password"]), failed_logins=0,
                    locked_until=None).where(User.id == user.id).execute()
    return user


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
