"""Browser journey: a unit verifies with 获取工商信息 and uploads, is rejected with a template
reason, corrects, is approved (SMS in the outbox), and fills its asset information."""

import pytest
from conftest import PASSWORD, outbox_texts, screenshot, valid_credit_code
from playwright.sync_api import expect
from test_browser_accounts import sign_in, sign_out
from test_unit_verification import ASSETS

from models import RegistryEntry

pytestmark = pytest.mark.browser


def fill_assets(page):
    labels = {"total_cost": "单位年度总成本", "ip_investment": "单位年度知识产权总投入",
              "net_profit": "单位年度净利润总额", "total_sales": "单位年度所有产品总销售额",
              "fixed_assets": "单位年度固定资产总额", "total_output": "单位年度所有产品总产值",
              "sales_expense": "单位年度总销售费用", "admin_expense": "单位年度总管理费用",
              "finance_expense": "单位年度总财务费用", "patent_assets": "单位专利资产金额",
              "total_assets": "单位总资产金额", "employees": "单位年度员工人数"}
    for name, label in labels.items():
        page.get_by_label(label).fill(ASSETS[name])


def test_unit_verification_journey(page, live_server, make, tmp_path):
    code = valid_credit_code(777)
    RegistryEntry.create(credit_code=code, name="浏览器测试科技有限公司", registered_address="上海市浦东新区张江路1号",
                         legal_rep="孙八", legal_rep_phone="021-55555555")
    user = make.unit_user(username="Verify01")
    make.staff("reviewer", username="Review01")  # signs in below
    licence = tmp_path / "营业执照.png"
    licence.write_bytes(make.png((300, 200)))
    fake = tmp_path / "诚信承诺书.pdf"
    fake.write_bytes(b"MZ this is not a pdf")

    sign_in(page, live_server, "Verify01", PASSWORD)
    page.get_by_role("link", name="实名认证", exact=True).first.click()  # 用户中心 → 实名认证
    page.get_by_label("备案单位类型").select_option(label="企业")
    page.get_by_label("统一社会信用代码").fill(code[:-1] + ("0" if code[-1] != "0" else "1"))
    expect(page.locator("[data-registry-message]")).to_have_text("统一社会信用代码校验位不正确")
    page.get_by_label("统一社会信用代码").fill(code)
    page.get_by_role("button", name="获取工商信息").click()
    expect(page.locator("[data-registry-message]")).to_have_text("已获取工商信息，请核对")
    expect(page.get_by_label("单位名称")).to_have_value("浏览器测试科技有限公司")
    expect(page.get_by_label("法定代表人", exact=True)).to_have_value("孙八")
    page.get_by_label("同注册地址").check()
    expect(page.get_by_label("办公地址")).to_have_value("上海市浦东新区张江路1号")
    page.get_by_label("注册资本").fill("2000")
    page.get_by_label("国民经济行业分类").fill("3911 计算机整机制造")
    page.get_by_label("联系人", exact=True).fill("周九")
    page.get_by_label("联系电话").fill("13911112222")
    page.get_by_label("企业类型").select_option(label="有限责任公司")
    page.get_by_label("企业规模").select_option(label="中型")
    page.get_by_label("营业执照或组织机构代码证").set_input_files(str(licence))
    page.get_by_label("诚信承诺书", exact=True).set_input_files(str(fake))
    fill_assets(page)
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator("#e-commitment_file")).to_contain_text("格式不受支持")
    expect(page.get_by_text("已上传：营业执照.png")).to_be_visible()  # kept
    expect(page.get_by_label("单位名称")).to_have_value("浏览器测试科技有限公司")
    screenshot(page, "verification-errors")
    good = tmp_path / "诚信承诺书.png"
    good.write_bytes(make.png((200, 280)))
    page.get_by_label("诚信承诺书", exact=True).set_input_files(str(good))
    page.get_by_role("button", name="提交审核").click()
    expect(page.get_by_text("已提交审核，请等待平台审核。")).to_be_visible()
    expect(page.locator("[data-status]")).to_have_text("等待审核")
    sign_out(page)

    sign_in(page, live_server, "Review01", PASSWORD, path="/admin/login")
    page.goto(live_server + "/admin/review_units/")
    page.get_by_role("link", name="审核", exact=True).first.click()
    expect(page.get_by_role("img", name="营业执照.png")).to_be_visible()
    page.get_by_label("常用理由").select_option(label="营业执照扫描件不清晰")
    expect(page.get_by_label("理由（不通过时必填）")).to_have_value(
        "上传的营业执照或组织机构代码证扫描件不清晰，请上传清晰的彩色原件扫描件或数码照。")
    page.get_by_label("营业执照或组织机构代码证").check()
    screenshot(page, "review-unit")
    page.get_by_role("button", name="不通过").click()
    expect(page.get_by_text("已处理：审核不通过")).to_be_visible()
    sign_out(page)

    sign_in(page, live_server, "Verify01", PASSWORD)
    page.goto(live_server + "/portal/verification")
    expect(page.get_by_text("上传的营业执照或组织机构代码证扫描件不清晰")).to_be_visible()
    expect(page.get_by_text("审核意见：请修改")).to_be_visible()
    page.get_by_label("营业执照或组织机构代码证").set_input_files(str(licence))
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator("[data-status]")).to_have_text("等待审核")
    sign_out(page)

    sign_in(page, live_server, "Review01", PASSWORD, path="/admin/login")
    page.goto(live_server + "/admin/review_units/")
    page.get_by_role("link", name="审核", exact=True).first.click()
    page.get_by_role("button", name="通过", exact=True).click()
    expect(page.get_by_text("已处理：审核通过")).to_be_visible()
    assert any("审核通过" in t for t in outbox_texts("sms", user.phone))
    sign_out(page)

    sign_in(page, live_server, "Verify01", PASSWORD)
    page.get_by_role("link", name="资产信息").first.click()
    expect(page.get_by_label("单位年度总成本")).to_have_value("5000.00")  # entered at verification
    page.get_by_role("link", name="消息中心").first.click()
    expect(page.get_by_text("您的单位实名认证审核通过")).to_be_visible()
    screenshot(page, "messages-approved")


def test_patents_journey_with_a_name_change(page, live_server, make, tmp_path):
    from test_patents import number, row, write_csv

    from domain import patents

    reviewer = make.staff("reviewer", username="Review02")
    unit = make.approved_unit(reviewer)
    from models import User

    User.update(username="Patent01").where(User.id == unit.user_id).execute()
    write_csv(tmp_path / "registry.csv", [
        row(1, [unit.name]), row(2, [unit.name, "乙大学"], status="失效"), row(3, [unit.name]),
        row(4, ["新名字电子有限公司"]), row(5, ["别人公司"]),
    ])
    patents.import_file(tmp_path / "registry.csv")

    sign_in(page, live_server, "Patent01", PASSWORD)
    page.get_by_role("link", name="专利信息管理").first.click()
    expect(page.get_by_text("暂无专利")).to_be_visible()
    page.get_by_role("button", name="自动导入专利").click()
    expect(page.locator("[data-job-text]")).to_have_text("导入完成，新增专利3件。")
    expect(page.locator("[data-count]")).to_contain_text("共3件专利", timeout=10000)
    page.get_by_role("link", name="手动新增专利").click()
    page.get_by_label("专利号").fill(number(5)[:-1] + ("0" if number(5)[-1] != "0" else "1"))
    page.get_by_label("被许可").check()
    page.get_by_role("button", name="确认").click()
    expect(page.locator("#e-number")).to_have_text("专利号校验位不正确")
    expect(page.locator("#e-licensor")).to_have_text("请填写许可人")
    page.get_by_label("专利号").fill(number(5))
    page.get_by_label("许可人").fill("别人公司")
    page.get_by_label("许可起始日").fill("2024-01-01")
    page.get_by_label("许可截止日").fill("2099-12-31")
    contract = tmp_path / "许可合同.pdf"
    contract.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.get_by_label("专利实施许可合同").set_input_files(str(contract))  # a licence needs its contract
    page.get_by_role("button", name="确认").click()
    expect(page.get_by_text(f"已添加专利 {number(5)}。")).to_be_visible()
    expect(page.locator("[data-count]")).to_contain_text("共4件专利")
    page.get_by_label("法律状态").select_option(label="失效")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("[data-count]")).to_contain_text("共1件专利")
    screenshot(page, "patents-filtered")

    page.get_by_role("link", name="实名认证", exact=True).first.click()  # 用户中心 → 实名认证
    page.get_by_role("link", name="变更单位信息").first.click()
    page.get_by_label("单位名称").fill("新名字电子有限公司")
    page.get_by_role("button", name="提交审核").click()
    expect(page.get_by_text("单位信息变更已提交审核")).to_be_visible()
    sign_out(page)

    sign_in(page, live_server, "Review02", PASSWORD, path="/admin/login")
    page.goto(live_server + "/admin/review_changes/")
    page.get_by_role("link", name="审核", exact=True).first.click()
    expect(page.locator("ins")).to_have_text("新名字电子有限公司")
    screenshot(page, "review-change")
    page.get_by_role("button", name="通过", exact=True).click()
    sign_out(page)
    # the registry later publishes another patent still under the unit's former name
    write_csv(tmp_path / "later.csv", [row(6, [unit.name])])
    patents.import_file(tmp_path / "later.csv")

    sign_in(page, live_server, "Patent01", PASSWORD)
    page.get_by_role("link", name="专利信息管理").first.click()
    page.get_by_role("button", name="自动导入专利").click()
    expect(page.locator("[data-job-text]")).to_have_text("导入完成，新增专利2件。")
    expect(page.locator("[data-count]")).to_contain_text("共6件专利", timeout=10000)
    expect(page.get_by_text("一种测试装置4")).to_be_visible()  # under the new name
    expect(page.get_by_text("一种测试装置6")).to_be_visible()  # under the former name
    screenshot(page, "patents-after-rename")

