"""Portal: 专利信息管理 (list with filters, 自动导入专利 with progress, 手动新增专利, delete)."""

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_security import current_user

import jobs
from domain import patents
from infra.validators import FormErrors, paging
from models import UnitPatent
from public_site.portal.base import bp, current_unit, owned, verified

PER_PAGE = 20
AUTO_IMPORT = "patents.auto_import"


@bp.get("/patents")
@verified
def patents_list():
    unit = current_unit()
    query = patents.search(unit, request.args)
    total = query.count()
    page = paging(request.args.get("page"), total, PER_PAGE)
    if page.message:
        flash(page.message, "info")
    rows = list(query.paginate(page.number, PER_PAGE))
    names = unit.all_names()
    claims = {link.id: patents.link_claim(link, link.patent, names) for link in rows}
    args = {k: v for k, v in request.args.items() if k in patents.FILTERS and v}
    return render_template(
        "portal/patents.html", unit=unit, rows=rows, total=total, page=page.number, per_page=PER_PAGE,
        args=args, all_count=unit.patents.count(), kinds=patents.KIND_LABELS,
        statuses=patents.STATUS_LABELS, acquisitions=patents.ACQUISITIONS,
        assignment_kinds=patents.ASSIGNMENT_KINDS, can_delete=patents.can_delete, claims=claims,
        job_id=request.args.get("job", ""), errors={}, form={},
    )


@bp.post("/patents/auto-import")
@verified
def patents_auto_import():
    unit = current_unit()
    job_id = jobs.enqueue(AUTO_IMPORT, unit.id, started_by=current_user.id)
    return redirect(url_for("portal.patents_list", job=job_id))


@bp.get("/patents/jobs/<job_id>")
def patents_job(job_id):
    """The progress of an 自动导入专利 this account started (anyone else's: 404)."""
    state = jobs.status(job_id, name=AUTO_IMPORT, started_by=current_user.id)
    if state is None:
        abort(404)
    return jsonify(state)


@bp.route("/patents/new", methods=["GET", "POST"])
@verified
def patents_new():
    unit = current_unit()
    errors, uploads = {}, {}
    if request.method == "POST":
        try:
            link = patents.add_manual(unit, request.form, request.files)
        except FormErrors as exc:
            errors, uploads = exc.errors, getattr(exc, "uploads", {})
        else:
            if link.proof_file_id:
                flash(_("已添加专利 %(number)s。专利权依据您上传的%(proof)s，将由审核员核验。",
                        number=link.patent.display_number, proof=patents.PROOF_LABELS[link.acquisition]), "success")
            else:
                flash(_("已添加专利 %(number)s。", number=link.patent.display_number), "success")
            return redirect(url_for("portal.patents_list"))
    return render_template("portal/patent_new.html", unit=unit, form=request.form, errors=errors, uploads=uploads,
                           acquisitions=patents.ACQUISITIONS, proof_labels=patents.PROOF_LABELS,
                           assignment_kinds=patents.ASSIGNMENT_KINDS), (400 if errors else 200)


@bp.post("/patents/<int:link_id>/delete")
@verified
def patents_delete(link_id):
    link = owned(UnitPatent, link_id)
    if not patents.delete_manual(link):
        flash(_("自动导入的专利和已被备案产品关联的专利不能删除。"), "danger")
    else:
        flash(_("已删除专利 %(number)s。", number=link.patent.display_number), "success")
    return redirect(url_for("portal.patents_list"))
