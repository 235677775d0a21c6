"""Portal, 用户中心: 实名认证 (with 获取工商信息 and the 诚信承诺书 template), 资产信息,
变更单位信息."""

import io
from decimal import Decimal

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_security import current_user

import workflows
from domain import units
from infra import documents
from infra.validators import FormErrors
from models import AssetInfo, AuditLog, Industry, Option, last_fiscal_year
from public_site.portal.base import bp, current_unit, verified
from workflows import UnitStatus


def _form_context(unit, form, errors, uploads=None):
    asset = AssetInfo.get_or_none(AssetInfo.unit == unit, AssetInfo.fiscal_year == last_fiscal_year())
    last_reject = (AuditLog.select().where(AuditLog.object_type == "unit", AuditLog.object_id == unit.id,
                                           AuditLog.event == "reject").order_by(AuditLog.id.desc()).first())
    return {
        "unit": unit, "form": form, "errors": errors, "fields": units.UNIT_FIELDS,
        "uploads_spec": units.UPLOADS, "uploads": uploads or {},
        "asset_labels": units.ASSET_LABELS, "employees_help": units.EMPLOYEES_HELP,
        "asset": asset, "fiscal_year": last_fiscal_year(), "options": Option.choices,
        "industries": Industry.select().where(Industry.level == 4).order_by(Industry.code),
        "last_reject": last_reject if unit.status == UnitStatus.REJECTED else None,
        "flags": set(unit.review_flags or []),
    }


def _prefill(unit):
    """The saved values as form data (strings), for the first rendering."""
    data = {}
    for f in units.UNIT_FIELDS:
        value = getattr(unit, f.name + "_id") if f.kind == "industry" else getattr(unit, f.name)
        if f.kind == "industry" and value:
            value = f"{value} {Industry.get_by_id(value).name}"
        data[f.name] = _text(value)
    data["office_same"] = "1" if unit.office_same else ""
    asset = AssetInfo.get_or_none(AssetInfo.unit == unit, AssetInfo.fiscal_year == last_fiscal_year())
    if asset:
        for name, _label, _help in units.ASSET_LABELS:
            data[name] = _text(getattr(asset, name))
        data["employees"] = "" if asset.employees is None else str(asset.employees)
    return data


def _text(value):
    """A saved value as form text; amounts always with two decimals (万元)."""
    if value is None:
        return ""
    return f"{value:.2f}" if isinstance(value, Decimal) else str(value)


@bp.route("/verification", methods=["GET", "POST"])
def verification():
    unit = current_unit()
    editable = units.editable(unit)
    if request.method == "GET" or not editable:
        if request.method == "POST":
            abort(409)
        return render_template("portal/verification.html", editable=editable,
                               **_form_context(unit, _prefill(unit), {}))
    try:
        unit = units.save_verification(unit, request.form, request.files)
    except FormErrors as exc:
        return render_template("portal/verification.html", editable=True,
                               **_form_context(unit, request.form, exc.errors, exc.uploads)), 400
    if request.form.get("action") == "submit":
        try:
            workflows.apply(unit, "submit", current_user)
        except workflows.WorkflowError as exc:
            return render_template("portal/verification.html", editable=True,
                                   **_form_context(unit, request.form, {"_": exc.message})), 400
        flash(_("已提交审核，请等待平台审核。"), "success")
    else:
        flash(_("已保存。"), "success")
    return redirect(url_for("portal.verification"))


@bp.get("/verification/commitment-letter.pdf")
def commitment_letter():
    unit = current_unit()
    pdf = documents.commitment_letter_pdf(unit.name, unit.credit_code or "")
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name="诚信承诺书.pdf")


@bp.get("/registry")
def registry_lookup():
    """获取工商信息: JSON for the verification form."""
    values, message = units.business_info(request.args.get("code", ""))
    return jsonify(ok=values is not None, values=values or {}, message=str(message))


@bp.route("/verification/change", methods=["GET", "POST"])
@verified
def change():
    unit = current_unit()
    pending = units.pending_change(unit)
    errors = {}
    form = request.form if request.method == "POST" else _prefill(unit)
    if request.method == "POST" and not pending:
        try:
            units.request_change(unit, request.form)
        except FormErrors as exc:
            errors = exc.errors
        else:
            flash(_("单位信息变更已提交审核。审核期间暂不能进行产品备案和备案信息更新。"), "success")
            return redirect(url_for("portal.change"))
    ctx = _form_context(unit, form, errors)
    ctx["fields"] = units.CHANGEABLE
    return render_template("portal/change.html", pending=pending, **ctx), (400 if errors else 200)


@bp.route("/assets", methods=["GET", "POST"])
@verified
def assets():
    unit = current_unit()
    year = last_fiscal_year()
    errors = {}
    form = request.form if request.method == "POST" else _prefill(unit)
    if request.method == "POST":
        values, errors = units.clean_asset_fields(request.form)
        if not errors:
            units.save_assets(unit, values, year)
            flash(_("%(year)s年度资产信息已保存。", year=year), "success")
            return redirect(url_for("portal.assets"))
    history = unit.asset_infos.where(AssetInfo.fiscal_year != year).order_by(AssetInfo.fiscal_year.desc())
    current = AssetInfo.get_or_none(AssetInfo.unit == unit, AssetInfo.fiscal_year == year)
    editing = request.method == "POST" or request.args.get("edit") == "1" or current is None
    return render_template("portal/assets.html", unit=unit, form=form, errors=errors, year=year,
                           current=current, history=history, editing=editing, asset_labels=units.ASSET_LABELS,
                           employees_help=units.EMPLOYEES_HELP), (400 if errors else 200)
