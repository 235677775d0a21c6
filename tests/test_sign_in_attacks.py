"""What an attacker tried against accounts and sign-in, each refused: a saved session cookie
sent again after 退出 or a password reset, a solved captcha replayed with its cookie, the
two-factor step's cookie replayed for fresh guesses, parallel requests racing the SMS limits
and one reset code, names and phones probed for accounts, a NUL byte in the login name — and
the app started with config.toml's example secrets."""

import re
import threading

import pytest
from conftest import PASSWORD, TEST_REDIS_URL, outbox_texts
from flask.testing import FlaskClient
from test_accounts import sms_code_for
from test_back_office import admin_post

from models import SmsCode, User, utcnow


class Browser(FlaskClient):
    """A test client whose every request has an app context of its own, as in production. The
    suite's fixtures keep one app context open, and requests would share its `g` — where
    Flask-Login keeps the user the previous request signed in, whoever's cookie that was."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def new_browser(app, db_session):
    """new_browser() opens another browser on the site."""
    return lambda: Browser(app, app.response_class, use_cookies=True)


def sign_in(browser, user, password=PASSWORD):
    path = "/admin/login" if user.is_staff else "/login"
    resp = browser.post(path, data={"identity": user.username, "password": password})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    return browser


def saved_cookie(client):
    return client.get_cookie("session").value


def send_again(client, cookie):
    client.set_cookie("session", cookie)


def in_parallel(app, n, request):
    """request(client, i) from n threads at once, each with its own client (and database
    connection); returns the responses by i."""
    barrier = threading.Barrier(n)
    responses = [None] * n

    def run(i):
        client = Browser(app, app.response_class, use_cookies=True)
        barrier.wait()
        responses[i] = request(client, i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return responses


# ---------------------------------------------------------------- sessions end on the server


def test_a_cookie_saved_before_logout_no_longer_opens_the_portal(new_browser, make):
    client = sign_in(new_browser(), make.unit_user())
    assert client.get("/portal/").status_code == 200
    cookie = saved_cookie(client)
    client.post("/logout")
    send_again(client, cookie)
    resp = client.get("/portal/")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")


def test_a_password_reset_signs_the_account_out_of_every_browser(new_browser, make):
    user = make.unit_user(phone="13912340001")
    client, other = sign_in(new_browser(), user), sign_in(new_browser(), user)
    assert client.get("/portal/").status_code == other.get("/portal/").status_code == 200
    cookies = [saved_cookie(client), saved_cookie(other)]
    helper = new_browser()
    code = sms_code_for(helper, "13912340001", purpose="reset")
    resp = helper.post("/reset", data={"phone": "13912340001", "sms_code": code,
                                       "password": "new!pass99", "password_confirm": "new!pass99"})
    assert resp.status_code == 302
    for browser, cookie in zip((client, other), cookies):
        send_again(browser, cookie)
        assert browser.get("/portal/").headers["Location"].startswith("/login")


def test_an_administrator_setting_a_password_or_deactivating_signs_the_staff_member_out(new_browser, make):
    admin = make.staff("admin")
    client = sign_in(new_browser(), admin)
    reviewers = {"password": make.staff("reviewer"), "active": make.staff("reviewer")}
    browsers = {change: sign_in(new_browser(), reviewer) for change, reviewer in reviewers.items()}
    for change in reviewers:
        assert browsers[change].get("/admin/").status_code == 200
    for change, reviewer in reviewers.items():
        form = {"username": reviewer.username, "full_name": reviewer.full_name, "email": reviewer.email,
                "phone": "", "staff_roles": ["reviewer"]}
        if change == "password":
            form.update(active="y", new_password="Other@2026x")
        url = f"/admin/staff/edit/?id={reviewer.id}"
        assert admin_post(client, url, form).status_code == 302
        assert browsers[change].get("/admin/").headers["Location"].startswith("/admin/login"), change
    # an administrator who sets their own password stays signed in here
    form = {"username": admin.username, "full_name": admin.full_name, "email": admin.email, "phone": "",
            "active": "y", "staff_roles": ["admin"], "new_password": "Mine@2026x"}
    assert admin_post(client, f"/admin/staff/edit/?id={admin.id}", form).status_code == 302
    assert client.get("/admin/").status_code == 200


# ---------------------------------------------------------------- captcha, example secrets


@pytest.fixture(params=["database", "redis"])
def captcha_store(request, app, monkeypatch):
    """The captcha kept in the database (no REDIS_URL) or in Redis (when the run has one)."""
    if request.param == "redis":
        if not TEST_REDIS_URL:
            pytest.skip("Redis not configured (ZLCP_TEST_REDIS_URL)")
        monkeypatch.setitem(app.config, "REDIS_URL", TEST_REDIS_URL)
    else:
        monkeypatch.setitem(app.config, "REDIS_URL", "")
    return request.param


def test_a_solved_captcha_replayed_with_its_cookie_is_refused(new_browser, make, app, monkeypatch, captcha_store):
    from public_site import auth

    client = new_browser()
    user = make.unit_user()
    monkeypatch.setitem(app.config, "CAPTCHA_ENABLED", True)
    monkeypatch.setattr(auth, "CAPTCHA_ALPHABET", "K")  # the image reads KKKK
    client.get("/captcha.png")
    cookie = saved_cookie(client)
    html = client.post("/login", data={"identity": user.username, "password": "wrong!123",
                                       "captcha": "kkkk"}).get_data(as_text=True)
    assert 'id="e-captcha"' not in html and "账号或密码不正确" in html  # solved: the password was checked
    for _ in range(3):
        send_again(client, cookie)
        html = client.post("/login", data={"identity": user.username, "password": PASSWORD,
                                           "captcha": "KKKK"}).get_data(as_text=True)
        assert "验证码已过期，请单击图片刷新" in html
    assert client.get("/portal/").status_code == 302  # never signed in


def test_the_app_refuses_to_start_with_the_example_secrets(app):
    from app import create_app, refuse_example_secrets

    with pytest.raises(RuntimeError, match="ZLCP_SECRET_KEY、ZLCP_SECURITY_PASSWORD_SALT、ZLCP_SECURITY_TOTP_SECRETS"):
        create_app({"DEVELOPMENT": False, "SECRET_KEY": "dev-secret-change-me",
                    "SECURITY_PASSWORD_SALT": "dev-salt-change-me",
                    "SECURITY_TOTP_SECRETS": {"1": "dev-totp-secret-change-me"}})
    with pytest.raises(RuntimeError, match="ZLCP_SECURITY_PASSWORD_SALT"):
        create_app({"DEVELOPMENT": False, "SECRET_KEY": "x" * 32, "SECURITY_PASSWORD_SALT": "",
                    "SECURITY_TOTP_SECRETS": {"1": "y" * 32}})
    examples = {"SECRET_KEY": "dev-secret-change-me", "SECURITY_PASSWORD_SALT": "dev-salt-change-me",
                "SECURITY_TOTP_SECRETS": {"1": "dev-totp-secret-change-me"}}
    refuse_example_secrets({**examples, "DEVELOPMENT": True})  # `make run`: allowed
    refuse_example_secrets(app.config)  # secrets of its own: allowed


# ---------------------------------------------------------------- staff two-factor


def test_replaying_the_two_factor_cookie_gives_no_fresh_guesses(new_browser, make, app, monkeypatch):
    from domain import accounts

    client = new_browser()
    monkeypatch.setitem(app.config, "STAFF_TWO_FACTOR", True)
    staff = make.staff("admin", username="Admin002")
    secret = accounts.totp().generate_totp_secret()
    accounts.enable_totp(staff, secret)
    client.post("/admin/login", data={"identity": "Admin002", "password": PASSWORD})
    cookie = saved_cookie(client)  # password accepted, second step pending
    right = accounts.totp().generate_totp_password(secret)
    wrong = "000000" if right != "000000" else "111111"
    for left in (4, 3, 2, 1):
        send_again(client, cookie)
        html = client.post("/admin/login/verify", data={"code": wrong}).get_data(as_text=True)
        assert f"动态验证码不正确，还可尝试{left}次" in html
    send_again(client, cookie)
    resp = client.post("/admin/login/verify", data={"code": wrong})
    assert resp.headers["Location"].startswith("/admin/login")
    send_again(client, cookie)  # the sixth try, with the right code, is one too many
    resp = client.post("/admin/login/verify", data={"code": right})
    assert resp.headers["Location"] == "/admin/login"
    assert "动态验证码错误次数过多，请15分钟后再试" in client.get("/admin/login").get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_two_factor_posts_are_rate_limited_per_ip(client, make, app, monkeypatch):
    from infra.extensions import limiter

    monkeypatch.setitem(app.config, "STAFF_TWO_FACTOR", True)
    make.staff("admin", username="Admin003")
    client.post("/admin/login", data={"identity": "Admin003", "password": PASSWORD})
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "2 per minute")
    limiter.reset()
    for _ in range(2):
        assert client.post("/admin/login/verify", data={"code": "123456"}).status_code == 200
    resp = client.post("/admin/login/verify", data={"code": "123456"})
    assert resp.status_code == 429 and "操作过于频繁，请稍后再试。" in resp.get_data(as_text=True)
    limiter.reset()


# ---------------------------------------------------------------- SMS limits under parallel requests


def test_parallel_sms_code_requests_for_one_phone_send_one_code(app, db_session):
    def ask(client, i):
        return client.post("/sms-code", data={"phone": "13912345600", "purpose": "register"})

    responses = in_parallel(app, 12, ask)
    assert sorted(r.status_code for r in responses) == [200] + [400] * 11
    assert all("秒后再获取验证码" in r.get_json()["errors"]["phone"] for r in responses if r.status_code == 400)
    assert len(outbox_texts("sms", "13912345600")) == 1
    assert SmsCode.select().where(SmsCode.phone == "13912345600").count() == 1


def test_parallel_sms_code_requests_from_one_ip_stop_at_the_daily_cap(app, db_session):
    cap = app.config["SMS_DAILY_PER_IP"]
    for n in range(cap - 2):  # earlier today, from this address
        SmsCode.create(phone=f"1370000{n:04d}", purpose="register", ip="127.0.0.1", code_hash="x",
                       expires_at=utcnow())

    def ask(client, i):
        return client.post("/sms-code", data={"phone": f"1391234{i:04d}", "purpose": "register"})

    responses = in_parallel(app, 12, ask)
    assert sorted(r.status_code for r in responses) == [200] * 2 + [400] * 10
    refused = {r.get_json()["errors"]["phone"] for r in responses if r.status_code == 400}
    assert refused == {"今日获取验证码次数已达上限，请明天再试"}
    assert SmsCode.select().where(SmsCode.ip == "127.0.0.1").count() == cap


# ---------------------------------------------------------------- probing for accounts


def test_login_answers_alike_for_an_unknown_name_and_a_wrong_password(client, make):
    make.unit_user(username="Bob0002", phone="13912340002")

    def answer(identity, password="wrong!123"):
        html = client.post("/login", data={"identity": identity, "password": password}).get_data(as_text=True)
        return re.search(r'id="e-(?:identity|password)"[^>]*>([^<]*)<', html).group(1).strip()

    for identity in ("Bob0002", "Nobody02", "13912340009"):
        answers = [answer(identity) for _ in range(5)] + [answer(identity, PASSWORD)]
        assert answers == [f"账号或密码不正确，还可尝试{n}次" for n in (4, 3, 2, 1)] + [
            "密码错误次数过多，账号已锁定，请15分钟后再试"] * 2, identity


def test_an_unknown_name_costs_a_password_check_like_a_known_one(client, make, app, monkeypatch):
    # /admin/login took 5 ms for an unknown name and 152 ms for a known one: only known
    # names had their password hashed. Count the hash checks instead of timing them.
    make.staff("reviewer", username="Rev00002")
    context = app.extensions["security"].pwd_context
    checks = []
    verify = context.verify
    monkeypatch.setattr(context, "verify", lambda *a, **kw: checks.append(1) or verify(*a, **kw))
    for identity in ("Rev00002", "Nobody03"):
        checks.clear()
        html = client.post("/admin/login", data={"identity": identity, "password": "wrong!123"}).get_data(as_text=True)
        assert "账号或密码不正确，还可尝试4次" in html
        assert len(checks) == 1, identity


def test_registration_says_a_name_is_taken_only_after_the_phones_code(client, make):
    make.unit_user(username="已有用户2", phone="13700000002", email="taken2@example.cn")
    form = {"username": "已有用户2", "phone": "13700000002", "email": "taken2@example.cn",
            "password": "abc12345!", "password_confirm": "abc12345!", "agree": "1"}
    for code in ("", "123456"):  # no code, a guessed code
        html = client.post("/register", data={**form, "sms_code": code}).get_data(as_text=True)
        assert "已被注册" not in html
        assert "请输入6位短信验证码" in html or "短信验证码不正确" in html or "请先获取短信验证码" in html
    code = sms_code_for(client, "13700000002")
    html = client.post("/register", data={**form, "sms_code": code}).get_data(as_text=True)
    assert all(m in html for m in ("该用户名已被注册", "该手机号已被注册", "该邮箱已被注册"))


def test_register_and_reset_posts_are_rate_limited_per_ip(client, app, monkeypatch):
    from infra.extensions import limiter

    monkeypatch.setitem(app.config, "ACCOUNT_FORM_RATE_LIMIT", "3 per minute")
    limiter.reset()
    for path in ("/register", "/reset"):
        for _ in range(3):
            assert client.post(path, data={"email": "probe@example.cn"}).status_code == 200
        resp = client.post(path, data={"email": "probe@example.cn"})
        assert resp.status_code == 429 and "操作过于频繁，请稍后再试。" in resp.get_data(as_text=True)
    limiter.reset()


def test_forgotten_password_answers_alike_for_known_and_unknown_phones(client, make):
    make.unit_user(phone="13912340003")
    answers = {}
    for phone in ("13912340003", "13912340004"):
        first = client.post("/sms-code", data={"phone": phone, "purpose": "reset"})
        again = client.post("/sms-code", data={"phone": phone, "purpose": "reset"})
        answers[phone] = (first.status_code, first.get_json()["message"], again.status_code,
                          re.sub(r"\d+秒", "N秒", again.get_json()["errors"]["phone"]))
    assert answers["13912340003"] == answers["13912340004"] == (
        200, "如该手机号已注册，验证码已发送，请注意查收短信", 400, "请N秒后再获取验证码")
    assert len(outbox_texts("sms", "13912340003")) == 1 and outbox_texts("sms", "13912340004") == []
    html = client.post("/reset", data={"phone": "13912340004", "sms_code": "654321", "password": "new!pass99",
                                       "password_confirm": "new!pass99"}).get_data(as_text=True)
    assert "短信验证码不正确" in html and "尚未注册" not in html


# ---------------------------------------------------------------- one code, one reset


def test_one_reset_code_posted_six_times_at_once_resets_once(app, make, new_browser):
    user = make.unit_user(phone="13912340005")
    code = sms_code_for(new_browser(), "13912340005", purpose="reset")

    def reset(client, i):
        password = f"new!pass{i:02d}"
        return client.post("/reset", data={"phone": "13912340005", "sms_code": code,
                                           "password": password, "password_confirm": password})

    responses = in_parallel(app, 6, reset)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 5 + [302], codes  # never a 500
    assert all("短信验证码已使用，请重新获取" in r.get_data(as_text=True) for r in responses if r.status_code == 200)
    winner = next(i for i, r in enumerate(responses) if r.status_code == 302)
    resp = new_browser().post("/login", data={"identity": user.username, "password": f"new!pass{winner:02d}"})
    assert resp.status_code == 302


def test_a_nul_byte_in_the_login_name_gets_the_login_page(client, make):
    make.unit_user(username="Nul00001")
    for path in ("/login", "/admin/login"):
        resp = client.post(path, data={"identity": "Nul00001\x00", "password": PASSWORD})
        assert resp.status_code == 200 and "账号或密码不正确" in resp.get_data(as_text=True), path
    assert User.select().where(User.username == "Nul00001").get().failed_logins == 0


def test_the_daily_purge_keeps_live_sign_in_state_and_drops_the_rest(make):
    from datetime import timedelta

    import jobs
    from models import Captcha, LoginSession, SignInFailure

    user = make.unit_user()
    now, old = utcnow(), utcnow() - timedelta(days=2)
    LoginSession.create(token_hash="live", user=user, created_at=old)
    LoginSession.create(token_hash="ended", user=user, created_at=old, ended_at=old)
    Captcha.create(token="waiting", answer_hash="x", expires_at=now + timedelta(minutes=5))
    Captcha.create(token="expired", answer_hash="x", expires_at=now - timedelta(minutes=5))
    SignInFailure.create(key="identity:locked", failures=0, locked_until=now + timedelta(minutes=5), created_at=old)
    SignInFailure.create(key="identity:stale", failures=3, created_at=old)
    SignInFailure.create(key="identity:today", failures=3)
    assert ("accounts.purge", "default", 86400, "10 3 * * *") in jobs.PERIODIC
    jobs.run("accounts.purge")
    assert [r.token_hash for r in LoginSession.select()] == ["live"]
    assert [r.token for r in Captcha.select()] == ["waiting"]
    assert sorted(r.key for r in SignInFailure.select()) == ["identity:locked", "identity:today"]
