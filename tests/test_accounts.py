"""单位注册, SMS codes, one-field login with lock-out, 忘记密码, and the two sides."""

import re
from datetime import timedelta

from conftest import PASSWORD, outbox_texts

from models import SmsCode, User, utcnow


def sms_code_for(client, phone, purpose="register"):
    resp = client.post("/sms-code", data={"phone": phone, "purpose": purpose})
    assert resp.status_code == 200, resp.get_json()
    return re.search(r"验证码为(\d{6})", outbox_texts("sms", phone)[-1]).group(1)


def register(client, **overrides):
    data = {"username": "示范企业01", "phone": "13912345678", "email": "clerk@example.cn",
            "password": "abc12345!", "password_confirm": "abc12345!", "agree": "1"}
    data.update(overrides)
    if "sms_code" not in data:
        data["sms_code"] = sms_code_for(client, data["phone"])
    return client.post("/register", data=data)


def test_unit_registers_with_the_sms_code_and_gets_a_unit(client):
    resp = register(client)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login")
    user = User.get(User.username == "示范企业01")
    assert user.phone == "13912345678" and user.role_names == {"unit"}
    assert user.unit_set.get().status == "draft"
    assert user.password != "abc12345!"  # hashed


def test_every_registration_error_shows_at_once_and_keeps_what_was_typed(client):
    resp = client.post("/register", data={
        "username": "12345", "phone": "12345", "email": "not-an-email", "sms_code": "",
        "password": "abcdefgh", "password_confirm": "abcdefgx"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    for message in ("用户名不能全为数字", "手机号格式不正确", "邮箱格式不正确", "请输入6位短信验证码",
                    "密码须包含数字、字母和特殊字符中的至少两种", "两次输入的密码不一致",
                    "请阅读并同意《单位注册协议》"):
        assert message in html, message
    assert 'value="12345"' in html and 'value="not-an-email"' in html
    assert 'value="abcdefgh"' not in html  # passwords are never echoed
    assert User.select().count() == 0


def test_username_phone_and_email_are_each_unique(client, make):
    make.unit_user(username="已有用户", phone="13700000001", email="taken@example.cn")
    resp = register(client, username="已有用户", email="TAKEN@example.cn", phone="13912345670")
    html = resp.get_data(as_text=True)
    assert "该用户名已被注册" in html and "该邮箱已被注册" in html
    # a registered phone gets its code too: the form says it is taken once the code is right
    html = register(client, username="新用户01", email="new@example.cn", phone="13700000001").get_data(as_text=True)
    assert "该手机号已被注册" in html
    assert User.select().count() == 1


def test_sms_code_wrong_five_times_is_dead(client):
    code = sms_code_for(client, "13912345678")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        html = register(client, sms_code=wrong).get_data(as_text=True)
        assert "短信验证码不正确" in html
    html = register(client, sms_code=code).get_data(as_text=True)
    assert "短信验证码错误次数过多，请重新获取" in html
    assert User.select().count() == 0


def test_sms_code_expires_after_five_minutes(client):
    code = sms_code_for(client, "13912345678")
    SmsCode.update(expires_at=utcnow() - timedelta(seconds=1)).execute()
    assert "短信验证码已过期，请重新获取" in register(client, sms_code=code).get_data(as_text=True)


def test_sms_code_resend_waits_sixty_seconds_and_daily_cap_holds(client, app):
    sms_code_for(client, "13912345678")
    resp = client.post("/sms-code", data={"phone": "13912345678", "purpose": "register"})
    assert resp.status_code == 400 and "秒后再获取验证码" in resp.get_json()["errors"]["phone"]
    cap = app.config["SMS_DAILY_PER_PHONE"]
    SmsCode.update(created_at=utcnow() - timedelta(minutes=2)).execute()
    for _ in range(cap - 1):
        sms_code_for(client, "13912345678")
        SmsCode.update(created_at=utcnow() - timedelta(minutes=2)).execute()
    resp = client.post("/sms-code", data={"phone": "13912345678", "purpose": "register"})
    assert resp.get_json()["errors"]["phone"] == "今日获取验证码次数已达上限，请明天再试"


def test_one_field_signs_in_by_username_phone_or_email(client, make):
    user = make.unit_user(username="Alice01", phone="13912345678", email="alice@x.cn")
    for identity in ("Alice01", "alice01", "13912345678", "+86 139 1234 5678", "ALICE@x.cn"):
        resp = client.post("/login", data={"identity": identity, "password": PASSWORD})
        assert resp.status_code == 302 and resp.headers["Location"] == "/portal/", identity
        client.post("/logout")
    assert User.get_by_id(user.id).login_count == 5


def test_wrong_password_locks_the_account_after_five_tries(client, make, app):
    user = make.unit_user(username="Bob0001")
    for left in (4, 3, 2, 1):
        html = client.post("/login", data={"identity": "Bob0001", "password": "wrong!123"}).get_data(as_text=True)
        assert f"账号或密码不正确，还可尝试{left}次" in html
    html = client.post("/login", data={"identity": "Bob0001", "password": "wrong!123"}).get_data(as_text=True)
    assert "密码错误次数过多，账号已锁定" in html
    html = client.post("/login", data={"identity": "Bob0001", "password": PASSWORD}).get_data(as_text=True)
    assert "账号已锁定" in html  # even the right password waits
    User.update(locked_until=utcnow() - timedelta(seconds=1)).where(User.id == user.id).execute()
    assert client.post("/login", data={"identity": "Bob0001", "password": PASSWORD}).status_code == 302


def test_captcha_is_required_when_enabled(client, make, app, monkeypatch):
    make.unit_user(username="Carol01")
    monkeypatch.setitem(app.config, "CAPTCHA_ENABLED", True)
    html = client.post("/login", data={"identity": "Carol01", "password": PASSWORD}).get_data(as_text=True)
    assert "请输入验证码" in html
    client.get("/captcha.png")
    html = client.post("/login", data={"identity": "Carol01", "password": PASSWORD,
                                       "captcha": "ZZZZ"}).get_data(as_text=True)
    assert "验证码不正确" in html
    with client.session_transaction() as s:
        assert "captcha" not in s  # one answer per image


def test_unit_is_refused_at_admin_and_staff_at_portal(client, make):
    make.unit_user(username="Unit0001")
    make.staff("reviewer", username="Reviewer01")
    html = client.post("/admin/login", data={"identity": "Unit0001", "password": PASSWORD}).get_data(as_text=True)
    assert "单位账号请从单位登录入口登录" in html
    html = client.post("/login", data={"identity": "Reviewer01", "password": PASSWORD}).get_data(as_text=True)
    assert "工作人员账号请从管理后台登录" in html
    client.post("/admin/login", data={"identity": "Reviewer01", "password": PASSWORD})
    resp = client.get("/portal/")
    assert resp.status_code == 403 and "工作人员账号不能进入单位端" in resp.get_data(as_text=True)
    client.post("/logout")
    client.post("/login", data={"identity": "Unit0001", "password": PASSWORD})
    resp = client.get("/admin/")
    assert resp.status_code == 403 and "单位账号不能进入管理后台" in resp.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_the_right_login(client):
    assert client.get("/portal/").headers["Location"].startswith("/login?next=")
    assert client.get("/admin/").headers["Location"].startswith("/admin/login?next=")


def test_forgotten_password_is_reset_by_sms_code(client, make):
    make.unit_user(username="Dave0001", phone="13912340000")
    code = sms_code_for(client, "13912340000", purpose="reset")
    resp = client.post("/reset", data={"phone": "13912340000", "sms_code": code,
                                       "password": "new!pass99", "password_confirm": "new!pass99"})
    assert resp.status_code == 302
    assert client.post("/login", data={"identity": "Dave0001", "password": PASSWORD}).status_code == 200
    assert client.post("/login", data={"identity": "Dave0001", "password": "new!pass99"}).status_code == 302


def test_reset_code_for_an_unknown_phone_is_answered_alike_but_not_sent(client):
    resp = client.post("/sms-code", data={"phone": "13900009999", "purpose": "reset"})
    assert resp.status_code == 200 and resp.get_json()["message"] == "如该手机号已注册，验证码已发送，请注意查收短信"
    assert outbox_texts("sms", "13900009999") == []
    html = client.post("/reset", data={"phone": "13900009999", "sms_code": "123456", "password": "new!pass99",
                                       "password_confirm": "new!pass99"}).get_data(as_text=True)
    assert "短信验证码不正确" in html and "尚未注册" not in html


def test_staff_two_factor_is_set_up_once_then_asked_every_time(client, make, app, monkeypatch):
    from domain import accounts

    monkeypatch.setitem(app.config, "STAFF_TWO_FACTOR", True)
    staff = make.staff("admin", username="Admin001")
    resp = client.post("/admin/login", data={"identity": "Admin001", "password": PASSWORD})
    assert resp.headers["Location"].startswith("/admin/login/verify")
    assert client.get("/admin/").status_code == 302  # not signed in yet
    html = client.get("/admin/login/verify").get_data(as_text=True)
    assert "请使用身份验证器应用扫描下方二维码" in html
    with client.session_transaction() as s:
        secret = s["tf_secret"]
    html = client.post("/admin/login/verify", data={"code": "000000"}).get_data(as_text=True)
    assert "动态验证码不正确" in html
    code = accounts.totp().generate_totp_password(secret)
    assert client.post("/admin/login/verify", data={"code": code}).headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert User.get_by_id(staff.id).tf_totp_secret == secret

    client.post("/logout")
    client.post("/admin/login", data={"identity": "Admin001", "password": PASSWORD})
    html = client.get("/admin/login/verify").get_data(as_text=True)
    assert "请输入身份验证器应用显示的6位动态验证码" in html and "扫描" not in html


def test_login_posts_are_rate_limited_per_ip(client, make, app, monkeypatch):
    from infra.extensions import limiter

    make.unit_user(username="Hank0001")
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    limiter.reset()
    for _ in range(3):
        assert client.post("/login", data={"identity": "Hank0001", "password": "x"}).status_code == 200
    resp = client.post("/login", data={"identity": "Hank0001", "password": PASSWORD})
    assert resp.status_code == 429 and "操作过于频繁，请稍后再试。" in resp.get_data(as_text=True)
    limiter.reset()


def test_create_staff_command_makes_a_back_office_account(app, db_session):
    result = app.test_cli_runner().invoke(args=[
        "zlcp", "create-staff", "--username", "cli_admin", "--email", "cli@zlcp.example.cn",
        "--name", "命令行管理员", "--role", "admin", "--role", "reviewer", "--password", "Cli@2026x"])
    assert result.exit_code == 0, result.output
    assert "已创建工作人员账号 cli_admin" in result.output
    user = User.get(User.username == "cli_admin")
    assert user.role_names == {"admin", "reviewer"} and user.full_name == "命令行管理员"
