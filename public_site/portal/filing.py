"""Portal: 产品备案管理 — the list with its tabs, 填报 (a new draft), the three-step wizard
产品信息 / 专利信息 / 证明材料 (saved at every step and autosaved while typing), the
self-check panel, 提交审核, and revocation (申请撤销备案, 确认撤销).

The views parse the request and call the drafts service (domain.filing.drafts), which owns
every write of a draft. A step's form carries the draft's version and `base`, the stored
values it showed. A save from a page read before another window's save: if a value this page
shows was changed there and differs from this page's, nothing is written and the page is told,
with the other value at each such field (409); if not (the other window worked on another
step, or only this page changed those fields) it is written on top. A save after 提交审核
changes nothing and says so (409).
"""

import json
from decimal import Decimal
from functools import lru_cache

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user
from pypinyin import lazy_pinyin

import workflows
from domain import patents, transitions, visibility
from domain.filing import drafts
from domain.filing import reference as rate_reference
from domain.filing import review as product_review
from domain.filing import rules as filing_rules
from domain.filing.snapshots import product_fields, product_snapshot
from infra import storage
from infra.validators import paging, row_id
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
    count_by,
    shanghai_time,
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


def _autosave():
    return request.headers.get("X-Autosave") == "1" or request.args.get("autosave") == "1"  # fetch / beacon


def _expected():
    """The draft version the page was read at (the form's hidden field); None: a request
    without one just writes."""
    return request.form.get("version", type=int)


def _sent_base():
    """The stored values the page was showing when it was read (the form's hidden `base`, a
    step's values as _base_of gives them), or None."""
    try:
        base = json.loads(request.form.get("base") or "null")
    except ValueError:
        return None
    return base if isinstance(base, dict) else None


class PageConflict(Exception):
    """Another window or device saved the draft since this page was read, and a value this
    page shows differs from what it saved: `theirs` {field: the other value as shown},
    `notes` about rows linked or unlinked there; `version` and `current` as saved."""

    def __init__(self, refused, theirs, notes=()):
        super().__init__(str(refused.message))
        self.message, self.version, self.current = refused.message, refused.version, refused.current
        self.theirs, self.notes = theirs, list(notes)


def _first_write(write, differences, retry=True):
    """The request's first write, at the page's version. If another window saved meanwhile
    and nothing this page shows differs from what it saved (it changed another step, or the
    same values), the write goes on top of that save; otherwise PageConflict."""
    expected, refused = _expected(), None
    for _attempt in range(3):
        try:
            return write(expected)
        except drafts.DraftConflict as exc:
            theirs, notes = differences(exc.current)
            if theirs or notes or not retry:
                raise PageConflict(exc, theirs, notes) from exc
            expected, refused = exc.version, exc
    raise PageConflict(refused, {}, [])  # saved again and again elsewhere meanwhile: say so


def _page_conflict(exc, differences):
    """A DraftConflict of a later write of the request (the page's values against the draft now)."""
    return exc if isinstance(exc, PageConflict) else PageConflict(exc, *differences(exc.current))


def _locked(exc):
    """A save that arrived after 提交审核 (or on a filed product): nothing was written."""
    if _autosave():
        return jsonify(locked=True, message=_("已提交或已备案的信息已锁定，本页的修改未保存。")), 409
    abort(409, description=exc.message)


def _conflict_json(step, conflict):
    """Autosave's answer when another window saved first: the other values by field, the
    version they belong to and the page's new base."""
    message = "".join([str(conflict.message), _("请核对标出的字段，点击“保存”将以本页内容为准。"),
                       *map(str, conflict.notes)])
    return jsonify(conflict=True, message=message, theirs=conflict.theirs, version=conflict.version,
                   base=_base_of(step, conflict.current)), 409


def _banner(conflict, kinds=(), submit_asked=False):
    """What the conflict banner says besides the message (templates/portal/_wizard.html)."""
    dropped = any(f and f.filename for kind in kinds for f in request.files.getlist(kind))
    return {"notes": [str(n) for n in conflict.notes], "uploads_dropped": dropped, "submit_asked": submit_asked}


CHECKED = {True: _l("已勾选"), False: _l("未勾选")}
MATERIAL_FLAGS = ("special_industry", "compulsory_cert")  # step 3's two boxes


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
    tab = request.args.get("tab", S.DRAFT)
    statuses = {key: st for key, _label, st in TABS}.get(tab)
    if statuses is None:
        abort(404)
    counts = count_by(Product.select().where(Product.unit == unit), Product.status)
    tab_counts = {key: sum(counts.get(s, 0) for s in st) for key, _label, st in TABS}
    query = Product.select().where(Product.unit == unit, Product.status.in_(statuses))
    q = request.args.get("q", "").strip()
    if q:
        query = query.where(Product.name.contains(q) | Product.model.contains(q))
    total = query.count()
    paged = paging(request.args.get("page"), total, LIST_PAGE)
    if paged.message and total:
        flash(paged.message, "info")
    page = paged.number
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
    product = drafts.open_new(unit)  # an untouched empty draft of the unit's if there is one
    return redirect(url_for("portal.product_info", product_id=product.id))


# ---------------------------------------------------------------- shared by the steps


def _files_by_kind(product):
    grouped = {kind: [] for kind in UPLOADS}
    for pf in product.files.join(ProductFile.file.rel_model).order_by(ProductFile.sort, ProductFile.id):
        grouped.setdefault(pf.kind, []).append(pf)
    return grouped


def _take_files(draft, product, kinds, version):
    """Store every acceptable upload of the step's file fields at once; a bad file is
    reported at its field and does not stop the others. Returns ({kind: message}, the
    draft's version after the last write)."""
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
            version = draft.add_file(kind, stored, expected=version).version  # 产品主图 replaces the old
        if problems:
            errors[kind] = "；".join(problems)
    return errors, version


def _remove_file(draft, version):
    """The 移除 button of a thumbnail or file: unlink it from this draft (earlier
    submitted versions keep their copy). Returns (removed, the draft's version)."""
    file_id = request.form.get("remove_file", type=int)
    if file_id is None:
        return False, version
    written = draft.remove_file(file_id, expected=version)
    return bool(written.count), written.version


def _rejection(product):
    """The last 不通过 decision (reason and time) of a rejected product."""
    if product.status != S.REJECTED:
        return None
    return (AuditLog.select().where(AuditLog.object_type == "product", AuditLog.object_id == product.id,
                                    AuditLog.event == "reject").order_by(AuditLog.id.desc()).first())


def _render_step(step, product, version=None, base=None, **context):
    """A step's page. The form carries `version` and `base`: those of this request's last
    write, or after a conflict those of the values the page shows as the other window's."""
    product = Product.get_by_id(product.id)  # fresh status and save time
    context.setdefault("theirs", {})
    context.setdefault("conflict", None)
    return render_template(
        f"portal/product_{step}.html", product=product, step=step, steps=STEPS,
        editable=product.status in EDITABLE, files=_files_by_kind(product), uploads=UPLOADS,
        file_labels=filing_rules.FILE_KINDS, rejection=_rejection(product),
        version=product.version if version is None else version,
        base=_base_of(step, _stored(step, product)) if base is None else base, **context,
    )


def _after_save(product, step, errors, version, extra=None):
    """Autosave answers JSON (with the new version and base); otherwise 下一步 goes on, 保存
    stays, errors re-render."""
    if _autosave():
        # What was typed and not kept; a required field not reached yet is no news while typing.
        fresh = Product.get_by_id(product.id)
        return jsonify(saved_at=shanghai_time(fresh.updated_at, "%H:%M:%S"), version=version,
                       base=_base_of(step, _stored(step, fresh)),
                       errors={k: str(v) for k, v in errors.items() if request.form.get(k, "").strip()})
    if errors:
        return None
    following = request.form.get("goto")
    if following in STEP_ENDPOINTS:
        return redirect(url_for(STEP_ENDPOINTS[following], product_id=product.id))
    flash(_("已保存。"), "success")
    return redirect(url_for(STEP_ENDPOINTS[step], product_id=product.id) + (extra or ""))


def _stored(step, product):
    """What a step's base needs of the stored draft, in the snapshot's shape."""
    return product_snapshot(product) if step == "patents" else {"fields": product_fields(product)}


def _base_of(step, current):
    """A step's stored values as its page holds them (snapshot shape in): step 1's fields as
    form text, step 2's flags by patent, step 3's two boxes."""
    if step == "info":
        return form_texts(current["fields"])
    if step == "patents":
        return {str(e["patent_id"]): {k: e[k] for k in ("public", "core", "litigated", "case_number")}
                for e in current["patents"]}
    return {name: bool(current["fields"][name]) for name in MATERIAL_FLAGS}


# ---------------------------------------------------------------- step 1: 产品信息

INFO_FIELDS = ("gtin", "name", "model", "category", "category_other", "industry", "trademark", "intro", "purpose",
               "purpose_other", "export_countries", "export_other", "first_year", *(n for n, _ in filing_rules.MONEY),
               "market_share", "gross_margin", "contribution_method", "method_k", "method_explanation",
               "contribution_index")
NUMBERS = {*(n for n, _ in filing_rules.MONEY), "market_share", "gross_margin", "method_k", "contribution_index"}


def form_texts(fields):
    """Step 1's fields (JSON-ready values, as product_fields gives them) as the form shows
    them: text, a code with its name, the list of country codes."""
    data = {}
    for name in INFO_FIELDS:
        value = fields.get(name)
        if name == "export_countries":
            data[name] = list(value or [])
        elif name == "category" and not value and fields.get("category_other"):
            data[name] = filing_rules.OTHER_CATEGORY[0]  # 其他, its text in category_other
        elif value is None or value == "":
            data[name] = ""
        elif name in ("category", "industry"):
            model = ProductCategory if name == "category" else Industry
            row = model.get_or_none(model.code == value)
            data[name] = f"{value} {row.name}" if row else str(value)
        elif name in NUMBERS:
            data[name] = filing_rules.decimal_text(Decimal(str(value)))
        else:
            data[name] = str(value)
    return data


def _info_form(product):
    return form_texts(product_fields(product))


def _shown(name, text):
    """A step-1 value as a reader reads it (the option's name, not its code)."""
    if not text:
        return _("（空）")
    if name == "purpose":
        return Option.name_of("filing_purpose", text)
    if name == "contribution_method":
        return str(filing_rules.METHODS.get(text, text))
    if name == "export_countries":
        names = Country.names(text)
        return "、".join(names.get(code) or (_("其他") if code == "other" else code) for code in text)
    return text


def _same_text(a, b):
    a, b = ("" if a is None else a), ("" if b is None else b)
    if isinstance(a, list) or isinstance(b, list):
        return list(a or []) == list(b or [])
    return str(a).strip() == str(b).strip()


def _info_differences(data, values, errors, fields, base):
    """{field: the other window's value as shown} where the stored fields differ from what
    this page sent (the cleaned values compared, or the text of a field either side has
    wrong) — except a field still as this page was showing it (`base`): only this page
    changed that one."""
    theirs_form = form_texts(fields)
    theirs_values, theirs_errors = filing_rules.clean_product_info(theirs_form)
    differing = {}
    for name in INFO_FIELDS:
        if name not in data:
            continue  # not on the page that was sent
        if base is not None and name in base and _same_text(base[name], theirs_form[name]):
            continue
        if name in errors or name in theirs_errors:
            same = _same_text(data.get(name), theirs_form[name])
        else:
            same = values.get(name) == theirs_values.get(name)
        if not same:
            differing[name] = _shown(name, theirs_form[name])
    return differing


@bp.route("/products/<int:product_id>/info", methods=["GET", "POST"])
def product_info(product_id):
    """Wizard step 1: 产品信息. Every valid value is saved as the draft; the invalid ones stay
    in the form with their messages; images are stored as soon as they are chosen."""
    product = _own_product(product_id)
    errors, theirs, conflict, version, base = {}, {}, None, None, None
    form = _info_form(product)
    if request.method == "POST":
        data = request.form.to_dict()
        for hidden in ("version", "base"):
            data.pop(hidden, None)
        data["export_countries"] = request.form.getlist("export_countries")
        values, errors = filing_rules.clean_product_info(data)
        good = {k: v for k, v in values.items() if k not in errors and v is not None}
        # A cleared optional field is saved cleared, too.
        good.update({k: v for k, v in values.items() if v is None and k not in errors
                     and k in data and not data.get(k, "").strip()})
        if values.get("category_other") and "category_other" not in errors:
            good["category"] = None  # 其他 replaces a category picked before
        sent_base = _sent_base()

        def differences(current):
            return _info_differences(data, values, errors, current["fields"], sent_base), []

        draft = drafts.ProductDraft(product)
        try:
            version = _first_write(lambda v: draft.save_fields(good, expected=v).version, differences)
            if not _autosave():
                file_errors, version = _take_files(draft, product, STEP_UPLOADS["info"], version)
                errors.update(file_errors)
                removed, version = _remove_file(draft, version)
                if removed and not errors:
                    flash(_("已移除。"), "success")
                    return redirect(url_for("portal.product_info", product_id=product.id) + "#images")
        except drafts.DraftLocked as exc:
            return _locked(exc)
        except (drafts.DraftConflict, PageConflict) as exc:
            refused = _page_conflict(exc, differences)
            if _autosave():
                return _conflict_json("info", refused)
            theirs, conflict = refused.theirs, _banner(refused, kinds=STEP_UPLOADS["info"])
            version, base = refused.version, _base_of("info", refused.current)
        else:
            response = _after_save(product, "info", errors, version)
            if response is not None:
                return response
        form = {**data}
    return _render_step(
        "info", product, version=version, base=base, form=form, errors=errors, theirs=theirs, conflict=conflict,
        purposes=Option.choices("filing_purpose"), countries=countries_by_pinyin(),
        industries=Industry.select().where(Industry.level == 4).order_by(Industry.code),
        categories=category_matches(form.get("category", "")), methods=filing_rules.METHODS,
        labels={**product_review.FIELD_LABELS, **filing_rules.FILE_KINDS},
        money=filing_rules.MONEY, rate_reference=rate_reference.current(),
    ), (409 if conflict else 400 if errors else 200)


CATEGORY_LIMIT = 50


@lru_cache(maxsize=1)
def countries_by_pinyin():
    """The country list in the order a Chinese reader looks for a name (阿尔巴尼亚 … 中国香港);
    the table's own order is by character code. Reference data: read once per process."""
    return sorted(Country.select(), key=lambda c: lazy_pinyin(c.name_zh))


def category_matches(text, limit=CATEGORY_LIMIT):
    """统计用产品分类目录 entries matching a code prefix, a name keyword or pinyin initials."""
    text = (text or "").strip().split(" ")[0]
    if text in filing_rules.OTHER_CATEGORY:
        return []
    query = ProductCategory.select().where(ProductCategory.active)
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


FLAG_FIELDS = ("public", "core", "litigated", "case")


def _posted_flags():
    """{patent id: flags} of the rows the page sent (a row's 案件编号 box is always sent; an
    unticked box is not), so a patent linked meanwhile in another window is left alone."""
    pids = set()
    for key in request.form:
        prefix, _sep, pid = key.rpartition("-")
        if prefix in FLAG_FIELDS and pid.isdigit():
            pids.add(int(pid))
    return {pid: {"public": bool(request.form.get(f"public-{pid}")), "core": bool(request.form.get(f"core-{pid}")),
                  "litigated": bool(request.form.get(f"litigated-{pid}")),
                  "case_number": request.form.get(f"case-{pid}", "").strip()[:drafts.CASE_NUMBER_MAX]}
            for pid in sorted(pids)}


def _patent_differences(flags, stored, base):
    """({field: the other window's value} where a row's flags differ from this page's and
    were changed since the page was read (`base`), [notes on rows linked or unlinked in the
    other window])."""
    theirs, notes = {}, []
    saved = {entry["patent_id"]: entry for entry in stored}
    for pid, mine in flags.items():
        entry = saved.get(pid)
        if entry is None:
            continue
        seen = base.get(str(pid)) if base else None
        values = {**{flag: bool(entry[flag]) for flag in ("public", "core", "litigated")},
                  "case_number": entry["case_number"] or ""}
        for key, value in values.items():
            if value == mine[key] or (isinstance(seen, dict) and seen.get(key) == value):
                continue
            field = f"{'case' if key == 'case_number' else key}-{pid}"
            theirs[field] = (value or _("（空）")) if key == "case_number" else str(CHECKED[value])
    gone = [pid for pid in flags if pid not in saved]
    if gone:
        numbers = [n for (n,) in Patent.select(Patent.display_number).where(Patent.id.in_(gone)).tuples()]
        notes.append(_("其他窗口已取消关联：%(numbers)s。", numbers="、".join(numbers)))
    added = [entry["number"] for pid, entry in saved.items()
             if pid not in flags and (base is None or str(pid) not in base)]
    if added and (flags or base):
        notes.append(_("其他窗口新关联了：%(numbers)s。", numbers="、".join(added)))
    return theirs, notes


@bp.route("/products/<int:product_id>/patents", methods=["GET", "POST"])
def product_patents(product_id):
    """Wizard step 2: the linked patents and their flags 备案阶段是否公开 / 核心专利 /
    涉诉专利 (→ 案件编号)."""
    product = _own_product(product_id)
    errors, theirs, mine, conflict, version, base = {}, {}, {}, None, None, None
    if request.method == "POST":
        remove = None if _autosave() else request.form.get("remove_patent", type=int)
        flags = _posted_flags()
        sent_base = _sent_base()

        def differences(current):
            return _patent_differences(flags, current["patents"], sent_base)

        draft = drafts.ProductDraft(product)
        try:
            version = _first_write(lambda v: draft.set_patent_flags(flags, expected=v).version, differences)
            if remove:
                version = draft.unlink_patent(remove, expected=version).version
        except drafts.DraftLocked as exc:
            return _locked(exc)
        except (drafts.DraftConflict, PageConflict) as exc:
            refused = _page_conflict(exc, differences)
            if _autosave():
                return _conflict_json("patents", refused)
            theirs, conflict, mine = refused.theirs, _banner(refused), flags
            version, base = refused.version, _base_of("patents", refused.current)
        problems = _patent_problems(product)
        errors = _at_fields(problems)
        if conflict is None:
            # Flags and case numbers are kept as typed; a lapsed patent is reported, not a save error.
            blocking = {k: v for k, v in errors.items() if k.startswith("case-")}
            if remove:
                flash(_("已取消关联。"), "success")
                return redirect(url_for("portal.product_patents", product_id=product.id))
            response = _after_save(product, "patents", blocking, version)
            if response is not None:
                return response
    else:
        problems = _patent_problems(product)
        errors = _at_fields(problems)
    pick = _pick_context(product) if request.args.get("pick") else None
    case_missing = request.method == "POST" and any(k.startswith("case-") for k in errors)
    status = 409 if conflict else 400 if case_missing else 200
    return _render_step("patents", product, version=version, base=base, links=_links(product), errors=errors,
                        pick=pick, summary={field: problem.message for field, problem in problems.items()},
                        theirs=theirs, mine=mine, conflict=conflict,
                        kinds=patents.KIND_LABELS, statuses=patents.STATUS_LABELS), status


def _pick_context(product):
    """The 关联专利 dialog: the unit's own patents, searched and paged."""
    args = {"number": request.args.get("number", ""), "name": request.args.get("name", "")}
    query = patents.search(product.unit, args)
    total = query.count()
    page = paging(request.args.get("page"), total, PICK_PAGE).number
    rows = list(query.paginate(page, PICK_PAGE))
    linked = {pid for (pid,) in ProductPatent.select(ProductPatent.patent)
              .where(ProductPatent.product == product).tuples()}
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
    wanted = [i for i in map(row_id, request.form.getlist("patent_ids")) if i is not None]
    try:
        written = drafts.ProductDraft(product).link_patents(wanted)
    except drafts.DraftLocked as exc:
        abort(409, description=exc.message)
    flash_linked(written)
    return redirect(url_for("portal.product_patents", product_id=product.id))


def flash_linked(written):
    """What 关联 did (drafts' LinkResult): linked, refused as lapsed, refused as not the unit's."""
    if written.refused:
        flash(_("以下专利已失效，不能关联：%(numbers)s", numbers="、".join(written.refused)), "danger")
    if written.not_held:
        flash(_("以下专利不能作为本单位持有或被许可的专利关联，请在专利信息管理中核对：%(numbers)s",
                numbers="、".join(written.not_held)), "danger")
    if written.count:
        flash(_("已关联%(n)s项专利，请标记是否公开、核心专利和涉诉专利。", n=written.count), "success")
    elif not written.refused and not written.not_held:
        flash(_("请勾选要关联的专利。"), "warning")


# ---------------------------------------------------------------- step 3: 证明材料, 提交审核


def _self_check(product):
    """The self-check panel: what stops submission (with where to fix it) and the
    reviewer's automated checks."""
    problems = [(message, url_for(endpoint)) for message, endpoint in filing_blockers(product.unit)]
    for problem in filing_rules.filing_rules(product):
        anchor = f"#f-{problem.field}" if problem.field else ""
        problems.append((problem.message, url_for(STEP_ENDPOINTS[problem.step], product_id=product.id) + anchor))
    return problems, filing_rules.pre_review_checks(product)


def _material_differences(flags, fields, base):
    """{box: the other window's value} where it differs from this page's and was changed
    since the page was read."""
    return {name: str(CHECKED[bool(fields[name])]) for name in MATERIAL_FLAGS
            if bool(fields[name]) != flags[name] and (base is None or base.get(name) != bool(fields[name]))}


@bp.route("/products/<int:product_id>/materials", methods=["GET", "POST"])
def product_materials(product_id):
    """Wizard step 3: 证明材料 and 产品介绍, the self-check panel and 提交审核."""
    product = _own_product(product_id)
    errors, theirs, mine, conflict, version, base = {}, {}, {}, None, None, None
    submit_errors = None
    submit_asked = request.method == "POST" and bool(request.form.get("submit"))
    if request.method == "POST":
        flags = {name: bool(request.form.get(name)) for name in MATERIAL_FLAGS}
        sent_base = _sent_base()

        def differences(current):
            return _material_differences(flags, current["fields"], sent_base), []

        draft = drafts.ProductDraft(product)
        try:
            # 提交审核 from a page read before another window's save is never made on top of it.
            version = _first_write(lambda v: draft.save_fields(flags, expected=v).version, differences,
                                   retry=not submit_asked)
            if not _autosave():
                errors, version = _take_files(draft, product, STEP_UPLOADS["materials"], version)
                removed, version = _remove_file(draft, version)
                if removed and not errors:
                    flash(_("已移除。"), "success")
                    return redirect(url_for("portal.product_materials", product_id=product.id))
        except drafts.DraftLocked as exc:
            return _locked(exc)
        except (drafts.DraftConflict, PageConflict) as exc:
            refused = _page_conflict(exc, differences)
            if _autosave():
                return _conflict_json("materials", refused)
            conflict = _banner(refused, kinds=STEP_UPLOADS["materials"], submit_asked=submit_asked)
            theirs, mine, version, base = refused.theirs, flags, refused.version, _base_of("materials", refused.current)
        else:
            if submit_asked and not errors:
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
                response = _after_save(product, "materials", errors, version)
                if response is not None:
                    return response
    fresh = Product.get_by_id(product.id)
    problems, checks = _self_check(fresh) if fresh.status in EDITABLE else ([], [])
    status = 409 if conflict else 400 if errors or submit_errors is not None else 200
    return _render_step("materials", product, version=version, base=base, errors=errors, problems=problems,
                        checks=checks, theirs=theirs, mine=mine, conflict=conflict,
                        submit_failed=submit_errors is not None, submit_asked=submit_asked), status


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


@bp.post("/products/<int:product_id>/delete")
def product_delete(product_id):
    """删除草稿: a draft never submitted (the list's button asks for confirmation first)."""
    product = _own_product(product_id)
    try:
        drafts.delete_draft(product, product.unit)
    except drafts.DraftLocked:
        flash(_("只能删除从未提交过的草稿。"), "danger")
        return redirect(url_for("portal.products"))
    flash(_("草稿“%(name)s”已删除。", name=product.name or _("（未命名草稿）")), "success")
    return redirect(url_for("portal.products", tab=S.DRAFT))


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
    return redirect(url_for("portal.products", tab=S.REVOKED))
