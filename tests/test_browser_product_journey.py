"""The filing journey in the browser: a unit fills the whole wizard (every field, both
pickers, 方法一, images, the patent dialog with flags, uploads), leaves after step 1 and
finds the draft, submits, and sees 待审核; a reviewer filters the queue, sees the checks
and previews and rejects with a template reason; the unit reads the reason, corrects and
resubmits; the reviewer sees the diff and approves; the unit sees 已备案 with its filing
number and asks for revocation, which the reviewer approves."""

import re

import pytest
from conftest import PASSWORD, screenshot
from playwright.sync_api import expect

from infra.validators import patent_check_char
from models import AssetInfo, Patent, Product, ProductPatent, UnitPatent, User, last_fiscal_year

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def unit_with_patents(make):
    unit = make.approved_unit()
    User.update(username="Journey01").where(User.id == unit.user_id).execute()
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year(), total_sales=5000, ip_investment=300)
    for n, name in enumerate(("一种锂电池正极材料", "一种电池管理方法", "电池包外壳"), start=1):
        body = f"2021{1}{n:07d}"
        number = body + patent_check_char(body)
        patent = Patent.create(number=number, display_number=f"ZL{number[:-1]}.{number[-1]}", name=name,
                               kind="invention", patentees=[unit.name])
        UnitPatent.create(unit=unit, patent=patent, source="auto")
    return unit


def open_first_in_queue(page, live_server, status):
    """The reviewer signs in and opens the oldest item of a 产品备案审核 queue."""
    from test_browser_accounts import sign_in

    sign_in(page, live_server, "Journey02", PASSWORD, path="/admin/login")
    page.goto(f"{live_server}/admin/review_products/?status={status}")
    page.get_by_role("link", name="审核", exact=True).first.click()
    page.wait_for_load_state("load")


@pytest.mark.browser
def test_filing_journey_from_the_wizard_to_revocation(page, live_server, make, tmp_path):
    from test_browser_accounts import sign_in, sign_out

    unit = unit_with_patents(make)
    image, proof = tmp_path / "主图.png", tmp_path / "经济效益证明.pdf"
    image.write_bytes(make.png((400, 300)))
    proof.write_bytes(PDF)
    sign_in(page, live_server, "Journey01", PASSWORD)
    page.get_by_role("link", name="产品备案管理").first.click()
    page.get_by_role("button", name="填报").click()

    # Step 1: every field.
    page.get_by_label("商品条码", exact=True).fill("6901234567892")
    page.get_by_label("商标", exact=True).fill("示范")
    page.get_by_label("产品名称", exact=True).fill("磷酸铁锂动力电池")
    page.get_by_label("规格型号", exact=True).fill("LFP-280Ah")
    page.get_by_label("产品分类", exact=True).fill("0101010101")
    page.get_by_label("产品所属行业", exact=True).fill("3841 锂离子电池制造")
    page.get_by_label("产品简介", exact=True).fill("用于储能电站和电动汽车的磷酸铁锂电芯")
    page.get_by_label("备案目的", exact=True).select_option(index=1)
    page.get_by_label("出口地", exact=True).select_option(label="德国")
    page.get_by_label("本产品首次生产年份", exact=True).fill("2019")
    for label, value in (("产品上年度总成本", "800"), ("产品知识产权投入", "40"), ("产品上年度销售额", "1200"),
                         ("产品上年度出口总额", "100"), ("产品上年度净利润", "150"), ("产品上年度总产值", "1300"),
                         ("产品市场份额", "3.5"), ("产品上年度毛利润率", "22")):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("方法一").check()
    page.get_by_label("系数K", exact=True).fill("2")
    expect(page.get_by_label("专利市场贡献指数", exact=True)).to_have_value("10.00")
    expect(page.locator("[data-saved-at]")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"), timeout=10000)  # autosaved
    # What autosave cannot keep is said at the field, and the header says it was not saved.
    page.get_by_label("本产品首次生产年份", exact=True).fill("2999")
    expect(page.locator("#e-first_year")).to_contain_text("年份", timeout=10000)
    expect(page.locator("[data-autosave-problems]")).to_have_text("有1项内容有误，未能保存，请修改标红处。")
    page.get_by_label("本产品首次生产年份", exact=True).fill("2019")
    expect(page.locator("[data-autosave-problems]")).to_have_text("", timeout=10000)
    expect(page.locator("#e-first_year")).to_have_text("")
    page.locator("#f-main_image").set_input_files(str(image))
    page.get_by_role("button", name="保存").click()
    expect(page.locator('[data-files="main_image"] img')).to_be_visible()
    screenshot(page, "wizard-1-info")

    # Leave after step 1 and find the draft again.
    page.get_by_role("link", name="产品备案管理").first.click()
    expect(page.locator('[data-tab-count="draft"]')).to_have_text("1")
    page.get_by_role("link", name="继续填报").click()
    expect(page.get_by_label("产品名称", exact=True)).to_have_value("磷酸铁锂动力电池")
    expect(page.get_by_label("专利市场贡献指数", exact=True)).to_have_value("10.00")
    page.get_by_role("button", name="下一步").click()

    # Step 2: the dialog, search, link, flags.
    page.get_by_role("link", name="从自有专利中选择").click()
    dialog = page.locator("#pick-dialog")
    expect(dialog.get_by_text("一种锂电池正极材料")).to_be_visible()
    dialog.get_by_placeholder("专利名称").fill("电池")
    # All three patents are 电池 ones, so the list looks the same before and after the search:
    # wait until the search's list has replaced the first one, or the boxes get ticked in the
    # list that is then replaced.
    first_list = dialog.get_by_role("row").nth(1).element_handle()
    dialog.get_by_role("button", name="查询").click()
    page.wait_for_function("row => !row.isConnected", arg=first_list)
    expect(dialog.get_by_role("row")).to_have_count(4)  # header + three patents
    dialog.get_by_role("checkbox").nth(0).check()
    dialog.get_by_role("checkbox").nth(1).check()
    screenshot(page, "wizard-2-dialog")
    dialog.get_by_role("button", name="确认").click()
    expect(page.get_by_text("已关联2项专利")).to_be_visible()
    rows = page.locator("tr[data-linked]")
    expect(rows).to_have_count(2)
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    rows.nth(1).get_by_role("button", name="取消关联").click()  # asks first; 取消 keeps the link
    expect(rows).to_have_count(2)
    assert asked and asked[0].startswith("确定取消关联专利ZL")
    rows.nth(0).get_by_text("核心专利").click()
    rows.nth(0).get_by_text("公开").click()
    rows.nth(1).get_by_text("涉诉专利").click()
    page.get_by_role("button", name="下一步").click()
    expect(page.locator("[id^=e-case-]")).to_have_text("涉诉专利须注明案件编号")  # stays, says where
    page.locator("tr[data-linked]").nth(1).get_by_label("案件编号").fill("4W112233")
    page.get_by_role("button", name="下一步").click()

    # Step 3: uploads, the self-check panel, 提交审核.
    expect(page.locator("[data-self-check]")).to_contain_text("请上传经济效益证明文件")
    page.locator("#f-economic_proof").set_input_files(str(proof))
    page.get_by_role("button", name="保存").click()
    expect(page.locator('[data-files="economic_proof"]')).to_contain_text("经济效益证明.pdf")
    expect(page.locator('[data-check="fail"]')).to_have_count(0)
    screenshot(page, "wizard-3-materials")
    page.get_by_role("button", name="提交审核").click()
    expect(page.get_by_text("已提交审核")).to_be_visible()
    expect(page.locator('[data-tab-count="pending"]')).to_have_text("1")
    expect(page.get_by_role("cell", name="待审核")).to_be_visible()
    screenshot(page, "wizard-4-pending")

    product = Product.get(Product.unit == unit)
    assert product.status == "pending" and product.contribution_index == 10 and product.export_countries == ["DE"]
    links = {link.patent.name: link for link in ProductPatent.select().where(ProductPatent.product == product)}
    assert links["一种锂电池正极材料"].core and links["一种锂电池正极材料"].public
    assert links["一种电池管理方法"].case_number == "4W112233"

    # The reviewer filters the queue, opens the filing, sees checks and previews, rejects.
    make.staff("reviewer", username="Journey02")
    sign_out(page)
    sign_in(page, live_server, "Journey02", PASSWORD, path="/admin/login")
    page.goto(live_server + "/admin/review_products/")
    page.locator("#q-unit").fill(unit.name)
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("cell", name="磷酸铁锂动力电池")).to_be_visible()
    page.get_by_role("link", name="审核", exact=True).first.click()
    page.wait_for_load_state("load")
    expect(page.get_by_text("方法一计算正确")).to_be_visible()
    expect(page.get_by_role("img", name="主图.png")).to_be_visible()
    page.get_by_label("常用理由").select_option(index=1)
    reason = page.get_by_label("理由（不通过时必填）").input_value()
    assert reason
    page.get_by_role("button", name="不通过", exact=True).click()
    expect(page.get_by_text("已处理：不通过")).to_be_visible(timeout=10000)
    sign_out(page)

    # The unit reads the reason, corrects and resubmits.
    sign_in(page, live_server, "Journey01", PASSWORD)
    page.goto(live_server + "/portal/products?tab=rejected")
    page.get_by_role("link", name="修改").click()
    expect(page.locator("[data-rejection]")).to_contain_text(reason)
    page.get_by_label("规格型号", exact=True).fill("LFP-280Ah 系列")
    page.get_by_role("link", name="3. 证明材料").click()
    page.get_by_role("button", name="提交审核").click()
    expect(page.get_by_text("已提交审核")).to_be_visible()
    sign_out(page)

    # The reviewer sees what changed and approves.
    open_first_in_queue(page, live_server, "pending")
    expect(page.locator("[data-changed=model]")).to_contain_text("LFP-280Ah → LFP-280Ah 系列")
    page.get_by_role("button", name="通过", exact=True).click()
    expect(page.get_by_text("已处理：已备案")).to_be_visible(timeout=10000)
    sign_out(page)

    # The unit sees 已备案 with its number and asks for revocation.
    product = Product.get(Product.unit == unit)
    assert product.status == "filed" and product.filing_number
    sign_in(page, live_server, "Journey01", PASSWORD)
    page.goto(live_server + "/portal/products?tab=filed")
    expect(page.get_by_role("cell", name=product.filing_number)).to_be_visible()
    page.get_by_role("link", name="撤销", exact=True).click()
    page.get_by_role("button", name="提交撤销申请").click()
    expect(page.locator("#e-reason")).to_have_text("请填写撤销原因")
    page.get_by_label("撤销原因").fill("产品已退出市场")
    page.get_by_role("button", name="提交撤销申请").click()
    expect(page.get_by_text("撤销备案申请已提交")).to_be_visible()
    sign_out(page)

    open_first_in_queue(page, live_server, "revocation_pending")
    expect(page.get_by_text("产品已退出市场").first).to_be_visible()
    page.get_by_role("button", name="同意撤销", exact=True).click()
    expect(page.get_by_text("已处理：已撤销")).to_be_visible(timeout=10000)
    sign_out(page)

    sign_in(page, live_server, "Journey01", PASSWORD)
    page.goto(live_server + "/portal/products?tab=revoked")
    expect(page.get_by_role("cell", name="磷酸铁锂动力电池")).to_be_visible()
    screenshot(page, "wizard-5-revoked")
