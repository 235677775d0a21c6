"""The yearly update in the browser, inside the 2027 window (the test sets the clock): the unit
updates one product's figures and 商标 and links a patent, submits; the reviewer sees the
difference first and rejects with a reason; the unit reads it, corrects and resubmits; the
reviewer approves; 已更新 lists the product and its public page shows the new 商标."""

import pytest
from conftest import PASSWORD, screenshot
from playwright.sync_api import expect
from update_support import IN_WINDOW, enter_assets, filed_product

from models import Product, User


def _sign_in(page, live_server, username, path="/login"):
    from test_browser_accounts import sign_in

    sign_in(page, live_server, username, PASSWORD, path=path)
    page.wait_for_load_state("load")


def _open_in_queue(page, live_server):
    _sign_in(page, live_server, "UpdRev01", "/admin/login")
    page.goto(f"{live_server}/admin/review_updates/")
    page.locator("tr[data-update] a", has_text="审核").first.click()
    page.wait_for_load_state("load")


@pytest.mark.browser
def test_unit_updates_reviewer_rejects_unit_resubmits_reviewer_approves(page, live_server, make, clock):
    from test_browser_accounts import sign_out

    reviewer = make.staff("reviewer", username="UpdRev01")
    product, _ = filed_product(make, clock, reviewer=reviewer, trademark="旧商标")
    unit = product.unit
    User.update(username="UpdUnit01").where(User.id == unit.user_id).execute()
    extra = make.complete_product(unit).patent_links.get().patent  # another patent of the unit's list
    clock(IN_WINDOW)
    enter_assets(unit, total_sales=5000, ip_investment=300)

    # The unit: 更新 → figures and 商标, a patent linked as core, 提交审核.
    _sign_in(page, live_server, "UpdUnit01")
    page.get_by_role("link", name="产品备案信息更新").first.click()
    expect(page.locator('[data-tab-count="draft"]')).to_have_text("1")
    page.get_by_role("button", name="更新", exact=True).click()
    expect(page.locator("[data-locked-field=name]")).to_have_text("动力电池管理系统")
    page.get_by_label("商标", exact=True).fill("新商标")
    page.get_by_label("产品上年度销售额", exact=True).fill("1500")
    page.get_by_role("button", name="下一步").click()
    page.locator(f"label[for='pick-{extra.id}']").click()
    page.get_by_role("button", name="关联所选专利").click()
    page.locator(f"label[for='f-core-{extra.id}']").click()
    page.get_by_role("button", name="下一步").click()
    screenshot(page, "yearly-update-materials")
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator('[data-tab-count="pending"]')).to_have_text("1")
    sign_out(page)

    # The reviewer: the difference first, then 不通过 with a reason.
    _open_in_queue(page, live_server)
    diff = page.locator("[data-diff]")
    expect(diff.locator('[data-changed="last_year_sales"]')).to_contain_text("1,500.00 万元")
    expect(diff.locator('[data-changed="trademark"]')).to_contain_text("新商标")
    expect(diff.locator('[data-patent-change="added"]')).to_contain_text(extra.display_number)
    assert diff.bounding_box()["y"] < page.locator("[data-checks]").bounding_box()["y"]
    screenshot(page, "yearly-update-review")
    page.get_by_label("理由（不通过时必填）").fill("产品上年度销售额与经济效益证明文件不一致")
    page.get_by_role("button", name="不通过").click()
    expect(page.get_by_text("已处理")).to_be_visible()
    sign_out(page)

    # The unit reads the reason, corrects, resubmits.
    _sign_in(page, live_server, "UpdUnit01")
    page.goto(f"{live_server}/portal/updates?tab=rejected")
    expect(page.locator("[data-rejection]")).to_contain_text("与经济效益证明文件不一致")
    page.get_by_role("button", name="修改").click()
    expect(page.locator("[data-rejection]")).to_contain_text("与经济效益证明文件不一致")
    page.get_by_label("产品上年度销售额", exact=True).fill("1400")
    page.get_by_role("link", name="3. 证明材料").click()
    expect(page.locator("[data-rejection]")).to_contain_text("与经济效益证明文件不一致")
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator('[data-tab-count="pending"]')).to_have_text("1")
    sign_out(page)

    # The reviewer approves.
    _open_in_queue(page, live_server)
    expect(page.locator('[data-diff] [data-changed="last_year_sales"]')).to_contain_text("1,400.00 万元")
    page.get_by_role("button", name="通过", exact=True).click()
    expect(page.get_by_text("已处理")).to_be_visible()
    sign_out(page)

    # 已更新 lists it; the public page shows the new 商标.
    _sign_in(page, live_server, "UpdUnit01")
    page.goto(f"{live_server}/portal/updates?tab=approved")
    expect(page.locator("[data-updates=approved]")).to_contain_text("动力电池管理系统")
    expect(page.locator('[data-tab-count="approved"]')).to_have_text("1")
    page.goto(f"{live_server}/products/{Product.get_by_id(product.id).token}")
    expect(page.get_by_text("新商标")).to_be_visible()
    screenshot(page, "yearly-update-public")
