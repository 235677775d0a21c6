"""产品备案管理 in the portal: tabs and counts, 填报 blocked with the reason and a link,
the 产品信息 step saves the draft and reports every error; another unit's filing is invisible."""

import re

import pytest
from conftest import PASSWORD, screenshot
from playwright.sync_api import expect

from models import AssetInfo, Product, UnitChangeRequest, last_fiscal_year


def test_filing_is_blocked_without_last_years_asset_info_or_with_a_pending_change(client, make, login):
    unit = make.approved_unit()
    login(unit.user)
    html = client.get("/portal/products").get_data(as_text=True)
    assert f"请先填报{last_fiscal_year()}年度资产信息" in html and 'href="/portal/assets"' in html
    client.post("/portal/products/new")
    assert Product.select().count() == 0
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year())
    UnitChangeRequest.create(unit=unit, old_values={"contact": "a"}, new_values={"contact": "b"})
    html = client.get("/portal/products").get_data(as_text=True)
    assert "单位信息变更正在审核中" in html and 'href="/portal/verification/change"' in html


def test_new_draft_saves_valid_fields_and_reports_the_rest(client, make, login):
    unit = make.approved_unit()
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year())
    login(unit.user)
    resp = client.post("/portal/products/new")
    product_id = int(re.search(r"/products/(\d+)/info", resp.headers["Location"]).group(1))
    resp = client.post(f"/portal/products/{product_id}/info", data={
        "name": "动力电池管理系统", "model": "BMS-1", "first_year": "1900", "last_year_sales": "100",
        "last_year_export": "200", "contribution_method": "method1", "method_k": "2",
        "ip_investment": "10", "last_year_cost": "100", "contribution_index": "30", "market_share": "101"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    for text in ("年份应在1985到", "产品上年度出口总额不能大于产品上年度销售额", "按方法一计算应为20.00%",
                 "请填写产品简介", "请选择备案目的"):
        assert text in html, text
    assert 'value="1900"' in html  # kept as typed
    summary = html.split('role="alert"', 1)[1].split("</div>", 1)[0]  # each line names its field
    assert '<a href="#f-market_share">产品市场份额：应在0到100之间</a>' in summary
    assert '<a href="#f-first_year">本产品首次生产年份：年份应在1985到' in summary
    assert '<a href="#f-intro">请填写产品简介</a>' in summary  # already named
    saved = Product.get_by_id(product_id)
    assert (saved.name, saved.model, saved.status) == ("动力电池管理系统", "BMS-1", "draft")
    assert saved.first_year is None  # the invalid value is not saved
    options = html.split('id="f-export_countries"', 1)[1].split("</select>", 1)[0]
    assert options.index(">阿富汗<") < options.index(">德国<") < options.index(">美国<")  # pinyin order
    tabs = client.get("/portal/products").get_data(as_text=True)
    assert 'data-tab-count="draft">1<' in tabs and "草稿" in tabs


def test_another_units_filing_cannot_be_opened(client, make, login):
    owner = make.approved_unit()
    product = make.complete_product(owner)
    login(make.approved_unit().user)
    assert client.get(f"/portal/products/{product.id}/info").status_code == 404
    assert client.post(f"/portal/products/{product.id}/info", data={"name": "x"}).status_code == 404
    assert Product.get_by_id(product.id).name == "动力电池管理系统"


@pytest.mark.browser
def test_product_info_step_counts_and_computes_method_one(page, live_server, make):
    from test_browser_accounts import sign_in

    from models import User

    unit = make.approved_unit()
    User.update(username="Filer001").where(User.id == unit.user_id).execute()
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year())
    sign_in(page, live_server, "Filer001", PASSWORD)
    page.get_by_role("link", name="产品备案管理").first.click()
    page.get_by_role("button", name="填报").click()
    page.get_by_label("产品名称").fill("动力电池管理系统")
    page.get_by_label("产品简介").fill("用于新能源汽车动力电池组的监测与保护")
    expect(page.locator("#c-intro")).to_have_text("18/500")
    page.get_by_label("产品上年度总成本").fill("800")
    page.get_by_label("产品知识产权投入").fill("40")
    page.get_by_label("方法一").check()
    page.get_by_label("系数K").fill("2")
    expect(page.get_by_label("专利市场贡献指数")).to_have_value("10.00")
    page.get_by_label("产品所属行业").fill("3841 锂离子电池制造")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#e-model")).to_have_text("请填写规格型号")
    expect(page.get_by_label("产品名称")).to_have_value("动力电池管理系统")
    screenshot(page, "product-info")
    page.get_by_role("link", name="产品备案管理").first.click()
    expect(page.locator('[data-tab-count="draft"]')).to_have_text("1")
    expect(page.get_by_role("cell", name="动力电池管理系统")).to_be_visible()


def test_a_locked_or_expired_form_gets_a_chinese_page_with_a_way_back(app, client, make, login):
    unit = make.approved_unit()
    draft = make.complete_product(unit)
    login(unit.user)
    resp = client.post(f"/portal/products/{draft.id}/revoke", data={"reason": "停产"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "无法保存" in html and "只有已备案的产品可以申请撤销备案" in html
    assert "返回上一页" in html and "Conflict" not in html
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        resp = client.post(f"/portal/products/{draft.id}/info", data={"name": "新名称"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "页面已过期" in html and "CSRF" not in html
    resp = client.get("/portal/products/new")  # a POST-only address opened or refreshed
    html = resp.get_data(as_text=True)
    assert resp.status_code == 405 and "不能直接打开或刷新" in html and "Method Not Allowed" not in html
