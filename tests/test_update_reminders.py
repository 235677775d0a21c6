"""Reminders of the yearly update (the periodic job "updates.remind"), each sent once
however often the job runs: the window opens (units with 已备案 products), last year's asset
info still missing, and 30 / 7 / 1 days before the window closes (units with products still
未更新 or 不通过, naming how many)."""

from datetime import datetime

import pytest
from conftest import outbox_texts
from update_support import SH, enter_assets, filed_product

import jobs
from domain.updates import editing
from models import Outbox

pytestmark = pytest.mark.usefixtures("db_session")


def _remind():
    return jobs.run("updates.remind")


def _texts(unit, template):
    return [o.body for o in Outbox.select().where(Outbox.template == template, Outbox.user == unit.user_id,
                                                   Outbox.channel == "sms")]


def test_the_window_opening_is_announced_once_with_the_missing_asset_info(make, clock):
    product, reviewer = filed_product(make, clock)
    ready, _ = filed_product(make, clock, reviewer=reviewer)
    unfiled = make.approved_unit(reviewer)  # no filed product: nothing to update
    clock(datetime(2026, 12, 31, 9, 0, tzinfo=SH))
    _remind()
    assert not Outbox.select().where(Outbox.template.startswith("update_")).exists()  # not open yet
    enter_assets(ready.unit)
    clock(datetime(2027, 1, 1, 9, 0, tzinfo=SH))
    _remind()
    _remind()
    for unit in (product.unit, ready.unit):
        assert len(_texts(unit, "update_window_open")) == 1
        assert "2027-03-31前" in _texts(unit, "update_window_open")[0]
    assert len(_texts(product.unit, "update_assets_missing")) == 1
    assert "2026年度资产信息" in _texts(product.unit, "update_assets_missing")[0]
    assert _texts(ready.unit, "update_assets_missing") == []
    assert _texts(unfiled, "update_window_open") == []
    assert Outbox.select().where(Outbox.template == "update_window_open", Outbox.channel == "inbox").count() == 2


def test_30_7_and_1_days_before_the_close_units_with_products_left_are_told_how_many(make, clock):
    product, reviewer = filed_product(make, clock)
    filed_product(make, clock, unit=product.unit, reviewer=reviewer)
    done, _ = filed_product(make, clock, reviewer=reviewer)
    clock(datetime(2027, 2, 1, 9, 0, tzinfo=SH))
    enter_assets(product.unit)
    enter_assets(done.unit)
    editing.confirm_no_change(editing.open_update(done), done.unit.user)  # 待审核: nothing left to do
    _remind()
    assert _texts(product.unit, "update_due") == []  # 58 days to go
    for day, days in ((1, 30), (24, 7), (30, 1)):
        clock(datetime(2027, 3, day, 9, 0, tzinfo=SH))
        _remind()
        _remind()
        texts = _texts(product.unit, "update_due")
        assert len(texts) == [30, 7, 1].index(days) + 1
        assert f"还有{days}天" in texts[-1] and "尚有2件产品未完成更新" in texts[-1]
    assert _texts(done.unit, "update_due") == []
    clock(datetime(2027, 4, 1, 9, 0, tzinfo=SH))
    assert _remind() == {"queued": 0}


def test_a_missed_day_is_made_up_for_by_the_next_run(make, clock):
    product, _reviewer = filed_product(make, clock)
    clock(datetime(2027, 3, 3, 9, 0, tzinfo=SH))  # the run of 1 March (30 days) did not happen
    _remind()
    texts = _texts(product.unit, "update_due")
    assert len(texts) == 1 and "还有28天" in texts[0] and "尚有1件产品" in texts[0]
    assert outbox_texts("sms", product.unit.user.phone)
