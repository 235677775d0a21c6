"""Portal: 产品备案管理 — the list with its tabs, 填报 (a new draft), the three-step wizard
产品信息 / 专利信息 / 证明材料 (saved at every step and autosaved while typing), the
self-check panel, 提交审核, and revocation (申请撤销备案, 确认撤销)."""

from functools import lru_cache

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user
from pypinyin import lazy_pinyin

import workflows
from domain import patents, transitions, visibility
from domain.filing import reference as rate_reference
from domain.filing import review as product_review
from domain.filing import rules as filing_rules
from infra import storage
from models import (
    AuditLog,
    Country,
    Industry,
    Option,
    Patent,
    Product,
    ProductCategory,
    ProductFile,
    ProductPatent,
    UnitPatent,
    count_by,
    shanghai_time,
    utcnow,
)
from public_site.portal.base import bp, current_unit, owned

S = workflows.ProductStatus
TABS = (
    (S.DRAFT, _l("未提交"), (S.DRAFT,)),
    (S.PENDING, _l("待审核"), (S.PENDING,)),
    (S.REJECTED, _l("不通过"), (S.REJECTED,)),
    (S.FILED, _l("已备案"), visibility.FILED),  # also while a revocation is reviewed
    (S.REVOKED, _l("撤销备案"), (S.REVOKED,)),
)
# A filing can be edited in the states it can be submitted from (未提交, 不通过).
EDITABLE = transitions.sources("product", "submit")
STEPS = (
    ("info", _l("产品信息"), "portal.product_info"),
    ("patents", _l("专利信息"), "portal.product_patents"),
    ("materials", _l("证明材料"), "portal.product_materials"),
)
STEP_ENDPOINTS = {key: endpoint for key, _label, endpoint in STEPS}
# File kind -> (accepted types, several allowed, accept attribute)
UPLOADS = {
    "main_image": (storage.IMAGE_KINDS, False, ".png,.bmp,.jpg,.jpeg"),
    "other_image": (storage.IMAGE_KINDS, True, ".png,.bmp,.jpg,.jpeg"),
    "economic_proof": (("pdf",), True, ".pdf"),
    "production_licence": (("pdf",), True, ".pdf"),
    "certification": (("pdf",), True, ".pdf"),
    "intro_image": (storage.IMAGE_KINDS, True, ".png,.bmp,.jpg,.jpeg"),
    "intro_video": (("mp4",), True, ".mp4"),
}
STEP_UPLOADS = {
    "info": ("main_image", "other_image"),
    "materials": ("economic_proof", "production_licence", "certification", "intro_image", "intro_video"),
}
PICK_PAGE = 10
LIST_PAGE = 20
REVOCATION_REASON_MAX = 500



def _own_product(product_id):
    return owned(Product, product_id)


def _editable_or_409(product):
    if product.status not in EDITABLE:
        abort(409, description=_l("已提交或已备案的信息已锁定，不能修改。"))


def _autosave():
    return request.headers.get("X-Autosave") == "1" or request.args.get("autosave") == "1"  # fetch / beacon


def _touch(product, **values):
    Product.update(**values, updated_at=utcnow()).where(Product.id == product.id).execute()


def filing_blockers(unit):
    """(message, endpoint) pairs that stop a new filing now (the submit guards' reasons)."""
    probe = Product(unit=unit)
    blockers = []
    for guard in (transitions.guard_unit_approved, transitions.guard_no_pending_change,
                  transitions.guard_asset_info_present):
        message = guard(probe, {})
        if message:
            blockers.append((message, guard.link))
    return blockers


@bp.get("/products")
def products():
    unit = current_unit()
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
    total = query.count()
    page = max(request.args.get("page", 1, type=int), 1)
    last = max(-(-total // LIST_PAGE), 1)
    if page > last:
        if total:
            flash(_("页码超出范围，已显示最后一页。"), "info")
        page = last
    rows = list(query.order_by(Product.updated_at.desc(), Product.id.desc()).paginate(page, LIST_PAGE))
    prompted = list(Product.select().where(Product.unit == unit, Product.status == S.FILED,
                                           Product.revocation_prompt_at.is_null(False)))
    return render_template("portal/products.html", unit=unit, tabs=TABS, tab=tab, tab_counts=tab_counts,
                           rows=rows, q=q, blockers=filing_blockers(unit), prompted=prompted,
                           page=page, total=total, per_page=LIST_PAGE)


@bp.post("/products/new")
def product_new():
    unit = current_unit()
    blockers = filing_blockers(unit)
    if blockers:
        for message, _endpoint in blockers:
            flash(message, "warning")
        return redirect(url_for("portal.products"))
    product = Product.create(unit=unit)
    return redirect(url_for("portal.product_info", product_id=product.id))


# ---------------------------------------------------------------- shared by the steps


def _files_by_kind(product):
    grouped = {kind: [] for kind in UPLOADS}
    for pf in product.files.join(ProductFile.file.rel_model).order_by(ProductFile.sort, ProductFile.id):
        grouped.setdefault(pf.kind, []).append(pf)
    return grouped


def _take_files(product, kinds):
    """Store every acceptable upload of the step's file fields at once; a bad file is
    reported at its field and does not stop the others. Returns {kind: message}."""
    errors = {}
    for kind in kinds:
        allowed, several, _accept = UPLOADS[kind]
        uploads = [f for f in request.files.getlist(kind) if f and f.filename]
        if not several:
            uploads = uploads[:1]
        problems = []
        for upload in uploads:
            try:
                stored = storage.save_upload(upload, allowed, owner=product.unit.user)
            except storage.UploadError as exc:
                problems.append(str(exc.message))
                continue
            if not several:  # 产品主图: the new one replaces the old
                ProductFile.delete().where(ProductFile.product == product, ProductFile.kind == kind).execute()
            last = product.files.where(ProductFile.kind == kind).count()
            ProductFile.create(product=product, file=stored, kind=kind, sort=last)
        if problems:
            errors[kind] = "；".join(problems)
    return errors


def _remove_file(product):
    """The 移除 button of a thumbnail or file: unlink it from this draft (earlier
    submitted versions keep their copy)."""
    file_id = request.form.get("remove_file", type=int)
    if file_id is None:
        return False
    removed = ProductFile.delete().where(ProductFile.id == file_id, ProductFile.product == product).execute()
    return bool(removed)


def _rejection(product):
    """The last 不通过 decision (reason and time) of a rejected product."""
    if product.status != S.REJECTED:
        return None
    return (AuditLog.select().where(AuditLog.object_type == "product", AuditLog.object_id == product.id,
                                    AuditLog.event == "reject").order_by(AuditLog.id.desc()).first())


def _render_step(step, product, **context):
    product = Product.get_by_id(product.id)  # fresh status and save time
    return render_template(
        f"portal/product_{step}.html", product=product, step=step, steps=STEPS,
        editable=product.status in EDITABLE, files=_files_by_kind(product), uploads=UPLOADS,
        file_labels=filing_rules.FILE_KINDS, rejection=_rejection(product), **context,
    )


def _after_save(product, step, errors, extra=None):
    """Autosave answers JSON; otherwise 下一步 goes on, 保存 stays, errors re-render."""
    if _autosave():
        # What was typed and not kept; a required field not reached yet is no news while typing.
        fresh = Product.get_by_id(product.id)
        return jsonify(saved_at=shanghai_time(fresh.updated_at, "%H:%M:%S"),
                       errors={k: str(v) for k, v in errors.items() if request.form.get(k, "").strip()})
    if errors:
        return None
    following = request.form.get("goto")
    if following in STEP_ENDPOINTS:
        return redirect(url_for(STEP_ENDPOINTS[following], product_id=product.id))
    flash(_("已保存。"), "success")
    return redirect(url_for(STEP_ENDPOINTS[step], product_id=product.id) + (extra or ""))


# ---------------------------------------------------------------- step 1: 产品信息


def _info_form(product):
    data = {}
    for name in ("gtin", "name", "model", "trademark", "intro", "purpose", "purpose_other", "export_other",
                 "first_year", *(n for n, _ in filing_rules.MONEY), "market_share", "gross_margin",
                 "contribution_method", "method_k", "method_explanation", "contribution_index"):
        value = getattr(product, name)
        data[name] = "" if value is None else filing_rules.decimal_text(value)
    data["category"] = f"{product.category_id} {product.category.name}" if product.category_id else ""
    data["industry"] = f"{product.industry_id} {product.industry.name}" if product.industry_id else ""
    data["export_countries"] = product.export_countries or []
    return data


@bp.route("/products/<int:product_id>/info", methods=["GET", "POST"])
def product_info(product_id):
    """Wizard step 1: 产品信息. Every valid value is saved as the draft; the invalid ones stay
    in the form with their messages; images are stored as soon as they are chosen."""
    product = _own_product(product_id)
    errors = {}
    form = _info_form(product)
    if request.method == "POST":
        _editable_or_409(product)
        data = request.form.to_dict()
        data["export_countries"] = request.form.getlist("export_countries")
        values, errors = filing_rules.clean_product_info(data)
        good = {k: v for k, v in values.items() if k not in errors and v is not None}
        # A cleared optional field is saved cleared, too.
        good.update({k: v for k, v in values.items() if v is None and k not in errors
                     and k in data and not data.get(k, "").strip()})
        _touch(product, **_storable(good))
        if not _autosave():
            errors.update(_take_files(product, STEP_UPLOADS["info"]))
            if _remove_file(product) and not errors:
                flash(_("已移除。"), "success")
                return redirect(url_for("portal.product_info", product_id=product.id) + "#images")
        response = _after_save(product, "info", errors)
        if response is not None:
            return response
        form = {**data}
    return _render_step(
        "info", product, form=form, errors=errors,
        purposes=Option.choices("filing_purpose"), countries=countries_by_pinyin(),
        industries=Industry.select().where(Industry.level == 4).order_by(Industry.code),
        categories=category_matches(form.get("category", "")), methods=filing_rules.METHODS,
        labels={**product_review.FIELD_LABELS, **filing_rules.FILE_KINDS},
        money=filing_rules.MONEY, rate_reference=rate_reference.current(),
    ), (400 if errors else 200)


CATEGORY_LIMIT = 50


@lru_cache(maxsize=1)
def countries_by_pinyin():
    """The country list in the order a Chinese reader looks for a name (阿尔巴尼亚 … 中国香港);
    the table's own order is by character code. Reference data: read once per process."""
    return sorted(Country.select(), key=lambda c: lazy_pinyin(c.name_zh))


def category_matches(text, limit=CATEGORY_LIMIT):
    """统计用产品分类目录 entries matching a code prefix, a name keyword or pinyin initials."""
    text = (text or "").strip().split(" ")[0]
    query = ProductCategory.select()
    if text:
        query = query.where(ProductCategory.code.startswith(text) | ProductCategory.name.contains(text)
                            | ProductCategory.initials.startswith(text.lower()))
    return list(query.order_by(ProductCategory.level.desc(), ProductCategory.code).limit(limit))


@bp.get("/categories")
def category_search():
    """The 产品分类 picker's suggestions (JSON), so the full catalogue never goes to the page."""
    rows = category_matches(request.args.get("q", ""))
    return jsonify([{"code": c.code, "value": f"{c.code} {c.name}", "label": f"{c.code} {c.name} {c.initials}"}
                    for c in rows])


def _storable(values):
    """Column values: nullable text columns store '' rather than NULL."""
    text = {"gtin", "name", "model", "trademark", "intro", "purpose", "purpose_other", "export_other",
            "contribution_method", "method_explanation"}
    return {k: ("" if v is None and k in text else v) for k, v in values.items()}


# ---------------------------------------------------------------- step 2: 专利信息


def _links(product):
    return list(product.patent_links.join(Patent).order_by(ProductPatent.id))


def _patent_problems(product):
    """The patent step's submit rules by row or field (filing_rules owns them)."""
    problems = {}
    for problem in filing_rules.filing_rules(product):
        if problem.step == "patents" and problem.field:
            problems.setdefault(problem.field, problem)
    return problems


def _at_fields(problems):
    """The short text shown at the row or field (the summary names the patent)."""
    return {field: problem.at_field or problem.message for field, problem in problems.items()}


@bp.route("/products/<int:product_id>/patents", methods=["GET", "POST"])
def product_patents(product_id):
    """Wizard step 2: the linked patents and their flags 备案阶段是否公开 / 核心专利 /
    涉诉专利 (→ 案件编号)."""
    product = _own_product(product_id)
    errors = {}
    if request.method == "POST":
        _editable_or_409(product)
        remove = request.form.get("remove_patent", type=int)
        with Product._meta.database.atomic():
            for link in _links(product):
                pid = link.patent_id
                case = request.form.get(f"case-{pid}", "").strip()[:100]
                ProductPatent.update(
                    public=bool(request.form.get(f"public-{pid}")), core=bool(request.form.get(f"core-{pid}")),
                    litigated=bool(request.form.get(f"litigated-{pid}")), case_number=case,
                ).where(ProductPatent.id == link.id).execute()
            if remove and not _autosave():
                ProductPatent.delete().where(ProductPatent.product == product, ProductPatent.patent == remove).execute()
            _touch(product)
        problems = _patent_problems(product)
        errors = _at_fields(problems)
        # Flags and case numbers are kept as typed; a lapsed patent is reported, not a save error.
        blocking = {k: v for k, v in errors.items() if k.startswith("case-")}
        if remove and not _autosave():
            flash(_("已取消关联。"), "success")
            return redirect(url_for("portal.product_patents", product_id=product.id))
        response = _after_save(product, "patents", blocking)
        if response is not None:
            return response
    else:
        problems = _patent_problems(product)
        errors = _at_fields(problems)
    pick = _pick_context(product) if request.args.get("pick") else None
    return _render_step("patents", product, links=_links(product), errors=errors, pick=pick,
                        summary={field: problem.message for field, problem in problems.items()},
                        kinds=patents.KIND_LABELS, statuses=patents.STATUS_LABELS), \
        (400 if request.method == "POST" and any(k.startswith("case-") for k in errors) else 200)


def _pick_context(product):
    """The 关联专利 dialog: the unit's own patents, searched and paged."""
    args = {"number": request.args.get("number", ""), "name": request.args.get("name", "")}
    page = max(request.args.get("page", 1, type=int), 1)
    query = patents.search(product.unit, args)
    total = query.count()
    rows = list(query.paginate(page, PICK_PAGE))
    linked = {pid for (pid,) in ProductPatent.select(ProductPatent.patent).where(ProductPatent.product == product).tuples()}
    return {"rows": rows, "total": total, "page": page, "per_page": PICK_PAGE, "args": args, "linked": linked,
            "kinds": patents.KIND_LABELS, "statuses": patents.STATUS_LABELS}


@bp.get("/products/<int:product_id>/patents/choices")
def product_patent_choices(product_id):
    """The dialog's list, fetched by the page's script (search and pages without reload)."""
    product = _own_product(product_id)
    return render_template("portal/_patent_choices.html", product=product, pick=_pick_context(product))


@bp.post("/products/<int:product_id>/patents/link")
def product_patents_link(product_id):
    """确认 in the 关联专利 dialog: link the ticked patents of the unit's own list."""
    product = _own_product(product_id)
    _editable_or_409(product)
    wanted = [int(v) for v in request.form.getlist("patent_ids") if v.isdigit()]
    own = {up.patent_id: up.patent for up in UnitPatent.select(UnitPatent, Patent).join(Patent)
           .where(UnitPatent.unit == product.unit_id, UnitPatent.patent.in_(wanted))}
    linked = {pid for (pid,) in ProductPatent.select(ProductPatent.patent).where(ProductPatent.product == product).tuples()}
    added, refused = 0, []
    with Product._meta.database.atomic():
        for pid in wanted:
            patent = own.get(pid)
            if patent is None or pid in linked:
                continue
            if patent.legal_status != "valid":
                refused.append(patent.display_number)
                continue
            ProductPatent.create(product=product, patent=pid)
            added += 1
        _touch(product)
    if refused:
        flash(_("以下专利已失效，不能关联：%(numbers)s", numbers="、".join(refused)), "danger")
    if added:
        flash(_("已关联%(n)s项专利，请标记是否公开、核心专利和涉诉专利。", n=added), "success")
    elif not refused:
        flash(_("请勾选要关联的专利。"), "warning")
    return redirect(url_for("portal.product_patents", product_id=product.id))


# ---------------------------------------------------------------- step 3: 证明材料, 提交审核


def _self_check(product):
    """The self-check panel: what stops submission (with where to fix it) and the
    reviewer's automated checks."""
    problems = [(message, url_for(endpoint)) for message, endpoint in filing_blockers(product.unit)]
    for problem in filing_rules.filing_rules(product):
        anchor = f"#f-{problem.field}" if problem.field else ""
        problems.append((problem.message, url_for(STEP_ENDPOINTS[problem.step], product_id=product.id) + anchor))
    return problems, filing_rules.pre_review_checks(product)


@bp.route("/products/<int:product_id>/materials", methods=["GET", "POST"])
def product_materials(product_id):
    """Wizard step 3: 证明材料 and 产品介绍, the self-check panel and 提交审核."""
    product = _own_product(product_id)
    errors = {}
    submit_errors = None
    if request.method == "POST":
        _editable_or_409(product)
        _touch(product, special_industry=bool(request.form.get("special_industry")),
               compulsory_cert=bool(request.form.get("compulsory_cert")))
        if not _autosave():
            errors = _take_files(product, STEP_UPLOADS["materials"])
            if _remove_file(product) and not errors:
                flash(_("已移除。"), "success")
                return redirect(url_for("portal.product_materials", product_id=product.id))
        if request.form.get("submit") and not errors:
            try:
                workflows.apply(Product.get_by_id(product.id), "submit", current_user)
            except workflows.GuardFailed as exc:
                submit_errors = exc.errors
            except workflows.WorkflowError as exc:
                flash(exc.message, "danger")
            else:
                flash(_("已提交审核，请等待备案审核。审核结果将以短信和站内消息通知。"), "success")
                return redirect(url_for("portal.products", tab=S.PENDING))
        else:
            response = _after_save(product, "materials", errors)
            if response is not None:
                return response
    fresh = Product.get_by_id(product.id)
    problems, checks = _self_check(fresh) if fresh.status in EDITABLE else ([], [])
    return _render_step("materials", product, errors=errors, problems=problems, checks=checks,
                        submit_failed=submit_errors is not None,
                        submit_asked=request.method == "POST" and bool(request.form.get("submit"))), \
        (400 if errors or submit_errors is not None else 200)


# ---------------------------------------------------------------- revocation


@bp.route("/products/<int:product_id>/revoke", methods=["GET", "POST"])
def product_revoke(product_id):
    """申请撤销备案 of an 已备案 product, with the reason the reviewer reads."""
    product = _own_product(product_id)
    if workflows.find_transition("product", product.status, "request_revocation") is None:
        abort(409, description=_l("只有已备案的产品可以申请撤销备案。"))
    error, reason = None, ""
    if request.method == "POST":
        reason = request.form.get("reason", "").strip()
        if not reason:
            error = _l("请填写撤销原因")
        elif len(reason) > REVOCATION_REASON_MAX:
            error = _l("撤销原因不能超过%(n)s个字", n=REVOCATION_REASON_MAX)
        else:
            try:
                workflows.apply(product, "request_revocation", current_user, reason=reason)
            except workflows.WorkflowError as exc:
                error = exc.message
            else:
                flash(_("撤销备案申请已提交，请等待平台审核。"), "success")
                return redirect(url_for("portal.products", tab=S.FILED))
    return render_template("portal/product_revoke.html", product=product, error=error, reason=reason), \
        (400 if error else 200)


@bp.post("/products/<int:product_id>/confirm-revocation")
def product_confirm_revocation(product_id):
    """确认撤销: the unit confirms the prompt raised when all linked patents are gone."""
    product = _own_product(product_id)
    try:
        workflows.apply(product, "confirm_revocation", current_user)
    except workflows.WorkflowError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("portal.products", tab=S.FILED))
    flash(_("产品“%(name)s”已撤销备案。", name=product.name), "success")
    return redirect(url_for("portal.products", tab="revoked"))
