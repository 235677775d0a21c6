"""Browser: an administrator who also reviews, recognises and handles objections opens the 工作台
(every role's block and the charts, drawn under the Content-Security-Policy), follows a count to
the list it counts, and opens 统计分析 with a filter."""

import pytest
from conftest import PASSWORD, screenshot
from playwright.sync_api import expect
from test_browser_accounts import sign_in
from test_public_products import filed_product

import workflows

pytestmark = pytest.mark.browser


def test_administrator_opens_the_dashboards_follows_a_count_and_filters_the_statistics(page, live_server, make,
                                                                                       fixed_clock):
    filed_product(make, name="动力电池管理系统")
    filed_product(make, name="储能变流器")
    waiting = filed_product(make, name="光伏逆变器").unit
    pending = make.complete_product(waiting, name="智能电表", model="DDZY-1")
    workflows.apply(pending, "submit", waiting.user)
    admin = make.staff("admin", "reviewer", "officer", "handler")

    sign_in(page, live_server, admin.username, PASSWORD, path="/admin/login")
    page.goto(live_server + "/admin/")
    for block in ("reviewer", "officer", "handler", "admin", "charts"):
        expect(page.locator(f"[data-dashboard='{block}']")).to_be_visible()
    months = page.locator("svg[data-chart='months']")
    expect(months).to_be_visible()
    assert months.locator("g.zl-bar").count() == 24
    expect(page.locator("svg[data-chart='provinces'] title").filter(has_text="广东：3")).to_have_count(1)
    screenshot(page, "dashboard-administrator")

    page.locator("[data-count='products_pending'] a").click()
    expect(page.locator("tr[data-product]")).to_have_count(1)
    expect(page.locator("tr[data-product]")).to_contain_text("智能电表")

    page.goto(live_server + "/admin/")
    page.locator("[data-count='staff'] a").click()
    expect(page.get_by_role("heading", name="工作人员账号")).to_be_visible()

    page.get_by_role("link", name="统计分析").first.click()
    page.get_by_label("省份", exact=True).select_option("44")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("[data-table='provinces']")).to_contain_text("广东")
    expect(page.locator("[data-table='provinces'] tfoot")).to_contain_text("3")
    screenshot(page, "statistics-guangdong")
