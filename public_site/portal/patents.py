"""Portal: 专利信息管理 (list with filters, 自动导入专利 with progress, 手动新增专利, delete)."""

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

import jobs
from domain import patents
from infra.validators import FormErrors
from models import UnitPatent
from public_site.portal.base import bp, current_unit, owned, verified

PER_PAGE = 20



@bp.get("/patents")
@verified
def patents_list():
    unit = current_unit()
    query = patents.search(unit, request.args)
    total = query.count()
    page = max(request.args.get("page", 1, type=int), 1)
    rows = list(query.paginate(page, PER_PAGE))
    args = {k: v for k, v in request.args.items() if k in patents.FILTERS and v}
    return render_template(
        "portal/patents.html", unit=unit, rows=rows, total=total, page=page, per_page=PER_PAGE,
        args=args, all_count=unit.patents.count(), kinds=patents.KIND_LABELS,
        statuses=patents.STATUS_LABELS, acquisitions=patents.ACQUISITIONS,
        assignment_kinds=patents.ASSIGNMENT_KINDS, can_delete=patents.can_delete,
        job_id=request.args.get("job", ""), errors={}, form={},
    )


@bp.post("/patents/auto-import")
@verified
def patents_auto_import():
    unit = current_unit()
    job_id = jobs.enqueue("patents.auto_import", unit.id)
    return redirect(url_for("portal.patents_list", job=job_id))


@bp.get("/patents/jobs/<job_id>")
def patents_job(job_id):
    state = jobs.status(job_id)
    if state is None:
        abort(404)
    return jsonify(state)


@bp.route("/patents/new", methods=["GET", "POST"])
@verified
def patents_new():
    unit = current_unit()
    errors = {}
    if request.method == "POST":
        try:
            link = patents.add_manual(unit, request.form)
        except FormErrors as exc:
            errors = exc.errors
        else:
            flash(_("已添加专利 %(number)s。", number=link.patent.display_number), "success")
            return redirect(url_for("portal.patents_list"))
    return render_template("portal/patent_new.html", unit=unit, form=request.form, errors=errors,
                           acquisitions=patents.ACQUISITIONS,
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
