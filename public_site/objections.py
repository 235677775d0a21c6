"""公众异议 (/objections/new, from 公众异议 on the home page and 我有异议 on a product page), its
receipt (/objections/received) and 异议查询 (/objections/track). The rules are
domain.objections.intake's; these pages show them.

Pages of one visitor (what they typed, their 受理编号): never kept by a cache (no-store), never
in the page cache. POSTs are rate limited per address (a search for the product without script, a POST too, by
the looser limit of searches); 异议查询 also per tracking number, so a
number cannot be tried against many phones from many addresses."""

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l

from domain.objections import intake, working_days
from infra.extensions import PUBLIC_CSP, limiter, talisman
from infra.validators import FormErrors
from models import Objection
from public_site.auth import check_captcha

bp = Blueprint("objections_public", __name__)

RECEIPT_KEY = "objection_receipt"  # session: the objection the receipt page shows


@bp.after_request
def _not_stored(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _client_ip():
    return request.remote_addr or ""


# ---------------------------------------------------------------- 公众异议


def _form_page(form, errors, files, choices, chosen, q, status=200):
    return render_template(
        "public/objections/new.html", form=form, errors=errors, files=files,
        files_token=intake.attachments_token(files), choices=choices, chosen=chosen, q=q,
        limits={"content_min": intake.CONTENT_MIN, "content_max": intake.CONTENT_MAX,
                "name_max": intake.NAME_MAX, "organisation_max": intake.ORGANISATION_MAX,
                "max_files": intake.MAX_FILES, "working_days": working_days()},
    ), status


def _chosen(token):
    """The product the form names, as its choice card, when the public may object to it."""
    product = intake.product_by_token(token)
    view = intake.objectable_view(product) if product else None
    if view is None:
        return None
    return {"token": product.token, "name": product.name, "model": product.model,
            "unit_name": product.unit.name, "status": view.code, "status_label": view.label}


def _is_search():
    return request.method == "POST" and request.form.get("action") == "search"


@bp.route("/objections/new", methods=["GET", "POST"])
@talisman(content_security_policy=PUBLIC_CSP)
@limiter.limit(lambda: current_app.config["OBJECTION_RATE_LIMIT"], methods=["POST"], exempt_when=lambda: _is_search())
@limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="objection-search", methods=["POST"],
                      exempt_when=lambda: not _is_search())
def new():
    """The form in the manual's order; ?product=<token> (我有异议) chooses the product, ?q=…
    lists products to choose from. A POST with action=search lists them too, keeping what
    was typed and uploaded."""
    if request.method == "GET":
        token = request.args.get("product", "")
        q = request.args.get("q", "")
        chosen = _chosen(token)
        errors = {}
        if token and chosen is None:
            errors["product"] = _l("只能对公示中或已认定的产品提出异议，请重新选择")
        choices = intake.objectable_products(q) if "q" in request.args else []
        return _form_page({"product": chosen["token"] if chosen else ""}, errors, [], choices, chosen, q)
    form = request.form
    files, file_error = intake.take_attachments(request.files.getlist("files"), form.get("files_token", ""),
                                                remove=form.getlist("remove_file"))
    q = form.get("q", "")
    if _is_search():
        errors = {"files": file_error} if file_error else {}
        return _form_page(form, errors, files, intake.objectable_products(q), _chosen(form.get("product", "")), q,
                          400 if errors else 200)
    values, errors = intake.validate(form)
    if file_error:
        errors["files"] = file_error
    problem = check_captcha(form.get("captcha", ""))
    if problem:
        errors["captcha"] = problem
    if not errors:
        try:
            objection, duplicate = intake.submit(values["recognition"], values, values["content"], files=files,
                                                 ip=_client_ip())
        except FormErrors as exc:
            errors = exc.errors
        else:
            session[RECEIPT_KEY] = {"id": objection.id, "duplicate": duplicate}
            return redirect(url_for("objections_public.received"), 303)
    choices = intake.objectable_products(q) if q else []
    return _form_page(form, errors, files, choices, _chosen(form.get("product", "")), q, 400)


@bp.get("/objections/products")
@talisman(content_security_policy=PUBLIC_CSP)
@limiter.limit(lambda: current_app.config["API_RATE_LIMIT"])
def products():
    """The choices of 选择异议对象 for the form's script (an HTML fragment, the same markup the
    form renders without script)."""
    choices = intake.objectable_products(request.args.get("q", ""))
    return render_template("public/objections/_choices.html", choices=choices, chosen=None, asked=True, form={})


@bp.get("/objections/received")
@talisman(content_security_policy=PUBLIC_CSP)
def received():
    """The receipt of the objection this browser just sent (the session names it)."""
    kept = session.get(RECEIPT_KEY) or {}
    objection = Objection.get_or_none(Objection.id == kept.get("id")) if kept.get("id") else None
    if objection is None:
        return redirect(url_for("objections_public.new"))
    return render_template("public/objections/received.html", view=intake.tracking_view(objection),
                           duplicate=kept.get("duplicate", False), working_days=working_days(),
                           deadline_text=intake.deadline_text(objection.deadline))


# ---------------------------------------------------------------- 异议查询


def _number_key():
    return "objection-number:" + intake.normalise_tracking_number(request.form.get("number", ""))


@bp.route("/objections/track", methods=["GET", "POST"])
@talisman(content_security_policy=PUBLIC_CSP)
@limiter.limit(lambda: current_app.config["OBJECTION_LOOKUP_RATE_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["OBJECTION_LOOKUP_NUMBER_RATE_LIMIT"], methods=["POST"],
               key_func=_number_key, exempt_when=lambda: not intake.normalise_tracking_number(
                   request.form.get("number", "")))
def track():
    """异议查询: 受理编号 + the phone or e-mail used → the objection's state; a wrong combination
    gets one message whatever was wrong."""
    form = request.form if request.method == "POST" else {"number": request.args.get("number", "")}
    errors, view = {}, None
    if request.method == "POST":
        if not intake.normalise_tracking_number(form.get("number", "")):
            errors["number"] = _l("请输入受理编号")
        if not (form.get("contact") or "").strip():
            errors["contact"] = _l("请输入提交异议时填写的手机号或邮箱")
        if not errors:
            objection = intake.lookup(form.get("number", ""), form.get("contact", ""))
            if objection is None:
                errors["lookup"] = _l("未查询到异议，请核对受理编号和手机号或邮箱后重试。")
            else:
                view = intake.tracking_view(objection)
    status = 400 if ("number" in errors or "contact" in errors) else 200
    return render_template("public/objections/track.html", form=form, errors=errors, view=view,
                           deadline_text=intake.deadline_text(view["deadline"]) if view else ""), status
