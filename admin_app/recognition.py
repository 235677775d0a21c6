"""认定管理 in the back office (manual §七, SPEC §7.2–7.3), for the 认定管理 officer and
administrators: 认定批次 (rounds and their criteria), 认定候选 (eligible products, their figures and
criteria, 开始公示 after a confirmation whose count the server recomputes), 公示管理 (notices,
working days left, objections open) and 认定结果 (已认定 / 撤销认定 / 已过期, 撤销认定 by decision).

Thin views: the rules and every write are in domain/recognition/ and workflows.apply().
"""

from io import BytesIO

from flask import abort, flash, redirect, request, send_file, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user

import workflows
from admin_app.base import RoleGate
from domain.recognition import candidates as recognition_candidates
from domain.recognition import criteria as recognition_criteria
from domain.recognition import notices as recognition_notices
from domain.recognition import rounds as recognition_rounds
from infra import validators
from infra.regions import PROVINCES
from infra.validators import FormErrors
from models import Industry, ProductCategory, today_shanghai
from workflows import RecognitionStatus, Role

ROLES = (Role.OFFICER, Role.ADMIN)
PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page(total):
    page = validators.paging(request.args.get("page"), total, PAGE_SIZE, first=0)
    if page.message:
        flash(page.message, "info")
    return page


def _round_or_404(round_id):
    round_ = recognition_rounds.get_round(round_id)
    if round_ is None:
        abort(404)
    return round_


class RecognitionView(RoleGate, BaseView):
    roles = ROLES


class RoundsView(RecognitionView):
    """认定批次: the rounds, new round, edit, close / reopen."""

    @expose("/")
    def index(self):
        return self.render("admin/recognition_rounds.html", rounds=list(recognition_rounds.rounds()),
                           current=recognition_rounds.current_round(), describe=recognition_criteria.describe)

    def _form(self, round_=None):
        values = dict(request.form.items()) if request.method == "POST" else (
            _round_values(round_) if round_ else _new_round_values())
        errors = {}
        if request.method == "POST":
            try:
                if round_ is None:
                    round_ = recognition_rounds.create_round(request.form, current_user)
                    flash(_("已新建认定批次：%(name)s", name=round_.name), "success")
                else:
                    round_ = recognition_rounds.update_round(round_, request.form)
                    flash(_("已保存认定批次：%(name)s", name=round_.name), "success")
                return redirect(url_for(".index"))
            except FormErrors as exc:
                errors = exc.errors
                flash(_("请修改标出的项目后再保存。"), "danger")
        rule_count = max([recognition_criteria.MAX_RULES // 2]
                         + [int(k.split("-")[1]) + 1 for k in values if k.startswith("rule-") and values[k]])
        return self.render("admin/recognition_round_form.html", round=round_, values=values, errors=errors,
                           criteria=recognition_criteria, rule_count=min(rule_count, recognition_criteria.MAX_RULES),
                           fields=recognition_rounds.FIELDS)

    @expose("/new", methods=["GET", "POST"])
    def create(self):
        return self._form()

    @expose("/<int:round_id>/edit", methods=["GET", "POST"])
    def edit(self, round_id):
        return self._form(_round_or_404(round_id))

    @expose("/<int:round_id>/close", methods=["POST"])
    def close(self, round_id):
        round_ = _round_or_404(round_id)
        if request.form.get("op") == "reopen":
            try:
                recognition_rounds.reopen_round(round_)
                flash(_("已重新开启认定批次：%(name)s", name=round_.name), "success")
            except FormErrors as exc:
                flash(exc.errors["year"], "danger")
        else:
            recognition_rounds.close_round(round_)
            flash(_("已关闭认定批次：%(name)s", name=round_.name), "success")
        return redirect(url_for(".index"))


def _new_round_values():
    year = today_shanghai().year
    return {"year": str(year), "name": _("%(year)s年度专利密集型产品认定", year=year),
            "core_patent": "1", "litigation_case_number": "1"}


def _round_values(round_):
    values = {"name": round_.name, "year": str(round_.year), "filing_from": round_.filing_from.isoformat(),
              "filing_to": round_.filing_to.isoformat(),
              "notice_start": round_.notice_start.isoformat() if round_.notice_start else ""}
    values.update({k: ("1" if v is True else "" if v is False else str(v))
                   for k, v in recognition_criteria.form_values(round_.criteria).items()})
    return values


class CandidatesView(RecognitionView):
    """认定候选 of the current round; products that are out on their own tab."""

    def _round(self):
        return recognition_rounds.current_round()

    @expose("/")
    def index(self):
        round_ = self._round()
        tab = request.args.get("tab", "eligible")
        if tab not in ("eligible", "out"):
            tab = "eligible"
        filters = recognition_candidates.clean_filters(request.args)
        rows, out, total, page = [], [], 0, None
        if round_ is not None:
            eligible = recognition_candidates.candidates(round_, filters)
            out = recognition_candidates.out_of_round(round_, filters)
            shown = eligible if tab == "eligible" else out
            total = len(shown)
            page = _page(total)
            rows = shown[page.offset:page.offset + PAGE_SIZE]
            counts = {"eligible": len(eligible), "out": len(out),
                      "meets_all": sum(1 for r in eligible if r.meets_all)}
        else:
            counts = {"eligible": 0, "out": 0, "meets_all": 0}
        return self.render(
            "admin/recognition_candidates.html", round=round_, rows=rows, tab=tab, filters=filters,
            counts=counts, total=total, page=(page.number - 1) if page else 0, pages=page.pages if page else 1,
            criteria=recognition_criteria.CRITERIA, provinces=PROVINCES, meets=recognition_candidates.MEETS,
            basis=recognition_candidates.BASIS,
            industries=Industry.select().where(Industry.level <= 2).order_by(Industry.code),
            categories=ProductCategory.select().where(ProductCategory.level <= 2).order_by(ProductCategory.code),
            page_url=lambda p: url_for(".index", tab=tab, page=p, **filters),
        )

    @expose("/export")
    def export(self):
        round_ = self._round()
        if round_ is None:
            abort(404)
        filters = recognition_candidates.clean_filters(request.args)
        data = recognition_candidates.export_xlsx(round_, recognition_candidates.candidates(round_, filters))
        return send_file(BytesIO(data), mimetype=XLSX, as_attachment=True,
                         download_name=f"认定候选-{round_.year}-{today_shanghai().isoformat()}.xlsx")

    def _selection(self, round_):
        """(mode, ids, filters, rows): what the form names, recomputed on the server."""
        mode = request.form.get("mode", "selected")
        filters = recognition_candidates.clean_filters(request.form)
        if mode == "all":
            return mode, [], filters, recognition_candidates.selection(round_, filters=filters)
        ids = [i for i in (validators.row_id(v) for v in request.form.getlist("ids")) if i is not None]
        return "selected", ids, filters, recognition_candidates.selection(round_, product_ids=ids) if ids else []

    @expose("/confirm", methods=["POST"])
    def confirm(self):
        """The confirmation page: how many products 开始公示 would start now, and the notice's dates."""
        round_ = self._round()
        if round_ is None:
            abort(404)
        mode, ids, filters, rows = self._selection(round_)
        if not rows:
            flash(_("请先勾选要开始公示的产品。") if mode == "selected" and not ids
                  else _("没有可以开始公示的产品（所选产品已不在认定候选中）。"), "warning")
            return redirect(url_for(".index", **filters))
        period, problem = None, None
        try:
            period = recognition_candidates.notice_period(round_)
        except workflows.WorkflowError as exc:
            problem = exc.message
        return self.render("admin/recognition_confirm.html", round=round_, rows=rows, mode=mode, filters=filters,
                           period=period, problem=problem, not_all=sum(1 for r in rows if not r.meets_all))

    @expose("/start", methods=["POST"])
    def start(self):
        round_ = self._round()
        if round_ is None:
            abort(404)
        _mode, _ids, filters, rows = self._selection(round_)
        try:
            started = recognition_candidates.start_notice_for(round_, [r.product.id for r in rows], current_user)
        except workflows.WorkflowError as exc:
            flash(exc.message, "danger")
            return redirect(url_for(".index", **filters))
        flash(_("已对%(n)s个产品开始公示，公示期为10个工作日。", n=started), "success" if started else "warning")
        return redirect(url_for("recognition_notices.index"))


class NoticesView(RecognitionView):
    """公示管理: every product 公示中, the notice's dates, working days left, objections open."""

    @expose("/")
    def index(self):
        query = recognition_notices.notice_query()
        total = query.count()
        page = _page(total)
        rows = recognition_notices.notice_rows(query.paginate(page.number, PAGE_SIZE))
        return self.render("admin/recognition_notices.html", rows=rows, total=total, page=page.number - 1,
                           pages=page.pages, page_url=lambda p: url_for(".index", page=p), provinces=PROVINCES)


class ResultsView(RecognitionView):
    """已认定 / 撤销认定 / 已过期, and 撤销认定 by decision."""

    @expose("/")
    def index(self):
        status = request.args.get("status", RecognitionStatus.RECOGNISED)
        if status not in recognition_notices.LIST_STATES:
            abort(404)
        query = recognition_notices.list_query(status)
        total = query.count()
        page = _page(total)
        rows = list(query.paginate(page.number, PAGE_SIZE))
        return self.render("admin/recognition_list.html", rows=rows,
                           status=status, states=recognition_notices.LIST_STATES,
                           counts=recognition_notices.state_counts(), total=total, page=page.number - 1,
                           pages=page.pages, page_url=lambda p: url_for(".index", status=status, page=p),
                           provinces=PROVINCES, revocations=recognition_notices.revocations(
                               r.id for r in rows) if status == RecognitionStatus.REVOKED else {})

    @expose("/<int:rec_id>/revoke", methods=["GET", "POST"])
    def revoke(self, rec_id):
        rec = recognition_notices.get_recognition(rec_id)
        if rec is None:
            abort(404)
        error = None
        if request.method == "POST":
            try:
                recognition_notices.revoke(rec, current_user, request.form.get("reason", ""),
                                           seen=request.form.get("seen_status") or None)
                flash(_("已撤销认定：%(name)s", name=rec.product.name), "success")
                return redirect(url_for(".index", status=RecognitionStatus.REVOKED))
            except workflows.GuardFailed as exc:
                error = exc.message
            except workflows.WorkflowError as exc:
                flash(exc.message, "danger")
                return redirect(url_for(".index", status=rec.status))
        allowed = any(t.event == "revoke" for t in workflows.available_actions(rec, current_user))
        return self.render("admin/recognition_revoke.html", rec=rec, error=error, allowed=allowed,
                           reason=request.form.get("reason", ""))


def register(admin):
    category = _l("认定管理")
    admin.add_view(RoundsView(name=_l("认定批次"), endpoint="recognition_rounds", category=category))
    admin.add_view(CandidatesView(name=_l("认定候选"), endpoint="recognition_candidates", category=category))
    admin.add_view(NoticesView(name=_l("公示管理"), endpoint="recognition_notices", category=category))
    admin.add_view(ResultsView(name=_l("认定结果"), endpoint="recognitions", category=category))
