"""A page can be used before it has finished loading (a slow line, a busy server): its form is
there while its stylesheets or its deferred script are still on their way, and a page script
runs only after them. What a person chose or typed meanwhile must still count once the script
runs. Each test keeps a resource back (Playwright's routing), acts, then lets it through."""

import pytest
from conftest import PASSWORD, valid_credit_code
from playwright.sync_api import expect
from test_browser_accounts import sign_in

import workflows
from models import AssetInfo, User, last_fiscal_year

pytestmark = pytest.mark.browser


def kept_back(page, pattern):
    """Requests for `pattern` are held (the list) until page.unroute(pattern) lets them through."""
    held = []
    page.route(pattern, lambda route: held.append(route))
    return held


def test_a_reason_template_chosen_while_the_page_is_still_loading_fills_the_reason_box(page, live_server, make):
    """The decision form's script waits for the page's stylesheets (an inline script does)."""
    unit = make.complete_unit()
    workflows.apply(unit, "submit", unit.user)
    make.staff("reviewer", username="Review03")
    sign_in(page, live_server, "Review03", PASSWORD, path="/admin/login")
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    held = kept_back(page, "**/*.css")
    page.goto(f"{live_server}/admin/review_units/{unit.id}", wait_until="commit")
    page.get_by_label("常用理由").select_option(label="营业执照扫描件不清晰")
    assert held, "the page had all its stylesheets before the choice: nothing was tried"
    page.unroute("**/*.css")
    expect(page.get_by_label("理由（不通过时必填）")).to_have_value(
        "上传的营业执照或组织机构代码证扫描件不清晰，请上传清晰的彩色原件扫描件或数码照。")
    page.get_by_role("button", name="不通过").click()
    expect(page.get_by_text("已处理：审核不通过")).to_be_visible()


def test_a_credit_code_typed_before_the_form_script_arrived_is_still_checked(page, live_server, make):
    make.unit_user(username="Verify02")
    sign_in(page, live_server, "Verify02", PASSWORD)
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    held = kept_back(page, "**/unit_form.*js")
    page.goto(f"{live_server}/portal/verification", wait_until="commit")
    code = valid_credit_code(778)
    page.get_by_label("统一社会信用代码").fill(code[:-1] + ("0" if code[-1] != "0" else "1"))
    assert held, "the form script had arrived before the typing: nothing was tried"
    page.unroute("**/unit_form.*js")
    expect(page.locator("[data-registry-message]")).to_have_text("统一社会信用代码校验位不正确")


def test_a_product_intro_typed_before_the_form_script_arrived_is_counted(page, live_server, make):
    unit = make.approved_unit()
    User.update(username="Filer002").where(User.id == unit.user_id).execute()
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year())
    product = make.complete_product(unit)
    sign_in(page, live_server, "Filer002", PASSWORD)
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    held = kept_back(page, "**/product_form.*js")
    page.goto(f"{live_server}/portal/products/{product.id}/info", wait_until="commit")
    page.get_by_label("产品简介").fill("用于新能源汽车动力电池组的监测与保护")
    assert held, "the form script had arrived before the typing: nothing was tried"
    page.unroute("**/product_form.*js")
    expect(page.locator("#c-intro")).to_have_text("18/500")
