"""公众异议 from the public (manual §九): the form's rules, the objection's creation with its
受理编号 (tracking number) and 处理期限, duplicates linked instead of filed twice, the per-phone
daily cap, 异议查询 (the tracking number and the phone or e-mail used) and the attachments kept
across a failed submit.

The public form is anonymous: its attachments are private files without an owner, carried from
one attempt to the next in a signed hidden field (attachments_token) so that nobody can attach
another visitor's files by guessing ids. Status changes of an objection go through
workflows.apply() only; an objection starts 已受理 (the model's first status)."""

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer

import workflows
from domain import search, visibility
from domain.objections import OBJECTABLE, OPEN, deadline_for, received_day
from infra import notifications, storage, validators
from models import (
    SHANGHAI,
    AuditLog,
    Objection,
    ObjectionFile,
    Prepared,
    Product,
    Recognition,
    StoredFile,
    Unit,
    serialized,
    today_shanghai,
    utcnow,
)

NAME_MAX = 60
ORGANISATION_MAX = 200
CONTENT_MIN = 20
CONTENT_MAX = 2000
MAX_FILES = 5
ATTACHMENT_KINDS = storage.DOCUMENT_KINDS  # PDF and images, checked by content
KEPT_MAX_AGE = 86400  # seconds a form's uploaded attachments stay claimable by its signed field
SEARCH_LIMIT = 20  # products listed for one 选择异议对象 search

# 受理编号: "YY" + the two-digit Beijing year, then 12 characters in groups of four from an
# alphabet without 0/O, 1/I/L (read aloud without confusion): 31^12 ≈ 2^59 possibilities.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RANDOM_CHARS = 12
TRACKING_PATTERN = re.compile(r"^YY[0-9]{2}(-[" + ALPHABET + r"]{4}){3}$")
PUBLIC_ACTOR_NAME = "公众"  # the audit log never names the objector


# ---------------------------------------------------------------- tracking numbers


def new_tracking_number():
    """A fresh 受理编号 such as YY27-7KQ4-M9XH-3PRT (19 characters)."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARS))
    groups = [chars[i:i + 4] for i in range(0, RANDOM_CHARS, 4)]
    return "-".join([f"YY{today_shanghai():%y}", *groups])


def normalise_tracking_number(text):
    """A typed number as stored: case, blanks and dashes as typed do not matter. Returns the
    canonical form (YY27-7KQ4-M9XH-3PRT) when it has the shape of one, else the typed
    characters upper-cased without blanks and dashes ("" for nothing typed)."""
    compact = re.sub(r"[\s\-–—_]", "", validators.normal(text)).upper()[:40]
    if len(compact) == 4 + RANDOM_CHARS and compact.startswith("YY"):
        rest = compact[4:]
        return "-".join([compact[:4], rest[:4], rest[4:8], rest[8:]])
    return compact


# ---------------------------------------------------------------- the form


def objectable_view(product):
    """The public view of a product the public may object to now (公示中 / 已认定), else None."""
    view = visibility.view_of(product)
    if view is None or not visibility.objection_allowed(view) or view.recognition is None:
        return None
    return view


def product_by_token(token):
    token = validators.normal(token)[:40]
    return Product.get_or_none(Product.token == token) if token else None


def objectable_products(q):
    """选择异议对象: the products in 公示中 or 已认定 whose public text matches q (all of them,
    newest first, when q is empty), at most SEARCH_LIMIT."""
    objectable = Recognition.select(Recognition.product).where(Recognition.status.in_(OBJECTABLE))
    query = (search.public_query(q, {}).where(Product.id.in_(objectable))
             .order_by(Product.filed_at.desc(), Product.id.desc()).limit(SEARCH_LIMIT))
    out = []
    for product in query:
        view = objectable_view(product)
        if view is not None:
            out.append({"token": product.token, "name": product.name, "model": product.model,
                        "unit_name": product.unit.name, "status": view.code, "status_label": view.label})
    return out


def fingerprint(phone, recognition_id, content):
    """What makes two objections the same: the phone, the recognition and the text (blanks
    collapsed)."""
    text = " ".join(content.split())
    return hashlib.sha256(f"{phone}\x1f{recognition_id}\x1f{text}".encode()).hexdigest()


def phone_daily_limit():
    return int(current_app.config.get("OBJECTION_PHONE_DAILY", 5))


def _day_start_utc():
    """The start of today in Beijing as naive UTC (how timestamps are stored)."""
    start = datetime.combine(today_shanghai(), time.min, SHANGHAI)
    return start.astimezone(UTC).replace(tzinfo=None)


def _phone_count_today(phone):
    return Objection.select().where(Objection.phone == phone, Objection.created_at >= _day_start_utc()).count()


def _phone_limit_message():
    return _l("该手机号今日提交的异议已达%(n)s件，请明日再提交", n=phone_daily_limit())


def validate(form, product_token=None):
    """(values, errors) of the objection form. form: name, organisation, phone, email,
    product (a public product token; product_token when the form names none), content.
    values also holds `recognition` (the objectable recognition) and `product` once valid.
    Every problem at once, each at its field."""
    values, errors = {}, {}
    values["name"] = validators.normal(form.get("name", ""))
    if not values["name"]:
        errors["name"] = _l("请输入姓名")
    elif len(values["name"]) > NAME_MAX:
        errors["name"] = _l("姓名不能超过%(n)s个字", n=NAME_MAX)
    values["organisation"] = validators.normal(form.get("organisation", ""))
    if len(values["organisation"]) > ORGANISATION_MAX:
        errors["organisation"] = _l("单位名称不能超过%(n)s个字", n=ORGANISATION_MAX)
    for name, check in (("phone", validators.mobile), ("email", validators.email)):
        try:
            values[name] = check(form.get(name, ""))
        except validators.ValidationError as exc:
            values[name] = validators.normal(form.get(name, ""))
            errors[name] = exc.message
    token = validators.normal(form.get("product", "")) or validators.normal(product_token or "")
    product = product_by_token(token)
    view = objectable_view(product) if product else None
    values["product_token"] = token[:40]
    if not token:
        errors["product"] = _l("请选择异议对象（公示中或已认定的产品）")
    elif view is None:
        errors["product"] = _l("只能对公示中或已认定的产品提出异议，请重新选择")
    else:
        values["product"], values["recognition"] = product, view.recognition
    content = (form.get("content", "") or "").strip()
    values["content"] = content
    if not content:
        errors["content"] = _l("请填写异议内容")
    elif len(content) < CONTENT_MIN:
        errors["content"] = _l("异议内容不能少于%(n)s个字（当前%(count)s个字）", n=CONTENT_MIN, count=len(content))
    elif len(content) > CONTENT_MAX:
        errors["content"] = _l("异议内容不能超过%(n)s个字（当前%(count)s个字）", n=CONTENT_MAX, count=len(content))
    if not errors and _over_phone_limit(values):
        errors["phone"] = _phone_limit_message()
    return values, errors


def _over_phone_limit(values):
    """Whether this phone used up today's objections; a duplicate of one already received is
    not a new objection and passes (it is linked, see submit())."""
    sign = fingerprint(values["phone"], values["recognition"].id, values["content"])
    if Objection.select().where(Objection.fingerprint == sign).exists():
        return False
    return _phone_count_today(values["phone"]) >= phone_daily_limit()


# ---------------------------------------------------------------- submit


def submit(recognition, person, content, files=(), ip=""):
    """File an objection against `recognition`: (objection, duplicate). person: name,
    organisation, phone, email (validated); files: StoredFile rows already saved (private).

    The same phone, recognition and text received before (in any state) files nothing new:
    that objection's `repeats` goes up by one and it is returned with duplicate=True (the
    files given are removed). Raises validators.FormErrors({"phone": …}) when the phone used
    up today's objections meanwhile. The receipt goes to the objector by SMS and e-mail after
    the commit."""
    content = content.strip()
    sign = fingerprint(person["phone"], recognition.id, content)
    with workflows.after_commit() as pending, serialized(f"objection-phone:{person['phone']}"):
        existing = Objection.get_or_none(Objection.fingerprint == sign)
        if existing is not None:
            Objection.update(repeats=Objection.repeats + 1).where(Objection.id == existing.id).execute()
            _discard(files)
            return Objection.get_by_id(existing.id), True
        if _phone_count_today(person["phone"]) >= phone_daily_limit():
            raise validators.FormErrors({"phone": _phone_limit_message()})
        objection = Objection.create(
            tracking_number=_unused_tracking_number(),
            recognition=recognition,
            name=person["name"][:NAME_MAX],
            organisation=(person.get("organisation") or "")[:ORGANISATION_MAX],
            phone=person["phone"],
            email=person["email"],
            content=content,
            ip=(ip or "")[:64],
            fingerprint=sign,
        )
        objection.deadline = deadline_for(received_day(objection))
        Objection.update(deadline=objection.deadline).where(Objection.id == objection.id).execute()
        for stored in files:
            ObjectionFile.create(objection=objection, file=stored, kind="objector")
        AuditLog.create(actor=None, actor_name=PUBLIC_ACTOR_NAME, object_type="objection", object_id=objection.id,
                        event="received", to_status=objection.status, ip=(ip or "")[:64],
                        data={"files": len(files)})
        pending.outbox += notifications.queue_event("objection_received", objection)
    return objection, False


def _unused_tracking_number():
    for _ in range(10):
        number = new_tracking_number()
        if not Objection.select().where(Objection.tracking_number == number).exists():
            return number
    raise RuntimeError("no unused tracking number found")  # 2^59 numbers: never in practice


def _discard(files):
    for stored in files:
        if not ObjectionFile.select().where(ObjectionFile.file == stored).exists():
            storage.delete(stored)


# ---------------------------------------------------------------- 异议查询


# An objection by its 受理编号 (as typed: grouped, or without its dashes) with what
# tracking_view() shows, in one statement rendered once.
_BY_NUMBER = Prepared(lambda slot: (
    Objection.select(Objection, Recognition, Product, Unit).join(Recognition).join(Product).join(Unit)
    .where((Objection.tracking_number == slot("number")) | (Objection.tracking_number == slot("compact")))))


def lookup(tracking_number, contact):
    """The objection of a 受理编号 when `contact` is the phone or e-mail it was filed with;
    None otherwise (which part was wrong is never told)."""
    number = normalise_tracking_number(tracking_number)
    typed = validators.normal(contact)
    if not number or not typed:
        return None
    compact = number.replace("-", "")
    objection = _BY_NUMBER.first(number=number, compact=compact)
    if "@" in typed:
        given, expected = typed.lower(), objection.email.lower() if objection else ""
    else:
        try:
            given = validators.mobile(typed)
        except validators.ValidationError:
            given = typed
        expected = objection.phone if objection else ""
    if objection is None:
        hmac.compare_digest(given.encode(), given.encode())  # about the same work as a real compare
        return None
    return objection if hmac.compare_digest(given.encode(), expected.encode()) else None


def tracking_view(objection):
    """What 异议查询 shows of an objection: its state, the product, the dates and, once
    decided, the outcome. Never the objector's details."""
    product = objection.recognition.product
    decided = objection.status not in OPEN
    return {
        "tracking_number": objection.tracking_number,
        "status": objection.status,
        "status_label": workflows.status_label(objection),
        "product_name": product.name,
        "product_token": product.token,
        "unit_name": product.unit.name,
        "received_on": received_day(objection),
        "deadline": objection.deadline,
        "decided": decided,
        "decided_on": (objection.decided_at.replace(tzinfo=UTC).astimezone(SHANGHAI).date()
                       if decided and objection.decided_at else None),
        "outcome": objection.outcome if decided else "",
    }


# ---------------------------------------------------------------- attachments


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="objection-attachments")


def attachments_token(files):
    """The signed hidden field that carries this form's uploaded attachments to its next attempt."""
    return _serializer().dumps([f.id for f in files]) if files else ""


def kept_attachments(token):
    """The attachments a signed field names: private files without an owner, not yet part of an
    objection, uploaded less than KEPT_MAX_AGE ago. A forged or stale field names none."""
    if not token:
        return []
    try:
        ids = _serializer().loads(token, max_age=KEPT_MAX_AGE)
    except BadSignature:
        return []
    ids = [i for i in ids if isinstance(i, int)][:MAX_FILES] if isinstance(ids, list) else []
    if not ids:
        return []
    used = ObjectionFile.select(ObjectionFile.file)
    rows = {f.id: f for f in StoredFile.select().where(StoredFile.id.in_(ids), StoredFile.owner.is_null(),
                                                      StoredFile.public == False, StoredFile.id.not_in(used))}
    return [rows[i] for i in ids if i in rows]


def forget_unsent_attachments():
    """Daily job "objections.purge": attachments uploaded to a form that was never sent — private
    files without an owner that nothing refers to — once their signed field can no longer claim
    them (KEPT_MAX_AGE, and an hour to spare)."""
    before = utcnow() - timedelta(seconds=KEPT_MAX_AGE + 3600)
    query = StoredFile.select().where(StoredFile.owner.is_null(), StoredFile.public == False,
                                      StoredFile.created_at < before)
    for field in StoredFile._meta.backrefs:  # objections, products, units, recognitions …: any reference keeps it
        query = query.where(StoredFile.id.not_in(field.model.select(field).where(field.is_null(False))))
    deleted = 0
    for stored in query:
        storage.delete(stored)
        deleted += 1
    return {"deleted": deleted}


def take_attachments(uploads, token, remove=()):
    """(files, error): the attachments kept from earlier attempts (minus the ids in `remove`)
    and the new uploads, each checked by content (PDF or image, the filings' size limits) and
    stored at once, at most MAX_FILES in all. error names every refused file, or is None."""
    remove = {validators.row_id(i) for i in remove}
    files = [f for f in kept_attachments(token) if f.id not in remove]
    for stored in kept_attachments(token):
        if stored.id in remove:
            storage.delete(stored)
    problems, skipped = [], 0
    for upload in uploads:
        if not (upload and upload.filename):
            continue
        if len(files) >= MAX_FILES:
            skipped += 1
            continue
        try:
            files.append(storage.save_upload(upload, ATTACHMENT_KINDS))
        except storage.UploadError as exc:
            problems.append(str(exc.message))
    if skipped:
        problems.append(str(_l("附件最多%(n)s个，多出的%(skipped)s个文件未上传", n=MAX_FILES, skipped=skipped)))
    return files, ("；".join(problems) or None)


# ---------------------------------------------------------------- deadlines filled later


def fill_missing_deadlines():
    """The 处理期限 of open objections received while a year's holiday arrangement was not
    entered, once it is (the daily calendar job calls this). Returns how many were filled."""
    filled = 0
    for objection in Objection.select().where(Objection.deadline.is_null(), Objection.status.in_(OPEN)):
        deadline = deadline_for(received_day(objection))
        if deadline is not None:
            filled += Objection.update(deadline=deadline).where(Objection.id == objection.id,
                                                                Objection.deadline.is_null()).execute()
    return filled


def deadline_text(deadline):
    """The 处理期限 as the receipt, the look-up and the notifications say it."""
    if deadline is None:
        return _l("待节假日安排公布后确定")
    return deadline.isoformat()
