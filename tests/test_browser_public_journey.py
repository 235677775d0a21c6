"""The public journey in the browser: search 电池 from the home page, narrow by a facet,
open a product, open its QR target on a 375 px phone, export the results as CSV; after an
administrator revokes the filing the phone page says 已撤销 and search no longer lists it."""

import pytest
from conftest import PASSWORD, screenshot
from playwright.sync_api import expect

import workflows
from models import AssetInfo, Product, last_fiscal_year


def filed(make, unit, **fields):
    AssetInfo.get_or_create(unit=unit, fiscal_year=last_fiscal_year())
    product = make.complete_product(unit, **fields)
    workflows.apply(product, "submit", unit.user)
    return workflows.apply(Product.get_by_id(product.id), "approve", make.staff("reviewer"))


@pytest.mark.browser
def test_search_open_scan_export_and_a_revocation(page, live_server, make, browser):
    from test_browser_accounts import sign_in

    guangdong = make.approved_unit()
    from infra.validators import uscc_check_char

    body = "91110108MA0000042"
    beijing = make.complete_unit(region_code="110108", name="北京电池研究院有限公司",
                                 credit_code=body + uscc_check_char(body))
    beijing = workflows.apply(workflows.apply(beijing, "submit", beijing.user), "approve", make.staff("reviewer"))
    battery = filed(make, guangdong, name="动力电池管理系统", model="BMS-9")
    filed(make, beijing, name="钠离子电池", model="NA-1")
    filed(make, guangdong, name="智能门锁", model="L-1", intro="指纹与密码开锁的家用门锁。")

    page.goto(live_server + "/")
    page.get_by_role("searchbox").first.fill("电池")
    page.get_by_role("button", name="查询").first.click()
    expect(page.get_by_role("link", name="动力电池管理系统")).to_be_visible()
    expect(page.get_by_role("link", name="钠离子电池")).to_be_visible()
    expect(page.get_by_role("link", name="智能门锁")).to_have_count(0)
    page.locator('section[aria-labelledby="facet-province"]').get_by_role("link", name="广东").click()
    expect(page.get_by_role("link", name="钠离子电池")).to_have_count(0)
    expect(page.get_by_role("link", name="动力电池管理系统")).to_be_visible()
    assert "q=%E7%94%B5%E6%B1%A0" in page.url and "province=44" in page.url  # the search lives in the URL
    screenshot(page, "public-search-facet")

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    with open(download.value.path(), encoding="utf-8-sig") as f:
        csv_text = f.read()
    assert "动力电池管理系统" in csv_text and "钠离子电池" not in csv_text and "1200" not in csv_text

    page.get_by_role("link", name="动力电池管理系统").click()
    expect(page.get_by_role("heading", name="动力电池管理系统")).to_be_visible()
    expect(page.get_by_text(battery.filing_number).first).to_be_visible()
    expect(page.locator('img[src$="/qr.png"]')).to_be_visible()

    phone = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN", java_script_enabled=False)
    mobile = phone.new_page()
    mobile.goto(f"{live_server}/m/{battery.token}")
    expect(mobile.locator(".st")).to_have_text("已备案")
    assert mobile.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(mobile, "public-phone")

    make.staff("admin", username="Public01")
    sign_in(page, live_server, "Public01", PASSWORD, path="/admin/login")
    page.goto(f"{live_server}/admin/review_products/{battery.id}")
    page.get_by_role("textbox", name="撤销理由（必填）").fill("产品已退出市场，依职权撤销备案")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="撤销备案", exact=True).click()
    expect(page.get_by_text("已处理：已撤销")).to_be_visible(timeout=10000)

    mobile.goto(f"{live_server}/m/{battery.token}")
    expect(mobile.locator(".st")).to_have_text("已撤销")
    page.goto(live_server + "/search?q=电池")
    expect(page.get_by_role("link", name="钠离子电池")).to_be_visible()
    expect(page.get_by_role("link", name="动力电池管理系统")).to_have_count(0)
    phone.close()
