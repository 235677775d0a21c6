"""Fixtures: app, db, client, login(role), factories, live_server, browser page, SMTP.

Runs on SQLite + in-process jobs by default. With ZLCP_TEST_DATABASE_URL (a PostgreSQL
server URL) every run gets its own fresh database on that server; with
ZLCP_TEST_REDIS_URL jobs keep their bookkeeping in that Redis.
"""

import os
import secrets
import sys
import threading
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from peewee import fn
from werkzeug.serving import make_server

from infra.extensions import cache
from models import ALL_MODELS, CalendarYear, Holiday, db


def pytest_configure(config):
    """The suite must pass whatever the date, which is checked by running it under `faketime`.
    With libfaketime 0.9.10 preloaded, a timed wait (`Lock.acquire(timeout=…)`, `Event.wait(…)`,
    thread pools, the subprocess apps) never returns, whatever the date — even at `+0`. Only
    the calendar is what a date changes, so the run is restarted once with the monotonic clock
    left real and the sleep of tests/under_faketime/sitecustomize.py in every Python process."""
    if "faketime" in os.environ.get("LD_PRELOAD", "") and os.environ.get("DONT_FAKE_MONOTONIC") != "1":
        os.environ["DONT_FAKE_MONOTONIC"] = "1"
        shim = str(Path(__file__).resolve().parent / "under_faketime")
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (shim, os.environ.get("PYTHONPATH")) if p)
        capture = config.pluginmanager.getplugin("capturemanager")
        if capture is not None:
            capture.suspend_global_capture(in_=True)  # the new run writes to the real terminal
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])


TEST_DB_URL = os.environ.get("ZLCP_TEST_DATABASE_URL", "")
TEST_REDIS_URL = os.environ.get("ZLCP_TEST_REDIS_URL", "")
PASSWORD = "Test@2026x"

# Reference tables are loaded once per run and kept between tests.
REFERENCE = {"industry", "productcategory", "country", "option", "reasontemplate", "page",
             "setting", "holiday", "calendaryear", "role"}


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server on 127.0.0.1 that keeps what it receives."""
    from aiosmtpd.controller import Controller

    class Handler:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            import email

            self.messages.append(email.message_from_bytes(envelope.content))
            return "250 OK"

    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler.messages
    controller.stop()


@pytest.fixture(scope="session")
def app(tmp_path_factory, smtp_server):
    from app import create_app
    from cli import migrate_to_head, scratch_postgres
    from seed import load_reference

    tmp = tmp_path_factory.mktemp("zlcp")
    drop = None
    if TEST_DB_URL:
        url, drop = scratch_postgres(TEST_DB_URL, prefix="zlcp_test")
    else:
        url = f"sqlite:///{tmp / 'test.db'}"
    controller, _messages = smtp_server
    config = {
        "TESTING": True,
        # secrets of its own (config.toml's examples are refused outside DEVELOPMENT)
        "SECRET_KEY": secrets.token_hex(16),
        "SECURITY_PASSWORD_SALT": secrets.token_hex(16),
        "SECURITY_TOTP_SECRETS": {"1": secrets.token_hex(32)},
        "DATABASE_URL": url,
        "REDIS_URL": TEST_REDIS_URL,
        "JOBS_MODE": "sync",
        "CAPTCHA_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": controller.port,
        "LOGIN_RATE_LIMIT": "10000 per minute",
        "SMS_RATE_LIMIT": "10000 per minute",
        "ACCOUNT_FORM_RATE_LIMIT": "10000 per minute",
        "API_RATE_LIMIT": "10000 per minute",
        # Limits are counted in Redis when ZLCP_TEST_REDIS_URL is set: this run's own keys, so
        # runs sharing that Redis neither count nor reset each other's (limiter.reset()).
        "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": f"zlcp-test-{secrets.token_hex(4)}"},
        "SITE_URL": "http://127.0.0.1",
        # fast hashing in tests only
        "SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS": {"argon2__rounds": 1, "argon2__memory_cost": 1024},
    }
    os.environ["ZLCP_INSTANCE_PATH"] = str(tmp / "instance")
    application = create_app(config)
    with application.app_context(), db.database.connection_context():
        migrate_to_head()
        load_reference()
    yield application
    db.database.close()
    if drop:
        drop()


def _truncate():
    tables = [m for m in reversed(ALL_MODELS) if m._meta.table_name not in REFERENCE]
    with db.database.atomic():
        if TEST_DB_URL:
            names = ", ".join(f'"{m._meta.table_name}"' for m in tables)
            db.database.execute_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            for model in tables:
                model.delete().execute()


@pytest.fixture
def db_session(app):
    """An app context with an open connection and empty business tables."""
    with app.app_context(), db.database.connection_context():
        _truncate()
        cache.clear()  # the emptied database starts its page-cache generation at 0 again
        yield db.database


@pytest.fixture
def client(app, db_session):
    return app.test_client()


# ---------------------------------------------------------------- factories


class Factory:
    """Builds valid objects; each test states only what matters to it."""

    def __init__(self, app):
        self.app = app
        self.n = 0

    def _next(self):
        self.n += 1
        return self.n

    def phone(self):
        return f"139{secrets.randbelow(10**8):08d}"

    def unit_user(self, username=None, password=PASSWORD, **kw):
        from flask_security import hash_password

        from domain.accounts import ensure_roles
        from infra.extensions import user_datastore
        from models import Unit

        ensure_roles()
        n = self._next()
        username = username or f"unit{n}{secrets.token_hex(2)}"
        user = user_datastore.create_user(
            username=username, email=kw.get("email", f"{username}@example.cn"),
            phone=kw.get("phone", self.phone()), password=hash_password(password), roles=["unit"],
        )
        Unit.create(user=user)
        return user

    def staff(self, *roles, username=None, password=PASSWORD):
        from domain.accounts import create_staff, ensure_roles

        ensure_roles()
        n = self._next()
        username = username or f"staff{n}{secrets.token_hex(2)}"
        return create_staff(username=username, email=f"{username}@zlcp.example.cn",
                            password=password, roles=list(roles or ["reviewer"]),
                            full_name=f"工作人员{n}")

    def png(self, size=(40, 30)):
        import io

        from PIL import Image

        buf = io.BytesIO()
        Image.new("RGB", size, (200, 30, 30)).save(buf, "PNG")
        return buf.getvalue()

    def stored_png(self, owner=None):
        from infra import storage

        return storage.save_bytes(self.png(), "licence.png", "png", owner=owner)

    def complete_unit(self, user=None, **overrides):
        """A unit with every verification field filled (status still 未提交)."""
        from decimal import Decimal

        from models import Unit

        user = user or self.unit_user()
        unit = Unit.get(Unit.user == user)
        values = {
            "unit_type": "enterprise", "credit_code": overrides.pop("credit_code", None)
            or valid_credit_code(self._next()),
            "name": f"示例科技有限公司{self.n}", "registered_address": "广东省深圳市南山区科技园",
            "office_address": "广东省深圳市南山区科技园", "registered_capital": Decimal("1000.00"),
            "industry": "3911", "legal_rep": "张三", "legal_rep_phone": "13800000000",
            "contact": "李四", "contact_phone": "13900000000", "enterprise_type": "limited",
            "enterprise_size": "small", "license_file": self.stored_png(user),
            "commitment_file": self.stored_png(user), "region_code": "440305",
        }
        values.update(overrides)
        Unit.update(**values).where(Unit.id == unit.id).execute()
        return Unit.get_by_id(unit.id)

    def complete_product(self, unit, **overrides):
        """A draft product that passes every filing rule: fields, a held valid core patent,
        the required files."""
        from decimal import Decimal

        from infra import storage
        from infra.validators import patent_check_char
        from models import Patent, Product, ProductFile, ProductPatent, UnitPatent

        values = {
            "name": "动力电池管理系统", "model": "BMS-2000", "category": "0101010101", "industry": "3841",
            "intro": "用于新能源汽车动力电池组的监测、均衡与保护。", "purpose": "recognition", "first_year": 2018,
            "last_year_cost": Decimal(800), "ip_investment": Decimal(40), "last_year_sales": Decimal(1200),
            "last_year_export": Decimal(100), "last_year_net_profit": Decimal(150),
            "contribution_method": "method2", "contribution_index": Decimal(35),
        }
        values.update(overrides)
        product = Product.create(unit=unit, **values)
        n = self._next()
        body = f"2019{1}{n:07d}"
        number = body + patent_check_char(body)
        patent = Patent.create(number=number, display_number=f"ZL{number[:-1]}.{number[-1]}",
                               name=f"一种电池管理方法{n}", kind="invention", patentees=[unit.name])
        UnitPatent.create(unit=unit, patent=patent, source="auto", acquisition="original")
        ProductPatent.create(product=product, patent=patent, core=True, public=True)
        for kind, data, ext in (("main_image", self.png(), "png"),
                                ("economic_proof", b"%PDF-1.4\n%%EOF\n", "pdf")):
            stored = storage.save_bytes(data, f"{kind}.{ext}", ext, owner=unit.user)
            ProductFile.create(product=product, file=stored, kind=kind)
        return Product.get_by_id(product.id)

    def approved_unit(self, reviewer=None):
        import workflows

        unit = self.complete_unit()
        unit = workflows.apply(unit, "submit", unit.user)
        return workflows.apply(unit, "approve", reviewer or self.staff("reviewer"))


def valid_credit_code(n):
    """A synthetic, valid 统一社会信用代码 (region 440305) numbered n."""
    from infra.validators import USCC_CHARSET, uscc_check_char

    body = f"91440305MA{n:07d}"[:17]
    body = "".join(c if c in USCC_CHARSET else "0" for c in body)
    return body + uscc_check_char(body)


@pytest.fixture
def make(app, db_session):
    return Factory(app)


@pytest.fixture
def login(client):
    """login(user) signs the test client in through the real login form."""

    def _login(user, password=PASSWORD):
        path = "/admin/login" if user.is_staff else "/login"
        resp = client.post(path, data={"identity": user.username, "password": password})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
        return client

    return _login


def outbox_texts(channel="sms", recipient=None):
    from models import Outbox

    q = Outbox.select().where(Outbox.channel == channel).order_by(Outbox.id)
    if recipient:
        q = q.where(Outbox.recipient == str(recipient))
    return [row.body for row in q]


# ---------------------------------------------------------------- clock and holiday calendar

# The instant tests that need a date run at, whatever day the suite runs: a Wednesday of a year
# whose holiday arrangement chinesecalendar knows (load_reference seeds it), so that notices
# started in the weeks before it end on known working days (2026-06-19 is 端午节).
FIXED_NOW = datetime(2026, 6, 17, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def fixed_clock(time_machine):
    """The clock at FIXED_NOW (and ticking on) for the test: request it before the fixtures
    that create rows, so that every timestamp of the test is on that day."""
    time_machine.move_to(FIXED_NOW, tick=True)
    return FIXED_NOW


@pytest.fixture
def clock(time_machine):
    """clock(instant) moves the test's clock to `instant` (ticking on from there)."""

    def _move(instant):
        time_machine.move_to(instant, tick=True)

    return _move


@pytest.fixture
def enter_holidays(db_session):
    """enter_holidays(year, {day: is_workday}) enters a year's arrangement as an administrator
    does (its holidays and make-up working days, then the year in 已录入节假日年份). The
    calendar tables are reference data kept between tests: what a test entered is removed
    after it."""
    entered = []

    def _enter(year, days=None):
        entered.append(year)
        for day, workday in (days or {}).items():
            Holiday.create(day=day, is_workday=workday, name="" if workday else "测试假日")
        CalendarYear.create(year=year, source="test")

    yield _enter
    for year in entered:
        Holiday.delete().where(Holiday.day.between(date(year, 1, 1), date(year, 12, 31))).execute()
        CalendarYear.delete().where(CalendarYear.year == year).execute()


def first_year_not_entered():
    """The first year after every year whose arrangement is entered: unknown to the platform,
    as next year is each autumn until the State Council publishes it."""
    return CalendarYear.select(fn.MAX(CalendarYear.year)).scalar() + 1


# ---------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def live_server(app):
    """The app served on 127.0.0.1 in a thread, for the browser."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


CHROMIUM = os.environ.get("ZLCP_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
        **({"env": without_faketime(os.environ)} if "faketime" in os.environ.get("LD_PRELOAD", "") else {}),
    }


def without_faketime(env):
    """Chromium under libfaketime never finishes loading a page, so under `faketime` the browser
    starts without it: its own clock is the machine's, while the server it tests, where every
    date the application decides on is taken, runs at the faked date."""
    dropped = ("LD_PRELOAD", "FAKETIME", "FAKETIME_SHARED", "DONT_FAKE_MONOTONIC")
    return {k: v for k, v in env.items() if k not in dropped}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def page(page, live_server, db_session):
    """A Playwright page with empty business tables; screenshots go to test-artifacts/.
    A script or style the Content-Security-Policy blocked fails the test."""
    page.set_default_timeout(10000)
    blocked = []
    page.on("console", lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None)
    yield page
    assert not blocked, blocked


ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
