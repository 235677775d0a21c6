"""In the browser (issue 15 #4, #5): an administrator imports a category CSV from the back
office and sees the job's progress and result, then a file with bad rows reported by line;
a unit picks a category from the partial catalogue, finds nothing for a product the catalogue
lacks, is told the catalogue is incomplete and uses 其他 with the category typed."""

import pytest
from conftest import PASSWORD, screenshot
from playwright.sync_api import expect

from models import Product, ProductCategory


@pytest.fixture
def cleanup():
    yield
    ProductCategory.delete().where(ProductCategory.code.startswith("23")).execute()


@pytest.mark.browser
def test_an_administrator_imports_a_category_file_and_sees_the_result(page, live_server, make, tmp_path, cleanup):
    from test_browser_accounts import sign_in

    make.staff("admin", username="RefAdmin01")
    good, bad = tmp_path / "categories.csv", tmp_path / "bad.csv"
    good.write_text("code,name,level,parent_code\n23,印刷品和记录媒介复制品,1,\n2301,印刷品,2,23\n", encoding="utf-8")
    bad.write_text("code,name,level,parent_code\n2302,记录媒介复制品,2,23\n230201,,3,2302\n", encoding="utf-8")
    sign_in(page, live_server, "RefAdmin01", PASSWORD, path="/admin/login")
    page.goto(f"{live_server}/admin/reference_import/")
    page.get_by_label("基础数据", exact=True).select_option(label="统计用产品分类目录")
    page.get_by_label("CSV文件").set_input_files(str(good))
    page.get_by_role("button", name="导入").click()
    expect(page.locator("[data-job-text]")).to_have_text("导入完成：共2条，新增2条，更新名称0条。")
    expect(page.locator("[data-job-bar]")).to_have_attribute("style", "width: 100%;")
    screenshot(page, "reference-import-done")
    assert ProductCategory.get_by_id("2301").name == "印刷品"

    page.get_by_label("CSV文件").set_input_files(str(bad))
    page.get_by_role("button", name="导入").click()
    expect(page.locator("[data-job-text]")).to_have_text("未导入：文件中有1行错误，请修改后重新上传。")
    expect(page.locator("[data-job-errors] li")).to_have_text(["第3行：名称不能为空"])
    screenshot(page, "reference-import-bad-rows")
    assert ProductCategory.get_or_none(ProductCategory.code == "2302") is None  # nothing half loaded

    page.goto(f"{live_server}/admin/categories/")
    expect(page.locator("#catalogue-completeness")).to_contain_text("目录完整程度")


@pytest.mark.browser
def test_a_unit_picks_a_category_or_other_for_one_the_catalogue_lacks(page, live_server, make):
    from test_browser_accounts import sign_in

    unit = make.approved_unit()
    product = Product.create(unit=unit, name="纸杯")
    sign_in(page, live_server, unit.user.username, PASSWORD)
    page.goto(f"{live_server}/portal/products/{product.id}/info")
    category = page.get_by_label("产品分类", exact=True)
    category.fill("纸杯")
    expect(page.locator("#category-list option").first).to_have_attribute("value", "2205010401 纸杯")
    expect(page.locator("#category-incomplete")).to_be_hidden()
    category.fill("锂离子电池")  # not in 大类 01–22
    expect(page.locator("#category-incomplete")).to_be_visible()
    expect(page.locator("#category-incomplete")).to_contain_text("只有大类01–22")
    expect(page.locator("#category-list option")).to_have_count(1)  # 其他 only
    category.fill("其他")
    other = page.get_by_label("产品分类（其他）", exact=True)
    expect(other).to_be_visible()
    other.fill("锂离子电池")
    screenshot(page, "category-other")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_load_state("load")
    saved = Product.get_by_id(product.id)
    assert (saved.category_id, saved.category_other) == (None, "锂离子电池")
    expect(page.get_by_label("产品分类", exact=True)).to_have_value("其他")
    expect(page.get_by_label("产品分类（其他）", exact=True)).to_have_value("锂离子电池")
