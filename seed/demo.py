"""Demo accounts and data, loaded only when asked for (`flask zlcp seed --demo`, as
`make run` does); never part of a production init. Idempotent: an account that
exists is left as it is, so what demo users entered survives a second `make run`.
"""

from datetime import timedelta
from decimal import Decimal

from flask import current_app
from flask_security import hash_password

import workflows
from domain.accounts import create_staff
from domain.patents import _upsert
from infra import storage
from infra.extensions import user_datastore
from infra.validators import uscc_check_char
from models import Patent, RegistryEntry, Unit, UnitNameHistory, User, clock_at, db, utcnow
from seed import demo_objections, demo_recognition, demo_updates
from seed.demo_patents import generate
from seed.demo_products import DEMO_PRODUCTS, HISTORY_DAYS, UNITS, load_products, placeholder_png

STAFF = (
    ("demo_reviewer", "审核员（演示）", ["reviewer"]),
    ("demo_officer", "认定管理（演示）", ["officer"]),
    ("demo_handler", "异议处理（演示）", ["handler"]),
    ("demo_admin", "系统管理员（演示）", ["admin"]),
)


DEMO_NAME = "深圳示范智能科技有限公司"
DEMO_FORMER_NAME = "深圳示范电子有限公司"  # patents under it are found through the name history
DEMO_PATENTS = 20000


def _load_demo_patents():
    """20,000 registry patents; the demo unit holds 60 (some co-owned with a university,
    some lapsed) and 15 more under its former name."""

    rows = generate(DEMO_PATENTS, owners=[(DEMO_NAME, 60, 4, 10), (DEMO_FORMER_NAME, 15, 0, 7)])
    for start in range(0, len(rows), 1000):
        with db.database.atomic():
            _upsert(rows[start:start + 1000])


def demo_credit_code():

    body = "91440300MA5D7N8K2"
    return body + uscc_check_char(body)


def load(password, products=DEMO_PRODUCTS):
    """Demo staff, `demo_unit`, the registry patents, and the other demo units with
    `products` products (seed/demo_products.py)."""
    lines = []
    with db.database.atomic():
        for username, name, roles in STAFF:
            if not User.select().where(User.username == username).exists():
                create_staff(username=username, email=f"{username}@zlcp.example.cn",
                             password=password, roles=roles, full_name=name)
        reviewer = User.get(User.username == "demo_reviewer")
        unit_user = User.get_or_none(User.username == "demo_unit")
        if unit_user is None:
            unit_user = user_datastore.create_user(
                username="demo_unit", email="demo_unit@example.cn", phone="13800138000",
                password=hash_password(password), roles=["unit"],
            )
            Unit.create(user=unit_user)
            with clock_at(utcnow() - timedelta(days=HISTORY_DAYS + 30)):  # verified before its first filing
                _verify_demo_unit(unit_user, reviewer)
    if Patent.select().count() < DEMO_PATENTS:
        _load_demo_patents()
    load_products(password, count=products)
    lines += demo_recognition.load()
    lines += demo_objections.load()
    lines += demo_updates.load()
    site = current_app.config["SITE_URL"].rstrip("/")
    lines.append(f"演示账号（密码均为 {password}，可用 ZLCP_DEMO_PASSWORD 修改）：")
    lines.append(f"  单位端   {site}/login        demo_unit（或手机号 13800138000）")
    lines.append(f"  单位端   {site}/login        demo_unit2 … demo_unit{len(UNITS) + 1}"
                 "（各地演示单位，均有已备案产品）")
    for username, name, _roles in STAFF:
        lines.append(f"  管理后台 {site}/admin/login  {username}  {name}")
    return lines


def _verify_demo_unit(user, reviewer):
    code = demo_credit_code()
    RegistryEntry.insert(
        credit_code=code, name=DEMO_NAME, registered_address="广东省深圳市南山区粤海街道科技南路18号",
        legal_rep="王明", legal_rep_phone="0755-86000000",
    ).on_conflict_ignore().execute()
    licence = storage.save_bytes(placeholder_png("BUSINESS LICENCE (DEMO)"), "营业执照.png", "png", owner=user)
    letter = storage.save_bytes(placeholder_png("COMMITMENT LETTER (DEMO)"), "诚信承诺书.png", "png", owner=user)
    unit = Unit.get(Unit.user == user)
    Unit.update(
        unit_type="enterprise", credit_code=code, name=DEMO_NAME,
        registered_address="广东省深圳市南山区粤海街道科技南路18号",
        office_address="广东省深圳市南山区粤海街道科技南路18号", office_same=True,
        registered_capital=Decimal("5000.00"), industry="3911", legal_rep="王明",
        legal_rep_phone="0755-86000000", contact="陈静", contact_phone="13800138000",
        enterprise_type="limited", enterprise_size="medium", license_file=licence,
        commitment_file=letter, region_code=code[2:8],
    ).where(Unit.id == unit.id).execute()
    unit = workflows.apply(Unit.get_by_id(unit.id), "submit", user)
    workflows.apply(unit, "approve", reviewer)
    UnitNameHistory.create(unit=unit, name=DEMO_FORMER_NAME)
