"""更新 and 确认无变化 (manual §六(一)): opening a product's update of the year, writing its
draft through the drafts service with the locked fields kept out, and the one-click
submission of an update with no change. Statuses change in workflows.apply only."""

from flask_babel import lazy_gettext as _l
from peewee import IntegrityError

import workflows
from domain.filing import drafts
from domain.filing.snapshots import product_snapshot
from domain.updates import LOCKED_FIELDS, due_products, update_of, window_state
from models import Product, ProductVersion, YearlyUpdate, db


class NotOpen(workflows.WorkflowError):
    """The window is closed, or the product is not due this year: nothing can be started."""


def closed_message(state):
    return _l("产品备案信息更新开放时间为%(start)s至%(end)s，下次开放时间：%(next)s",
              start=state.window.opens_on.isoformat(), end=state.window.closes_on.isoformat(),
              next=state.next_opens.isoformat())


NOT_DUE = _l("该产品无需进行本年度信息更新")


def _latest_version(product):
    return (ProductVersion.select().where(ProductVersion.product == product.id)
            .order_by(ProductVersion.number.desc()).first())


def open_update(product):
    """更新: the product's update of the open window's year, started from its current filed
    data if there is none yet (two requests at once start one: the (product, year) key)."""
    state = window_state()
    if not state.open:
        raise NotOpen(closed_message(state))
    existing = update_of(product, state.year)
    if existing is not None:
        return existing
    if not due_products(state.year).where(Product.id == product.id).exists():
        raise NotOpen(NOT_DUE)
    try:
        with db.database.atomic():
            return YearlyUpdate.create(product=product, year=state.year,
                                       data=product_snapshot(product), base_version=_latest_version(product))
    except IntegrityError:
        return update_of(product, state.year)


def editable_values(values):
    """The cleaned step-1 values an update may write: the locked fields are dropped, whatever
    was posted (the page shows them read-only; a forged form changes nothing)."""
    return {k: v for k, v in values.items() if k not in LOCKED_FIELDS}


def save_fields(update, values, expected=None):
    return drafts.UpdateDraft(update).save_fields(editable_values(values), expected=expected)


def confirm_no_change(update, actor):
    """确认无变化: the update becomes the product's current data and is submitted at once
    (reviewed like any update; counted as updated once approved)."""
    drafts.UpdateDraft(update).reset()
    return workflows.apply(YearlyUpdate.get_by_id(update.id), "submit", actor)


def submit(update, actor):
    """提交审核 (also after 不通过: 修改 and submit again)."""
    return workflows.apply(YearlyUpdate.get_by_id(update.id), "submit", actor)
