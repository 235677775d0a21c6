"""Demo yearly updates (manual §六), so that `make run` shows 产品备案信息更新 at work whatever
today's date is: this year's window (信息更新开放时间) is set to run from 1 January to at least
30 days from today (within the year) — the demo's own dates, visible and editable in the back
office —, a few filed products without a recognition are dated as filed last November (so they
are due this year), and their updates are put in each state: 已更新 (figures changed), 待审核
(one changed, one 确认无变化), 不通过 (with the reason) and 未更新.

Every status moves through workflows.apply(). Loaded once: nothing is added when an update of
this year exists.
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import workflows
from domain import search
from domain.filing.snapshots import product_fields
from domain.updates import editing
from models import SHANGHAI, Product, Recognition, Unit, UpdateWindow, User, YearlyUpdate, db, today_shanghai
from workflows import ProductStatus

REJECT_REASON = "产品上年度销售额与经济效益证明文件不一致，请核对后重新提交。"
# What becomes of each product's update: 已更新, 待审核 (changed / 确认无变化), 不通过, 未更新 (left alone).
PLAN = ("updated", "changed", "unchanged", "refused", "untouched", "untouched")


def _window(today):
    """This year's window: open today, until at least 30 days from now (within the year)."""
    row = UpdateWindow.get_or_none(UpdateWindow.year == today.year)
    closes = max(date(today.year, 3, 31), min(today + timedelta(days=30), date(today.year, 12, 31)))
    if row is None:
        UpdateWindow.create(year=today.year, opens_on=date(today.year, 1, 1), closes_on=closes)
    elif not (row.opens_on <= today <= row.closes_on):
        return False  # staff set this year's dates: the demo keeps them
    return True


def _candidates():
    """Filed products without a recognition, demo_unit's first."""
    recognised = Recognition.select(Recognition.product)
    rows = (Product.select().join(Unit).join(User)
            .where(Product.status == ProductStatus.FILED, Product.id.not_in(recognised))
            .order_by((User.username != "demo_unit"), Product.id).limit(len(PLAN)))
    return list(rows)


def load():
    """Returns lines for the `make run` summary."""
    today = today_shanghai()
    if YearlyUpdate.select().where(YearlyUpdate.year == today.year).exists():
        return []
    reviewer = User.get(User.username == "demo_reviewer")
    with workflows.after_commit(), db.database.atomic():
        if not _window(today):
            return ["演示信息更新：本年度信息更新开放时间已由工作人员设置且今天不在其中，未生成演示数据。"]
        products = _candidates()
        last_november = datetime.combine(date(today.year - 1, 11, 15), time(10), SHANGHAI).astimezone(UTC)
        last_november = last_november.replace(tzinfo=None)
        # those filed later than that (the demo's filings spread over two years: seed/demo_products.py)
        Product.update(filed_at=last_november, submitted_at=last_november - timedelta(days=3)).where(
            Product.id.in_([p.id for p in products]), Product.filed_at > last_november).execute()
        search.reindex(p.id for p in products)
        made = 0
        for product, state in zip(products, PLAN, strict=False):
            if state == "untouched":
                continue
            product = Product.get_by_id(product.id)
            try:
                update = editing.open_update(product)
                if state == "unchanged":
                    editing.confirm_no_change(update, product.unit.user)
                    made += 1
                    continue
                sales = Decimal(product_fields(product)["last_year_sales"] or 0)
                editing.save_fields(update, {"last_year_sales": (sales * Decimal("1.12")).quantize(Decimal("0.01"))})
                update = editing.submit(update, product.unit.user)
                if state == "updated":
                    workflows.apply(update, "approve", reviewer)
                elif state == "refused":
                    workflows.apply(update, "reject", reviewer, reason=REJECT_REASON)
                made += 1
            except workflows.WorkflowError:
                continue  # e.g. the unit's asset info of last year is missing: left 未更新
    window = UpdateWindow.get(UpdateWindow.year == today.year)
    return [(f"演示信息更新：{today.year}年信息更新开放时间 {window.opens_on} 至 {window.closes_on}，"
            f"已生成 {made} 条信息更新（已更新、待审核、不通过），另有未更新产品。")]
