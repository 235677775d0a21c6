"""Portal: 产品备案信息更新 (manual §六) — the list with its tabs 未更新 / 待审核 / 不通过 /
已更新, the window and asset-info gates, 更新 (the three steps 产品信息 / 专利信息 / 证明材料
over the update's draft, autosaved), 确认无变化, 提交审核 and 修改 after 不通过.

The views parse the request and call domain.updates (opening an update, the locked fields,
确认无变化) and the drafts service (every write of the draft); statuses change in
workflows.apply only. 产品名称, 规格型号, 商品条码 and 本产品首次生产年份 are shown read-only
and never written, whatever a form posts (domain.updates.LOCKED_FIELDS).
"""

from datetime import UTC, datetime

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user

import workflows
from domain import patents, transitions, updates
from domain.filing import drafts
from domain.filing import review as product_review
from domain.filing import rules as filing_rules
from domain.updates import editing
from infra import storage
from infra.validators import row_id
from models import SHANGHAI, AuditLog, Industry, Option, Patent, Product, UnitPatent, YearlyUpdate
from public_site.portal.base import bp, current_unit, owned, verified
from public_site.portal.filing import (
    INFO_FIELDS,
    STEP_UPLOADS,
    UPLOADS,
    category_matches,
    countries_by_pinyin,
    flash_linked,
    form_texts,
)

U = workflows.UpdateStatus
# 未更新 待审核 不通过 已更新
TAB_LABELS = {status: workflows.STATUS_LABELS["update"][status] for status in updates.TABS}
STEPS = (
    ("info", _l("产品信息"), "portal.update_info"),
    ("patents", _l("专利信息"), "portal.update_patents"),
    ("materials", _l("证明材料"), "portal.update_materials"),
)
STEP_ENDPOINTS = {key: endpoint for key, _label, endpoint in STEPS}
EDITABLE = transitions.sources("update", "submit")
MATERIAL_FLAGS = ("special_industry", "compulsory_cert")


def blockers(unit):
    """(message, endpoint) pairs that stop an update now: the unit's 实名认证, a pending change
    of its information, last year's 资产信息 (the submit guards' own messages)."""
    found = []
    for guard in (transitions.guard_unit_approved, transitions.guard_no_pending_change,
                  transitions.guard_asset_info_present):
        message = guard(unit, {})
        if message:
            found.append((message, guard.link))
    return found


@bp.get("/updates", endpoint="updates")
@verified
def updates_list():
    unit = current_unit()
    state = updates.window_state()
    tab = request.args.get("tab", U.DRAFT)
    if tab not in TAB_LABELS:
        abort(404)
    rows = list(updates.tab_query(unit, state.year, tab))
    started = [r.yearly.id for r in rows if getattr(r, "yearly", None) and r.yearly.id]
    return render_template("portal/updates.html", unit=unit, state=state, tab=tab, tabs=TAB_LABELS,
                           counts=updates.tab_counts(unit, state.year), rows=rows,
                           blockers=blockers(unit) if state.open else [],
                           closed_message=None if state.open else editing.closed_message(state),
                           rejections=_rejections(started))


def _rejections(update_ids):
    """{update id: its last 不通过 AuditLog row}."""
    if not update_ids:
        return {}
    rows = (AuditLog.select().where(AuditLog.object_type == "update", AuditLog.object_id.in_(update_ids),
                                    AuditLog.event == "reject").order_by(AuditLog.id))
    return {r.object_id: r for r in rows}


def _gate(unit):
    """Flash what stops an update now and say whether anything does."""
    found = blockers(unit)
    for message, _endpoint in found:
        flash(message, "warning")
    return bool(found)


def _opened(product_id):
    """(product, its update of the year opened) for 更新 and 确认无变化; (product, None) when
    something stops it, said in flashed messages."""
    product = owned(Product, product_id)
    if _gate(product.unit):
        return product, None
    try:
        return product, editing.open_update(product)
    except editing.NotOpen as exc:
        flash(exc.message, "warning")
        return product, None


@bp.post("/updates/product/<int:product_id>/start")
@verified
def update_start(product_id):
    """更新 (and 修改): the product's update of the year, then its first step."""
    _product, update = _opened(product_id)
    if update is None:
        return redirect(url_for("portal.updates"))
    return redirect(url_for("portal.update_info", update_id=update.id))


@bp.post("/updates/product/<int:product_id>/confirm")
@verified
def update_confirm(product_id):
    """确认无变化: submit the product's current data as this year's update, in one click."""
    product, update = _opened(product_id)
    if update is None:
        return redirect(url_for("portal.updates"))
    try:
        editing.confirm_no_change(update, current_user)
    except drafts.DraftError as exc:
        flash(exc.message, "warning")
        return redirect(url_for("portal.updates"))
    except workflows.WorkflowError as exc:
        for message in exc.errors:
            flash(message, "danger")
        return redirect(url_for("portal.updates"))
    flash(_("“%(name)s”已确认无变化并提交审核。", name=product.name), "success")
    return redirect(url_for("portal.updates", tab=U.PENDING))


# ---------------------------------------------------------------- the three steps


def _own_update(update_id):
    return owned(YearlyUpdate, update_id)


def _editable(update):
    return update.status in EDITABLE and updates.window_state().open and update.year == updates.window_state().year


def _autosave():
    return request.headers.get("X-Autosave") == "1" or request.args.get("autosave") == "1"


def _rejection(update):
    if update.status != U.REJECTED:
        return None
    return _rejections([update.id]).get(update.id)


def _files_by_kind(data):
    stored = updates.stored_files(data)
    grouped = {kind: [] for kind in UPLOADS}
    for entry in data.get("files") or []:
        if entry["file_id"] in stored:
            grouped.setdefault(entry["kind"], []).append(stored[entry["file_id"]])
    return grouped


def _render(step, update, status=200, **context):
    update = YearlyUpdate.get_by_id(update.id)
    data = drafts.UpdateDraft(update).current()
    context.setdefault("errors", {})
    return render_template(
        f"portal/updates_{step}.html", update=update, product=update.product, data=data, step=step, steps=STEPS,
        editable=_editable(update), rejection=_rejection(update), files=_files_by_kind(data), uploads=UPLOADS,
        file_labels=filing_rules.FILE_KINDS, locked=updates.LOCKED_FIELDS, locked_message=updates.LOCKED_MESSAGE,
        labels=product_review.FIELD_LABELS, show=product_review.display_value, **context,
    ), status


def _refuse(exc):
    """A write after 提交审核, or one from a page read before another window's save."""
    message = exc.message
    if _autosave():
        return jsonify(locked=isinstance(exc, drafts.DraftLocked), conflict=isinstance(exc, drafts.DraftConflict),
                       message=str(message) + _("请重新打开本页。"), theirs={}), 409
    flash(str(message) + _("请重新打开本页。"), "danger")
    return None


def _saved(update, step, errors, version):
    if _autosave():
        return jsonify(saved_at=datetime.now(UTC).astimezone(SHANGHAI).strftime("%H:%M:%S"), version=version,
                       base={}, errors={k: str(v) for k, v in errors.items() if request.form.get(k, "").strip()})
    if errors:
        return None
    following = request.form.get("goto")
    if following in STEP_ENDPOINTS:
        return redirect(url_for(STEP_ENDPOINTS[following], update_id=update.id))
    flash(_("已保存。"), "success")
    return redirect(url_for(STEP_ENDPOINTS[step], update_id=update.id))


def _take_files(update, kinds, version):
    """Store the step's uploads; a bad file is reported at its field. ({kind: message}, version)."""
    errors = {}
    draft = drafts.UpdateDraft(update)
    for kind in kinds:
        allowed, several, _accept = UPLOADS[kind]
        uploads = [f for f in request.files.getlist(kind) if f and f.filename]
        problems = []
        for upload in uploads if several else uploads[:1]:
            try:
                stored = storage.save_upload(upload, allowed, owner=update.product.unit.user)
            except storage.UploadError as exc:
                problems.append(str(exc.message))
                continue
            version = draft.add_file(kind, stored, expected=version).version
        if problems:
            errors[kind] = "；".join(problems)
    remove = request.form.get("remove_file", type=int)
    if remove is not None:
        version = draft.remove_file(remove, expected=version).version
    return errors, version


@bp.route("/updates/<int:update_id>/info", methods=["GET", "POST"])
@verified
def update_info(update_id):
    """Step 1: 产品信息 — the locked fields shown, the others editable, images."""
    update = _own_update(update_id)
    data = drafts.UpdateDraft(update).current()
    stored = form_texts(data["fields"])
    form, errors = stored, {}
    if request.method == "POST":
        if not _editable(update):
            return _refuse(drafts.DraftLocked(update.status)) or redirect(url_for("portal.update_info",
                                                                                  update_id=update.id))
        sent = request.form.to_dict()
        sent["export_countries"] = request.form.getlist("export_countries")
        # The locked fields are what is stored, whatever was posted.
        form = {**{k: sent.get(k, "") for k in INFO_FIELDS}, **{k: stored[k] for k in updates.LOCKED_FIELDS}}
        values, errors = filing_rules.clean_product_info(form)
        good = {k: v for k, v in values.items() if k not in errors and (v is not None or not form.get(k))}
        if values.get("category_other") and "category_other" not in errors:
            good["category"] = None  # 其他 replaces a category picked before (as in the filing wizard)
        try:
            version = editing.save_fields(update, good, expected=request.form.get("version", type=int)).version
            if not _autosave():
                file_errors, version = _take_files(update, STEP_UPLOADS["info"], version)
                errors.update(file_errors)
        except drafts.DraftError as exc:
            response = _refuse(exc)
            if response is not None:
                return response
            return redirect(url_for("portal.update_info", update_id=update.id))
        response = _saved(update, "info", errors, version)
        if response is not None:
            return response
    return _render("info", update, status=400 if errors else 200, form=form, errors=errors,
                   purposes=Option.choices("filing_purpose"), countries=countries_by_pinyin(),
                   industries=Industry.select().where(Industry.level == 4).order_by(Industry.code),
                   categories=category_matches(form.get("category", "")), methods=filing_rules.METHODS,
                   money=filing_rules.MONEY)


def _posted_flags():
    pids = set()
    for key in request.form:
        prefix, _sep, pid = key.rpartition("-")
        if prefix in ("public", "core", "litigated", "case") and pid.isdigit():
            pids.add(int(pid))
    return {pid: {"public": bool(request.form.get(f"public-{pid}")), "core": bool(request.form.get(f"core-{pid}")),
                  "litigated": bool(request.form.get(f"litigated-{pid}")),
                  "case_number": request.form.get(f"case-{pid}", "").strip()}
            for pid in sorted(pids)}


@bp.route("/updates/<int:update_id>/patents", methods=["GET", "POST"])
@verified
def update_patents(update_id):
    """Step 2: 专利信息 — the linked patents with their flags, 取消关联, and the unit's own
    valid patents to link."""
    update = _own_update(update_id)
    if request.method == "POST":
        if not _editable(update):
            return _refuse(drafts.DraftLocked(update.status)) or redirect(url_for("portal.update_patents",
                                                                                  update_id=update.id))
        draft = drafts.UpdateDraft(update)
        try:
            version = draft.set_patent_flags(_posted_flags(), expected=request.form.get("version", type=int)).version
            remove = None if _autosave() else request.form.get("remove_patent", type=int)
            if remove:
                version = draft.unlink_patent(remove, expected=version).version
                flash(_("已取消关联。"), "success")
                return redirect(url_for("portal.update_patents", update_id=update.id))
        except drafts.DraftError as exc:
            response = _refuse(exc)
            if response is not None:
                return response
            return redirect(url_for("portal.update_patents", update_id=update.id))
        response = _saved(update, "patents", {}, version)
        if response is not None:
            return response
    data = drafts.UpdateDraft(update).current()
    ids = [e["patent_id"] for e in data["patents"]]
    by_id = {p.id: p for p in Patent.select().where(Patent.id.in_(ids))} if ids else {}
    links = [(e, by_id.get(e["patent_id"])) for e in data["patents"]]
    choices = (Patent.select().join(UnitPatent).where(UnitPatent.unit == update.product.unit_id,
                                                       Patent.legal_status == "valid", Patent.id.not_in(ids or [0]))
               .order_by(Patent.display_number))
    problems = {p.field: p for p in updates.update_rules(update) if p.step == "patents"}
    return _render("patents", update, links=links, choices=list(choices), problems=problems,
                   kinds=patents.KIND_LABELS, statuses=patents.STATUS_LABELS)


@bp.post("/updates/<int:update_id>/patents/link")
@verified
def update_patents_link(update_id):
    """关联: link the ticked patents of the unit's own list."""
    update = _own_update(update_id)
    if not _editable(update):
        abort(409, description=drafts.LOCKED)
    wanted = [i for i in map(row_id, request.form.getlist("patent_ids")) if i is not None]
    try:
        written = drafts.UpdateDraft(update).link_patents(wanted)
    except drafts.DraftError as exc:
        abort(409, description=exc.message)
    flash_linked(written)
    return redirect(url_for("portal.update_patents", update_id=update.id))


@bp.route("/updates/<int:update_id>/materials", methods=["GET", "POST"])
@verified
def update_materials(update_id):
    """Step 3: 证明材料, the self-check and 提交审核."""
    update = _own_update(update_id)
    errors, submit_errors = {}, None
    if request.method == "POST":
        if not _editable(update):
            return _refuse(drafts.DraftLocked(update.status)) or redirect(url_for("portal.update_materials",
                                                                                  update_id=update.id))
        flags = {name: bool(request.form.get(name)) for name in MATERIAL_FLAGS}
        try:
            version = editing.save_fields(update, flags, expected=request.form.get("version", type=int)).version
            if not _autosave():
                errors, version = _take_files(update, STEP_UPLOADS["materials"], version)
        except drafts.DraftError as exc:
            response = _refuse(exc)
            if response is not None:
                return response
            return redirect(url_for("portal.update_materials", update_id=update.id))
        if request.form.get("submit") and not errors and not _autosave():
            try:
                editing.submit(update, current_user)
            except workflows.WorkflowError as exc:
                submit_errors = exc.errors
            else:
                flash(_("已提交审核，请等待信息更新审核。审核结果将以短信和站内消息通知。"), "success")
                return redirect(url_for("portal.updates", tab=U.PENDING))
        else:
            response = _saved(update, "materials", errors, version)
            if response is not None:
                return response
    fresh = YearlyUpdate.get_by_id(update.id)
    problems = []
    if _editable(fresh):
        problems = [(message, url_for(endpoint)) for message, endpoint in blockers(fresh.product.unit)]
        problems += [(p.message, url_for(STEP_ENDPOINTS[p.step], update_id=fresh.id)) for p in
                     updates.update_rules(fresh)]
    checks = updates.pre_review_checks(fresh) if _editable(fresh) else []
    status = 400 if errors or submit_errors is not None else 200
    return _render("materials", fresh, status=status, errors=errors, problems=problems, checks=checks,
                   submit_failed=submit_errors is not None)
