"""The whole ZLCP domain as peewee models.

Statuses are stored as the English codes of the enums in workflows.py, which also says
each model's first status (INITIAL_STATUS); only workflows.apply() changes them. Money is
万元 with two decimals. Timestamps are naive UTC; pages show them in Asia/Shanghai.
"""

import itertools
import json
import re
import secrets
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import g, has_request_context
from flask_security import RoleMixin, UserMixin
from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    IntegrityError,
    PostgresqlDatabase,
    TextField,
    Value,
    fn,
)
from playhouse.db_url import connect
from playhouse.flask_utils import FlaskDB
from playhouse.shortcuts import model_to_dict


class Database(FlaskDB):
    """FlaskDB that connects lazily (peewee opens the connection at the first query, so
    a page that needs no data costs no connection) and, at the end of a request,
    closes only a connection the request itself opened — not one a test or a job in
    the same thread already had open."""

    def connect_db(self):
        g._zlcp_db_was_open = not self.database.is_closed()

    def close_db(self, exc):
        if not g.pop("_zlcp_db_was_open", True) and not self.database.is_closed():
            self.database.close()


db = Database()


# The instant the demo seed writes as "now" (clock_at); None: the real clock.
_clock = ContextVar("zlcp_clock", default=None)


def utcnow():
    fixed = _clock.get()
    return fixed if fixed is not None else datetime.now(UTC).replace(tzinfo=None)


@contextmanager
def clock_at(moment):
    """Inside the block utcnow() and today_shanghai() answer `moment` (naive UTC): the demo seed
    moves its products through workflows.apply() on the days they would have moved, so every
    time a transition writes (submitted, filed, decided, the audit row, the filing number's
    year) is that day's. Seed only: the application never sets it."""
    token = _clock.set(moment)
    try:
        yield
    finally:
        _clock.reset(token)


@contextmanager
def serialized(*names):
    """A transaction in which a check and the write it allows cannot interleave with another
    caller's for the same names (the SMS limits: count, then send). PostgreSQL: advisory locks
    on the names, held until the transaction ends. SQLite: the database's write lock, taken as
    the transaction begins (BEGIN IMMEDIATE); were it taken at the first write, of two
    transactions that had both read, one would fail with "database is locked"."""
    database = db.database
    if isinstance(getattr(database, "obj", database), PostgresqlDatabase):
        with database.atomic():
            for name in sorted(set(names)):
                database.execute_sql("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (name,))
            yield
    else:
        with database.atomic(lock_type="IMMEDIATE"):
            yield


_PREPARED_ON = {}  # (connection id, server process id) → Prepared names prepared on that connection


class Prepared:
    """A SELECT whose SQL peewee renders once per database, then runs with other values.

    peewee renders a query's SQL afresh at every execution; for a model of fifty columns joined
    to three others that rendering costs more than the statement itself (a third of a public
    product page's time). `build(slot)` returns the query with `slot(name)` where each value
    goes; `rows(name=value, …)` runs it with those values (strings or numbers, as stored).
    `slot.many(name, n)` is a list of n slots for an IN (…) of up to n values: `rows` takes a
    list for it and repeats its last value in the slots left over.

    On PostgreSQL the statement is also prepared on the server (PREPARE, once per connection)
    and run with EXECUTE, so that it is not planned again: planning a product joined to its
    unit, category and industry took 1.7 ms, running it 0.2 ms. A prepared statement outlives
    a rolled-back transaction; a new connection (the pool's, or a reconnect) prepares anew."""

    _names = itertools.count(1)

    def __init__(self, build):
        self._build = build
        self._compiled = {}  # database class → (query, sql, slot name or None per parameter, example)
        self._name = f"zlcp_prepared_{next(self._names)}"

    class _Slots:
        def __call__(self, name):
            return Value(f"\x1fslot:{name}\x1f", unpack=False)

        def many(self, name, n):
            return [self(f"{name}#{k}") for k in range(n)]

    _slot = _Slots()

    def rows(self, **values):
        database = db.database
        kind = type(getattr(database, "obj", database))
        compiled = self._compiled.get(kind)
        if compiled is None:
            query = self._build(self._slot)
            sql, example = query.sql()
            names = [p[6:-1] if isinstance(p, str) and p.startswith("\x1fslot:") else None for p in example]
            compiled = self._compiled[kind] = (query, sql, names, example)
        query, sql, names, example = compiled
        params = [fixed if name is None else self._value(values, name)
                  for name, fixed in zip(names, example, strict=True)]
        if issubclass(kind, PostgresqlDatabase):
            cursor = self._execute_prepared(database, sql, params)
        else:
            cursor = database.execute_sql(sql, params)
        return list(query._get_cursor_wrapper(cursor))

    def _execute_prepared(self, database, sql, params):
        connection = database.connection()
        key = (id(connection), connection.get_backend_pid())
        prepared = _PREPARED_ON.get(key)
        if prepared is None:
            if len(_PREPARED_ON) >= 1000:  # connections long closed
                _PREPARED_ON.clear()
            prepared = _PREPARED_ON[key] = set()
        if self._name not in prepared:
            numbers = itertools.count(1)
            positional = re.sub(r"%%|%s", lambda m: "%" if m[0] == "%%" else f"${next(numbers)}", sql)
            database.execute_sql(f"PREPARE {self._name} AS {positional}".replace("%", "%%"))
            prepared.add(self._name)
        arguments = f"({', '.join(['%s'] * len(params))})" if params else ""
        return database.execute_sql(f"EXECUTE {self._name}{arguments}", params)

    @staticmethod
    def _value(values, name):
        if "#" not in name:
            return values[name]
        name, k = name.split("#")
        many = values[name]
        if not many:
            raise ValueError(f"{name}: at least one value")
        return many[min(int(k), len(many) - 1)]

    def first(self, **values):
        found = self.rows(**values)
        return found[0] if found else None


def new_token(nbytes=12):
    """Random URL-safe token for anything that leaves the platform (QR codes, links)."""
    return secrets.token_urlsafe(nbytes)


class JSONField(TextField):
    """JSON stored as text: identical on SQLite and PostgreSQL, ordered keys kept."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False, default=str)

    def python_value(self, value):
        return None if value is None else json.loads(value)


# The first status of each workflow model, by model name; workflows.py (where the status
# words live) fills it.
INITIAL_STATUS = {}


class StatusField(CharField):
    """A workflow status column; a new row starts in its model's INITIAL_STATUS."""

    def __init__(self, **kw):
        super().__init__(max_length=20, index=True, default=self._initial, **kw)

    def _initial(self):
        return INITIAL_STATUS[self.model.__name__]


def money_field(**kw):
    return DecimalField(max_digits=14, decimal_places=2, auto_round=True, null=True, **kw)


class BaseModel(db.Model):
    created_at = DateTimeField(default=utcnow)

    def to_dict(self, **kw):
        return model_to_dict(self, recurse=False, **kw)


# ---------------------------------------------------------------- accounts


class Role(BaseModel, RoleMixin):
    """unit, reviewer, officer, handler, admin (see workflows.Roles)."""

    name = CharField(unique=True, max_length=40)
    description = CharField(default="")
    permissions = TextField(null=True)


class User(BaseModel, UserMixin):
    username = CharField(unique=True, max_length=40)
    email = CharField(unique=True, max_length=200)
    phone = CharField(unique=True, max_length=20, null=True)
    full_name = CharField(default="", max_length=80)
    password = CharField(max_length=255)
    active = BooleanField(default=True)
    fs_uniquifier = CharField(unique=True, max_length=64, default=lambda: secrets.token_hex(16))
    confirmed_at = DateTimeField(null=True)
    last_login_at = DateTimeField(null=True)
    current_login_at = DateTimeField(null=True)
    last_login_ip = CharField(null=True, max_length=64)
    current_login_ip = CharField(null=True, max_length=64)
    login_count = IntegerField(default=0)
    failed_logins = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    tf_primary_method = CharField(null=True, max_length=20)
    tf_totp_secret = CharField(null=True, max_length=255)

    def get_id(self):
        """Flask-Login's id is fs_uniquifier (peewee's Model.get_id would give the pk;
        changing fs_uniquifier signs the user out everywhere)."""
        return str(self.fs_uniquifier)

    @property
    def role_names(self):
        # Queried, not read from self.roles: Flask-Security's create_user() leaves a
        # plain list on the instance it returns. The request's signed-in user (loaded once per
        # request by Flask-Login) keeps them for the request: every back-office view asks.
        mine = has_request_context() and g.get("_login_user") is self
        if mine and "_role_names" in self.__dict__:
            return self.__dict__["_role_names"]
        names = {r.name for r in Role.select(Role.name).join(UserRoles).where(UserRoles.user == self.id)}
        if mine:
            self.__dict__["_role_names"] = names
        return names

    def has_any_role(self, *names):
        return bool(self.role_names & set(names))

    @property
    def is_staff(self):
        return bool(self.role_names - {"unit"})

    @property
    def display_name(self):
        return self.full_name or self.username


class UserRoles(BaseModel):
    user = ForeignKeyField(User, backref="roles", on_delete="CASCADE")
    role = ForeignKeyField(Role, backref="users", on_delete="CASCADE")
    name = property(lambda self: self.role.name)
    description = property(lambda self: self.role.description)

    def get_permissions(self):
        return self.role.get_permissions()

    class Meta:
        indexes = ((("user", "role"), True),)


class SmsCode(BaseModel):
    """A one-time SMS code; only its hash is kept."""

    phone = CharField(max_length=20, index=True)
    purpose = CharField(max_length=20)  # register / reset
    code_hash = CharField(max_length=128)
    ip = CharField(max_length=64, index=True, default="")
    expires_at = DateTimeField()
    attempts = IntegerField(default=0)
    used_at = DateTimeField(null=True)


class LoginSession(BaseModel):
    """A signed-in browser. Its session cookie carries the token (only the hash is kept here)
    and opens pages only while this row is live: signing out ends the row, a password reset or
    an administrator's change of the account ends all its rows (domain/accounts.py)."""

    token_hash = CharField(primary_key=True, max_length=64)
    user = ForeignKeyField(User, backref="login_sessions", on_delete="CASCADE")
    ip = CharField(max_length=64, default="")
    ended_at = DateTimeField(null=True)


class SignInFailure(BaseModel):
    """Wrong answers counted on the server, never in the cookie: the passwords tried for a name
    no account has (refused exactly as an account's are), a staff account's authenticator
    codes. key: "identity:<sha256 of the name>" or "totp:<user id>"."""

    key = CharField(primary_key=True, max_length=80)
    failures = IntegerField(default=0)
    locked_until = DateTimeField(null=True)


class Captcha(BaseModel):
    """An image captcha waiting for its answer when Redis is not configured: the first answer,
    right or wrong, takes (deletes) it."""

    token = CharField(primary_key=True, max_length=64)
    answer_hash = CharField(max_length=64)
    expires_at = DateTimeField(index=True)


# ---------------------------------------------------------------- reference data


class Industry(BaseModel):
    """GB/T 4754-2017 国民经济行业分类: 门类 (letter) → 大类 → 中类 → 小类."""

    code = CharField(primary_key=True, max_length=4)
    name = CharField(max_length=100)
    level = IntegerField()
    parent_code = CharField(null=True, max_length=4, index=True)
    active = BooleanField(default=True)  # 停用: kept for the rows using it, no longer offered


class ProductCategory(BaseModel):
    """统计用产品分类目录: 2/4/6/8/10-digit codes."""

    code = CharField(primary_key=True, max_length=10)
    name = CharField(max_length=200)
    level = IntegerField()
    parent_code = CharField(null=True, max_length=10, index=True)
    initials = CharField(default="", max_length=100)  # pinyin initials for the picker
    active = BooleanField(default=True)  # 停用: kept for the rows using it, no longer offered


class Country(BaseModel):
    code = CharField(primary_key=True, max_length=2)
    name_zh = CharField(max_length=60)
    name_en = CharField(max_length=100)
    active = BooleanField(default=True)  # 停用: kept for the rows using it, no longer offered

    @classmethod
    def names(cls, codes):
        """{code: Chinese name} of these country codes (unknown codes are left out)."""
        codes = list(codes)
        return dict(cls.select(cls.code, cls.name_zh).where(cls.code.in_(codes)).tuples()) if codes else {}


class Option(BaseModel):
    """Staff-editable short lists: unit_type, enterprise_type, enterprise_size, filing_purpose."""

    kind = CharField(max_length=30)
    code = CharField(max_length=40)
    name = CharField(max_length=100)
    sort = IntegerField(default=0)
    active = BooleanField(default=True)

    class Meta:
        indexes = ((("kind", "code"), True),)

    @classmethod
    def choices(cls, kind):
        rows = cls.select().where(cls.kind == kind, cls.active).order_by(cls.sort, cls.code)
        return [(o.code, o.name) for o in rows]

    @classmethod
    def name_of(cls, kind, code):
        """The name of one code of a list (also of one since retired), or the code itself."""
        if not code:
            return ""
        return cls.select(cls.name).where(cls.kind == kind, cls.code == code).scalar() or code


class ReasonTemplate(BaseModel):
    scope = CharField(max_length=30, index=True)
    code = CharField(max_length=60)
    title = CharField(max_length=100)
    text = TextField()
    sort = IntegerField(default=0)
    active = BooleanField(default=True)

    class Meta:
        indexes = ((("scope", "code"), True),)


class Page(BaseModel):
    """Staff-editable texts: the registration agreement, the commitment letter template."""

    slug = CharField(primary_key=True, max_length=40)
    title = CharField(max_length=100)
    body = TextField()
    updated_at = DateTimeField(default=utcnow)


class Setting(BaseModel):
    key = CharField(primary_key=True, max_length=60)
    value = JSONField()

    @classmethod
    def get_value(cls, key, default=None):
        row = cls.get_or_none(cls.key == key)
        return default if row is None else row.value


class Holiday(BaseModel):
    """Official calendar: a holiday (is_workday False) or a make-up working day (True)."""

    day = DateField(primary_key=True)
    is_workday = BooleanField()
    name = CharField(default="", max_length=40)


class CalendarYear(BaseModel):
    """Years whose holiday arrangement has been published and entered completely."""

    year = IntegerField(primary_key=True)
    source = CharField(default="", max_length=100)


class UpdateWindow(BaseModel):
    """产品备案信息更新 window of one year (default 1 Jan – 31 Mar, Asia/Shanghai)."""

    year = IntegerField(primary_key=True)
    opens_on = DateField()
    closes_on = DateField()


class RegistryEntry(BaseModel):
    """Business-registry record behind 获取工商信息."""

    credit_code = CharField(unique=True, max_length=18)
    name = CharField(max_length=200)
    registered_address = CharField(default="", max_length=300)
    legal_rep = CharField(default="", max_length=60)
    legal_rep_phone = CharField(default="", max_length=30)
    updated_at = DateTimeField(default=utcnow)


# ---------------------------------------------------------------- files


class Sequence(BaseModel):
    """A named counter (e.g. filing-2026): numbers handed out inside the caller's transaction,
    so two concurrent approvals never get the same one."""

    name = CharField(primary_key=True, max_length=40)
    last = IntegerField(default=0)

    @classmethod
    def take(cls, name, used):
        """The next number of the counter `name`, inside the caller's transaction (the row
        stays locked until it commits, so concurrent approvals wait and never share a number).
        `used()` gives the highest number already handed out, for a counter not created yet."""
        number = cls._bump(name)
        if number is None:
            try:
                with db.database.atomic():  # a savepoint: a concurrent creator wins, we count on
                    return cls.create(name=name, last=used() + 1).last
            except IntegrityError:
                number = cls._bump(name)
        return number

    @classmethod
    def _bump(cls, name):
        """Add one to the counter; its new value, or None when the counter does not exist."""
        update = cls.update(last=cls.last + 1).where(cls.name == name)
        if db.database.returning_clause:  # PostgreSQL: one statement
            rows = list(update.returning(cls.last).tuples().execute())
            return rows[0][0] if rows else None
        if not update.execute():
            return None
        return cls.select(cls.last).where(cls.name == name).scalar()


class StoredFile(BaseModel):
    """An uploaded or generated file; the bytes live in storage.py under `key`."""

    key = CharField(unique=True, max_length=80)
    original_name = CharField(max_length=255)
    size = BigIntegerField()
    content_type = CharField(max_length=100)
    kind = CharField(max_length=10)  # png/bmp/jpg/pdf/mp4/svg
    sha256 = CharField(max_length=64)
    owner = ForeignKeyField(User, null=True, backref="files", on_delete="SET NULL")
    public = BooleanField(default=False)


# ---------------------------------------------------------------- units


class Unit(BaseModel):
    """A filing unit (单位) and its real-name verification (单位实名认证)."""

    user = ForeignKeyField(User, unique=True, backref="unit_set", on_delete="CASCADE")
    status = StatusField()
    unit_type = CharField(default="", max_length=40)
    credit_code = CharField(unique=True, null=True, max_length=18)
    name = CharField(default="", max_length=200, index=True)
    registered_address = CharField(default="", max_length=300)
    office_address = CharField(default="", max_length=300)
    office_same = BooleanField(default=False)
    registered_capital = money_field()
    industry = ForeignKeyField(Industry, null=True, on_delete="SET NULL")
    legal_rep = CharField(default="", max_length=60)
    legal_rep_phone = CharField(default="", max_length=30)
    contact = CharField(default="", max_length=60)
    contact_phone = CharField(default="", max_length=30)
    enterprise_type = CharField(default="", max_length=40)
    enterprise_size = CharField(default="", max_length=20)
    license_file = ForeignKeyField(StoredFile, null=True, on_delete="SET NULL")
    commitment_file = ForeignKeyField(StoredFile, null=True, on_delete="SET NULL")
    region_code = CharField(default="", max_length=6, index=True)
    review_flags = JSONField(null=True)  # fields a reviewer flagged on rejection
    submitted_at = DateTimeField(null=True)
    approved_at = DateTimeField(null=True)
    updated_at = DateTimeField(default=utcnow)

    @property
    def province_code(self):
        return self.region_code[:2] + "0000" if self.region_code else ""

    def former_names(self):
        return [h.name for h in self.name_history.order_by(UnitNameHistory.valid_to)]

    def all_names(self):
        return [n for n in [self.name, *self.former_names()] if n]


class UnitNameHistory(BaseModel):
    unit = ForeignKeyField(Unit, backref="name_history", on_delete="CASCADE")
    name = CharField(max_length=200, index=True)
    valid_to = DateTimeField(default=utcnow)


class UnitChangeRequest(BaseModel):
    """变更单位信息: old and new values of the changed fields only."""

    unit = ForeignKeyField(Unit, backref="change_requests", on_delete="CASCADE")
    status = StatusField()
    old_values = JSONField()
    new_values = JSONField()
    submitted_at = DateTimeField(default=utcnow)
    decided_at = DateTimeField(null=True)


ASSET_FIELDS = (
    "total_cost",
    "ip_investment",
    "net_profit",
    "total_sales",
    "fixed_assets",
    "total_output",
    "sales_expense",
    "admin_expense",
    "finance_expense",
    "patent_assets",
    "total_assets",
)


class AssetInfo(BaseModel):
    """资产信息 of one fiscal year (万元; net profit may be negative)."""

    unit = ForeignKeyField(Unit, backref="asset_infos", on_delete="CASCADE")
    fiscal_year = IntegerField()
    total_cost = money_field()
    ip_investment = money_field()
    net_profit = money_field()
    total_sales = money_field()
    fixed_assets = money_field()
    total_output = money_field()
    sales_expense = money_field()
    admin_expense = money_field()
    finance_expense = money_field()
    patent_assets = money_field()
    total_assets = money_field()
    employees = IntegerField(null=True)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("unit", "fiscal_year"), True),)


# ---------------------------------------------------------------- patents


class Patent(BaseModel):
    """The patent office's registry, fed by the importer."""

    number = CharField(unique=True, max_length=20)  # application number digits, no dot
    display_number = CharField(max_length=24)  # ZL202010566088.9
    name = CharField(max_length=300)
    kind = CharField(max_length=20, index=True)  # invention / utility / design
    patentees = JSONField()  # list of names, in the registry's order
    application_date = DateField(null=True)
    grant_date = DateField(null=True)
    legal_status = CharField(max_length=20, default="valid", index=True)
    expiry_date = DateField(null=True)
    updated_at = DateTimeField(default=utcnow)


class PatentHolder(BaseModel):
    """One patentee of a registry patent, indexed for 自动导入专利."""

    patent = ForeignKeyField(Patent, backref="holders", on_delete="CASCADE")
    name = CharField(max_length=200, index=True)

    class Meta:
        indexes = ((("patent", "name"), True),)


class PatentStatusChange(BaseModel):
    patent = ForeignKeyField(Patent, backref="status_changes", on_delete="CASCADE")
    old_status = CharField(max_length=20)
    new_status = CharField(max_length=20)
    seen_by_products = BooleanField(default=False)


class UnitPatent(BaseModel):
    """A patent in the unit's 专利信息管理 list."""

    unit = ForeignKeyField(Unit, backref="patents", on_delete="CASCADE")
    patent = ForeignKeyField(Patent, backref="unit_links", on_delete="CASCADE")
    source = CharField(max_length=10)  # auto / manual
    acquisition = CharField(max_length=20, default="original")  # original / assigned / licensed
    assignment_kind = CharField(default="", max_length=20)  # transfer / inheritance / gift
    licensor = CharField(default="", max_length=200)
    licence_start = DateField(null=True)
    licence_end = DateField(null=True)
    # 受让: the transfer proof when the registry does not name the unit yet; 被许可: the licence
    # contract. A claim resting on it is flagged for the reviewer (domain.patents.claim_basis).
    proof_file = ForeignKeyField(StoredFile, null=True, on_delete="SET NULL")
    lost_at = DateTimeField(null=True)  # the patent watch found the claim no longer stands (transferred away)

    class Meta:
        indexes = ((("unit", "patent"), True),)


# ---------------------------------------------------------------- products

PRODUCT_MONEY_FIELDS = (
    "last_year_cost",
    "ip_investment",
    "last_year_sales",
    "last_year_export",
    "last_year_net_profit",
    "last_year_output",
)


class Product(BaseModel):
    """A product filing (产品备案) with its current data."""

    unit = ForeignKeyField(Unit, backref="products", on_delete="CASCADE")
    token = CharField(unique=True, max_length=32, default=new_token)
    status = StatusField()
    filing_number = CharField(unique=True, null=True, max_length=30)
    gtin = CharField(default="", max_length=13)
    name = CharField(default="", max_length=100)
    model = CharField(default="", max_length=100)
    category = ForeignKeyField(ProductCategory, null=True, on_delete="SET NULL")
    # 其他: a category the catalogue does not list yet (it holds 大类 01–22 only), typed by the
    # unit instead of a code and flagged for the reviewer
    category_other = CharField(default="", max_length=100)
    industry = ForeignKeyField(Industry, null=True, on_delete="SET NULL")
    trademark = CharField(default="", max_length=100)
    intro = TextField(default="")
    purpose = CharField(default="", max_length=40)
    purpose_other = CharField(default="", max_length=100)
    export_countries = JSONField(default=list)
    export_other = CharField(default="", max_length=200)
    first_year = IntegerField(null=True)
    last_year_cost = money_field()
    ip_investment = money_field()
    last_year_sales = money_field()
    last_year_export = money_field()
    last_year_net_profit = money_field()
    last_year_output = money_field()
    market_share = DecimalField(max_digits=5, decimal_places=2, null=True)
    gross_margin = DecimalField(max_digits=6, decimal_places=2, null=True)
    contribution_index = DecimalField(max_digits=5, decimal_places=2, null=True)
    contribution_method = CharField(default="", max_length=20)  # method1/method2/method3/own
    method_k = DecimalField(max_digits=10, decimal_places=4, null=True)
    method_explanation = TextField(default="")
    special_industry = BooleanField(default=False)
    compulsory_cert = BooleanField(default=False)
    revocation_reason = TextField(default="")
    revocation_prompt_at = DateTimeField(null=True)  # 待确认撤销: all linked patents gone
    submitted_at = DateTimeField(null=True)
    filed_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)
    updated_at = DateTimeField(default=utcnow)
    version = IntegerField(default=0)  # +1 at every write of the draft (domain.filing.drafts)

    class Meta:
        # The 待审核 queue (product_review.queue_query): oldest submission first, a page at a
        # time, read in index order. (已备案 goes in id order: the status index serves it.)
        indexes = ((("status", "submitted_at", "id"), False),)


class ProductVersion(BaseModel):
    """Every submitted version, as a complete snapshot (fields, patents, files)."""

    product = ForeignKeyField(Product, backref="versions", on_delete="CASCADE")
    number = IntegerField()
    kind = CharField(max_length=10)  # filing / update
    data = JSONField()
    submitted_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        indexes = ((("product", "number"), True),)


class ProductPatent(BaseModel):
    product = ForeignKeyField(Product, backref="patent_links", on_delete="CASCADE")
    patent = ForeignKeyField(Patent, backref="product_links", on_delete="CASCADE")
    public = BooleanField(default=False)  # 备案阶段是否公开
    core = BooleanField(default=False)  # 核心专利
    litigated = BooleanField(default=False)  # 涉诉专利
    case_number = CharField(default="", max_length=100)  # 案件编号

    class Meta:
        indexes = ((("product", "patent"), True),)


class ProductFile(BaseModel):
    """main_image, other_image, economic_proof, production_licence, certification,
    intro_image, intro_video, rate_reference."""

    product = ForeignKeyField(Product, backref="files", on_delete="CASCADE")
    file = ForeignKeyField(StoredFile, on_delete="CASCADE")
    kind = CharField(max_length=30)
    sort = IntegerField(default=0)


class ReviewClaim(BaseModel):
    """A reviewer has claimed (or been assigned) an item of a queue."""

    object_type = CharField(max_length=30)
    object_id = IntegerField()
    reviewer = ForeignKeyField(User, on_delete="CASCADE")

    class Meta:
        indexes = ((("object_type", "object_id"), True),)


class YearlyUpdate(BaseModel):
    """产品备案信息更新 of one product in one year."""

    product = ForeignKeyField(Product, backref="updates", on_delete="CASCADE")
    year = IntegerField()
    status = StatusField()
    data = JSONField(default=dict)  # proposed fields, patents and files
    base_version = ForeignKeyField(ProductVersion, null=True, on_delete="SET NULL")
    submitted_at = DateTimeField(null=True)
    decided_at = DateTimeField(null=True)
    version = IntegerField(default=0)  # +1 at every write of `data` (domain.filing.drafts)

    class Meta:
        indexes = ((("product", "year"), True),)


class UpdateReminder(BaseModel):
    """A reminder of one year's 产品备案信息更新 sent to a unit (domain.updates.remind): one row
    per (unit, year, kind), so the periodic job sends each once whatever how often it runs."""

    unit = ForeignKeyField(Unit, on_delete="CASCADE")
    year = IntegerField()
    kind = CharField(max_length=20)  # opens / assets / due30 / due7 / due1

    class Meta:
        indexes = ((("unit", "year", "kind"), True),)


# ---------------------------------------------------------------- recognition


class RecognitionRound(BaseModel):
    year = IntegerField(unique=True)
    name = CharField(max_length=100)
    filing_from = DateField()
    filing_to = DateField()
    criteria = JSONField(default=dict)  # global and per-category thresholds
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    notice_start = DateField(null=True)  # the day the officer plans to start the public notice
    closed_at = DateTimeField(null=True)  # 关闭批次: no more notices start in it (domain.recognition.rounds)


class Recognition(BaseModel):
    product = ForeignKeyField(Product, backref="recognitions", on_delete="CASCADE")
    round = ForeignKeyField(RecognitionRound, backref="recognitions", on_delete="CASCADE")
    status = StatusField()
    token = CharField(unique=True, max_length=32, default=new_token)
    notice_start = DateField(null=True)
    notice_end = DateField(null=True)
    recognised_at = DateTimeField(null=True)
    valid_until = DateField(null=True)
    certificate_number = CharField(unique=True, null=True, max_length=40)
    certificate_file = ForeignKeyField(StoredFile, null=True, on_delete="SET NULL")
    qr_file = ForeignKeyField(StoredFile, null=True, on_delete="SET NULL")
    mark_file = ForeignKeyField(StoredFile, null=True, on_delete="SET NULL")
    # The SVG twins of the QR code and the mark, and the digest of the data the documents were
    # made from (domain/recognition/documents.py makes them again only when it changes).
    qr_svg_file = ForeignKeyField(StoredFile, null=True, on_delete="SET NULL")
    mark_svg_file = ForeignKeyField(StoredFile, null=True, on_delete="SET NULL")
    documents_digest = CharField(default="", max_length=64)
    revoked_at = DateTimeField(null=True)
    expiry_reminded_at = DateTimeField(null=True)  # the 30-days-before-expiry reminder went out

    class Meta:
        indexes = ((("product", "round"), True),)


class Objection(BaseModel):
    tracking_number = CharField(unique=True, max_length=24)
    recognition = ForeignKeyField(Recognition, backref="objections", on_delete="CASCADE")
    status = StatusField()
    name = CharField(max_length=60)
    organisation = CharField(default="", max_length=200)
    phone = CharField(max_length=20)
    email = CharField(max_length=200)
    content = TextField()
    outcome = TextField(default="")
    handler = ForeignKeyField(User, null=True, on_delete="SET NULL")
    ip = CharField(default="", max_length=64)
    decided_at = DateTimeField(null=True)
    # 处理期限: OBJECTION_WORKING_DAYS working days from the Beijing day received (holiday table).
    deadline = DateField(null=True)
    # The same person, product and text sent again is linked to this row, not filed twice.
    fingerprint = CharField(default="", max_length=64, index=True)
    repeats = IntegerField(default=0)
    # 请单位说明: the handler's request, the day the reply is due, and the unit's reply.
    reply_request = TextField(default="")
    reply_requested_at = DateTimeField(null=True)
    reply_due = DateField(null=True)
    reply = TextField(default="")
    replied_at = DateTimeField(null=True)


class ObjectionFile(BaseModel):
    objection = ForeignKeyField(Objection, backref="files", on_delete="CASCADE")
    file = ForeignKeyField(StoredFile, on_delete="CASCADE")
    kind = CharField(default="objector", max_length=10)  # objector: with the objection; unit: the reply


# ---------------------------------------------------------------- notifications, audit


class OutboxStatus(StrEnum):
    """Where an outbox row's delivery stands (infra.notifications); not a workflow status."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class Outbox(BaseModel):
    """Every SMS, email and 站内消息 is written here first, then delivered by a job."""

    channel = CharField(max_length=10, index=True)  # sms / email / inbox
    recipient = CharField(max_length=200)  # phone, email address, or user id
    user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    template = CharField(max_length=60)
    payload = JSONField(default=dict)
    subject = CharField(default="", max_length=200)
    body = TextField(default="")
    status = CharField(max_length=10, default=OutboxStatus.PENDING, index=True)
    tries = IntegerField(default=0)
    next_try_at = DateTimeField(default=utcnow, index=True)
    last_error = TextField(default="")
    sent_at = DateTimeField(null=True)


class Message(BaseModel):
    """站内消息 shown in the portal's 消息中心."""

    user = ForeignKeyField(User, backref="messages", on_delete="CASCADE")
    title = CharField(max_length=200)
    body = TextField()
    link = CharField(default="", max_length=300)
    read_at = DateTimeField(null=True)

    @classmethod
    def unread_count(cls, user):
        return cls.select().where(cls.user == user, cls.read_at.is_null()).count()


class AuditLog(BaseModel):
    actor = ForeignKeyField(User, null=True, on_delete="SET NULL")
    actor_name = CharField(default="", max_length=80)  # kept if the account goes
    object_type = CharField(max_length=30, index=True)
    object_id = IntegerField(index=True)
    event = CharField(max_length=40)
    from_status = CharField(default="", max_length=20)
    to_status = CharField(default="", max_length=20)
    reason = TextField(default="")
    ip = CharField(default="", max_length=64)
    data = JSONField(null=True)

    class Meta:
        # 工作台: a reviewer's decisions of today (domain.dashboards.decisions_today)
        indexes = ((("actor", "created_at"), False),)


ALL_MODELS = [
    Sequence,
    Role,
    User,
    UserRoles,
    SmsCode,
    LoginSession,
    SignInFailure,
    Captcha,
    Industry,
    ProductCategory,
    Country,
    Option,
    ReasonTemplate,
    Page,
    Setting,
    Holiday,
    CalendarYear,
    UpdateWindow,
    RegistryEntry,
    StoredFile,
    Unit,
    UnitNameHistory,
    UnitChangeRequest,
    AssetInfo,
    Patent,
    PatentHolder,
    PatentStatusChange,
    UnitPatent,
    Product,
    ProductVersion,
    ProductPatent,
    ProductFile,
    ReviewClaim,
    YearlyUpdate,
    UpdateReminder,
    RecognitionRound,
    Recognition,
    Objection,
    ObjectionFile,
    Outbox,
    Message,
    AuditLog,
]


def unit_of(user):
    """The Unit of a unit account, or None."""
    return Unit.get_or_none(Unit.user == user)


def unit_of_obj(obj):
    """The unit an object belongs to (whose account may act on it and is told)."""
    if isinstance(obj, Unit):
        return obj
    if isinstance(obj, (UnitChangeRequest, Product, UnitPatent)):
        return obj.unit
    if isinstance(obj, (YearlyUpdate, Recognition)):
        return obj.product.unit
    if isinstance(obj, Objection):
        return obj.recognition.product.unit
    raise TypeError(obj)


def count_by(query, field):
    """{value: count} of `field` over `query` (for tab counts)."""
    model = field.model
    rows = query.select(field, fn.COUNT(model._meta.primary_key).alias("n")).group_by(field)
    return {getattr(r, field.name): r.n for r in rows}


def status_counts(model, states):
    """{status: count} of a queue's tabs: the rows of `model` in each of `states`, 0 included."""
    counts = dict.fromkeys(states, 0)
    counts.update(count_by(model.select().where(model.status.in_(list(states))), model.status))
    return counts


SHANGHAI = ZoneInfo("Asia/Shanghai")


def today_shanghai():
    fixed = _clock.get()
    if fixed is not None:
        return fixed.replace(tzinfo=UTC).astimezone(SHANGHAI).date()
    return datetime.now(SHANGHAI).date()


def shanghai_time(value, fmt="%Y-%m-%d %H:%M"):
    """A naive-UTC timestamp as Beijing time text."""
    if value is None:
        return ""
    return value.replace(tzinfo=UTC).astimezone(SHANGHAI).strftime(fmt)


def last_fiscal_year(on: date | None = None):
    """The fiscal year asset info is due for: the calendar year before today (Shanghai)."""
    return (on or today_shanghai()).year - 1


def make_database(url, instance_path="."):
    """A peewee Database for a URL; a relative SQLite path lives in the instance folder."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        path = url[len("sqlite:///"):]
        if path != ":memory:":
            url = "sqlite:///" + str(Path(instance_path) / path)
    if url.startswith("sqlite") and ":memory:" not in url:
        # journal_mode=wal is a property of the file: set once by `flask zlcp migrate`.
        # A pool, as on PostgreSQL: opening and closing a connection for every request cost
        # half a millisecond (the last connection to close checkpoints the write-ahead log).
        url = "sqlite+pool://" + url.split("://", 1)[1]
        return connect(url, pragmas={"foreign_keys": 1, "busy_timeout": 10000}, max_connections=16,
                       stale_timeout=300, check_same_thread=False)
    if url.startswith("sqlite"):
        return connect(url, pragmas={"foreign_keys": 1, "busy_timeout": 10000})
    if url.startswith(("postgresql://", "postgres://")):
        # A connection pool: a request borrows a connection and close() returns it.
        url = "postgres+pool://" + url.split("://", 1)[1]
        # random_page_cost 1.1 (solid-state storage): with the spinning-disk default of 4 the
        # planner scanned the whole search index instead of using its GIN index (20 -> 11 ms
        # for the facets of a query matching 10% of 100,000 products).
        return connect(url, max_connections=20, stale_timeout=300, options="-c random_page_cost=1.1")
    return connect(url)
