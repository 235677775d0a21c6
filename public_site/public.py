"""Public pages: home, the registration agreement."""

from flask import Blueprint, abort, render_template, request
from flask_security import current_user

from domain import search, statistics
from infra import changes, storage
from infra.extensions import FILE_CSP, PUBLIC_CSP, talisman
from models import Page, StoredFile
from public_site.page_cache import cached_page

bp = Blueprint("public", __name__)


@bp.get("/")
@talisman(content_security_policy=PUBLIC_CSP)
@cached_page
def home():
    figures = search.home_figures()  # read once per public change, not per request
    return render_template("public/home.html", counts=figures.counts, latest=figures.latest,
                           notices=figures.notices, status_labels=search.PUBLIC_STATUS_LABELS,
                           summary=changes.kept("home-summary", statistics.public_summary))


@bp.get("/pages/<slug>")
def page(slug):
    row = Page.get_or_none(Page.slug == slug)
    if row is None:
        abort(404)
    return render_template("public/page.html", page=row)


@bp.get("/files/<key>")
@talisman(content_security_policy=FILE_CSP)
def file(key):
    """Stored files, after the permission check in storage.send()."""
    stored = StoredFile.get_or_none(StoredFile.key == key)
    return storage.send(stored, current_user, as_attachment=request.args.get("download") == "1")


@bp.get("/files/<key>/pages/<int:number>.png")
@talisman(content_security_policy=FILE_CSP)
def file_page(key, number):
    """A page of a stored PDF as a picture (how the review pages show PDFs)."""
    stored = StoredFile.get_or_none(StoredFile.key == key)
    return storage.send_pdf_page(stored, current_user, number)
