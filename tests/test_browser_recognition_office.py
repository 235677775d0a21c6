"""Browser journey of the 认定管理 officer (manual §七): create the year's round with its criteria,
filter the candidates to those that meet every criterion, start the public notice for two of
them, and find them in 公示管理 with their notice end dates."""

from decimal import Decimal

import pytest
from conftest import PASSWORD, screenshot
from playwright.sync_api import expect
from test_browser_accounts import sign_in
from test_public_products import filed_product

from models import Recognition
from workflows import RecognitionStatus

pytestmark = pytest.mark.browser


def test_officer_creates_a_round_filters_candidates_and_starts_the_notice_for_two(page, live_server, make,
                                                                                  fixed_clock):
    first = filed_product(make, name="动力电池管理系统", contribution_index=Decimal(45))
    second = filed_product(make, name="储能变流器", contribution_index=Decimal(38))
    filed_product(make, name="普通充电器", contribution_index=Decimal(12))  # below the minimum
    officer = make.staff("officer")

    sign_in(page, live_server, officer.username, PASSWORD, path="/admin/login")
    page.goto(live_server + "/admin/recognition_rounds/")
    page.get_by_role("link", name="新建认定批次").click()
    page.get_by_label("批次名称").fill("2026年度专利密集型产品认定")
    page.get_by_label("认定年度").fill("2026")
    page.get_by_label("备案期开始日期").fill("2026-01-01")
    page.get_by_label("备案期结束日期").fill("2026-01-31")  # a mistake first: the products were filed in June
    page.get_by_label("公示开始日期").fill("2026-06-17")
    page.get_by_label("专利市场贡献指数不低于").fill("30")
    page.get_by_label("至少关联一件有效的核心专利").check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已新建认定批次：2026年度专利密集型产品认定")).to_be_visible()
    expect(page.locator("[data-round='2026']")).to_contain_text("专利市场贡献指数不低于30.00%")

    page.goto(live_server + "/admin/recognition_candidates/")
    expect(page.locator("[data-count='eligible']")).to_have_text("0")
    page.get_by_role("link", name="未参与本批次认定").click()
    expect(page.locator("[data-reason]").first).to_contain_text("备案时间晚于本批次备案期")

    page.goto(live_server + "/admin/recognition_rounds/")
    page.locator("[data-round='2026']").get_by_role("link", name="编辑").click()
    page.get_by_label("备案期结束日期").fill("2026-12-31")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存认定批次")).to_be_visible()

    page.goto(live_server + "/admin/recognition_candidates/")
    expect(page.locator("[data-count='eligible']")).to_have_text("3")
    page.get_by_label("认定条件").select_option(label="符合全部条件")
    page.get_by_role("button", name="筛选", exact=True).click()
    rows = page.locator("tbody tr[data-product]")
    expect(rows).to_have_count(2)
    expect(page.get_by_text("普通充电器")).to_have_count(0)
    screenshot(page, "recognition-candidates")

    page.get_by_label("选择 动力电池管理系统").check()
    page.get_by_label("选择 储能变流器").check()
    page.get_by_role("button", name="所选产品开始公示").click()
    expect(page.get_by_role("heading", name="确认开始公示：共2个产品")).to_be_visible()
    expect(page.locator("[data-period]")).to_contain_text("自2026-06-17至2026-07-01")
    page.get_by_role("button", name="开始公示", exact=True).click()

    expect(page.get_by_text("已对2个产品开始公示")).to_be_visible()
    expect(page.get_by_role("heading", name="公示管理")).to_be_visible()
    for product in (first, second):
        row = page.locator(f"tr[data-product='{product.id}']")
        expect(row.locator("[data-notice-end]")).to_have_text("2026-07-01")
        expect(row).to_contain_text("公示中")
        expect(row.locator("[data-days-left]")).to_have_text("10")
    screenshot(page, "recognition-notices")
    started = Recognition.select().where(Recognition.status == RecognitionStatus.NOTICE)
    assert {r.product_id for r in started} == {first.id, second.id}
