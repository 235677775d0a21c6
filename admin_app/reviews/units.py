"""实名认证审核 and 单位信息变更审核 in the back office.

Each queue lists the items waiting, oldest first, with filters; the detail page
shows everything the reviewer needs and the buttons available_actions() allows.
Every decision goes through workflows.apply(), which checks the role again.
"""

from datetime import datetime, timedelta

from flask import abort, request
from flask_admin import expose
from flask_babel import lazy_gettext as _l
from flask_security import current_user

import workflows
from admin_app.reviews.base import ReviewView
from domain import units
from infra.regions import PROVINCES
from models import (
    AssetInfo,
    Option,
    ReasonTemplate,
    Unit,
    UnitChangeRequest,
    last_fiscal_year,
)
from workflows import ChangeStatus, UnitStatus


def _date_filter(query, field):
    """since / until: Beijing dates (inclusive) of submission; a value not a date is ignored."""
    for name in ("since", "until"):
        try:
            day = datetime.strptime(request.args.get(name, ""), "%Y-%m-%d") - timedelta(hours=8)  # midnight, UTC
        except ValueError:
            continue
        query = query.where(field >= day) if name == "since" else query.where(field < day + timedelta(days=1))
    return query


class VerificationReviewView(ReviewView):
    """实名认证审核"""

    @expose("/")
    def index(self):
        query = Unit.select().where(Unit.status == UnitStatus.PENDING)
        unit_type = request.args.get("type", "")
        if unit_type:
            query = query.where(Unit.unit_type == unit_type)
        province = request.args.get("province", "")
        if province:
            query = query.where(Unit.region_code.startswith(province))
        query = _date_filter(query, Unit.submitted_at)
        rows = list(query.order_by(Unit.submitted_at, Unit.id))
        return self.render("admin/review_units.html", rows=rows, provinces=PROVINCES,
                           unit_types=Option.choices("unit_type"), args=request.args)

    @expose("/<int:unit_id>", methods=["GET", "POST"])
    def detail(self, unit_id):
        unit = Unit.get_or_none(Unit.id == unit_id)
        if unit is None:
            abort(404)
        if request.method == "POST":
            return self.decide(unit, {"unit_id": unit_id})
        asset = AssetInfo.get_or_none(AssetInfo.unit == unit, AssetInfo.fiscal_year == last_fiscal_year())
        return self.render(
            "admin/review_unit.html", unit=unit, asset=asset, fields=units.UNIT_FIELDS,
            uploads=units.UPLOADS, asset_labels=units.ASSET_LABELS,
            actions=workflows.available_actions(unit, current_user),
            templates=ReasonTemplate.select().where(ReasonTemplate.scope == "unit_verification",
                                                    ReasonTemplate.active).order_by(ReasonTemplate.sort),
            history=workflows.history(unit), option_name=_option_name, provinces=PROVINCES,
        )


class ChangeReviewView(ReviewView):
    """单位信息变更审核: changed fields only, side by side."""

    @expose("/")
    def index(self):
        query = UnitChangeRequest.select().where(UnitChangeRequest.status == ChangeStatus.PENDING)
        query = _date_filter(query, UnitChangeRequest.submitted_at)
        rows = list(query.order_by(UnitChangeRequest.submitted_at, UnitChangeRequest.id))
        return self.render("admin/review_changes.html", rows=rows, args=request.args)

    @expose("/<int:change_id>", methods=["GET", "POST"])
    def detail(self, change_id):
        change = UnitChangeRequest.get_or_none(UnitChangeRequest.id == change_id)
        if change is None:
            abort(404)
        if request.method == "POST":
            return self.decide(change, {"change_id": change_id})
        return self.render(
            "admin/review_change.html", change=change, unit=change.unit, label=units.field_label,
            actions=workflows.available_actions(change, current_user),
            templates=ReasonTemplate.select().where(ReasonTemplate.scope == "unit_change",
                                                    ReasonTemplate.active).order_by(ReasonTemplate.sort),
            history=workflows.history(change), option_name=_option_name,
        )


def _option_name(kind, code):
    return dict(Option.choices(kind)).get(code, code or "")


def register(admin):
    category = _l("审核管理")
    admin.add_view(VerificationReviewView(name=_l("实名认证审核"), endpoint="review_units", category=category))
    admin.add_view(ChangeReviewView(name=_l("单位信息变更审核"), endpoint="review_changes", category=category))
