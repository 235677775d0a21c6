"""公众异议 in the browser (manual §九): a visitor objects from a product in 公示中 (我有异议, the
product chosen, a PDF attached), gets a 受理编号 and looks it up; the handler sees it in 异议处理
with its 处理期限 and asks the unit for a reply; the unit replies in the portal from 消息中心;
the handler upholds it (异议成立) and the recognition is revoked at once: the product page and
the phone page say 已撤销认定, search no longer lists it, and the objector's look-up shows the
outcome with its reason. A second visitor objects from the home page, searching for the product
in the form, after a first submit whose errors all show at once without losing what was typed.

The clock is FIXED_NOW (Wednesday 17 June 2026; 端午节 Friday 19 June). Working days are counted
with the day of receipt as the first (as a notice's are): the 15th is 2026-07-08, the 5th (the
unit's reply) 2026-06-24."""

import io
import re

import pytest
from conftest import FIXED_NOW, PASSWORD, screenshot
from PIL import Image, ImageDraw
from playwright.sync_api import expect
from test_browser_accounts import sign_in, sign_out
from test_public_products import filed_product, recognition

from infra.extensions import limiter
from models import Objection, ObjectionFile, Recognition
from workflows import ObjectionStatus, RecognitionStatus

pytestmark = pytest.mark.browser

DEADLINE = "2026-07-08"  # the 15th working day from 2026-06-17 (19 June is 端午节)
REPLY_DUE = "2026-06-24"  # the 5th working day from 2026-06-17
CONTENT = "该产品实际并未实施所关联的核心专利，公示的产品信息与市场上销售的产品不符，请核查。"
REPLY = "本单位产品确已实施核心专利，随附产品技术说明，请异议处理人员核查。"
REASON = "经核查，该产品未实施所关联的核心专利，异议成立，撤销认定。"
TRACKING = re.compile(r"^YY26(-[2-9A-HJKMNP-Z]{4}){3}$")


@pytest.fixture(autouse=True)
def fresh_limits():
    """The form's per-address limits count this test's posts only."""
    limiter.reset()
    yield
    limiter.reset()


def small_pdf():
    """A real one-page PDF (an image drawn into it), as a scanner or a phone makes."""
    image = Image.new("RGB", (300, 200), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 280, 60), fill=(31, 78, 140))
    for y in range(80, 190, 18):
        draw.line((20, y, 280, y), fill=(90, 90, 90), width=3)
    buf = io.BytesIO()
    image.save(buf, "PDF")
    return buf.getvalue()


def fill_person(page, name, phone, email):
    page.locator("#f-name").fill(name)
    page.locator("#f-organisation").fill("某某研究所")
    page.locator("#f-phone").fill(phone)
    page.locator("#f-email").fill(email)


def look_up(page, live_server, number, contact):
    page.goto(live_server + "/objections/track")
    page.locator("#f-number").fill(number)
    page.locator("#f-contact").fill(contact)
    page.locator("[data-objection-track-submit]").click()


def test_objection_from_a_product_page_to_its_upholding_and_the_revocation(page, live_server, make, clock,
                                                                         browser):
    clock(FIXED_NOW)
    product = filed_product(make, name="智慧水务流量计", model="LL-100")
    rec = recognition(product, make, to="notice")
    assert rec.status == RecognitionStatus.NOTICE
    handler = make.staff("handler")

    # The visitor: the product page's 我有异议 opens the form with the product chosen.
    page.goto(f"{live_server}/products/{product.token}")
    page.locator("a[data-objection]").click()
    form = page.locator("form[data-objection-form]")
    expect(form).to_be_visible()
    expect(page.locator(f"li[data-choice='{product.token}'] input[name=product]")).to_be_checked()
    fill_person(page, "王小明", "13912345678", "wang@example.cn")
    page.locator("#f-content").fill(CONTENT)
    expect(page.locator("[data-objection-counter]")).to_contain_text(f"已输入{len(CONTENT)}个字")
    page.locator("#f-files").set_input_files(
        files=[{"name": "现场照片说明.pdf", "mimeType": "application/pdf", "buffer": small_pdf()}])
    screenshot(page, "objection-form-from-product-page")
    page.locator("[data-objection-submit]").click()

    # The receipt: a 受理编号 to read aloud, the 处理期限, a link to 异议查询.
    receipt = page.locator("[data-objection-receipt]")
    expect(receipt).to_be_visible()
    number = page.locator("[data-tracking-number]").get_attribute("data-tracking-number")
    assert TRACKING.match(number), number
    expect(page.locator("[data-deadline]")).to_have_text(DEADLINE)
    expect(receipt).to_contain_text("智慧水务流量计")
    screenshot(page, "objection-receipt")
    objection = Objection.get(Objection.tracking_number == number)
    assert objection.recognition_id == rec.id and objection.status == ObjectionStatus.ACCEPTED
    assert ObjectionFile.select().where(ObjectionFile.objection == objection).count() == 1

    # 异议查询 from the receipt: the number is filled in; the phone used → 已受理.
    page.locator("[data-objection-track-link]").click()
    expect(page.locator("#f-number")).to_have_value(number)
    page.locator("#f-contact").fill("13912345678")
    page.locator("[data-objection-track-submit]").click()
    expect(page.locator("[data-objection-status=accepted]")).to_have_text("已受理")
    expect(page.locator("[data-objection-outcome]")).to_have_count(0)
    screenshot(page, "objection-track-accepted")
    # Another phone with the same number reads nothing.
    look_up(page, live_server, number, "13800138000")
    expect(page.locator("[data-objection-lookup-error]")).to_be_visible()
    expect(page.locator("[data-objection-status]")).to_have_count(0)

    # The handler: the queue lists it with its 处理期限; 请单位说明.
    sign_in(page, live_server, handler.username, PASSWORD, path="/admin/login")
    page.goto(live_server + "/admin/review_objections/")
    row = page.locator(f"tr[data-objection='{objection.id}']")
    expect(row).to_contain_text(number)
    expect(row).to_contain_text("智慧水务流量计")
    expect(row.locator("td[data-deadline]")).to_have_text(DEADLINE)
    screenshot(page, "objection-queue")
    row.locator(f"a[data-open-objection='{objection.id}']").click()
    expect(page.locator("[data-objection-content]")).to_contain_text(CONTENT)
    expect(page.locator("[data-objector]")).not_to_contain_text("13912345678")  # masked until asked for
    expect(page.locator("[data-objector-files] [data-pdf-pages]")).to_be_visible()  # the PDF, drawn as pages
    page.locator("#reply-message").fill("请说明该产品实施核心专利的情况，并提供证明材料。")
    page.locator("form[data-request-reply]").get_by_role("button", name="请单位说明").click()
    expect(page.get_by_text(f"已请单位说明：{number}")).to_be_visible()
    expect(page.locator("[data-reply-waiting]")).to_be_visible()
    expect(page.locator("[data-unit-reply]")).to_contain_text(REPLY_DUE)
    screenshot(page, "objection-reply-requested")
    assert Objection.get_by_id(objection.id).status == ObjectionStatus.PROCESSING
    sign_out(page)

    # The unit: 消息中心 → the objection → 提交说明; it never sees who objected.
    sign_in(page, live_server, product.unit.user.username, PASSWORD)
    page.get_by_role("link", name="消息中心").first.click()
    message = page.locator(".zl-card", has_text=number)
    expect(message).to_contain_text("请对公众异议作出说明")
    expect(message).to_contain_text(REPLY_DUE)
    screenshot(page, "portal-messages-objection")
    message.locator("a[data-message-link]").click()
    expect(page).to_have_url(re.compile(rf"/portal/objections/{objection.id}$"))
    expect(page.locator("[data-objection-content]")).to_contain_text(CONTENT)
    expect(page.locator("main")).to_contain_text("公众")
    for private in ("王小明", "某某研究所", "13912345678", "wang@example.cn"):
        expect(page.locator("main")).not_to_contain_text(private)
    reply_form = page.locator("form[data-reply-form]")
    reply_form.locator("#f-reply").fill(REPLY)
    reply_form.locator("#f-files").set_input_files(
        files=[{"name": "产品技术说明.pdf", "mimeType": "application/pdf", "buffer": small_pdf()}])
    screenshot(page, "portal-objection-reply")
    reply_form.get_by_role("button", name="提交说明").click()
    expect(page.get_by_text("说明已提交，异议处理人员将尽快处理。")).to_be_visible()
    expect(page.locator("[data-reply-text]")).to_have_text(REPLY)
    expect(page.locator("form[data-reply-form]")).to_have_count(0)
    page.goto(live_server + "/portal/objections")
    expect(page.locator(f"tr[data-objection='{objection.id}']")).to_contain_text("已说明")
    sign_out(page)

    # The handler: the reply beside the objection, then 异议成立 with a reason (confirmed).
    sign_in(page, live_server, handler.username, PASSWORD, path="/admin/login")
    page.goto(f"{live_server}/admin/review_objections/{objection.id}")
    expect(page.locator("[data-reply-text]")).to_have_text(REPLY)
    expect(page.locator("[data-unit-reply] [data-reply-file]")).to_have_count(1)
    page.locator("form[data-decision] #reason").fill(REASON)
    screenshot(page, "objection-decision")
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.locator("button[name=event][value=uphold]").click()
    expect(page.get_by_text("已处理：异议成立")).to_be_visible()
    assert dialogs and "异议成立" in dialogs[0]
    assert Recognition.get_by_id(rec.id).status == RecognitionStatus.REVOKED
    assert Objection.get_by_id(objection.id).outcome == REASON
    sign_out(page)

    # The public: the product page and the phone page say 已撤销认定, without 我有异议.
    page.goto(f"{live_server}/products/{product.token}")
    expect(page.locator(".zl-pstatus")).to_have_text("已撤销认定")
    expect(page.locator("a[data-objection]")).to_have_count(0)
    screenshot(page, "product-page-recognition-revoked")
    phone = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN")
    mobile = phone.new_page()
    mobile.goto(f"{live_server}/m/{product.token}")
    expect(mobile.locator("p.st")).to_have_text("已撤销认定")
    expect(mobile.locator("a[data-objection]")).to_have_count(0)
    screenshot(mobile, "phone-page-recognition-revoked")
    phone.close()
    page.goto(live_server + "/search?q=智慧水务")
    expect(page.get_by_role("link", name="智慧水务流量计")).to_have_count(0)

    # The objector's look-up, this time with the e-mail: 异议成立 and the reason.
    look_up(page, live_server, number.lower().replace("-", " "), "Wang@Example.cn")
    expect(page.locator("[data-objection-status=upheld]")).to_have_text("异议成立")
    expect(page.locator("[data-objection-outcome]")).to_have_text(f"异议成立：{REASON}")
    expect(page.locator("[data-decided-on]")).to_have_text(FIXED_NOW.date().isoformat())
    screenshot(page, "objection-track-upheld")


def test_objection_from_the_home_page_shows_every_error_at_once_then_finds_the_product(page, live_server, make,
                                                                                     clock):
    clock(FIXED_NOW)
    product = filed_product(make, name="储能变流器", model="PCS-500")
    recognition(product, make, to="recognised")
    filed_product(make, name="储能电池柜", model="ESS-1")  # filed only: not open to objection

    page.goto(live_server + "/")
    page.locator("[data-home-objection]").click()
    expect(page.get_by_role("heading", name="公众异议")).to_be_visible()

    # A first submit: no product chosen, a bad phone, a short content — every error at once.
    fill_person(page, "李华", "1391234", "lihua@example.cn")
    page.locator("#f-content").fill("产品不符")
    page.locator("#f-files").set_input_files(
        files=[{"name": "证据材料.pdf", "mimeType": "application/pdf", "buffer": small_pdf()}])
    page.locator("[data-objection-submit]").click()
    expect(page.locator("#e-phone")).to_have_text("手机号格式不正确")
    expect(page.locator("#e-product")).to_have_text("请选择异议对象（公示中或已认定的产品）")
    expect(page.locator("#e-content")).to_have_text("异议内容不能少于20个字（当前4个字）")
    expect(page.locator("#e-name")).to_have_count(0)
    # What was typed and uploaded is still there.
    expect(page.locator("#f-name")).to_have_value("李华")
    expect(page.locator("#f-organisation")).to_have_value("某某研究所")
    expect(page.locator("#f-phone")).to_have_value("1391234")
    expect(page.locator("#f-email")).to_have_value("lihua@example.cn")
    expect(page.locator("#f-content")).to_have_value("产品不符")
    expect(page.locator("[data-objection-kept]")).to_contain_text("证据材料.pdf")
    screenshot(page, "objection-form-errors")
    assert Objection.select().count() == 0

    # Search in the form: only the product open to objection is listed; pick it.
    page.locator("#f-q").fill("储能")
    page.locator("[data-objection-search]").click()
    choice = page.locator(f"li[data-choice='{product.token}']")
    expect(choice).to_be_visible()
    expect(choice).to_contain_text("已认定")
    expect(page.locator("li[data-choice]")).to_have_count(1)
    choice.locator("input[name=product]").check()
    page.locator("#f-phone").fill("13712345678")
    page.locator("#f-content").fill(CONTENT)
    screenshot(page, "objection-form-search")
    page.locator("[data-objection-submit]").click()

    expect(page.locator("[data-objection-receipt]")).to_be_visible()
    expect(page.locator("[data-objection-product]")).to_contain_text("储能变流器")
    number = page.locator("[data-tracking-number]").get_attribute("data-tracking-number")
    objection = Objection.get(Objection.tracking_number == number)
    assert objection.recognition.product_id == product.id and objection.phone == "13712345678"
    assert ObjectionFile.select().where(ObjectionFile.objection == objection).count() == 1  # the kept upload

    look_up(page, live_server, number, "13712345678")
    expect(page.locator("[data-objection-status=accepted]")).to_have_text("已受理")
