"""The workflow table (manual §三–§九): which event leads from which status to which, for
which role, with which guards and effects. It reads like the manual's state diagrams;
workflows.py is the engine that applies it (create_app() registers this table there).

A guard takes (obj, ctx) and returns None or a message (or a list of them); an effect
takes (obj, ctx), may write related rows, and returns extra columns for the status UPDATE.
Both run inside apply()'s transaction.
"""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from domain.filing.numbers import next_filing_number
from domain.filing.rules import filing_rules
from domain.filing.snapshots import apply_update, product_snapshot
from domain.recognition.certificates import next_certificate_number
from domain.updates import update_rules, update_window
from infra.calendar import CalendarUnknown, add_working_days
from models import (
    AssetInfo,
    Objection,
    ProductVersion,
    Unit,
    UnitChangeRequest,
    UnitNameHistory,
    last_fiscal_year,
    today_shanghai,
    unit_of_obj,
    utcnow,
)
from workflows import (
    SYSTEM,
    ChangeStatus,
    ObjectionStatus,
    ProductStatus,
    RecognitionStatus,
    Role,
    Transition,
    UnitStatus,
    UpdateStatus,
    apply,
    guard,
)

# ---------------------------------------------------------------- guards


@guard(link="portal.verification")
def guard_unit_complete(unit, ctx):
    missing = [label for name, label in UNIT_REQUIRED if not getattr(unit, name)]
    if unit.unit_type == "enterprise":
        missing += [label for name, label in ENTERPRISE_REQUIRED if not getattr(unit, name)]
    if missing:
        return _l("请填写：%(fields)s", fields="、".join(str(m) for m in missing))
    return None


UNIT_REQUIRED = (
    ("unit_type", _l("备案单位类型")),
    ("credit_code", _l("统一社会信用代码")),
    ("name", _l("单位名称")),
    ("registered_address", _l("注册地址")),
    ("office_address", _l("办公地址")),
    ("registered_capital", _l("注册资本")),
    ("industry", _l("国民经济行业分类")),
    ("legal_rep", _l("法定代表人")),
    ("legal_rep_phone", _l("法定代表人电话")),
    ("contact", _l("联系人")),
    ("contact_phone", _l("联系电话")),
    ("license_file", _l("营业执照或组织机构代码证")),
    ("commitment_file", _l("诚信承诺书")),
)
ENTERPRISE_REQUIRED = (("enterprise_type", _l("企业类型")), ("enterprise_size", _l("企业规模")))


@guard(link="portal.assets")
def guard_asset_info_present(obj, ctx):
    """Asset info of last fiscal year must exist before filing or yearly update."""
    unit = unit_of_obj(obj)
    year = last_fiscal_year()
    if not AssetInfo.select().where(AssetInfo.unit == unit, AssetInfo.fiscal_year == year).exists():
        return _l("请先填报%(year)s年度资产信息", year=year)
    return None


@guard(link="portal.verification")
def guard_unit_approved(obj, ctx):
    if unit_of_obj(obj).status != UnitStatus.APPROVED:
        return _l("单位实名认证审核通过后方可办理")
    return None


@guard(link="portal.change")
def guard_no_pending_change(obj, ctx):
    unit = unit_of_obj(obj)
    pending = UnitChangeRequest.select().where(
        UnitChangeRequest.unit == unit, UnitChangeRequest.status == ChangeStatus.PENDING
    )
    if pending.exists():
        return _l("单位信息变更正在审核中，审核通过后方可办理")
    return None


def guard_filing_rules(product, ctx):
    """The product filing rules of SPEC §6.1–6.3 (domain.filing.rules), every one at once."""
    return filing_rules(product) or None


def guard_revocation_prompted(product, ctx):
    if product.revocation_prompt_at is None:
        return _l("该产品没有待确认的撤销提示")
    return None


def guard_update_window_open(update, ctx):
    window = update_window(update.year)
    today = today_shanghai()
    if not (window.opens_on <= today <= window.closes_on):
        return _l(
            "产品备案信息更新开放时间为%(start)s至%(end)s",
            start=window.opens_on.isoformat(),
            end=window.closes_on.isoformat(),
        )
    return None


def guard_update_rules(update, ctx):
    """The filing's rules over the update's data (domain.updates), every one at once."""
    return update_rules(update) or None


def guard_product_still_filed(update, ctx):
    if update.product.status not in (ProductStatus.FILED, ProductStatus.REVOCATION_PENDING):
        return _l("该产品已不是已备案状态，不能更新")
    return None


def guard_notice_over_and_no_open_objection(rec, ctx):
    if rec.notice_end is None or today_shanghai() <= rec.notice_end:
        return _l("公示期尚未结束")
    open_ = rec.objections.where(
        Objection.status.in_([ObjectionStatus.ACCEPTED, ObjectionStatus.PROCESSING])
    )
    if open_.exists():
        return _l("尚有未处理完毕的异议")
    return None


def guard_validity_over(rec, ctx):
    if rec.valid_until is None or today_shanghai() <= rec.valid_until:
        return _l("认定有效期尚未届满")
    return None


NOTICE_WORKING_DAYS = 10  # 公示期 (manual §七)


def guard_notice_end_known(rec, ctx):
    """The notice's end date is counted in the staff-kept holiday calendar; a notice that would
    run into a year not entered yet is refused, its end date never guessed."""
    try:
        add_working_days(ctx.get("start") or today_shanghai(), NOTICE_WORKING_DAYS)
    except CalendarUnknown as exc:
        return _l("%(year)s年的法定节假日安排尚未录入，无法计算公示截止日期（公示期为%(days)s个工作日）。"
                  "请系统管理员在“基础数据”中录入该年的法定节假日并登记“已录入节假日年份”后，再开始公示。",
                  year=exc.year, days=NOTICE_WORKING_DAYS)
    return None


# ---------------------------------------------------------------- effects


def effect_unit_submitted(unit, ctx):
    return {"submitted_at": utcnow(), "review_flags": None}


def effect_unit_rejected(unit, ctx):
    """Keep the fields the reviewer flagged, so the portal highlights them."""
    flags = [f for f in (ctx.get("flags") or "").split(",") if f]
    return {"review_flags": flags or None}


def effect_unit_approved(unit, ctx):
    return {"approved_at": utcnow(), "review_flags": None}


def effect_change_approved(change, ctx):
    unit = change.unit
    new = change.new_values
    if "name" in new and new["name"] != unit.name and unit.name:
        UnitNameHistory.create(unit=unit, name=unit.name)
    Unit.update(**{**new, "updated_at": utcnow()}).where(Unit.id == unit.id).execute()
    return {"decided_at": utcnow()}


def effect_decided(obj, ctx):
    return {"decided_at": utcnow()}


def snapshot(product, kind, actor, data=None):
    """Store the product's complete current data (or `data`, the same already in hand) as the
    next version."""
    last = product.versions.order_by(ProductVersion.number.desc()).first()
    return ProductVersion.create(
        product=product,
        number=(last.number + 1) if last else 1,
        kind=kind,
        data=product_snapshot(product) if data is None else data,
        submitted_by=actor if not isinstance(actor, str) else None,
    )


def effect_product_submitted(product, ctx):
    snapshot(product, "filing", ctx["actor"])
    return {"submitted_at": utcnow()}


def effect_product_filed(product, ctx):
    number = product.filing_number or next_filing_number(product)
    return {"filed_at": utcnow(), "filing_number": number, "revocation_reason": ""}


def effect_revocation_requested(product, ctx):
    return {"revocation_reason": ctx["reason"]}


def effect_product_revoked(product, ctx):
    return {"revoked_at": utcnow(), "revocation_prompt_at": None}


def effect_patents_lapsed(product, ctx):
    return {"revocation_prompt_at": utcnow()}


def effect_update_submitted(update, ctx):
    return {"submitted_at": utcnow()}


def effect_update_approved(update, ctx):
    snapshot(update.product, "update", ctx["actor"], data=apply_update(update))  # the data just written
    return {"decided_at": utcnow()}


def effect_notice_started(rec, ctx):
    start = ctx.get("start") or today_shanghai()
    return {"notice_start": start, "notice_end": add_working_days(start, NOTICE_WORKING_DAYS)}


def one_year_from(day):
    """The last day of a year counted from `day`: the day before its anniversary, which for
    29 February is 1 March."""
    try:
        anniversary = day.replace(year=day.year + 1)
    except ValueError:
        anniversary = date(day.year + 1, 3, 1)
    return anniversary - timedelta(days=1)


def effect_recognised(rec, ctx):
    return {
        "recognised_at": utcnow(),
        "valid_until": one_year_from(today_shanghai()),
        "certificate_number": rec.certificate_number or next_certificate_number(rec),
    }


def effect_recognition_revoked(rec, ctx):
    return {"revoked_at": utcnow()}


def effect_objection_upheld(objection, ctx):
    rec = objection.recognition
    if rec.status in (RecognitionStatus.NOTICE, RecognitionStatus.RECOGNISED):
        apply(rec, "revoke", ctx["actor"], reason=ctx["reason"])  # handed on with this one
    return {"decided_at": utcnow(), "outcome": ctx["reason"], "handler": ctx["actor_id"]}


def effect_objection_dismissed(objection, ctx):
    return {"decided_at": utcnow(), "outcome": ctx["reason"], "handler": ctx["actor_id"]}


def effect_objection_processing(objection, ctx):
    return {"handler": ctx["actor_id"]}


# ---------------------------------------------------------------- the table

U, R, O, H, A = Role.UNIT, Role.REVIEWER, Role.OFFICER, Role.HANDLER, Role.ADMIN
US, CS, PS, YS, RS, OS = (
    UnitStatus,
    ChangeStatus,
    ProductStatus,
    UpdateStatus,
    RecognitionStatus,
    ObjectionStatus,
)
T = Transition

TRANSITIONS = (
    # 单位实名认证 (manual §三)
    T("unit", (US.DRAFT, US.REJECTED), "submit", US.PENDING, (U,), _l("提交审核"),
      guards=(guard_unit_complete,), effect=effect_unit_submitted),
    T("unit", (US.PENDING,), "approve", US.APPROVED, (R,), _l("通过"),
      effect=effect_unit_approved, notify=("unit_approved",)),
    T("unit", (US.PENDING,), "reject", US.REJECTED, (R,), _l("不通过"), reason_required=True,
      effect=effect_unit_rejected, notify=("unit_rejected",)),
    # 变更单位信息 (manual §八)
    T("change", (CS.PENDING,), "approve", CS.APPROVED, (R,), _l("通过"),
      effect=effect_change_approved, notify=("change_approved",)),
    T("change", (CS.PENDING,), "reject", CS.REJECTED, (R,), _l("不通过"), reason_required=True,
      effect=effect_decided, notify=("change_rejected",)),
    # 产品备案 (manual §五, SPEC §6.4)
    T("product", (PS.DRAFT, PS.REJECTED), "submit", PS.PENDING, (U,), _l("提交审核"),
      guards=(guard_unit_approved, guard_no_pending_change, guard_asset_info_present,
              guard_filing_rules),
      effect=effect_product_submitted),
    T("product", (PS.PENDING,), "approve", PS.FILED, (R,), _l("通过"),
      effect=effect_product_filed, notify=("product_filed",)),
    T("product", (PS.PENDING,), "reject", PS.REJECTED, (R,), _l("不通过"), reason_required=True,
      notify=("product_rejected",)),
    T("product", (PS.FILED,), "request_revocation", PS.REVOCATION_PENDING, (U,),
      _l("申请撤销备案"), reason_required=True, effect=effect_revocation_requested),
    T("product", (PS.REVOCATION_PENDING,), "approve_revocation", PS.REVOKED, (R,),
      _l("同意撤销"), effect=effect_product_revoked, notify=("product_revoked",)),
    T("product", (PS.REVOCATION_PENDING,), "reject_revocation", PS.FILED, (R,),
      _l("不同意撤销"), reason_required=True, notify=("revocation_rejected",)),
    T("product", (PS.FILED,), "flag_patents_lapsed", PS.FILED, (SYSTEM,), _l("提示确认撤销"),
      effect=effect_patents_lapsed, notify=("patents_lapsed",)),
    T("product", (PS.FILED,), "confirm_revocation", PS.REVOKED, (U,), _l("确认撤销"),
      guards=(guard_revocation_prompted,), effect=effect_product_revoked, confirm=True,
      notify=("product_revoked",)),
    T("product", (PS.FILED,), "admin_revoke", PS.REVOKED, (A,), _l("撤销备案"),
      reason_required=True, effect=effect_product_revoked, confirm=True,
      notify=("product_revoked",)),
    # 产品备案信息更新 (manual §六)
    T("update", (YS.DRAFT, YS.REJECTED), "submit", YS.PENDING, (U,), _l("提交审核"),
      guards=(guard_update_window_open, guard_no_pending_change, guard_asset_info_present,
              guard_product_still_filed, guard_update_rules),
      effect=effect_update_submitted),
    T("update", (YS.PENDING,), "approve", YS.APPROVED, (R,), _l("通过"),
      guards=(guard_product_still_filed,), effect=effect_update_approved, notify=("update_approved",)),
    T("update", (YS.PENDING,), "reject", YS.REJECTED, (R,), _l("不通过"), reason_required=True,
      effect=effect_decided, notify=("update_rejected",)),
    # 认定 (manual §七)
    T("recognition", (RS.CANDIDATE,), "start_notice", RS.NOTICE, (O,), _l("开始公示"),
      guards=(guard_notice_end_known,), effect=effect_notice_started, notify=("notice_started",)),
    T("recognition", (RS.NOTICE,), "recognise", RS.RECOGNISED, (SYSTEM,), _l("认定"),
      guards=(guard_notice_over_and_no_open_objection,), effect=effect_recognised,
      notify=("recognised",), jobs=("recognition.documents",)),
    # An upheld objection revokes (the handler's decision); the 认定管理 officer and administrators
    # may also revoke by decision, with the reason (admin_app/recognition.py).
    T("recognition", (RS.NOTICE, RS.RECOGNISED), "revoke", RS.REVOKED, (H, O, A), _l("撤销认定"),
      reason_required=True, effect=effect_recognition_revoked, notify=("recognition_revoked",), confirm=True),
    T("recognition", (RS.RECOGNISED,), "expire", RS.EXPIRED, (SYSTEM,), _l("过期"),
      guards=(guard_validity_over,), notify=("recognition_expired",)),
    # 公众异议 (manual §九)
    T("objection", (OS.ACCEPTED,), "start_processing", OS.PROCESSING, (H,), _l("开始处理"),
      effect=effect_objection_processing),
    T("objection", (OS.ACCEPTED, OS.PROCESSING), "uphold", OS.UPHELD, (H,), _l("异议成立"),
      reason_required=True, effect=effect_objection_upheld, confirm=True,
      notify=("objection_upheld",)),
    T("objection", (OS.ACCEPTED, OS.PROCESSING), "dismiss", OS.DISMISSED, (H,), _l("异议不成立"),
      reason_required=True, effect=effect_objection_dismissed, notify=("objection_dismissed",)),
)


def sources(kind, event):
    """The statuses `event` can start from (a filing can be edited where it can be submitted)."""
    return tuple(dict.fromkeys(s for t in TRANSITIONS if t.kind == kind and t.event == event for s in t.sources))
