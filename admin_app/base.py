"""Who may use the back office: every view names its roles (RoleGate.roles) and Flask-Admin
asks is_accessible() on every request of the view (pages, forms, actions, exports)."""

from datetime import datetime

from flask import abort, flash, redirect, request, url_for
from flask_admin.contrib.peewee import ModelView
from flask_admin.contrib.peewee import filters as peewee_filters
from flask_admin.model import typefmt
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user
from peewee import IntegerField

from infra import documents, validators
from models import shanghai_time
from workflows import STAFF_ROLES, Role


def staff_gate(roles):
    """None when the current user may enter; else the response (redirect or 403)."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.staff_login", next=request.full_path))
    if not current_user.has_any_role(*roles):
        if not current_user.is_staff:
            abort(403, description=_l("单位账号不能进入管理后台，请从单位登录入口登录。"))
        abort(403, description=_l("您的角色无权访问此页面"))
    return None


class RoleGate:
    """Mixin of every back-office view: the roles that may use it, checked by Flask-Admin
    on every request of the view (pages, forms, actions, exports)."""

    roles = STAFF_ROLES

    def is_accessible(self):
        return current_user.is_authenticated and current_user.has_any_role(*self.roles)

    def inaccessible_callback(self, name, **kwargs):
        return staff_gate(self.roles)


def beijing(value):
    """A stored (UTC) time as the back office shows it: Beijing time, the zone stated."""
    return _("%(time)s（北京时间）", time=shanghai_time(value, "%Y-%m-%d %H:%M")) if value else ""


def _beijing(view, value, name):
    return beijing(value)


def _bounded(filter_class):
    """An integer filter of Flask-Admin that refuses numbers no column holds: Flask-Admin then
    says the value is invalid and ignores it (the database would answer a 500)."""

    class Bounded(filter_class):
        def clean(self, value):
            cleaned = super().clean(value)
            if any(abs(n) > validators.INT_MAX for n in (cleaned if isinstance(cleaned, list) else [cleaned])):
                raise ValueError(value)
            return cleaned

    return Bounded


class FilterConverter(peewee_filters.FilterConverter):
    int_filters = tuple(f if f is peewee_filters.FilterEmpty else _bounded(f)
                        for f in peewee_filters.FilterConverter.int_filters)


class StaffModelView(RoleGate, ModelView):
    """Base of every back-office model view: administrators unless a view says otherwise;
    Beijing time; Chinese defaults; page numbers, ids and integer filters from the query
    string made safe; exported cells never read as formulas."""

    roles = (Role.ADMIN,)
    can_view_details = True
    page_size = 50
    form_excluded_columns = ("created_at",)  # kept by the database, shown in the list
    column_type_formatters = {**typefmt.BASE_FORMATTERS, datetime: _beijing}
    column_type_formatters_detail = column_type_formatters
    filter_converter = FilterConverter()

    def __init__(self, *args, **kwargs):
        # One place for a model's words: the view's column_labels (and column_descriptions)
        # name the list's columns, its filters and the create/edit forms' fields alike.
        fields = {name: {"label": label} for name, label in (self.column_labels or {}).items()}
        for name, text in (self.column_descriptions or {}).items():
            fields.setdefault(name, {})["description"] = text
        for name, extra in (self.form_args or {}).items():
            fields.setdefault(name, {}).update(extra)
        self.form_args = fields
        super().__init__(*args, **kwargs)

    def search_placeholder(self):
        return _("搜索")

    def _get_list_extra_args(self):
        """Flask-Admin's list arguments with `page` (counted from 0) within the list: past the
        end → the last page, not a number → the first, each with a message."""
        args = super()._get_list_extra_args()
        if not request.args.get("page"):
            return args
        total = None if self.simple_list_pager else self.get_list(
            0, None, None, args.search, args.filters or [], execute=False, page_size=0)[0]
        page = validators.paging(request.args["page"], total, self.get_safe_page_size(args.page_size), first=0)
        if page.message:
            flash(page.message, "info")
        return args.clone(page=page.number - 1, filters=args.filters)  # (clone() makes [] None)

    def get_one(self, id):
        """The row of an id from the query string; None (Flask-Admin: 记录不存在) for a value
        no integer key can have."""
        if isinstance(self.model._meta.primary_key, IntegerField):
            id = validators.row_id(id)
        return None if id is None else super().get_one(id)

    def get_export_value(self, model, name):
        return documents.spreadsheet_cell(super().get_export_value(model, name))


class ReadOnlyView(StaffModelView):
    can_create = can_edit = can_delete = False
