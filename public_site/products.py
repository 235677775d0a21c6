"""Portal: 产品备案管理 — the list with its tabs, 填报 (a new draft), and the wizard's first
step 产品信息. (Steps 专利信息 and 证明材料 come next; see issue 5.)"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user

import filing_rules
import workflows
from models import Country, Industry, Option, Product, ProductCategory, count_by, unit_of
from public_site.portal import bp

TABS = (
    ("draft", _l("未提交"), ("draft",)),
    ("pending", _l("待审核"), ("pending",)),
    ("rejected", _l("不通过"), ("rejected",)),
    ("filed", _l("已备案"), ("filed", "revocation_pending")),
    ("revoked", _l("撤销备案"), ("revoked",)),
)
EDITABLE = ("draft", "rejected")


def _unit():
    unit = unit_of(current_user)
    if unit is None:
        abort(404)
    return unit


def _own_product(product_id):
    product = Product.get_or_none(Product.id == product_id)
    if product is None or product.unit.user_id != current_user.id:
        abort(404)  # another unit's filing does not exist for this unit
    return product


def filing_blockers(unit):
    """(message, endpoint) pairs that stop a new filing now (the submit guards' reasons)."""
    probe = Product(unit=unit)
    blockers = []
    for guard in (workflows.guard_unit_approved, workflows.guard_no_pending_change,
                  workflows.guard_asset_info_present):
        message = guard(probe, {})
        if message:
            blockers.append((message, workflows.GUARD_LINKS[guard]))
    return blockers


@bp.get("/products")
def products():
    unit = _unit()
    tab = request.args.get("tab", "draft")
    statuses = dict((key, st) for key, _label, st in TABS).get(tab)
    if statuses is None:
        abort(404)
    counts = count_by(Product.select().where(Product.unit == unit), Product.status)
    tab_counts = {key: sum(counts.get(s, 0) for s in st) for key, _label, st in TABS}
    query = Product.select().where(Product.unit == unit, Product.status.in_(statuses))
    q = request.args.get("q", "").strip()
    if q:
        query = query.where(Product.name.contains(q) | Product.model.contains(q))
    rows = list(query.order_by(Product.updated_at.desc()))
    return render_template("portal/products.html", unit=unit, tabs=TABS, tab=tab, tab_counts=tab_counts,
                           rows=rows, q=q, blockers=filing_blockers(unit))


@bp.post("/products/new")
def product_new():
    unit = _unit()
    blockers = filing_blockers(unit)
    if blockers:
        for message, _endpoint in blockers:
            flash(message, "warning")
        return redirect(url_for("portal.products"))
    product = Product.create(unit=unit)
    return redirect(url_for("portal.product_info", product_id=product.id))


def _info_form(product):
    data = {}
    for name in ("gtin", "name", "model", "trademark", "intro", "purpose", "purpose_other", "export_other",
                 "first_year", *(n for n, _ in filing_rules.MONEY), "market_share", "gross_margin",
                 "contribution_method", "method_k", "method_explanation", "contribution_index"):
        value = getattr(product, name)
        data[name] = "" if value is None else str(value)
    data["category"] = product.category_id or ""
    data["industry"] = f"{product.industry_id} {product.industry.name}" if product.industry_id else ""
    data["export_countries"] = product.export_countries or []
    data["special_industry"] = "1" if product.special_industry else ""
    data["compulsory_cert"] = "1" if product.compulsory_cert else ""
    return data


@bp.route("/products/<int:product_id>/info", methods=["GET", "POST"])
def product_info(product_id):
    """Wizard step 1: 产品信息. Every valid value is saved as the draft; the invalid ones stay
    in the form with their messages."""
    product = _own_product(product_id)
    editable = product.status in EDITABLE
    errors = {}
    form = _info_form(product)
    if request.method == "POST":
        if not editable:
            abort(409)
        data = request.form.to_dict()
        data["export_countries"] = request.form.getlist("export_countries")
        values, errors = filing_rules.clean_product_info(data)
        good = {k: v for k, v in values.items() if k not in errors and v is not None}
        if good:
            from models import utcnow

            Product.update(**good, updated_at=utcnow()).where(Product.id == product.id).execute()
        if not errors:
            flash(_("产品信息已保存。"), "success")
            return redirect(url_for("portal.product_info", product_id=product.id))
        form = {**data}
    return render_template(
        "portal/product_info.html", product=product, form=form, errors=errors, editable=editable,
        purposes=Option.choices("filing_purpose"), countries=Country.select().order_by(Country.name_zh),
        industries=Industry.select().where(Industry.level == 4).order_by(Industry.code),
        categories=ProductCategory.select().order_by(ProductCategory.code), methods=filing_rules.METHODS,
        money=filing_rules.MONEY,
    ), (400 if errors else 200)
