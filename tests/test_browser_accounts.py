"""Browser journeys (Playwright + Debian Chromium): register, sign in three ways, refused
sign-ins, 忘记密码, and each side refusing the other."""

import re

import pytest
from conftest import PASSWORD, outbox_texts, screenshot
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def latest_code(phone):
    texts = outbox_texts("sms", phone)
    assert texts, f"no SMS to {phone}"
    return re.search(r"验证码为(\d{6})", texts[-1]).group(1)


def sign_in(page, base, identity, password, path="/login"):
    page.goto(base + path)
    page.get_by_label("账号").fill(identity)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def sign_out(page):
    page.get_by_role("button", name="退出").click()


def test_unit_registers_then_signs_in_by_username_phone_and_email(page, live_server):
    page.goto(live_server + "/")
    page.get_by_role("link", name="单位注册").first.click()
    expect(page.get_by_role("heading", name="单位注册")).to_be_visible()

    # a first try with mistakes: every error at once, next to its field, nothing lost
    page.get_by_label("用户名").fill("1234")
    page.get_by_label("手机号").fill("13912345678")
    page.get_by_label("邮箱").fill("clerk@example")
    page.get_by_label("密码", exact=True).fill("abc12345!")
    page.get_by_label("确认密码").fill("abc12345?")
    page.get_by_role("button", name="注册").click()
    expect(page.locator("#e-username")).to_contain_text("用户名不能全为数字")
    expect(page.locator("#e-email")).to_contain_text("邮箱格式不正确")
    expect(page.locator("#e-password_confirm")).to_contain_text("两次输入的密码不一致")
    expect(page.locator("#e-agree")).to_contain_text("请阅读并同意《单位注册协议》")
    expect(page.get_by_label("手机号")).to_have_value("13912345678")
    screenshot(page, "register-errors")

    page.get_by_label("用户名").fill("示范企业01")
    page.get_by_label("邮箱").fill("clerk@example.cn")
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("[data-sms-button]")).to_have_text(re.compile(r"\d+秒后重新获取"))
    expect(page.locator("[data-sms-error]")).to_have_text("验证码已发送，请注意查收短信")
    page.get_by_label("短信验证码").fill(latest_code("13912345678"))
    page.get_by_label("密码", exact=True).fill("abc12345!")
    page.get_by_label("确认密码").fill("abc12345!")
    page.get_by_label("我已阅读并同意").check()
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_text("注册成功，请登录。")).to_be_visible()
    expect(page.get_by_text("推荐使用360极速浏览器、360安全浏览器和谷歌浏览器登录系统办理业务")).to_be_visible()
    screenshot(page, "login")

    for identity in ("示范企业01", "13912345678", "clerk@example.cn"):
        sign_in(page, live_server, identity, "abc12345!")
        expect(page).to_have_url(live_server + "/portal/")
        expect(page.get_by_role("heading", name="我的首页")).to_be_visible()
        expect(page.get_by_text("未提交")).to_be_visible()
        sign_out(page)
    screenshot(page, "after-logout")


def test_wrong_password_and_wrong_captcha_are_refused_with_messages(page, live_server, make, app, monkeypatch):
    make.unit_user(username="Erin0001")
    sign_in(page, live_server, "Erin0001", "not-my-pass1")
    expect(page.locator("#e-password")).to_have_text("账号或密码不正确，还可尝试4次")
    expect(page.get_by_label("账号")).to_have_value("Erin0001")

    monkeypatch.setitem(app.config, "CAPTCHA_ENABLED", True)
    page.goto(live_server + "/login")
    captcha = page.get_by_role("button", name="验证码图片，单击刷新")
    first_src = captcha.get_attribute("src")
    captcha.click()
    expect(captcha).not_to_have_attribute("src", first_src)
    page.get_by_label("账号").fill("Erin0001")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_placeholder("请输入验证码, 单击图片刷新").fill("0000")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#e-captcha")).to_have_text("验证码不正确，请单击图片刷新后重新输入")
    screenshot(page, "login-wrong-captcha")


def test_forgotten_password_is_reset_with_an_sms_code(page, live_server, make):
    make.unit_user(username="Finn0001", phone="13955550000")
    page.goto(live_server + "/login")
    page.get_by_role("link", name="忘记密码").click()
    page.get_by_label("手机号").fill("13955550000")
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("[data-sms-error]")).to_have_text("如该手机号已注册，验证码已发送，请注意查收短信")
    page.get_by_label("短信验证码").fill(latest_code("13955550000"))
    page.get_by_label("新密码").fill("fresh#pass8")
    page.get_by_label("确认密码").fill("fresh#pass8")
    page.get_by_role("button", name="重置密码").click()
    expect(page.get_by_text("密码已重置，请使用新密码登录。")).to_be_visible()
    sign_in(page, live_server, "13955550000", "fresh#pass8")
    expect(page).to_have_url(live_server + "/portal/")


def test_unit_is_refused_at_admin_and_reviewer_at_portal(page, live_server, make):
    make.unit_user(username="Gina0001")
    make.staff("reviewer", username="Rev00001")
    sign_in(page, live_server, "Gina0001", PASSWORD)
    page.goto(live_server + "/admin/")
    expect(page.get_by_text("单位账号不能进入管理后台，请从单位登录入口登录。")).to_be_visible()
    sign_out(page)

    sign_in(page, live_server, "Rev00001", PASSWORD, path="/admin/login")
    expect(page).to_have_url(live_server + "/admin/")
    expect(page.get_by_role("heading", name="工作台", level=1)).to_be_visible()
    screenshot(page, "admin-dashboard")
    page.goto(live_server + "/portal/")
    expect(page.get_by_text("工作人员账号不能进入单位端，请从管理后台登录。")).to_be_visible()


def test_pages_fit_a_375px_phone(page, live_server):
    page.set_viewport_size({"width": 375, "height": 740})
    for path in ("/", "/login", "/register"):
        page.goto(live_server + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
    screenshot(page, "register-375")
