"""专利密集型产品认定管理 (manual §七): the unit's products in 公示中 / 已认定 / 撤销认定 / 已过期,
and, for 已认定, the downloads of 认定证书 (PDF), the QR code and the 认定标识 (PNG, SVG) —
the unit's own only (owned(): another unit's is a 404), through storage's permission check."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_security import current_user

from domain.objections import handling as objections
from domain.recognition import documents, unit_lists
from infra import storage
from infra.validators import paging
from models import Recognition
from public_site.portal.base import bp, current_unit, owned, verified
from workflows import RecognitionStatus

LIST_PAGE = 20
# download name in the URL -> the Recognition column holding the file
DOWNLOADS = {
    "certificate.pdf": "certificate_file",
    "qr.png": "qr_file",
    "qr.svg": "qr_svg_file",
    "mark.png": "mark_file",
    "mark.svg": "mark_svg_file",
}


@bp.get("/recognitions")
@verified
def recognitions():
    unit = current_unit()
    tab = request.args.get("tab", str(RecognitionStatus.NOTICE))
    if tab not in unit_lists.TAB_STATUS:
        abort(404)
    status = unit_lists.TAB_STATUS[tab]
    counts = unit_lists.counts(unit)
    paged = paging(request.args.get("page"), counts[tab], LIST_PAGE)
    if paged.message and counts[tab]:
        flash(paged.message, "info")
    rows = unit_lists.listing(unit, tab, paged.number, LIST_PAGE)
    ready = {rec.id: documents.ensure(rec) for rec in rows if rec.status == RecognitionStatus.RECOGNISED}
    revoked = unit_lists.revocations([rec.id for rec in rows]) if status == RecognitionStatus.REVOKED else {}
    return render_template("portal/recognition.html", tabs=unit_lists.tabs(), tab=tab, tab_counts=counts,
                           status=status, rows=rows, ready=ready, revoked=revoked, downloads=DOWNLOADS,
                           objections=objections.counts_by_product(rec.product_id for rec in rows),
                           page=paged.number, total=counts[tab], per_page=LIST_PAGE)


@bp.get("/recognitions/<int:recognition_id>/<name>")
@verified
def recognition_download(recognition_id, name):
    """One document of the unit's own recognised product, as a download."""
    rec = owned(Recognition, recognition_id)
    column = DOWNLOADS.get(name)
    if column is None or rec.status != RecognitionStatus.RECOGNISED:
        abort(404)
    stored = getattr(rec, column)
    if stored is None:
        documents.ensure(rec)
        flash(_l("证书生成中，请稍后刷新页面再下载。"), "info")
        return redirect(url_for("portal.recognitions", tab=str(RecognitionStatus.RECOGNISED)))
    return storage.send(stored, current_user, as_attachment=True)
