"""单位实名认证, 变更单位信息 and 资产信息: the rules (SPEC §3, §4). Views stay thin.

Every save validates the whole form first and reports every problem at once
({field: message}); nothing is written unless all of it is valid.
"""

import csv
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.utils import import_string

from domain import transitions
from infra import storage, validators
from infra.validators import FormErrors
from models import (
    ASSET_FIELDS,
    AssetInfo,
    AuditLog,
    Industry,
    Option,
    RegistryEntry,
    Unit,
    UnitChangeRequest,
    db,
    last_fiscal_year,
    utcnow,
)
from workflows import ChangeStatus, UnitStatus


@dataclass(frozen=True)
class Field:
    name: str
    label: object
    kind: str = "text"  # text / money / phone / choice / industry / uscc / tel
    required: bool = True
    enterprise_only: bool = False
    help: object = ""
    options: str = ""  # Option kind for choice fields


UNIT_FIELDS = (
    Field("unit_type", _l("备案单位类型"), "choice", options="unit_type"),
    Field("credit_code", _l("统一社会信用代码"), "uscc",
          help=_l("18位，营业执照中显示的统一社会信用代码应当与在平台上填写的一致")),
    Field("name", _l("单位名称")),
    Field("registered_address", _l("注册地址")),
    Field("office_address", _l("办公地址")),
    Field("registered_capital", _l("注册资本"), "money", help=_l("单位：万元")),
    Field("industry", _l("国民经济行业分类"), "industry",
          help=_l("参照《国民经济行业分类》（GB/T 4754-2017），可输入代码或关键字查找")),
    Field("legal_rep", _l("法定代表人")),
    Field("legal_rep_phone", _l("法定代表人电话"), "tel"),
    Field("contact", _l("联系人")),
    Field("contact_phone", _l("联系电话"), "tel"),
    Field("enterprise_type", _l("企业类型"), "choice", enterprise_only=True, options="enterprise_type"),
    Field("enterprise_size", _l("企业规模"), "choice", enterprise_only=True, options="enterprise_size"),
)
UNIT_FIELD_NAMES = tuple(f.name for f in UNIT_FIELDS)

UPLOADS = (
    ("license_file", _l("营业执照或组织机构代码证"),
     _l("必须为清晰彩色原件扫描件或数码照，必须在有效期内，支持png, bmp, jpg, pdf 格式，大小不得超过 5M")),
    ("commitment_file", _l("诚信承诺书"),
     _l("诚信承诺书加盖公章且必须为清晰彩色原件扫描件或数码照，支持png, bmp, jpg, pdf 格式，大小不得超过 5M")),
)

_FINANCE_HELP = _l("请根据单位财务报表或审计报告填写截至上一年度年底的相应内容。单位：万元")
ASSET_LABELS = (
    ("total_cost", _l("单位年度总成本"), _FINANCE_HELP),
    ("ip_investment", _l("单位年度知识产权总投入"),
     _l("包含知识产权人力成本、知识产权教育培训、知识产权信息化建设、知识产权保护/维权、知识产权申请和维持等官费、"
        "知识产权代理费、知识产权专业咨询费、以及研发费用中与知识产权相关的其他费用。单位：万元")),
    ("net_profit", _l("单位年度净利润总额"), _l("可为负数。") + _FINANCE_HELP),
    ("total_sales", _l("单位年度所有产品总销售额"), _FINANCE_HELP),
    ("fixed_assets", _l("单位年度固定资产总额"), _FINANCE_HELP),
    ("total_output", _l("单位年度所有产品总产值"), _FINANCE_HELP),
    ("sales_expense", _l("单位年度总销售费用"), _FINANCE_HELP),
    ("admin_expense", _l("单位年度总管理费用"), _FINANCE_HELP),
    ("finance_expense", _l("单位年度总财务费用"), _FINANCE_HELP),
    ("patent_assets", _l("单位专利资产金额"),
     _l("请填写截至上一年度年底，参考《企业会计准则第6号——无形资产》《知识产权相关会计信息披露规定》等有关规定确认的、"
        "单位拥有的专利资产总额。单位：万元")),
    ("total_assets", _l("单位总资产金额"), _l("请填写截至上一年度年底的单位总资产金额。单位：万元")),
)
EMPLOYEES_HELP = _l("请按照单位社保参保人数填写截至上一年度年底的数据")
assert tuple(n for n, _, _ in ASSET_LABELS) == ASSET_FIELDS


# ---------------------------------------------------------------- 获取工商信息


class TableRegistryProvider:
    """Reads the platform's own business-registry table (imported by staff)."""

    def lookup(self, credit_code):
        row = RegistryEntry.get_or_none(RegistryEntry.credit_code == credit_code)
        if row is None:
            return None
        return {"name": row.name, "registered_address": row.registered_address,
                "legal_rep": row.legal_rep, "legal_rep_phone": row.legal_rep_phone}


def registry_provider():
    name = current_app.config["REGISTRY_PROVIDER"]
    return TableRegistryProvider() if name == "table" else import_string(name)()


def business_info(credit_code):
    """(values, message): the registry's values, or None and a message to show."""
    try:
        code = validators.uscc(credit_code)
    except validators.ValidationError as exc:
        return None, exc.message
    found = registry_provider().lookup(code)
    if not found:
        return None, _l("未查询到该统一社会信用代码的工商信息，请手动填写")
    return found, _l("已获取工商信息，请核对")


def import_registry(path):
    """Upsert registry entries from a CSV (credit_code,name,registered_address,legal_rep,
    legal_rep_phone); returns (count, [(line, message)])."""
    count, problems = 0, []
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            try:
                code = validators.uscc(row.get("credit_code", ""))
            except validators.ValidationError as exc:
                problems.append((line, str(exc.message)))
                continue
            values = {k: (row.get(k) or "").strip() for k in
                      ("name", "registered_address", "legal_rep", "legal_rep_phone")}
            values["updated_at"] = utcnow()
            RegistryEntry.insert(credit_code=code, **values).on_conflict(
                conflict_target=[RegistryEntry.credit_code], update=values).execute()
            count += 1
    return count, problems


# ---------------------------------------------------------------- the verification form


def industry_code(text):
    """'3911 计算机整机制造' or '3911' → an existing class code, else None."""
    code = (text or "").strip().split(" ")[0].lstrip("ABCDEFGHIJKLMNOPQRST") or (text or "").strip()
    row = Industry.get_or_none(Industry.code == code)
    return row.code if row else None


def clean_unit_fields(data, fields=UNIT_FIELDS, unit=None):
    """Validate the unit fields; returns (values, errors)."""
    values, errors = {}, {}
    is_enterprise = data.get("unit_type") == "enterprise"
    for f in fields:
        raw = (data.get(f.name) or "").strip()
        if f.enterprise_only and not is_enterprise:
            values[f.name] = ""
            continue
        if f.name == "office_address" and data.get("office_same"):
            raw = (data.get("registered_address") or "").strip()
        if not raw:
            if f.required:
                errors[f.name] = _l("请填写%(label)s", label=f.label) if f.kind not in ("choice", "industry") \
                    else _l("请选择%(label)s", label=f.label)
            values[f.name] = None if f.kind in ("money", "industry") else ""
            continue
        try:
            values[f.name] = _clean(f, raw)
        except validators.ValidationError as exc:
            errors[f.name] = exc.message
    code = values.get("credit_code")
    if code and "credit_code" not in errors:
        other = Unit.select().where(Unit.credit_code == code, Unit.id != (unit.id if unit else 0)).first()
        if other is not None:
            errors["credit_code"] = _l("该统一社会信用代码已被其他单位使用，如有疑问请联系平台")
            AuditLog.create(actor=unit.user_id if unit else None, actor_name=unit.user.username if unit else "",
                            object_type="unit", object_id=unit.id if unit else 0,
                            event="credit_code_conflict", data={"credit_code": code, "other_unit": other.id})
    values["office_same"] = bool(data.get("office_same"))
    if code:
        values["region_code"] = validators.uscc_division_code(code)
    return values, errors


def _clean(f, raw):
    if f.kind == "uscc":
        return validators.uscc(raw)
    if f.kind == "money":
        return validators.money(raw)
    if f.kind == "industry":
        code = industry_code(raw)
        if code is None:
            raise validators.ValidationError(_l("请从列表中选择国民经济行业分类"))
        return code
    if f.kind == "choice":
        if raw not in dict(Option.choices(f.options)):
            raise validators.ValidationError(_l("请选择%(label)s", label=f.label))
        return raw
    if f.kind == "tel":
        raw = validators.normal(raw)
        if not raw.isascii() or not all(c.isdigit() or c in "-+ ()" for c in raw) or sum(c.isdigit() for c in raw) < 7:
            raise validators.ValidationError(_l("电话号码格式不正确"))
        return raw
    if len(raw) > 200:
        raise validators.ValidationError(_l("不能超过200个字"))
    return raw


def clean_asset_fields(data):
    values, errors = {}, {}
    for name, label, _help in ASSET_LABELS:
        raw = (data.get(name) or "").strip()
        if not raw:
            errors[name] = _l("请填写%(label)s", label=label)
            continue
        try:
            values[name] = validators.money(raw, allow_negative=(name == "net_profit"))
        except validators.ValidationError as exc:
            errors[name] = exc.message
    try:
        values["employees"] = validators.digits(data.get("employees"), _l("请填写单位年度员工人数（整数）"))
    except validators.ValidationError as exc:
        errors["employees"] = exc.message
    return values, errors


def save_verification(unit, data, files):
    """Save the 实名认证 form (fields, uploads, first asset info). Raises FormErrors with
    every problem; returns the refreshed unit. The uploads that succeeded are kept and
    reported back in FormErrors.uploads so the page can show them."""
    values, errors = clean_unit_fields(data, unit=unit)
    assets, asset_errors = clean_asset_fields(data)
    errors.update(asset_errors)
    uploads, upload_errors = storage.take_uploads(files, data, unit.user, ("license_file", "commitment_file"))
    errors.update(upload_errors)
    for name, label, _help in UPLOADS:
        if name not in uploads and name not in errors and getattr(unit, name + "_id") is None:
            errors[name] = _l("请上传%(label)s", label=label)
    if errors:
        exc = FormErrors(errors)
        exc.uploads = uploads
        raise exc
    with db.database.atomic():
        values.update({name: row for name, row in uploads.items()})
        Unit.update(**values, updated_at=utcnow()).where(Unit.id == unit.id).execute()
        save_assets(unit, assets)
    return Unit.get_by_id(unit.id)


def save_assets(unit, values, year=None):
    year = year or last_fiscal_year()
    values = {**values, "updated_at": utcnow()}
    AssetInfo.insert(unit=unit, fiscal_year=year, **values).on_conflict(
        conflict_target=[AssetInfo.unit, AssetInfo.fiscal_year], update=values).execute()
    return AssetInfo.get(AssetInfo.unit == unit, AssetInfo.fiscal_year == year)


# ---------------------------------------------------------------- 变更单位信息

CHANGEABLE = tuple(f for f in UNIT_FIELDS if f.name != "credit_code")


def request_change(unit, data):
    """Create a change request with old and new values of the changed fields only."""
    if unit.status != UnitStatus.APPROVED:
        raise FormErrors({"_": _l("单位实名认证审核通过后方可变更单位信息")})
    if pending_change(unit) is not None:
        raise FormErrors({"_": _l("已有单位信息变更正在审核中")})
    values, errors = clean_unit_fields(data, fields=CHANGEABLE, unit=unit)
    if errors:
        raise FormErrors(errors)
    old, new = {}, {}
    for f in CHANGEABLE:
        before = getattr(unit, f.name + "_id") if f.kind == "industry" else getattr(unit, f.name)
        after = values.get(f.name)
        if f.kind == "money":
            same = (before is None and after is None) or (
                before is not None and after is not None and Decimal(before) == Decimal(after))
        else:
            same = str(before or "") == str(after or "")
        if not same:
            old[f.name], new[f.name] = _plain(before), _plain(after)
    if not new:
        raise FormErrors({"_": _l("未修改任何信息")})
    return UnitChangeRequest.create(unit=unit, old_values=old, new_values=new)


def pending_change(unit):
    """The unit's 变更单位信息 request waiting for review, or None."""
    return unit.change_requests.where(UnitChangeRequest.status == ChangeStatus.PENDING).first()


def editable(unit):
    """The 实名认证 form can be saved in the states it can be submitted from."""
    return unit.status in transitions.sources("unit", "submit")


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value


def field_label(name):
    for f in UNIT_FIELDS:
        if f.name == name:
            return f.label
    return name
