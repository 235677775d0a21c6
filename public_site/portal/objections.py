"""Portal: the public's objections against the unit's products (manual §九) — the list, and the
objection's page with the handler's 请单位说明 and the form of the unit's reply (text and PDF /
image attachments, checked by content; on an error every upload is kept). The unit never sees
who objected beyond 公众, nor the objector's phone, e-mail, organisation or files (only how
many). Another unit's objection does not exist for this one (404)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_security import current_user

import workflows
from domain.objections import handling
from infra import storage
from infra.validators import paging, row_id
from models import Objection, StoredFile
from public_site.portal.base import bp, current_unit, owned, verified

LIST_PAGE = 20
ALLOWED = storage.DOCUMENT_KINDS  # PDF and images


@bp.get("/objections")
@verified
def objections():
    unit = current_unit()
    query = handling.of_unit(unit)
    total = query.count()
    paged = paging(request.args.get("page"), total, LIST_PAGE)
    if paged.message and total:
        flash(paged.message, "info")
    rows = list(query.paginate(paged.number, LIST_PAGE))
    return render_template("portal/objections.html", rows=rows, reply_state=handling.reply_state,
                           page=paged.number, total=total, per_page=LIST_PAGE)


def _uploads():
    """The reply's files: new uploads stored at once when valid, and those kept from an earlier
    failed submit (hidden file_id, owned by this account). Returns (files, errors)."""
    stored, errors = [], []
    for kept in request.form.getlist("file_id"):
        row = StoredFile.get_or_none(StoredFile.id == row_id(kept), StoredFile.owner == current_user.id)
        if row is not None and row not in stored:
            stored.append(row)
    for upload in request.files.getlist("files"):
        if not (upload and upload.filename):
            continue
        try:
            stored.append(storage.save_upload(upload, ALLOWED, owner=current_user._get_current_object()))
        except storage.UploadError as exc:
            errors.append(exc.message)
    return stored, errors


@bp.route("/objections/<int:objection_id>", methods=["GET", "POST"])
@verified
def objection(objection_id):
    item = owned(Objection, objection_id)
    errors, files, text = {}, [], ""
    if request.method == "POST":
        text = request.form.get("reply", "")
        files, upload_errors = _uploads()
        if not handling.may_reply(item):
            flash(_("该异议当前无需说明或已说明"), "warning")
            return redirect(url_for("portal.objection", objection_id=item.id))
        errors = dict(handling.reply_problems(text, files))
        if upload_errors:
            errors["files"] = "；".join(str(e) for e in upload_errors)
        if not errors:
            try:
                handling.unit_reply(item, current_user, text, files)
            except workflows.WorkflowError as exc:
                errors = getattr(exc, "fields", None) or {"reply": exc.message}
            else:
                flash(_("说明已提交，异议处理人员将尽快处理。"), "success")
                return redirect(url_for("portal.objection", objection_id=item.id))
    return render_template(
        "portal/objection.html", item=item, product=item.recognition.product, recognition=item.recognition,
        objector_files=len(handling.files_of(item, handling.OBJECTOR_FILE)),
        unit_files=handling.files_of(item, handling.UNIT_FILE), reply_state=handling.reply_state(item),
        may_reply=handling.may_reply(item), errors=errors, files=files, text=text,
        reply_min=handling.REPLY_MIN, reply_max=handling.REPLY_MAX, files_max=handling.REPLY_FILES_MAX,
    ), (400 if errors else 200)
