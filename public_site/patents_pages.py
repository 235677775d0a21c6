"""Portal: 专利信息管理 (list with filters, 自动导入专利 with progress, 手动新增专利, delete)."""

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

import jobs
import patents
import units
from models import UnitPatent
from public_site.portal import bp, current_unit

PER_PAGE = 20



@bp.get("/patents")
def patents_list():
    unit = current_unit()
    if unit.status != "approved":
        return render_template("portal/locked.html", title=_("专利信息管理"), unit=unit)
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
def patents_auto_import():
    unit = current_unit()
    if unit.status != "approved":
        abort(403)
    job_id = jobs.enqueue("patents.auto_import", unit.id)
    return redirect(url_for("portal.patents_list", job=job_id))


@bp.get("/patents/jobs/<job_id>")
def patents_job(job_id):
    state = jobs.status(job_id)
    if state is None:
        abort(404)
    return jsonify(state)


@bp.route("/patents/new", methods=["GET", "POST"])
def patents_new():
    unit = current_unit()
    if unit.status != "approved":
        abort(403)
    errors = {}
    if request.method == "POST":
        try:
            link = patents.add_manual(unit, request.form)
        except units.FormErrors as exc:
            errors = exc.errors
        else:
            flash(_("已添加专利 %(number)s。", number=link.patent.display_number), "success")
            return redirect(url_for("portal.patents_list"))
    return render_template("portal/patent_new.html", unit=unit, form=request.form, errors=errors,
                           acquisitions=patents.ACQUISITIONS,
                           assignment_kinds=patents.ASSIGNMENT_KINDS), (400 if errors else 200)


@bp.post("/patents/<int:link_id>/delete")
def patents_delete(link_id):
    unit = current_unit()
    link = UnitPatent.get_or_none(UnitPatent.id == link_id, UnitPatent.unit == unit)
    if link is None:
        abort(404)
    if not patents.can_delete(link):
        flash(_("自动导入的专利和已被备案产品关联的专利不能删除。"), "danger")
    else:
        number = link.patent.display_number
        link.delete_instance()
        flash(_("已删除专利 %(number)s。", number=number), "success")
    return redirect(url_for("portal.patents_list"))
